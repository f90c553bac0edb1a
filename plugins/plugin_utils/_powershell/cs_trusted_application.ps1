# cs_trusted_application: on a Lync Server 2010 or 2013 / Skype for Business Server Front End, read the trusted application
# pool named for an Exchange server (or its load balancer) and its application, compare, create or remove what differs,
# then enable the topology when something changed; one process. New-/Remove-Cs* changes take effect only once
# Enable-CsTopology has run. Before any change the pool and each application changed or removed are backed up on this
# Front End (one created is recorded as one that did not exist), so the change can be undone.
param(
    [string]$PoolFqdn,
    [string]$Registrar,
    [string]$Site,
    [string]$ApplicationId,
    [int]$Port,
    [string]$State,
    [bool]$Publish,
    [bool]$KeepPool,
    [bool]$CheckMode,
    [string]$BackupHost,
    [string]$Run
)
# SkypeForBusiness (2015, 2019), else Lync (2010, 2013).
$owaImModule = $null
foreach ($owaImName in @('SkypeForBusiness', 'Lync')) {
    if (@(Get-Module -ListAvailable -Name $owaImName).Count -gt 0) { $owaImModule = $owaImName; break }
}
if ($null -eq $owaImModule) {
    Out-OwaImError 'not_front_end' 'Neither the SkypeForBusiness nor the Lync module is installed on this server.' $null $null
    exit 3
}
Import-Module $owaImModule
Out-OwaImField 'server' 'module' $owaImModule
$owaImFullId = 'urn:application:' + $ApplicationId
$owaImPoolProperties = @('PoolFqdn', 'Registrar', 'SiteId', 'RequiresReplication', 'ThrottleAsServer', 'TreatAsAuthenticated', 'Applications')
$owaImAppProperties = @('Identity', 'ApplicationId', 'Port')
# What recreating them would take (New-CsTrustedApplicationPool, New-CsTrustedApplication): the backups hold these.
$owaImPoolBackupProperties = @('PoolFqdn', 'Registrar', 'SiteId', 'RequiresReplication', 'ThrottleAsServer', 'TreatAsAuthenticated',
    'OutboundOnly', 'Computers', 'Applications')
$owaImAppBackupProperties = @('Identity', 'ApplicationId', 'TrustedApplicationPoolFqdn', 'Port', 'Protocol', 'LegacyApplicationName')
$owaImBackupFolder = 'trusted-application-backups'

function Get-OwaImTrustedPool {
    foreach ($owaImItem in @(Get-CsTrustedApplicationPool)) {
        if ([string]$owaImItem.PoolFqdn -eq $PoolFqdn) { return $owaImItem }
    }
    return $null
}
function Get-OwaImTrustedApp {
    foreach ($owaImItem in @(Get-CsTrustedApplication)) {
        if (([string]$owaImItem.TrustedApplicationPoolFqdn -eq $PoolFqdn) -and ([string]$owaImItem.ApplicationId -eq $owaImFullId)) { return $owaImItem }
    }
    return $null
}
function Out-OwaImState([string]$Prefix) {
    $owaImPool = Get-OwaImTrustedPool
    Out-OwaImField ($Prefix + '_pool') 'exists' ($null -ne $owaImPool)
    if ($null -ne $owaImPool) { Out-OwaImObject ($Prefix + '_pool') $owaImPool $owaImPoolProperties }
    $owaImApp = Get-OwaImTrustedApp
    Out-OwaImField ($Prefix + '_application') 'exists' ($null -ne $owaImApp)
    if ($null -ne $owaImApp) { Out-OwaImObject ($Prefix + '_application') $owaImApp $owaImAppProperties }
}

$owaImSiteId = ''
if ($State -eq 'present') {
    # The registrar must be a pool of the topology with a Registrar service; its site is the default.
    $owaImRegistrar = $null
    $owaImPoolNames = @()
    foreach ($owaImItem in @(Get-CsPool)) {
        $owaImPoolNames += [string]$owaImItem.Fqdn
        $owaImService = 'Registrar:' + [string]$owaImItem.Fqdn
        if (([string]$owaImItem.Fqdn -eq $Registrar) -and (@($owaImItem.Services | Where-Object { [string]$_ -eq $owaImService }).Count -gt 0)) {
            $owaImRegistrar = $owaImItem
        }
    }
    if ($null -eq $owaImRegistrar) {
        Out-OwaImField 'topology' 'pools' ([string]::Join("`n", $owaImPoolNames))
        Out-OwaImError 'registrar_missing' $Registrar $null $null
        exit 4
    }
    $owaImSiteNames = @()
    $owaImSite = $null
    foreach ($owaImItem in @(Get-CsSite)) {
        $owaImSiteNames += ([string]$owaImItem.Identity + ' (SiteId ' + [string]$owaImItem.SiteId + ')')
        $owaImShort = ([string]$owaImItem.Identity).Substring(([string]$owaImItem.Identity).IndexOf(':') + 1)
        if ($Site -eq '') { if ([string]$owaImItem.Identity -eq [string]$owaImRegistrar.Site) { $owaImSite = $owaImItem } }
        elseif (([string]$owaImItem.SiteId -eq $Site) -or ($owaImShort -eq $Site)) { $owaImSite = $owaImItem }
    }
    if ($null -eq $owaImSite) {
        Out-OwaImField 'topology' 'sites' ([string]::Join("`n", $owaImSiteNames))
        Out-OwaImError 'site_missing' $Site $null $null
        exit 4
    }
    # New-CsTrustedApplicationPool takes the SiteId and stores the site's Identity.
    $owaImSiteId = [string]$owaImSite.SiteId
    Out-OwaImField 'site' 'identity' ([string]$owaImSite.Identity)
    Out-OwaImField 'site' 'site_id' $owaImSiteId
}

Out-OwaImState 'before'
$owaImPool = Get-OwaImTrustedPool
$owaImApp = Get-OwaImTrustedApp
if (($State -eq 'present') -and ($null -ne $owaImPool)) {
    # A pool for this FQDN that names another registrar or site is not this task's to rebuild: go no further.
    $owaImDiffers = @()
    if ([string]$owaImPool.Registrar -ne ('Registrar:' + $Registrar)) { $owaImDiffers += ('registrar ' + [string]$owaImPool.Registrar) }
    if ([string]$owaImPool.SiteId -ne [string]$owaImSite.Identity) { $owaImDiffers += ('site ' + [string]$owaImPool.SiteId) }
    if ($owaImDiffers.Count -gt 0) {
        Out-OwaImError 'pool_differs' ([string]::Join(', ', $owaImDiffers)) $null $null
        exit 4
    }
}
$owaImActions = @()
if ($State -eq 'present') {
    if ($null -eq $owaImPool) { $owaImActions += 'new_pool' }
    if ($null -eq $owaImApp) { $owaImActions += 'new_application' }
    elseif ([int]$owaImApp.Port -ne $Port) { $owaImActions += 'set_port' }
}
else {
    if ($null -ne $owaImApp) { $owaImActions += 'remove_application' }
    if ($null -ne $owaImPool) {
        # The pool goes only when no other application lives in it, and not at all with KeepPool.
        $owaImOthers = @($owaImPool.Applications | Where-Object { [string]$_ -ne $owaImFullId })
        if (($owaImOthers.Count -eq 0) -and -not $KeepPool) { $owaImActions += 'remove_pool' }
    }
}
if (($owaImActions.Count -gt 0) -and $Publish) { $owaImActions += 'enable_topology' }
foreach ($owaImAction in $owaImActions) { Out-OwaImField 'change' $owaImAction $true }
if ($CheckMode -or ($owaImActions.Count -eq 0)) { exit 0 }

# Nothing changes without its backup: the pool (named by its FQDN), then the application, each to a file on this Front
# End before any cmdlet changes the topology; one this run creates is recorded as one that did not exist. A backup that
# cannot be written ends the script here (exit 10), with nothing changed.
if ($null -eq $owaImPool) { Write-OwaImBackup $BackupHost $Run @{ 'Identity' = $PoolFqdn } @() $owaImBackupFolder $false }
else {
    $owaImCopy = @{ 'Identity' = [string]$owaImPool.PoolFqdn }
    foreach ($owaImProperty in $owaImPoolBackupProperties) { $owaImCopy[$owaImProperty] = $owaImPool.$owaImProperty }
    Write-OwaImBackup $BackupHost $Run $owaImCopy $owaImPoolBackupProperties $owaImBackupFolder
}
if (@($owaImActions | Where-Object { @('set_port', 'remove_application') -contains $_ }).Count -gt 0) {
    Write-OwaImBackup $BackupHost $Run $owaImApp $owaImAppBackupProperties $owaImBackupFolder
}
elseif ($owaImActions -contains 'new_application') {
    Write-OwaImBackup $BackupHost $Run @{ 'Identity' = ($PoolFqdn + '/' + $owaImFullId) } @() $owaImBackupFolder $false
}

# Each step is recorded once done, so a failure part-way says what already happened.
foreach ($owaImAction in $owaImActions) {
    if ($owaImAction -eq 'new_pool') {
        # As Microsoft's OWA integration steps create it: no replication, throttled as a server, trusted as authenticated.
        $owaImNew = @{ Identity = $PoolFqdn; Registrar = $Registrar; Site = $owaImSiteId; RequiresReplication = $false; ThrottleAsServer = $true
            TreatAsAuthenticated = $true; ComputerFqdn = $PoolFqdn }
        New-CsTrustedApplicationPool @owaImNew -Force | Out-Null
    }
    elseif ($owaImAction -eq 'new_application') {
        New-CsTrustedApplication -ApplicationId $ApplicationId -TrustedApplicationPoolFqdn $PoolFqdn -Port $Port -Force | Out-Null
    }
    elseif ($owaImAction -eq 'set_port') { Set-CsTrustedApplication -Identity ([string]$owaImApp.Identity) -Port $Port -Force }
    elseif ($owaImAction -eq 'remove_application') { Remove-CsTrustedApplication -Identity ([string]$owaImApp.Identity) -Force -Confirm:$false }
    elseif ($owaImAction -eq 'remove_pool') { Remove-CsTrustedApplicationPool -Identity $PoolFqdn -Force -Confirm:$false }
    elseif ($owaImAction -eq 'enable_topology') { Enable-CsTopology }
    Out-OwaImField 'done' $owaImAction $true
}
Out-OwaImState 'after'
