function ConvertTo-ZivverKeyPlanRow {
    <#
    .SYNOPSIS
        Turns one plan row as the keytool prints it (--output jsonl) into a Zivver.KeyPlanRow object.
    #>
    [CmdletBinding()]
    [OutputType('Zivver.KeyPlanRow')]
    param(
        [Parameter(Mandatory = $true, ValueFromPipeline = $true)] [psobject] $InputObject,
        [string] $ZivverUrl
    )

    process {
        $p = $InputObject.PSObject.Properties
        $v = @{}
        foreach ($name in @('line', 'input', 'email', 'zivverId', 'userName', 'newKey', 'action', 'reason', 'fingerprint', 'check', 'previousKey', 'warnings')) {
            $prop = $p[$name]
            if ($null -ne $prop) { $v[$name] = $prop.Value } else { $v[$name] = $null }
        }
        $line = 0
        if ($null -ne $v['line']) { $line = [int]$v['line'] }
        $warnings = @()
        if ($null -ne $v['warnings']) { $warnings = [string[]]@($v['warnings']) }
        $row = New-Object -TypeName psobject -Property ([ordered]@{
                Line        = $line
                Input       = [string]$v['input']
                Email       = [string]$v['email']
                ZivverId    = [string]$v['zivverId']
                UserName    = [string]$v['userName']
                NewKey      = [string]$v['newKey']
                Action      = [string]$v['action']
                Reason      = [string]$v['reason']
                Fingerprint = [string]$v['fingerprint']
                Check       = [string]$v['check']
                PreviousKey = [string]$v['previousKey']
                Warnings    = $warnings
                PlanZivverUrl = $ZivverUrl
            })
        $row.PSObject.TypeNames.Insert(0, 'Zivver.KeyPlanRow')
        $row
    }
}
