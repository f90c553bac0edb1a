# put_file: write a file the controller sends, for PowerShell 2.0 (Ansible's own put_file needs 5.1). The file comes in
# segments of a few MiB, one process each; each segment is lines "chunk <n> <base64>" on standard input after the
# parameters, read here one line at a time and appended to "<Path>.owa_im_part", so memory holds one chunk, not the file.
# With $Final the part file is read back in a stream, its SHA-1 computed here and compared with the controller's; only a
# file whose size and hash match takes the name $Path (an earlier file of that name is replaced).
param(
    [string]$Path,
    [int]$Offset,
    [int]$Chunks,
    [bool]$Final,
    [string]$Sha1,
    [int]$Length,
    $Data
)
$owaImPart = $Path + '.owa_im_part'
$owaImFolder = $Path.Substring(0, $Path.LastIndexOf('\'))
if (-not (Test-Path -LiteralPath $owaImFolder -PathType Container)) { [void][IO.Directory]::CreateDirectory($owaImFolder) }
# A first segment starts the part file afresh; a later one must find exactly what the earlier ones wrote.
if ($Offset -eq 0) { $owaImStream = [IO.File]::Open($owaImPart, [IO.FileMode]::Create, [IO.FileAccess]::Write) }
else { $owaImStream = [IO.File]::Open($owaImPart, [IO.FileMode]::Append, [IO.FileAccess]::Write) }
$owaImStart = $owaImStream.Length
$owaImNext = 0
$owaImBad = ''
try {
    if ($owaImStart -ne $Offset) { $owaImBad = 'the part file holds ' + $owaImStart + ' bytes where ' + $Offset + ' were sent' }
    else {
        foreach ($owaImLine in $Data) {
            $owaImWords = ([string]$owaImLine).Trim().Split(' ')
            if (($owaImWords.Count -ne 3) -or ($owaImWords[0] -ne 'chunk')) { continue }
            if ([int]$owaImWords[1] -ne $owaImNext) { $owaImBad = 'chunk ' + $owaImWords[1] + ' came where ' + $owaImNext + ' was due'; break }
            $owaImBytes = [Convert]::FromBase64String($owaImWords[2])
            $owaImStream.Write($owaImBytes, 0, $owaImBytes.Length)
            $owaImNext++
        }
    }
    $owaImWritten = $owaImStream.Length
}
finally { $owaImStream.Close() }
if (($owaImBad -eq '') -and ($owaImNext -ne $Chunks)) { $owaImBad = [string]$owaImNext + ' of ' + $Chunks + ' chunks arrived' }
Out-OwaImField 'upload' 'path' $Path
Out-OwaImField 'upload' 'written' ([string]$owaImWritten)
if ($owaImBad -ne '') {
    Out-OwaImError 'upload_incomplete' $owaImBad $null $null
    exit 9
}
if (-not $Final) { exit 0 }
$owaImReader = [IO.File]::OpenRead($owaImPart)
try { $owaImHash = [BitConverter]::ToString([Security.Cryptography.SHA1]::Create().ComputeHash($owaImReader)).Replace('-', '') }
finally { $owaImReader.Close() }
Out-OwaImField 'upload' 'sha1' $owaImHash
if (($owaImHash -ne $Sha1) -or ($owaImWritten -ne $Length)) {
    [IO.File]::Delete($owaImPart)
    Out-OwaImError 'upload_mismatch' ([string]$owaImWritten + ' bytes, SHA-1 ' + $owaImHash) $null $null
    exit 9
}
if (Test-Path -LiteralPath $Path -PathType Leaf) { [IO.File]::Delete($Path) }
[IO.File]::Move($owaImPart, $Path)
