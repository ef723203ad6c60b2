# End to end: the module drives the real zivver-keytool (node bin/zivver-keytool.js, or
# $env:ZIVVER_KEYTOOL_PATH) against the Zivver SCIM emulator, started as a child process.
# Input: objects shaped like real Get-EXOMailbox output (the emulator's sample tenant mailboxes,
# with the extra properties Exchange Online adds).

BeforeDiscovery {
    $repoRoot = (Resolve-Path (Join-Path $PSScriptRoot '..\..')).ProviderPath
    # Without a built CLI these suites are skipped by name -- except in CI (KEYTOOL_REQUIRE_ALL=1),
    # where they run and fail, so a missing build can never pass as green.
    $script:NoCli = (-not (Test-Path (Join-Path $repoRoot 'dist/cli/main.js'))) -and ($env:KEYTOOL_REQUIRE_ALL -ne '1')
}

BeforeAll {
    $script:RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '..\..')).ProviderPath
    Import-Module (Join-Path $script:RepoRoot 'ps/ZivverAccountKey.psd1') -Force
    # Made at run time: no literal API key is committed.
    $script:ApiKey = 'ps-integration-key-' + [guid]::NewGuid().ToString('N')
    $script:SecureKey = ConvertTo-SecureString $script:ApiKey -AsPlainText -Force
    Remove-Item Env:ZIVVER_KEYTOOL_PATH -ErrorAction SilentlyContinue
    Remove-Item Env:ZIVVER_API_KEY -ErrorAction SilentlyContinue

    function script:Start-TestEmulator {
        param([int] $Users = 40, [int] $LatencyMs = 0)
        $mbxFile = Join-Path $TestDrive ('mailboxes-{0}.json' -f [guid]::NewGuid())
        $psi = New-Object System.Diagnostics.ProcessStartInfo
        $psi.FileName = (Get-Command node -CommandType Application | Select-Object -First 1).Source
        $psi.Arguments = "--import tsx test/ps/fixtures/start-emulator.ts --users $Users --mailboxes `"$mbxFile`" --latency $LatencyMs"
        $psi.WorkingDirectory = $script:RepoRoot
        $psi.UseShellExecute = $false
        $psi.RedirectStandardInput = $true
        $psi.RedirectStandardOutput = $true
        $psi.EnvironmentVariables['ZIVVER_API_KEY'] = $script:ApiKey
        $proc = [System.Diagnostics.Process]::Start($psi)
        $task = $proc.StandardOutput.ReadLineAsync()
        if (-not $task.Wait(60000) -or -not $task.Result -or $task.Result -notmatch 'listening on (\S+)') {
            try { $proc.Kill() } catch { }
            throw "The emulator did not start: $($task.Result)"
        }
        $url = $Matches[1]
        $origin = ([uri]$url).GetLeftPart([System.UriPartial]::Authority)
        # Shaped like Get-EXOMailbox output: the sample mailboxes plus what Exchange Online adds.
        # Assigned first: Windows PowerShell 5.1's ConvertFrom-Json passes an array on as one object.
        $parsed = Get-Content -LiteralPath $mbxFile -Raw -Encoding UTF8 | ConvertFrom-Json
        $mailboxes = @($parsed | ForEach-Object {
                $_ | Add-Member -NotePropertyName '@odata.type' -NotePropertyValue '#Exchange.GetMailboxResponse' -PassThru |
                    Add-Member -NotePropertyName Identity -NotePropertyValue $_.Alias -PassThru |
                    Add-Member -NotePropertyName Id -NotePropertyValue $_.Alias -PassThru |
                    Add-Member -NotePropertyName Name -NotePropertyValue $_.Alias -PassThru
            })
        [pscustomobject]@{ Process = $proc; Url = $url; Origin = $origin; Mailboxes = $mailboxes }
    }

    function script:Stop-TestEmulator {
        param($Emulator)
        if (-not $Emulator) { return }
        try { $Emulator.Process.StandardInput.Close() } catch { }
        if (-not $Emulator.Process.WaitForExit(5000)) { try { $Emulator.Process.Kill() } catch { } }
    }

    function script:Invoke-Admin {
        param($Emulator, [string] $Path, [string] $Method = 'Get')
        Invoke-RestMethod -Method $Method -Uri ($Emulator.Origin + '/_emulator' + $Path) -Headers @{ Authorization = "Bearer $($script:ApiKey)" }
    }

    function script:Get-Keys {
        param($Emulator)
        $state = Invoke-Admin -Emulator $Emulator -Path '/state'
        $users = $state
        if ($state.PSObject.Properties['users']) { $users = $state.users }
        $keys = @{}
        foreach ($u in $users) {
            $ext = $u.'urn:ietf:params:scim:schemas:zivver:0.1:User'
            $keys[$u.userName.ToLowerInvariant()] = $ext.SsoAccountKey
        }
        $keys
    }
}

Describe 'Get-ZivverKeyPlan | Set-ZivverAccountKey against the emulator' -Skip:$script:NoCli {
    BeforeAll {
        $script:Emu = Start-TestEmulator -Users 40
        $script:Ledger = Join-Path $TestDrive 'ledger.jsonl'
        $script:Plan = @($script:Emu.Mailboxes | Get-ZivverKeyPlan -ZivverUrl $script:Emu.Url -ApiKey $script:SecureKey -LedgerPath $script:Ledger -OutFile (Join-Path $TestDrive 'plan.csv') -ReportPath (Join-Path $TestDrive 'plan.html') -WarningAction SilentlyContinue)
    }
    AfterAll { Stop-TestEmulator $script:Emu }

    It 'plans one typed row per mailbox, setting user mailboxes and skipping shared/room mailboxes' {
        $script:Plan.Count | Should -Be $script:Emu.Mailboxes.Count
        $script:Plan[0].PSObject.TypeNames[0] | Should -Be 'Zivver.KeyPlanRow'
        @($script:Plan | Where-Object Action -eq 'set').Count | Should -BeGreaterThan 10
        foreach ($row in $script:Plan | Where-Object Action -eq 'set') {
            $mbx = $script:Emu.Mailboxes[$row.Line - 1]
            $row.NewKey | Should -Be $mbx.ExternalDirectoryObjectId.ToLowerInvariant()
        }
        foreach ($mbx in $script:Emu.Mailboxes | Where-Object RecipientTypeDetails -ne 'UserMailbox') {
            ($script:Plan | Where-Object Line -eq ([array]::IndexOf($script:Emu.Mailboxes, $mbx) + 1)).Action | Should -Be 'skipped'
        }
        Test-Path (Join-Path $TestDrive 'plan.csv') | Should -BeTrue
    }

    It '-ReportPath writes the plan as one page: its counts, no API key, nothing to load' {
        $html = Get-Content -LiteralPath (Join-Path $TestDrive 'plan.html') -Raw -Encoding UTF8
        $set = @($script:Plan | Where-Object Action -eq 'set').Count
        $html | Should -Match ('<h1>Zivver key plan: {0} to set, ' -f $set)
        $html | Should -Not -Match 'https?:'
        $html.Contains($script:ApiKey) | Should -BeFalse
    }

    It 'formats rows as a table by default' {
        $text = $script:Plan | Select-Object -First 2 | Out-String -Width 200
        $text | Should -Match 'Action\s+Email\s+UserName\s+NewKey\s+Reason'
    }

    It '-WhatIf reports every set row and sends no write to Zivver' {
        Invoke-Admin -Emulator $script:Emu -Path '/stats/reset' -Method Post | Out-Null
        $before = Get-Keys $script:Emu
        $res = @($script:Plan | Set-ZivverAccountKey -WhatIf -ApiKey $script:SecureKey -LedgerPath $script:Ledger 6>$null)
        $stats = Invoke-Admin -Emulator $script:Emu -Path '/stats'
        $stats.writes | Should -Be 0
        $put = 0
        if ($stats.byMethod.PSObject.Properties['PUT']) { $put = $stats.byMethod.PUT }
        $put | Should -Be 0
        $stats.requests | Should -BeGreaterThan 0   # it did read the accounts
        $res.Count | Should -BeGreaterOrEqual @($script:Plan | Where-Object Action -eq 'set').Count
        $res[0].PSObject.TypeNames[0] | Should -Be 'Zivver.KeyResult'
        (Get-Keys $script:Emu).Values -join ',' | Should -Be ($before.Values -join ',')
    }

    It '-Confirm:$false writes the keys (and nothing else changes)' {
        $before = Invoke-Admin -Emulator $script:Emu -Path '/state'
        $res = @($script:Plan | Set-ZivverAccountKey -Confirm:$false -ApiKey $script:SecureKey -LedgerPath $script:Ledger -ResultsPath (Join-Path $TestDrive 'results.jsonl') -ReportPath (Join-Path $TestDrive 'results.html'))
        $set = @($script:Plan | Where-Object Action -eq 'set')
        @($res | Where-Object Status -eq 'updated').Count | Should -Be $set.Count
        $html = Get-Content -LiteralPath (Join-Path $TestDrive 'results.html') -Raw -Encoding UTF8
        $html | Should -Match ('<h1>Zivver key run: {0} updated, 0 failed, 0 drifted</h1>' -f $set.Count)
        $html | Should -Match 'zivver-keytool rollback'
        $keys = Get-Keys $script:Emu
        foreach ($row in $set) { $keys[$row.UserName.ToLowerInvariant()] | Should -Be $row.NewKey }
        Test-Path (Join-Path $TestDrive 'results.jsonl') | Should -BeTrue
    }

    It 'plans the same mailboxes as unchanged afterwards (the ledger)' {
        $again = @($script:Emu.Mailboxes | Get-ZivverKeyPlan -ZivverUrl $script:Emu.Url -ApiKey $script:SecureKey -LedgerPath $script:Ledger -WarningAction SilentlyContinue)
        @($again | Where-Object Action -eq 'set').Count | Should -Be 0
        @($again | Where-Object Action -eq 'unchanged').Count | Should -Be @($script:Plan | Where-Object Action -eq 'set').Count
    }
}

Describe 'Set-ZivverAccountKey with Import-Csv of a plan CSV, -MaxChanges and drift' -Skip:$script:NoCli {
    BeforeAll {
        $script:Emu = Start-TestEmulator -Users 20
        $script:Ledger = Join-Path $TestDrive 'ledger2.jsonl'
        $script:Csv = Join-Path $TestDrive 'plan2.csv'
        $null = $script:Emu.Mailboxes | Get-ZivverKeyPlan -ZivverUrl $script:Emu.Url -ApiKey $script:SecureKey -LedgerPath $script:Ledger -OutFile $script:Csv -WarningAction SilentlyContinue
    }
    AfterAll { Stop-TestEmulator $script:Emu }

    It 'refuses the whole run when more than -MaxChanges keys would change (nothing written)' {
        Invoke-Admin -Emulator $script:Emu -Path '/stats/reset' -Method Post | Out-Null
        $err = $null
        try { Import-Csv -LiteralPath $script:Csv | Set-ZivverAccountKey -Force -MaxChanges 1 -ZivverUrl $script:Emu.Url -ApiKey $script:SecureKey -LedgerPath $script:Ledger; throw 'no error' } catch { $err = $_ }
        # In the cmdlet's terms, line by line: -MaxChanges (not --max-changes), the piped objects (not stdin).
        $err.Exception.Message | Should -Match 'more than -MaxChanges 1\.\r?\nNothing was written\. Review the plan \(the piped objects\)'
        $err.Exception.Message | Should -Not -Match '--max-changes|stdin|  '
        $err.Exception.Data['ExitCode'] | Should -Be 2
        (Invoke-Admin -Emulator $script:Emu -Path '/stats').writes | Should -Be 0
    }

    It 'reads the plan CSV as Excel saves it with ";" through -PlanPath, and explains Import-Csv without -Delimiter' {
        $semi = Join-Path $TestDrive 'plan2-excel.csv'
        Import-Csv -LiteralPath $script:Csv | Export-Csv -LiteralPath $semi -Delimiter ';' -NoTypeInformation
        { Import-Csv -LiteralPath $semi | Set-ZivverAccountKey -Force -ZivverUrl $script:Emu.Url -ApiKey $script:SecureKey -LedgerPath $script:Ledger } |
            Should -Throw -ExpectedMessage "*Import-Csv -Delimiter ';'*-PlanPath*" -ErrorId 'ZivverAccountKey.SemicolonCsv,Set-ZivverAccountKey'
        $res = @(Set-ZivverAccountKey $semi -WhatIf -ZivverUrl $script:Emu.Url -ApiKey $script:SecureKey -LedgerPath $script:Ledger 6>$null)
        @($res | Where-Object Status -eq 'would-update').Count | Should -Be @(Import-Csv -LiteralPath $script:Csv | Where-Object action -eq 'set').Count
        (Invoke-Admin -Emulator $script:Emu -Path '/stats').writes | Should -Be 0
    }

    It 'writes the rows of the CSV, reporting a renamed account as drifted with a non-terminating error' {
        $rows = @(Import-Csv -LiteralPath $script:Csv)
        $victim = $rows | Where-Object action -eq 'set' | Select-Object -First 1
        Invoke-RestMethod -Method Post -Uri ($script:Emu.Origin + "/_emulator/users/$($victim.zivverId)/rename") -Headers @{ Authorization = "Bearer $($script:ApiKey)" } -ContentType 'application/json' -Body (@{ userName = 'renamed.' + $victim.userName } | ConvertTo-Json) | Out-Null
        $errs = $null
        $res = @($rows | Set-ZivverAccountKey -Confirm:$false -ZivverUrl $script:Emu.Url -ApiKey $script:SecureKey -LedgerPath $script:Ledger -ResultsPath (Join-Path $TestDrive 'r2.jsonl') -ErrorVariable errs -ErrorAction SilentlyContinue)
        ($res | Where-Object ZivverId -eq $victim.zivverId).Status | Should -Be 'drifted'
        @($errs | Where-Object { $_.Exception.Message -match [regex]::Escape($victim.email) }).Count | Should -Be 1
        @($res | Where-Object Status -eq 'updated').Count | Should -Be (@($rows | Where-Object action -eq 'set').Count - 1)
    }
}

Describe 'Error paths against the real keytool' -Skip:$script:NoCli {
    BeforeAll { $script:Emu = Start-TestEmulator -Users 5 }
    AfterAll { Stop-TestEmulator $script:Emu }

    It 'a bad CSV is a terminating error naming the file and line' {
        $bad = Join-Path $TestDrive 'bad.csv'
        Set-Content -LiteralPath $bad -Value "PrimarySmtpAddress,ExternalDirectoryObjectId`na@contoso.nl,`"unbalanced`nb@contoso.nl,x"
        $err = $null
        try { Get-ZivverKeyPlan -Path $bad -ZivverUrl $script:Emu.Url -ApiKey $script:SecureKey; throw 'no error' } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -Match '^ZivverKeytool.InputError'
        $err.Exception.Message | Should -Match ([regex]::Escape('bad.csv') + ':\d+')
        $err.Exception.Message | Should -Not -Match '    at '   # no stack trace
    }

    It 'an output onto a file the run reads or keeps is one terminating error naming both roles (nothing written, nothing sent)' {
        $csv = Join-Path $TestDrive 'clash.csv'
        $text = "PrimarySmtpAddress,ExternalDirectoryObjectId`na@contoso.nl,7c9e6679-7425-40de-944b-e07fc1f90ae7`n"
        Set-Content -LiteralPath $csv -Value $text -NoNewline
        Invoke-Admin -Emulator $script:Emu -Path '/stats/reset' -Method Post | Out-Null
        $err = $null
        try { Get-ZivverKeyPlan -Path $csv -OutFile $csv -ZivverUrl $script:Emu.Url -ApiKey $script:SecureKey; throw 'no error' } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -Match '^ZivverKeytool.InputError'
        $err.Exception.Data['ExitCode'] | Should -Be 2
        # In the cmdlet's terms: -OutFile and -Path, not --out and --input.
        $err.Exception.Message | Should -Match ('-OutFile ' + [regex]::Escape($csv) + ' is an input \(-Path ' + [regex]::Escape($csv) + '\)')
        $err.Exception.Message | Should -Match 'Nothing was written'
        $err.Exception.Message | Should -Not -Match '--out|--input|    at '
        Get-Content -LiteralPath $csv -Raw | Should -Be $text
        (Invoke-Admin -Emulator $script:Emu -Path '/stats').requests | Should -Be 0

        # Set-ZivverAccountKey -ReportPath onto its own ledger: refused before the plan is applied.
        $plan = Join-Path $TestDrive 'clash-plan.json'
        $null = $script:Emu.Mailboxes | Get-ZivverKeyPlan -ZivverUrl $script:Emu.Url -ApiKey $script:SecureKey -LedgerPath (Join-Path $TestDrive 'clash-ledger.jsonl') -OutFile $plan -WarningAction SilentlyContinue
        $ledger = Join-Path $TestDrive 'clash-ledger.html'
        Invoke-Admin -Emulator $script:Emu -Path '/stats/reset' -Method Post | Out-Null
        $err = $null
        try { Set-ZivverAccountKey -PlanPath $plan -Confirm:$false -ZivverUrl $script:Emu.Url -ApiKey $script:SecureKey -LedgerPath $ledger -ReportPath $ledger; throw 'no error' } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -Match '^ZivverKeytool.InputError'
        $err.Exception.Data['ExitCode'] | Should -Be 2
        $err.Exception.Message | Should -Match ('-ReportPath ' + [regex]::Escape($ledger) + ' is the ledger')
        Test-Path -LiteralPath $ledger | Should -BeFalse
        (Invoke-Admin -Emulator $script:Emu -Path '/stats').requests | Should -Be 0
    }

    It 'a wrong API key is a terminating error carrying Zivver''s answer' {
        $err = $null
        $wrong = 'ps-wrong-key-' + [guid]::NewGuid().ToString('N')
        try { $script:Emu.Mailboxes | Get-ZivverKeyPlan -ZivverUrl $script:Emu.Url -ApiKey (ConvertTo-SecureString $wrong -AsPlainText -Force) -WarningAction SilentlyContinue; throw 'no error' } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -Match '^ZivverKeytool.ConnectionError'
        $err.Exception.Data['ExitCode'] | Should -Be 3
        $err.Exception.Message | Should -Match '401'
        $err.Exception.Message | Should -Not -Match ([regex]::Escape($wrong))
    }

    It 'Test-ZivverConnection reports the account count' {
        $r = Test-ZivverConnection -ZivverUrl $script:Emu.Url -ApiKey $script:SecureKey
        $r.Connected | Should -BeTrue
        $r.AccountCount | Should -BeGreaterThan 0
        Test-ZivverConnection -ZivverUrl $script:Emu.Url -ApiKey (ConvertTo-SecureString ('ps-wrong-key-' + [guid]::NewGuid().ToString('N')) -AsPlainText -Force) -Quiet | Should -BeFalse
    }

    It 'a missing exe is a clear error' {
        $env:ZIVVER_KEYTOOL_PATH = Join-Path $TestDrive 'bin/zivver-keytool.exe'
        try { { $script:Emu.Mailboxes | Get-ZivverKeyPlan -ApiKey $script:SecureKey } | Should -Throw '*zivver-keytool not found*' }
        finally { Remove-Item Env:ZIVVER_KEYTOOL_PATH }
    }
}

Describe 'The first migration through the pipeline can be rolled back (-PreviousKeySource)' -Skip:$script:NoCli {
    BeforeAll {
        $script:Emu = Start-TestEmulator -Users 12
        $script:Ledger = Join-Path $TestDrive 'ledger-prev.jsonl'
        $script:Original = Get-Keys $script:Emu
        # Old keys by every address that reaches an account (userName and aliases).
        $byAddress = @{}
        $state = Invoke-Admin -Emulator $script:Emu -Path '/state'
        if ($state.PSObject.Properties['users']) { $state = $state.users }
        foreach ($u in $state) {
            $ext = $u.'urn:ietf:params:scim:schemas:zivver:0.1:User'
            $byAddress[$u.userName.ToLowerInvariant()] = $ext.SsoAccountKey
            foreach ($alias in @($ext.aliases)) { if ($alias) { $byAddress[$alias.ToLowerInvariant()] = $ext.SsoAccountKey } }
        }
        # What Get-ADUser would add: the objectGUID the Synctool wrote as the key, in .NET's notation.
        $script:Mbx = @($script:Emu.Mailboxes | ForEach-Object {
                # The account's old key, found as the planner finds the account: primary address, else any SMTP address.
                $addresses = @($_.PrimarySmtpAddress) + @($_.EmailAddresses | Where-Object { $_ -like 'smtp:*' } | ForEach-Object { $_.Substring(5) })
                $old = $null
                foreach ($a in $addresses) { if (-not $old -and $a) { $old = $byAddress[$a.ToLowerInvariant()] } }
                $guid = ''
                if ($old) { $guid = '{' + $old.ToUpperInvariant() + '}' }
                $_ | Select-Object *, @{ n = 'ObjectGUID'; e = { $guid } }
            })
    }
    AfterAll { Stop-TestEmulator $script:Emu }

    It 'carries PreviousKey through Export-Csv / Import-Csv into the ledger, and rollback restores the old keys' {
        $csv = Join-Path $TestDrive 'plan-prev.csv'
        $plan = @($script:Mbx | Get-ZivverKeyPlan -PreviousKeySource objectGuid -ZivverUrl $script:Emu.Url -ApiKey $script:SecureKey -LedgerPath $script:Ledger -WarningAction SilentlyContinue)
        $set = @($plan | Where-Object Action -eq 'set')
        $set.Count | Should -BeGreaterThan 3
        foreach ($row in $set) { $row.PreviousKey | Should -Be $script:Original[$row.UserName.ToLowerInvariant()] }
        $plan | Export-Csv -LiteralPath $csv -NoTypeInformation
        $results = Join-Path $TestDrive 'results-prev.jsonl'
        $res = @(Import-Csv -LiteralPath $csv | Set-ZivverAccountKey -Confirm:$false -ZivverUrl $script:Emu.Url -ApiKey $script:SecureKey -LedgerPath $script:Ledger -ResultsPath $results)
        @($res | Where-Object Status -eq 'updated').Count | Should -Be $set.Count

        $ledger = @(Get-Content -LiteralPath $script:Ledger | ForEach-Object { $_ | ConvertFrom-Json })
        foreach ($row in $set) {
            ($ledger | Where-Object zivverId -eq $row.ZivverId).previousKey | Should -Be $row.PreviousKey
        }

        $rb = Join-Path $TestDrive 'rollback.json'
        $env:ZIVVER_API_KEY = $script:ApiKey
        try {
            & node (Join-Path $script:RepoRoot 'bin/zivver-keytool.js') rollback --zivver-url $script:Emu.Url --results $results --ledger $script:Ledger --out $rb 2>&1 | Out-Null
        } finally { Remove-Item Env:ZIVVER_API_KEY -ErrorAction SilentlyContinue }
        $LASTEXITCODE | Should -Be 0
        $back = @(Set-ZivverAccountKey -PlanPath $rb -Confirm:$false -ZivverUrl $script:Emu.Url -ApiKey $script:SecureKey -LedgerPath $script:Ledger -ResultsPath (Join-Path $TestDrive 'results-rb.jsonl'))
        @($back | Where-Object Status -eq 'updated').Count | Should -Be $set.Count
        $now = Get-Keys $script:Emu
        foreach ($row in $set) { $now[$row.UserName.ToLowerInvariant()] | Should -Be $script:Original[$row.UserName.ToLowerInvariant()] }
    }
}

Describe 'Set-ZivverAccountKey -Canary, then -CanaryOk' -Skip:$script:NoCli {
    BeforeAll {
        $script:Emu = Start-TestEmulator -Users 15
        $script:Ledger = Join-Path $TestDrive 'ledger-canary.jsonl'
        $script:PlanCsv = Join-Path $TestDrive 'plan-canary.csv'
        $script:Plan = @($script:Emu.Mailboxes | Get-ZivverKeyPlan -ZivverUrl $script:Emu.Url -ApiKey $script:SecureKey -LedgerPath $script:Ledger -OutFile $script:PlanCsv -WarningAction SilentlyContinue)
        $script:Set = @($script:Plan | Where-Object Action -eq 'set')
        $script:Original = Get-Keys $script:Emu
    }
    AfterAll { Stop-TestEmulator $script:Emu }

    It 'writes only the canary rows and warns how to test their SSO login' {
        $canary = @($script:Set | Select-Object -First 2)
        $warnings = $null
        $res = @(Set-ZivverAccountKey -PlanPath $script:PlanCsv -Canary $canary[0].Email, $canary[1].Email -Force -ZivverUrl $script:Emu.Url -ApiKey $script:SecureKey -LedgerPath $script:Ledger -WarningVariable warnings -WarningAction SilentlyContinue)
        @($res | Where-Object Status -eq 'updated').Count | Should -Be 2
        $keys = Get-Keys $script:Emu
        foreach ($row in $script:Set) {
            $expected = $script:Original[$row.UserName.ToLowerInvariant()]
            if ($canary.ZivverId -contains $row.ZivverId) { $expected = $row.NewKey }
            $keys[$row.UserName.ToLowerInvariant()] | Should -Be $expected
        }
        $text = ($warnings | ForEach-Object { $_.Message }) -join "`n"
        $text | Should -Match 'Canary written: 2 of 2 account\(s\)'
        $text | Should -Match 'sign in with SSO'
        # In the module's terms for the cmdlet, the keytool's own command line for rollback.
        $text | Should -Match 'Set-ZivverAccountKey -PlanPath .* -CanaryOk'
        $text | Should -Match 'zivver-keytool rollback --results .* --out rollback\.json'
    }

    It 'refuses the rest without -CanaryOk (nothing written), and writes it with -CanaryOk' {
        Invoke-Admin -Emulator $script:Emu -Path '/stats/reset' -Method Post | Out-Null
        $err = $null
        try { Set-ZivverAccountKey -PlanPath $script:PlanCsv -Force -ZivverUrl $script:Emu.Url -ApiKey $script:SecureKey -LedgerPath $script:Ledger -WarningAction SilentlyContinue; throw 'no error' } catch { $err = $_ }
        $err.Exception.Message | Should -Match "canary .* is not confirmed"
        $err.Exception.Message | Should -Match '-CanaryOk'
        $err.Exception.Data['ExitCode'] | Should -Be 2
        (Invoke-Admin -Emulator $script:Emu -Path '/stats').writes | Should -Be 0

        $res = @(Set-ZivverAccountKey -PlanPath $script:PlanCsv -CanaryOk -Force -ZivverUrl $script:Emu.Url -ApiKey $script:SecureKey -LedgerPath $script:Ledger -WarningAction SilentlyContinue)
        @($res | Where-Object Status -eq 'updated').Count | Should -Be ($script:Set.Count - 2)
        $keys = Get-Keys $script:Emu
        foreach ($row in $script:Set) { $keys[$row.UserName.ToLowerInvariant()] | Should -Be $row.NewKey }
    }
}

Describe 'Ctrl-C stops the real keytool gracefully (the stop file, no console signal)' -Skip:$script:NoCli {
    BeforeAll {
        # 150 ms per request: a run of ~25 rows, two at a time, takes several seconds.
        $script:Emu = Start-TestEmulator -Users 40 -LatencyMs 150
        $script:Ledger = Join-Path $TestDrive 'ledger-stop.jsonl'
        $script:Plan = @($script:Emu.Mailboxes | Get-ZivverKeyPlan -ZivverUrl $script:Emu.Url -ApiKey $script:SecureKey -LedgerPath $script:Ledger -WarningAction SilentlyContinue)
        $script:Sets = @($script:Plan | Where-Object Action -eq 'set').Count
    }
    AfterAll { Stop-TestEmulator $script:Emu }

    It 'stops gracefully on Ctrl-C: no new row started, rows in flight journaled, keytool exit 4; the same command resumes' {
        $script:Sets | Should -BeGreaterThan 15
        $journal = Join-Path $TestDrive 'results-stop.jsonl'
        Invoke-Admin -Emulator $script:Emu -Path '/stats/reset' -Method Post | Out-Null
        # A second runspace runs the pipeline; PowerShell.Stop() is what the console host does on
        # Ctrl-C (it stops the running pipeline). The keytool gets no signal at all.
        $runspace = [runspacefactory]::CreateRunspace()
        $runspace.Open()
        $ps = [powershell]::Create()
        $ps.Runspace = $runspace
        [void]$ps.AddScript({
                param($Module, $Rows, $Url, $Key, $Results, $Ledger)
                Import-Module $Module
                $Rows | Set-ZivverAccountKey -Force -ZivverUrl $Url -ApiKey $Key -ResultsPath $Results -LedgerPath $Ledger -Concurrency 2
            }).AddArgument((Join-Path $script:RepoRoot 'ps/ZivverAccountKey.psd1')).AddArgument($script:Plan).AddArgument($script:Emu.Url).AddArgument($script:SecureKey).AddArgument($journal).AddArgument($script:Ledger)
        $handle = $ps.BeginInvoke()
        try {
            $deadline = [datetime]::UtcNow.AddSeconds(90)
            $done = 0
            while ($done -lt 3 -and [datetime]::UtcNow -lt $deadline -and -not $handle.IsCompleted) {
                Start-Sleep -Milliseconds 50
                if (Test-Path -LiteralPath $journal) { $done = @(Get-Content -LiteralPath $journal | Where-Object { $_ -match '"status":"updated"' }).Count }
            }
            $handle.IsCompleted | Should -BeFalse -Because 'the run must still be going when Ctrl-C comes'
            $done | Should -BeGreaterOrEqual 3
            $putsAtStop = (Invoke-Admin -Emulator $script:Emu -Path '/stats').byMethod.PUT
            $watch = [System.Diagnostics.Stopwatch]::StartNew()
            $ps.Stop()
            $watch.Stop()
            # Ended by the stop file, not killed at the module's 15 s deadline (exit 4 below says it
            # stopped itself). The exe's own 2 s contract, from the stop file to its exit, is asserted
            # in test/integration/moduleContract.test.ts; here a loaded machine adds PowerShell's
            # own stopping, so the bound is the kill deadline, not a speed measurement.
            $watch.Elapsed.TotalSeconds | Should -BeLessThan 15
            $check = [powershell]::Create()
            $check.Runspace = $runspace
            $exit = $check.AddScript('& (Get-Module ZivverAccountKey) { $script:LastKeytoolExitCode }').Invoke()
            $check.Dispose()
            @($exit)[0] | Should -Be 4
        }
        finally {
            $ps.Dispose()
            $runspace.Dispose()
        }
        $updated = @(Get-Content -LiteralPath $journal | Where-Object { $_ -match '"status":"updated"' }).Count
        $puts = (Invoke-Admin -Emulator $script:Emu -Path '/stats').byMethod.PUT
        # Every write that reached Zivver is in the journal; after Ctrl-C only rows already in
        # flight (two at a time) were written, and the run did not finish.
        $updated | Should -Be $puts
        ($updated - $putsAtStop) | Should -BeLessOrEqual 2
        $updated | Should -BeLessThan $script:Sets

        $rest = @($script:Plan | Set-ZivverAccountKey -Force -ZivverUrl $script:Emu.Url -ApiKey $script:SecureKey -ResultsPath $journal -LedgerPath $script:Ledger)
        @($rest | Where-Object Status -eq 'updated').Count | Should -Be ($script:Sets - $updated)
        (Invoke-Admin -Emulator $script:Emu -Path '/stats').byMethod.PUT | Should -Be $script:Sets
    }
}

Describe 'A UTF-8 BOM on standard input (what .NET Framework writes at code page 65001) with the real keytool' -Skip:$script:NoCli {
    BeforeAll {
        $script:Emu = Start-TestEmulator -Users 10
        $script:Node = (Get-Command node -CommandType Application | Select-Object -First 1).Source
        $script:Bin = Join-Path $script:RepoRoot 'bin/zivver-keytool.js'
        function script:Invoke-RawKeytool {
            param([string[]] $Arguments, [string] $Text, [bool] $Bom)
            $psi = New-Object System.Diagnostics.ProcessStartInfo
            $psi.FileName = $script:Node
            $psi.Arguments = (@($script:Bin) + $Arguments | ForEach-Object { '"' + $_ + '"' }) -join ' '
            $psi.UseShellExecute = $false
            $psi.RedirectStandardInput = $true
            $psi.RedirectStandardOutput = $true
            $psi.RedirectStandardError = $true
            $psi.EnvironmentVariables['ZIVVER_API_KEY'] = $script:ApiKey
            $p = [System.Diagnostics.Process]::Start($psi)
            $bytes = (New-Object System.Text.UTF8Encoding -ArgumentList $Bom).GetPreamble() + (New-Object System.Text.UTF8Encoding -ArgumentList $false).GetBytes($Text)
            $p.StandardInput.BaseStream.Write($bytes, 0, $bytes.Length)
            $p.StandardInput.Close()
            $out = $p.StandardOutput.ReadToEndAsync()
            $err = $p.StandardError.ReadToEndAsync()
            $p.WaitForExit(120000) | Should -BeTrue
            [pscustomobject]@{ Code = $p.ExitCode; Out = $out.Result; Err = $err.Result }
        }
    }
    AfterAll { Stop-TestEmulator $script:Emu }

    It 'plan --input - and apply --plan - give the same answer with and without a BOM' {
        $ledger = Join-Path $TestDrive 'ledger-bom.jsonl'
        $users = ($script:Emu.Mailboxes | ForEach-Object { ConvertTo-Json -InputObject $_ -Compress -Depth 4 }) -join "`n"
        $planArgs = @('plan', '--input', '-', '--output', 'jsonl', '--zivver-url', $script:Emu.Url, '--ledger', $ledger)
        $plain = Invoke-RawKeytool -Arguments $planArgs -Text $users -Bom $false
        $bom = Invoke-RawKeytool -Arguments $planArgs -Text $users -Bom $true
        $plain.Code | Should -Be 0 -Because $plain.Err
        $bom.Code | Should -Be 0 -Because $bom.Err
        $bom.Out | Should -BeExactly $plain.Out
        $applyArgs = @('apply', '--plan', '-', '--what-if', '--output', 'jsonl', '--zivver-url', $script:Emu.Url, '--ledger', $ledger)
        $a1 = Invoke-RawKeytool -Arguments $applyArgs -Text $plain.Out -Bom $false
        $a2 = Invoke-RawKeytool -Arguments $applyArgs -Text $plain.Out -Bom $true
        $a2.Code | Should -Be 0 -Because $a2.Err
        @($a2.Out -split "`n" | Where-Object { $_ -match '"would-update"' }).Count | Should -Be @($a1.Out -split "`n" | Where-Object { $_ -match '"would-update"' }).Count
        @($a2.Out -split "`n" | Where-Object { $_ -match '"would-update"' }).Count | Should -BeGreaterThan 3
    }
}

Describe 'Get-MgUser objects piped into Get-ZivverKeyPlan plan as the CLI does on the same data' -Skip:$script:NoCli {
    BeforeAll {
        $script:Emu = Start-TestEmulator -Users 24
        $script:Ledger = Join-Path $TestDrive 'ledger-mg.jsonl'
        # Shaped as Get-MgUser -Property Id,Mail,ProxyAddresses,OnPremisesImmutableId,UserPrincipalName
        # returns them (Microsoft.Graph.PowerShell.Models.MicrosoftGraphUser): the five properties
        # asked for, every other property present but empty, no Exchange recipient type; cloud-only
        # users without OnPremisesImmutableId; users without a mailbox without Mail.
        $i = 0
        $script:MgUsers = @($script:Emu.Mailboxes | ForEach-Object {
                $i++
                $immutable = $null
                if ($i % 5 -ne 0) { $immutable = [Convert]::ToBase64String(([guid]$_.ExternalDirectoryObjectId).ToByteArray()) }
                $mail = $_.PrimarySmtpAddress
                if ($i % 7 -eq 0) { $mail = $null }
                [pscustomobject][ordered]@{
                    Id                    = $_.ExternalDirectoryObjectId
                    Mail                  = $mail
                    ProxyAddresses        = [string[]]@($_.EmailAddresses | Where-Object { $_ -like 'smtp:*' })
                    OnPremisesImmutableId = $immutable
                    UserPrincipalName     = ('{0}@contoso.onmicrosoft.com' -f $_.Alias)
                    DisplayName           = $null
                    GivenName             = $null
                    AccountEnabled        = $null
                    UserType              = $null
                    AdditionalProperties  = @{}
                }
            })
        $script:Json = Join-Path $TestDrive 'mgusers.json'
        # What an admin exports: Get-MgUser ... | ConvertTo-Json, saved as UTF-8.
        Set-Content -LiteralPath $script:Json -Value (ConvertTo-Json -InputObject $script:MgUsers -Depth 4) -Encoding UTF8
        function script:Invoke-CliPlan {
            param([string] $KeySource)
            $env:ZIVVER_API_KEY = $script:ApiKey
            try {
                $out = & node (Join-Path $script:RepoRoot 'bin/zivver-keytool.js') plan --input $script:Json --key-source $KeySource --zivver-url $script:Emu.Url --ledger $script:Ledger --output jsonl 2>$null
            }
            finally { Remove-Item Env:ZIVVER_API_KEY -ErrorAction SilentlyContinue }
            $LASTEXITCODE | Should -Be 0
            # Line by line (5.1 passes a JSON array on as one object); no date conversion concerns here.
            @($out | Where-Object { $_ } | ForEach-Object { $_ | ConvertFrom-Json })
        }
    }
    AfterAll { Stop-TestEmulator $script:Emu }

    It 'gives the same rows (-KeySource <source>)' -TestCases @(@{ source = 'objectId' }, @{ source = 'immutableId' }) {
        $viaModule = @($script:MgUsers | Get-ZivverKeyPlan -KeySource $source -ZivverUrl $script:Emu.Url -ApiKey $script:SecureKey -LedgerPath $script:Ledger -WarningAction SilentlyContinue)
        $viaCli = Invoke-CliPlan -KeySource $source
        $viaModule.Count | Should -Be $script:MgUsers.Count
        $viaCli.Count | Should -Be $viaModule.Count
        $shape = { param($r) '{0}|{1}|{2}|{3}|{4}' -f $r.email, $r.action, $r.zivverId, $r.userName, $r.newKey }
        $a = @($viaModule | ForEach-Object { & $shape $_ })
        $b = @($viaCli | ForEach-Object { & $shape $_ })
        $a | Should -Be $b
        @($viaModule | Where-Object Action -eq 'set').Count | Should -BeGreaterThan 5
    }

    It 'records the plan''s real key source in the ledger when its rows are written' {
        $plan = @($script:MgUsers | Get-ZivverKeyPlan -KeySource immutableId -ZivverUrl $script:Emu.Url -ApiKey $script:SecureKey -LedgerPath $script:Ledger -WarningAction SilentlyContinue)
        $set = @($plan | Where-Object Action -eq 'set')
        $res = @($plan | Set-ZivverAccountKey -Confirm:$false -ApiKey $script:SecureKey -LedgerPath $script:Ledger -ResultsPath (Join-Path $TestDrive 'results-mg.jsonl'))
        @($res | Where-Object Status -eq 'updated').Count | Should -Be $set.Count
        $entries = @(Get-Content -LiteralPath $script:Ledger | Where-Object { $_ } | ForEach-Object { $_ | ConvertFrom-Json })
        $entries.Count | Should -Be $set.Count
        foreach ($e in $entries) { $e.source | Should -Be 'immutableId from (stdin)' }
    }
}
