# Meta-tests: the manifest and the module agree, every public function is documented (synopsis,
# description, every parameter, examples that use every parameter) and tested, and every file of
# the module is plain ASCII (what Windows PowerShell 5.1 can run is checked in Compatibility.Tests.ps1
# and Net48.Tests.ps1).

BeforeDiscovery {
    $repoRoot = (Resolve-Path (Join-Path $PSScriptRoot '..\..')).ProviderPath
    $script:PublicNames = @(Get-ChildItem -Path (Join-Path $repoRoot 'ps/Public') -Filter '*.ps1' | ForEach-Object BaseName)
    $script:ModuleFiles = @(Get-ChildItem -Path (Join-Path $repoRoot 'ps') -Recurse -Include '*.ps1', '*.psm1', '*.psd1' |
            ForEach-Object { @{ Name = $_.FullName.Substring($repoRoot.Length + 1); Path = $_.FullName } })
    $script:XmlFiles = @(Get-ChildItem -Path (Join-Path $repoRoot 'ps') -Recurse -Include '*.ps1xml' |
            ForEach-Object { @{ Name = $_.FullName.Substring($repoRoot.Length + 1); Path = $_.FullName } })
}

BeforeAll {
    $script:RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '..\..')).ProviderPath
    $script:ManifestPath = Join-Path $script:RepoRoot 'ps/ZivverAccountKey.psd1'
    Import-Module $script:ManifestPath -Force
    $script:Manifest = Import-PowerShellDataFile -Path $script:ManifestPath
    $script:TestText = (Get-ChildItem -Path $PSScriptRoot -Filter '*.Tests.ps1' | Where-Object Name -ne 'Module.Meta.Tests.ps1' | Get-Content -Raw) -join "`n"
    $script:Common = @([System.Management.Automation.PSCmdlet]::CommonParameters) + @([System.Management.Automation.PSCmdlet]::OptionalCommonParameters)
}

Describe 'Module manifest' {
    It 'is valid and declares Desktop and Core, PowerShell 5.1' {
        $m = Test-ModuleManifest -Path $script:ManifestPath -ErrorAction Stop
        $m.PowerShellVersion | Should -Be ([version]'5.1')
        $m.CompatiblePSEditions | Should -Contain 'Desktop'
        $m.CompatiblePSEditions | Should -Contain 'Core'
    }

    It 'exports exactly the functions in ps/Public, by an explicit list' {
        $script:Manifest.FunctionsToExport | Should -Not -Contain '*'
        @($script:Manifest.FunctionsToExport | Sort-Object) | Should -Be @(Get-ChildItem (Join-Path $script:RepoRoot 'ps/Public') -Filter *.ps1 | ForEach-Object BaseName | Sort-Object)
        @((Get-Module ZivverAccountKey).ExportedFunctions.Keys | Sort-Object) | Should -Be @($script:Manifest.FunctionsToExport | Sort-Object)
    }

    It 'loads the formats and types it declares' {
        $script:Manifest.FormatsToProcess | Should -Contain 'ZivverAccountKey.format.ps1xml'
        $script:Manifest.TypesToProcess | Should -Contain 'ZivverAccountKey.types.ps1xml'
        (Get-FormatData -TypeName 'Zivver.KeyPlanRow') | Should -Not -BeNullOrEmpty
        (Get-FormatData -TypeName 'Zivver.KeyResult') | Should -Not -BeNullOrEmpty
        (Get-TypeData -TypeName 'Zivver.KeyPlanRow') | Should -Not -BeNullOrEmpty
    }

    It 'keeps one function per file in Public and Private, named like the file' {
        foreach ($file in Get-ChildItem (Join-Path $script:RepoRoot 'ps/Public'), (Join-Path $script:RepoRoot 'ps/Private') -Filter *.ps1) {
            $ast = [System.Management.Automation.Language.Parser]::ParseFile($file.FullName, [ref]$null, [ref]$null)
            $functions = @($ast.FindAll({ param($n) $n -is [System.Management.Automation.Language.FunctionDefinitionAst] }, $false))
            $functions.Count | Should -Be 1 -Because $file.Name
            $functions[0].Name | Should -Be $file.BaseName
        }
    }

    It 'starts processes in one place only (Invoke-ZivverKeytool)' {
        $hits = foreach ($file in Get-ChildItem (Join-Path $script:RepoRoot 'ps') -Recurse -Filter *.ps1 | Where-Object Directory -NotMatch 'examples') {
            $tokens = $null
            [void][System.Management.Automation.Language.Parser]::ParseFile($file.FullName, [ref]$tokens, [ref]$null)
            $code = ($tokens | Where-Object Kind -ne 'Comment' | ForEach-Object Text) -join ' '
            if ($code -match 'Process\]::Start|\.Start\(|Start-Process|ProcessStartInfo|Invoke-Expression|&\s*\$') { $file.Name }
        }
        @($hits) | Should -Be @('Invoke-ZivverKeytool.ps1')
    }
}

Describe 'Help of <_>' -ForEach $script:PublicNames {
    BeforeAll {
        $script:Name = $_
        $script:Help = Get-Help -Name $_ -Full
        $script:Command = Get-Command -Name $_
        $script:Parameters = @($script:Command.Parameters.Values | Where-Object { $script:Common -notcontains $_.Name })
        $script:ExampleText = (@($script:Help.examples.example) | ForEach-Object { $_.code + "`n" + (($_.remarks | ForEach-Object Text) -join "`n") }) -join "`n"
    }

    It 'has a synopsis and a description' {
        $script:Help.Synopsis | Should -Not -BeNullOrEmpty
        $script:Help.Synopsis | Should -Not -Match "^\s*$script:Name\s*\["  # not the auto-generated syntax
        ($script:Help.description | Out-String).Trim().Length | Should -BeGreaterThan 40
    }

    It 'has at least three examples, each explained' {
        @($script:Help.examples.example).Count | Should -BeGreaterOrEqual 3
        foreach ($ex in $script:Help.examples.example) {
            (($ex.remarks | ForEach-Object Text) -join '').Trim() | Should -Not -BeNullOrEmpty
        }
    }

    It 'describes every parameter' {
        foreach ($p in $script:Parameters) {
            $ph = $script:Help.parameters.parameter | Where-Object Name -eq $p.Name
            ($ph.description | Out-String).Trim() | Should -Not -BeNullOrEmpty -Because "parameter -$($p.Name) of $script:Name needs a description"
        }
    }

    It 'shows every parameter in an example (by name, alias, or as a pipeline property)' {
        foreach ($p in $script:Parameters) {
            if ($p.Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] -and $_.DontShow }) { continue }
            $names = @($p.Name) + @($p.Aliases)
            $found = $false
            foreach ($n in $names) { if ($script:ExampleText -match "(?i)(-|\b)$([regex]::Escape($n))\b") { $found = $true } }
            $found | Should -BeTrue -Because "parameter -$($p.Name) of $script:Name should appear in an example"
        }
    }

    It 'is exported and has tests' {
        (Get-Module ZivverAccountKey).ExportedFunctions.Keys | Should -Contain $script:Name
        $script:TestText | Should -Match ("Describe '" + [regex]::Escape($script:Name))
    }
}

Describe 'Windows PowerShell 5.1 compatibility of <Name>' -ForEach $script:ModuleFiles {
    It 'is plain ASCII (5.1 reads BOM-less files as the ANSI code page)' {
        $bytes = [System.IO.File]::ReadAllBytes($Path)
        @($bytes | Where-Object { $_ -gt 127 }).Count | Should -Be 0
    }
    # Syntax, commands, parameters and .NET members newer than 5.1: Compatibility.Tests.ps1 and Net48.Tests.ps1.
}

Describe 'Format and type file <Name>' -ForEach $script:XmlFiles {
    It 'is plain ASCII, well-formed XML' {
        $bytes = [System.IO.File]::ReadAllBytes($Path)
        @($bytes | Where-Object { $_ -gt 127 }).Count | Should -Be 0
        { [xml](Get-Content -LiteralPath $Path -Raw) } | Should -Not -Throw
    }
}

Describe 'docs/powershell.md' {
    BeforeAll { $script:Doc = Get-Content -LiteralPath (Join-Path $script:RepoRoot 'docs/powershell.md') -Raw }

    It 'records the old keys in the migration example (-PreviousKeySource objectGuid) so rollback can restore them' {
        $script:Doc | Should -Match 'Get-ZivverKeyPlan -PreviousKeySource objectGuid'
        $script:Doc | Should -Match '(?s)-PreviousKeySource objectGuid.{0,400}rollback'
    }

    It 'says where the task and interactive runs keep the ledger, and that -LedgerPath shares one' {
        $script:Doc | Should -Match ([regex]::Escape('%ProgramData%\zivver-keytool'))
        $script:Doc | Should -Match ([regex]::Escape('%APPDATA%\zivver-keytool'))
        $script:Doc | Should -Match 'Register-ZivverKeySyncTask\.ps1 [^\r\n]*-LedgerPath'
    }

    It 'says that -PlanPath reads a plan CSV from Excel in any delimiter' {
        $script:Doc | Should -Match '(?s)-PlanPath.{0,200}any delimiter|any delimiter.{0,200}-PlanPath'
        $script:Doc | Should -Match ([regex]::Escape("Import-Csv .\plan.csv -Delimiter ';'"))
    }
}
