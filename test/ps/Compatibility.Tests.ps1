# Windows PowerShell 5.1 on .NET Framework 4.8, caught on Linux as far as it can be:
# - an AST deny-list of PowerShell 6/7-only syntax, commands, parameters, escapes and variables,
#   over the module and these tests (Compatibility.Helpers.ps1), with negative controls;
# - every help example that writes a file names its -Encoding (5.1 writes ASCII or UTF-16 by
#   default, 7 UTF-8), with a negative control;
# - every .NET member the module and its examples call compiles against .NET Framework 4.8's
#   reference assemblies (test/ps/net48, `dotnet build`), with a negative control, and every member
#   found in the module's AST is listed there (Net48.Tests.ps1).
# What needs a real Windows PowerShell 5.1 is listed in docs/powershell.md.

BeforeDiscovery {
    $repoRoot = (Resolve-Path (Join-Path $PSScriptRoot '..\..')).ProviderPath
    $script:CheckedFiles = @(
        @(Get-ChildItem -Path (Join-Path $repoRoot 'ps') -Recurse -Include '*.ps1', '*.psm1', '*.psd1') +
        @(Get-ChildItem -Path $PSScriptRoot -Recurse -Include '*.ps1', '*.psm1', '*.psd1') |
            ForEach-Object { @{ Name = $_.FullName.Substring($repoRoot.Length + 1); Path = $_.FullName } })
}

BeforeAll {
    $script:RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '..\..')).ProviderPath
    . (Join-Path $PSScriptRoot 'Compatibility.Helpers.ps1')
    Import-Module (Join-Path $script:RepoRoot 'ps/ZivverAccountKey.psd1') -Force

    # The help examples of the public cmdlets and of the example script, read from their comment
    # help (GetHelpContent: what Get-Help shows); the code is the example up to its first blank line.
    function script:Get-HelpExample {
        $files = @(Get-ChildItem -Path (Join-Path $script:RepoRoot 'ps/Public') -Filter '*.ps1') + @(Get-Item -LiteralPath (Join-Path $script:RepoRoot 'ps/examples/Register-ZivverKeySyncTask.ps1'))
        foreach ($file in $files) {
            $ast = [System.Management.Automation.Language.Parser]::ParseFile($file.FullName, [ref]$null, [ref]$null)
            $help = $ast.GetHelpContent()
            $function = $ast.Find({ param($n) $n -is [System.Management.Automation.Language.FunctionDefinitionAst] }, $false)
            if ($file.Directory.Name -eq 'Public') { $help = $function.GetHelpContent() }
            $n = 0
            foreach ($text in @($help.Examples)) {
                $n++
                $code = ($text.Trim() -split '\r?\n\s*\r?\n', 2)[0]
                [pscustomobject]@{ Source = $file.Name; Number = $n; Code = $code }
            }
        }
    }
}

Describe 'Windows PowerShell 5.1 can run <Name>' -ForEach $script:CheckedFiles {
    It 'uses no syntax, command, parameter, escape or variable newer than 5.1' {
        $findings = @(Find-Ps7OnlyConstruct -Code (Get-Content -LiteralPath $Path -Raw))
        $findings | Should -BeNullOrEmpty
    }
}

Describe 'The 5.1 deny-list finds what it is for (negative controls)' {
    It 'finds <what>' -TestCases @(
        @{ what = 'the ternary operator'; code = '$a = $true ? 1 : 2' }
        @{ what = 'a pipeline chain'; code = 'Get-Item x && Get-Item y' }
        @{ what = 'the null-coalescing operator'; code = '$a = $b ?? 1' }
        @{ what = 'the ??= operator'; code = '$a ??= 1' }
        @{ what = 'null-conditional member access'; code = '${a}?.Length' }
        @{ what = 'a clean block'; code = 'function f { process { 1 } clean { 2 } }' }
        @{ what = 'a background job with &'; code = 'Get-Item x &' }
        @{ what = '-replace with a script block'; code = '''a'' -replace ''a'', { ''b'' }' }
        @{ what = '$IsWindows'; code = 'if ($IsWindows) { 1 }' }
        @{ what = '$IsLinux'; code = '$x = $IsLinux' }
        @{ what = 'a 7-only command'; code = '$x | Test-Json' }
        @{ what = 'ForEach-Object -Parallel'; code = '1..2 | ForEach-Object -Parallel { $_ }' }
        @{ what = 'ConvertFrom-Json -AsHashtable'; code = '$j | ConvertFrom-Json -AsHashtable' }
        @{ what = 'ConvertFrom-Json -NoEnumerate'; code = '$j | ConvertFrom-Json -NoEnumerate' }
        @{ what = 'Get-Content -AsByteStream'; code = 'Get-Content x -AsByteStream' }
        @{ what = 'Join-Path -AdditionalChildPath'; code = 'Join-Path a b -AdditionalChildPath c' }
        @{ what = 'Invoke-RestMethod -SkipCertificateCheck'; code = 'Invoke-RestMethod -Uri $u -SkipCertificateCheck' }
        @{ what = 'Export-Csv -UseQuotes'; code = '$x | Export-Csv a.csv -UseQuotes Never' }
        @{ what = '-Encoding utf8NoBOM'; code = 'Set-Content a.txt -Value 1 -Encoding utf8NoBOM' }
        @{ what = '-Encoding:utf8BOM'; code = 'Out-File a.txt -Encoding:utf8BOM' }
        @{ what = 'the `u{} escape'; code = '$a = "x`u{e9}"' }
        @{ what = 'the `e escape'; code = '$a = "`e[1m"' }
        @{ what = 'ConvertFrom-Json piped on'; code = 'Get-Content a.json -Raw | ConvertFrom-Json | ForEach-Object { $_.id }' }
    ) {
        @(Find-Ps7OnlyConstruct -Code $code).Count | Should -BeGreaterThan 0 -Because $what
    }

    It 'finds nothing in 5.1 code that looks alike' {
        $ok = @'
$a = if ($b) { 1 } else { 2 }
$c = "`t`n" + [char]0xe9 + '$IsWindows'
$d = $e -replace 'a', 'b'
Get-Content -LiteralPath x -Raw -Encoding UTF8 | ConvertFrom-Json
Set-Content -LiteralPath y -Value 1 -Encoding UTF8
$f = $PSVersionTable.PSEdition -eq 'Desktop'
'@
        @(Find-Ps7OnlyConstruct -Code $ok) | Should -BeNullOrEmpty
    }
}

Describe 'Help examples that write a file name their encoding' {
    It 'every example of the cmdlets and the task script that writes a file names -Encoding' {
        $examples = @(Get-HelpExample)
        $examples.Count | Should -BeGreaterThan 20
        # The task script's help is found at all (a #Requires line right above it hid it from Get-Help).
        @($examples | Where-Object Source -eq 'Register-ZivverKeySyncTask.ps1').Count | Should -Be 3
        @($examples | Where-Object { $_.Code -match 'Export-Csv' }).Count | Should -BeGreaterThan 0 -Because 'an example exports a plan for review'
        $findings = foreach ($ex in $examples) {
            foreach ($f in @(Find-FileWriteWithoutEncoding -Code $ex.Code)) { '{0} example {1}, line {2}' -f $ex.Source, $ex.Number, $f }
        }
        @($findings) | Should -BeNullOrEmpty
    }

    It 'the check finds <what> (negative control)' -TestCases @(
        @{ what = 'Export-Csv without -Encoding'; code = '$rows | Export-Csv -Path .\plan.csv -NoTypeInformation' }
        @{ what = 'Out-File without -Encoding'; code = '$rows | Out-File .\plan.txt' }
        @{ what = 'Set-Content without -Encoding'; code = 'Set-Content -Path a.txt -Value $x' }
        @{ what = 'Add-Content without -Encoding'; code = 'Add-Content a.txt $x' }
        @{ what = 'Export-Clixml without -Encoding'; code = '$cred | Export-Clixml key.xml' }
        @{ what = 'Tee-Object to a file'; code = '$x | Tee-Object -FilePath a.txt' }
        @{ what = 'a redirection to a file'; code = 'Get-ZivverKeyPlan -Path a.csv > plan.txt' }
    ) {
        @(Find-FileWriteWithoutEncoding -Code $code).Count | Should -BeGreaterThan 0 -Because $what
    }

    It 'the check accepts a named encoding and a redirection to $null' {
        @(Find-FileWriteWithoutEncoding -Code '$rows | Export-Csv -Path .\p.csv -NoTypeInformation -Encoding UTF8; $x > $null; $y | Out-File a.txt -Encoding utf8') | Should -BeNullOrEmpty
    }
}
