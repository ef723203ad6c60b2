function ConvertTo-ZivverKeyPlanRow {
    <#
    .SYNOPSIS
        Turns one plan row as the keytool prints it (--output jsonl) into a Zivver.KeyPlanRow object.
    .DESCRIPTION
        Each row carries what it needs of its plan (the Zivver URL, the key source and format), so
        Set-ZivverAccountKey can hand the rows back to the keytool, which records them in the ledger.
        -ZivverUrl is the fallback for rows that do not carry the URL.
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
        foreach ($name in @('line', 'input', 'email', 'zivverId', 'userName', 'newKey', 'action', 'reason', 'fingerprint', 'check', 'previousKey', 'warnings', 'zivverUrl', 'keySource', 'keyFormat', 'previousKeySource')) {
            $prop = $p[$name]
            if ($null -ne $prop) { $v[$name] = $prop.Value } else { $v[$name] = $null }
        }
        $line = 0
        if ($null -ne $v['line']) { $line = [int]$v['line'] }
        $warnings = @()
        if ($null -ne $v['warnings']) { $warnings = [string[]]@($v['warnings']) }
        $url = $ZivverUrl
        if ($v['zivverUrl']) { $url = [string]$v['zivverUrl'] }
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
                PlanZivverUrl = $url
                KeySource   = [string]$v['keySource']
                KeyFormat   = [string]$v['keyFormat']
                PreviousKeySource = [string]$v['previousKeySource']
            })
        $row.PSObject.TypeNames.Insert(0, 'Zivver.KeyPlanRow')
        $row
    }
}
