function New-ZivverErrorRecord {
    <#
    .SYNOPSIS
        An ErrorRecord for the public cmdlets to write or throw. The keytool's exit code, when there
        is one, is kept in Exception.Data['ExitCode'] for scripts that want it.
    #>
    [CmdletBinding()]
    [OutputType([System.Management.Automation.ErrorRecord])]
    param(
        [Parameter(Mandatory = $true)] [string] $Message,
        [Parameter(Mandatory = $true)] [string] $ErrorId,
        [System.Management.Automation.ErrorCategory] $Category = [System.Management.Automation.ErrorCategory]::NotSpecified,
        [object] $TargetObject,
        [int] $ExitCode = -1
    )
    $exception = New-Object System.Exception -ArgumentList $Message
    if ($ExitCode -ge 0) { $exception.Data['ExitCode'] = $ExitCode }
    return (New-Object System.Management.Automation.ErrorRecord -ArgumentList $exception, $ErrorId, $Category, $TargetObject)
}
