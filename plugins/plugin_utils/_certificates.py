# Copyright: (c) 2026, exchange.owa_im contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Exchange certificates: what Get-ExchangeCertificate reports, and which one OWA IM should use."""

from __future__ import annotations

import datetime as dt
import re
import typing as t

from ._owa_settings import clean_thumbprint

# What the remote script reads of each certificate, in Exchange's property names.
CERTIFICATE_PROPERTIES = ("Thumbprint", "Subject", "Issuer", "SerialNumber", "Services", "NotBefore", "NotAfter",
                          "Status", "IsSelfSigned", "CertificateDomains", "FriendlyName")


def parse_time(text: t.Optional[str]) -> t.Optional[dt.datetime]:
    """A ``ToString('s')`` time from the server (its local clock), or None."""
    if not text:
        return None
    return dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S")


def services_of(text: t.Optional[str]) -> t.List[str]:
    """``'IMAP, POP, IIS, SMTP'`` (how Exchange prints the flags) -> ``['IMAP', 'POP', 'IIS', 'SMTP']``."""
    return [part.strip() for part in (text or "").split(",") if part.strip() and part.strip() != "None"]


def normalise_serial(serial: str) -> str:
    """Serial numbers compare without spaces, colons or case (RTM web.config wrote them with spaces)."""
    return re.sub(r"[\s:\u200e\u200f-]", "", serial or "").upper()


def normalise_distinguished_name(name: str) -> str:
    """``CN=ContosoCA, DC=contoso, DC=com`` and ``CN=ContosoCA,DC=contoso,DC=com`` are the same issuer."""
    return ",".join(part.strip().lower() for part in (name or "").split(","))


def certificate(record: t.Mapping[str, t.Any], server_now: t.Optional[dt.datetime]) -> t.Dict[str, t.Any]:
    """One certificate record as the modules return it."""
    not_before = parse_time(record.get("NotBefore"))
    not_after = parse_time(record.get("NotAfter"))
    days_left = None
    valid_now = None
    if server_now is not None and not_after is not None and not_before is not None:
        days_left = (not_after - server_now).days
        valid_now = not_before <= server_now <= not_after
    return {
        "thumbprint": record.get("Thumbprint"),
        "subject": record.get("Subject"),
        "issuer": record.get("Issuer"),
        "serial_number": record.get("SerialNumber"),
        "services": services_of(record.get("Services")),
        "not_before": record.get("NotBefore"),
        "not_after": record.get("NotAfter"),
        "status": record.get("Status"),
        "is_self_signed": record.get("IsSelfSigned"),
        "domains": list(record.get("CertificateDomains") or []),
        "friendly_name": record.get("FriendlyName"),
        "days_left": days_left,
        "valid_now": valid_now,
        "usable_for_im": bool(valid_now and "IIS" in services_of(record.get("Services")) and record.get("Status") == "Valid"),
    }


def find_by_issuer_and_serial(certificates: t.Sequence[t.Mapping[str, t.Any]], issuer: str,
                              serial: str) -> t.Optional[t.Mapping[str, t.Any]]:
    """The certificate an RTM web.config named by issuer and serial number."""
    wanted_serial = normalise_serial(serial)
    wanted_issuer = normalise_distinguished_name(issuer)
    for cert in certificates:
        if normalise_serial(cert.get("serial_number") or "") == wanted_serial \
                and normalise_distinguished_name(cert.get("issuer") or "") == wanted_issuer:
            return cert
    return None


def check_thumbprint(certificates: t.Sequence[t.Mapping[str, t.Any]], thumbprint: t.Optional[str]) -> t.Dict[str, t.Any]:
    """What a virtual directory's thumbprint points at on its own server: present, bound to IIS, valid, days left."""
    wanted = clean_thumbprint(thumbprint)
    found = next((c for c in certificates if (c.get("thumbprint") or "").upper() == wanted), None) if wanted else None
    return {
        "thumbprint": wanted or None,
        "present": found is not None,
        "bound_to_iis": bool(found and "IIS" in found["services"]),
        "status": found.get("status") if found else None,
        "valid_now": found.get("valid_now") if found else None,
        "days_left": found.get("days_left") if found else None,
        "usable_for_im": bool(found and found.get("usable_for_im")),
    }
