# Checks shared by Compatibility.Tests.ps1 (dot-sourced): what Windows PowerShell 5.1 cannot run,
# and help examples that write a file without naming its encoding. Each returns findings as text
# ("<line>: <what>"); no finding is a pass. The tests also feed them known-bad code (negative
# controls), so a check that finds nothing cannot pass by accident.

# Commands that only exist from PowerShell 6/7 on.
$script:Ps7OnlyCommands = @('Test-Json', 'Get-Error', 'Join-String', 'Remove-Alias', 'Get-Uptime', 'ConvertFrom-Markdown', 'Show-Markdown', 'Get-MarkdownOption', 'Set-MarkdownOption', 'Clear-RecycleBin', 'Remove-Service', 'Get-ExperimentalFeature', 'Enable-ExperimentalFeature', 'Disable-ExperimentalFeature', 'Update-List', 'ConvertTo-CliXml', 'ConvertFrom-CliXml', 'Get-PSSubsystem')
# Parameters that 5.1's version of a command does not have.
$script:Ps7OnlyParameters = @{
    'ConvertFrom-Json' = @('AsHashtable', 'Depth', 'NoEnumerate', 'DateKind')
    'ConvertTo-Json'   = @('AsArray', 'EnumsAsStrings', 'EscapeHandling')
    'Get-Content'      = @('AsByteStream')
    'Set-Content'      = @('AsByteStream')
    'Add-Content'      = @('AsByteStream')
    'Join-Path'        = @('AdditionalChildPath')
    'Split-Path'       = @('LeafBase', 'Extension')
    'Invoke-RestMethod' = @('SkipCertificateCheck', 'StatusCodeVariable', 'ResponseHeadersVariable', 'SkipHttpErrorCheck', 'Authentication', 'Token', 'Form', 'Resume', 'SslProtocol', 'NoProxy', 'SkipHeaderValidation', 'FollowRelLink', 'MaximumRetryCount', 'RetryIntervalSec', 'ConnectionTimeoutSeconds', 'OperationTimeoutSeconds', 'AllowInsecureRedirect', 'PreserveAuthorizationOnRedirect', 'HttpVersion', 'CustomMethod', 'Unescape')
    'Invoke-WebRequest' = @('SkipCertificateCheck', 'SkipHttpErrorCheck', 'Authentication', 'Token', 'Form', 'Resume', 'SslProtocol', 'NoProxy', 'SkipHeaderValidation', 'MaximumRetryCount', 'RetryIntervalSec', 'ConnectionTimeoutSeconds', 'OperationTimeoutSeconds', 'AllowInsecureRedirect', 'PreserveAuthorizationOnRedirect', 'HttpVersion', 'CustomMethod')
    'Export-Csv'       = @('UseQuotes', 'QuoteFields', 'IncludeTypeInformation')
    'ConvertTo-Csv'    = @('UseQuotes', 'QuoteFields', 'IncludeTypeInformation')
    'ForEach-Object'   = @('Parallel', 'ThrottleLimit', 'AsJob', 'UseNewRunspace', 'TimeoutSeconds')
    'Select-String'    = @('Raw', 'NoEmphasis', 'Culture')
    'Start-Process'    = @('Environment')
    'Get-ChildItem'    = @('FollowSymlink')
    'Sort-Object'      = @('Top', 'Bottom', 'Stable')
    'Select-Object'    = @('SkipIndex')
    'Import-Module'    = @('SkipEditionCheck', 'UseWindowsPowerShell')
    'Test-Connection'  = @('TargetName', 'Ping', 'Traceroute', 'MtuSize', 'TcpPort', 'Repeat', 'IPv4', 'IPv6', 'ResolveDestination')
    'Get-Date'         = @('AsUTC', 'UnixTimeSeconds')
    'Get-Random'       = @('Shuffle')
    'Format-Hex'       = @('Count', 'Offset')
}
# -Encoding values that 5.1 does not know.
$script:Ps7OnlyEncodings = @('utf8NoBOM', 'utf8BOM', 'ansi', 'latin1')
# Automatic variables that 5.1 does not have.
$script:Ps7OnlyVariables = @('IsWindows', 'IsLinux', 'IsMacOS', 'IsCoreCLR', 'PSStyle', 'EnabledExperimentalFeatures', 'PSNativeCommandUseErrorActionPreference', 'PSNativeCommandArgumentPassing')
# Commands whose -Encoding names how a file is written; Tee-Object has no -Encoding in 5.1 at all.
$script:FileWritingCommands = @('Export-Csv', 'Out-File', 'Set-Content', 'Add-Content', 'Export-Clixml', 'Tee-Object')

function Find-Ps7OnlyConstruct {
    <# Findings ("<line>: <what>") for PowerShell code that Windows PowerShell 5.1 cannot parse or run as meant. #>
    param([Parameter(Mandatory = $true)] [string] $Code)
    $tokens = $null; $errors = $null
    $ast = [System.Management.Automation.Language.Parser]::ParseInput($Code, [ref]$tokens, [ref]$errors)
    foreach ($e in @($errors)) { '{0}: does not parse: {1}' -f $e.Extent.StartLineNumber, $e.Message }
    $nodes = $ast.FindAll({ $true }, $true)
    foreach ($n in $nodes) {
        $line = $n.Extent.StartLineNumber
        $type = $n.GetType().Name
        if ($type -eq 'TernaryExpressionAst') { '{0}: the ternary operator ?: (7.0)' -f $line }
        if ($type -eq 'PipelineChainAst') { '{0}: a pipeline chain && or || (7.0)' -f $line }
        if ($n -is [System.Management.Automation.Language.PipelineAst] -and $n.PSObject.Properties['Background'] -and $n.Background) { '{0}: a background job with & (6.0)' -f $line }
        if ($n -is [System.Management.Automation.Language.BinaryExpressionAst]) {
            if ($n.Operator.ToString() -eq 'QuestionQuestion') { '{0}: the null-coalescing operator ?? (7.0)' -f $line }
            if ($n.Operator.ToString() -match '^(I|C)?Replace$' -and $n.Right -is [System.Management.Automation.Language.ScriptBlockExpressionAst]) { '{0}: -replace with a script block (6.1)' -f $line }
            if ($n.Operator.ToString() -match '^(I|C)?Replace$' -and $n.Right -is [System.Management.Automation.Language.ArrayLiteralAst] -and @($n.Right.Elements | Where-Object { $_ -is [System.Management.Automation.Language.ScriptBlockExpressionAst] }).Count) { '{0}: -replace with a script block (6.1)' -f $line }
        }
        if ($n -is [System.Management.Automation.Language.AssignmentStatementAst] -and $n.Operator.ToString() -eq 'QuestionQuestionEquals') { '{0}: the ??= operator (7.0)' -f $line }
        if ($n -is [System.Management.Automation.Language.MemberExpressionAst] -and $n.PSObject.Properties['NullConditional'] -and $n.NullConditional) { '{0}: null-conditional member access ?. (7.1)' -f $line }
        if ($n -is [System.Management.Automation.Language.IndexExpressionAst] -and $n.PSObject.Properties['NullConditional'] -and $n.NullConditional) { '{0}: null-conditional indexing ?[] (7.1)' -f $line }
        if ($n -is [System.Management.Automation.Language.ScriptBlockAst] -and $n.PSObject.Properties['CleanBlock'] -and $null -ne $n.CleanBlock) { '{0}: a clean block (7.3)' -f $line }
        if ($n -is [System.Management.Automation.Language.VariableExpressionAst] -and $script:Ps7OnlyVariables -contains $n.VariablePath.UserPath) { '{0}: ${1} (PowerShell 6+; 5.1 runs only on Windows)' -f $line, $n.VariablePath.UserPath }
        if ($n -is [System.Management.Automation.Language.PipelineAst]) {
            $elements = @($n.PipelineElements)
            for ($i = 0; $i -lt $elements.Count - 1; $i++) {
                if ($elements[$i] -is [System.Management.Automation.Language.CommandAst] -and $elements[$i].GetCommandName() -eq 'ConvertFrom-Json') {
                    '{0}: ConvertFrom-Json piped on (5.1 passes a JSON array on as one object; assign it first)' -f $line
                }
            }
        }
        if ($n -is [System.Management.Automation.Language.CommandAst]) {
            $name = $n.GetCommandName()
            if (-not $name) { continue }
            if ($script:Ps7OnlyCommands -contains $name) { '{0}: {1} (not in 5.1)' -f $line, $name }
            $denied = @()
            foreach ($key in $script:Ps7OnlyParameters.Keys) { if ($key -eq $name) { $denied = $script:Ps7OnlyParameters[$key] } }
            $elements = @($n.CommandElements)
            for ($i = 1; $i -lt $elements.Count; $i++) {
                $el = $elements[$i]
                if ($el -isnot [System.Management.Automation.Language.CommandParameterAst]) { continue }
                if ($denied -contains $el.ParameterName) { '{0}: {1} -{2} (not in 5.1)' -f $line, $name, $el.ParameterName }
                if ($el.ParameterName -eq 'Encoding') {
                    $value = $el.Argument
                    if ($null -eq $value -and $i + 1 -lt $elements.Count) { $value = $elements[$i + 1] }
                    if ($value -is [System.Management.Automation.Language.StringConstantExpressionAst] -and $script:Ps7OnlyEncodings -contains $value.Value) { '{0}: -Encoding {1} (not in 5.1)' -f $line, $value.Value }
                }
            }
        }
    }
    foreach ($t in @($tokens)) {
        if ($t.Kind -eq 'StringExpandable' -or $t.Kind -eq 'HereStringExpandable') {
            if ($t.Text -match '`u\{') { '{0}: the `u{{...}} escape (6.0; 5.1 reads a literal u)' -f $t.Extent.StartLineNumber }
            if ($t.Text -cmatch '`e') { '{0}: the `e escape (6.0)' -f $t.Extent.StartLineNumber }
        }
    }
}

function Find-FileWriteWithoutEncoding {
    <# Findings for code (a help example) that writes a file without naming its encoding. #>
    param([Parameter(Mandatory = $true)] [string] $Code)
    $ast = [System.Management.Automation.Language.Parser]::ParseInput($Code, [ref]$null, [ref]$null)
    foreach ($cmd in $ast.FindAll({ param($n) $n -is [System.Management.Automation.Language.CommandAst] }, $true)) {
        $name = $cmd.GetCommandName()
        if ($script:FileWritingCommands -notcontains $name) { continue }
        if ($name -eq 'Tee-Object') {
            if (@($cmd.CommandElements | Where-Object { $_ -is [System.Management.Automation.Language.CommandParameterAst] -and $_.ParameterName -match '^(FilePath|LiteralPath|Append)$' }).Count) {
                '{0}: Tee-Object to a file (it has no -Encoding in 5.1; use Out-File -Encoding)' -f $cmd.Extent.StartLineNumber
            }
            continue
        }
        if (-not @($cmd.CommandElements | Where-Object { $_ -is [System.Management.Automation.Language.CommandParameterAst] -and $_.ParameterName -eq 'Encoding' }).Count) {
            '{0}: {1} without -Encoding (5.1 and 7 write different encodings)' -f $cmd.Extent.StartLineNumber, $name
        }
    }
    foreach ($r in $ast.FindAll({ param($n) $n -is [System.Management.Automation.Language.FileRedirectionAst] }, $true)) {
        $target = $r.Location.Extent.Text
        if ($target -ne '$null') { '{0}: redirection to a file ({1}) cannot name an encoding; use Out-File -Encoding' -f $r.Extent.StartLineNumber, $r.Extent.Text }
    }
}

function Get-DotNetMemberUse {
    <#
        The .NET types, static members (Type::Member) and instance members (.Member) that PowerShell
        code uses, from its syntax tree: type literals and casts, New-Object type names, member access
        and method calls. Instance members cannot be typed from syntax alone: they are named only.
    #>
    param([Parameter(Mandatory = $true)] [System.Management.Automation.Language.Ast[]] $Ast)
    $L = 'System.Management.Automation.Language.'
    foreach ($root in $Ast) {
        foreach ($n in $root.FindAll({ param($n) $n -is [System.Management.Automation.Language.MemberExpressionAst] }, $true)) {
            if ($n.Member -isnot [System.Management.Automation.Language.StringConstantExpressionAst]) { continue }
            if ($n.Static -and $n.Expression -is [System.Management.Automation.Language.TypeExpressionAst]) {
                [pscustomobject]@{ Kind = 'Static'; Type = $n.Expression.TypeName.FullName; Name = $n.Member.Value; Line = $n.Extent.StartLineNumber }
            }
            elseif (-not $n.Static) {
                [pscustomobject]@{ Kind = 'Instance'; Type = $null; Name = $n.Member.Value; Line = $n.Extent.StartLineNumber }
            }
        }
        foreach ($n in $root.FindAll({ param($n) $n -is [System.Management.Automation.Language.TypeExpressionAst] -or $n -is [System.Management.Automation.Language.TypeConstraintAst] }, $true)) {
            [pscustomobject]@{ Kind = 'Type'; Type = $n.TypeName.FullName; Name = $null; Line = $n.Extent.StartLineNumber }
        }
        foreach ($n in $root.FindAll({ param($n) $n -is [System.Management.Automation.Language.CommandAst] -and $n.GetCommandName() -eq 'New-Object' }, $true)) {
            $names = @($n.CommandElements | Select-Object -Skip 1 | Where-Object { $_ -is [System.Management.Automation.Language.StringConstantExpressionAst] })
            if ($names.Count) { [pscustomobject]@{ Kind = 'Type'; Type = $names[0].Value; Name = $null; Line = $n.Extent.StartLineNumber } }
        }
    }
}

function Find-UnlistedDotNetMember {
    <# Findings for each use (Get-DotNetMemberUse) that the listing (test/ps/net48/Members.cs) does not name. #>
    param([Parameter(Mandatory = $true)] [AllowEmptyCollection()] [object[]] $Use, [Parameter(Mandatory = $true)] [string] $Listing)
    # C# spells these types by keyword.
    $keyword = @{ 'System.Int32' = 'int'; 'System.String' = 'string'; 'System.Boolean' = 'bool'; 'System.Double' = 'double'; 'System.Char' = 'char'; 'System.Object' = 'object'; 'System.Byte' = 'byte' }
    # PowerShell language words, not types to compile.
    $language = @('ordered', 'void')
    $seen = @{}
    foreach ($u in $Use) {
        $id = '{0}|{1}|{2}' -f $u.Kind, $u.Type, $u.Name
        if ($seen.ContainsKey($id)) { continue }
        $seen[$id] = $true
        if ($u.Kind -eq 'Instance') {
            if ($Listing -notmatch ('(?i)\.' + [regex]::Escape($u.Name) + '\b')) { '{0}: .{1} is not in the listing' -f $u.Line, $u.Name }
            continue
        }
        if ($language -contains $u.Type) { continue }
        $t = $u.Type -as [type]
        if ($null -eq $t) { '{0}: type [{1}] does not resolve' -f $u.Line, $u.Type; continue }
        if ($t.IsArray) { $t = $t.GetElementType() }
        $spellings = @($t.FullName)
        if ($t.IsGenericType) { $spellings = @(($t.GetGenericTypeDefinition().FullName -replace '`\d+$', '') + '<') }
        if ($keyword.ContainsKey($t.FullName)) { $spellings += $keyword[$t.FullName] }
        if ($u.Kind -eq 'Type') {
            $found = @($spellings | Where-Object { $Listing.Contains($_) -or ($_ -notmatch '<' -and $Listing -match ('\b' + [regex]::Escape(($_ -split '\.')[-1]) + '\b')) })
            if (-not $found.Count) { '{0}: type {1} is not in the listing' -f $u.Line, $t.FullName }
        }
        else {
            $found = @($spellings | Where-Object { $Listing.Contains($_ + '.' + $u.Name) })
            if (-not $found.Count) { '{0}: {1}::{2} is not in the listing' -f $u.Line, $t.FullName, $u.Name }
        }
    }
}
