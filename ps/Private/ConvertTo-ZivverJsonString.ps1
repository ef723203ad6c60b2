function ConvertTo-ZivverJsonString {
    <#
    .SYNOPSIS
        A JSON string literal (with the quotes) for a value, fast enough for tens of thousands of
        values (ConvertTo-Json per object is far slower, especially in Windows PowerShell 5.1).
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param([Parameter(Mandatory = $true)] [AllowEmptyString()] [AllowNull()] [string] $Value)

    if ($null -eq $Value) { return 'null' }
    if ($Value -notmatch '[\\"\x00-\x1f\u2028\u2029]') { return '"' + $Value + '"' }
    $sb = New-Object System.Text.StringBuilder ($Value.Length + 8)
    [void]$sb.Append('"')
    foreach ($ch in $Value.ToCharArray()) {
        switch ($ch) {
            '\' { [void]$sb.Append('\\'); break }
            '"' { [void]$sb.Append('\"'); break }
            "`n" { [void]$sb.Append('\n'); break }
            "`r" { [void]$sb.Append('\r'); break }
            "`t" { [void]$sb.Append('\t'); break }
            default {
                $code = [int]$ch
                if ($code -lt 0x20 -or $code -eq 0x2028 -or $code -eq 0x2029) {
                    [void]$sb.Append(('\u{0:x4}' -f $code))
                }
                else {
                    [void]$sb.Append($ch)
                }
            }
        }
    }
    [void]$sb.Append('"')
    return $sb.ToString()
}
