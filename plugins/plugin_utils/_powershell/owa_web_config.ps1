# owa_web_config: OWA's IM keys IMServerName and IMCertificateThumbprint under <appSettings> of the OWA web.config of an
# Exchange 2013 server: read, compare, back up the whole file on this server, edit the text, write it, read it back; one
# process. 2010 takes these settings from the virtual directory, 2016 and later from a setting override (web.config
# ignored), so any other version is refused before anything is read.
# The file is edited as text, never loaded and saved as XML: every byte outside the two keys' values (or their lines,
# when a key is added or removed) stays as it was, its encoding and byte order mark included.
param(
    [string]$Path,
    [string[]]$Manage,
    [string]$ServerName,
    [string]$Thumbprint,
    [bool]$Present,
    [string[]]$Remove,
    [bool]$CheckMode,
    [int]$MaxBytes,
    [string]$BackupHost,
    [string]$Run
)
Import-OwaImExchangeShell
Out-OwaImExchangeServer
$owaImVersion = Get-OwaImAdminDisplayVersion
if ((Test-OwaImSettingOverridesApply) -or -not ($owaImVersion -match '^Version 15\.0 ')) {
    Out-OwaImError 'wrong_version' $owaImVersion $null $null
    exit 4
}
if ($Path -eq '') {
    # As owa_web_config_info finds it: a WinRM service started before Exchange setup has no ExchangeInstallPath in its
    # environment, and setup's MsiInstallPath in the registry says the same.
    $owaImInstall = $env:ExchangeInstallPath
    foreach ($owaImKey in @('HKLM:\SOFTWARE\Microsoft\ExchangeServer\v15\Setup')) {
        if (($null -eq $owaImInstall) -or ($owaImInstall -eq '')) {
            $owaImInstall = (Get-ItemProperty -Path $owaImKey -ErrorAction SilentlyContinue).MsiInstallPath
        }
    }
    if (($null -eq $owaImInstall) -or ($owaImInstall -eq '')) {
        Out-OwaImError 'no_install_path' ('Neither $env:ExchangeInstallPath nor MsiInstallPath under ' +
            'HKLM:\SOFTWARE\Microsoft\ExchangeServer\v15\Setup says where Exchange is.') $null $null
        exit 3
    }
    $Path = Join-Path $owaImInstall 'ClientAccess\Owa\web.config'
}
Out-OwaImField 'web_config' 'path' $Path
if (-not (Test-Path -LiteralPath $Path -PathType Leaf)) {
    Out-OwaImError 'no_file' $Path $null $null
    exit 4
}
# Measured before it is read: an OWA web.config is tens of kilobytes.
$owaImLength = (Get-Item -LiteralPath $Path).Length
Out-OwaImField 'web_config' 'length' ([string]$owaImLength)
if ($owaImLength -gt $MaxBytes) {
    Out-OwaImError 'too_large' ([string]$owaImLength) $null $null
    exit 4
}
$owaImBytes = [IO.File]::ReadAllBytes($Path)
if ($owaImBytes.Length -gt $MaxBytes) {
    Out-OwaImError 'too_large' ([string]$owaImBytes.Length) $null $null
    exit 4
}
# The byte order mark decides the encoding, else UTF-8 (what the XML declaration of an OWA web.config says).
# Encoding.GetString keeps a byte order mark as the character U+FEFF, and GetBytes writes it back: decoding and encoding
# the whole file gives back the same bytes, which is checked before anything is edited.
$owaImEncoding = [Text.Encoding]::UTF8
$owaImEncodingName = 'utf-8'
if (($owaImBytes.Length -ge 2) -and ($owaImBytes[0] -eq 0xFF) -and ($owaImBytes[1] -eq 0xFE)) {
    $owaImEncoding = [Text.Encoding]::Unicode
    $owaImEncodingName = 'utf-16le'
}
elseif (($owaImBytes.Length -ge 2) -and ($owaImBytes[0] -eq 0xFE) -and ($owaImBytes[1] -eq 0xFF)) {
    $owaImEncoding = [Text.Encoding]::BigEndianUnicode
    $owaImEncodingName = 'utf-16be'
}
$owaImText = $owaImEncoding.GetString($owaImBytes)
Out-OwaImField 'web_config' 'encoding' $owaImEncodingName
Out-OwaImField 'web_config' 'bom' ($owaImText.StartsWith([string][char]0xFEFF))
$owaImOriginal = [Convert]::ToBase64String($owaImBytes)
if ([Convert]::ToBase64String($owaImEncoding.GetBytes($owaImText)) -ne $owaImOriginal) {
    Out-OwaImError 'encoding' $owaImEncodingName $null $null
    exit 4
}

function Get-OwaImMasked([string]$Text) {
    # $Text with each XML comment blanked out, character for character: positions stay those of $Text, and a key that
    # is commented out is no key. An unterminated comment runs to the end of the file, as for an XML parser.
    $owaImMasked = $Text
    foreach ($owaImComment in [regex]::Matches($Text, '<!--[\s\S]*?(-->|$)')) {
        $owaImMasked = $owaImMasked.Substring(0, $owaImComment.Index) + ''.PadLeft($owaImComment.Length, ' ') +
            $owaImMasked.Substring($owaImComment.Index + $owaImComment.Length)
    }
    return $owaImMasked
}
function Get-OwaImSection([string]$Text) {
    # The one <appSettings> element's content: @{Start; End} (End: where </appSettings> begins), or the reason there is none.
    $owaImMasked = Get-OwaImMasked $Text
    $owaImOpens = @([regex]::Matches($owaImMasked, '<appSettings(\s[^>]*)?>'))
    if ($owaImOpens.Count -ne 1) { return @{ 'Error' = ('opening tags: ' + [string]$owaImOpens.Count) } }
    $owaImOpen = $owaImOpens[0]
    if ($owaImOpen.Value.EndsWith('/>')) { return @{ 'Error' = 'empty element <appSettings/>' } }
    $owaImStart = $owaImOpen.Index + $owaImOpen.Length
    $owaImClose = [regex]::Match($owaImMasked.Substring($owaImStart), '</appSettings\s*>')
    if (-not $owaImClose.Success) { return @{ 'Error' = 'no closing tag </appSettings>' } }
    return @{ 'Start' = $owaImStart; 'End' = ($owaImStart + $owaImClose.Index); 'Masked' = $owaImMasked }
}
function Get-OwaImAddElements([string]$Text, $Section) {
    # Each <add .../> of the section: where it is, its key, and where its value attribute's text is.
    $owaImContent = $Section['Masked'].Substring($Section['Start'], $Section['End'] - $Section['Start'])
    $owaImPattern = '<add(\s+[A-Za-z_][\w.:-]*\s*=\s*("[^"]*"|''[^'']*''))*\s*/?>'
    foreach ($owaImElement in [regex]::Matches($owaImContent, $owaImPattern)) {
        $owaImAt = $Section['Start'] + $owaImElement.Index
        $owaImFound = @{ 'At' = $owaImAt; 'Length' = $owaImElement.Length; 'Key' = $null; 'ValueAt' = -1; 'Value' = $null;
                         'KeyEnd' = -1; 'Closed' = $owaImElement.Value.EndsWith('/>'); 'Spaced' = $owaImElement.Value.EndsWith(' />') }
        foreach ($owaImAttribute in [regex]::Matches($owaImElement.Value, '([A-Za-z_][\w.:-]*)\s*=\s*("[^"]*"|''[^'']*'')')) {
            $owaImQuoted = $owaImAttribute.Groups[2].Value
            # The quoted text ends the attribute's match: its position follows from the match's own.
            $owaImValueAt = $owaImAt + $owaImAttribute.Index + $owaImAttribute.Length - $owaImQuoted.Length + 1
            $owaImName = $owaImAttribute.Groups[1].Value
            if (($owaImName -ceq 'key') -and ($null -eq $owaImFound['Key'])) {
                $owaImFound['Key'] = $owaImQuoted.Substring(1, $owaImQuoted.Length - 2)
                $owaImFound['KeyEnd'] = $owaImAt + $owaImAttribute.Index + $owaImAttribute.Length
            }
            elseif (($owaImName -ceq 'value') -and ($owaImFound['ValueAt'] -lt 0)) {
                $owaImFound['ValueAt'] = $owaImValueAt
                $owaImFound['Value'] = $owaImQuoted.Substring(1, $owaImQuoted.Length - 2)
            }
        }
        $owaImFound
    }
}
function Get-OwaImKeyState([string]$Text) {
    # The section and the two keys' elements, or @{Error; Detail} for what this script does not edit. appSettings keys
    # are found without regard to case, as .NET's AppSettings collection finds them.
    $owaImSection = Get-OwaImSection $Text
    if ($owaImSection.ContainsKey('Error')) { return @{ 'Error' = 'no_app_settings'; 'Detail' = $owaImSection['Error'] } }
    $owaImElements = @(Get-OwaImAddElements $Text $owaImSection)
    $owaImKeys = @{}
    foreach ($owaImName in @('IMServerName', 'IMCertificateThumbprint')) {
        $owaImMine = @($owaImElements | Where-Object { [string]$_['Key'] -eq $owaImName })
        if ($owaImMine.Count -gt 1) { return @{ 'Error' = 'duplicate_key'; 'Detail' = $owaImName } }
        if (($owaImMine.Count -eq 1) -and -not $owaImMine[0]['Closed']) { return @{ 'Error' = 'unexpected_form'; 'Detail' = $owaImName } }
        if ($owaImMine.Count -eq 1) { $owaImKeys[$owaImName] = $owaImMine[0] } else { $owaImKeys[$owaImName] = $null }
    }
    return @{ 'Section' = $owaImSection; 'Elements' = $owaImElements; 'Keys' = $owaImKeys }
}
function Out-OwaImKeyState($State, [string]$Record) {
    # The two keys' values as the $Record record; exit 4 on a state this script refuses. Called as a statement of its
    # own (not in an assignment), so its records reach the output.
    if ($State.ContainsKey('Error')) {
        Out-OwaImError $State['Error'] $State['Detail'] $null $null
        exit 4
    }
    foreach ($owaImName in @('IMServerName', 'IMCertificateThumbprint')) {
        $owaImValue = $null
        if ($null -ne $State['Keys'][$owaImName]) { $owaImValue = [string]$State['Keys'][$owaImName]['Value'] }
        Out-OwaImField $Record $owaImName $owaImValue
    }
}
function Get-OwaImLineStart([string]$Text, [int]$At) {
    if ($At -le 0) { return 0 }
    return $Text.LastIndexOf("`n", $At - 1) + 1
}

$owaImState = Get-OwaImKeyState $owaImText
Out-OwaImKeyState $owaImState 'before'
$owaImDesired = @{ 'IMServerName' = $ServerName; 'IMCertificateThumbprint' = $Thumbprint }
# Microsoft's article lists the thumbprint's line first; new lines go in that order.
$owaImOrder = @('IMCertificateThumbprint', 'IMServerName')
$owaImEdits = @()
$owaImInserts = @()
foreach ($owaImName in $owaImOrder) {
    $owaImElement = $owaImState['Keys'][$owaImName]
    # A key is removed when the task removes both ($Present false) or names it in $Remove (a rollback to a file that
    # had only the other key).
    $owaImRemoving = (-not $Present) -or (@($Remove) -contains $owaImName)
    if ($Present -and -not ($Manage -contains $owaImName) -and -not $owaImRemoving) { continue }
    if ($owaImRemoving) {
        if ($null -eq $owaImElement) { continue }
        # The element's whole line when nothing else is on it, else the element alone.
        $owaImFrom = $owaImElement['At']
        $owaImTo = $owaImElement['At'] + $owaImElement['Length']
        $owaImLineStart = Get-OwaImLineStart $owaImText $owaImFrom
        $owaImLineEnd = $owaImText.IndexOf("`n", $owaImTo)
        if (($owaImLineEnd -ge 0) -and ($owaImText.Substring($owaImLineStart, $owaImFrom - $owaImLineStart).Trim() -eq '') -and
            ($owaImText.Substring($owaImTo, $owaImLineEnd - $owaImTo).Trim() -eq '')) {
            $owaImFrom = $owaImLineStart
            $owaImTo = $owaImLineEnd + 1
        }
        $owaImEdits += @{ 'At' = $owaImFrom; 'Length' = ($owaImTo - $owaImFrom); 'Text' = '' }
        Out-OwaImField 'change' $owaImName 'remove'
        continue
    }
    $owaImWanted = [string]$owaImDesired[$owaImName]
    if ($null -eq $owaImElement) {
        $owaImInserts += $owaImName
        Out-OwaImField 'change' $owaImName 'insert'
    }
    elseif ($owaImElement['ValueAt'] -lt 0) {
        # A key without a value attribute: the attribute goes right after the key's.
        $owaImEdits += @{ 'At' = $owaImElement['KeyEnd']; 'Length' = 0; 'Text' = (' value="' + $owaImWanted + '"') }
        Out-OwaImField 'change' $owaImName 'replace'
    }
    elseif ([string]$owaImElement['Value'] -cne $owaImWanted) {
        # Only the value attribute's text changes, inside its own quotes.
        $owaImEdits += @{ 'At' = $owaImElement['ValueAt']; 'Length' = ([string]$owaImElement['Value']).Length; 'Text' = $owaImWanted }
        Out-OwaImField 'change' $owaImName 'replace'
    }
}
if ($owaImInserts.Count -gt 0) {
    # Before </appSettings>: on lines of their own, with the file's line ending and the indentation of the last <add>
    # line, when the closing tag has a line of its own; else on its line, right before it.
    $owaImClose = $owaImState['Section']['End']
    $owaImNewLine = "`r`n"
    if (-not $owaImText.Contains("`r`n") -and $owaImText.Contains("`n")) { $owaImNewLine = "`n" }
    $owaImCloseLine = Get-OwaImLineStart $owaImText $owaImClose
    $owaImCloseIndent = $owaImText.Substring($owaImCloseLine, $owaImClose - $owaImCloseLine)
    $owaImOwnLine = ($owaImCloseIndent.Trim() -eq '')
    $owaImIndent = $owaImCloseIndent + '  '
    if ($owaImCloseIndent.Contains("`t")) { $owaImIndent = $owaImCloseIndent + "`t" }
    $owaImEnding = '/>'
    $owaImNeighbours = @($owaImState['Elements'])
    if ($owaImNeighbours.Count -gt 0) {
        $owaImLast = $owaImNeighbours[$owaImNeighbours.Count - 1]
        $owaImLastLine = Get-OwaImLineStart $owaImText $owaImLast['At']
        $owaImLastIndent = $owaImText.Substring($owaImLastLine, $owaImLast['At'] - $owaImLastLine)
        if ($owaImLastIndent.Trim() -eq '') { $owaImIndent = $owaImLastIndent }
        if ($owaImLast['Spaced']) { $owaImEnding = ' />' }
    }
    $owaImBlock = ''
    foreach ($owaImName in $owaImInserts) {
        $owaImLine = '<add key="' + $owaImName + '" value="' + [string]$owaImDesired[$owaImName] + '"' + $owaImEnding
        if ($owaImOwnLine) { $owaImBlock += $owaImIndent + $owaImLine + $owaImNewLine } else { $owaImBlock += $owaImLine }
    }
    $owaImAt = $owaImClose
    if ($owaImOwnLine) { $owaImAt = $owaImCloseLine }
    $owaImEdits += @{ 'At' = $owaImAt; 'Length' = 0; 'Text' = $owaImBlock }
}
# From the end of the file backwards, so that each edit's position still holds.
$owaImNew = $owaImText
foreach ($owaImEdit in @($owaImEdits | Sort-Object -Property @{ Expression = { [int]$_['At'] } } -Descending)) {
    $owaImNew = $owaImNew.Substring(0, $owaImEdit['At']) + $owaImEdit['Text'] + $owaImNew.Substring($owaImEdit['At'] + $owaImEdit['Length'])
}
Out-OwaImField 'web_config' 'edits' ([string]$owaImEdits.Count)
if ($owaImEdits.Count -eq 0) {
    Out-OwaImKeyState $owaImState 'after'
    Out-OwaImRestartState (Get-OwaImRestartState (@(Get-OwaImVirtualDirectories '')[0]))
    exit 0
}
# The edited text is read the same way before it goes anywhere: it must hold each key once, with the value asked.
$owaImCheck = Get-OwaImKeyState $owaImNew
Out-OwaImKeyState $owaImCheck 'after'
foreach ($owaImName in $owaImOrder) {
    $owaImElement = $owaImCheck['Keys'][$owaImName]
    $owaImWrong = (((-not $Present) -or (@($Remove) -contains $owaImName)) -and ($null -ne $owaImElement)) -or
        ($Present -and ($Manage -contains $owaImName) -and
         (($null -eq $owaImElement) -or ([string]$owaImElement['Value'] -cne [string]$owaImDesired[$owaImName])))
    if ($owaImWrong) {
        Out-OwaImError 'edit_failed' $owaImName $null $null
        exit 4
    }
}
if ($CheckMode) {
    Out-OwaImRestartState (Get-OwaImRestartState (@(Get-OwaImVirtualDirectories '')[0]))
    exit 0
}
# Beside the copy, the two keys' values as records the rollback reads (a whole file is no value to restore after a
# cumulative update has replaced the rest of it). Written first: the copy's path is the one the result reports.
$owaImKeyValues = @{ 'Identity' = $Path }
foreach ($owaImName in @('IMServerName', 'IMCertificateThumbprint')) {
    $owaImKeyValues[$owaImName] = $null
    if ($null -ne $owaImState['Keys'][$owaImName]) { $owaImKeyValues[$owaImName] = [string]$owaImState['Keys'][$owaImName]['Value'] }
}
Write-OwaImBackup $BackupHost $Run $owaImKeyValues @('IMServerName', 'IMCertificateThumbprint') 'web-config-backups'
# Nothing changes without its backup: the file as it was, byte for byte, goes to a new file on this server first.
try {
    $owaImNow = [DateTime]::UtcNow
    $owaImBackupName = $env:COMPUTERNAME + '-' + $owaImNow.ToString('yyyyMMddTHHmmss') +
        ([string]($owaImNow.Ticks % 10000000)).PadLeft(7, '0') + 'Z.config'
    $owaImBackup = Join-Path (Get-OwaImStateFolder 'web-config-backups') $owaImBackupName
    # CreateNew, as Write-OwaImNewFile opens its files: an existing file of that name is an error, never overwritten.
    $owaImStream = [IO.File]::Open($owaImBackup, [IO.FileMode]::CreateNew, [IO.FileAccess]::Write)
    try { $owaImStream.Write($owaImBytes, 0, $owaImBytes.Length) }
    finally { $owaImStream.Close() }
}
catch {
    Out-OwaImError 'backup_failed' ([string]$_.Exception.Message) $null $null
    exit 10
}
Out-OwaImField 'server_backup' 'path' $owaImBackup
Out-OwaImStateNotes
Set-OwaImChangeMarker 'owa_web_config'
# Someone may have changed the file since it was read: then nothing is written over their change.
if ([Convert]::ToBase64String([IO.File]::ReadAllBytes($Path)) -ne $owaImOriginal) {
    Out-OwaImError 'changed_meanwhile' $Path $null $null
    exit 4
}
$owaImNewBytes = $owaImEncoding.GetBytes($owaImNew)
[IO.File]::WriteAllBytes($Path, $owaImNewBytes)
$owaImReadBack = [IO.File]::ReadAllBytes($Path)
Out-OwaImField 'web_config' 'written' ([Convert]::ToBase64String($owaImReadBack) -eq [Convert]::ToBase64String($owaImNewBytes))
Out-OwaImKeyState (Get-OwaImKeyState ($owaImEncoding.GetString($owaImReadBack))) 'after_read'
Out-OwaImRestartState (Get-OwaImRestartState (@(Get-OwaImVirtualDirectories '')[0]))
