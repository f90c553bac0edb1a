# owa_virtual_directory: read the OWA virtual directory, compare, back up on this server what a change replaces, change
# what differs, read it back, and say whether OWA owes a restart; one process.
# $Manage names the properties the task sets; the values arrive in the four parameters after it ('' clears a name or
# thumbprint). With $DiscoverCertificate the thumbprint is this server's IIS certificate, chosen here.
param(
    [string]$Identity,
    [string[]]$Manage,
    [bool]$Enabled,
    [string]$Type,
    [string]$ServerName,
    [string]$Thumbprint,
    [bool]$CheckMode,
    [bool]$VerifyCertificate,
    [bool]$DiscoverCertificate,
    [string[]]$SettingProperties,
    [string[]]$CertificateProperties,
    [string]$BackupHost,
    [string]$Run
)
Import-OwaImExchangeShell
Out-OwaImExchangeServer
$owaImFound = @(Get-OwaImVirtualDirectories $Identity)
Assert-OwaImOneDirectory $owaImFound
$owaImVd = $owaImFound[0]
$owaImVdirArguments = Get-OwaImVdirArguments
Out-OwaImObject 'before' $owaImVd $SettingProperties

$owaImDesired = @{}
if ($Manage -contains 'InstantMessagingEnabled') { $owaImDesired['InstantMessagingEnabled'] = $Enabled }
if ($Manage -contains 'InstantMessagingType') { $owaImDesired['InstantMessagingType'] = $Type }
if ($Manage -contains 'InstantMessagingServerName') {
    $owaImDesired['InstantMessagingServerName'] = $null
    if ($ServerName -ne '') { $owaImDesired['InstantMessagingServerName'] = $ServerName }
}
if ($Manage -contains 'InstantMessagingCertificateThumbprint') {
    $owaImDesired['InstantMessagingCertificateThumbprint'] = $null
    if ($Thumbprint -ne '') { $owaImDesired['InstantMessagingCertificateThumbprint'] = $Thumbprint }
}
if ($DiscoverCertificate) {
    $owaImIis = Select-OwaImIisCertificate @(Get-ExchangeCertificate -Server $env:COMPUTERNAME)
    if ($null -eq $owaImIis) {
        $owaImSeen = @(Get-ExchangeCertificate -Server $env:COMPUTERNAME | ForEach-Object {
            [string]$_.Thumbprint + ' (' + [string]$_.Services + ', ' + [string]$_.Status + ')' })
        Out-OwaImError 'no_iis_certificate' ($owaImSeen -join '; ') $null $null
        exit 5
    }
    Out-OwaImObject 'certificate' $owaImIis $CertificateProperties
    $owaImDesired['InstantMessagingCertificateThumbprint'] = [string]$owaImIis.Thumbprint
}
elseif ($VerifyCertificate -and ($Thumbprint -ne '')) {
    # A thumbprint this server does not hold is a terminating error in Exchange, not an empty answer.
    $owaImCertificate = @()
    try { $owaImCertificate = @(Get-ExchangeCertificate -Thumbprint $Thumbprint) }
    catch { if (-not (Test-OwaImNotFound $_)) { throw $_ } }
    if ($owaImCertificate.Count -eq 0) {
        Out-OwaImError 'certificate_missing' $Thumbprint $null $null
        exit 5
    }
    Out-OwaImObject 'certificate' $owaImCertificate[0] $CertificateProperties
}

# Exchange compares these as text, case-insensitively; a thumbprint without what a copy adds to it.
$owaImChanges = @{}
foreach ($owaImName in @($owaImDesired.Keys)) {
    $owaImCurrent = [string]$owaImVd.$owaImName
    if ($owaImName -eq 'InstantMessagingCertificateThumbprint') { $owaImCurrent = ConvertTo-OwaImThumbprint $owaImCurrent }
    if ($owaImName -eq 'InstantMessagingServerName') { $owaImCurrent = $owaImCurrent.TrimEnd('.') }
    if ($owaImCurrent -ne [string]$owaImDesired[$owaImName]) { $owaImChanges[$owaImName] = $owaImDesired[$owaImName] }
}
foreach ($owaImKey in $owaImChanges.Keys) { Out-OwaImField 'change' $owaImKey $owaImChanges[$owaImKey] }
if ($CheckMode) {
    Out-OwaImRestartState (Get-OwaImRestartState $owaImVd (Get-OwaImSettingOverrideTicks))
    exit 0
}
if ($owaImChanges.Count -gt 0) {
    # Nothing changes without its backup: the replaced values go to a file on this server first, then the marker.
    Write-OwaImBackup $BackupHost $Run $owaImVd $SettingProperties
    Set-OwaImChangeMarker 'virtual_directory'
    Set-OwaVirtualDirectory -Identity ([string]$owaImVd.Identity) @owaImChanges -Confirm:$false -WarningAction SilentlyContinue
    $owaImVd = Get-OwaVirtualDirectory -Identity ([string]$owaImVd.Identity) @owaImVdirArguments
}
Out-OwaImObject 'after' $owaImVd $SettingProperties
Out-OwaImRestartState (Get-OwaImRestartState $owaImVd (Get-OwaImSettingOverrideTicks))
