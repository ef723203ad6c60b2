function Get-ZivverKeyPlan {
    <#
    .SYNOPSIS
        Plans which Zivver account gets which new SSO account key, from mailbox or user objects on
        the pipeline (Get-EXOMailbox, Get-Mailbox, Get-MgUser, Get-ADUser) or from CSV/JSON files.

    .DESCRIPTION
        Get-ZivverKeyPlan runs "zivver-keytool plan" once for the whole pipeline: it collects the
        objects you pipe in, hands them to the keytool in one go, and emits one Zivver.KeyPlanRow
        object per user, with the action the keytool decided:

          set        the account gets NewKey
          unchanged  this tool already wrote exactly this key to the account (the local ledger says so)
          not-found  no Zivver account has any of the user's addresses
          ambiguous  more than one account matches
          conflict   two accounts would get the same key, or inputs disagree about one account's key
          invalid    no key, or a key that is not valid for the key source
          skipped    filtered out (-IncludeEmail, ...), or not a user mailbox (shared, room, ...)

        Nothing is written to Zivver. Pipe the rows to Set-ZivverAccountKey to write them, or export
        them (Export-Csv, -OutFile) for review first.

        Pipeline objects bind by property name: PrimarySmtpAddress (or Mail, WindowsEmailAddress),
        ExternalDirectoryObjectId (or Id, ObjectId), UserPrincipalName, EmailAddresses (or
        ProxyAddresses; SMTP:/smtp: entries are addresses, X500:/SIP: entries are ignored),
        RecipientTypeDetails, DisplayName, ObjectGuid, ImmutableId (or OnPremisesImmutableId).
        A property named by -KeySource column:<Name> is read from the object as well.

        The Zivver API key comes from -ApiKey or, without it, from $env:ZIVVER_API_KEY. It reaches
        zivver-keytool only through the child process's environment, never its command line.

    .PARAMETER PrimarySmtpAddress
        The user's primary e-mail address, usually bound from the pipeline (Get-EXOMailbox's
        PrimarySmtpAddress, Microsoft Graph's Mail, Get-ADUser's mail). Matched against Zivver's userName.

    .PARAMETER ExternalDirectoryObjectId
        The Entra ID object id: the key with -KeySource objectId (the default). Bound from
        ExternalDirectoryObjectId (Exchange Online) or Id / ObjectId (Microsoft Graph, AzureAD).

    .PARAMETER UserPrincipalName
        The user's UPN, bound from the pipeline. Recorded with the user; used as an address when
        the object has no e-mail address.

    .PARAMETER EmailAddresses
        Every proxy address of the user (Exchange EmailAddresses, Graph/AD proxyAddresses), as an
        array or as one string of entries separated by ';', ',' or spaces. Only SMTP:/smtp: entries
        are addresses; they are matched against Zivver userNames and aliases.

    .PARAMETER RecipientTypeDetails
        Exchange recipient type. Only UserMailbox (or no type) is planned; SharedMailbox,
        RoomMailbox and others become 'skipped' rows (Zivver keeps shared mailboxes as functional
        accounts, which have no key).

    .PARAMETER DisplayName
        The user's display name, bound from the pipeline; shown in reasons and reports.

    .PARAMETER ObjectGuid
        The on-premises AD objectGUID (Get-ADUser's ObjectGUID): the key with -KeySource objectGuid.
        Any usual notation works: GUID text with or without braces, the Attribute Editor's octet
        string, or an ImmutableId.

    .PARAMETER ImmutableId
        The ImmutableId / OnPremisesImmutableId (base64 of the objectGUID bytes): the key with
        -KeySource immutableId.

    .PARAMETER InputObject
        The whole pipeline object. You do not pass it yourself: it is how a property named by
        -KeySource column:<Name> reaches the keytool.

    .PARAMETER Path
        One or more CSV or JSON files of users (e.g. from Export-Csv or ConvertTo-Json), instead of
        or in addition to pipeline input. Wildcards are allowed. The keytool reads them itself, so
        errors name the file and line; a CSV may use ',' or ';' (as Excel saves it in Dutch and other
        regional settings) or tab between its columns. The only positional parameter:
        Get-ZivverKeyPlan C:\exports\mailboxes.csv.

    .PARAMETER KeySource
        Where each user's new key comes from: objectId (default: ExternalDirectoryObjectId, else
        Id/ObjectId), objectGuid, immutableId, or column:<Name> for any property or CSV column.

    .PARAMETER KeyFormat
        How the key is written: guid (lower-case 8-4-4-4-12, the default for GUID sources),
        base64, or raw (the value as given; the default for column:<Name>).

    .PARAMETER PreviousKeySource
        Where the key Zivver holds now comes from, as far as you know it (usually objectGuid: what
        the Zivver Synctool wrote). Same values as -KeySource. Each row then carries PreviousKey;
        apply records it in the ledger, so the first migration can be rolled back
        (zivver-keytool rollback). Rows whose previous key equals the new key are 'unchanged'.

    .PARAMETER IncludeEmail
        Only users with one of these addresses are planned (any of their SMTP addresses counts);
        everybody else is 'skipped'. Use it to try a handful of users first.

    .PARAMETER ExcludeEmail
        Users with one of these addresses are 'skipped': ANY of their addresses counts (the primary
        address or any SMTP: proxy address), not only the primary one.

    .PARAMETER IncludeDomain
        Only users with at least one address in one of these domains (or their subdomains) are planned.

    .PARAMETER ExcludeDomain
        Users with ANY address (the primary address or any SMTP: proxy address) in one of these
        domains, or their subdomains, are 'skipped', even when their primary address is in another
        domain.

    .PARAMETER ZivverUrl
        The Zivver SCIM base URL. Default: https://app.zivver.com/api/scim/v2. A plain http:// URL
        is accepted only for a loopback host (a local emulator).

    .PARAMETER ApiKey
        The Zivver API key as a SecureString. Without it the keytool uses $env:ZIVVER_API_KEY.

    .PARAMETER OutFile
        Also write the plan to these files: .json for the plan document, .csv for the rows (which
        Set-ZivverAccountKey -PlanPath and "zivver-keytool apply" accept, also after editing in Excel).

    .PARAMETER LedgerPath
        The ledger file that records every key this tool wrote (rows it already set are 'unchanged').
        Default: the keytool's file in your application-data folder.

    .PARAMETER ReportPath
        Also write the plan as one self-contained HTML page (a name ending in .html) for the people
        who approve the change: what will happen in one sentence, the counts per action, the rows
        that need attention first, then the keys that will be set. It loads nothing from anywhere,
        holds no secret, and prints on A4.

    .INPUTS
        Objects with mailbox or user properties (see the description), e.g. from Get-EXOMailbox.

    .OUTPUTS
        Zivver.KeyPlanRow: Line, Input, Email, ZivverId, UserName, NewKey, Action, Reason,
        Fingerprint, Check, Warnings, and PlanZivverUrl (the Zivver URL the plan was made against;
        Set-ZivverAccountKey writes to that URL and the keytool refuses another one).

    .EXAMPLE
        Get-EXOMailbox -ResultSize Unlimited | Get-ZivverKeyPlan -OutFile .\plan.csv -ReportPath .\plan.html

        Plans, writes the rows for Excel, and plan.html: one page to mail to the change board.

    .EXAMPLE
        Connect-ExchangeOnline
        Get-EXOMailbox -RecipientTypeDetails UserMailbox -ResultSize Unlimited |
            Get-ZivverKeyPlan -OutFile .\zivver-plan.json, .\zivver-plan.csv

        The migration from the Synctool to Entra ID: every user mailbox in Exchange Online, keyed by
        its ExternalDirectoryObjectId (the Entra object id). One keytool process runs for all
        mailboxes; the plan is shown and also saved as JSON and as CSV for review.

    .EXAMPLE
        Get-EXOMailbox -ResultSize Unlimited | Get-ZivverKeyPlan | Where-Object Action -eq 'set' |
            Export-Csv -Path .\to-set.csv -NoTypeInformation -Encoding UTF8

        Only the rows that would change, for a change request. The CSV can later be fed back with
        Import-Csv .\to-set.csv | Set-ZivverAccountKey. Name the encoding: without -Encoding,
        Windows PowerShell 5.1 writes ASCII, and letters such as e-acute, u-umlaut or sharp s become '?'
        (the edited rows then fail their check).

    .EXAMPLE
        Get-EXOMailbox -Identity jan.jansen@contoso.nl | Get-ZivverKeyPlan | Set-ZivverAccountKey -WhatIf

        Helpdesk: a user cannot log in to Zivver after the move. Show what would be written for this
        one mailbox (the account is read fresh; nothing is written).

    .EXAMPLE
        $key = Import-Clixml -Path "$env:LOCALAPPDATA\zivver-keytool\apikey.clixml"
        Get-ZivverKeyPlan -Path '\\fs01\exports\mailboxes.csv' -ApiKey $key.Password -OutFile D:\zivver\plan.json

        A scheduled task from a CSV export: the API key comes from a DPAPI-protected credential file
        (Export-Clixml of a PSCredential, readable only by the task's account on that machine), not
        from the task's command line. See ps\examples\Register-ZivverKeySyncTask.ps1.

    .EXAMPLE
        Get-MgUser -All -Property Id, Mail, ProxyAddresses, UserPrincipalName, DisplayName |
            Get-ZivverKeyPlan -IncludeEmail 'jan@contoso.nl', 'piet@contoso.nl'

        Microsoft Graph users bind through the aliases Mail, Id and ProxyAddresses. -IncludeEmail
        plans only these two users (the rest are 'skipped'): try a couple of accounts first.

    .EXAMPLE
        Get-ADUser -Filter 'mail -like "*"' -Properties mail, proxyAddresses |
            Get-ZivverKeyPlan -KeySource objectGuid -KeyFormat base64

        Back to (or staying with) on-premises AD keys: the key is the objectGUID, written as base64
        (the ImmutableId notation) because that is what the IdP sends in this organisation.

    .EXAMPLE
        Get-EXOMailbox -ResultSize Unlimited | Select-Object *, @{ n = 'ObjectGUID'; e = { (Get-ADUser $_.UserPrincipalName.Split('@')[0]).ObjectGUID } } |
            Get-ZivverKeyPlan -PreviousKeySource objectGuid -OutFile .\plan.csv

        The first migration, with the old keys (the AD objectGUIDs the Synctool wrote) recorded
        beside the new ones, so that "zivver-keytool rollback" can restore them later.

    .EXAMPLE
        Import-Csv .\hr-export.csv | Get-ZivverKeyPlan -KeySource column:EmployeeNumber -ExcludeDomain 'extern.contoso.nl'

        The key is an HR employee number from a CSV column (read from each piped object); users
        with any address in the external domain (primary or alias) are skipped.

    .EXAMPLE
        Get-EXOMailbox -ResultSize Unlimited | Get-ZivverKeyPlan -IncludeDomain 'zorg.contoso.nl' -ExcludeEmail 'ceo@zorg.contoso.nl'

        Plan one domain at a time, leaving one address out.

    .EXAMPLE
        Get-ZivverKeyPlan C:\exports\mailboxes.csv -OutFile .\zivver-plan.csv

        A CSV export given by position (-Path is the only positional parameter); the CSV may come
        from Export-Csv or from Excel (',' or ';' between the columns).

    .EXAMPLE
        Get-ZivverKeyPlan -Path .\export-*.json -KeySource immutableId -LedgerPath D:\zivver\ledger.jsonl

        Several JSON exports (ConvertTo-Json output), keyed by ImmutableId, with the ledger kept on
        a separate disk so that the daily run and the admins share it.

    .EXAMPLE
        $env:ZIVVER_API_KEY = 'demo-key'
        $mailboxes | Get-ZivverKeyPlan -ZivverUrl 'http://127.0.0.1:8080/api/scim/v2'

        Against a local Zivver emulator (zivver-keytool emulator) for a dry run of the whole process.

    .EXAMPLE
        [pscustomobject]@{ PrimarySmtpAddress = 'jan@contoso.nl'; ExternalDirectoryObjectId = '7f1c2a9e-58b4-4c61-9a0e-2d3b4c5d6e7f'
            UserPrincipalName = 'jan@contoso.onmicrosoft.com'; EmailAddresses = @('SMTP:jan@contoso.nl', 'smtp:j.jansen@contoso.nl')
            RecipientTypeDetails = 'UserMailbox'; DisplayName = 'Jan Jansen'; ObjectGuid = $null } | Get-ZivverKeyPlan

        Any object with the right property names works, here one built by hand.

    .LINK
        Set-ZivverAccountKey
    #>
    [CmdletBinding(PositionalBinding = $false)]
    [OutputType('Zivver.KeyPlanRow')]
    param(
        [Parameter(ValueFromPipelineByPropertyName = $true)]
        [Alias('Mail', 'WindowsEmailAddress')]
        [AllowEmptyString()] [AllowNull()]
        [string] $PrimarySmtpAddress,

        [Parameter(ValueFromPipelineByPropertyName = $true)]
        [Alias('Id', 'ObjectId')]
        [AllowEmptyString()] [AllowNull()]
        [string] $ExternalDirectoryObjectId,

        [Parameter(ValueFromPipelineByPropertyName = $true)]
        [AllowEmptyString()] [AllowNull()]
        [string] $UserPrincipalName,

        [Parameter(ValueFromPipelineByPropertyName = $true)]
        [Alias('ProxyAddresses')]
        [AllowEmptyCollection()] [AllowNull()]
        [string[]] $EmailAddresses,

        [Parameter(ValueFromPipelineByPropertyName = $true)]
        [AllowEmptyString()] [AllowNull()]
        [string] $RecipientTypeDetails,

        [Parameter(ValueFromPipelineByPropertyName = $true)]
        [AllowEmptyString()] [AllowNull()]
        [string] $DisplayName,

        [Parameter(ValueFromPipelineByPropertyName = $true)]
        [AllowEmptyString()] [AllowNull()]
        [string] $ObjectGuid,

        [Parameter(ValueFromPipelineByPropertyName = $true)]
        [Alias('OnPremisesImmutableId')]
        [AllowEmptyString()] [AllowNull()]
        [string] $ImmutableId,

        [Parameter(ValueFromPipeline = $true, DontShow = $true)]
        [psobject] $InputObject,

        [Parameter(Position = 0)]
        [ValidateNotNullOrEmpty()]
        [string[]] $Path,

        [Parameter()]
        [ValidatePattern('^(objectId|objectGuid|immutableId|column:.+)$')]
        [string] $KeySource = 'objectId',

        [Parameter()]
        [ValidateSet('guid', 'base64', 'raw')]
        [string] $KeyFormat,

        [Parameter()]
        [ValidatePattern('^(objectId|objectGuid|immutableId|column:.+)$')]
        [string] $PreviousKeySource,

        [Parameter()] [ValidateNotNullOrEmpty()] [string[]] $IncludeEmail,
        [Parameter()] [ValidateNotNullOrEmpty()] [string[]] $ExcludeEmail,
        [Parameter()] [ValidateNotNullOrEmpty()] [string[]] $IncludeDomain,
        [Parameter()] [ValidateNotNullOrEmpty()] [string[]] $ExcludeDomain,

        [Parameter()]
        [ValidateNotNullOrEmpty()]
        [string] $ZivverUrl,

        [Parameter()]
        [System.Security.SecureString] $ApiKey,

        [Parameter()]
        [ValidateNotNullOrEmpty()]
        [string[]] $OutFile,

        [Parameter()]
        [ValidateNotNullOrEmpty()]
        [string] $LedgerPath,

        [Parameter()]
        [ValidatePattern('\.html?$')]
        [string] $ReportPath
    )

    begin {
        $lines = New-Object System.Text.StringBuilder
        $count = 0
        $column = $null
        if ($KeySource -like 'column:*') { $column = $KeySource.Substring(7) }
        $previousColumn = $null
        if ($PreviousKeySource -like 'column:*') { $previousColumn = $PreviousKeySource.Substring(7) }
    }

    process {
        if (-not $PSCmdlet.MyInvocation.ExpectingInput) { return }
        # One JSON line per object, as ConvertTo-Json -Compress would write it (but much faster).
        $parts = New-Object System.Collections.Generic.List[string]
        if ($PrimarySmtpAddress) { $parts.Add('"PrimarySmtpAddress":' + (ConvertTo-ZivverJsonString $PrimarySmtpAddress)) }
        if ($ExternalDirectoryObjectId) { $parts.Add('"ExternalDirectoryObjectId":' + (ConvertTo-ZivverJsonString $ExternalDirectoryObjectId)) }
        if ($UserPrincipalName) { $parts.Add('"UserPrincipalName":' + (ConvertTo-ZivverJsonString $UserPrincipalName)) }
        if ($null -ne $EmailAddresses -and $EmailAddresses.Count -gt 0) {
            $items = foreach ($address in $EmailAddresses) { if ($null -ne $address) { ConvertTo-ZivverJsonString $address } }
            $parts.Add('"EmailAddresses":[' + (@($items) -join ',') + ']')
        }
        if ($RecipientTypeDetails) { $parts.Add('"RecipientTypeDetails":' + (ConvertTo-ZivverJsonString $RecipientTypeDetails)) }
        if ($DisplayName) { $parts.Add('"DisplayName":' + (ConvertTo-ZivverJsonString $DisplayName)) }
        if ($ObjectGuid) { $parts.Add('"ObjectGUID":' + (ConvertTo-ZivverJsonString $ObjectGuid)) }
        if ($ImmutableId) { $parts.Add('"ImmutableId":' + (ConvertTo-ZivverJsonString $ImmutableId)) }
        foreach ($named in @($column, $previousColumn)) {
            if ($null -eq $named -or $null -eq $InputObject) { continue }
            $prop = $InputObject.PSObject.Properties[$named]
            if ($null -ne $prop -and $null -ne $prop.Value) {
                $parts.Add((ConvertTo-ZivverJsonString $named) + ':' + (ConvertTo-ZivverJsonString ([string]$prop.Value)))
            }
        }
        [void]$lines.Append('{').Append(($parts -join ',')).Append("}`n")
        $count++
        # Pipeline-bound parameters keep their value when the next object lacks the property: clear them.
        $PrimarySmtpAddress = $null; $ExternalDirectoryObjectId = $null; $UserPrincipalName = $null; $EmailAddresses = $null
        $RecipientTypeDetails = $null; $DisplayName = $null; $ObjectGuid = $null; $ImmutableId = $null
    }

    end {
        if ($count -eq 0 -and -not $Path) {
            $PSCmdlet.ThrowTerminatingError((New-ZivverErrorRecord -Message 'No users: pipe mailbox or user objects (e.g. Get-EXOMailbox) into Get-ZivverKeyPlan, or give -Path with CSV or JSON files.' -ErrorId 'ZivverKeyPlan.NoInput' -Category InvalidArgument))
        }
        $cliArgs = New-Object System.Collections.Generic.List[string]
        $cliArgs.Add('plan')
        if ($count -gt 0) {
            $cliArgs.Add('--input'); $cliArgs.Add('-')
        }
        if ($Path) {
            foreach ($file in @(Resolve-ZivverFilePath -Caller $PSCmdlet -Path $Path)) { $cliArgs.Add('--input'); $cliArgs.Add($file) }
        }
        if ($count -gt 0 -and -not $Path) { $cliArgs.Add('--input-format'); $cliArgs.Add('jsonl') }
        $cliArgs.Add('--key-source'); $cliArgs.Add($KeySource)
        if ($KeyFormat) { $cliArgs.Add('--key-format'); $cliArgs.Add($KeyFormat) }
        if ($PreviousKeySource) { $cliArgs.Add('--previous-key-source'); $cliArgs.Add($PreviousKeySource) }
        if ($IncludeEmail) { $cliArgs.Add('--include-emails'); $cliArgs.Add(($IncludeEmail -join ';')) }
        if ($ExcludeEmail) { $cliArgs.Add('--exclude-emails'); $cliArgs.Add(($ExcludeEmail -join ';')) }
        if ($IncludeDomain) { $cliArgs.Add('--include-domains'); $cliArgs.Add(($IncludeDomain -join ';')) }
        if ($ExcludeDomain) { $cliArgs.Add('--exclude-domains'); $cliArgs.Add(($ExcludeDomain -join ';')) }
        if ($ZivverUrl) { $cliArgs.Add('--zivver-url'); $cliArgs.Add($ZivverUrl) }
        if ($LedgerPath) { $cliArgs.Add('--ledger'); $cliArgs.Add((Resolve-ZivverFilePath -Caller $PSCmdlet -Path $LedgerPath)) }
        if ($ReportPath) { $cliArgs.Add('--out'); $cliArgs.Add($PSCmdlet.GetUnresolvedProviderPathFromPSPath($ReportPath)) }
        if ($OutFile) {
            foreach ($file in $OutFile) { $cliArgs.Add('--out'); $cliArgs.Add($PSCmdlet.GetUnresolvedProviderPathFromPSPath($file)) }
        }
        $cliArgs.Add('--output'); $cliArgs.Add('jsonl')

        $invokeArgs = @{
            Caller         = $PSCmdlet
            ArgumentList   = $cliArgs.ToArray()
            StandardInput  = $lines.ToString()
            RequireApiKey  = $true
        }
        if ($ApiKey) { $invokeArgs['ApiKey'] = $ApiKey }
        $effectiveUrl = 'https://app.zivver.com/api/scim/v2'
        if ($ZivverUrl) { $effectiveUrl = $ZivverUrl }
        Invoke-ZivverKeytool @invokeArgs | ConvertTo-ZivverKeyPlanRow -ZivverUrl $effectiveUrl
    }
}
