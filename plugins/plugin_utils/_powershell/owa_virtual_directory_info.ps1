# owa_virtual_directory_info: OWA virtual directories (this server's, one by identity, or the organisation's), and on
# request this server's certificates and the OWA mailbox policies, and whether OWA here owes a restart. Reads only.
param(
    [string]$Scope,
    [string]$Identity,
    [bool]$IncludeCertificates,
    [bool]$IncludeMailboxPolicies,
    [string[]]$DirectoryProperties,
    [string[]]$CertificateProperties,
    [string[]]$PolicyProperties,
    [string[]]$OverrideProperties
)
Import-OwaImExchangeShell
Out-OwaImExchangeServer
$owaImVdirArguments = Get-OwaImVdirArguments
if ($Identity -ne '') {
    # An identity that matches nothing is a terminating error in Exchange; this module reports it as no directory.
    $owaImDirectories = @()
    try { $owaImDirectories = @(Get-OwaVirtualDirectory -Identity $Identity @owaImVdirArguments) }
    catch { if (-not (Test-OwaImNotFound $_)) { throw $_ } }
}
elseif ($Scope -eq 'organization') { $owaImDirectories = @(Get-OwaVirtualDirectory @owaImVdirArguments) }
else { $owaImDirectories = @(Get-OwaVirtualDirectory -Server $env:COMPUTERNAME @owaImVdirArguments) }
Out-OwaImList 'vdir' $owaImDirectories $DirectoryProperties
# Whether OWA on this server owes a restart, judged against this server's own directory.
$owaImOwn = @(Get-OwaVirtualDirectory -Identity ($env:COMPUTERNAME + '\owa (Default Web Site)') @owaImVdirArguments -ErrorAction SilentlyContinue)
# Exchange 2016 and later: OWA takes its IM server and certificate from these, not from the directory; asked once.
$owaImOverrides = @(Get-OwaImImSettingOverrides)
if ($owaImOwn.Count -eq 1) { Out-OwaImRestartState (Get-OwaImRestartState $owaImOwn[0] (Get-OwaImSettingOverrideTicks $owaImOverrides)) }
Out-OwaImList 'override' $owaImOverrides $OverrideProperties
if ($IncludeCertificates) { Out-OwaImList 'cert' @(Get-ExchangeCertificate -Server $env:COMPUTERNAME) $CertificateProperties }
if ($IncludeMailboxPolicies) { Out-OwaImList 'policy' @(Get-OwaMailboxPolicy) $PolicyProperties }
