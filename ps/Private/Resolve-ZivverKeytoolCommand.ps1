function Resolve-ZivverKeytoolCommand {
    <#
    .SYNOPSIS
        Finds the program to run for zivver-keytool: the file name and the arguments that come
        before the keytool's own arguments.
    .DESCRIPTION
        In order: $env:ZIVVER_KEYTOOL_PATH (a .exe or other program, or a .js/.mjs/.cjs file run
        with node); bin\zivver-keytool.exe beside the module (the release layout); and, in a
        source checkout, ..\bin\zivver-keytool.js beside the module's folder, run with node (how
        the module runs on Linux and macOS). Throws when none is found.
    #>
    [CmdletBinding()]
    [OutputType([hashtable])]
    param()

    $looked = New-Object System.Collections.Generic.List[string]
    $candidate = $env:ZIVVER_KEYTOOL_PATH
    if ($candidate) {
        if (-not (Test-Path -LiteralPath $candidate -PathType Leaf)) {
            throw "zivver-keytool not found: ZIVVER_KEYTOOL_PATH points to '$candidate', which does not exist. Set it to zivver-keytool.exe (or bin/zivver-keytool.js), or remove it to use the exe beside the module."
        }
        $full = (Resolve-Path -LiteralPath $candidate).ProviderPath
        return (New-ZivverKeytoolLaunch -Path $full)
    }

    $root = $script:ModuleRoot
    foreach ($exe in @((Join-Path -Path $root -ChildPath 'bin\zivver-keytool.exe'), (Join-Path -Path $root -ChildPath 'zivver-keytool.exe'))) {
        $exe = $exe.Replace('\', [System.IO.Path]::DirectorySeparatorChar)
        $looked.Add($exe)
        if (Test-Path -LiteralPath $exe -PathType Leaf) {
            return (New-ZivverKeytoolLaunch -Path $exe)
        }
    }
    $js = [System.IO.Path]::Combine((Split-Path -Path $root -Parent), 'bin', 'zivver-keytool.js')
    $looked.Add($js)
    if (Test-Path -LiteralPath $js -PathType Leaf) {
        return (New-ZivverKeytoolLaunch -Path $js)
    }
    throw ("zivver-keytool not found. Looked for: {0}. Put zivver-keytool.exe in the module's bin folder, or set `$env:ZIVVER_KEYTOOL_PATH to its full path." -f ($looked -join ', '))
}
