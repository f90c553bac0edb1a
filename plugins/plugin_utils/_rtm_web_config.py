# Copyright: (c) 2026, exchange.owa_im contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""IM settings in OWA's web.config: Exchange 2010 RTM's (and what they become on the virtual directory), and Exchange 2013's."""

from __future__ import annotations

import typing as t
import xml.etree.ElementTree as ET

# appSettings key -> the name this collection reports it under.
RTM_KEYS = {
    "IMPoolName": "pool_name",
    "IMCertificateIssuer": "certificate_issuer",
    "IMCertificateSerialNumber": "certificate_serial_number",
}


class WebConfigError(Exception):
    """The file is not the XML web.config Exchange writes."""


def rtm_settings(text: str) -> t.Dict[str, t.Optional[str]]:
    """The three RTM IM keys of ``<appSettings>`` (None for each one absent)."""
    try:
        root = ET.fromstring(text.lstrip("\ufeff"))
    except ET.ParseError as exc:
        raise WebConfigError("the OWA web.config is not well-formed XML (%s)" % exc)
    found: t.Dict[str, t.Optional[str]] = {name: None for name in RTM_KEYS.values()}
    for add in root.iter("add"):
        key = add.get("key")
        if key in RTM_KEYS:
            found[RTM_KEYS[key]] = add.get("value")
    return found


def unmappable_reason(settings: t.Mapping[str, t.Optional[str]]) -> t.Optional[str]:
    """Why these RTM settings cannot become virtual directory settings, or None when they can."""
    if not any(settings.values()):
        return "the web.config holds no IMPoolName, IMCertificateIssuer or IMCertificateSerialNumber (IM was never configured the RTM way)"
    missing = [key for key, name in RTM_KEYS.items() if not (settings.get(name) or "").strip()]
    if missing:
        return "the web.config lacks %s, so the certificate or pool cannot be identified" % ", ".join(missing)
    return None


# Exchange 2013's keys (the Skype for Business integration article), as the cas role's options name them.
EXCHANGE_2013_KEYS = {
    "imservername": "instant_messaging_server_name",
    "imcertificatethumbprint": "instant_messaging_certificate_thumbprint",
}


def exchange_2013_settings(text: str) -> t.Dict[str, t.Optional[str]]:
    """IMServerName and IMCertificateThumbprint of ``<appSettings>``, keys without regard to case and a later ``<add>``
    over an earlier one, as .NET's AppSettings reads them (None for each one absent)."""
    try:
        root = ET.fromstring(text.lstrip("\ufeff"))
    except ET.ParseError as exc:
        raise WebConfigError("the OWA web.config is not well-formed XML (%s)" % exc)
    found: t.Dict[str, t.Optional[str]] = {name: None for name in EXCHANGE_2013_KEYS.values()}
    for section in root.findall("appSettings"):
        for add in section.findall("add"):
            name = EXCHANGE_2013_KEYS.get(str(add.get("key") or "").lower())
            if name is not None:
                found[name] = add.get("value")
    return found
