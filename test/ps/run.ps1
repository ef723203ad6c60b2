# Runs every Pester test under test/ps and prints one closing line:
#   Pester: N passed, N failed, N skipped
# Exits 1 when a test failed (or nothing ran). Used by `npm run test:ps`.
[CmdletBinding()]
param(
    [string[]] $Path = @($PSScriptRoot),
    [string] $Output = 'Detailed'
)
$ErrorActionPreference = 'Stop'
$pester = Get-Module -ListAvailable -Name Pester | Where-Object { $_.Version.Major -eq 5 } | Sort-Object Version -Descending | Select-Object -First 1
if (-not $pester) {
    Write-Host 'Pester 5 is not installed (run .ci/install-20-pwsh.sh).'
    Write-Host 'Pester: 0 passed, 1 failed, 0 skipped'
    if ($env:TEST_SUMMARY_FILE) { Set-Content -LiteralPath $env:TEST_SUMMARY_FILE -Encoding ascii -Value '{"passed":0,"failed":1,"skipped":0}' }
    exit 1
}
Import-Module $pester.Path -Force

$config = New-PesterConfiguration
$config.Run.Path = $Path
$config.Run.PassThru = $true
$config.Output.Verbosity = $Output
$config.TestResult.Enabled = $false
$result = Invoke-Pester -Configuration $config

$failed = $result.FailedCount + $result.FailedBlocksCount + $result.FailedContainersCount
$skipped = $result.SkippedCount + $result.NotRunCount
if ($env:TEST_SUMMARY_FILE) {
    # test/run-all.mjs adds this to the other suites' counts.
    Set-Content -LiteralPath $env:TEST_SUMMARY_FILE -Encoding ascii -Value (@{ passed = $result.PassedCount; failed = $failed; skipped = $skipped } | ConvertTo-Json -Compress)
}
Write-Host ''
Write-Host ('Pester: {0} passed, {1} failed, {2} skipped' -f $result.PassedCount, $failed, $skipped)
if ($failed -gt 0 -or $result.PassedCount -eq 0) { exit 1 }
exit 0
