function ConvertTo-ZivverCmdletMessage {
    <#
    .SYNOPSIS
        Rewrites a message of zivver-keytool in the cmdlets' terms: its command-line flags become
        the cmdlets' parameters (--max-changes -> -MaxChanges, ...), "(stdin)" becomes the piped
        objects, and each line loses the indentation the keytool gives continuation lines (PowerShell
        7 shows an error from a script on one line, where that indentation became runs of spaces).
    .DESCRIPTION
        Used only by Invoke-ZivverKeytool, for the errors and warnings it surfaces: the single place
        where keytool wording is mapped to the module's.
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param([Parameter(Mandatory = $true)] [AllowEmptyString()] [AllowNull()] [string] $Message)

    if (-not $Message) { return [string]$Message }
    $text = $Message

    # The API key: the cmdlets take -ApiKey (a SecureString) or $env:ZIVVER_API_KEY, never a key file.
    $apiKey = '-ApiKey or $env:ZIVVER_API_KEY'
    $text = $text -replace 'Put the Zivver API key in the environment variable ZIVVER_API_KEY, or in a file named with --api-key-file <path>\.', 'Pass -ApiKey (a SecureString) or set $env:ZIVVER_API_KEY.'
    $text = $text -replace '\s*A key given as a command-line value is deliberately not accepted[^.]*\.', ''
    $text = $text -replace '(?:the )?(?:environment variable )?(?<![\w$:])ZIVVER_API_KEY,? or (?:in )?(?:a file named with )?--api-key-file(?: <path>)?', $apiKey
    $text = $text -replace '(?:the )?environment variable (?<![\w$:])ZIVVER_API_KEY\b', $apiKey
    $text = $text -replace '(?<![\w-])--api-key-file(?: <path>)?', $apiKey
    $text = $text -replace '(?<![\w$:])ZIVVER_API_KEY\b', $apiKey

    # Flags, longest first; a flag is only replaced as a whole word (--previous-key-source is not
    # --key-source). -Path for --input, -PlanPath for --plan, -OutFile for --out.
    $flags = [ordered]@{
        '--previous-key-source' = '-PreviousKeySource'
        '--include-emails'      = '-IncludeEmail'
        '--exclude-emails'      = '-ExcludeEmail'
        '--include-domains'     = '-IncludeDomain'
        '--exclude-domains'     = '-ExcludeDomain'
        '--max-changes'         = '-MaxChanges'
        '--canary-ok'           = '-CanaryOk'
        '--canary'              = '-Canary'
        '--concurrency'         = '-Concurrency'
        '--key-source'          = '-KeySource'
        '--key-format'          = '-KeyFormat'
        '--zivver-url'          = '-ZivverUrl'
        '--results'             = '-ResultsPath'
        '--report'              = '-ReportPath'
        '--what-if'             = '-WhatIf'
        '--ledger'              = '-LedgerPath'
        '--input'               = '-Path'
        '--plan'                = '-PlanPath'
        '--out'                 = '-OutFile'
    }
    # "zivver-keytool apply --plan" is the cmdlet; a keytool command the module has no cmdlet for
    # (rollback, sso-check) keeps its flags, so it can be typed as shown.
    $text = $text -replace 'zivver-keytool apply --plan', 'Set-ZivverAccountKey --plan'
    $text = (@($text -split '(\r?\n)') | ForEach-Object {
            $part = $_
            if ($part -notmatch 'zivver-keytool (rollback|sso-check)') {
                foreach ($flag in $flags.Keys) {
                    $part = $part -replace ('(?<![\w-])' + [regex]::Escape($flag) + '(?![\w-])'), $flags[$flag]
                }
            }
            $part
        }) -join ''
    $text = $text -replace '`zivver-keytool plan`', 'Get-ZivverKeyPlan'

    # Standard input is what the cmdlet collected from the pipeline.
    $text = $text -replace '\(stdin\)(?=:)', 'the piped objects'
    $text = $text -replace '\(stdin\)', '(the piped objects)'
    $text = $text -replace '(?<![\w(/\\.-])stdin(?=:)', 'the piped objects'

    # Line breaks stay line breaks; the keytool's indentation of continuation lines goes.
    $lines = @($text -split '\r?\n' | ForEach-Object { $_.Trim() } | Where-Object { $_.Length -gt 0 })
    return ($lines -join [Environment]::NewLine)
}
