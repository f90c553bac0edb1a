# The only text on the command line (cmd.exe takes 8,191 characters at most): it reads the script, its libraries and
# its parameters from standard input, as data, and runs the script once in this process.
# Each input line is "<kind> <name> <data>": library and script carry base64 UTF-8 source; string, list, bool, int
# and null carry a parameter (base64 UTF-8 text, comma-separated for list items, '-' for empty). "data <name> -" ends
# the parameters: the script gets the rest of standard input, unread, as parameter <name> and reads it line by line.
param()
$ErrorActionPreference = 'Stop'
function ConvertFrom-OiData([string]$Data) {
    if ($Data -eq '-') { return '' }
    [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($Data))
}
$oiScript = $null
$oiArgs = @{}
foreach ($oiLine in $input) {
    $oiWords = ([string]$oiLine).Trim().Split(' ')
    if ($oiWords.Count -ne 3) { continue }
    $oiKind = $oiWords[0]
    $oiName = $oiWords[1]
    $oiData = $oiWords[2]
    if ($oiKind -eq 'library') { . ([ScriptBlock]::Create((ConvertFrom-OiData $oiData))) }
    elseif ($oiKind -eq 'script') { $oiScript = [ScriptBlock]::Create((ConvertFrom-OiData $oiData)) }
    elseif ($oiKind -eq 'bool') { $oiArgs[$oiName] = ($oiData -eq 'True') }
    elseif ($oiKind -eq 'int') { $oiArgs[$oiName] = [int]$oiData }
    elseif ($oiKind -eq 'null') { $oiArgs[$oiName] = $null }
    elseif ($oiKind -eq 'data') { $oiArgs[$oiName] = $input; break }
    elseif ($oiKind -eq 'list') {
        $oiItems = @()
        if ($oiData -ne '-') { $oiItems = @($oiData.Split(',') | ForEach-Object { ConvertFrom-OiData $_ }) }
        $oiArgs[$oiName] = [string[]]$oiItems
    }
    else { $oiArgs[$oiName] = ConvertFrom-OiData $oiData }
}
if ($null -eq $oiScript) { throw 'exchange.owa_im: no script arrived on standard input' }
# Every script names its server first, so even a failure before Exchange answers says where it happened.
Out-OwaImField 'server' 'name' $env:COMPUTERNAME
try {
    & $oiScript @oiArgs
}
catch {
    Out-OwaImError 'exchange' ($_.Exception.Message) ($_.FullyQualifiedErrorId) ($_.Exception.GetType().FullName)
    exit 2
}
exit 0
