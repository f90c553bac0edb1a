# Copyright: (c) 2026, exchange.owa_im contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Exchange semantics of the OWA instant-messaging settings: normalising, validating, comparing."""

from __future__ import annotations

import re
import typing as t

# Property names on the OWA virtual directory, and the module's option names for them.
PROPERTIES = {
    "instant_messaging_enabled": "InstantMessagingEnabled",
    "instant_messaging_type": "InstantMessagingType",
    "instant_messaging_server_name": "InstantMessagingServerName",
    "instant_messaging_certificate_thumbprint": "InstantMessagingCertificateThumbprint",
}

# InstantMessagingTypeOptions (Exchange API reference): None = 0, Ocs = 1, Msn = 2.
IM_TYPES = {"none": "None", "ocs": "Ocs", "msn": "Msn", "0": "None", "1": "Ocs", "2": "Msn"}

# Characters that ride along when a thumbprint is copied from the certificate console or a
# web page: left-to-right and right-to-left marks, zero-width characters, no-break space.
_INVISIBLE = "\u200e\u200f\u200b\u200c\u200d\ufeff\u00a0"
_THUMBPRINT = re.compile(r"^[0-9A-F]{40}$")
_FQDN_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")


class SettingError(ValueError):
    """A user's value that cannot be used; the message names the field and the fix."""


def clean_thumbprint(value: t.Optional[str]) -> str:
    """Without the spaces, colons and invisible marks copied along with it, in upper case; not validated."""
    cleaned = value or ""
    for char in _INVISIBLE + " :\t":
        cleaned = cleaned.replace(char, "")
    return cleaned.upper()


def normalise_thumbprint(value: str, field: str = "instant_messaging_certificate_thumbprint") -> str:
    cleaned = clean_thumbprint(value)
    if not _THUMBPRINT.match(cleaned):
        raise SettingError(
            "%s must be a certificate's SHA-1 thumbprint: 40 hexadecimal digits (spaces, colons and invisible marks "
            "copied from the certificate console are removed first); got %d characters after cleaning: %r. "
            "Copy the Thumbprint field of 'Get-ExchangeCertificate | fl services,thumbprint', not the serial number."
            % (field, len(cleaned), cleaned[:60]))
    return cleaned


def normalise_type(value: t.Any, field: str = "instant_messaging_type") -> str:
    key = str(value).strip().lower()
    if key not in IM_TYPES:
        raise SettingError("%s must be one of none, ocs or msn (or 0, 1, 2); got %r. "
                           "Use ocs for Office Communications Server 2007 R2 and Lync." % (field, value))
    return IM_TYPES[key]


def validate_server_name(value: str, field: str = "instant_messaging_server_name") -> str:
    if value != value.strip():
        raise SettingError("%s has whitespace at its start or end (%r): give the FQDN alone, such as ocs.contoso.com." % (field, value))
    name = value.rstrip(".")
    labels = name.split(".")
    if len(name) > 253 or len(labels) < 2 or not all(_FQDN_LABEL.match(label) for label in labels) or labels[-1].isdigit():
        raise SettingError(
            "%s must be the fully qualified domain name of the OCS server or pool, such as ocs.contoso.com; got %r. "
            "Use letters, digits and hyphens in dot-separated labels, with no spaces, quotes or other characters." % (field, value))
    return name


def desired_settings(params: t.Mapping[str, t.Any], names: t.Optional[t.Mapping[str, str]] = None) -> t.Dict[str, t.Any]:
    """The Exchange property values the user asked for (only the options given), normalised.

    ``names`` maps an option to what the caller calls it (a role's variable), so that an error names what the user set.
    """
    def named(option: str) -> str:
        return (names or {}).get(option) or option

    desired: t.Dict[str, t.Any] = {}
    if params.get("instant_messaging_enabled") is not None:
        desired["InstantMessagingEnabled"] = bool(params["instant_messaging_enabled"])
    if params.get("instant_messaging_type") is not None:
        desired["InstantMessagingType"] = normalise_type(params["instant_messaging_type"], named("instant_messaging_type"))
    # An empty string clears the setting (sets $null), which a rollback to "never configured" needs.
    name = params.get("instant_messaging_server_name")
    if name is not None:
        desired["InstantMessagingServerName"] = validate_server_name(name, named("instant_messaging_server_name")) if name != "" else None
    thumbprint = params.get("instant_messaging_certificate_thumbprint")
    if thumbprint is not None:
        desired["InstantMessagingCertificateThumbprint"] = (
            normalise_thumbprint(thumbprint, named("instant_messaging_certificate_thumbprint")) if thumbprint != "" else None)
    return desired


def same_value(prop: str, current: t.Any, wanted: t.Any) -> bool:
    """Exchange's notion of equal for each property (a wanted None means cleared)."""
    if wanted is None:
        return current is None or current == ""
    if prop == "InstantMessagingEnabled":
        return current is not None and bool(current) == bool(wanted)
    if prop == "InstantMessagingType":
        return current is not None and normalise_type(current) == wanted
    if prop == "InstantMessagingServerName":
        return (current or "").rstrip(".").lower() == (wanted or "").lower()
    if prop == "InstantMessagingCertificateThumbprint":
        try:
            return current is not None and normalise_thumbprint(current) == wanted
        except SettingError:
            return False
    raise KeyError(prop)


def differences(current: t.Mapping[str, t.Any], desired: t.Mapping[str, t.Any]) -> t.Dict[str, t.Any]:
    return {prop: wanted for prop, wanted in desired.items() if not same_value(prop, current.get(prop), wanted)}


def as_options(settings: t.Mapping[str, t.Any]) -> t.Dict[str, t.Any]:
    """Exchange property names to the module's option names (for before/after/diff)."""
    reverse = {v: k for k, v in PROPERTIES.items()}
    return {reverse[k]: settings.get(k) for k in PROPERTIES.values() if k in settings}


def later_version_note(admin_display_version: t.Optional[str]) -> t.Optional[str]:
    """What an admin must know when the server is Exchange 2013 or later (major version 15), else None.

    From 2013 on, OWA reads its IM server and certificate from web.config (2013) or a setting override (2016+),
    not from these virtual directory properties.
    """
    match = re.search(r"Version (\d+)\.", admin_display_version or "")
    if not match or int(match.group(1)) < 15:
        return None
    return ("this is Exchange 2013 or later (%s): OWA there takes its IM server and certificate from web.config (2013) or "
            "New-SettingOverride -Component OwaServer -Section IMSettings (2016 and later), not from the virtual directory; "
            "these settings alone do not enable IM." % admin_display_version)
