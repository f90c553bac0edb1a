# Copyright: (c) 2026, exchange.owa_im contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Exchange semantics of an OWA mailbox policy's IM settings: what the task asks for, what differs, what to warn about.

A policy overrides the virtual directory for the mailboxes it is assigned to ("Understanding Outlook Web App Mailbox
Policies", Exchange 2010 SP2/SP3, technet dd335142), so a policy with IM off hides IM from its users whatever the
servers say.
"""

from __future__ import annotations

import typing as t

from ._owa_settings import SettingError, normalise_type
from ._setting_override import im_mechanism

# The module's option names for the policy's properties (Set-OwaMailboxPolicy, Exchange 2010 and later).
PROPERTIES = {
    "instant_messaging_enabled": "InstantMessagingEnabled",
    "instant_messaging_type": "InstantMessagingType",
}
# Read and kept in the backup with the two above.
READ_PROPERTIES = ("Name", "Identity", "IsDefault", "InstantMessagingEnabled", "InstantMessagingType")


def desired_settings(params: t.Mapping[str, t.Any]) -> t.Dict[str, t.Any]:
    """The Exchange properties the task sets, with Exchange's values; raises SettingError naming the option."""
    desired: t.Dict[str, t.Any] = {}
    if params.get("instant_messaging_enabled") is not None:
        desired["InstantMessagingEnabled"] = bool(params["instant_messaging_enabled"])
    if params.get("instant_messaging_type") is not None:
        desired["InstantMessagingType"] = normalise_type(params["instant_messaging_type"])
    if not desired:
        raise SettingError("set instant_messaging_enabled, instant_messaging_type or both; with neither the task would only read "
                           "the policy (exchange.owa_im.owa_virtual_directory_info with include_mailbox_policies does that).")
    return desired


def validate_name(value: t.Any) -> str:
    name = "" if value is None else str(value)
    if name.strip() == "":
        raise SettingError("name must be the OWA mailbox policy's name, such as Default; got an empty value.")
    if name != name.strip():
        raise SettingError("name %r has whitespace at its start or end; remove it (policy names are matched exactly)." % name)
    if any(c in name for c in "*?["):
        raise SettingError("name %r holds a wildcard character (* ? [); give one policy's exact name." % name)
    return name


def as_options(settings: t.Mapping[str, t.Any]) -> t.Dict[str, t.Any]:
    return {option: settings.get(prop) for option, prop in PROPERTIES.items() if prop in settings}


def later_version_warning(admin_display_version: t.Optional[str], after: t.Mapping[str, t.Any]) -> t.Optional[str]:
    """On Exchange 2013 and later (major version 15) IM in OWA needs the policy's type to be Ocs as well as enabled;
    Microsoft's integration steps for those versions set both."""
    if im_mechanism(admin_display_version) == "virtual_directory" or not after.get("InstantMessagingEnabled"):
        return None
    try:
        if normalise_type(after.get("InstantMessagingType") or "none") == "Ocs":
            return None
    except SettingError:
        pass
    return ("the policy has IM enabled but its type is %s: on Exchange 2013 and later OWA offers IM to its users only when "
            "the policy's InstantMessagingType is Ocs; set instant_messaging_type: ocs." % (after.get("InstantMessagingType") or "unset"))
