# owa_im_events: OWA's instant-messaging events (source MSExchange OWA) in this server's Application log since a moment
# of the server's own clock: a time the controller got from this server (the start of a reset), a number of minutes
# back, or the start of OWA's running worker (w3wp.exe of MSExchangeOWAAppPool), which is when OWA loaded its IM
# provider. Reads only; no Exchange snap-in (the event log is Windows').
# Bounded: Get-EventLog reads at most $MaxScan records of the source (newest first), at most $MaxEvents of the wanted IDs
# are returned, and each message is cut to $MaxMessageChars characters. The controller checks and cuts again.
param(
    [string]$Since,
    [int]$MinutesBack,
    [string[]]$EventIds,
    [int]$MaxEvents,
    [int]$MaxScan,
    [int]$MaxMessageChars
)
$owaImNow = Get-Date
Out-OwaImField 'events_query' 'now' $owaImNow
$owaImWorker = Get-OwaImWorkerStartTicks
Out-OwaImField 'events_query' 'worker_started' ([string]$owaImWorker)
if ($Since -eq 'worker_start') {
    # No worker: OWA has not started since the last reset or recycle, so it has loaded no provider and logged nothing.
    if ($owaImWorker -eq 0) { exit 0 }
    $owaImFrom = $owaImNow.AddMilliseconds(-(($owaImNow.Ticks - $owaImWorker) / 10000))
}
elseif ($Since -ne '') { $owaImFrom = [DateTime]$Since }
else { $owaImFrom = $owaImNow.AddMinutes(-$MinutesBack) }
# TimeGenerated holds whole seconds and Get-EventLog's -After is strict (>): from the start of the moment's second on.
$owaImAfter = $owaImFrom.AddMilliseconds(-$owaImFrom.Millisecond - 1)
Out-OwaImField 'events_query' 'after' $owaImFrom
# With nothing of the source to match, Get-EventLog writes the non-terminating error "No matches found"
# (GetEventLogNoEntriesFound), which under the bootstrap's 'Stop' would end the script: it is taken here and is no error.
$owaImReadErrors = @()
$owaImFound = @(Get-EventLog -LogName Application -Source 'MSExchange OWA' -After $owaImAfter -Newest $MaxScan -ErrorAction SilentlyContinue -ErrorVariable owaImReadErrors)
foreach ($owaImError in @($owaImReadErrors)) {
    if ([string]$owaImError.FullyQualifiedErrorId -notlike 'GetEventLogNoEntriesFound*') {
        Out-OwaImError 'event_log' ([string]$owaImError.Exception.Message) ([string]$owaImError.FullyQualifiedErrorId) $null
        exit 2
    }
}
Out-OwaImField 'events_query' 'scanned' ([string]$owaImFound.Count)
Out-OwaImField 'events_query' 'scan_limit_reached' ($owaImFound.Count -ge $MaxScan)
$owaImKept = 0
$owaImMore = $false
foreach ($owaImEntry in $owaImFound) {
    # Event Viewer's event ID: the low 16 bits of the message ID (InstanceId), whose top bits carry the severity.
    $owaImId = [string]($owaImEntry.InstanceId -band 0xFFFF)
    if (($EventIds.Count -gt 0) -and -not ($EventIds -contains $owaImId)) { continue }
    if ($owaImKept -ge $MaxEvents) { $owaImMore = $true; break }
    $owaImRecord = 'event/' + $owaImKept
    $owaImText = [string]$owaImEntry.Message
    Out-OwaImField $owaImRecord 'event_id' $owaImId
    Out-OwaImField $owaImRecord 'instance_id' ([string]$owaImEntry.InstanceId)
    Out-OwaImField $owaImRecord 'entry_type' ([string]$owaImEntry.EntryType)
    Out-OwaImField $owaImRecord 'time' $owaImEntry.TimeGenerated
    Out-OwaImField $owaImRecord 'index' ([string]$owaImEntry.Index)
    Out-OwaImField $owaImRecord 'message_length' ([string]$owaImText.Length)
    if ($owaImText.Length -gt $MaxMessageChars) { $owaImText = $owaImText.Substring(0, $MaxMessageChars) }
    Out-OwaImField $owaImRecord 'message' $owaImText
    $owaImKept++
}
Out-OwaImField 'events_query' 'more' $owaImMore
