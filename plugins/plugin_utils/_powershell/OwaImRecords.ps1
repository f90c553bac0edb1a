# How every script reports to the controller. PowerShell 2.0 has no ConvertTo-Json, so each value is one stdout line,
# OWAIM|record|field|kind|base64(UTF-8 text), which the controller parses strictly. Lists of objects are records
# named kind/0, kind/1, ...
param()
function Out-OwaImField([string]$Record, [string]$Name, $Value) {
    if ($null -eq $Value) { $kind = 'null'; $text = '' }
    elseif ($Value -is [bool]) { $kind = 'bool'; $text = [string]$Value }
    elseif ($Value -is [DateTime]) { $kind = 'string'; $text = $Value.ToString('s') }
    elseif ($Value -is [string]) { $kind = 'string'; $text = $Value }
    elseif ($Value -is [Collections.IEnumerable]) {
        # Arrays and Exchange's MultiValuedProperty alike: one item a line.
        $kind = 'list'; $text = [string]::Join("`n", @($Value | ForEach-Object { [string]$_ }))
    }
    else { $kind = 'string'; $text = [string]$Value }
    'OWAIM|' + $Record + '|' + $Name + '|' + $kind + '|' + [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes($text))
}
function Out-OwaImObject([string]$Record, $Object, [string[]]$Names) {
    foreach ($owaImProperty in $Names) { Out-OwaImField $Record $owaImProperty $Object.$owaImProperty }
}
function Out-OwaImList([string]$Kind, $Objects, [string[]]$Names) {
    $owaImIndex = 0
    foreach ($owaImItem in @($Objects)) { Out-OwaImObject ($Kind + '/' + $owaImIndex) $owaImItem $Names; $owaImIndex++ }
}
function Out-OwaImError([string]$Kind, $Message, $ErrorId, $Exception) {
    Out-OwaImField 'error' 'kind' $Kind
    Out-OwaImField 'error' 'message' $Message
    Out-OwaImField 'error' 'id' $ErrorId
    Out-OwaImField 'error' 'exception' $Exception
}
