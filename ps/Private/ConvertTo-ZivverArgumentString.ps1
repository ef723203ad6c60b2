function ConvertTo-ZivverArgumentString {
    <#
    .SYNOPSIS
        Joins arguments into one command line that the child parses back into exactly the same
        arguments (the Windows CommandLineToArgvW / MSVCRT rules, which node on Windows and .NET on
        Linux/macOS also follow).
    .DESCRIPTION
        Windows PowerShell 5.1 runs on .NET Framework, whose ProcessStartInfo has no ArgumentList,
        so the module quotes arguments itself, in one place, the same way on every edition.
        An argument is quoted when it is empty or holds white space or a double quote; inside quotes
        a run of backslashes is doubled when a double quote (or the closing quote) follows it, and
        a double quote is escaped with a backslash.
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param([Parameter(Mandatory = $true)] [AllowEmptyCollection()] [AllowEmptyString()] [string[]] $Argument)

    $parts = New-Object System.Collections.Generic.List[string]
    foreach ($arg in $Argument) {
        if ($null -eq $arg) { $arg = '' }
        if ($arg.Length -gt 0 -and $arg -notmatch '[\s"]') {
            $parts.Add($arg)
            continue
        }
        $sb = New-Object System.Text.StringBuilder
        [void]$sb.Append('"')
        $backslashes = 0
        foreach ($ch in $arg.ToCharArray()) {
            if ($ch -eq [char]'\') {
                $backslashes++
                continue
            }
            if ($ch -eq [char]'"') {
                [void]$sb.Append('\', 2 * $backslashes + 1)
                [void]$sb.Append('"')
            }
            else {
                if ($backslashes -gt 0) { [void]$sb.Append('\', $backslashes) }
                [void]$sb.Append($ch)
            }
            $backslashes = 0
        }
        if ($backslashes -gt 0) { [void]$sb.Append('\', 2 * $backslashes) }
        [void]$sb.Append('"')
        $parts.Add($sb.ToString())
    }
    return ($parts -join ' ')
}
