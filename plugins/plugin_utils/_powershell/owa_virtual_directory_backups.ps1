# owa_virtual_directory_backup_info: the backups the collection's modules wrote on this server before each change (the
# virtual directory's settings, Exchange 2013's web.config keys, setting overrides, mailbox policies), the newest
# $MaxFiles of each folder, each read only when it is at most $MaxBytes. Reads only; needs no Exchange snap-in. Each
# file's text goes back as one value: the controller parses and checks it, so a file cannot add records of its own.
param(
    [int]$MaxFiles,
    [int]$MaxBytes,
    [string[]]$Folders
)
Out-OwaImField 'server' 'name' $env:COMPUTERNAME
# Who owns and may write the folder and each file: the controller restores nothing someone else could have written.
Out-OwaImField 'server' 'account_sid' ([string][Security.Principal.WindowsIdentity]::GetCurrent().User.Value)
$owaImRoot = Join-Path $env:ProgramData 'exchange.owa_im'
if (-not (Test-Path -LiteralPath $owaImRoot -PathType Container)) { exit 0 }
Out-OwaImField 'listing' 'folder_sddl' ((Get-OwaImSddl $owaImRoot))
$owaImCount = 0
$owaImRecordIndex = 0
foreach ($owaImChild in @($Folders)) {
    $owaImFolder = Join-Path $owaImRoot $owaImChild
    if (-not (Test-Path -LiteralPath $owaImFolder -PathType Container)) { continue }
    Out-OwaImField ('folder/' + $owaImChild) 'sddl' ((Get-OwaImSddl $owaImFolder))
    # NTFS lists a folder in name order, and the names start with the server and the UTC time: the last are the newest.
    $owaImFiles = @(Get-ChildItem -LiteralPath $owaImFolder -Filter '*.owaim')
    $owaImCount += $owaImFiles.Count
    $owaImFirst = $owaImFiles.Count - $MaxFiles
    if ($owaImFirst -lt 0) { $owaImFirst = 0 }
    for ($owaImI = $owaImFirst; $owaImI -lt $owaImFiles.Count; $owaImI++) {
        $owaImRecord = 'file/' + $owaImRecordIndex
        $owaImRecordIndex++
        Out-OwaImField $owaImRecord 'folder' $owaImChild
        Out-OwaImField $owaImRecord 'name' ([string]$owaImFiles[$owaImI].Name)
        Out-OwaImField $owaImRecord 'length' ([string]$owaImFiles[$owaImI].Length)
        Out-OwaImField $owaImRecord 'sddl' ((Get-OwaImSddl $owaImFiles[$owaImI].FullName))
        if ($owaImFiles[$owaImI].Length -le $MaxBytes) {
            Out-OwaImField $owaImRecord 'content' ([string]::Join("`n", @(Get-Content -LiteralPath $owaImFiles[$owaImI].FullName)))
        }
    }
}
Out-OwaImField 'listing' 'count' ([string]$owaImCount)
