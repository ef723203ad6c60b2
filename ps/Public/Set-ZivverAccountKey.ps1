function Set-ZivverAccountKey {
    <#
    .SYNOPSIS
        Writes new SSO account keys to Zivver: the 'set' rows of a plan from Get-ZivverKeyPlan,
        from Import-Csv of a plan CSV, or from a plan file.

    .DESCRIPTION
        Set-ZivverAccountKey runs "zivver-keytool apply" once for the whole pipeline. It asks for
        confirmation per 'set' row (ConfirmImpact High: PowerShell asks unless you pass
        -Confirm:$false or -Force; "Yes to All" answers for the remaining rows), then hands the
        confirmed rows to the keytool in one go, as JSON lines on its standard input ("apply --plan -":
        the keytool reads and checks them as it reads a plan file), and emits one Zivver.KeyResult
        object per row as the keytool finishes it: updated, drifted, failed or skipped.

        For every row the keytool reads the account fresh, refuses it as 'drifted' when the account
        is gone or its userName changed since the plan, and writes the account back with only its
        SsoAccountKey changed. Rows that fail or drift are also written as non-terminating errors.

        With -WhatIf nothing is written: the keytool runs "apply --what-if" (reads and decides, no
        writes) so you still see what would happen to each row.

        Every finished row is appended to a results journal (-ResultsPath). Ctrl-C stops the keytool
        gracefully: no new row is started, rows in flight are finished and recorded. Run the same
        command again (with the same -ResultsPath, if you gave one): rows already done are skipped.
        Every key written is recorded in the ledger with the plan's key source and input, so a later
        plan marks it 'unchanged'.

        The Zivver API key comes from -ApiKey or, without it, from $env:ZIVVER_API_KEY. It reaches
        zivver-keytool only through the child process's environment, never its command line.

    .PARAMETER Email
        The plan row's e-mail address (from the pipeline).

    .PARAMETER ZivverId
        The plan row's Zivver account id (from the pipeline).

    .PARAMETER UserName
        The plan row's Zivver userName (from the pipeline); the account must still have it.

    .PARAMETER NewKey
        The key to write (from the pipeline).

    .PARAMETER Action
        The plan row's action (from the pipeline). Only 'set' rows are written; other rows are
        reported as skipped.

    .PARAMETER Reason
        The plan row's reason (from the pipeline).

    .PARAMETER Fingerprint
        The plan row's fingerprint of the account state it was planned against (from the pipeline).

    .PARAMETER Check
        The plan row's check value (from the pipeline): rows whose id, userName, key or action were
        altered after planning no longer match it and are refused.

    .PARAMETER PreviousKey
        The key the account held before, as the plan recorded it with --previous-key-source / -PreviousKeySource
        (from the pipeline; may be empty). Apply records it in the ledger so rollback can restore it.

    .PARAMETER Line
        The plan row's line in its input (from the pipeline).

    .PARAMETER InputObject
        The whole pipeline object. You do not pass it yourself: it lets Set-ZivverAccountKey say
        clearly what is wrong with an object that is not a plan row (e.g. Import-Csv of a plan CSV
        saved with ';' by Excel, read without -Delimiter ';').

    .PARAMETER SourceInput
        The plan row's input name (from the pipeline property Input).

    .PARAMETER PlanZivverUrl
        The Zivver URL the plan row was made against (from the pipeline property PlanZivverUrl of
        Get-ZivverKeyPlan's rows). Rows are written to that URL unless -ZivverUrl says otherwise, and
        the keytool refuses to apply a plan to another URL than the one it was made against.

    .PARAMETER KeySource
        The plan row's key source (from the pipeline: Get-ZivverKeyPlan's rows and plan CSVs carry
        it). The keytool records it in the ledger as where the key came from.

    .PARAMETER KeyFormat
        The plan row's key format (from the pipeline), recorded with the plan.

    .PARAMETER PreviousKeySource
        The plan row's previous key source (from the pipeline), recorded in the ledger with PreviousKey.

    .PARAMETER PlanPath
        A plan file written by Get-ZivverKeyPlan -OutFile or "zivver-keytool plan --out": the JSON
        plan document, or the plan CSV (also after rows were deleted in Excel, and with any
        delimiter: ',' or the ';' that Excel writes in Dutch and other regional settings, or tab).
        You confirm the whole file once instead of per row. The first positional parameter:
        Set-ZivverAccountKey .\zivver-plan.csv.

    .PARAMETER ResultsPath
        The results journal (JSON lines, one per finished row). Give the same path again to resume
        an interrupted run. Default: beside -PlanPath (<plan>.results.jsonl), or for pipeline input
        a journal in your local application-data folder (zivver-keytool\results) that the keytool
        names after the planned writes (zivver-keytool-<plan id>.results.jsonl), so that running the
        same pipeline again resumes it.

    .PARAMETER ReportPath
        Also write the results of the run as one self-contained HTML page (a name ending in .html)
        for the people who review the change: what happened in one sentence, the counts and the
        run's progress over time, each failure in Zivver's words, the commands that undo the run,
        the requests per update and the 429s seen. Written for partial and interrupted runs too.

    .PARAMETER ZivverUrl
        The Zivver SCIM base URL. Default: https://app.zivver.com/api/scim/v2. A plain http:// URL
        is accepted only for a loopback host (a local emulator).

    .PARAMETER ApiKey
        The Zivver API key as a SecureString. Without it the keytool uses $env:ZIVVER_API_KEY.

    .PARAMETER MaxChanges
        A safety limit: when more rows than this would be written, nothing is written at all and the
        command stops with an error. Use it in every scheduled task.

    .PARAMETER Concurrency
        How many rows the keytool works on at once (default: the keytool's own, 4). Zivver's rate
        budget (about 50 requests per 10 seconds) limits the speed more than this does.

    .PARAMETER LedgerPath
        The ledger file recording every key written. Default: the keytool's file in your
        application-data folder. Use the same path that Get-ZivverKeyPlan used.

    .PARAMETER Force
        Do not ask for confirmation (unless -Confirm is also given). For scripts and scheduled tasks;
        combine with -MaxChanges.

    .PARAMETER Canary
        Write only the rows of these e-mail addresses (their plan e-mail or Zivver userName) as a
        canary, and stop: a warning says exactly how to test their SSO login. The rest of the plan
        waits: a later Set-ZivverAccountKey of the same plan (and results journal) refuses until
        -CanaryOk. If a canary login fails, undo it with "zivver-keytool rollback --results <journal>".
        Use -PlanPath (or the same -ResultsPath) so both runs find the canary in the results journal.

    .PARAMETER CanaryOk
        The canary's SSO logins worked: write the rest of the plan.

    .INPUTS
        Zivver.KeyPlanRow objects from Get-ZivverKeyPlan, or rows of a plan CSV from Import-Csv.

    .OUTPUTS
        Zivver.KeyResult: Email, ZivverId, NewKey, Status, HttpStatus, Error, At.

    .EXAMPLE
        Get-EXOMailbox -ResultSize Unlimited | Get-ZivverKeyPlan | Set-ZivverAccountKey

        Plan and write in one pipeline, from Exchange Online. PowerShell asks per account
        ("Yes to All" to write every remaining row); one keytool process writes them all.

    .EXAMPLE
        Get-EXOMailbox -Identity jan.jansen@contoso.nl | Get-ZivverKeyPlan | Set-ZivverAccountKey -WhatIf

        Helpdesk: show what would be written for one user. The account is read fresh from Zivver,
        but nothing is written.

    .EXAMPLE
        Import-Csv -Path .\zivver-plan.csv -Delimiter ';' | Set-ZivverAccountKey -Confirm:$false -ResultsPath .\zivver-results.jsonl

        A plan CSV reviewed (and trimmed) in Excel, written without prompts. Excel with Dutch (and
        many other) regional settings saves CSV files with ';' between the columns, hence
        -Delimiter ';' (without it Import-Csv reads each row as one column, and Set-ZivverAccountKey
        stops with an error saying so). Simpler: Set-ZivverAccountKey -PlanPath .\zivver-plan.csv
        reads the file in any delimiter. If it is interrupted, the same command resumes from the journal.

    .EXAMPLE
        $key = (Import-Clixml -Path "$env:LOCALAPPDATA\zivver-keytool\apikey.clixml").Password
        Get-ZivverKeyPlan -Path D:\exports\mailboxes.csv -ApiKey $key |
            Set-ZivverAccountKey -ApiKey $key -Force -MaxChanges 25

        A scheduled task from a CSV: no prompts (-Force), and nothing at all is written when more
        than 25 keys would change (a sign that the export or the matching went wrong). The API key
        is read from a DPAPI-protected file, not from the task's arguments. See
        ps\examples\Register-ZivverKeySyncTask.ps1.

    .EXAMPLE
        Set-ZivverAccountKey -PlanPath .\zivver-plan.json -ResultsPath .\zivver-plan.results.jsonl -Concurrency 2

        Apply a saved plan document (one confirmation for the whole file), two rows at a time.

    .EXAMPLE
        Set-ZivverAccountKey -PlanPath .\zivver-plan.json -MaxChanges 5000 -ReportPath .\zivver-results.html

        Apply the plan the change board approved, and write what happened as one page for them:
        the counts, each failure in Zivver's words, and the commands that undo the run.

    .EXAMPLE
        Set-ZivverAccountKey .\zivver-plan.csv -MaxChanges 500

        The plan file by position (-PlanPath is the first positional parameter): a plan CSV as
        Get-ZivverKeyPlan -OutFile wrote it, or as Excel saved it (',' or ';', the keytool reads either).

    .EXAMPLE
        $results = $plan | Set-ZivverAccountKey -Force -LedgerPath D:\zivver\ledger.jsonl -ErrorAction SilentlyContinue
        $results | Where-Object Status -ne 'updated' | Format-Table Email, Status, HttpStatus, Error

        Write, keep the per-row errors out of the console, and list every row that was not updated.

    .EXAMPLE
        Set-ZivverAccountKey -PlanPath .\zivver-plan.json -Canary 'jan@contoso.nl','piet@contoso.nl' -Force
        Set-ZivverAccountKey -PlanPath .\zivver-plan.json -CanaryOk -Force

        A canary first: only Jan's and Piet's keys are written, and a warning says how to test their
        SSO login. When both can log in, -CanaryOk writes the rest of the plan (without it the
        second command refuses and writes nothing).

    .EXAMPLE
        $rows | Set-ZivverAccountKey -ZivverUrl 'http://127.0.0.1:8080/api/scim/v2' -Confirm:$false

        Against a local Zivver emulator (zivver-keytool emulator) to rehearse the migration.

    .EXAMPLE
        [pscustomobject]@{ Email = 'jan@contoso.nl'; ZivverId = '0d9f...'; UserName = 'jan@contoso.nl'; NewKey = '7f1c...'
            Action = 'set'; Reason = 'key from ExternalDirectoryObjectId'; Fingerprint = '...'; Check = '...'; PreviousKey = '3f2504e0-...'; Line = 2; Input = 'plan.csv' } |
            Set-ZivverAccountKey -WhatIf

        The pipeline properties of a plan row, spelled out (normally they come from Get-ZivverKeyPlan or Import-Csv).

    .LINK
        Get-ZivverKeyPlan
    #>
    [CmdletBinding(SupportsShouldProcess = $true, ConfirmImpact = 'High', DefaultParameterSetName = 'Pipeline', PositionalBinding = $false)]
    [OutputType('Zivver.KeyResult')]
    param(
        [Parameter(ParameterSetName = 'Pipeline', ValueFromPipelineByPropertyName = $true)]
        [AllowEmptyString()] [AllowNull()]
        [string] $Email,

        [Parameter(ParameterSetName = 'Pipeline', ValueFromPipelineByPropertyName = $true)]
        [AllowEmptyString()] [AllowNull()]
        [string] $ZivverId,

        [Parameter(ParameterSetName = 'Pipeline', ValueFromPipelineByPropertyName = $true)]
        [AllowEmptyString()] [AllowNull()]
        [string] $UserName,

        [Parameter(ParameterSetName = 'Pipeline', ValueFromPipelineByPropertyName = $true)]
        [AllowEmptyString()] [AllowNull()]
        [string] $NewKey,

        [Parameter(ParameterSetName = 'Pipeline', ValueFromPipelineByPropertyName = $true)]
        [AllowEmptyString()] [AllowNull()]
        [string] $Action,

        [Parameter(ParameterSetName = 'Pipeline', ValueFromPipelineByPropertyName = $true)]
        [AllowEmptyString()] [AllowNull()]
        [string] $Reason,

        [Parameter(ParameterSetName = 'Pipeline', ValueFromPipelineByPropertyName = $true)]
        [AllowEmptyString()] [AllowNull()]
        [string] $Fingerprint,

        [Parameter(ParameterSetName = 'Pipeline', ValueFromPipelineByPropertyName = $true)]
        [AllowEmptyString()] [AllowNull()]
        [string] $Check,

        [Parameter(ParameterSetName = 'Pipeline', ValueFromPipelineByPropertyName = $true)]
        [AllowEmptyString()] [AllowNull()]
        [string] $PreviousKey,

        [Parameter(ParameterSetName = 'Pipeline', ValueFromPipelineByPropertyName = $true)]
        [AllowEmptyString()] [AllowNull()]
        [string] $Line,

        [Parameter(ParameterSetName = 'Pipeline', ValueFromPipelineByPropertyName = $true)]
        [Alias('Input')]
        [AllowEmptyString()] [AllowNull()]
        [string] $SourceInput,

        [Parameter(ParameterSetName = 'Pipeline', ValueFromPipelineByPropertyName = $true, DontShow = $true)]
        [AllowEmptyString()] [AllowNull()]
        [string] $PlanZivverUrl,

        [Parameter(ParameterSetName = 'Pipeline', ValueFromPipelineByPropertyName = $true, DontShow = $true)]
        [AllowEmptyString()] [AllowNull()]
        [string] $KeySource,

        [Parameter(ParameterSetName = 'Pipeline', ValueFromPipelineByPropertyName = $true, DontShow = $true)]
        [AllowEmptyString()] [AllowNull()]
        [string] $KeyFormat,

        [Parameter(ParameterSetName = 'Pipeline', ValueFromPipelineByPropertyName = $true, DontShow = $true)]
        [AllowEmptyString()] [AllowNull()]
        [string] $PreviousKeySource,

        [Parameter(ParameterSetName = 'Pipeline', ValueFromPipeline = $true, DontShow = $true)]
        [psobject] $InputObject,

        [Parameter(ParameterSetName = 'PlanPath', Mandatory = $true, Position = 0)]
        [ValidateNotNullOrEmpty()]
        [string] $PlanPath,

        [Parameter()] [ValidateNotNullOrEmpty()] [string] $ResultsPath,
        [Parameter()] [ValidateNotNullOrEmpty()] [string] $ZivverUrl,
        [Parameter()] [System.Security.SecureString] $ApiKey,
        [Parameter()] [ValidateRange(0, 2147483647)] [int] $MaxChanges,
        [Parameter()] [ValidateRange(1, 64)] [int] $Concurrency,
        [Parameter()] [ValidateNotNullOrEmpty()] [string] $LedgerPath,
        [Parameter()] [ValidateNotNullOrEmpty()] [string[]] $Canary,
        [Parameter()] [switch] $CanaryOk,
        [Parameter()] [ValidatePattern('\.html?$')] [string] $ReportPath,
        [Parameter()] [switch] $Force
    )

    begin {
        if ($Force -and -not $PSBoundParameters.ContainsKey('Confirm')) {
            $ConfirmPreference = 'None'
        }
        # The confirmed rows, one JSON line each, for "apply --plan -": the keytool owns the plan
        # (it checks the rows, names the journal and records the key source and input in the ledger).
        $rows = New-Object System.Text.StringBuilder
        $rowCount = 0
        $declined = 0
        $plannedUrl = $null
    }

    process {
        if ($PSCmdlet.ParameterSetName -ne 'Pipeline') { return }
        if ($null -ne $InputObject) {
            $props = $InputObject.PSObject.Properties
            if ($null -eq $props['Action']) {
                # Not a plan row. The usual cause: a plan CSV that Excel saved with ';' between the
                # columns (Dutch and other regional settings), read by Import-Csv without -Delimiter:
                # every row is then one property named after the whole header line.
                $names = @($props | ForEach-Object { $_.Name })
                $joined = @($names | Where-Object { $_ -like '*;*' -and $_ -match '(?i)zivverId' })
                $known = @($names | Where-Object { @('ZivverId', 'NewKey', 'Email', 'UserName') -contains $_ })
                if ($joined.Count -gt 0 -and $known.Count -eq 0) {
                    $header = $joined[0]
                    if ($header.Length -gt 60) { $header = $header.Substring(0, 57) + '...' }
                    $PSCmdlet.ThrowTerminatingError((New-ZivverErrorRecord -Message ("The plan CSV uses ';' between its columns (as Excel saves CSV files in Dutch and other regional settings), so Import-Csv read each row as one column named '{0}'. Read it with Import-Csv -Delimiter ';', or pass the file itself: Set-ZivverAccountKey -PlanPath <file> reads a plan CSV with any delimiter. Nothing was written." -f $header) -ErrorId 'ZivverAccountKey.SemicolonCsv' -Category InvalidData -TargetObject $InputObject))
                }
                $PSCmdlet.ThrowTerminatingError((New-ZivverErrorRecord -Message ("The piped object is not a plan row: it has no Action property (it has: {0}). Pipe the rows of Get-ZivverKeyPlan, or Import-Csv of a plan CSV, or use -PlanPath. Nothing was written." -f ((@($names) | Select-Object -First 8) -join ', ')) -ErrorId 'ZivverAccountKey.NotAPlanRow' -Category InvalidArgument -TargetObject $InputObject))
            }
        }
        if ([string]::IsNullOrWhiteSpace($Action)) {
            if ($null -ne $InputObject) {
                $PSCmdlet.WriteError((New-ZivverErrorRecord -Message ("The plan row for '{0}' (line {1}) has no Action; it is left out." -f $Email, $Line) -ErrorId 'ZivverAccountKey.NoAction' -Category InvalidData -TargetObject $InputObject))
            }
            return
        }
        $act = $Action.Trim().ToLowerInvariant()
        if ($act -eq 'set') {
            $target = "$UserName (Zivver account $ZivverId)"
            if (-not $UserName) { $target = "$Email (Zivver account $ZivverId)" }
            if (-not $PSCmdlet.ShouldProcess($target, "Set SSO account key to '$NewKey'")) {
                if (-not $WhatIfPreference) {
                    # Declined at the prompt: never reaches the keytool.
                    $declined++
                    ConvertTo-ZivverKeyResult -Field @{ email = $Email; zivverId = $ZivverId; newKey = $NewKey; status = 'skipped'; error = 'not confirmed'; at = [datetime]::UtcNow }
                    return
                }
            }
        }
        # Plan CSV rows (Import-Csv) name the plan's URL zivverUrl; Get-ZivverKeyPlan's rows PlanZivverUrl.
        $rowUrl = $PlanZivverUrl
        if (-not $rowUrl -and $null -ne $InputObject -and $null -ne $InputObject.PSObject.Properties['zivverUrl']) { $rowUrl = [string]$InputObject.zivverUrl }
        if ($rowUrl -and -not $plannedUrl) { $plannedUrl = $rowUrl.Trim() }
        $fields = New-Object System.Collections.Generic.List[string]
        $lineNumber = 0
        [void][int]::TryParse($Line, [ref]$lineNumber)
        $fields.Add('"line":' + $lineNumber)
        $named = [ordered]@{
            input = $SourceInput; email = $Email; zivverId = $ZivverId; userName = $UserName; newKey = $NewKey; action = $act
            reason = $Reason; fingerprint = $Fingerprint; check = $Check; previousKey = $PreviousKey
            zivverUrl = $rowUrl; keySource = $KeySource; keyFormat = $KeyFormat; previousKeySource = $PreviousKeySource
        }
        foreach ($name in $named.Keys) {
            $value = [string]$named[$name]
            if ($value) { $fields.Add((ConvertTo-ZivverJsonString $name) + ':' + (ConvertTo-ZivverJsonString $value)) }
        }
        [void]$rows.Append('{').Append(($fields -join ',')).Append("}`n")
        $rowCount++
        # Pipeline-bound parameters keep their value when the next object lacks the property: clear them.
        $SourceInput = $null; $PreviousKey = $null; $PlanZivverUrl = $null; $KeySource = $null; $KeyFormat = $null; $PreviousKeySource = $null
        $Check = $null; $Reason = $null; $Fingerprint = $null; $Line = $null
    }

    end {
        $cliArgs = New-Object System.Collections.Generic.List[string]
        $cliArgs.Add('apply')
        $stdin = $null
        $journal = $null
        if ($PSCmdlet.ParameterSetName -eq 'PlanPath') {
            $planFile = @(Resolve-ZivverFilePath -Caller $PSCmdlet -Path $PlanPath)[0]
            if (-not (Test-Path -LiteralPath $planFile -PathType Leaf)) {
                $PSCmdlet.ThrowTerminatingError((New-ZivverErrorRecord -Message "Plan file not found: $planFile" -ErrorId 'ZivverAccountKey.PlanNotFound' -Category ObjectNotFound -TargetObject $PlanPath))
            }
            if (-not $PSCmdlet.ShouldProcess($planFile, "Set the SSO account key of every 'set' row in the plan")) {
                if (-not $WhatIfPreference) { return }
            }
            $cliArgs.Add('--plan'); $cliArgs.Add($planFile)
            $journal = "$planFile.results.jsonl"
        }
        else {
            if ($rowCount -eq 0) {
                if ($declined -eq 0) { Write-Verbose 'No plan rows were given; nothing to do.' }
                return
            }
            $stdin = $rows.ToString()
            $cliArgs.Add('--plan'); $cliArgs.Add('-')
            # Write where the rows were planned, unless told otherwise (the keytool refuses rows
            # planned against other URLs than the one it writes to, and rows of different plans).
            if (-not $ZivverUrl -and $plannedUrl) { $ZivverUrl = $plannedUrl }
            if (-not $ResultsPath -and -not $WhatIfPreference) {
                # The keytool names the journal after the planned writes, so running the same
                # pipeline again resumes an interrupted run; it lives in the user's own data folder.
                $cliArgs.Add('--results-dir'); $cliArgs.Add([System.IO.Path]::Combine([Environment]::GetFolderPath('LocalApplicationData'), 'zivver-keytool', 'results'))
            }
        }
        if ($ResultsPath) {
            $journal = $PSCmdlet.GetUnresolvedProviderPathFromPSPath($ResultsPath)
            $cliArgs.Add('--results'); $cliArgs.Add($journal)
        }
        if ($ReportPath) { $cliArgs.Add('--report'); $cliArgs.Add($PSCmdlet.GetUnresolvedProviderPathFromPSPath($ReportPath)) }
        if ($WhatIfPreference) { $cliArgs.Add('--what-if') }
        if ($PSBoundParameters.ContainsKey('MaxChanges')) { $cliArgs.Add('--max-changes'); $cliArgs.Add([string]$MaxChanges) }
        if ($Concurrency) { $cliArgs.Add('--concurrency'); $cliArgs.Add([string]$Concurrency) }
        if ($ZivverUrl) { $cliArgs.Add('--zivver-url'); $cliArgs.Add($ZivverUrl) }
        if ($LedgerPath) { $cliArgs.Add('--ledger'); $cliArgs.Add($PSCmdlet.GetUnresolvedProviderPathFromPSPath($LedgerPath)) }
        if ($Canary) { $cliArgs.Add('--canary'); $cliArgs.Add((@($Canary) -join ';')) }
        if ($CanaryOk) { $cliArgs.Add('--canary-ok') }
        $cliArgs.Add('--output'); $cliArgs.Add('jsonl')

        $invokeArgs = @{
            Caller             = $PSCmdlet
            ArgumentList       = $cliArgs.ToArray()
            StandardInput      = $stdin
            ResultsPath        = $journal
            StopTimeoutSeconds = 15
            RequireApiKey      = $true
        }
        if ($ApiKey) { $invokeArgs['ApiKey'] = $ApiKey }
        # WhatIf must not leak into the helper's own ShouldProcess-free work.
        $WhatIfPreference = $false
        Invoke-ZivverKeytool @invokeArgs | ConvertTo-ZivverKeyResult | ForEach-Object {
            $_
            if ($_.Status -eq 'failed' -or $_.Status -eq 'drifted') {
                $message = '{0}: {1}' -f $_.Email, $_.Status
                if ($_.HttpStatus) { $message += " (HTTP $($_.HttpStatus))" }
                if ($_.Error) { $message += ": $($_.Error)" }
                $category = [System.Management.Automation.ErrorCategory]::WriteError
                if ($_.Status -eq 'drifted') { $category = [System.Management.Automation.ErrorCategory]::InvalidData }
                $PSCmdlet.WriteError((New-ZivverErrorRecord -Message $message -ErrorId ('ZivverAccountKey.Row' + (Get-Culture).TextInfo.ToTitleCase($_.Status)) -Category $category -TargetObject $_ -ExitCode 1))
            }
        }
    }
}
