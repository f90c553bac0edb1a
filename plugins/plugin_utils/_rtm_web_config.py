# Copyright: (c) 2026, exchange.owa_im contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Exchange 2010 RTM's IM settings in the OWA web.config, and what they become on the virtual directory."""

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
