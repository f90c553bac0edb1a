"""A Lync Server 2010 or 2013 / Skype for Business Server Front End: its management module and the topology cmdlets
the collection uses for OWA's trusted application pool.

``owa-lab up --front-end lync2010|lync2013|sfb2015|sfb2019`` adds one Front End server (FE01) whose pool is the lab's
OCS pool name. Its PowerShell has no Exchange snap-in; ``Import-Module Lync`` (Lync Server 2010 and 2013) or
``Import-Module SkypeForBusiness`` (2015, 2019) brings the cmdlets below. What each does, and what the lab assumes where Microsoft's
references say nothing: tests/lab/README.md, "Lync and Skype for Business Front End (`lync.py`)".
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from typing import Any

from . import organisation
from .exchange.cmdlets import Session, convert_bool, convert_string, session_of
from .exchange.versions import ExchangeVersion
from .powershell.builtins import _HostText
from .powershell.engine import Cmdlet, Invocation, Param
from .powershell.values import PSCollection, PSObject, RuntimeError_, is_true, to_list, to_string
from .store import Store

FRONT_END = "FE01"
APPLICATION_PREFIX = "urn:application:"
# The lab's one central site; its numeric SiteId is what Get-CsSite shows beside the "Site:<name>" Identity.
SITE = {"Identity": "Site:Contoso", "SiteId": 1, "DisplayName": "Contoso", "Description": "", "SiteType": "CentralSite"}


@dataclass(frozen=True)
class FrontEndProduct:
    key: str
    display: str
    module: str          # the management module: Lync (2010, 2013), SkypeForBusiness (2015 and 2019)
    ps_version: float    # the Windows PowerShell of the operating system the lab puts it on
    build: str


PRODUCTS = {
    # Lync Server 2010 runs on Windows Server 2008 R2 (or 2008 SP2): Windows PowerShell 2.0, the engine 2010 CAS get.
    "lync2010": FrontEndProduct("lync2010", "Lync Server 2010", "Lync", 2.0, "4.0.7577.0"),
    "lync2013": FrontEndProduct("lync2013", "Lync Server 2013", "Lync", 3.0, "5.0.8308.0"),
    "sfb2015": FrontEndProduct("sfb2015", "Skype for Business Server 2015", "SkypeForBusiness", 4.0, "6.0.9319.0"),
    "sfb2019": FrontEndProduct("sfb2019", "Skype for Business Server 2019", "SkypeForBusiness", 5.1, "7.0.2046.0"),
}
MODULES = {product.module.lower(): product.module for product in PRODUCTS.values()}


def version_of(product: FrontEndProduct) -> ExchangeVersion:
    """The host description a Session carries: no Exchange snap-in, no Exchange install path."""
    return ExchangeVersion(product.key, product.display, product.build, "", product.ps_version,
                           r"C:\Program Files\Common Files\Skype for Business Server", ())


def front_end_names(store: Store) -> list[str]:
    return list(store.lab().get("front_ends", []))


def is_front_end(store: Store, name: str) -> bool:
    return name.upper() in (store.directory().get("lync") or {}).get("front_ends", {})


def host_fqdn(store: Store, name: str) -> str:
    return store.directory()["lync"]["front_ends"][name.upper()]["fqdn"]


def host_version(store: Store, name: str) -> ExchangeVersion:
    return version_of(PRODUCTS[store.directory()["lync"]["product"]])


def build(store: Store, product_key: str) -> None:
    """Add the Front End server to an organisation ``organisation.build`` made: its host state and the topology."""
    product = PRODUCTS[product_key]
    fqdn, pool = organisation.add_server_without_exchange(store, FRONT_END)
    with store.edit_directory() as data:
        data["lync"] = {
            "product": product.key,
            "front_ends": {FRONT_END: {"fqdn": fqdn}},
            "sites": [dict(SITE)],
            # The Front End pool: a one-server Enterprise pool whose FQDN is the OCS pool name the CAS servers use.
            "pools": [{"fqdn": pool, "site": SITE["Identity"], "computers": [fqdn],
                       "services": [f"{role}:{pool}" for role in ("Registrar", "UserServer", "WebServer", "ConferencingServer",
                                                                  "ApplicationServer", "MediationServer")]}],
            "trusted_application_pools": [],
            "trusted_applications": [],
            # Enable-CsTopology makes the topology's changes take effect; until then they are pending.
            "published": True,
            "pending": [],
        }


# ----- objects ---------------------------------------------------------------------------------------
def _strings(items: Any) -> PSCollection:
    return PSCollection("System.Collections.Generic.List`1[[System.String]]", list(items or []))


def site_object(record: dict[str, Any], pools: list[dict[str, Any]]) -> PSObject:
    return PSObject("Microsoft.Rtc.Management.Deploy.Internal.Site+CentralSite", {
        "Identity": record["Identity"], "SiteId": record["SiteId"], "DisplayName": record["DisplayName"],
        "Description": record.get("Description", ""), "SiteType": record.get("SiteType", "CentralSite"), "ParentSite": None,
        "Pools": _strings(p["fqdn"] for p in pools if p["site"] == record["Identity"]),
        "Services": _strings(s for p in pools if p["site"] == record["Identity"] for s in p["services"]),
        "FederationRoute": None,
    }, display=["Identity", "SiteId", "DisplayName", "SiteType"], text=record["Identity"])


def pool_object(record: dict[str, Any]) -> PSObject:
    return PSObject("Microsoft.Rtc.Management.Xds.DisplayPool", {
        "Identity": record["fqdn"], "Fqdn": record["fqdn"], "Site": record["site"],
        "Services": _strings(record["services"]), "Computers": _strings(record["computers"]),
    }, display=["Identity", "Services", "Computers", "Fqdn", "Site"], text=record["fqdn"])


def trusted_pool_object(record: dict[str, Any], applications: list[dict[str, Any]]) -> PSObject:
    fqdn = record["fqdn"]
    return PSObject("Microsoft.Rtc.Management.Xds.DisplayExternalServer", {
        "Identity": f"ExternalServer:{fqdn}", "PoolFqdn": fqdn, "Registrar": record.get("registrar"), "FileStore": None,
        "ThrottleAsServer": record["ThrottleAsServer"], "TreatAsAuthenticated": record["TreatAsAuthenticated"],
        "OutboundOnly": record["OutboundOnly"], "RequiresReplication": record["RequiresReplication"],
        "AudioPortStart": None, "AudioPortCount": 0, "AppSharingPortStart": None, "AppSharingPortCount": 0,
        "VideoPortStart": None, "VideoPortCount": 0,
        "Applications": _strings(a["application_id"] for a in applications if a["pool"].lower() == fqdn.lower()),
        "DependentServiceList": _strings([]), "ServiceId": record["service_id"], "SiteId": record["site"],
        "Computers": _strings(record["computers"]), "Version": 7, "Role": "TrustedApplicationPool",
    }, display=["Identity", "Registrar", "PoolFqdn", "SiteId", "Applications"], text=f"ExternalServer:{fqdn}")


def application_object(record: dict[str, Any], pools: list[dict[str, Any]]) -> PSObject:
    pool = next((p for p in pools if p["fqdn"].lower() == record["pool"].lower()), {"computers": []})
    app = record["application_id"]
    return PSObject("Microsoft.Rtc.Management.Xds.DisplayTrustedApplication", {
        "Identity": f"{record['pool']}/{app}", "ApplicationId": app, "TrustedApplicationPoolFqdn": record["pool"],
        "Port": record["port"], "Protocol": "Mtls" if not record.get("tcp") else "Tcp",
        "LegacyApplicationName": record.get("legacy_name") or app[len(APPLICATION_PREFIX):],
        "ServiceGruu": f"sip:{record['pool']}@{record['pool'].split('.', 1)[-1]};gruu;opaque=srvr:{app[len(APPLICATION_PREFIX):]}:x",
        "ComputerGruus": _strings(f"sip:{c}@{c.split('.', 1)[-1]};gruu;opaque=srvr:{app[len(APPLICATION_PREFIX):]}:y"
                                  for c in pool["computers"]),
    }, display=["Identity", "ApplicationId", "TrustedApplicationPoolFqdn", "Port"], text=f"{record['pool']}/{app}")


# ----- errors ------------------------------------------------------------------------------------------
def _error(inv: Invocation, message: str, reason: str, category: str = "InvalidOperation",
           exception: str = "System.InvalidOperationException", target: Any = None) -> RuntimeError_:
    verb, noun = inv.cmdlet.name.split("-", 1)
    return RuntimeError_(message, error_id=f"{reason},Microsoft.Rtc.Management.Xds.{verb}{noun}Cmdlet", category=category,
                         exception_type=exception, target=target, command=inv.cmdlet.name)


def _lync(session: Session) -> dict[str, Any]:
    return session.store.directory().get("lync") or {}


def _fqdn_of(value: str, role: str) -> str:
    """A service ID ("Registrar:pool.contoso.lab") or a plain FQDN, as the cmdlets take either."""
    text = value.strip()
    return text.split(":", 1)[1] if text.lower().startswith(role.lower() + ":") else text


def _application_id(value: str) -> str:
    text = value.strip()
    return text if text.lower().startswith(APPLICATION_PREFIX) else APPLICATION_PREFIX + text


def _pending(lync: dict[str, Any], change: str) -> None:
    lync["published"] = False
    lync.setdefault("pending", []).append(change)


def _identity_text(value: Any) -> str:
    return to_string(value.properties.get("Identity") if isinstance(value, PSObject) else value)


def _filtered(inv: Invocation, items: list[tuple[str, PSObject]]) -> list[PSObject]:
    if inv.has("Filter"):
        pattern = to_string(inv.get("Filter")).lower()
        return [obj for key, obj in items if fnmatch.fnmatchcase(key.lower(), pattern)]
    return [obj for _key, obj in items]


# ----- cmdlets -------------------------------------------------------------------------------------------
def get_cs_site(inv: Invocation) -> list[Any]:
    lync = _lync(session_of(inv))
    sites = [(s["Identity"], site_object(s, lync["pools"])) for s in lync["sites"]]
    if inv.has("Identity"):
        # The reference asks for the site's name alone ("Redmond", not "site:Redmond").
        wanted = to_string(inv.get("Identity")).strip().lower()
        return [obj for key, obj in sites if key.split(":", 1)[1].lower() == wanted]
    return _filtered(inv, sites)


def get_cs_pool(inv: Invocation) -> list[Any]:
    pools = [(p["fqdn"], pool_object(p)) for p in _lync(session_of(inv))["pools"]]
    if inv.has("Identity"):
        wanted = to_string(inv.get("Identity")).strip().lower()
        return [obj for key, obj in pools if key.lower() == wanted]
    return _filtered(inv, pools)


def get_cs_trusted_application_pool(inv: Invocation) -> list[Any]:
    lync = _lync(session_of(inv))
    pools = [(f"ExternalServer:{p['fqdn']}", trusted_pool_object(p, lync["trusted_applications"])) for p in lync["trusted_application_pools"]]
    wanted = inv.get("Identity") if inv.has("Identity") else inv.get("PoolFqdn")
    if wanted is not None:
        fqdn = _fqdn_of(to_string(wanted), "ExternalServer").lower()
        return [obj for key, obj in pools if key.split(":", 1)[1].lower() == fqdn]
    return _filtered(inv, pools)


def new_cs_trusted_application_pool(inv: Invocation) -> list[Any]:
    session = session_of(inv)
    fqdn = to_string(inv.get("Identity")).strip()
    with session.store.edit_directory() as directory:
        lync = directory["lync"]
        if any(p["fqdn"].lower() == fqdn.lower() for p in lync["trusted_application_pools"]):
            raise _error(inv, f'Cannot create trusted application pool "{fqdn}": a trusted application pool with this FQDN already '
                              "exists in the topology.", "DuplicateTrustedApplicationPool", "ResourceExists", target=fqdn)
        registrar = None
        if inv.has("Registrar"):
            wanted = _fqdn_of(to_string(inv.get("Registrar")), "Registrar")
            pool = next((p for p in lync["pools"] if p["fqdn"].lower() == wanted.lower()
                         and f"Registrar:{p['fqdn']}" in p["services"]), None)
            if pool is None:
                raise _error(inv, f'Cannot find a Registrar service "{wanted}" in the topology.', "RegistrarNotFound", "ObjectNotFound",
                             target=wanted)
            registrar = f"Registrar:{pool['fqdn']}"
        existing_pool = next((p for p in lync["pools"] if p["fqdn"].lower() == fqdn.lower()), None)
        if existing_pool is not None and not inv.has("Site"):
            site = existing_pool["site"]
        elif not inv.has("Site"):
            # The reference: the Site parameter is required when the pool does not exist yet.
            raise _error(inv, "The Site parameter is required when the pool does not already exist in the topology.", "SiteRequired",
                         "InvalidArgument", exception="System.ArgumentException")
        else:
            given = to_string(inv.get("Site")).strip()
            # The SiteId, never the "site:" Identity: the reference says to leave that prefix out.
            chosen = next((s for s in lync["sites"] if not given.lower().startswith("site:")
                           and (str(s["SiteId"]) == given or s["Identity"].split(":", 1)[1].lower() == given.lower())), None)
            if chosen is None:
                raise _error(inv, f'Cannot find site "{given}" in the topology. Use the SiteId that Get-CsSite shows.', "SiteNotFound",
                             "ObjectNotFound", target=given)
            site = chosen["Identity"]
        if is_true(inv.get("WhatIf")):
            return [_HostText(f'What if: Performing operation "New" on Target "ExternalServer:{fqdn}".')]
        record = {
            "fqdn": fqdn, "registrar": registrar, "site": site,
            "computers": [to_string(inv.get("ComputerFqdn")).strip() if inv.has("ComputerFqdn") else fqdn],
            # The reference's defaults.
            "RequiresReplication": _bool_or(inv, "RequiresReplication", True), "ThrottleAsServer": _bool_or(inv, "ThrottleAsServer", True),
            "TreatAsAuthenticated": _bool_or(inv, "TreatAsAuthenticated", True), "OutboundOnly": _bool_or(inv, "OutboundOnly", False),
            "service_id": f"{next(s['SiteId'] for s in lync['sites'] if s['Identity'] == site)}-ExternalServer-"
                          f"{len(lync['trusted_application_pools']) + 1}",
        }
        lync["trusted_application_pools"].append(record)
        _pending(lync, f"New-CsTrustedApplicationPool {fqdn}")
        created = trusted_pool_object(record, lync["trusted_applications"])
    session.store.log(session.server, "topology-change", cmdlet=inv.cmdlet.name, object=fqdn)
    return [created]


def _bool_or(inv: Invocation, name: str, default: bool) -> bool:
    return bool(inv.get(name)) if inv.has(name) and inv.get(name) is not None else default


def remove_cs_trusted_application_pool(inv: Invocation) -> list[Any]:
    session = session_of(inv)
    targets = to_list(inv.get("Identity")) if inv.has("Identity") else list(inv.input)
    for target in targets:
        fqdn = _fqdn_of(_identity_text(target), "ExternalServer")
        with session.store.edit_directory() as directory:
            lync = directory["lync"]
            pool = next((p for p in lync["trusted_application_pools"] if p["fqdn"].lower() == fqdn.lower()), None)
            if pool is None:
                raise _error(inv, f'Cannot find trusted application pool "{fqdn}" in the topology.', "TrustedApplicationPoolNotFound",
                             "ObjectNotFound", target=fqdn)
            if not pool.get("registrar"):
                # The reference: a pool without a Registrar cannot be removed until Set-CsTrustedApplicationPool gives it one.
                raise _error(inv, f'Cannot remove trusted application pool "{fqdn}" because it has no Registrar. Assign a Registrar '
                                  "with Set-CsTrustedApplicationPool, then remove the pool.", "NoRegistrar", target=fqdn)
            if is_true(inv.get("WhatIf")):
                return [_HostText(f'What if: Performing operation "Remove" on Target "ExternalServer:{pool["fqdn"]}".')]
            lync["trusted_application_pools"].remove(pool)
            # Removing the pool removes its computers, applications and endpoints with it.
            lync["trusted_applications"] = [a for a in lync["trusted_applications"] if a["pool"].lower() != fqdn.lower()]
            _pending(lync, f"Remove-CsTrustedApplicationPool {fqdn}")
        session.store.log(session.server, "topology-change", cmdlet=inv.cmdlet.name, object=fqdn)
    return []


def _split_application_identity(text: str) -> tuple[str, str]:
    pool, _sep, app = text.strip().partition("/")
    return pool, _application_id(app) if app else ""


def get_cs_trusted_application(inv: Invocation) -> list[Any]:
    lync = _lync(session_of(inv))
    pools = lync["trusted_application_pools"]
    apps = [(f"{a['pool']}/{a['application_id']}", application_object(a, pools)) for a in lync["trusted_applications"]]
    if inv.has("Identity"):
        pool, app = _split_application_identity(to_string(inv.get("Identity")))
        return [obj for key, obj in apps if key.lower() == f"{pool}/{app}".lower()]
    if inv.has("ApplicationId") or inv.has("TrustedApplicationPoolFqdn"):
        pool = to_string(inv.get("TrustedApplicationPoolFqdn") or "").lower()
        app = _application_id(to_string(inv.get("ApplicationId"))).lower() if inv.has("ApplicationId") else ""
        return [obj for key, obj in apps if (not pool or key.split("/", 1)[0].lower() == pool)
                and (not app or key.split("/", 1)[1].lower() == app)]
    return _filtered(inv, apps)


def new_cs_trusted_application(inv: Invocation) -> list[Any]:
    session = session_of(inv)
    if inv.has("Identity"):
        pool_fqdn, app = _split_application_identity(to_string(inv.get("Identity")))
    elif inv.has("ApplicationId") and inv.has("TrustedApplicationPoolFqdn"):
        pool_fqdn, app = to_string(inv.get("TrustedApplicationPoolFqdn")).strip(), _application_id(to_string(inv.get("ApplicationId")))
    else:
        raise _error(inv, "Parameter set cannot be resolved using the specified named parameters.", "AmbiguousParameterSet",
                     "InvalidArgument", exception="System.Management.Automation.ParameterBindingException")
    if not inv.has("Port") or inv.get("Port") is None:
        raise _error(inv, "Cannot process command because of one or more missing mandatory parameters: Port.", "MissingMandatoryParameter",
                     "InvalidArgument", exception="System.Management.Automation.ParameterBindingException")
    port = int(inv.get("Port"))
    with session.store.edit_directory() as directory:
        lync = directory["lync"]
        pool = next((p for p in lync["trusted_application_pools"] if p["fqdn"].lower() == pool_fqdn.lower()), None)
        if pool is None:
            raise _error(inv, f'Cannot find trusted application pool "{pool_fqdn}" in the topology.', "TrustedApplicationPoolNotFound",
                         "ObjectNotFound", target=pool_fqdn)
        siblings = [a for a in lync["trusted_applications"] if a["pool"].lower() == pool["fqdn"].lower()]
        if any(a["application_id"].lower() == app.lower() for a in siblings):
            raise _error(inv, f'Cannot create trusted application "{pool["fqdn"]}/{app}": it already exists.', "DuplicateTrustedApplication",
                         "ResourceExists", target=app)
        if any(a["port"] == port for a in siblings):
            raise _error(inv, f"Port {port} is already used by another trusted application of pool \"{pool['fqdn']}\".", "PortInUse",
                         target=port)
        if is_true(inv.get("WhatIf")):
            return [_HostText(f'What if: Performing operation "New" on Target "{pool["fqdn"]}/{app}".')]
        record = {"pool": pool["fqdn"], "application_id": app, "port": port, "tcp": bool(inv.get("EnableTcp")),
                  "legacy_name": convert_string(inv.get("LegacyApplicationName"), "LegacyApplicationName")}
        lync["trusted_applications"].append(record)
        _pending(lync, f"New-CsTrustedApplication {pool['fqdn']}/{app}")
        created = application_object(record, lync["trusted_application_pools"])
    session.store.log(session.server, "topology-change", cmdlet=inv.cmdlet.name, object=f"{pool['fqdn']}/{app}")
    return [created]


def _find_application(inv: Invocation, lync: dict[str, Any], target: Any) -> dict[str, Any]:
    pool, app = _split_application_identity(_identity_text(target))
    found = next((a for a in lync["trusted_applications"] if f"{a['pool']}/{a['application_id']}".lower() == f"{pool}/{app}".lower()), None)
    if found is None:
        raise _error(inv, f'Cannot find trusted application "{pool}/{app}" in the topology.', "TrustedApplicationNotFound",
                     "ObjectNotFound", target=f"{pool}/{app}")
    return found


def set_cs_trusted_application(inv: Invocation) -> list[Any]:
    session = session_of(inv)
    for target in (to_list(inv.get("Identity")) if inv.has("Identity") else list(inv.input)):
        with session.store.edit_directory() as directory:
            lync = directory["lync"]
            found = _find_application(inv, lync, target)
            if is_true(inv.get("WhatIf")) or not inv.has("Port"):
                continue
            found["port"] = int(inv.get("Port"))
            _pending(lync, f"Set-CsTrustedApplication {found['pool']}/{found['application_id']}")
        session.store.log(session.server, "topology-change", cmdlet=inv.cmdlet.name, object=f"{found['pool']}/{found['application_id']}")
    return []


def remove_cs_trusted_application(inv: Invocation) -> list[Any]:
    session = session_of(inv)
    for target in (to_list(inv.get("Identity")) if inv.has("Identity") else list(inv.input)):
        with session.store.edit_directory() as directory:
            lync = directory["lync"]
            found = _find_application(inv, lync, target)
            if is_true(inv.get("WhatIf")):
                return [_HostText(f'What if: Performing operation "Remove" on Target "{found["pool"]}/{found["application_id"]}".')]
            lync["trusted_applications"].remove(found)
            _pending(lync, f"Remove-CsTrustedApplication {found['pool']}/{found['application_id']}")
        session.store.log(session.server, "topology-change", cmdlet=inv.cmdlet.name, object=f"{found['pool']}/{found['application_id']}")
    return []


def enable_cs_topology(inv: Invocation) -> list[Any]:
    session = session_of(inv)
    if is_true(inv.get("WhatIf")):
        return [_HostText('What if: Performing operation "Enable" on Target "Topology".')]
    with session.store.edit_directory() as directory:
        lync = directory["lync"]
        enabled = list(lync.get("pending", []))
        lync["published"] = True
        lync["pending"] = []
        lync["enabled_count"] = int(lync.get("enabled_count", 0)) + 1
    session.store.log(session.server, "topology-enabled", changes=enabled)
    return []


def cs_cmdlets() -> dict[str, Cmdlet]:
    identity = Param("Identity", position=0)
    flag = {name: Param(name, convert=convert_bool) for name in ("RequiresReplication", "ThrottleAsServer", "TreatAsAuthenticated",
                                                                 "OutboundOnly")}
    ports = [Param(name) for name in ("AudioPortStart", "AudioPortCount", "AppSharingPortStart", "AppSharingPortCount",
                                      "VideoPortStart", "VideoPortCount")]
    cmdlets = [
        Cmdlet("Get-CsSite", [identity, Param("Filter")], get_cs_site),
        Cmdlet("Get-CsPool", [identity, Param("Filter")], get_cs_pool),
        Cmdlet("Get-CsTrustedApplicationPool", [identity, Param("Filter"), Param("PoolFqdn")], get_cs_trusted_application_pool),
        Cmdlet("New-CsTrustedApplicationPool", [identity, Param("ComputerFqdn", convert=convert_string), Param("Registrar", convert=convert_string),
                                                Param("Site", convert=convert_string), *flag.values(), *ports, Param("Force", "switch")],
               new_cs_trusted_application_pool, supports_should_process=True),
        Cmdlet("Remove-CsTrustedApplicationPool", [identity, Param("Force", "switch")], remove_cs_trusted_application_pool,
               supports_should_process=True),
        Cmdlet("Get-CsTrustedApplication", [identity, Param("Filter"), Param("ApplicationId", convert=convert_string),
                                            Param("TrustedApplicationPoolFqdn", convert=convert_string)], get_cs_trusted_application),
        Cmdlet("New-CsTrustedApplication", [identity, Param("ApplicationId", convert=convert_string),
                                            Param("TrustedApplicationPoolFqdn", convert=convert_string), Param("Port", convert=_convert_port),
                                            Param("EnableTcp", "switch"), Param("LegacyApplicationName"), Param("Force", "switch")],
               new_cs_trusted_application, supports_should_process=True),
        Cmdlet("Set-CsTrustedApplication", [identity, Param("Port", convert=_convert_port), Param("Force", "switch")],
               set_cs_trusted_application, supports_should_process=True),
        Cmdlet("Remove-CsTrustedApplication", [identity, Param("Force", "switch")], remove_cs_trusted_application,
               supports_should_process=True),
        Cmdlet("Enable-CsTopology", [Param("GlobalCatalog"), Param("GlobalSettingsDomainController"), Param("SkipPrepareCheck", convert=convert_bool),
                                     Param("Report"), Param("Force", "switch")], enable_cs_topology, supports_should_process=True),
    ]
    return {c.name: c for c in cmdlets}


def _convert_port(value: Any, name: str) -> Any:
    """-Port is an Int32: PowerShell's binder turns "5199" into 5199 and refuses text that is not a number."""
    if value is None:
        return None
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    text = to_string(value).strip()
    try:
        return int(text)
    except ValueError:
        raise RuntimeError_(f'Cannot bind parameter \'{name}\'. Cannot convert value "{text}" to type "System.Int32". '
                            "Error: \"Input string was not in a correct format.\"",
                            error_id="CannotConvertArgumentNoMessage", category="InvalidArgument",
                            exception_type="System.Management.Automation.ParameterBindingException") from None


# ----- modules --------------------------------------------------------------------------------------------
def available_modules(session: Session) -> list[str]:
    """The Lync/Skype for Business management module this server has: only a Front End's, by its product."""
    lync = _lync(session)
    if session.server.upper() not in lync.get("front_ends", {}):
        return []
    return [PRODUCTS[lync["product"]].module]


def _module_object(name: str) -> PSObject:
    return PSObject("System.Management.Automation.PSModuleInfo", {"Name": name, "ModuleType": "Manifest", "Version": "1.0"},
                    display=["ModuleType", "Name"], text=name)


def _module_names(inv: Invocation) -> list[str]:
    return [_identity_text(n) for n in to_list(inv.get("Name"))] if inv.has("Name") else []


def import_module(inv: Invocation) -> list[Any]:
    session = session_of(inv)
    for name in _module_names(inv):
        if name.lower() not in MODULES:
            raise inv.engine.lab_gap(f"Import-Module {name} (only the Lync and SkypeForBusiness modules)")
        if name.lower() not in (m.lower() for m in available_modules(session)):
            inv.error(RuntimeError_(f"The specified module '{name}' was not loaded because no valid module file was found in any module "
                                    "directory.", error_id="Modules_ModuleNotFound,Microsoft.PowerShell.Commands.ImportModuleCommand",
                                    category="ResourceUnavailable", exception_type="System.IO.FileNotFoundException", target=name,
                                    command="Import-Module"))
            continue
        loaded = inv.engine.state.setdefault("modules", [])
        if name.lower() not in (m.lower() for m in loaded):
            loaded.append(MODULES[name.lower()])
            session.store.log(session.server, "module-load", module=MODULES[name.lower()])
        for cmdlet in cs_cmdlets().values():
            inv.engine.commands[cmdlet.name] = cmdlet
    return []


def get_module(inv: Invocation) -> list[Any]:
    session = session_of(inv)
    names = _module_names(inv)
    if not names or any(n.lower() not in MODULES for n in names):
        raise inv.engine.lab_gap("Get-Module for modules other than Lync and SkypeForBusiness")
    pool = available_modules(session) if inv.get("ListAvailable") else list(inv.engine.state.get("modules", []))
    return [_module_object(m) for m in pool if m.lower() in (n.lower() for n in names)]


def module_cmdlets() -> dict[str, Cmdlet]:
    cmdlets = [
        Cmdlet("Import-Module", [Param("Name", position=0), Param("Force", "switch"), Param("DisableNameChecking", "switch")], import_module,
               aliases=("ipmo",)),
        Cmdlet("Get-Module", [Param("Name", position=0), Param("ListAvailable", "switch")], get_module, aliases=("gmo",)),
    ]
    return {c.name: c for c in cmdlets}
