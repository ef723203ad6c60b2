function New-ZivverKeytoolLaunch {
    <#
    .SYNOPSIS
        Turns a keytool path into what to start: a .js file runs under node, anything else directly.
    #>
    [CmdletBinding()]
    [OutputType([hashtable])]
    param([Parameter(Mandatory = $true)] [string] $Path)

    $ext = [System.IO.Path]::GetExtension($Path).ToLowerInvariant()
    if (@('.js', '.mjs', '.cjs') -contains $ext) {
        $node = Get-Command -Name 'node' -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
        if (-not $node) {
            throw "zivver-keytool is the script '$Path', which needs node, but node is not on PATH. Install Node.js 20 or later, or point `$env:ZIVVER_KEYTOOL_PATH at zivver-keytool.exe."
        }
        return @{ FileName = $node.Source; PrefixArguments = @($Path); Display = $Path }
    }
    return @{ FileName = $Path; PrefixArguments = @(); Display = $Path }
}
