# Copyright: (c) 2026, exchange.owa_im contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""OCS 2007 R2 Host Authorization semantics: what the task asks for, what must change, and what the result shows.

OCS 2007 R2 keeps its authorized hosts as WMI objects of class MSFT_SIPRemoteAddressData (namespace root\\cimv2):
Backend and InstanceID are the keys, Server the host's FQDN or IP address, and the three flags OutboundOnly,
ThrottleAsServer and TreatAsAuthenticated ("MSFT_SIPRemoteAddressData", Office Communications Server 2007 R2 SDK,
learn.microsoft.com/previous-versions/office/developer/communication-server-2007-R2/dd146524). For OWA IM each Client
Access server needs an entry that is not outbound only, throttled as a server and treated as authenticated.
"""

from __future__ import annotations

import re
import typing as t

from ._owa_settings import SettingError

# A Standard Edition server keeps its pool-level settings in its own (local)\rtc; an Enterprise pool in its SQL instance
# ("Using the Backend Property", dd146574).
STANDARD_EDITION_BACKEND = "(local)\\rtc"
FLAGS = (("outbound_only", "OutboundOnly"), ("throttle_as_server", "ThrottleAsServer"), ("treat_as_authenticated", "TreatAsAuthenticated"))
# The entry properties the script reads and backs up.
PROPERTIES = ("InstanceID", "Backend", "Server", "OutboundOnly", "ThrottleAsServer", "TreatAsAuthenticated")
_FQDN = re.compile(r"^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")
_BACKEND = re.compile(r"^[^\x00-\x1f'\"]{1,255}$")


def desired(params: t.Mapping[str, t.Any]) -> t.Dict[str, t.Any]:
    """The task's wishes, checked; raises SettingError naming the option."""
    servers = params.get("servers")
    if not isinstance(servers, (list, tuple)) or not servers:
        raise SettingError("servers must list at least one Client Access server FQDN such as cas01.contoso.com.")
    names: t.List[str] = []
    for value in servers:
        text = "" if value is None else str(value).strip()
        if not _FQDN.match(text) or "." not in text or text.replace(".", "").isdigit():
            raise SettingError("servers must hold fully qualified domain names such as cas01.contoso.com; got %r." % value)
        if text.lower() not in names:
            names.append(text.lower())
    backend = str(params.get("backend") if params.get("backend") is not None else STANDARD_EDITION_BACKEND)
    if not _BACKEND.match(backend):
        raise SettingError("backend must be (local)\\rtc on a Standard Edition server or the pool's SQL instance (server\\instance); got %r."
                           % backend)
    wanted: t.Dict[str, t.Any] = {"servers": names, "state": params.get("state") or "present", "backend": backend}
    for option, _name in FLAGS:
        if not isinstance(params.get(option), bool):
            raise SettingError("%s must be true or false; got %r." % (option, params.get(option)))
        wanted[option] = params[option]
    return wanted


def as_view(entry: t.Mapping[str, t.Any]) -> t.Dict[str, t.Any]:
    """One MSFT_SIPRemoteAddressData entry as the module returns it."""
    view: t.Dict[str, t.Any] = {"server": entry.get("Server"), "instance_id": entry.get("InstanceID"), "backend": entry.get("Backend")}
    for option, name in FLAGS:
        view[option] = entry.get(name)
    return view


def _differs(entry: t.Mapping[str, t.Any], wanted: t.Mapping[str, t.Any]) -> bool:
    # A flag WMI leaves null (or that is missing) counts as False, as the script's [bool]$null does: both sides must agree.
    return any(bool(entry.get(option)) is not wanted[option] for option, _name in FLAGS)


def planned(before: t.Sequence[t.Mapping[str, t.Any]], wanted: t.Mapping[str, t.Any]) -> t.List[t.Dict[str, str]]:
    """What must be done, in the order the script does it: per server, create one entry, or update or remove each of its own."""
    actions: t.List[t.Dict[str, str]] = []
    for server in wanted["servers"]:
        mine = [as_view(e) for e in before if str(e.get("Server") or "").lower() == server]
        if wanted["state"] == "present" and not mine:
            actions.append({"action": "create", "server": server, "instance_id": ""})
        for entry in mine:
            if wanted["state"] == "absent":
                actions.append({"action": "remove", "server": server, "instance_id": str(entry["instance_id"] or "")})
            elif _differs(entry, wanted):
                actions.append({"action": "update", "server": server, "instance_id": str(entry["instance_id"] or "")})
    return actions


def predicted(before: t.Sequence[t.Dict[str, t.Any]], actions: t.Sequence[t.Mapping[str, str]], wanted: t.Mapping[str, t.Any]
              ) -> t.List[t.Dict[str, t.Any]]:
    """What check mode says the entries of the task's servers would be (a new entry's InstanceID is the server's to choose)."""
    after = []
    flags = {option: wanted[option] for option, _name in FLAGS}
    for entry in before:
        done = [a["action"] for a in actions if a["instance_id"] and a["instance_id"] == entry["instance_id"]]
        if "remove" in done:
            continue
        after.append(dict(entry, **flags) if "update" in done else dict(entry))
    for action in actions:
        if action["action"] == "create":
            after.append(dict({"server": action["server"], "instance_id": None, "backend": wanted["backend"]}, **flags))
    return after


def unmet(after: t.Sequence[t.Mapping[str, t.Any]], wanted: t.Mapping[str, t.Any]) -> t.List[str]:
    """What the read-back still lacks."""
    problems = []
    for server in wanted["servers"]:
        mine = [e for e in after if str(e.get("server") or "").lower() == server]
        if wanted["state"] == "absent" and mine:
            problems.append("%s still has an entry" % server)
        elif wanted["state"] == "present" and (not mine or any(_differs(e, wanted) for e in mine)):
            problems.append("%s has no entry with the flags asked for" % server)
    return problems
