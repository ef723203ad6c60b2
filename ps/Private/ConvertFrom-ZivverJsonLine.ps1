function ConvertFrom-ZivverJsonLine {
    <#
    .SYNOPSIS
        One JSON object line of the keytool as an object, with every string exactly as the keytool
        wrote it, in every edition.
    .DESCRIPTION
        PowerShell 7's ConvertFrom-Json turns strings that look like ISO dates into DateTime (and
        a cast back to [string] then gives the local culture's notation): a key from a raw
        column:<Name> such as '2024-06-13T10:00:00Z' would reach Set-ZivverAccountKey changed.
        Windows PowerShell 5.1 does not do this. Rather than a 7.5-only parameter (-DateKind), each
        top-level property that came back as a date is given back its text from the line itself
        (such a string has no escapes: a date's characters need none). Returns $null for a line
        that is not a JSON object.
    #>
    [CmdletBinding()]
    [OutputType([psobject])]
    param([Parameter(Mandatory = $true)] [AllowEmptyString()] [string] $Line)

    $obj = $null
    try { $obj = ConvertFrom-Json -InputObject $Line } catch { return $null }
    if ($null -eq $obj -or $obj -isnot [psobject] -or $obj -is [string]) { return $obj }
    foreach ($prop in @($obj.PSObject.Properties)) {
        $value = $prop.Value
        if ($value -is [datetime] -or $value -is [System.DateTimeOffset]) {
            $pattern = '"' + [regex]::Escape($prop.Name) + '"\s*:\s*"([^"\\]*)"'
            $m = [regex]::Match($Line, $pattern)
            if ($m.Success) { $prop.Value = $m.Groups[1].Value }
        }
    }
    return $obj
}
