# exchange_certificate_info: this server's Exchange certificates (or the one with $Thumbprint) and the one OWA IM
# would use, chosen by the same rule as owa_virtual_directory's discover_certificate. Reads only.
param(
    [string]$Thumbprint,
    [string[]]$CertificateProperties
)
Import-OwaImExchangeShell
Out-OwaImExchangeServer
if ($Thumbprint -ne '') {
    # A thumbprint this server does not hold is a terminating error in Exchange; this module reports it as no certificate.
    $owaImCertificates = @()
    try { $owaImCertificates = @(Get-ExchangeCertificate -Server $env:COMPUTERNAME -Thumbprint $Thumbprint) }
    catch { if (-not (Test-OwaImNotFound $_)) { throw $_ } }
    Out-OwaImList 'cert' $owaImCertificates $CertificateProperties
}
else {
    $owaImCertificates = @(Get-ExchangeCertificate -Server $env:COMPUTERNAME)
    Out-OwaImList 'cert' $owaImCertificates $CertificateProperties
    $owaImIis = Select-OwaImIisCertificate $owaImCertificates
    if ($null -ne $owaImIis) { Out-OwaImField 'iis' 'Thumbprint' ([string]$owaImIis.Thumbprint) }
}
