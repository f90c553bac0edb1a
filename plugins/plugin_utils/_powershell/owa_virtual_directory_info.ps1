# owa_virtual_directory_info: OWA virtual directories (this server's, one by identity, or the organisation's), and on
# request this server's certificates and the OWA mailbox policies. Reads only.
param(
    [string]$Scope,
    [string]$Identity,
    [bool]$IncludeCertificates,
    [bool]$IncludeMailboxPolicies,
    [string[]]$DirectoryProperties,
    [string[]]$CertificateProperties,
    [string[]]$PolicyProperties
)
Import-OwaImExchangeShell
Out-OwaImExchangeServer
if ($Identity -ne '') { $owaImDirectories = @(Get-OwaVirtualDirectory -Identity $Identity -ADPropertiesOnly -ErrorAction SilentlyContinue) }
elseif ($Scope -eq 'organization') { $owaImDirectories = @(Get-OwaVirtualDirectory -ADPropertiesOnly) }
else { $owaImDirectories = @(Get-OwaVirtualDirectory -Server $env:COMPUTERNAME -ADPropertiesOnly) }
Out-OwaImList 'vdir' $owaImDirectories $DirectoryProperties
if ($IncludeCertificates) { Out-OwaImList 'cert' @(Get-ExchangeCertificate -Server $env:COMPUTERNAME) $CertificateProperties }
if ($IncludeMailboxPolicies) { Out-OwaImList 'policy' @(Get-OwaMailboxPolicy) $PolicyProperties }
