# The bootstrap's second stage, dot-sourced in its scope: reads the libraries, the script and its parameters from the
# rest of standard input, as data, and runs the script once in this process. $oiRest holds the other lines of the
# first input item, $oiInput the items not read yet.
# Each line is "<kind> <name> <data>": library and script carry base64 UTF-8 source; string, list, bool, int and null
# carry a parameter (base64 UTF-8 text, comma-separated for list items, '-' for empty). "end lines <n>" closes them:
# anything unexpected, or a count that does not match, stops before any script runs (a lost CheckMode line must never
# change what a script does). After it, "data <name> -" may hand the rest of the input, unread, to the script as
# parameter <name>, which reads it line by line.
param()
# Every stdout line must be a record: warnings stay off it.
$WarningPreference = 'SilentlyContinue'
function Get-OiText([string]$Text) {
    if ($Text -eq '-') { return '' }
    [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($Text))
}
# Keys that no hashtable property shadows ($h.Count would be the hashtable's own count).
$oiState = @{ Read = 0; Announced = -1; Body = $null; DataName = $null; Libs = @() }
$oiArgs = @{}
function Read-OiLine([string]$Line) {
    # Returns $true once the data line has been read: the rest of the input then belongs to the script.
    $oiWords = $Line.Trim().Split(' ')
    if ($oiWords[0] -eq '') { return $false }
    if (($oiWords.Count -ne 3) -or (($oiState['Announced'] -ge 0) -ne ($oiWords[0] -eq 'data'))) {
        throw ('exchange.owa_im: unexpected input after line ' + $oiState['Read'])
    }
    $oiKind = $oiWords[0]
    $oiName = $oiWords[1]
    $oiValue = $oiWords[2]
    if ($oiKind -eq 'data') { $oiState['DataName'] = $oiName; return $true }
    if ($oiKind -eq 'end') {
        $oiState['Announced'] = [int]$oiValue
        if ($oiState['Announced'] -ne $oiState['Read']) { throw ('exchange.owa_im: ' + $oiState['Read'] + ' input lines of ' + $oiValue) }
        return $false
    }
    $oiState['Read'] = $oiState['Read'] + 1
    if ($oiKind -eq 'library') { $oiState['Libs'] = @($oiState['Libs']) + @(Get-OiText $oiValue) }
    elseif ($oiKind -eq 'script') { $oiState['Body'] = Get-OiText $oiValue }
    elseif ($oiKind -eq 'bool') { $oiArgs[$oiName] = ($oiValue -eq 'True') }
    elseif ($oiKind -eq 'int') { $oiArgs[$oiName] = [int]$oiValue }
    elseif ($oiKind -eq 'null') { $oiArgs[$oiName] = $null }
    elseif ($oiKind -eq 'list') {
        $oiItems = @()
        if ($oiValue -ne '-') { $oiItems = @($oiValue.Split(',') | ForEach-Object { Get-OiText $_ }) }
        $oiArgs[$oiName] = [string[]]$oiItems
    }
    elseif ($oiKind -eq 'string') { $oiArgs[$oiName] = Get-OiText $oiValue }
    else { throw ('exchange.owa_im: unknown input kind ' + $oiKind) }
    return $false
}
# The rest of the first item (psrp before 2.19 sends everything as one string), then the items not read yet.
for ($oiAt = 1; $oiAt -lt $oiRest.Count; $oiAt++) {
    if (Read-OiLine $oiRest[$oiAt]) {
        $oiArgs[$oiState['DataName']] = @()
        if ($oiAt + 1 -lt $oiRest.Count) { $oiArgs[$oiState['DataName']] = @($oiRest[($oiAt + 1)..($oiRest.Count - 1)]) }
        break
    }
}
if ($null -eq $oiState['DataName']) {
    foreach ($oiItem in $oiInput) {
        if (Read-OiLine ([string]$oiItem)) { $oiArgs[$oiState['DataName']] = $oiInput; break }
    }
}
if (($oiState['Announced'] -lt 0) -or ($null -eq $oiState['Body'])) { throw 'exchange.owa_im: input incomplete' }
foreach ($oiLibrary in $oiState['Libs']) { . ([ScriptBlock]::Create($oiLibrary)) }
# Every script names its server first, so even a failure before Exchange answers says where it happened.
Out-OwaImField 'server' 'name' $env:COMPUTERNAME
try {
    & ([ScriptBlock]::Create($oiState['Body'])) @oiArgs
}
catch {
    Out-OwaImError 'exchange' ($_.Exception.Message) ($_.FullyQualifiedErrorId) ($_.Exception.GetType().FullName)
    exit 2
}
exit 0
