# ZivverAccountKey: PowerShell cmdlets around zivver-keytool (the exe does the work; this module
# makes it feel native: pipeline binding, ShouldProcess, typed objects, progress and errors).
# Written for Windows PowerShell 5.1 and PowerShell 7: no syntax newer than 5.1 allows.
Set-StrictMode -Version 2.0

$script:ModuleRoot = $PSScriptRoot
# How many keytool processes this module has started in this session (tests and the benchmark read it).
$script:ProcessStartCount = 0

foreach ($folder in @('Private', 'Public')) {
    $dir = Join-Path -Path $PSScriptRoot -ChildPath $folder
    foreach ($file in @(Get-ChildItem -Path $dir -Filter '*.ps1' -File | Sort-Object -Property Name)) {
        . $file.FullName
    }
}

$publicFunctions = @(Get-ChildItem -Path (Join-Path -Path $PSScriptRoot -ChildPath 'Public') -Filter '*.ps1' -File |
    ForEach-Object { $_.BaseName })
Export-ModuleMember -Function $publicFunctions
