function Test-ZivverConnection {
    <#
    .SYNOPSIS
        Checks that zivver-keytool can reach Zivver with your API key: the URL, TLS, the key and the
        rate budget. Reports the number of accounts.

    .DESCRIPTION
        Runs "zivver-keytool test-connection" (the Synctool's "verify the connection" button). By
        default it returns an object with ZivverUrl, Connected, AccountCount and Message, and stops
        with an error when Zivver cannot be reached or refuses the key (the error carries Zivver's
        answer). With -Quiet it returns only $true or $false, for scripts.

    .PARAMETER ZivverUrl
        The Zivver SCIM base URL. Default: https://app.zivver.com/api/scim/v2. A plain http:// URL
        is accepted only for a loopback host (a local emulator).

    .PARAMETER ApiKey
        The Zivver API key as a SecureString. Without it the keytool uses $env:ZIVVER_API_KEY.

    .PARAMETER Quiet
        Return $true when the connection works and $false when it does not, instead of an object
        or an error.

    .OUTPUTS
        A Zivver.ConnectionTest object, or a Boolean with -Quiet.

    .EXAMPLE
        Test-ZivverConnection

        Checks the production Zivver API with the key in $env:ZIVVER_API_KEY.

    .EXAMPLE
        $key = (Import-Clixml -Path "$env:LOCALAPPDATA\zivver-keytool\apikey.clixml").Password
        if (-not (Test-ZivverConnection -ApiKey $key -Quiet)) { throw 'Zivver is not reachable; not syncing today.' }

        At the start of a scheduled task: stop early (and visibly) when the key expired.

    .EXAMPLE
        Test-ZivverConnection -ZivverUrl 'http://127.0.0.1:8080/api/scim/v2'

        Against a local Zivver emulator.

    .LINK
        Get-ZivverKeyPlan
    #>
    [CmdletBinding()]
    [OutputType('Zivver.ConnectionTest', [bool])]
    param(
        [Parameter()] [ValidateNotNullOrEmpty()] [string] $ZivverUrl,
        [Parameter()] [System.Security.SecureString] $ApiKey,
        [Parameter()] [switch] $Quiet
    )

    $cliArgs = New-Object System.Collections.Generic.List[string]
    $cliArgs.Add('test-connection')
    $url = 'https://app.zivver.com/api/scim/v2'
    if ($ZivverUrl) { $cliArgs.Add('--zivver-url'); $cliArgs.Add($ZivverUrl); $url = $ZivverUrl }
    $invokeArgs = @{ Caller = $PSCmdlet; ArgumentList = $cliArgs.ToArray(); PassThruText = $true; RequireApiKey = (-not $Quiet) }
    if ($ApiKey) { $invokeArgs['ApiKey'] = $ApiKey }

    if ($Quiet) {
        # A terminating error thrown on this cmdlet's behalf cannot be caught here, so ask for none.
        $null = @(Invoke-ZivverKeytool @invokeArgs -NoThrow -WarningAction SilentlyContinue)
        return ($script:LastKeytoolExitCode -eq 0)
    }
    $output = @(Invoke-ZivverKeytool @invokeArgs)

    $count = $null
    $textLines = New-Object System.Collections.Generic.List[string]
    foreach ($item in $output) {
        if ($item -is [string]) {
            $textLines.Add($item)
            if ($null -eq $count -and $item -match '^\s*Accounts:\s*(\d+)') { $count = [int]$Matches[1] }
        }
        elseif ($null -ne $item) {
            foreach ($name in @('accounts', 'accountCount', 'totalResults', 'count')) {
                $prop = $item.PSObject.Properties[$name]
                if ($null -eq $count -and $null -ne $prop) { $count = [int]$prop.Value }
            }
        }
    }
    $result = New-Object -TypeName psobject -Property ([ordered]@{
            ZivverUrl    = $url
            Connected    = $true
            AccountCount = $count
            Message      = ($textLines -join [Environment]::NewLine)
        })
    $result.PSObject.TypeNames.Insert(0, 'Zivver.ConnectionTest')
    $result
}
