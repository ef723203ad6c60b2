# Unit-level tests of the module against a recording fake keytool (test/ps/fixtures/fake-keytool.mjs):
# how the child is started (argv, environment, one process per pipeline), pipeline binding, and how
# exit codes and stderr events become PowerShell errors, warnings and verbose records.

BeforeAll {
    $script:RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '..\..')).ProviderPath
    Import-Module (Join-Path $script:RepoRoot 'ps/ZivverAccountKey.psd1') -Force
    $script:Fake = Join-Path $PSScriptRoot 'fixtures/fake-keytool.mjs'

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
        $env:ZIVVER_API_KEY = 'env-key-123'
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
        $odd = [pscustomobject]@{ PrimarySmtpAddress = 'x@contoso.nl'; DisplayName = "Jo `"Q`" \ `u{e9}l`u{e8}ve`t`u{1F600}`n" }
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
        $secret = 'sekrit-Key-9f8e7d'
        $null = New-ExoMailbox -N 1 | Get-ZivverKeyPlan -ApiKey (ConvertTo-SecureString $secret -AsPlainText -Force) -WarningAction SilentlyContinue
        $rec = (Read-FakeLog)[0]
        $rec.apiKey | Should -BeExactly $secret
        foreach ($a in $rec.argv) { $a | Should -Not -Match 'sekrit' }
        (Get-Content -LiteralPath $env:FAKE_KEYTOOL_STDIN -Raw) | Should -Not -Match 'sekrit'
        # The key was not left in this process's environment either.
        $env:ZIVVER_API_KEY | Should -Be 'env-key-123'
    }

    It 'lets the child inherit $env:ZIVVER_API_KEY when -ApiKey is not given' {
        $null = New-ExoMailbox -N 1 | Get-ZivverKeyPlan -WarningAction SilentlyContinue
        (Read-FakeLog)[0].apiKey | Should -Be 'env-key-123'
    }

    It 'refuses to start without any API key' {
        Remove-Item Env:ZIVVER_API_KEY
        { New-ExoMailbox -N 1 | Get-ZivverKeyPlan -ErrorAction Stop } | Should -Throw '*No Zivver API key*'
        @(Read-FakeLog).Count | Should -Be 0
    }

    It 'quotes arguments so that spaces, quotes and trailing backslashes arrive intact' {
        $dir = Join-Path $TestDrive 'dir with "quotes" and spaces\'
        $tricky = @('a b@x.nl', 'q"uote@x.nl', 'back\\slash\', '', "`u{e9}@x.nl")
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
        $env:ZIVVER_API_KEY = 'env-key-123'
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
        $doc = Get-Content -LiteralPath $env:FAKE_KEYTOOL_STDIN -Raw | ConvertFrom-Json
        $doc.kind | Should -Be 'zivver-keyplan'
        $doc.rows.Count | Should -Be 5
        $doc.rows[2].check | Should -Be 'ck3'
        $doc.summary.set | Should -Be 5
    }

    It '-WhatIf runs apply --what-if (no writes) and still reports every row' {
        $res = $script:Rows | Set-ZivverAccountKey -WhatIf
        @(Read-FakeLog).Count | Should -Be 1
        (Read-FakeLog)[0].argv | Should -Contain '--what-if'
        $res.Count | Should -Be 5
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
        $doc = Get-Content -LiteralPath $env:FAKE_KEYTOOL_STDIN -Raw | ConvertFrom-Json
        $doc.rows[4].line | Should -Be 5
        $doc.rows[4].newKey | Should -Be 'key-5'
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
        $null = $script:Rows | Set-ZivverAccountKey -Force -ApiKey (ConvertTo-SecureString 'apply-secret-77' -AsPlainText -Force)
        $rec = (Read-FakeLog)[0]
        $rec.apiKey | Should -Be 'apply-secret-77'
        ($rec.argv -join ' ') | Should -Not -Match 'apply-secret'
    }

    It 'rejects objects that are not plan rows' {
        { [pscustomobject]@{ PrimarySmtpAddress = 'x@y.nl' } | Set-ZivverAccountKey -Force -ErrorAction Stop } | Should -Throw
        @(Read-FakeLog).Count | Should -Be 0
    }
}

Describe 'Set-ZivverAccountKey -Confirm (interactive prompts answered through a real console host)' {
    BeforeAll {
        # pwsh installed as a .NET tool runs as 'dotnet pwsh.dll': start it through its command.
        $script:Pwsh = (Get-Command -Name pwsh -CommandType Application | Select-Object -First 1).Source
    }

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
        $psi = New-Object System.Diagnostics.ProcessStartInfo
        $psi.FileName = $script:Pwsh
        $psi.Arguments = "-NoProfile -NoLogo -File `"$scriptFile`""
        $psi.UseShellExecute = $false
        $psi.RedirectStandardInput = $true
        $psi.RedirectStandardOutput = $true
        $psi.RedirectStandardError = $true
        $p = [System.Diagnostics.Process]::Start($psi)
        foreach ($a in $answers.Split(',')) { $p.StandardInput.WriteLine($a) }
        $p.StandardInput.Close()
        $out = $p.StandardOutput.ReadToEndAsync()
        $err = $p.StandardError.ReadToEndAsync()
        $p.WaitForExit(60000) | Should -BeTrue
        $stdout = $out.Result
        $stdout | Should -Match 'RESULT:'
        $updated = ([regex]::Matches($stdout, '=updated')).Count
        $updated | Should -Be $written -Because "stdout: $stdout`nstderr: $($err.Result)"
        if ($written -gt 0) {
            @(Get-Content -LiteralPath $log).Count | Should -Be 1
            (Get-Content -LiteralPath $stdinFile -Raw | ConvertFrom-Json).rows.Count | Should -Be $written
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
        $env:ZIVVER_API_KEY = 'env-key-123'
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
