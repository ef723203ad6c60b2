function Resolve-ZivverFilePath {
    <#
    .SYNOPSIS
        File-system paths for the keytool, resolved against PowerShell's current location (which is
        not the process's working directory). Wildcards expand; a plain path is passed on as typed,
        made absolute, so that the keytool reports a missing file with its own message.
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param(
        [Parameter(Mandatory = $true)] [System.Management.Automation.PSCmdlet] $Caller,
        [Parameter(Mandatory = $true)] [string[]] $Path
    )
    foreach ($item in $Path) {
        if ([System.Management.Automation.WildcardPattern]::ContainsWildcardCharacters($item)) {
            $provider = $null
            $resolved = @()
            try { $resolved = @($Caller.GetResolvedProviderPathFromPSPath($item, [ref]$provider)) } catch { $resolved = @() }
            if ($resolved.Count -eq 0) {
                $Caller.ThrowTerminatingError((New-ZivverErrorRecord -Message "No file matches '$item'." -ErrorId 'ZivverKeytool.PathNotFound' -Category ObjectNotFound -TargetObject $item))
            }
            $resolved
        }
        else {
            $Caller.GetUnresolvedProviderPathFromPSPath($item)
        }
    }
}
