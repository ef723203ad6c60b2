function ConvertTo-ZivverKeyResult {
    <#
    .SYNOPSIS
        Turns one result row as the keytool prints it (apply --output jsonl) into a Zivver.KeyResult
        object, or builds one from fields (for rows the module itself leaves out, e.g. not confirmed).
    #>
    [CmdletBinding(DefaultParameterSetName = 'Raw')]
    [OutputType('Zivver.KeyResult')]
    param(
        [Parameter(Mandatory = $true, ValueFromPipeline = $true, ParameterSetName = 'Raw')] [psobject] $InputObject,
        [Parameter(Mandatory = $true, ParameterSetName = 'Fields')] [hashtable] $Field
    )

    process {
        $v = @{}
        if ($PSCmdlet.ParameterSetName -eq 'Raw') {
            $p = $InputObject.PSObject.Properties
            foreach ($name in @('email', 'zivverId', 'newKey', 'status', 'httpStatus', 'error', 'at')) {
                $prop = $p[$name]
                if ($null -ne $prop) { $v[$name] = $prop.Value } else { $v[$name] = $null }
            }
        }
        else {
            foreach ($name in @('email', 'zivverId', 'newKey', 'status', 'httpStatus', 'error', 'at')) {
                if ($Field.ContainsKey($name)) { $v[$name] = $Field[$name] } else { $v[$name] = $null }
            }
        }
        $httpStatus = $null
        if ($null -ne $v['httpStatus'] -and "$($v['httpStatus'])" -ne '') { $httpStatus = [int]$v['httpStatus'] }
        $at = $null
        if ($v['at'] -is [datetime]) {
            $at = $v['at']
        }
        elseif ($v['at']) {
            $parsed = [datetime]::MinValue
            if ([datetime]::TryParse([string]$v['at'], [System.Globalization.CultureInfo]::InvariantCulture, [System.Globalization.DateTimeStyles]::RoundtripKind, [ref]$parsed)) { $at = $parsed }
        }
        $result = New-Object -TypeName psobject -Property ([ordered]@{
                Email      = [string]$v['email']
                ZivverId   = [string]$v['zivverId']
                NewKey     = [string]$v['newKey']
                Status     = [string]$v['status']
                HttpStatus = $httpStatus
                Error      = [string]$v['error']
                At         = $at
            })
        $result.PSObject.TypeNames.Insert(0, 'Zivver.KeyResult')
        $result
    }
}
