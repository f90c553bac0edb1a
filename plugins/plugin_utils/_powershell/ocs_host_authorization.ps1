# ocs_host_authorization: on an OCS 2007 R2 Standard Edition server or Enterprise pool front end, read the Host
# Authorization entries (WMI class MSFT_SIPRemoteAddressData in root\cimv2) of the servers asked for, compare, back up
# on this server each entry a change replaces or removes, create, change or remove, and read back; one process.
# OCS 2007 R2 runs on Windows Server 2008 or 2008 R2: PowerShell 2.0, whose Get-WmiObject, Set-WmiInstance and
# Remove-WmiObject this uses (the OCS WMI provider supports PutInstance and DeleteInstance; no OCS cmdlets exist).
param(
    [string[]]$Servers,
    [bool]$Present,
    [bool]$OutboundOnly,
    [bool]$ThrottleAsServer,
    [bool]$TreatAsAuthenticated,
    [string]$Backend,
    [bool]$CheckMode,
    [string[]]$EntryProperties,
    [string]$BackupHost,
    [string]$Run
)
$owaImNamespace = 'root\cimv2'
$owaImClass = 'MSFT_SIPRemoteAddressData'
Out-OwaImField 'server' 'name' $env:COMPUTERNAME
function Get-OwaImEntries {
    # All entries of the servers asked for (Server compared without regard to case, as DNS names are).
    $owaImAll = @(Get-WmiObject -Namespace $owaImNamespace -Class $owaImClass -ErrorAction Stop)
    foreach ($owaImEntry in $owaImAll) {
        foreach ($owaImName in $Servers) {
            if ([string]$owaImEntry.Server -eq $owaImName) { $owaImEntry; break }
        }
    }
}
try { $owaImBefore = @(Get-OwaImEntries) }
catch {
    # No OCS WMI provider here (not an OCS 2007 R2 server, or its WMI classes not registered): WMI's "Invalid class".
    Out-OwaImError 'not_ocs' ([string]$_.Exception.Message) ([string]$_.FullyQualifiedErrorId) ([string]$_.Exception.GetType().FullName)
    exit 3
}
Out-OwaImList 'before' $owaImBefore $EntryProperties

function Test-OwaImDiffers($Entry) {
    ([bool]$Entry.OutboundOnly -ne $OutboundOnly) -or ([bool]$Entry.ThrottleAsServer -ne $ThrottleAsServer) -or
        ([bool]$Entry.TreatAsAuthenticated -ne $TreatAsAuthenticated)
}
# Per server, in the order asked: create one entry, or update or remove each of its own.
$owaImActions = @()
foreach ($owaImName in $Servers) {
    $owaImMine = @($owaImBefore | Where-Object { [string]$_.Server -eq $owaImName })
    if ($Present -and ($owaImMine.Count -eq 0)) { $owaImActions += , @('create', $owaImName, $null) }
    foreach ($owaImEntry in $owaImMine) {
        if (-not $Present) { $owaImActions += , @('remove', $owaImName, $owaImEntry) }
        elseif (Test-OwaImDiffers $owaImEntry) { $owaImActions += , @('update', $owaImName, $owaImEntry) }
    }
}
$owaImIndex = 0
foreach ($owaImAction in $owaImActions) {
    $owaImId = ''
    if ($null -ne $owaImAction[2]) { $owaImId = [string]$owaImAction[2].InstanceID }
    Out-OwaImField ('change/' + $owaImIndex) 'action' $owaImAction[0]
    Out-OwaImField ('change/' + $owaImIndex) 'server' $owaImAction[1]
    Out-OwaImField ('change/' + $owaImIndex) 'instance_id' $owaImId
    $owaImIndex++
}
if ($CheckMode -or ($owaImActions.Count -eq 0)) { exit 0 }

# Nothing changes without its backup: each entry changed or removed goes to a file on this server first. An entry to be
# created is recorded as one that did not exist (identity: its server), so that a rollback to before this change removes it.
foreach ($owaImAction in $owaImActions) {
    if ($owaImAction[0] -eq 'create') {
        Write-OwaImBackup $BackupHost $Run @{ 'Identity' = [string]$owaImAction[1] } @() 'host-authorization-backups' $false
    }
    else {
        $owaImOld = $owaImAction[2]
        $owaImCopy = @{ 'Identity' = [string]$owaImOld.Server }
        foreach ($owaImProperty in $EntryProperties) { $owaImCopy[$owaImProperty] = $owaImOld.$owaImProperty }
        Write-OwaImBackup $BackupHost $Run $owaImCopy $EntryProperties 'host-authorization-backups'
    }
}
$owaImFlags = @{ 'OutboundOnly' = $OutboundOnly; 'ThrottleAsServer' = $ThrottleAsServer; 'TreatAsAuthenticated' = $TreatAsAuthenticated }
# Each step is recorded once done, so a failure part-way says what already happened.
$owaImIndex = 0
foreach ($owaImAction in $owaImActions) {
    if ($owaImAction[0] -eq 'create') {
        # Backend is required on creation; the provider gives the new entry its InstanceID.
        $owaImArguments = @{ 'Backend' = $Backend; 'Server' = $owaImAction[1] } + $owaImFlags
        Set-WmiInstance -Namespace $owaImNamespace -Class $owaImClass -Arguments $owaImArguments -ErrorAction Stop | Out-Null
    }
    elseif ($owaImAction[0] -eq 'update') {
        Set-WmiInstance -InputObject $owaImAction[2] -Arguments $owaImFlags -ErrorAction Stop | Out-Null
    }
    else { Remove-WmiObject -InputObject $owaImAction[2] -ErrorAction Stop }
    Out-OwaImField ('done/' + $owaImIndex) 'action' $owaImAction[0]
    $owaImIndex++
}
Out-OwaImList 'after' @(Get-OwaImEntries) $EntryProperties
