function Invoke-ZivverKeytool {
    <#
    .SYNOPSIS
        The one place that starts zivver-keytool. Streams its stdout JSON lines out as objects,
        turns its stderr events into progress, verbose, warning and debug records, and its exit code
        into errors on behalf of the calling cmdlet.
    .DESCRIPTION
        - The API key reaches the child only through the child's environment (ZIVVER_API_KEY in
          ProcessStartInfo.EnvironmentVariables): never on its command line, never in a file.
        - Arguments are quoted by ConvertTo-ZivverArgumentString (no ArgumentList in .NET Framework).
        - Standard input is written asynchronously while stdout and stderr are read on this thread,
          so neither side can block the other, and objects reach the pipeline as lines arrive.
        - Exit codes: 0 fine; 1 some rows failed (non-terminating error when the keytool said why);
          2 usage/input and 3 connection/authentication are terminating errors carrying the keytool's
          own message (its flags named as the cmdlets' parameters: ConvertTo-ZivverCmdletMessage);
          4 interrupted: a warning that the results journal can be resumed.
        - Stopping (Ctrl-C, or a downstream Select-Object -First): the keytool runs without a
          console of its own to signal (CreateNoWindow), so it is started with --stop-file <a new
          temporary file name>. When the pipeline stops, the module creates that file; the keytool
          looks for it every 100 ms and stops as on Ctrl-C (no new row, rows in flight recorded in
          the journal, exit 4). The module waits up to -StopTimeoutSeconds for that, then ends it.
        - -Debug: Windows PowerShell 5.1 sets $DebugPreference to 'Inquire' for -Debug, which
          would ask at every debug line (and fail in a -NonInteractive session such as a scheduled
          task); here it means 'Continue', as in PowerShell 7.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory = $true)] [System.Management.Automation.PSCmdlet] $Caller,
        [Parameter(Mandatory = $true)] [string[]] $ArgumentList,
        [System.Security.SecureString] $ApiKey,
        [AllowNull()] [string] $StandardInput,
        [string] $ResultsPath,
        [int] $StopTimeoutSeconds = 5,
        [switch] $RequireApiKey,
        [switch] $PassThruText,
        [switch] $NoThrow
    )

    # 5.1's -Debug ('Inquire') shows debug lines without asking, as 7's -Debug ('Continue') does.
    if ($DebugPreference -eq 'Inquire') { $DebugPreference = 'Continue' }

    if ($RequireApiKey -and -not $ApiKey -and -not $env:ZIVVER_API_KEY) {
        $Caller.ThrowTerminatingError((New-ZivverErrorRecord -Message 'No Zivver API key: pass -ApiKey (a SecureString, e.g. from Read-Host -AsSecureString or a credential file) or set $env:ZIVVER_API_KEY.' -ErrorId 'ZivverKeytool.NoApiKey' -Category AuthenticationError))
    }

    try {
        $launch = Resolve-ZivverKeytoolCommand
    }
    catch {
        $Caller.ThrowTerminatingError((New-ZivverErrorRecord -Message $_.Exception.Message -ErrorId 'ZivverKeytool.NotFound' -Category ObjectNotFound))
    }

    $allArgs = New-Object System.Collections.Generic.List[string]
    foreach ($a in @($launch.PrefixArguments)) { $allArgs.Add([string]$a) }
    foreach ($a in $ArgumentList) { $allArgs.Add($a) }
    $allArgs.Add('--progress'); $allArgs.Add('json')
    # The cancellation channel (see the description): a file that does not exist until a stop.
    $stopFile = [System.IO.Path]::Combine([System.IO.Path]::GetTempPath(), ('zivver-keytool-stop-{0}' -f [guid]::NewGuid().ToString('N')))
    $allArgs.Add('--stop-file'); $allArgs.Add($stopFile)
    if ($DebugPreference -ne 'SilentlyContinue' -and $DebugPreference -ne 'Ignore') {
        $allArgs.Add('-vv')
    }
    elseif ($VerbosePreference -ne 'SilentlyContinue' -and $VerbosePreference -ne 'Ignore') {
        $allArgs.Add('-v')
    }

    $utf8 = New-Object System.Text.UTF8Encoding -ArgumentList $false
    $psi = New-Object System.Diagnostics.ProcessStartInfo
    $psi.FileName = $launch.FileName
    $psi.Arguments = ConvertTo-ZivverArgumentString -Argument $allArgs.ToArray()
    $psi.UseShellExecute = $false
    $psi.CreateNoWindow = $true
    $psi.RedirectStandardInput = $true
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    $psi.StandardOutputEncoding = $utf8
    $psi.StandardErrorEncoding = $utf8
    $location = $Caller.SessionState.Path.CurrentFileSystemLocation
    if ($location) { $psi.WorkingDirectory = $location.ProviderPath }
    $psi.EnvironmentVariables['NO_COLOR'] = '1'
    if ($ApiKey) {
        # Only here does the key exist as plain text: in the child's environment block.
        $psi.EnvironmentVariables['ZIVVER_API_KEY'] = (New-Object System.Net.NetworkCredential -ArgumentList '', $ApiKey).Password
    }

    $proc = New-Object System.Diagnostics.Process
    $proc.StartInfo = $psi
    Write-Debug ("Starting {0} {1}" -f $launch.FileName, $psi.Arguments)
    try {
        [void]$proc.Start()
    }
    catch {
        $Caller.ThrowTerminatingError((New-ZivverErrorRecord -Message ("Could not start zivver-keytool ({0}): {1}" -f $launch.Display, $_.Exception.Message) -ErrorId 'ZivverKeytool.StartFailed' -Category ResourceUnavailable))
    }
    finally {
        $psi.EnvironmentVariables.Remove('ZIVVER_API_KEY')
    }
    $script:ProcessStartCount++

    $messages = New-Object System.Collections.Generic.List[string]
    $activities = @{}
    $finished = $false
    try {
        $writeTask = $null
        if ($null -ne $StandardInput -and $StandardInput.Length -gt 0) {
            $bytes = $utf8.GetBytes($StandardInput)
            $writeTask = $proc.StandardInput.BaseStream.WriteAsync($bytes, 0, $bytes.Length)
        }
        else {
            $proc.StandardInput.Close()
        }
        $outReader = $proc.StandardOutput
        $errReader = $proc.StandardError
        $outTask = $outReader.ReadLineAsync()
        $errTask = $errReader.ReadLineAsync()

        while ($null -ne $outTask -or $null -ne $errTask) {
            $progressed = $false
            if ($null -ne $writeTask -and $writeTask.IsCompleted) {
                # A child that exits before reading everything makes the write fail: its exit code says why.
                try { $proc.StandardInput.BaseStream.Flush(); $proc.StandardInput.Close() } catch { Write-Debug "stdin: $($_.Exception.Message)" }
                $writeTask = $null
                $progressed = $true
            }
            if ($null -ne $outTask -and $outTask.IsCompleted) {
                $line = $outTask.GetAwaiter().GetResult()
                if ($null -eq $line) {
                    $outTask = $null
                }
                else {
                    $outTask = $outReader.ReadLineAsync()
                    $trimmed = $line.Trim()
                    if ($trimmed.StartsWith('{')) {
                        $obj = ConvertFrom-ZivverJsonLine -Line $trimmed
                        if ($null -ne $obj) { $obj } elseif ($PassThruText) { $line } else { Write-Verbose "zivver-keytool: $line" }
                    }
                    elseif ($trimmed.Length -gt 0) {
                        if ($PassThruText) { $line } else { Write-Verbose "zivver-keytool: $line" }
                    }
                }
                $progressed = $true
            }
            if ($null -ne $errTask -and $errTask.IsCompleted) {
                $line = $errTask.GetAwaiter().GetResult()
                if ($null -eq $line) {
                    $errTask = $null
                }
                else {
                    $errTask = $errReader.ReadLineAsync()
                    $evt = $null
                    $trimmed = $line.Trim()
                    if ($trimmed.StartsWith('{')) {
                        try { $evt = ConvertFrom-Json -InputObject $trimmed } catch { $evt = $null }
                    }
                    if ($null -ne $evt -and $evt.PSObject.Properties['type'] -and $evt.type -eq 'progress') {
                        $activity = [string]$evt.activity
                        if (-not $activity) { $activity = 'zivver-keytool' }
                        if (-not $activities.ContainsKey($activity)) { $activities[$activity] = 4200 + $activities.Count }
                        $record = New-Object System.Management.Automation.ProgressRecord -ArgumentList $activities[$activity], $activity, 'Working'
                        $done = 0; $total = 0
                        if ($evt.PSObject.Properties['done']) { $done = [double]$evt.done }
                        if ($evt.PSObject.Properties['total']) { $total = [double]$evt.total }
                        $record.StatusDescription = ('{0} of {1}' -f $done, $total)
                        if ($total -gt 0) { $record.PercentComplete = [int][Math]::Max(0, [Math]::Min(100, [Math]::Floor(100 * $done / $total))) }
                        if ($evt.PSObject.Properties['detail'] -and $evt.detail) { $record.CurrentOperation = [string]$evt.detail }
                        if ($evt.PSObject.Properties['completed'] -and $evt.completed) {
                            $record.RecordType = [System.Management.Automation.ProgressRecordType]::Completed
                            $activities.Remove($activity)
                        }
                        $Caller.WriteProgress($record)
                    }
                    elseif ($null -ne $evt -and $evt.PSObject.Properties['type'] -and $evt.type -eq 'log') {
                        $text = [string]$evt.message
                        switch ([string]$evt.level) {
                            'error' { $messages.Add($text); Write-Verbose "zivver-keytool error: $text" }
                            'warn' { $Caller.WriteWarning((ConvertTo-ZivverCmdletMessage -Message $text)) }
                            'debug' { Write-Debug $text }
                            default { Write-Verbose $text }
                        }
                    }
                    elseif ($trimmed.Length -gt 0) {
                        $messages.Add($line)
                        Write-Verbose "zivver-keytool: $line"
                    }
                }
                $progressed = $true
            }
            if (-not $progressed) {
                $waitOn = New-Object System.Collections.Generic.List[System.Threading.Tasks.Task]
                if ($null -ne $outTask) { $waitOn.Add($outTask) }
                if ($null -ne $errTask) { $waitOn.Add($errTask) }
                if ($null -ne $writeTask) { $waitOn.Add($writeTask) }
                [void][System.Threading.Tasks.Task]::WaitAny($waitOn.ToArray(), 200)
            }
        }
        $proc.WaitForExit()
        $finished = $true
        $exitCode = $proc.ExitCode
    }
    finally {
        foreach ($activity in @($activities.Keys)) {
            $done = New-Object System.Management.Automation.ProgressRecord -ArgumentList $activities[$activity], $activity, 'Done'
            $done.RecordType = [System.Management.Automation.ProgressRecordType]::Completed
            try { $Caller.WriteProgress($done) } catch { Write-Debug $_.Exception.Message }
        }
        if (-not $finished) {
            # Stopped (Ctrl-C, or a downstream Select-Object -First): ask the keytool to stop through
            # the stop file (it has no console signal to get), give it time to record the rows in
            # flight, then end it. Only .NET calls here: a stopping pipeline runs no commands.
            try {
                if (-not $proc.HasExited) {
                    [System.IO.File]::WriteAllText($stopFile, 'stop')
                    if (-not $proc.WaitForExit($StopTimeoutSeconds * 1000)) { $proc.Kill() }
                }
                $proc.WaitForExit()
                $script:LastKeytoolExitCode = $proc.ExitCode
            }
            catch { $script:LastKeytoolExitCode = -1 }
        }
        try { if ([System.IO.File]::Exists($stopFile)) { [System.IO.File]::Delete($stopFile) } } catch { $null = $_ }
        $proc.Dispose()
    }

    $script:LastKeytoolExitCode = $exitCode
    if ($NoThrow) { return }

    # The keytool's own words, without the usage pointer meant for its command line, in the cmdlets'
    # terms (-MaxChanges, not --max-changes; the piped objects, not stdin), one line per line.
    $lines = @($messages | Where-Object { $_ -notmatch "^Run 'zivver-keytool --help'" -and $_ -notmatch '^This is a bug in zivver-keytool' })
    $text = ConvertTo-ZivverCmdletMessage -Message (($lines | ForEach-Object { $_ -replace '^error:\s*', '' }) -join "`n")
    switch ($exitCode) {
        0 { break }
        1 {
            if ($text) {
                $Caller.WriteError((New-ZivverErrorRecord -Message "zivver-keytool: $text" -ErrorId 'ZivverKeytool.RowsFailed' -Category InvalidResult -ExitCode 1))
            }
            break
        }
        2 {
            if (-not $text) { $text = 'usage or input error (exit code 2); nothing was written.' }
            $Caller.ThrowTerminatingError((New-ZivverErrorRecord -Message "zivver-keytool: $text" -ErrorId 'ZivverKeytool.InputError' -Category InvalidData -ExitCode 2))
        }
        3 {
            if (-not $text) { $text = 'cannot reach or authenticate to Zivver (exit code 3); nothing was written.' }
            $Caller.ThrowTerminatingError((New-ZivverErrorRecord -Message "zivver-keytool: $text" -ErrorId 'ZivverKeytool.ConnectionError' -Category ConnectionError -ExitCode 3))
        }
        4 {
            $where = 'its results journal'
            if ($ResultsPath) { $where = "the results journal '$ResultsPath'" }
            $said = ''
            if ($text) { $said = " ($text)" }
            $Caller.WriteWarning("zivver-keytool was interrupted$said. Finished rows are recorded in $where; run the same command again with the same plan (and -ResultsPath, if you gave one) to resume where it stopped.")
            break
        }
        default {
            if (-not $text) { $text = "it ended with exit code $exitCode." }
            $Caller.ThrowTerminatingError((New-ZivverErrorRecord -Message "zivver-keytool failed: $text" -ErrorId 'ZivverKeytool.Failed' -Category NotSpecified -ExitCode $exitCode))
        }
    }
}
