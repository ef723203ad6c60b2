#Requires -Version 5.1

<#
.SYNOPSIS
    Registers a daily Windows scheduled task that keeps Zivver's SSO account keys in step with a CSV
    export ("zivver-keytool sync" with a -MaxChanges guard), with the API key in a protected store.

.DESCRIPTION
    Run this once, elevated, on the server that will run the sync. It:

    1. Asks for the Zivver API key (or takes -ApiKey) and stores it for the task's account:
       - with -Vault: in a SecretManagement vault (Set-Secret), or
       - by default: in a DPAPI-protected file (Export-Clixml of a PSCredential), which only the
         same Windows account on the same machine can decrypt. Run this script AS the task's account
         (e.g. "runas /user:CONTOSO\svc-zivver powershell") so that account can read the file.
    2. Writes a small runner script beside the key file. The runner reads the key from the store and
       runs the sync through the ZivverAccountKey module: Get-ZivverKeyPlan -Path <csv> |
       Set-ZivverAccountKey -Force -MaxChanges <N> (what "zivver-keytool sync --max-changes <N>"
       does), so the key reaches zivver-keytool only through its environment, never a command line.
    3. Registers the task: daily at -At, as -TaskUser, running the runner with
       "powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -File <runner>".
       The task's arguments hold paths only: no key, no secret.

    The sync writes a transcript, the plan CSV and the results journal of each day under
    -DataFolder\results, and keeps the ledger in -LedgerPath (default: ledger.jsonl in -DataFolder,
    i.e. %ProgramData%\zivver-keytool). Interactive runs of Get-ZivverKeyPlan and
    Set-ZivverAccountKey default to a ledger in your own %APPDATA%\zivver-keytool instead: pass the
    same -LedgerPath there (or give this script the ledger the admins already use) so that the task
    and the admins share one ledger and each sees the keys the other wrote as 'unchanged'. When more
    than -MaxChanges keys would change, nothing is written and the task ends with exit code 2:
    monitor the task's last result (0 ok, 1 some rows failed, 2 refused or bad input, 3 cannot
    reach or authenticate to Zivver, 4 interrupted).

.PARAMETER CsvPath
    The CSV export to sync from (e.g. a nightly Get-EXOMailbox | Export-Csv), readable by the task's account.

.PARAMETER MaxChanges
    Refuse the whole run (write nothing) when more keys than this would change.

.PARAMETER At
    Time of day to run. Default 06:30.

.PARAMETER TaskName
    Name of the scheduled task. Default "Zivver account key sync".

.PARAMETER TaskUser
    Account the task runs as (e.g. CONTOSO\svc-zivver, or a gMSA ending in $). Default: the current user.

.PARAMETER DataFolder
    Folder for the key file, the runner, logs, the ledger and results journals.
    Default: %ProgramData%\zivver-keytool.

.PARAMETER LedgerPath
    The ledger file the task reads and appends to (every key written). Default: ledger.jsonl in
    -DataFolder. Give the path the admins pass as -LedgerPath (e.g. a share both can write) to keep
    one ledger; the task's account needs write access to it.

.PARAMETER KeytoolPath
    Full path of zivver-keytool.exe. Default: the exe beside the ZivverAccountKey module.

.PARAMETER KeySource
    Passed to "zivver-keytool sync --key-source" (objectId by default).

.PARAMETER Vault
    Store the API key in this SecretManagement vault (secret name "ZivverApiKey") instead of a
    DPAPI-protected file.

.PARAMETER ApiKey
    The API key as a SecureString; asked for when left out.

.EXAMPLE
    .\Register-ZivverKeySyncTask.ps1 -CsvPath D:\exports\mailboxes.csv -MaxChanges 50

    Asks for the key, stores it DPAPI-protected for the current user, and registers a daily 06:30 sync.

.EXAMPLE
    .\Register-ZivverKeySyncTask.ps1 -CsvPath D:\exports\mailboxes.csv -MaxChanges 25 -TaskUser 'CONTOSO\svc-zivver$' -Vault ZivverStore

    Runs as a group managed service account; the key lives in the SecretManagement vault ZivverStore.

.EXAMPLE
    .\Register-ZivverKeySyncTask.ps1 -CsvPath D:\exports\mailboxes.csv -MaxChanges 50 -LedgerPath D:\zivver\ledger.jsonl

    One ledger for the task and the admins: they run Get-ZivverKeyPlan and Set-ZivverAccountKey with
    -LedgerPath D:\zivver\ledger.jsonl too, so keys written by either are 'unchanged' for the other.
#>
[CmdletBinding(SupportsShouldProcess = $true)]
param(
    [Parameter(Mandatory = $true)] [string] $CsvPath,
    [Parameter(Mandatory = $true)] [ValidateRange(0, 100000)] [int] $MaxChanges,
    [string] $At = '06:30',
    [string] $TaskName = 'Zivver account key sync',
    [string] $TaskUser = ('{0}\{1}' -f $env:USERDOMAIN, $env:USERNAME),
    [string] $DataFolder = (Join-Path $env:ProgramData 'zivver-keytool'),
    [string] $LedgerPath,
    [string] $KeytoolPath,
    [ValidatePattern('^(objectId|objectGuid|immutableId|column:.+)$')] [string] $KeySource = 'objectId',
    [string] $Vault,
    [System.Security.SecureString] $ApiKey
)

$ErrorActionPreference = 'Stop'

if (-not $KeytoolPath) {
    $module = Get-Module -ListAvailable -Name ZivverAccountKey | Sort-Object Version -Descending | Select-Object -First 1
    if ($module) { $KeytoolPath = Join-Path $module.ModuleBase 'bin\zivver-keytool.exe' }
}
if (-not $KeytoolPath -or -not (Test-Path -LiteralPath $KeytoolPath)) {
    throw "zivver-keytool.exe not found ('$KeytoolPath'). Pass -KeytoolPath."
}
if (-not (Test-Path -LiteralPath $DataFolder)) { New-Item -ItemType Directory -Path $DataFolder | Out-Null }
if (-not $LedgerPath) { $LedgerPath = Join-Path $DataFolder 'ledger.jsonl' }
$LedgerPath = $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($LedgerPath)
if (-not $ApiKey) { $ApiKey = Read-Host -Prompt 'Zivver API key' -AsSecureString }

# 1. The key, in a protected store.
$keyFile = Join-Path $DataFolder 'apikey.clixml'
if ($Vault) {
    if ($PSCmdlet.ShouldProcess("vault $Vault", 'Store the Zivver API key as secret ZivverApiKey')) {
        Set-Secret -Name 'ZivverApiKey' -SecureStringSecret $ApiKey -Vault $Vault
    }
}
elseif ($PSCmdlet.ShouldProcess($keyFile, 'Store the Zivver API key (DPAPI-protected, for this Windows account on this machine)')) {
    New-Object System.Management.Automation.PSCredential -ArgumentList 'zivver-api-key', $ApiKey | Export-Clixml -LiteralPath $keyFile
}

# 2. The runner: paths are baked in (as literals); the key is read at run time and reaches
#    zivver-keytool only through its environment (the module does that).
$runner = Join-Path $DataFolder 'Invoke-ZivverKeySync.ps1'
function ConvertTo-Literal([string] $s) { "'" + ($s -replace "'", "''") + "'" }
$moduleInfo = Get-Module -ListAvailable -Name ZivverAccountKey | Sort-Object Version -Descending | Select-Object -First 1
if ($moduleInfo) { $modulePath = $moduleInfo.Path } else { $modulePath = Join-Path (Split-Path -Path $KeytoolPath -Parent | Split-Path -Parent) 'ZivverAccountKey.psd1' }
if ($Vault) {
    $readKey = '$key = Get-Secret -Name ''ZivverApiKey'' -Vault ' + (ConvertTo-Literal $Vault)
}
else {
    $readKey = '$key = (Import-Clixml -LiteralPath ' + (ConvertTo-Literal $keyFile) + ').Password'
}
$runnerText = @"
# Written by Register-ZivverKeySyncTask.ps1: the daily sync (plan, then apply with a -MaxChanges
# guard) from a CSV export. Exit codes as zivver-keytool's: 0 ok, 1 rows failed, 2 refused or bad
# input (e.g. more than -MaxChanges keys would change: nothing written), 3 Zivver unreachable or key refused.
`$ErrorActionPreference = 'Stop'
`$env:ZIVVER_KEYTOOL_PATH = $(ConvertTo-Literal $KeytoolPath)
`$data = $(ConvertTo-Literal $DataFolder)
`$day = Get-Date -Format 'yyyyMMdd'
New-Item -ItemType Directory -Force -Path (Join-Path `$data 'results') | Out-Null
Start-Transcript -LiteralPath (Join-Path `$data "results\sync-`$day.log") -Append | Out-Null
try {
    Import-Module $(ConvertTo-Literal $modulePath)
    $readKey
    `$ledger = $(ConvertTo-Literal $LedgerPath)
    `$plan = Get-ZivverKeyPlan -Path $(ConvertTo-Literal $CsvPath) -KeySource $(ConvertTo-Literal $KeySource) -ApiKey `$key -LedgerPath `$ledger -OutFile (Join-Path `$data "results\plan-`$day.csv")
    `$results = @(`$plan | Set-ZivverAccountKey -ApiKey `$key -Force -MaxChanges $MaxChanges -LedgerPath `$ledger -ResultsPath (Join-Path `$data "results\sync-`$day.results.jsonl") -ErrorAction Continue)
    `$results | Group-Object Status | Format-Table Name, Count -AutoSize | Out-String | Write-Output
    if (@(`$results | Where-Object { `$_.Status -eq 'failed' -or `$_.Status -eq 'drifted' }).Count) { exit 1 }
    exit 0
}
catch {
    Write-Output "Sync stopped: `$(`$_.Exception.Message)"
    `$code = `$_.Exception.Data['ExitCode']
    if (`$code) { exit `$code }
    exit 2
}
finally {
    Stop-Transcript | Out-Null
}
"@
if ($PSCmdlet.ShouldProcess($runner, 'Write the task runner script')) {
    # UTF-8 with a BOM whichever edition runs this script: the task runs powershell.exe (5.1), which
    # reads a file without a BOM in the ANSI code page (paths with e.g. an e-acute would break), and
    # Set-Content -Encoding UTF8 writes a BOM in 5.1 but not in PowerShell 7.
    $runnerFile = $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($runner)
    [System.IO.File]::WriteAllText($runnerFile, $runnerText, (New-Object System.Text.UTF8Encoding -ArgumentList $true))
}

# 3. The task: arguments are paths only.
$action = New-ScheduledTaskAction -Execute 'powershell.exe' -Argument ('-NoProfile -NonInteractive -ExecutionPolicy Bypass -File "{0}"' -f $runner) -WorkingDirectory $DataFolder
$trigger = New-ScheduledTaskTrigger -Daily -At $At
$settings = New-ScheduledTaskSettingsSet -StartWhenAvailable -ExecutionTimeLimit (New-TimeSpan -Hours 2) -MultipleInstances IgnoreNew
$register = @{ TaskName = $TaskName; Action = $action; Trigger = $trigger; Settings = $settings; Force = $true }
if ($TaskUser.EndsWith('$')) {
    # A group managed service account: Windows manages its password.
    $register['Principal'] = New-ScheduledTaskPrincipal -UserId $TaskUser -LogonType Password -RunLevel Limited
}
else {
    # "Run whether user is logged on or not" with a stored password: the task's logon then has the
    # account's DPAPI keys (an S4U logon would not, and could not read the key file).
    $cred = Get-Credential -UserName $TaskUser -Message "Password of $TaskUser, for the scheduled task"
    $register['User'] = $cred.UserName
    $register['Password'] = $cred.GetNetworkCredential().Password
}
if ($PSCmdlet.ShouldProcess($TaskName, "Register a daily task at $At as $TaskUser")) {
    Register-ScheduledTask @register | Select-Object TaskName, State
}
