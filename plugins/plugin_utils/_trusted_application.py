# Copyright: (c) 2026, exchange.owa_im contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Lync Server 2010 and 2013 / Skype for Business Server semantics of OWA's trusted application pool: what the task asks for,
what must change, and what the result shows.

Microsoft's integration steps create, on the Front End, a trusted application pool named as the Exchange server's (or
its load balancer's) FQDN, registered to the Front End pool, with replication off, then the trusted application
OutlookWebApp on port 5199, then run Enable-CsTopology ("Configure integration between Lync Server 2013 and Outlook Web
App", "Configure integration with Exchange Server and Outlook Web App" for Skype for Business Server 2015/2019).
"""

from __future__ import annotations

import re
import typing as t

from ._owa_settings import SettingError

APPLICATION_PREFIX = "urn:application:"
_FQDN = re.compile(r"^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")
_APPLICATION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
# In the order the script carries them out.
ACTIONS = ("new_pool", "new_application", "set_port", "remove_application", "remove_pool", "enable_topology")


# What a backup of each holds (cs_trusted_application.ps1 writes these): what recreating them would take.
POOL_BACKUP_PROPERTIES = ("PoolFqdn", "Registrar", "SiteId", "RequiresReplication", "ThrottleAsServer", "TreatAsAuthenticated",
                          "OutboundOnly", "Computers", "Applications")
APPLICATION_BACKUP_PROPERTIES = ("Identity", "ApplicationId", "TrustedApplicationPoolFqdn", "Port", "Protocol", "LegacyApplicationName")


def check_fqdn(option: str, value: t.Any) -> str:
    text = "" if value is None else str(value)
    if not _FQDN.match(text) or "." not in text:
        raise SettingError("%s must be a fully qualified domain name such as cas01.contoso.com; got %r." % (option, text))
    return text.lower()


def desired(params: t.Mapping[str, t.Any]) -> t.Dict[str, t.Any]:
    """The task's wishes, checked; raises SettingError naming the option."""
    state = params.get("state") or "present"
    application = str(params.get("application_id") or "")
    if application.lower().startswith(APPLICATION_PREFIX):
        application = application[len(APPLICATION_PREFIX):]
    if not _APPLICATION.match(application):
        raise SettingError("application_id must be an application name such as OutlookWebApp (letters, digits, . _ -); got %r."
                           % params.get("application_id"))
    port = params.get("port")
    if not isinstance(port, int) or isinstance(port, bool) or not 1 <= port <= 65535:
        raise SettingError("port must be a TCP port from 1 to 65535; got %r." % port)
    wanted: t.Dict[str, t.Any] = {"pool_fqdn": check_fqdn("pool_fqdn", params.get("pool_fqdn")), "application_id": application,
                                  "port": port, "state": state, "publish": bool(params.get("publish", True)), "registrar": "", "site": "",
                                  "keep_pool": bool(params.get("keep_pool", False))}
    if state == "present":
        if not params.get("registrar"):
            raise SettingError("registrar (the Front End pool's FQDN) is required with state: present.")
        wanted["registrar"] = check_fqdn("registrar", params["registrar"])
        site = "" if params.get("site") is None else str(params["site"]).strip()
        if site.lower().startswith("site:"):
            site = site[len("site:"):]
        wanted["site"] = site
    return wanted


def planned(pool: t.Mapping[str, t.Any], application: t.Mapping[str, t.Any], wanted: t.Mapping[str, t.Any]) -> t.List[str]:
    """What must be done, from what the server read: the controller's own view, held against the server's."""
    actions: t.List[str] = []
    others = [a for a in pool.get("Applications") or [] if a.lower() != (APPLICATION_PREFIX + wanted["application_id"]).lower()]
    if wanted["state"] == "present":
        if not pool.get("exists"):
            actions.append("new_pool")
        if not application.get("exists"):
            actions.append("new_application")
        elif str(application.get("Port")) != str(wanted["port"]):
            actions.append("set_port")
    else:
        if application.get("exists"):
            actions.append("remove_application")
        if pool.get("exists") and not others and not wanted.get("keep_pool"):
            actions.append("remove_pool")
    if actions and wanted["publish"]:
        actions.append("enable_topology")
    return actions


def as_view(pool: t.Mapping[str, t.Any], application: t.Mapping[str, t.Any]) -> t.Dict[str, t.Any]:
    """The pool and application as the module returns them (None for what does not exist)."""
    view: t.Dict[str, t.Any] = {"pool": None, "application": None}
    if pool.get("exists"):
        view["pool"] = {"pool_fqdn": pool.get("PoolFqdn"), "registrar": pool.get("Registrar"), "site": pool.get("SiteId"),
                        "requires_replication": pool.get("RequiresReplication"), "throttle_as_server": pool.get("ThrottleAsServer"),
                        "treat_as_authenticated": pool.get("TreatAsAuthenticated"), "applications": list(pool.get("Applications") or [])}
    if application.get("exists"):
        port = application.get("Port")
        view["application"] = {"identity": application.get("Identity"), "application_id": application.get("ApplicationId"),
                               "port": int(port) if str(port or "").isdigit() else port}
    return view


def predicted(before: t.Mapping[str, t.Any], actions: t.Sequence[str], wanted: t.Mapping[str, t.Any],
              site_identity: t.Optional[str]) -> t.Dict[str, t.Any]:
    """What check mode says the pool and application would be."""
    after = {"pool": dict(before["pool"]) if before["pool"] else None, "application": dict(before["application"]) if before["application"] else None}
    full_id = APPLICATION_PREFIX + wanted["application_id"]
    if "new_pool" in actions:
        after["pool"] = {"pool_fqdn": wanted["pool_fqdn"], "registrar": "Registrar:" + wanted["registrar"], "site": site_identity,
                         "requires_replication": False, "throttle_as_server": True, "treat_as_authenticated": True, "applications": []}
    if "new_application" in actions:
        after["application"] = {"identity": "%s/%s" % (wanted["pool_fqdn"], full_id), "application_id": full_id, "port": wanted["port"]}
        if after["pool"] is not None:
            after["pool"]["applications"] = list(after["pool"]["applications"]) + [full_id]
    if "set_port" in actions and after["application"] is not None:
        after["application"]["port"] = wanted["port"]
    if "remove_application" in actions:
        after["application"] = None
        if after["pool"] is not None:
            after["pool"]["applications"] = [a for a in after["pool"]["applications"] if a.lower() != full_id.lower()]
    if "remove_pool" in actions:
        after["pool"] = None
    return after


def unmet(after: t.Mapping[str, t.Any], wanted: t.Mapping[str, t.Any]) -> t.List[str]:
    """What the read-back still lacks."""
    if wanted["state"] == "absent":
        return ["the application still exists"] if after["application"] else []
    problems = []
    if not after["pool"]:
        problems.append("no trusted application pool")
    if not after["application"]:
        problems.append("no trusted application")
    elif str(after["application"]["port"]) != str(wanted["port"]):
        problems.append("port %s" % after["application"]["port"])
    return problems
