# Copyright: (c) 2026, exchange.owa_im contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one remote script of owa_virtual_directory: read, compare, set, read back."""

from __future__ import annotations

import typing as t

from .exchange_certificates import CERTIFICATE_PROPERTIES
from .owa_settings import PROPERTIES
from .read_scripts import iis_certificate_lines
from .powershell_script import bool_literal, exchange_script, names_literal, quote_literal

_INVISIBLE_MARKS = ("\u200e", "\u200f")


def _desired_literal(prop: str, value: t.Any) -> str:
    if value is None:
        return "$null"
    return bool_literal(value) if prop == "InstantMessagingEnabled" else quote_literal(str(value))


def _current_expression(prop: str) -> str:
    """The current value as a string PowerShell compares case-insensitively with -ne."""
    expression = "[string]$owaImVd.%s" % prop
    if prop == "InstantMessagingCertificateThumbprint":
        for mark in _INVISIBLE_MARKS + (" ", ":"):
            expression = "(%s).Replace(%s, '')" % (expression, quote_literal(mark))
    return expression


def build(identity: t.Optional[str], desired: t.Mapping[str, t.Any], check_mode: bool, verify_certificate: bool,
          discover_certificate: bool = False) -> str:
    """The script; with ``discover_certificate`` the server's own IIS certificate is chosen in the same process."""
    lines = [
        "$owaImServer = Get-ExchangeServer -Identity $env:COMPUTERNAME",
        "Out-OwaImField 'server' 'name' $owaImServer.Name",
        "Out-OwaImField 'server' 'fqdn' $owaImServer.Fqdn",
        "Out-OwaImField 'server' 'version' ([string]$owaImServer.AdminDisplayVersion)",
        "$owaImIdentity = %s" % (quote_literal(identity) if identity else "$env:COMPUTERNAME + '\\owa (Default Web Site)'"),
        # A $null or ambiguous identity can match many directories: change nothing unless exactly one matched.
        "$owaImFound = @(Get-OwaVirtualDirectory -Identity $owaImIdentity -ADPropertiesOnly)",
        "if ($owaImFound.Count -ne 1) {",
        "    Out-OwaImError 'identity_count' ([string]$owaImFound.Count) $null $null",
        "    exit 4",
        "}",
        "$owaImVd = $owaImFound[0]",
        "Out-OwaImField 'before' 'Identity' ([string]$owaImVd.Identity)",
    ]
    for prop in PROPERTIES.values():
        lines.append("Out-OwaImField 'before' '%s' $owaImVd.%s" % (prop, prop))
    thumbprint = desired.get("InstantMessagingCertificateThumbprint")
    if discover_certificate:
        lines += iis_certificate_lines() + [
            "if ($null -eq $owaImIis) {",
            "    Out-OwaImError 'no_iis_certificate' (@(Get-ExchangeCertificate -Server $env:COMPUTERNAME | ForEach-Object { "
            "[string]$_.Thumbprint + ' (' + [string]$_.Services + ', ' + [string]$_.Status + ')' }) -join '; ') $null $null",
            "    exit 5",
            "}",
            "Out-OwaImObject 'certificate' $owaImIis %s" % names_literal(CERTIFICATE_PROPERTIES),
            "Out-OwaImField 'server' 'now' ((Get-Date).ToString('s'))",
        ]
    elif thumbprint and verify_certificate:
        lines += [
            "$owaImCert = @(Get-ExchangeCertificate -Thumbprint %s -ErrorAction SilentlyContinue)" % quote_literal(thumbprint),
            "if ($owaImCert.Count -eq 0) {",
            "    Out-OwaImError 'certificate_missing' %s $null $null" % quote_literal(thumbprint),
            "    exit 5",
            "}",
            "Out-OwaImObject 'certificate' $owaImCert[0] %s" % names_literal(CERTIFICATE_PROPERTIES),
            "Out-OwaImField 'server' 'now' ((Get-Date).ToString('s'))",
        ]
    lines.append("$owaImChanges = @{}")
    if discover_certificate:
        prop = "InstantMessagingCertificateThumbprint"
        lines.append("if (%s -ne [string]$owaImIis.Thumbprint) { $owaImChanges['%s'] = [string]$owaImIis.Thumbprint }"
                     % (_current_expression(prop), prop))
    for prop, value in desired.items():
        lines.append("if (%s -ne %s) { $owaImChanges['%s'] = %s }" % (
            _current_expression(prop), quote_literal("" if value is None else str(value)), prop, _desired_literal(prop, value)))
    lines.append("foreach ($owaImKey in $owaImChanges.Keys) { Out-OwaImField 'change' $owaImKey $owaImChanges[$owaImKey] }")
    if not check_mode:
        lines += [
            "if ($owaImChanges.Count -gt 0) {",
            "    Set-OwaVirtualDirectory -Identity ([string]$owaImVd.Identity) @owaImChanges -Confirm:$false -WarningAction SilentlyContinue",
            "    $owaImVd = Get-OwaVirtualDirectory -Identity ([string]$owaImVd.Identity) -ADPropertiesOnly",
            "}",
        ]
        for prop in PROPERTIES.values():
            lines.append("Out-OwaImField 'after' '%s' $owaImVd.%s" % (prop, prop))
    return exchange_script("\n".join(lines) + "\n")
