# Copyright: (c) 2026, exchange.owa_im contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The remote scripts of the read-only modules: one PowerShell process each, nothing changed."""

from __future__ import annotations

from .exchange_certificates import CERTIFICATE_PROPERTIES
from .owa_settings import PROPERTIES
from .powershell_script import exchange_script, names_literal, quote_literal, windows_script

VDIR_PROPERTIES = ("Identity", "Name", "Server", "InternalUrl", "ExternalUrl") + tuple(PROPERTIES.values())
POLICY_PROPERTIES = ("Name", "InstantMessagingEnabled", "InstantMessagingType", "IsDefault")

SERVER_LINES = [
    "$owaImServer = Get-ExchangeServer -Identity $env:COMPUTERNAME",
    "Out-OwaImObject 'server' $owaImServer @('Name', 'Fqdn')",
    "Out-OwaImField 'server' 'version' ([string]$owaImServer.AdminDisplayVersion)",
    "Out-OwaImField 'server' 'now' ((Get-Date).ToString('s'))",
]


def _each(kind: str, collection: str, properties: tuple) -> list:
    return [
        "$owaImIndex = 0",
        "foreach ($owaImItem in @(%s)) { Out-OwaImObject ('%s/' + $owaImIndex) $owaImItem %s; $owaImIndex++ }"
        % (collection, kind, names_literal(properties)),
    ]


def certificates_lines() -> list:
    return _each("cert", "Get-ExchangeCertificate -Server $env:COMPUTERNAME", CERTIFICATE_PROPERTIES)


def iis_certificate_lines() -> list:
    """Choose, on the server, the certificate OWA IM should use into $owaImIis ($null when none qualifies).

    Bound to IIS, status Valid, valid on the server's clock; a CA-issued certificate beats a self-signed one (OCS
    would not trust it), then the one that lives longest.
    """
    return [
        "$owaImNow = Get-Date",
        "$owaImIis = $null",
        "foreach ($owaImCandidate in @(Get-ExchangeCertificate -Server $env:COMPUTERNAME)) {",
        "    if ((([string]$owaImCandidate.Services) -match '(^|, )IIS(,|$)') -and ([string]$owaImCandidate.Status -eq 'Valid') -and "
        "($owaImCandidate.NotBefore -le $owaImNow) -and ($owaImCandidate.NotAfter -ge $owaImNow)) {",
        "        if (($null -eq $owaImIis) -or ($owaImIis.IsSelfSigned -and -not $owaImCandidate.IsSelfSigned) -or "
        "(($owaImIis.IsSelfSigned -eq $owaImCandidate.IsSelfSigned) -and ($owaImCandidate.NotAfter -gt $owaImIis.NotAfter))) {",
        "            $owaImIis = $owaImCandidate",
        "        }",
        "    }",
        "}",
        "if ($null -ne $owaImIis) { Out-OwaImField 'iis' 'Thumbprint' ([string]$owaImIis.Thumbprint) }",
    ]


def certificate_info(thumbprint: str = None) -> str:
    lines = list(SERVER_LINES)
    if thumbprint:
        collection = "Get-ExchangeCertificate -Server $env:COMPUTERNAME -Thumbprint %s -ErrorAction SilentlyContinue" % quote_literal(thumbprint)
        lines += _each("cert", collection, CERTIFICATE_PROPERTIES)
    else:
        lines += certificates_lines() + iis_certificate_lines()
    return exchange_script("\n".join(lines) + "\n")


def virtual_directory_info(organization: bool, identity: str = None, certificates: bool = False, mailbox_policies: bool = False) -> str:
    lines = list(SERVER_LINES)
    if identity:
        read = "Get-OwaVirtualDirectory -Identity %s -ADPropertiesOnly -ErrorAction SilentlyContinue" % quote_literal(identity)
    elif organization:
        read = "Get-OwaVirtualDirectory -ADPropertiesOnly"
    else:
        read = "Get-OwaVirtualDirectory -Server $env:COMPUTERNAME -ADPropertiesOnly"
    lines += _each("vdir", read, VDIR_PROPERTIES)
    if certificates:
        lines += certificates_lines()
    if mailbox_policies:
        lines += _each("policy", "Get-OwaMailboxPolicy", POLICY_PROPERTIES)
    return exchange_script("\n".join(lines) + "\n")


def owa_web_config(path: str = None) -> str:
    """Read the OWA web.config whole (Python parses the XML); no snap-in needed."""
    target = quote_literal(path) if path else "(Join-Path $env:ExchangeInstallPath 'ClientAccess\\Owa\\web.config')"
    lines = [
        "$owaImPath = %s" % target,
        "Out-OwaImField 'web_config' 'path' $owaImPath",
        "if (Test-Path -LiteralPath $owaImPath -PathType Leaf) {",
        "    Out-OwaImField 'web_config' 'exists' $true",
        "    Out-OwaImField 'web_config' 'text' ([string]::Join(\"`n\", @(Get-Content -LiteralPath $owaImPath)))",
        "} else { Out-OwaImField 'web_config' 'exists' $false }",
    ]
    return windows_script("\n".join(lines) + "\n")
