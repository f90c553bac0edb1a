# What the collection keeps on the server itself, under %ProgramData%\exchange.owa_im: the backups of the settings a
# change replaced (written before the change, in the same process), and the time of the last change OWA reads only when
# it starts. Whether OWA owes a restart is decided here, from the server's own facts, so that no reset is lost with the
# controller's memory (an interrupted run, a failure elsewhere, a change made by hand).
# Only Administrators and SYSTEM may write there: a folder made under %ProgramData% without an ACL of its own inherits
# "Users: create files and folders", and any local user could plant a backup that rollback would restore.
param()
# What the functions below noticed, written out by Out-OwaImStateNotes (a function's output would be its return value).
$owaImStateNotes = @{}
function Out-OwaImStateNotes {
    foreach ($owaImKey in @($owaImStateNotes.Keys)) { Out-OwaImField 'state_folder' $owaImKey $owaImStateNotes[$owaImKey] }
}
function Get-OwaImPrivateSddl {
    # Owner Administrators; a protected DACL: full control for SYSTEM and Administrators, passed on to everything inside.
    'O:BAG:SYD:PAI(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)'
}
function Get-OwaImSecurity([string]$Path) {
    # .NET rather than Get-Acl: PowerShell 2.0's Get-Acl has only -Path, which reads [ ] * ? in a name as wildcards.
    if (Test-Path -LiteralPath $Path -PathType Container) { return [IO.Directory]::GetAccessControl($Path) }
    return [IO.File]::GetAccessControl($Path)
}
function Get-OwaImSddl([string]$Path) {
    [string](Get-OwaImSecurity $Path).GetSecurityDescriptorSddlForm('Owner, Group, Access')
}
function Get-OwaImSddlOwner([string]$Sddl) {
    if (-not $Sddl.StartsWith('O:')) { return '' }
    $owaImEnd = $Sddl.IndexOf('G:')
    if ($owaImEnd -lt 0) { $owaImEnd = $Sddl.IndexOf('D:') }
    if ($owaImEnd -lt 0) { $owaImEnd = $Sddl.Length }
    return $Sddl.Substring(2, $owaImEnd - 2)
}
function Test-OwaImWriteRights([string]$Rights) {
    # Whether an ACE's rights (SDDL: a hex mask or two-letter codes) let one change the object or what it holds: for
    # files and folders 0x2 write data / add file, 0x4 append / add folder, 0x10 write EA, 0x40 delete child, 0x100 write
    # attributes (DC LC RP DT CR), delete, write DAC, write owner (SD WD WO), generic and file all or write.
    if ($Rights.StartsWith('0x')) { return (([Convert]::ToInt64($Rights.Substring(2), 16) -band 0x500D0156) -ne 0) }
    for ($owaImAt = 0; $owaImAt + 1 -lt $Rights.Length; $owaImAt += 2) {
        if (@('DC', 'LC', 'RP', 'DT', 'CR', 'SD', 'WD', 'WO', 'GA', 'GW', 'FA', 'FW', 'KA', 'KW') -contains $Rights.Substring($owaImAt, 2)) {
            return $true
        }
    }
    return $false
}
function Get-OwaImSddlOthers([string]$Sddl) {
    # Whom an allow entry of the DACL lets write, besides SYSTEM and Administrators (reading is no way in).
    $owaImAt = $Sddl.IndexOf('D:')
    if ($owaImAt -lt 0) { return @('Everyone (no DACL)') }
    $owaImOthers = @()
    foreach ($owaImPart in $Sddl.Substring($owaImAt + 2).Split('(')) {
        $owaImFields = $owaImPart.TrimEnd(')').Split(';')
        # An inherit-only entry (IO) grants nothing on this object itself.
        if (($owaImFields.Count -ge 6) -and ($owaImFields[0] -eq 'A') -and (-not $owaImFields[1].Contains('IO')) -and
            (Test-OwaImWriteRights $owaImFields[2]) -and
            -not (@('SY', 'BA', 'S-1-5-18', 'S-1-5-32-544') -contains $owaImFields[5])) { $owaImOthers += $owaImFields[5] }
    }
    return $owaImOthers
}
function Test-OwaImTrustedOwner([string]$Owner) {
    # Administrators and SYSTEM, or this account itself (the owner Windows gives what an administrator creates when the
    # policy "Default owner for objects created by members of the Administrators group" is "Object creator").
    (@('BA', 'SY', 'S-1-5-32-544', 'S-1-5-18') -contains $Owner) -or
        ($Owner -eq [string][Security.Principal.WindowsIdentity]::GetCurrent().User.Value)
}
function Get-OwaImUntrusted([string]$Path) {
    # '' when only Administrators, SYSTEM or this account own and may write $Path; else what is wrong with it.
    $owaImSddl = Get-OwaImSddl $Path
    $owaImOwner = Get-OwaImSddlOwner $owaImSddl
    if (-not (Test-OwaImTrustedOwner $owaImOwner)) { return ($Path + ' is owned by ' + $owaImOwner) }
    $owaImOthers = @(Get-OwaImSddlOthers $owaImSddl)
    if ($owaImOthers.Count -gt 0) { return ($Path + ' grants access to ' + [string]::Join(', ', $owaImOthers)) }
    return ''
}
function Protect-OwaImStateFolder([string]$Root) {
    # A folder from before it was made private (or changed by hand) is made private again, but only when nothing in it
    # belongs to anyone else: what another account owns may have been planted, and is left for an administrator to judge.
    $owaImSddl = Get-OwaImSddl $Root
    $owaImDacl = $owaImSddl.Substring($owaImSddl.IndexOf('D:') + 2)
    if (($owaImDacl.Split('(')[0] -match 'P') -and ((Get-OwaImUntrusted $Root) -eq '')) { return }
    $owaImOwner = Get-OwaImSddlOwner $owaImSddl
    if (-not (Test-OwaImTrustedOwner $owaImOwner)) { throw ($Root + ' is owned by ' + $owaImOwner + ', not by Administrators') }
    foreach ($owaImItem in @(Get-ChildItem -LiteralPath $Root) + @(Get-OwaImBackupItems $Root)) {
        $owaImOwner = Get-OwaImSddlOwner (Get-OwaImSddl $owaImItem.FullName)
        if (-not (Test-OwaImTrustedOwner $owaImOwner)) { throw ($owaImItem.FullName + ' is owned by ' + $owaImOwner + ', not by Administrators') }
    }
    $owaImAcl = [IO.Directory]::GetAccessControl($Root)
    $owaImAcl.SetSecurityDescriptorSddlForm((Get-OwaImPrivateSddl))
    [IO.Directory]::SetAccessControl($Root, $owaImAcl)
    $owaImStateNotes['made_private'] = $Root
}
function Get-OwaImBackupFolders {
    # Where each module keeps the backups it writes before a change, under %ProgramData%\exchange.owa_im.
    @('backups', 'web-config-backups', 'setting-override-backups', 'mailbox-policy-backups', 'host-authorization-backups',
      'trusted-application-backups')
}
function Get-OwaImBackupItems([string]$Root) {
    foreach ($owaImChild in @(Get-OwaImBackupFolders)) {
        $owaImBackups = Join-Path $Root $owaImChild
        if (Test-Path -LiteralPath $owaImBackups -PathType Container) { @(Get-ChildItem -LiteralPath $owaImBackups) }
    }
}
function Get-OwaImStateFolder([string]$Child) {
    $owaImFolder = Join-Path $env:ProgramData 'exchange.owa_im'
    if (-not (Test-Path -LiteralPath $owaImFolder -PathType Container)) {
        $owaImSecurity = New-Object System.Security.AccessControl.DirectorySecurity
        $owaImSecurity.SetSecurityDescriptorSddlForm((Get-OwaImPrivateSddl))
        [void][IO.Directory]::CreateDirectory($owaImFolder, $owaImSecurity)
    }
    else { Protect-OwaImStateFolder $owaImFolder }
    if ($Child -ne '') {
        $owaImFolder = Join-Path $owaImFolder $Child
        if (-not (Test-Path -LiteralPath $owaImFolder -PathType Container)) { [void][IO.Directory]::CreateDirectory($owaImFolder) }
        elseif ((Get-OwaImUntrusted $owaImFolder) -ne '') { throw (Get-OwaImUntrusted $owaImFolder) }
    }
    return $owaImFolder
}
function Write-OwaImNewFile([string]$Path, [string[]]$Lines) {
    # CreateNew: an existing file of that name (planted, or a second change in the same instant) is an error, never
    # overwritten or followed.
    $owaImBytes = [Text.Encoding]::UTF8.GetBytes([string]::Join("`r`n", $Lines) + "`r`n")
    $owaImStream = [IO.File]::Open($Path, [IO.FileMode]::CreateNew, [IO.FileAccess]::Write)
    try { $owaImStream.Write($owaImBytes, 0, $owaImBytes.Length) }
    finally { $owaImStream.Close() }
}
function Write-OwaImBackup([string]$InventoryHost, [string]$Run, $Directory, [string[]]$Properties, [string]$Folder = 'backups',
                           [bool]$Existed = $true) {
    # The replaced settings as the same records the controller parses (PowerShell 2.0 has no ConvertTo-Json), in a file
    # named <server>-<UTC time to 100 ns>Z.owaim. Any failure ends the script before the change: exit 10. Virtual
    # directories go to 'backups', web.config keys, setting overrides and mailbox policies to folders of their own.
    # $Existed false: the object did not exist before this change (a setting override created), so undoing the change
    # removes it; only its Identity is recorded.
    try {
        $owaImNow = [DateTime]::UtcNow
        $owaImFolderPath = Get-OwaImStateFolder $Folder
        # Windows' clock moves in steps of about 15.6 ms, so two backups of one script (a pool and its application, an
        # override and the one it replaces) can fall in one step: the second takes the next free microsecond.
        for ($owaImTry = 0; $owaImTry -lt 1000; $owaImTry++) {
            $owaImName = $env:COMPUTERNAME + '-' + $owaImNow.ToString('yyyyMMddTHHmmss') +
                ([string]($owaImNow.Ticks % 10000000)).PadLeft(7, '0') + 'Z.owaim'
            $owaImPath = Join-Path $owaImFolderPath $owaImName
            if (-not (Test-Path -LiteralPath $owaImPath)) { break }
            $owaImNow = $owaImNow.AddTicks(10)
        }
        $owaImLines = @(
            Out-OwaImField 'backup' 'format' '1'
            Out-OwaImField 'backup' 'host' $InventoryHost
            Out-OwaImField 'backup' 'server' $env:COMPUTERNAME
            Out-OwaImField 'backup' 'identity' ([string]$Directory.Identity)
            Out-OwaImField 'backup' 'taken_at' ($owaImNow.ToString('s') + 'Z')
            Out-OwaImField 'backup' 'run' $Run
            Out-OwaImField 'backup' 'existed' $Existed
        )
        if ($Existed) { $owaImLines += @(Out-OwaImObject 'settings' $Directory $Properties) }
        Write-OwaImNewFile $owaImPath $owaImLines
    }
    catch {
        Out-OwaImError 'backup_failed' ([string]$_.Exception.Message) $null $null
        exit 10
    }
    Out-OwaImField 'server_backup' 'path' $owaImPath
    Out-OwaImStateNotes
}
function Set-OwaImChangeMarker([string]$What) {
    # The server's own clock, written before a change that OWA reads only when its worker starts (components, settings).
    try {
        $owaImPath = Join-Path (Get-OwaImStateFolder '') 'last-change.txt'
        if (Test-Path -LiteralPath $owaImPath -PathType Leaf) { [IO.File]::Delete($owaImPath) }
        Write-OwaImNewFile $owaImPath @(([string](Get-Date).Ticks + ' ' + $What))
    }
    catch {
        Out-OwaImError 'marker_failed' ([string]$_.Exception.Message) $null $null
        exit 10
    }
    Out-OwaImStateNotes
}
function Get-OwaImMarkerTicks {
    $owaImPath = Join-Path $env:ProgramData 'exchange.owa_im\last-change.txt'
    if (-not (Test-Path -LiteralPath $owaImPath -PathType Leaf)) { return [long]0 }
    # A marker someone else could have written is no fact of ours (a future time would owe a reset at every run).
    $owaImUntrusted = Get-OwaImUntrusted $owaImPath
    if ($owaImUntrusted -ne '') { $owaImStateNotes['marker_refused'] = $owaImUntrusted; return [long]0 }
    $owaImWords = ([string](Get-Content -LiteralPath $owaImPath -TotalCount 1)).Split(' ')
    try { return [long]$owaImWords[0] } catch { return [long]0 }
}
function Get-OwaImWorkerStartTicks {
    # The earliest start (local ticks) of a w3wp.exe whose command line names OWA's application pool; 0 when none runs:
    # IIS then starts one at the next request, which reads the settings as they are now.
    # Only IIS's own w3wp.exe counts: any user can start a program of that name, with that command line, from elsewhere.
    $owaImEarliest = [long]0
    $owaImW3wp = Join-Path $env:windir 'system32\inetsrv\w3wp.exe'
    foreach ($owaImProcess in @(Get-WmiObject -Class Win32_Process -Filter "Name='w3wp.exe'")) {
        if (([string]$owaImProcess.ExecutablePath -eq $owaImW3wp) -and
            ([string]$owaImProcess.CommandLine -match '-ap "?MSExchangeOWAAppPool"?( |$)')) {
            $owaImTicks = [long]$owaImProcess.ConvertToDateTime($owaImProcess.CreationDate).Ticks
            if (($owaImEarliest -eq 0) -or ($owaImTicks -lt $owaImEarliest)) { $owaImEarliest = $owaImTicks }
        }
    }
    return $owaImEarliest
}
function Get-OwaImRestartState($Directory, [long]$SettingsChanged = 0) {
    # OWA owes a restart when its worker started before the last change it reads at start: the virtual directory's
    # WhenChanged (any writer, by hand included), on 2016 and later the newest WhenChanged of the IM setting overrides
    # that apply to this server ($SettingsChanged), or the marker this collection writes before a change.
    $owaImState = @{ 'worker_started' = (Get-OwaImWorkerStartTicks); 'directory_changed' = [long]0; 'marker' = (Get-OwaImMarkerTicks);
                     'settings_changed' = $SettingsChanged }
    if (($null -ne $Directory) -and ($null -ne $Directory.WhenChanged)) {
        $owaImState['directory_changed'] = [long]([DateTime]$Directory.WhenChanged).Ticks
    }
    $owaImLatest = $owaImState['directory_changed']
    if ($owaImState['marker'] -gt $owaImLatest) { $owaImLatest = $owaImState['marker'] }
    if ($SettingsChanged -gt $owaImLatest) { $owaImLatest = $SettingsChanged }
    $owaImState['pending'] = ($owaImState['worker_started'] -ne 0) -and ($owaImState['worker_started'] -lt $owaImLatest)
    return $owaImState
}
function Out-OwaImRestartState($State) {
    foreach ($owaImName in @('worker_started', 'directory_changed', 'marker', 'settings_changed')) {
        Out-OwaImField 'restart_state' $owaImName ([string]$State[$owaImName])
    }
    Out-OwaImField 'restart_state' 'pending' ([bool]$State['pending'])
    Out-OwaImStateNotes
}
