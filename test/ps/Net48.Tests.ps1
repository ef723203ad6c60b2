# Every .NET member that the module (ps/), its example script and their help examples call exists
# in .NET Framework 4.8, which Windows PowerShell 5.1 runs on: test/ps/net48/Members.cs uses each
# of them and is compiled against the .NET Framework 4.8 reference assemblies (NuGet
# Microsoft.NETFramework.ReferenceAssemblies.net48, restored by .ci/install-40-net48.sh; the build
# needs no network). A negative control proves the build fails on a member that net48 lacks, and a
# meta test that every member found in the syntax trees is listed in Members.cs.

BeforeAll {
    $script:RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '..\..')).ProviderPath
    . (Join-Path $PSScriptRoot 'Compatibility.Helpers.ps1')
    $script:Project = Join-Path $PSScriptRoot 'net48/Net48Members.csproj'
    $script:Listing = Get-Content -LiteralPath (Join-Path $PSScriptRoot 'net48/Members.cs') -Raw
    $script:Dotnet = (Get-Command -Name dotnet -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1).Source

    function script:Invoke-Net48Build {
        param([string] $Out, [string[]] $Extra = @())
        $env:DOTNET_CLI_TELEMETRY_OPTOUT = '1'; $env:DOTNET_NOLOGO = '1'; $env:DOTNET_SKIP_FIRST_TIME_EXPERIENCE = '1'
        $output = & $script:Dotnet build $script:Project --no-restore -nologo -v q -o $Out @Extra 2>&1 | Out-String
        [pscustomobject]@{ Code = $LASTEXITCODE; Output = $output }
    }

    # The syntax trees: every file of ps/ and the code of every help example in them.
    function script:Get-ModuleAst {
        foreach ($file in Get-ChildItem -Path (Join-Path $script:RepoRoot 'ps') -Recurse -Include '*.ps1', '*.psm1') {
            $ast = [System.Management.Automation.Language.Parser]::ParseFile($file.FullName, [ref]$null, [ref]$null)
            $ast
            $helps = @($ast.GetHelpContent()) + @($ast.FindAll({ param($n) $n -is [System.Management.Automation.Language.FunctionDefinitionAst] }, $true) | ForEach-Object { $_.GetHelpContent() })
            foreach ($help in $helps) {
                if ($null -eq $help) { continue }
                foreach ($text in @($help.Examples)) {
                    [System.Management.Automation.Language.Parser]::ParseInput((($text.Trim() -split '\r?\n\s*\r?\n', 2)[0]), [ref]$null, [ref]$null)
                }
            }
        }
    }
}

Describe '.NET members against .NET Framework 4.8 (test/ps/net48)' {
    It 'has dotnet and the restored reference assemblies (.ci/install-40-net48.sh)' {
        $script:Dotnet | Should -Not -BeNullOrEmpty -Because 'the compile check needs the dotnet SDK'
        Test-Path -LiteralPath (Join-Path $PSScriptRoot 'net48/obj/project.assets.json') | Should -BeTrue -Because 'run .ci/install-40-net48.sh (dotnet restore from NuGet) first'
    }

    It 'compiles every member the module and its examples call against net48' {
        $r = Invoke-Net48Build -Out (Join-Path $TestDrive 'out')
        $r.Code | Should -Be 0 -Because $r.Output
    }

    It 'fails to compile a member that net48 lacks (negative control: ProcessStartInfo.StandardInputEncoding)' {
        $r = Invoke-Net48Build -Out (Join-Path $TestDrive 'negative') -Extra @('-p:DefineConstants=NEGATIVE_CONTROL', '-p:IntermediateOutputPath=obj/negative-control/')
        $r.Code | Should -Not -Be 0
        $r.Output | Should -Match "CS1061.*'ProcessStartInfo' does not contain a definition for 'StandardInputEncoding'"
    }

    It 'lists every type and member found in the module''s, its examples'' and their help examples'' syntax trees' {
        $uses = @(Get-DotNetMemberUse -Ast @(Get-ModuleAst))
        @($uses | Where-Object Kind -eq 'Static').Count | Should -BeGreaterThan 20
        @($uses | Where-Object Kind -eq 'Instance').Count | Should -BeGreaterThan 50
        @(Find-UnlistedDotNetMember -Use $uses -Listing $script:Listing) | Should -BeNullOrEmpty
    }

    It 'the inventory finds a member the listing lacks (negative control)' {
        $ast = [System.Management.Automation.Language.Parser]::ParseInput('$n = [System.IO.Path]::GetRandomFileName(); $x.Frobnicate(); $q = New-Object System.Collections.Queue', [ref]$null, [ref]$null)
        $findings = @(Find-UnlistedDotNetMember -Use @(Get-DotNetMemberUse -Ast $ast) -Listing $script:Listing)
        ($findings -join "`n") | Should -Match 'System.IO.Path::GetRandomFileName'
        ($findings -join "`n") | Should -Match '\.Frobnicate'
        ($findings -join "`n") | Should -Match 'System.Collections.Queue'
    }
}
