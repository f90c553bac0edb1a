# What the collection keeps on the server itself, under %ProgramData%\exchange.owa_im: the backups of the settings a
# change replaced (written before the change, in the same process), and the time of the last change OWA reads only when
# it starts. Whether OWA owes a restart is decided here, from the server's own facts, so that no reset is lost with the
# controller's memory (an interrupted run, a failure elsewhere, a change made by hand).
param()
function Get-OwaImStateFolder([string]$Child) {
    $owaImFolder = Join-Path $env:ProgramData 'exchange.owa_im'
    if ($Child -ne '') { $owaImFolder = Join-Path $owaImFolder $Child }
    if (-not (Test-Path -LiteralPath $owaImFolder -PathType Container)) { [void][IO.Directory]::CreateDirectory($owaImFolder) }
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
function Write-OwaImBackup([string]$InventoryHost, [string]$Run, $Directory, [string[]]$Properties) {
    # The replaced settings as the same records the controller parses (PowerShell 2.0 has no ConvertTo-Json), in a file
    # named <server>-<UTC time to 100 ns>Z.owaim. Any failure ends the script before the change: exit 10.
    try {
        $owaImNow = [DateTime]::UtcNow
        $owaImName = $env:COMPUTERNAME + '-' + $owaImNow.ToString('yyyyMMddTHHmmss') +
            ([string]($owaImNow.Ticks % 10000000)).PadLeft(7, '0') + 'Z.owaim'
        $owaImPath = Join-Path (Get-OwaImStateFolder 'backups') $owaImName
        $owaImLines = @(
            Out-OwaImField 'backup' 'format' '1'
            Out-OwaImField 'backup' 'host' $InventoryHost
            Out-OwaImField 'backup' 'server' $env:COMPUTERNAME
            Out-OwaImField 'backup' 'identity' ([string]$Directory.Identity)
            Out-OwaImField 'backup' 'taken_at' ($owaImNow.ToString('s') + 'Z')
            Out-OwaImField 'backup' 'run' $Run
            Out-OwaImObject 'settings' $Directory $Properties
        )
        Write-OwaImNewFile $owaImPath $owaImLines
    }
    catch {
        Out-OwaImError 'backup_failed' ([string]$_.Exception.Message) $null $null
        exit 10
    }
    Out-OwaImField 'server_backup' 'path' $owaImPath
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
}
function Get-OwaImMarkerTicks {
    $owaImPath = Join-Path $env:ProgramData 'exchange.owa_im\last-change.txt'
    if (-not (Test-Path -LiteralPath $owaImPath -PathType Leaf)) { return [long]0 }
    $owaImWords = ([string](Get-Content -LiteralPath $owaImPath -TotalCount 1)).Split(' ')
    try { return [long]$owaImWords[0] } catch { return [long]0 }
}
function Get-OwaImWorkerStartTicks {
    # The earliest start (local ticks) of a w3wp.exe whose command line names OWA's application pool; 0 when none runs:
    # IIS then starts one at the next request, which reads the settings as they are now.
    $owaImEarliest = [long]0
    foreach ($owaImProcess in @(Get-WmiObject -Class Win32_Process -Filter "Name='w3wp.exe'")) {
        if ([string]$owaImProcess.CommandLine -match '-ap "?MSExchangeOWAAppPool"?( |$)') {
            $owaImTicks = [long]$owaImProcess.ConvertToDateTime($owaImProcess.CreationDate).Ticks
            if (($owaImEarliest -eq 0) -or ($owaImTicks -lt $owaImEarliest)) { $owaImEarliest = $owaImTicks }
        }
    }
    return $owaImEarliest
}
function Get-OwaImRestartState($Directory) {
    # OWA owes a restart when its worker started before the last change it reads at start: the virtual directory's
    # WhenChanged (any writer, by hand included) or the marker this collection writes before a change.
    $owaImState = @{ 'worker_started' = (Get-OwaImWorkerStartTicks); 'directory_changed' = [long]0; 'marker' = (Get-OwaImMarkerTicks) }
    if (($null -ne $Directory) -and ($null -ne $Directory.WhenChanged)) {
        $owaImState['directory_changed'] = [long]([DateTime]$Directory.WhenChanged).Ticks
    }
    $owaImLatest = $owaImState['directory_changed']
    if ($owaImState['marker'] -gt $owaImLatest) { $owaImLatest = $owaImState['marker'] }
    $owaImState['pending'] = ($owaImState['worker_started'] -ne 0) -and ($owaImState['worker_started'] -lt $owaImLatest)
    return $owaImState
}
function Out-OwaImRestartState($State) {
    foreach ($owaImName in @('worker_started', 'directory_changed', 'marker')) {
        Out-OwaImField 'restart_state' $owaImName ([string]$State[$owaImName])
    }
    Out-OwaImField 'restart_state' 'pending' ([bool]$State['pending'])
}
