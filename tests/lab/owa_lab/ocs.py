"""An Office Communications Server 2007 R2 Standard Edition server and its Host Authorization list.

``owa-lab up ... --front-end ocs2007r2`` adds one OCS 2007 R2 server (FE01) whose pool is the lab's OCS pool name. It
runs Windows Server 2008 R2 with Windows PowerShell 2.0 and has neither the Exchange snap-in nor a Lync module: OCS 2007
R2 is administered through WMI. Its authorized hosts are instances of MSFT_SIPRemoteAddressData in root\\cimv2, kept in
directory.json under ``ocs.remote_addresses``; Get-WmiObject, Set-WmiInstance and Remove-WmiObject reach them. What each
does, where it comes from and what the lab assumes: tests/lab/README.md, "OCS 2007 R2 (`ocs.py`)".
"""

from __future__ import annotations

import ipaddress
import uuid
from typing import Any

from . import lync, organisation, windows_cmdlets
from .exchange.cmdlets import Session, session_of
from .exchange.versions import ExchangeVersion
from .lync import FRONT_END, FrontEndProduct
from .powershell.engine import Cmdlet, Invocation, Param
from .powershell.values import CIDict, PSObject, RuntimeError_, is_true, to_list, to_string
from .store import Store

PRODUCT = FrontEndProduct("ocs2007r2", "Office Communications Server 2007 R2", "", 2.0, "3.5.6907.0")
PRODUCTS = {PRODUCT.key: PRODUCT}
NAMESPACE = "root\\cimv2"
CLASS = "MSFT_SIPRemoteAddressData"
# A Standard Edition server keeps its pool-level settings in its local database ("Using the Backend Property").
BACKEND = "(local)\\rtc"
FLAGS = ("OutboundOnly", "ThrottleAsServer", "TreatAsAuthenticated")
PROPERTIES = ("Backend", "InstanceID", "OutboundOnly", "Server", "ThrottleAsServer", "TreatAsAuthenticated")


def version_of(product: FrontEndProduct = PRODUCT) -> ExchangeVersion:
    """The host description a Session carries: PowerShell 2.0, no Exchange snap-in, no Exchange install path."""
    return ExchangeVersion(product.key, product.display, product.build, "", product.ps_version,
                           r"C:\Program Files\Microsoft Office Communications Server 2007 R2", ())


def _ocs(store: Store) -> dict[str, Any]:
    return store.directory().get("ocs") or {}


def is_ocs_server(store: Store, name: str) -> bool:
    return name.upper() in _ocs(store).get("front_ends", {})


def host_fqdn(store: Store, name: str) -> str:
    return _ocs(store)["front_ends"][name.upper()]["fqdn"]


def host_version(store: Store, name: str) -> ExchangeVersion:
    return version_of(PRODUCTS[_ocs(store)["product"]])


def front_end_fqdn(store: Store, name: str) -> str:
    """An OCS 2007 R2 server's FQDN, or a Lync / Skype for Business Front End's."""
    return host_fqdn(store, name) if is_ocs_server(store, name) else lync.host_fqdn(store, name)


def pool_fqdn(store: Store) -> str:
    return _ocs(store)["pool"]


def build(store: Store, product_key: str = PRODUCT.key) -> None:
    """Add the OCS 2007 R2 server to an organisation ``organisation.build`` made: its host state and its empty list."""
    fqdn, pool = organisation.add_server_without_exchange(store, FRONT_END)
    with store.edit_directory() as data:
        data["ocs"] = {"product": product_key, "front_ends": {FRONT_END: {"fqdn": fqdn}}, "pool": pool, "backend": BACKEND,
                       "remote_addresses": []}


# ----- WMI -------------------------------------------------------------------------------------------------
def _wmi_error(message: str, command: str, category: str = "InvalidOperation") -> RuntimeError_:
    verb, noun = command.split("-", 1)
    return RuntimeError_(message, error_id=f"{verb}WMIManagementException,Microsoft.PowerShell.Commands.{verb}{noun}Command",
                         category=category, exception_type="System.Management.ManagementException", command=command)


def _entry_object(session: Session, record: dict[str, Any]) -> PSObject:
    relpath = f'{CLASS}.Backend="{record["Backend"]}",InstanceID="{record["InstanceID"]}"'.replace("\\", "\\\\")
    properties: dict[str, Any] = {"__GENUS": 2, "__CLASS": CLASS, "__SUPERCLASS": None, "__NAMESPACE": NAMESPACE,
                                  "__SERVER": session.server, "__RELPATH": relpath,
                                  "__PATH": f"\\\\{session.server}\\{NAMESPACE}:{relpath}"}
    properties.update({name: record.get(name) for name in PROPERTIES})
    return PSObject(f"System.Management.ManagementObject#{NAMESPACE}\\{CLASS}", properties,
                    display=list(PROPERTIES), text=properties["__PATH"])


def _is_our_class(inv: Invocation) -> bool:
    return to_string(inv.get("Class") or "").lower() == CLASS.lower()


def _check_namespace(inv: Invocation) -> None:
    namespace = to_string(inv.get("Namespace") or NAMESPACE).replace("/", "\\").lower()
    if namespace != NAMESPACE:
        raise _wmi_error("Invalid namespace ", inv.cmdlet.name, "MetadataError")


def _not_here(inv: Invocation) -> RuntimeError_:
    # Where OCS is not installed its provider registered no class: WMI's "Invalid class".
    return _wmi_error("Invalid class ", inv.cmdlet.name, "InvalidType")


def get_wmi_object(inv: Invocation) -> list[Any]:
    session = session_of(inv)
    if inv.has("Query"):
        raise inv.engine.lab_gap("Get-WmiObject -Query (the lab reads -Class, -Namespace and no -Filter on MSFT_SIPRemoteAddressData)")
    if not _is_our_class(inv):
        if to_string(inv.get("Class") or "").lower().startswith("msft_sip") and is_ocs_server(session.store, session.server):
            raise inv.engine.lab_gap(f"the OCS WMI class {to_string(inv.get('Class'))} (only MSFT_SIPRemoteAddressData)")
        return windows_cmdlets.get_wmi_object(inv)
    if not is_ocs_server(session.store, session.server):
        raise _not_here(inv)
    _check_namespace(inv)
    if inv.has("Filter"):
        raise inv.engine.lab_gap("a WQL -Filter on MSFT_SIPRemoteAddressData (the script filters what Get-WmiObject returns)")
    return [_entry_object(session, r) for r in _ocs(session.store).get("remote_addresses", [])]


def _arguments(inv: Invocation) -> dict[str, Any]:
    raw = inv.get("Arguments")
    if raw is None:
        return {}
    if not isinstance(raw, CIDict):
        raise RuntimeError_(f"Cannot bind parameter 'Arguments'. Cannot convert the \"{to_string(raw)}\" value of type "
                            f"\"{type(raw).__name__}\" to type \"System.Collections.Hashtable\".", error_id="CannotConvertArgumentNoMessage",
                            category="InvalidArgument", exception_type="System.Management.Automation.ParameterBindingException")
    values: dict[str, Any] = {}
    for key, value in raw.items():
        name = next((p for p in PROPERTIES if p.lower() == to_string(key).lower()), None)
        if name is None:
            # WMI's answer to a property the class does not have (ManagementObject's indexer).
            raise _wmi_error("Not found ", inv.cmdlet.name, "ObjectNotFound")
        values[name] = value
    return values


def _flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value != 0
    text = to_string(value).strip().lower()
    if text in ("true", "false"):
        return text == "true"
    raise RuntimeError_(f'Cannot convert value "{to_string(value)}" to type "System.Boolean".', error_id="InvalidCastParseTargetInvocation",
                        category="InvalidArgument", exception_type="System.Management.Automation.RuntimeException")


def _valid_server(text: str) -> bool:
    """An FQDN, or an IP address other than 0.0.0.0 and the multicast range (the Add Authorized Host rule)."""
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        labels = text.split(".")
        return len(text) <= 255 and len(labels) > 1 and all(label and len(label) <= 63 and label.replace("-", "").isalnum()
                                                              for label in labels)
    return not (address.is_unspecified or address.is_multicast)


def _invalid_parameter(inv: Invocation, why: str) -> RuntimeError_:
    # WBEM_E_INVALID_PARAMETER as PowerShell shows it; which property was wrong is the lab's own addition.
    return _wmi_error(f"Invalid parameter  (owa-lab: {why})", inv.cmdlet.name, "InvalidArgument")


def _find(ocs: dict[str, Any], target: Any) -> dict[str, Any] | None:
    backend = to_string(getattr(target, "properties", {}).get("Backend"))
    instance = to_string(getattr(target, "properties", {}).get("InstanceID"))
    return next((r for r in ocs["remote_addresses"] if r["Backend"].lower() == backend.lower()
                 and r["InstanceID"].lower() == instance.lower()), None)


def set_wmi_instance(inv: Invocation) -> list[Any]:
    session = session_of(inv)
    targets = to_list(inv.get("InputObject")) if inv.has("InputObject") else list(inv.input)
    if inv.has("Path") or inv.has("PutType") or inv.has("ComputerName"):
        raise inv.engine.lab_gap("Set-WmiInstance -Path, -PutType or -ComputerName")
    if not targets:
        if not _is_our_class(inv):
            raise inv.engine.lab_gap("Set-WmiInstance on classes other than MSFT_SIPRemoteAddressData")
        if not is_ocs_server(session.store, session.server):
            raise _not_here(inv)
        _check_namespace(inv)
    elif any(CLASS.lower() not in getattr(t, "type_name", "").lower() for t in targets):
        raise inv.engine.lab_gap("Set-WmiInstance -InputObject with objects other than MSFT_SIPRemoteAddressData")
    values = _arguments(inv)
    for flag in FLAGS:
        if flag in values:
            values[flag] = _flag(values[flag])
    if "Server" in values:
        values["Server"] = to_string(values["Server"]).strip()
        if not _valid_server(values["Server"]):
            raise _invalid_parameter(inv, f"Server {values['Server']!r} is not an FQDN or an allowed IP address")
    written: list[dict[str, Any]] = []
    with session.store.edit_directory() as directory:
        ocs = directory["ocs"]
        if not targets:
            # A new instance: Backend is required and names where it is stored; the Standard Edition server's is (local)\rtc.
            backend = to_string(values.get("Backend"))
            if "Backend" not in values or values["Backend"] is None:
                raise _invalid_parameter(inv, "Backend is required on creation")
            if backend.lower() != ocs["backend"].lower():
                raise _invalid_parameter(inv, f"Backend {backend!r} is not this server's ({ocs['backend']})")
            missing = [name for name in ("Server", *FLAGS) if name not in values]
            if missing:
                raise _invalid_parameter(inv, "required on creation: " + ", ".join(missing))
            instance = to_string(values.get("InstanceID") or "") or "{" + str(uuid.uuid4()).upper() + "}"
            existing = next((r for r in ocs["remote_addresses"] if r["InstanceID"].lower() == instance.lower()), None)
            record = existing if existing is not None else {"Backend": ocs["backend"], "InstanceID": instance}
            record.update({name: values[name] for name in ("Server", *FLAGS)})
            if existing is None:
                ocs["remote_addresses"].append(record)
            written.append(dict(record))
        for target in targets:
            record = _find(ocs, target)
            if record is None:
                raise _wmi_error("Not found ", inv.cmdlet.name, "ObjectNotFound")
            for key in ("Backend", "InstanceID"):
                if key in values and to_string(values[key]).lower() != to_string(record[key]).lower():
                    raise inv.engine.lab_gap(f"changing the key property {key} of an MSFT_SIPRemoteAddressData instance")
            record.update({name: values[name] for name in ("Server", *FLAGS) if name in values})
            written.append(dict(record))
    for record in written:
        session.store.log(session.server, "wmi-put", wmi_class=CLASS, host=record["Server"], instance=record["InstanceID"])
    return [_entry_object(session, r) for r in written]


def remove_wmi_object(inv: Invocation) -> list[Any]:
    session = session_of(inv)
    targets = to_list(inv.get("InputObject")) if inv.has("InputObject") else list(inv.input)
    if not targets or inv.has("Path") or inv.has("Class"):
        raise inv.engine.lab_gap("Remove-WmiObject without -InputObject (or pipeline input)")
    if any(CLASS.lower() not in getattr(t, "type_name", "").lower() for t in targets):
        raise inv.engine.lab_gap("Remove-WmiObject with objects other than MSFT_SIPRemoteAddressData")
    for target in targets:
        with session.store.edit_directory() as directory:
            ocs = directory["ocs"]
            record = _find(ocs, target)
            if record is None:
                raise _wmi_error("Not found ", inv.cmdlet.name, "ObjectNotFound")
            if is_true(inv.get("WhatIf")):
                continue
            ocs["remote_addresses"].remove(record)
        session.store.log(session.server, "wmi-delete", wmi_class=CLASS, host=record["Server"], instance=record["InstanceID"])
    return []


def wmi_cmdlets() -> dict[str, Cmdlet]:
    """Get-WmiObject (the Windows one, which also knows MSFT_SIPRemoteAddressData on an OCS server) and the two cmdlets that
    write WMI instances. Set-WmiInstance and Remove-WmiObject came with PowerShell 2.0."""
    common = [Param("Namespace"), Param("ComputerName")]
    cmdlets = [
        Cmdlet("Get-WmiObject", [Param("Class", position=0), Param("Filter"), Param("Query"), *common], get_wmi_object, aliases=("gwmi",)),
        Cmdlet("Set-WmiInstance", [Param("Class", position=0), Param("Arguments", position=1), Param("InputObject"), Param("Path"),
                                   Param("PutType"), *common], set_wmi_instance, aliases=("swmi",), supports_should_process=True),
        Cmdlet("Remove-WmiObject", [Param("Class", position=0), Param("InputObject"), Param("Path"), *common], remove_wmi_object,
               aliases=("rwmi",), supports_should_process=True),
    ]
    return {c.name: c for c in cmdlets}
