# cas_info: everything the role needs to know about one CAS, in one process: the Exchange server and its PowerShell,
# the OWA virtual directory's IM settings, this server's certificates and the one IIS uses, the OCS components,
# whether OWA owes a restart, and (CheckNetwork) whether the OCS pool and its connection back can reach each other.
# The controller compares this with the intended settings and runs a changing task only where something differs.
param(
    [string]$Identity,
    [bool]$IncludeComponents,
    [string[]]$SettingProperties,
    [string[]]$CertificateProperties,
    [string[]]$ComponentPatterns,
    [string[]]$ComponentMinimumVersions,
    [bool]$CheckNetwork,
    [string]$PoolName,
    [int]$PoolPort,
    [int]$ConnectBackPort,
    [int]$ConnectTimeoutMilliseconds,
    [string[]]$OverrideProperties
)
Import-OwaImExchangeShell
Out-OwaImExchangeServer
Out-OwaImField 'server' 'powershell' ([string]$PSVersionTable.PSVersion)
$owaImFound = @(Get-OwaImVirtualDirectories $Identity)
Assert-OwaImOneDirectory $owaImFound
Out-OwaImObject 'before' $owaImFound[0] $SettingProperties
# Exchange 2016 and later take OWA's IM server and certificate from these, not from the virtual directory; asked once.
$owaImOverrides = @(Get-OwaImImSettingOverrides)
Out-OwaImRestartState (Get-OwaImRestartState $owaImFound[0] (Get-OwaImSettingOverrideTicks $owaImOverrides))
Out-OwaImList 'override' $owaImOverrides $OverrideProperties
$owaImCertificates = @(Get-ExchangeCertificate -Server $env:COMPUTERNAME)
Out-OwaImList 'cert' $owaImCertificates $CertificateProperties
$owaImIis = Select-OwaImIisCertificate $owaImCertificates
if ($null -ne $owaImIis) { Out-OwaImField 'iis' 'Thumbprint' ([string]$owaImIis.Thumbprint) }
if ($IncludeComponents) {
    Out-OwaImDetected 'component' (Get-OwaImProducts)
    Out-OwaImProviderRegistration
}
# Exchange 2013 and later: OWA's IM provider comes with the UCMA 4.0 runtime, registered in ImplementationDLLPath, which
# must name Microsoft.Rtc.Internal.Ucweb.dll (or its folder). Read on every version; the controller keeps it for 2013+.
$owaImImplementation = ''
$owaImImKey = Get-ItemProperty -Path 'HKLM:\SYSTEM\CurrentControlSet\Services\MSExchange OWA\InstantMessaging' -ErrorAction SilentlyContinue
if ($null -ne $owaImImKey) { $owaImImplementation = [string]$owaImImKey.ImplementationDLLPath }
$owaImImplementationDll = ''
if ($owaImImplementation -like '*\Microsoft.Rtc.Internal.Ucweb.dll') {
    $owaImImplementationDll = $owaImImplementation
} elseif (($owaImImplementation -ne '') -and (Test-Path -LiteralPath $owaImImplementation -PathType Container)) {
    $owaImImplementationDll = Join-Path $owaImImplementation 'Microsoft.Rtc.Internal.Ucweb.dll'
}
Out-OwaImField 'im_implementation' 'path' $owaImImplementation
Out-OwaImField 'im_implementation' 'dll' $owaImImplementationDll
Out-OwaImField 'im_implementation' 'dll_found' (($owaImImplementationDll -ne '') -and (Test-Path -LiteralPath $owaImImplementationDll -PathType Leaf))
if ($CheckNetwork) {
    Out-OwaImNameResolution 'pool_dns' $PoolName
    Out-OwaImTcpConnection 'pool_tcp' $PoolName $PoolPort $ConnectTimeoutMilliseconds
    Out-OwaImInboundRule 'connect_back' $ConnectBackPort
}
