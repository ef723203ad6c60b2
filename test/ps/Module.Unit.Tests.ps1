# Unit-level tests of the module against a recording fake keytool (test/ps/fixtures/fake-keytool.mjs):
# how the child is started (argv, environment, one process per pipeline), pipeline binding, and how
# exit codes and stderr events become PowerShell errors, warnings and verbose records.

BeforeAll {
    $script:RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '..\..')).ProviderPath
    Import-Module (Join-Path $script:RepoRoot 'ps/ZivverAccountKey.psd1') -Force
    $script:Fake = Join-Path $PSScriptRoot 'fixtures/fake-keytool.mjs'

    # Secrets are made at run time: no literal API key is committed, and "never leaks" checks can fail.
    function script:New-TestSecret {
        param([string] $Label)
        $Label + '-' + [guid]::NewGuid().ToString('N')
    }
    $script:EnvKey = New-TestSecret 'ps-env-key'

    function script:New-ExoMailbox {
        param([int] $N, [string] $Type = 'UserMailbox')
        [pscustomobject]@{
            '@odata.type'             = '#Exchange.GetMailboxResponse'
            DisplayName               = "User $N"
            PrimarySmtpAddress        = "user$N@contoso.nl"
            UserPrincipalName         = "user$N@contoso.onmicrosoft.com"
            ExternalDirectoryObjectId = ('{0:d8}-1111-4222-8333-444455556666' -f $N)
            EmailAddresses            = @("SMTP:user$N@contoso.nl", "smtp:u$N@contoso.mail.onmicrosoft.com", 'X500:/o=ExchangeLabs/ou=Exchange Administrative Group/cn=Recipients/cn=x', "SIP:user$N@contoso.nl")
            RecipientTypeDetails      = $Type
            Guid                      = [guid]::NewGuid()
            Identity                  = "user$N"
            Id                        = "user$N"
            Name                      = "user$N"
        }
    }

    # What the module wrote to the fake keytool's stdin, one object per JSON line. Read line by line:
    # Windows PowerShell 5.1's ConvertFrom-Json passes an array on as one object.
    function script:Read-FakeStdinRows {
        param([string] $Path = $env:FAKE_KEYTOOL_STDIN)
        @(Get-Content -LiteralPath $Path -Encoding UTF8 | Where-Object { $_ } | ForEach-Object { $_ | ConvertFrom-Json })
    }

    # The host of the edition running these tests (powershell.exe in Windows PowerShell 5.1, pwsh in 7),
    # so that a child session tests the same edition. pwsh installed as a .NET tool is found on PATH.
    function script:Get-TestHostPath {
        if ($PSVersionTable.PSEdition -eq 'Desktop') { return (Join-Path -Path $PSHOME -ChildPath 'powershell.exe') }
        foreach ($name in 'pwsh.exe', 'pwsh') {
            $candidate = Join-Path -Path $PSHOME -ChildPath $name
            if (Test-Path -LiteralPath $candidate -PathType Leaf) { return $candidate }
        }
        (Get-Command -Name pwsh -CommandType Application | Select-Object -First 1).Source
    }

    # Runs a script file in a child session of that host (console host: prompts read stdin), with
    # these lines as its input; returns its exit code and output.
    function script:Invoke-TestHost {
        param([string] $ScriptFile, [string[]] $InputLine = @(), [switch] $NonInteractive)
        $psi = New-Object System.Diagnostics.ProcessStartInfo
        $psi.FileName = Get-TestHostPath
        $psi.Arguments = "-NoProfile -NoLogo -File `"$ScriptFile`""
        if ($NonInteractive) { $psi.Arguments = '-NonInteractive ' + $psi.Arguments }
        $psi.UseShellExecute = $false
        $psi.RedirectStandardInput = $true
        $psi.RedirectStandardOutput = $true
        $psi.RedirectStandardError = $true
        $p = [System.Diagnostics.Process]::Start($psi)
        foreach ($l in $InputLine) { $p.StandardInput.WriteLine($l) }
        $p.StandardInput.Close()
        $out = $p.StandardOutput.ReadToEndAsync()
        $err = $p.StandardError.ReadToEndAsync()
        # A guard against a hang (a prompt nobody answers), not a speed limit: generous for a loaded machine.
        $p.WaitForExit(300000) | Should -BeTrue
        [pscustomobject]@{ Code = $p.ExitCode; Out = $out.Result; Err = $err.Result }
    }

    function script:Read-FakeLog {
        if (-not (Test-Path $env:FAKE_KEYTOOL_LOG)) { return @() }
        @(Get-Content -LiteralPath $env:FAKE_KEYTOOL_LOG | Where-Object { $_ } | ForEach-Object { $_ | ConvertFrom-Json })
    }
}

Describe 'Get-ZivverKeyPlan (fake keytool)' {
    BeforeEach {
        $env:ZIVVER_KEYTOOL_PATH = $script:Fake
        $env:FAKE_KEYTOOL_LOG = Join-Path $TestDrive ('log-{0}.jsonl' -f [guid]::NewGuid())
        $env:FAKE_KEYTOOL_STDIN = Join-Path $TestDrive 'stdin.txt'
        $env:FAKE_KEYTOOL_MODE = 'plan'
        $env:ZIVVER_API_KEY = $script:EnvKey
    }
    AfterEach {
        Remove-Item Env:ZIVVER_KEYTOOL_PATH, Env:FAKE_KEYTOOL_LOG, Env:FAKE_KEYTOOL_STDIN, Env:FAKE_KEYTOOL_MODE, Env:ZIVVER_API_KEY -ErrorAction SilentlyContinue
    }

    It 'starts exactly one process for a pipeline of 200 mailboxes and emits one typed row per mailbox' {
        $rows = 1..200 | ForEach-Object { New-ExoMailbox -N $_ } | Get-ZivverKeyPlan -WarningAction SilentlyContinue
        @(Read-FakeLog).Count | Should -Be 1
        $rows.Count | Should -Be 200
        $rows[0].PSObject.TypeNames[0] | Should -Be 'Zivver.KeyPlanRow'
        $rows[0].Line | Should -Be 1
        $rows[199].Email | Should -Be 'user200@contoso.nl'
        $rows[199].NewKey | Should -Be '00000200-1111-4222-8333-444455556666'
        $rows[0].Action | Should -Be 'set'
    }

    It 'binds Get-EXOMailbox properties and sends them as JSON lines (ExternalDirectoryObjectId wins over Id)' {
        $null = New-ExoMailbox -N 7 -Type SharedMailbox | Get-ZivverKeyPlan -WarningAction SilentlyContinue
        $sent = Get-Content -LiteralPath $env:FAKE_KEYTOOL_STDIN -Raw
        $obj = $sent.Trim() | ConvertFrom-Json
        $obj.PrimarySmtpAddress | Should -Be 'user7@contoso.nl'
        $obj.ExternalDirectoryObjectId | Should -Be '00000007-1111-4222-8333-444455556666'
        $obj.UserPrincipalName | Should -Be 'user7@contoso.onmicrosoft.com'
        $obj.RecipientTypeDetails | Should -Be 'SharedMailbox'
        $obj.DisplayName | Should -Be 'User 7'
        @($obj.EmailAddresses).Count | Should -Be 4
        $obj.EmailAddresses[0] | Should -Be 'SMTP:user7@contoso.nl'
        $argv = (Read-FakeLog)[0].argv
        $argv[0] | Should -Be 'plan'
        ($argv -join ' ') | Should -Match '--input - '
        ($argv -join ' ') | Should -Match '--input-format jsonl'
        ($argv -join ' ') | Should -Match '--output jsonl'
        ($argv -join ' ') | Should -Match '--progress json'
    }

    It 'binds Microsoft Graph style users through the aliases Mail, Id and ProxyAddresses' {
        $user = [pscustomobject]@{ Id = 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee'; Mail = 'graph@contoso.nl'; ProxyAddresses = @('SMTP:graph@contoso.nl', 'smtp:g@contoso.nl'); UserPrincipalName = 'graph@contoso.nl'; OnPremisesImmutableId = 'AAECAwQFBgcICQoLDA0ODw==' }
        $null = $user | Get-ZivverKeyPlan -WarningAction SilentlyContinue
        $obj = (Get-Content -LiteralPath $env:FAKE_KEYTOOL_STDIN -Raw).Trim() | ConvertFrom-Json
        $obj.PrimarySmtpAddress | Should -Be 'graph@contoso.nl'
        $obj.ExternalDirectoryObjectId | Should -Be 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee'
        $obj.ImmutableId | Should -Be 'AAECAwQFBgcICQoLDA0ODw=='
        @($obj.EmailAddresses).Count | Should -Be 2
    }

    It 'does not carry a property of one object over to the next object that lacks it' {
        $a = [pscustomobject]@{ PrimarySmtpAddress = 'a@contoso.nl'; ExternalDirectoryObjectId = 'k1'; DisplayName = 'A' }
        $b = [pscustomobject]@{ PrimarySmtpAddress = 'b@contoso.nl' }
        $null = $a, $b | Get-ZivverKeyPlan -WarningAction SilentlyContinue
        $objs = @(Get-Content -LiteralPath $env:FAKE_KEYTOOL_STDIN | Where-Object { $_ } | ForEach-Object { $_ | ConvertFrom-Json })
        $objs.Count | Should -Be 2
        $objs[1].PSObject.Properties['ExternalDirectoryObjectId'] | Should -BeNullOrEmpty
        $objs[1].PSObject.Properties['DisplayName'] | Should -BeNullOrEmpty
    }

    It 'escapes JSON correctly for quotes, backslashes, control characters and non-ASCII text' {
        # [char] codes, not `u{...} escapes (PowerShell 7 only; 5.1 reads them as a literal u).
        $name = "Jo `"Q`" \ " + [char]0xe9 + 'l' + [char]0xe8 + "ve`t" + [char]::ConvertFromUtf32(0x1F600) + "`n"
        $odd = [pscustomobject]@{ PrimarySmtpAddress = 'x@contoso.nl'; DisplayName = $name }
        $null = $odd | Get-ZivverKeyPlan -WarningAction SilentlyContinue
        $obj = (Get-Content -LiteralPath $env:FAKE_KEYTOOL_STDIN -Raw -Encoding utf8).Trim() | ConvertFrom-Json
        $obj.DisplayName | Should -BeExactly $odd.DisplayName
    }

    It 'reads a -KeySource column:<Name> property from the piped object' {
        $u = [pscustomobject]@{ PrimarySmtpAddress = 'c@contoso.nl'; EmployeeNumber = 'E-1234' }
        $null = $u | Get-ZivverKeyPlan -KeySource 'column:EmployeeNumber' -WarningAction SilentlyContinue
        $obj = (Get-Content -LiteralPath $env:FAKE_KEYTOOL_STDIN -Raw).Trim() | ConvertFrom-Json
        $obj.EmployeeNumber | Should -Be 'E-1234'
        ((Read-FakeLog)[0].argv -join ' ') | Should -Match '--key-source column:EmployeeNumber'
    }

    It 'passes the API key from -ApiKey only through the environment, never on the command line' {
        $secret = New-TestSecret 'ps-secret-key'
        $null = New-ExoMailbox -N 1 | Get-ZivverKeyPlan -ApiKey (ConvertTo-SecureString $secret -AsPlainText -Force) -WarningAction SilentlyContinue
        $rec = (Read-FakeLog)[0]
        $rec.apiKey | Should -BeExactly $secret
        foreach ($a in $rec.argv) { $a | Should -Not -Match ([regex]::Escape($secret)) }
        (Get-Content -LiteralPath $env:FAKE_KEYTOOL_STDIN -Raw) | Should -Not -Match ([regex]::Escape($secret))
        # The key was not left in this process's environment either.
        $env:ZIVVER_API_KEY | Should -BeExactly $script:EnvKey
    }

    It 'lets the child inherit $env:ZIVVER_API_KEY when -ApiKey is not given' {
        $null = New-ExoMailbox -N 1 | Get-ZivverKeyPlan -WarningAction SilentlyContinue
        (Read-FakeLog)[0].apiKey | Should -BeExactly $script:EnvKey
    }

    It 'refuses to start without any API key' {
        Remove-Item Env:ZIVVER_API_KEY
        { New-ExoMailbox -N 1 | Get-ZivverKeyPlan -ErrorAction Stop } | Should -Throw '*No Zivver API key*'
        @(Read-FakeLog).Count | Should -Be 0
    }

    It 'quotes arguments so that spaces, quotes and trailing backslashes arrive intact' {
        # A path with spaces and a trailing backslash (.NET Framework refuses '"' in a path; the
        # quotes go through -IncludeEmail instead).
        $dir = Join-Path $TestDrive 'dir with spaces\'
        $tricky = @('a b@x.nl', 'q"uote@x.nl', 'back\\slash\', '', ([string][char]0xe9 + '@x.nl'))
        $null = New-ExoMailbox -N 1 | Get-ZivverKeyPlan -IncludeEmail $tricky[0], $tricky[1] -ExcludeEmail $tricky[2] -OutFile (Join-Path $dir 'plan v1.json') -WarningAction SilentlyContinue
        $argv = (Read-FakeLog)[0].argv
        $argv[$argv.IndexOf('--include-emails') + 1] | Should -BeExactly 'a b@x.nl;q"uote@x.nl'
        $argv[$argv.IndexOf('--exclude-emails') + 1] | Should -BeExactly 'back\\slash\'
        $argv[$argv.IndexOf('--out') + 1] | Should -BeExactly ((Join-Path $dir 'plan v1.json'))
    }

    It 'quotes an empty argument and a lone backslash' {
        InModuleScope ZivverAccountKey {
            ConvertTo-ZivverArgumentString -Argument @('', 'a', 'b c', 'd\', 'e\"f', '\\') | Should -BeExactly '"" a "b c" d\ "e\\\"f" \\'
        }
    }

    It 'resolves -Path and -OutFile against the PowerShell location, not the process directory' {
        $csv = Join-Path $TestDrive 'users.csv'
        Set-Content -LiteralPath $csv -Value 'PrimarySmtpAddress,ExternalDirectoryObjectId'
        Push-Location $TestDrive
        try { $null = Get-ZivverKeyPlan -Path .\users.csv -OutFile .\out.csv -WarningAction SilentlyContinue }
        finally { Pop-Location }
        $argv = (Read-FakeLog)[0].argv
        $argv[$argv.IndexOf('--input') + 1] | Should -Be (Join-Path (Resolve-Path $TestDrive).ProviderPath 'users.csv')
        $argv[$argv.IndexOf('--out') + 1] | Should -Be (Join-Path (Resolve-Path $TestDrive).ProviderPath 'out.csv')
        $argv | Should -Not -Contain '-'
    }

    It '-ReportPath asks for the HTML page (an --out ending in .html, resolved against the PowerShell location); another name is refused' {
        Push-Location $TestDrive
        try { $null = New-ExoMailbox -N 1 | Get-ZivverKeyPlan -ReportPath .\plan.html -OutFile .\plan.csv -WarningAction SilentlyContinue }
        finally { Pop-Location }
        $argv = (Read-FakeLog)[0].argv
        $outs = @(for ($i = 0; $i -lt $argv.Count; $i++) { if ($argv[$i] -eq '--out') { $argv[$i + 1] } })
        $outs | Should -Contain (Join-Path (Resolve-Path $TestDrive).ProviderPath 'plan.html')
        $outs | Should -Contain (Join-Path (Resolve-Path $TestDrive).ProviderPath 'plan.csv')
        { New-ExoMailbox -N 1 | Get-ZivverKeyPlan -ReportPath .\plan.pdf } | Should -Throw '*ReportPath*'
    }

    It 'turns keytool warnings into warnings and info logs into verbose records' {
        $warnings = $null
        $verbose = New-ExoMailbox -N 1 | Get-ZivverKeyPlan -WarningVariable warnings -WarningAction SilentlyContinue -Verbose 4>&1 |
            Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }
        @($warnings) -join ';' | Should -Match 'fake plan of 1 users'
        @($verbose | ForEach-Object Message) -join ';' | Should -Match 'reading accounts'
        ((Read-FakeLog)[0].argv) | Should -Contain '-v'
    }

    It 'turns exit code 2 into a terminating error with the keytool''s message' {
        $env:FAKE_KEYTOOL_MODE = 'exit:2:users.csv:3: unbalanced quote'
        $err = $null
        try { New-ExoMailbox -N 1 | Get-ZivverKeyPlan -WarningAction SilentlyContinue; throw 'no error' } catch { $err = $_ }
        $err.Exception.Message | Should -Be 'zivver-keytool: users.csv:3: unbalanced quote'
        $err.FullyQualifiedErrorId | Should -Match '^ZivverKeytool.InputError'
        $err.CategoryInfo.Category | Should -Be 'InvalidData'
        $err.Exception.Data['ExitCode'] | Should -Be 2
    }

    It 'turns exit code 3 into a terminating connection error carrying Zivver''s answer' {
        $env:FAKE_KEYTOOL_MODE = 'exit:3:Zivver refused the API key (HTTP 401): Unauthorized'
        { New-ExoMailbox -N 1 | Get-ZivverKeyPlan -WarningAction SilentlyContinue } | Should -Throw -ExpectedMessage '*HTTP 401*Unauthorized*' -ErrorId 'ZivverKeytool.ConnectionError,Get-ZivverKeyPlan'
    }

    It 'turns exit code 4 into a warning about the resumable journal' {
        $env:FAKE_KEYTOOL_MODE = 'exit:4:interrupted'
        $w = $null
        $null = New-ExoMailbox -N 1 | Get-ZivverKeyPlan -WarningVariable w -WarningAction SilentlyContinue
        ($w -join ' ') | Should -Match 'interrupted.*resume'
    }

    It 'fails clearly when ZIVVER_KEYTOOL_PATH points nowhere' {
        $env:ZIVVER_KEYTOOL_PATH = Join-Path $TestDrive 'no-such-keytool.exe'
        { New-ExoMailbox -N 1 | Get-ZivverKeyPlan } | Should -Throw -ExpectedMessage '*zivver-keytool not found*no-such-keytool.exe*' -ErrorId 'ZivverKeytool.NotFound,Get-ZivverKeyPlan'
    }

    It 'fails clearly without input' {
        { Get-ZivverKeyPlan } | Should -Throw -ErrorId 'ZivverKeyPlan.NoInput,Get-ZivverKeyPlan'
    }

    It 'takes the CSV path by position: Get-ZivverKeyPlan C:\path\mailboxes.csv' {
        $csv = Join-Path $TestDrive 'mailboxes.csv'
        Set-Content -LiteralPath $csv -Value 'PrimarySmtpAddress,ExternalDirectoryObjectId'
        $null = Get-ZivverKeyPlan $csv -WarningAction SilentlyContinue
        $argv = (Read-FakeLog)[0].argv
        $argv[$argv.IndexOf('--input') + 1] | Should -Be $csv
        $argv | Should -Not -Contain '-'
        $positional = @((Get-Command Get-ZivverKeyPlan).Parameters.Values | Where-Object {
                @($_.ParameterSets.Values | Where-Object { $_.Position -ge 0 }).Count -gt 0 } | ForEach-Object Name)
        $positional | Should -Be @('Path')
    }

    It 'says in the help of -ExcludeDomain and -ExcludeEmail that any of a user''s addresses counts' {
        foreach ($name in 'ExcludeDomain', 'ExcludeEmail') {
            $text = (Get-Help Get-ZivverKeyPlan -Parameter $name).description | Out-String
            $text | Should -Match '(?i)\bany\b' -Because "-$name skips a user when any address matches"
            $text | Should -Not -Match '(?i)users whose primary address'
        }
        ((Get-Help Get-ZivverKeyPlan -Full).examples | Out-String) | Should -Not -Match '(?i)whose primary address is in'
    }

    It 'names the cmdlet''s parameters, not the keytool''s flags, in warnings' {
        $env:FAKE_KEYTOOL_WARN = '--include-emails: no user in the input has x@contoso.nl (a typo?)'
        try {
            $w = $null
            $null = New-ExoMailbox -N 1 | Get-ZivverKeyPlan -WarningVariable w -WarningAction SilentlyContinue
        }
        finally { Remove-Item Env:FAKE_KEYTOOL_WARN }
        @($w | ForEach-Object { "$_" }) | Should -Contain '-IncludeEmail: no user in the input has x@contoso.nl (a typo?)'
    }

    It 'maps an input error on standard input to the piped objects and the keytool''s flags to parameters' {
        $env:FAKE_KEYTOOL_MODE = "exit:2:(stdin):1: --key-source column:Foo needs a Foo column, and there is none; found columns: PrimarySmtpAddress`n  Column names are matched without regard to case."
        $err = $null
        try { New-ExoMailbox -N 1 | Get-ZivverKeyPlan -WarningAction SilentlyContinue; throw 'no error' } catch { $err = $_ }
        $nl = [Environment]::NewLine
        $err.Exception.Message | Should -BeExactly ("zivver-keytool: the piped objects:1: -KeySource column:Foo needs a Foo column, and there is none; found columns: PrimarySmtpAddress{0}Column names are matched without regard to case." -f $nl)
    }

    It 'validates -KeySource' {
        { New-ExoMailbox -N 1 | Get-ZivverKeyPlan -KeySource 'mailNickname' } | Should -Throw -ErrorId 'ParameterArgumentValidationError,Get-ZivverKeyPlan'
    }
}

Describe 'Set-ZivverAccountKey (fake keytool)' {
    BeforeEach {
        $env:ZIVVER_KEYTOOL_PATH = $script:Fake
        $env:FAKE_KEYTOOL_LOG = Join-Path $TestDrive ('log-{0}.jsonl' -f [guid]::NewGuid())
        $env:FAKE_KEYTOOL_STDIN = Join-Path $TestDrive 'stdin.txt'
        $env:FAKE_KEYTOOL_MODE = 'apply'
        $env:ZIVVER_API_KEY = $script:EnvKey
        $script:Rows = 1..5 | ForEach-Object {
            $r = [pscustomobject]@{ Line = $_; Input = '-'; Email = "u$_@contoso.nl"; ZivverId = "id-$_"; UserName = "u$_@contoso.nl"; NewKey = "key-$_"; Action = 'set'; Reason = 'r'; Fingerprint = "fp$_"; Check = "ck$_"; Warnings = @() }
            $r.PSObject.TypeNames.Insert(0, 'Zivver.KeyPlanRow')
            $r
        }
    }
    AfterEach {
        Remove-Item Env:ZIVVER_KEYTOOL_PATH, Env:FAKE_KEYTOOL_LOG, Env:FAKE_KEYTOOL_STDIN, Env:FAKE_KEYTOOL_MODE, Env:ZIVVER_API_KEY -ErrorAction SilentlyContinue
    }

    It 'writes all rows with one process when confirmation is off, emitting typed results' {
        $res = $script:Rows | Set-ZivverAccountKey -Confirm:$false -ResultsPath (Join-Path $TestDrive 'r.jsonl')
        @(Read-FakeLog).Count | Should -Be 1
        $res.Count | Should -Be 5
        $res[0].PSObject.TypeNames[0] | Should -Be 'Zivver.KeyResult'
        $res[0].Status | Should -Be 'updated'
        $res[0].HttpStatus | Should -Be 200
        $res[0].At | Should -BeOfType [datetime]
        $argv = (Read-FakeLog)[0].argv
        $argv | Should -Not -Contain '--what-if'
        $argv[$argv.IndexOf('--plan') + 1] | Should -Be '-'
        $argv[$argv.IndexOf('--results') + 1] | Should -Be (Join-Path $TestDrive 'r.jsonl')
        # The rows, as JSON lines: the keytool owns the plan (no document built here).
        $sent = Get-Content -LiteralPath $env:FAKE_KEYTOOL_STDIN -Raw
        $sent | Should -Not -Match 'zivver-keyplan|"summary"|"inputs"'
        $rows = Read-FakeStdinRows
        $rows.Count | Should -Be 5
        $rows[2].check | Should -Be 'ck3'
        $rows[2].zivverId | Should -Be 'id-3'
        $argv | Should -Not -Contain '--results-dir'
    }

    It '-ReportPath reaches the keytool as --report (resolved); a name not ending in .html is refused' {
        Push-Location $TestDrive
        try { $null = $script:Rows | Set-ZivverAccountKey -Confirm:$false -ReportPath .\results.html }
        finally { Pop-Location }
        $argv = (Read-FakeLog)[0].argv
        $argv[$argv.IndexOf('--report') + 1] | Should -Be (Join-Path (Resolve-Path $TestDrive).ProviderPath 'results.html')
        { $script:Rows | Set-ZivverAccountKey -Confirm:$false -ReportPath .\results.txt } | Should -Throw '*ReportPath*'
    }

    It '-WhatIf runs apply --what-if (no writes) and still reports every row' {
        $res = $script:Rows | Set-ZivverAccountKey -WhatIf
        @(Read-FakeLog).Count | Should -Be 1
        (Read-FakeLog)[0].argv | Should -Contain '--what-if'
        $res.Count | Should -Be 5
    }

    It '-Canary joins the addresses into --canary; -CanaryOk is --canary-ok' {
        $null = $script:Rows | Set-ZivverAccountKey -Force -Canary 'u1@contoso.nl', 'u2@contoso.nl'
        $argv = (Read-FakeLog)[0].argv
        $argv[$argv.IndexOf('--canary') + 1] | Should -Be 'u1@contoso.nl;u2@contoso.nl'
        $argv | Should -Not -Contain '--canary-ok'
        $null = $script:Rows | Set-ZivverAccountKey -Force -CanaryOk
        (Read-FakeLog)[1].argv | Should -Contain '--canary-ok'
        (Read-FakeLog)[1].argv | Should -Not -Contain '--canary'
    }

    It '-Force skips the prompt; -MaxChanges and -Concurrency reach the keytool' {
        $null = $script:Rows | Set-ZivverAccountKey -Force -MaxChanges 3 -Concurrency 2
        $argv = (Read-FakeLog)[0].argv
        $argv[$argv.IndexOf('--max-changes') + 1] | Should -Be '3'
        $argv[$argv.IndexOf('--concurrency') + 1] | Should -Be '2'
    }

    It 'writes a non-terminating error per failed or drifted row and still emits every result' {
        $script:Rows[1].Email = 'fail@contoso.nl'
        $script:Rows[3].Email = 'drift@contoso.nl'
        $errs = $null
        $res = $script:Rows | Set-ZivverAccountKey -Force -ErrorVariable errs -ErrorAction SilentlyContinue
        $res.Count | Should -Be 5
        @($errs).Count | Should -Be 2
        $errs[0].Exception.Message | Should -Match 'fail@contoso.nl: failed \(HTTP 500\): Internal Server Error'
        $errs[1].Exception.Message | Should -Match 'drift@contoso.nl: drifted'
    }

    It 'accepts Import-Csv rows of a plan CSV (all strings, lower-case headers)' {
        $csv = Join-Path $TestDrive 'plan.csv'
        $script:Rows | Select-Object @{ n = 'line'; e = { $_.Line } }, @{ n = 'email'; e = { $_.Email } }, @{ n = 'zivverId'; e = { $_.ZivverId } }, @{ n = 'userName'; e = { $_.UserName } }, @{ n = 'newKey'; e = { $_.NewKey } }, @{ n = 'action'; e = { $_.Action } }, @{ n = 'reason'; e = { $_.Reason } }, @{ n = 'fingerprint'; e = { $_.Fingerprint } }, @{ n = 'check'; e = { $_.Check } } |
            Export-Csv -LiteralPath $csv -NoTypeInformation
        $res = Import-Csv -LiteralPath $csv | Set-ZivverAccountKey -Confirm:$false
        $res.Count | Should -Be 5
        $rows = Read-FakeStdinRows
        $rows[4].line | Should -Be 5
        $rows[4].newKey | Should -Be 'key-5'
    }

    It '-PlanPath hands the file to the keytool and confirms once' {
        $plan = Join-Path $TestDrive 'plan.json'
        @{ kind = 'zivver-keyplan'; rows = @($script:Rows | Select-Object @{ n = 'email'; e = { $_.Email } }, @{ n = 'action'; e = { 'set' } }) } | ConvertTo-Json -Depth 4 | Set-Content -LiteralPath $plan
        $res = Set-ZivverAccountKey -PlanPath $plan -Confirm:$false
        $res.Count | Should -Be 5
        $argv = (Read-FakeLog)[0].argv
        $argv[$argv.IndexOf('--plan') + 1] | Should -Be $plan
    }

    It 'passes -ApiKey through the environment only' {
        $applyKey = New-TestSecret 'ps-apply-key'
        $null = $script:Rows | Set-ZivverAccountKey -Force -ApiKey (ConvertTo-SecureString $applyKey -AsPlainText -Force)
        $rec = (Read-FakeLog)[0]
        $rec.apiKey | Should -BeExactly $applyKey
        ($rec.argv -join ' ') | Should -Not -Match ([regex]::Escape($applyKey))
    }

    It 'rejects objects that are not plan rows' {
        { [pscustomobject]@{ PrimarySmtpAddress = 'x@y.nl' } | Set-ZivverAccountKey -Force -ErrorAction Stop } | Should -Throw -ErrorId 'ZivverAccountKey.NotAPlanRow,Set-ZivverAccountKey'
        @(Read-FakeLog).Count | Should -Be 0
    }

    It 'explains a plan CSV saved by Excel with ";" and read by Import-Csv without -Delimiter, in one error' {
        $csv = Join-Path $TestDrive 'plan-excel-nl.csv'
        $script:Rows | Select-Object @{ n = 'line'; e = { $_.Line } }, @{ n = 'input'; e = { $_.Input } }, @{ n = 'email'; e = { $_.Email } }, @{ n = 'zivverId'; e = { $_.ZivverId } }, @{ n = 'userName'; e = { $_.UserName } }, @{ n = 'newKey'; e = { $_.NewKey } }, @{ n = 'action'; e = { $_.Action } }, @{ n = 'reason'; e = { 'matched by userName = primary address' } }, @{ n = 'fingerprint'; e = { $_.Fingerprint } }, @{ n = 'check'; e = { $_.Check } } |
            Export-Csv -LiteralPath $csv -NoTypeInformation -Delimiter ';'
        $rows = @(Import-Csv -LiteralPath $csv)
        @($rows[0].PSObject.Properties).Count | Should -Be 1   # what the admin gets: one column per row
        $errs = $null
        $err = $null
        try { $rows | Set-ZivverAccountKey -Force -ErrorVariable errs; throw 'no error' } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -Be 'ZivverAccountKey.SemicolonCsv,Set-ZivverAccountKey'
        $err.Exception.Message | Should -Match ([regex]::Escape("Import-Csv -Delimiter ';'"))
        $err.Exception.Message | Should -Match '-PlanPath'
        $err.Exception.Message | Should -Not -Match 'cannot be bound'
        @($errs).Count | Should -Be 1
        @(Read-FakeLog).Count | Should -Be 0

        # What the error advises works.
        $res = @(Import-Csv -LiteralPath $csv -Delimiter ';' | Set-ZivverAccountKey -Force)
        $res.Count | Should -Be 5
        (Read-FakeStdinRows)[4].newKey | Should -Be 'key-5'
    }

    It 'shows Import-Csv of an Excel-reviewed plan with -Delimiter '';'' (or -PlanPath) in its examples' {
        $examples = @((Get-Help Set-ZivverAccountKey -Full).examples.example | Where-Object { $_.code -match 'Import-Csv' })
        $examples.Count | Should -BeGreaterThan 0
        foreach ($ex in $examples) { $ex.code | Should -Match ([regex]::Escape("-Delimiter ';'")) }
    }

    It 'leaves out a row without an Action with a non-terminating error and writes the others' {
        $script:Rows[2].Action = ''
        $errs = $null
        $res = @($script:Rows | Set-ZivverAccountKey -Force -ErrorVariable errs -ErrorAction SilentlyContinue)
        $res.Count | Should -Be 4
        @($errs).Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -Be 'ZivverAccountKey.NoAction,Set-ZivverAccountKey'
    }

    It 'takes -PlanPath by position' {
        $plan = Join-Path $TestDrive 'plan-positional.json'
        @{ kind = 'zivver-keyplan'; rows = @($script:Rows | Select-Object @{ n = 'email'; e = { $_.Email } }, @{ n = 'action'; e = { 'set' } }) } | ConvertTo-Json -Depth 4 | Set-Content -LiteralPath $plan
        $res = @(Set-ZivverAccountKey $plan -Confirm:$false)
        $res.Count | Should -Be 5
        $argv = (Read-FakeLog)[0].argv
        $argv[$argv.IndexOf('--plan') + 1] | Should -Be $plan
    }

    It 'names -MaxChanges and the piped objects in the refusal, keeping its line break as a line break' {
        $env:FAKE_KEYTOOL_MODE = "exit:2:the plan would write 5 key(s), more than --max-changes 2.`n  Nothing was written. Review the plan (stdin); if it is right, run again with a higher --max-changes."
        $err = $null
        try { $script:Rows | Set-ZivverAccountKey -Force -MaxChanges 2 -WarningAction SilentlyContinue; throw 'no error' } catch { $err = $_ }
        $lines = $err.Exception.Message -split '\r?\n'
        $lines | Should -Be @(
            'zivver-keytool: the plan would write 5 key(s), more than -MaxChanges 2.'
            'Nothing was written. Review the plan (the piped objects); if it is right, run again with a higher -MaxChanges.'
        )
        $err.Exception.Message | Should -Not -Match '  '
        $err.Exception.Data['ExitCode'] | Should -Be 2
    }
}

Describe 'Set-ZivverAccountKey -Confirm (interactive prompts answered through a real console host)' {
    It '<answers> writes <written> of 3 rows' -TestCases @(
        @{ answers = 'Y,N,Y'; written = 2 }
        @{ answers = 'N,A'; written = 2 }
        @{ answers = 'A'; written = 3 }
        @{ answers = 'L'; written = 0 }
    ) {
        $log = Join-Path $TestDrive ('confirm-{0}.jsonl' -f [guid]::NewGuid())
        $stdinFile = Join-Path $TestDrive 'confirm-stdin.txt'
        $module = Join-Path $script:RepoRoot 'ps/ZivverAccountKey.psd1'
        $script = @"
`$env:ZIVVER_KEYTOOL_PATH = '$($script:Fake)'
`$env:FAKE_KEYTOOL_LOG = '$log'
`$env:FAKE_KEYTOOL_STDIN = '$stdinFile'
`$env:FAKE_KEYTOOL_MODE = 'apply'
`$env:ZIVVER_API_KEY = 'k'
Import-Module '$module'
`$rows = 1..3 | ForEach-Object { [pscustomobject]@{ Email = "u`$_@x.nl"; ZivverId = "id`$_"; UserName = "u`$_@x.nl"; NewKey = "k`$_"; Action = 'set'; Check = 'c' } }
`$res = `$rows | Set-ZivverAccountKey
'RESULT:' + ((`$res | ForEach-Object { `$_.Email + '=' + `$_.Status }) -join ',')
"@
        $scriptFile = Join-Path $TestDrive 'confirm.ps1'
        Set-Content -LiteralPath $scriptFile -Value $script
        $run = Invoke-TestHost -ScriptFile $scriptFile -InputLine $answers.Split(',')
        $stdout = $run.Out
        $stdout | Should -Match 'RESULT:'
        $updated = ([regex]::Matches($stdout, '=updated')).Count
        $updated | Should -Be $written -Because "stdout: $stdout`nstderr: $($run.Err)"
        if ($written -gt 0) {
            @(Get-Content -LiteralPath $log).Count | Should -Be 1
            @(Read-FakeStdinRows -Path $stdinFile | Where-Object action -eq 'set').Count | Should -Be $written
        }
        else {
            Test-Path -LiteralPath $log | Should -BeFalse
        }
    }
}

Describe 'Test-ZivverConnection (fake keytool)' {
    BeforeEach {
        $env:ZIVVER_KEYTOOL_PATH = $script:Fake
        $env:FAKE_KEYTOOL_LOG = Join-Path $TestDrive ('log-{0}.jsonl' -f [guid]::NewGuid())
        $env:ZIVVER_API_KEY = $script:EnvKey
    }
    AfterEach {
        Remove-Item Env:ZIVVER_KEYTOOL_PATH, Env:FAKE_KEYTOOL_LOG, Env:FAKE_KEYTOOL_MODE, Env:ZIVVER_API_KEY -ErrorAction SilentlyContinue
    }

    It 'reports the account count' {
        $env:FAKE_KEYTOOL_MODE = 'text'
        $r = Test-ZivverConnection -ZivverUrl 'http://127.0.0.1:9/api/scim/v2'
        $r.Connected | Should -BeTrue
        $r.AccountCount | Should -Be 42
        (Read-FakeLog)[0].argv[0] | Should -Be 'test-connection'
    }

    It 'throws with Zivver''s answer, or returns $false with -Quiet' {
        $env:FAKE_KEYTOOL_MODE = 'exit:3:HTTP 401 Unauthorized'
        { Test-ZivverConnection -WarningAction SilentlyContinue } | Should -Throw '*401 Unauthorized*'
        Test-ZivverConnection -Quiet -WarningAction SilentlyContinue | Should -BeFalse
    }
}

Describe 'Keytool messages in the cmdlets'' terms (ConvertTo-ZivverCmdletMessage, used by Invoke-ZivverKeytool)' {
    It 'maps <flag> to <parameter>' -TestCases @(
        @{ flag = '--max-changes 2'; parameter = '-MaxChanges 2' }
        @{ flag = '--include-emails'; parameter = '-IncludeEmail' }
        @{ flag = '--exclude-domains'; parameter = '-ExcludeDomain' }
        @{ flag = '--key-source objectGuid'; parameter = '-KeySource objectGuid' }
        @{ flag = '--previous-key-source objectGuid'; parameter = '-PreviousKeySource objectGuid' }
        @{ flag = '--zivver-url'; parameter = '-ZivverUrl' }
        @{ flag = '--ledger'; parameter = '-LedgerPath' }
        @{ flag = '--results'; parameter = '-ResultsPath' }
        @{ flag = '--canary-ok'; parameter = '-CanaryOk' }
        @{ flag = '--canary "a@x.nl"'; parameter = '-Canary "a@x.nl"' }
        @{ flag = '--report'; parameter = '-ReportPath' }
        @{ flag = 'ZIVVER_API_KEY'; parameter = '-ApiKey or $env:ZIVVER_API_KEY' }
        @{ flag = '--api-key-file <path>'; parameter = '-ApiKey or $env:ZIVVER_API_KEY' }
        @{ flag = 'the plan (stdin)'; parameter = 'the plan (the piped objects)' }
    ) {
        InModuleScope ZivverAccountKey -Parameters @{ Flag = $flag } {
            param($Flag)
            ConvertTo-ZivverCmdletMessage -Message "x $Flag y"
        } | Should -BeExactly "x $parameter y"
    }

    It 'leaves look-alikes alone (--output, --input-format, a path, $env:ZIVVER_API_KEY)' {
        InModuleScope ZivverAccountKey {
            ConvertTo-ZivverCmdletMessage -Message 'see --output jsonl and --input-format csv in D:\zivver--ledger\x.csv; $env:ZIVVER_API_KEY is set'
        } | Should -BeExactly 'see --output jsonl and --input-format csv in D:\zivver--ledger\x.csv; $env:ZIVVER_API_KEY is set'
    }

    It 'turns the keytool''s advice on the API key into the module''s' {
        $msg = InModuleScope ZivverAccountKey {
            ConvertTo-ZivverCmdletMessage -Message 'No Zivver API key. Put the Zivver API key in the environment variable ZIVVER_API_KEY, or in a file named with --api-key-file <path>. A key given as a command-line value is deliberately not accepted: command lines are visible to other processes and end up in shell history.'
        }
        $msg | Should -BeExactly 'No Zivver API key. Pass -ApiKey (a SecureString) or set $env:ZIVVER_API_KEY.'
    }

    It 'names the cmdlet for "zivver-keytool apply --plan", and keeps a zivver-keytool rollback command line as typed' {
        $nl = [Environment]::NewLine
        InModuleScope ZivverAccountKey {
            ConvertTo-ZivverCmdletMessage -Message "ok: zivver-keytool apply --plan p.csv --canary-ok`n  fails: zivver-keytool rollback --results p.csv.results.jsonl --out rollback.json"
        } | Should -BeExactly "ok: Set-ZivverAccountKey -PlanPath p.csv -CanaryOk${nl}fails: zivver-keytool rollback --results p.csv.results.jsonl --out rollback.json"
    }

    It 'keeps each line of a multi-line message on its own line, without the indentation' {
        $nl = [Environment]::NewLine
        InModuleScope ZivverAccountKey {
            ConvertTo-ZivverCmdletMessage -Message "first`n  second`r`n    third  "
        } | Should -BeExactly "first${nl}second${nl}third"
    }
}

Describe 'Default table views (ZivverAccountKey.format.ps1xml)' {
    BeforeAll {
        $script:LongEmail = 'wouter.vandenmolenaar@voorbeeldzo.nl'   # 36 characters
        $script:Guid = '7f1c2a9e-58b4-4c61-9a0e-2d3b4c5d6e7f'
    }

    It 'shows would-update, a 36-character address and a GUID in full at width 120 (Zivver.KeyResult)' {
        $r = InModuleScope ZivverAccountKey -Parameters @{ E = $script:LongEmail; K = $script:Guid } {
            param($E, $K)
            ConvertTo-ZivverKeyResult -Field @{ email = $E; zivverId = 'id'; newKey = $K; status = 'would-update'; error = 'what-if: not written' }
        }
        $text = $r | Out-String -Width 120
        $text | Should -Match '(?m)^would-update '
        $text | Should -Match ([regex]::Escape($script:LongEmail) + ' ')
        $text | Should -Match ([regex]::Escape($script:Guid))
        $text | Should -Match 'what-if: not written'
    }

    It 'shows the action, both 36-character addresses and the GUID in full at width 120, and the reason when wider (Zivver.KeyPlanRow)' {
        $row = InModuleScope ZivverAccountKey -Parameters @{ E = $script:LongEmail; K = $script:Guid } {
            param($E, $K)
            [pscustomobject]@{ line = 1; email = $E; userName = $E; newKey = $K; action = 'not-found'; reason = 'no Zivver account with userName or alias x' } | ConvertTo-ZivverKeyPlanRow
        }
        $text = $row | Out-String -Width 120
        $text | Should -Match '(?m)^not-found '
        ([regex]::Matches($text, [regex]::Escape($script:LongEmail))).Count | Should -Be 2
        $text | Should -Match ([regex]::Escape($script:Guid))
        ($row | Out-String -Width 170) | Should -Match 'no Zivver account with userName or alias x'
    }

    It 'gives NewKey exactly the width of a GUID' {
        foreach ($type in 'Zivver.KeyPlanRow', 'Zivver.KeyResult') {
            $headers = (Get-FormatData -TypeName $type).FormatViewDefinition[0].Control.Headers
            ($headers | Where-Object Label -eq 'NewKey').Width | Should -Be 36
        }
    }
}

Describe 'Register-ZivverKeySyncTask.ps1 (example)' {
    BeforeAll {
        $script:Example = Join-Path $script:RepoRoot 'ps/examples/Register-ZivverKeySyncTask.ps1'
        # Stand-ins for the ScheduledTasks and SecretManagement cmdlets (Windows-only), recording the task.
        function global:New-ScheduledTaskAction { param($Execute, $Argument, $WorkingDirectory) [pscustomobject]@{ Execute = $Execute; Argument = $Argument } }
        function global:New-ScheduledTaskTrigger { param([switch] $Daily, $At) 'trigger' }
        function global:New-ScheduledTaskSettingsSet { param([switch] $StartWhenAvailable, $ExecutionTimeLimit, $MultipleInstances) 'settings' }
        function global:New-ScheduledTaskPrincipal { param($UserId, $LogonType, $RunLevel) 'principal' }
        function global:Register-ScheduledTask { param($TaskName, $Action, $Trigger, $Settings, $Principal, $User, $Password, [switch] $Force) [pscustomobject]@{ TaskName = $TaskName; State = 'Ready' } }
        function global:Set-Secret { param($Name, $SecureStringSecret, $Vault) }
    }
    AfterAll {
        Remove-Item Function:\New-ScheduledTaskAction, Function:\New-ScheduledTaskTrigger, Function:\New-ScheduledTaskSettingsSet, Function:\New-ScheduledTaskPrincipal, Function:\Register-ScheduledTask, Function:\Set-Secret -ErrorAction SilentlyContinue
    }

    It 'writes a runner that uses -LedgerPath <ledger>, default ledger.jsonl in -DataFolder' -TestCases @(
        @{ ledger = 'shared/ledger.jsonl' }
        @{ ledger = $null }
    ) {
        # A folder name with an e-acute: the runner must reach powershell.exe (5.1) intact.
        $data = Join-Path $TestDrive (('data-{0}-' -f [guid]::NewGuid()) + [char]0xe9)
        $splat = @{
            CsvPath     = (Join-Path $TestDrive 'mailboxes.csv')
            MaxChanges  = 50
            DataFolder  = $data
            KeytoolPath = $script:Fake
            TaskUser    = 'CONTOSO\svc-zivver$'
            Vault       = 'ZivverStore'
            ApiKey      = (ConvertTo-SecureString (New-TestSecret 'ps-task-key') -AsPlainText -Force)
        }
        $expected = Join-Path $data 'ledger.jsonl'
        if ($ledger) {
            $splat['LedgerPath'] = Join-Path $TestDrive $ledger
            $expected = Join-Path $TestDrive $ledger
        }
        $null = & $script:Example @splat
        $runnerFile = Join-Path $data 'Invoke-ZivverKeySync.ps1'
        # UTF-8 with a BOM whichever edition wrote it: the task runs powershell.exe, which reads a
        # file without a BOM in the ANSI code page.
        $bytes = [System.IO.File]::ReadAllBytes($runnerFile)
        @($bytes[0], $bytes[1], $bytes[2]) | Should -Be @(0xEF, 0xBB, 0xBF)
        $runner = Get-Content -LiteralPath $runnerFile -Raw -Encoding UTF8
        $runner | Should -Match ([regex]::Escape("`$data = '$data'"))
        $runner | Should -Match ([regex]::Escape("`$ledger = '$expected'"))
        $runner | Should -Match 'Get-ZivverKeyPlan [^\r\n]*-LedgerPath \$ledger'
        $runner | Should -Match 'Set-ZivverAccountKey [^\r\n]*-LedgerPath \$ledger'
    }
}

Describe 'Windows PowerShell 5.1 behaviours of Get-ZivverKeyPlan and Set-ZivverAccountKey (fake keytool)' {
    BeforeEach {
        $env:ZIVVER_KEYTOOL_PATH = $script:Fake
        $env:FAKE_KEYTOOL_LOG = Join-Path $TestDrive ('log-{0}.jsonl' -f [guid]::NewGuid())
        $env:FAKE_KEYTOOL_STDIN = Join-Path $TestDrive ('stdin-{0}.txt' -f [guid]::NewGuid())
        $env:FAKE_KEYTOOL_MODE = 'plan'
        $env:ZIVVER_API_KEY = $script:EnvKey
    }
    AfterEach {
        Remove-Item Env:ZIVVER_KEYTOOL_PATH, Env:FAKE_KEYTOOL_LOG, Env:FAKE_KEYTOOL_STDIN, Env:FAKE_KEYTOOL_MODE, Env:ZIVVER_API_KEY -ErrorAction SilentlyContinue
    }

    It 'works with $DebugPreference = ''Inquire'' (what -Debug sets in 5.1) in a -NonInteractive session, showing debug lines without asking' {
        $module = Join-Path $script:RepoRoot 'ps/ZivverAccountKey.psd1'
        $script = @"
`$ErrorActionPreference = 'Stop'
`$env:ZIVVER_KEYTOOL_PATH = '$($script:Fake)'
`$env:ZIVVER_API_KEY = 'k'
`$env:FAKE_KEYTOOL_MODE = 'plan'
Import-Module '$module'
`$DebugPreference = 'Inquire'
`$rows = @([pscustomobject]@{ PrimarySmtpAddress = 'a@contoso.nl'; ExternalDirectoryObjectId = 'k-1' } | Get-ZivverKeyPlan -WarningAction SilentlyContinue)
`$env:FAKE_KEYTOOL_MODE = 'apply'
`$res = @(`$rows | Set-ZivverAccountKey -Force -WarningAction SilentlyContinue)
'RESULT:' + `$rows.Count + ':' + `$res[0].Status
"@
        $scriptFile = Join-Path $TestDrive 'inquire.ps1'
        Set-Content -LiteralPath $scriptFile -Value $script -Encoding UTF8
        $run = Invoke-TestHost -ScriptFile $scriptFile -NonInteractive
        $because = "stdout: $($run.Out)`nstderr: $($run.Err)"
        $run.Code | Should -Be 0 -Because $because
        $run.Out | Should -Match 'RESULT:1:updated' -Because $because
        ($run.Out + $run.Err) | Should -Not -Match 'NonInteractive' -Because $because
        $run.Out | Should -Match 'fake debug line' -Because 'debug lines are shown, as with -Debug in PowerShell 7'
    }

    It 'keeps a raw column: key that looks like a date exactly as the keytool wrote it (PowerShell 7''s ConvertFrom-Json makes it a DateTime)' {
        $u = [pscustomobject]@{ PrimarySmtpAddress = 'd@contoso.nl'; Badge = '2024-06-13T10:00:00Z' }
        $row = @($u | Get-ZivverKeyPlan -KeySource 'column:Badge' -WarningAction SilentlyContinue)[0]
        $row.NewKey | Should -BeExactly '2024-06-13T10:00:00Z'
        $row.KeySource | Should -BeExactly 'column:Badge'
        $env:FAKE_KEYTOOL_MODE = 'apply'
        $res = @($row | Set-ZivverAccountKey -Force)
        $res[0].NewKey | Should -BeExactly '2024-06-13T10:00:00Z'
        # Compared as text: this test's own ConvertFrom-Json would make a date of it in PowerShell 7.
        (Get-Content -LiteralPath $env:FAKE_KEYTOOL_STDIN -Raw) | Should -Match ([regex]::Escape('"newKey":"2024-06-13T10:00:00Z"'))
        # Other notations that ConvertFrom-Json in 7 would turn into dates.
        foreach ($key in '2024-06-13T10:00:00', '2024-06-13T10:00:00.123+02:00') {
            $line = '{"newKey":"' + $key + '","at":"' + $key + '","n":1}'
            $obj = InModuleScope ZivverAccountKey -Parameters @{ L = $line } { param($L) ConvertFrom-ZivverJsonLine -Line $L }
            $obj.newKey | Should -BeExactly $key
            $obj.n | Should -Be 1
        }
    }

    It 'hands Get-ZivverKeyPlan''s rows back as JSON lines with their key source, input and URL, and lets the keytool name the journal' {
        $url = 'http://127.0.0.1:9/api/scim/v2'
        $plan = @(1..3 | ForEach-Object { [pscustomobject]@{ PrimarySmtpAddress = "p$_@contoso.nl"; Badge = "badge-$_" } } |
                Get-ZivverKeyPlan -KeySource 'column:Badge' -ZivverUrl $url -WarningAction SilentlyContinue)
        $plan[0].PlanZivverUrl | Should -Be $url
        $env:FAKE_KEYTOOL_MODE = 'apply'
        $null = $plan | Set-ZivverAccountKey -Force
        $argv = @((Read-FakeLog)[-1].argv)
        $argv[$argv.IndexOf('--plan') + 1] | Should -Be '-'
        $argv | Should -Not -Contain '--results'
        $argv[$argv.IndexOf('--results-dir') + 1] | Should -Be ([System.IO.Path]::Combine([Environment]::GetFolderPath('LocalApplicationData'), 'zivver-keytool', 'results'))
        $argv[$argv.IndexOf('--zivver-url') + 1] | Should -Be $url
        $sent = Read-FakeStdinRows
        $sent.Count | Should -Be 3
        foreach ($r in $sent) {
            $r.keySource | Should -BeExactly 'column:Badge'
            $r.keyFormat | Should -BeExactly 'raw'
            $r.zivverUrl | Should -BeExactly $url
            $r.input | Should -BeExactly '-'
        }
        $sent[2].newKey | Should -Be 'badge-3'
    }

    It 'does not carry a plan row''s field over to the next row that lacks it' {
        $env:FAKE_KEYTOOL_MODE = 'apply'
        $a = [pscustomobject]@{ Email = 'a@x.nl'; ZivverId = 'id-a'; UserName = 'a@x.nl'; NewKey = 'k-a'; Action = 'set'; Check = 'c1'; PreviousKey = 'old-a'; KeySource = 'objectGuid' }
        $b = [pscustomobject]@{ Email = 'b@x.nl'; ZivverId = 'id-b'; UserName = 'b@x.nl'; NewKey = 'k-b'; Action = 'set'; Check = 'c2' }
        $null = $a, $b | Set-ZivverAccountKey -Force
        $sent = Read-FakeStdinRows
        $sent[0].previousKey | Should -Be 'old-a'
        $sent[1].PSObject.Properties['previousKey'] | Should -BeNullOrEmpty
        $sent[1].PSObject.Properties['keySource'] | Should -BeNullOrEmpty
    }

    It 'gives the keytool a stop file on every start (the cancellation channel for Ctrl-C), which does not exist yet' {
        $null = New-ExoMailbox -N 1 | Get-ZivverKeyPlan -WarningAction SilentlyContinue
        $argv = @((Read-FakeLog)[0].argv)
        $stop = $argv[$argv.IndexOf('--stop-file') + 1]
        $stop | Should -Match 'zivver-keytool-stop-[0-9a-f]{32}$'
        Test-Path -LiteralPath $stop | Should -BeFalse
    }
}

Describe 'The fake keytool behaves like the real one on a UTF-8 BOM on stdin' {
    It 'reads the same rows with and without a BOM (plan --input -, apply --plan -)' -TestCases @(
        @{ mode = 'plan'; text = ('{"PrimarySmtpAddress":"a@contoso.nl","ExternalDirectoryObjectId":"k1"}' + "`n") }
        @{ mode = 'apply'; text = ('{"email":"a@contoso.nl","zivverId":"id-1","userName":"a@contoso.nl","newKey":"k1","action":"set","check":"c"}' + "`n") }
    ) {
        $outputs = foreach ($bom in $false, $true) {
            $psi = New-Object System.Diagnostics.ProcessStartInfo
            $psi.FileName = (Get-Command node -CommandType Application | Select-Object -First 1).Source
            $argList = @($script:Fake, $mode)
            if ($mode -eq 'plan') { $argList += '--input', '-' } else { $argList += '--plan', '-' }
            $psi.Arguments = ($argList | ForEach-Object { '"' + $_ + '"' }) -join ' '
            $psi.UseShellExecute = $false
            $psi.RedirectStandardInput = $true
            $psi.RedirectStandardOutput = $true
            $psi.RedirectStandardError = $true
            $psi.EnvironmentVariables['FAKE_KEYTOOL_MODE'] = $mode
            $p = [System.Diagnostics.Process]::Start($psi)
            $bytes = (New-Object System.Text.UTF8Encoding -ArgumentList $bom).GetPreamble() + [System.Text.Encoding]::UTF8.GetBytes($text)
            $p.StandardInput.BaseStream.Write($bytes, 0, $bytes.Length)
            $p.StandardInput.Close()
            $out = $p.StandardOutput.ReadToEndAsync()
            $null = $p.StandardError.ReadToEndAsync()
            $p.WaitForExit(30000) | Should -BeTrue
            $p.ExitCode | Should -Be 0
            $out.Result
        }
        $outputs[1] | Should -BeExactly $outputs[0]
        $outputs[0] | Should -Match '"(newKey|status)"'
    }
}
