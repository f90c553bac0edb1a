"""Exchange Management Shell cmdlets over the lab's shared Active Directory store."""

from __future__ import annotations

import datetime as dt
import fnmatch
import time
import uuid
from dataclasses import dataclass
from typing import Any

from ..powershell.builtins import _HostText
from ..powershell.engine import Cmdlet, Engine, Invocation, Param
from ..powershell.values import PSCollection, PSEnum, PSObject, RuntimeError_, SwitchValue, is_true, to_list, to_string
from .. import kerberos
from ..store import Store
from .versions import IM_TYPE_NUMBERS, ExchangeVersion

VDIR_TYPE = "Microsoft.Exchange.Data.Directory.SystemConfiguration.ADOwaVirtualDirectory"
IM_TYPE_ENUM = "Microsoft.Exchange.Data.Directory.SystemConfiguration.InstantMessagingTypeOptions"
SERVICES = {"None": 0, "IMAP": 1, "POP": 2, "UM": 4, "IIS": 8, "SMTP": 16, "Federation": 32, "UMCallRouter": 64}
CERT_STATUS = ("Unknown", "Valid", "Revoked", "DateInvalid", "Untrusted", "Invalid", "RevocationCheckFailure", "PendingRequest")


@dataclass
class Session:
    """Who runs this PowerShell process, where, and how they authenticated."""

    store: Store
    server: str
    version: ExchangeVersion
    auth: str
    user: str


def session_of(inv: Invocation) -> Session:
    return inv.engine.state["session"]


def _dc(session: Session) -> str:
    return session.store.directory().get("organisation", {}).get("domain_controller", "dc01.contoso.lab")


def _task_class(name: str) -> str:
    verb, noun = name.split("-", 1)
    return f"Microsoft.Exchange.Management.SystemConfigurationTasks.{verb}{noun}"


def _not_found(session: Session, identity: str, cmdlet: str) -> RuntimeError_:
    """Exchange's "couldn't be found", which its task framework raises as a terminating error (Task.ThrowError): the
    cmdlets' callers raise it, so -ErrorAction SilentlyContinue does not suppress it and try/catch catches it."""
    return RuntimeError_(
        f"The operation couldn't be performed because object '{identity}' couldn't be found on '{_dc(session)}'.",
        error_id=f"{uuid.uuid4().hex[:8].upper()},{_task_class(cmdlet)}", category="NotSpecified",
        exception_type="Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException", target=identity, command=cmdlet)


def _certificate_not_found(session: Session, server: str, thumbprint: str) -> RuntimeError_:
    # The words an Exchange server answers Get-ExchangeCertificate -Thumbprint with for a certificate it does not hold
    # (a Microsoft Q&A report, 2025; the certificate cmdlets ask the server's Exchange service host over RPC).
    return RuntimeError_(f"A special Rpc error occurs on server {server}: The certificate with thumbprint {thumbprint} was not found.",
                         error_id=f"{uuid.uuid4().hex[:8].upper()},{_task_class('Get-ExchangeCertificate')}", category="NotSpecified",
                         exception_type="System.InvalidOperationException", command="Get-ExchangeCertificate")


def multi_valued(element_type: str, items: Any) -> PSCollection:
    """Exchange's MultiValuedProperty<T>: enumerable, not an array."""
    return PSCollection(f"Microsoft.Exchange.Data.MultiValuedProperty`1[[{element_type}]]", list(items or []))


def _check_directory_reachable(inv: Invocation) -> None:
    """The second hop: from a WinRM session that holds no credentials it can pass on (Kerberos without a delegated
    ticket, unless the CAS may delegate to the DC's LDAP service; NTLM under the lab's --ad-unreachable-ntlm), the CAS
    cannot authenticate the user to a DC."""
    session = session_of(inv)
    faults = session.store.faults(session.server)
    ldap = kerberos.service_name("ldap", _dc(session), session.store.directory()["organisation"]["domain"])
    if (session.auth in ("kerberos", "kerberos-forwardable") and not kerberos.may_delegate(session.store, session.server, session.auth,
                                                                                            ldap)) or (
            faults.get("ad_unreachable_ntlm") and session.auth == "ntlm"):
        raise RuntimeError_(
            f"Active Directory operation failed on {_dc(session)}. This error is not retriable. Additional information: "
            "An operations error occurred.\r\nActive directory response: 000004DC: LdapErr: DSID-0C0906E8, comment: "
            "In order to perform this operation a successful bind must be completed on the connection., data 0, v1db1",
            error_id=f"{uuid.uuid4().hex[:8].upper()},{_task_class(inv.cmdlet.name)}", category="NotSpecified",
            exception_type="Microsoft.Exchange.Data.Directory.ADOperationException", command=inv.cmdlet.name)


def _check_directory_writable(inv: Invocation) -> None:
    """An account without write rights on the object: the domain controller refuses the modify (LDAP error 50)."""
    session = session_of(inv)
    if session.store.faults(session.server).get("ad_write_denied"):
        raise RuntimeError_(
            f"Active Directory operation failed on {_dc(session)}. This error is not retriable. Additional information: "
            "Insufficient access rights to perform the operation.\r\nActive directory response: 00002098: SecErr: "
            "DSID-03150BC1, problem 4003 (INSUFF_ACCESS_RIGHTS), data 0",
            error_id=f"{uuid.uuid4().hex[:8].upper()},{_task_class(inv.cmdlet.name)}", category="NotSpecified",
            exception_type="Microsoft.Exchange.Data.Directory.ADOperationException", command=inv.cmdlet.name)


# ----- conversions (PowerShell's binder messages) ---------------------------------------------------
def convert_bool(value: Any, name: str) -> Any:
    if value is None:
        return None
    if isinstance(value, (bool, SwitchValue)):
        return bool(value)
    if isinstance(value, int):
        return value != 0
    raise RuntimeError_(
        f'Cannot convert value "{type(value).__name__ == "str" and "System.String" or to_string(value)}" to type "System.Boolean". '
        "Boolean parameters accept only Boolean values and numbers, such as $True, $False, 1 or 0.")


def convert_string(value: Any, name: str) -> Any:
    if value is None:
        return None
    if isinstance(value, list):
        if len(value) == 1:
            return to_string(value[0])
        raise RuntimeError_(f'Cannot convert \'{to_string(value)}\' to the type \'System.String\' required by parameter \'{name}\'. '
                            "Specified method is not supported.")
    return to_string(value)


def convert_im_type(value: Any, name: str) -> Any:
    if value is None:
        return None
    names = IM_TYPE_NUMBERS
    if isinstance(value, PSEnum):
        value = value.name
    if isinstance(value, int) and not isinstance(value, bool):
        if value in names.values():
            return PSEnum(IM_TYPE_ENUM, names, value)
    text = to_string(value).strip()
    if text.isdigit() and int(text) in names.values():
        return PSEnum(IM_TYPE_ENUM, names, int(text))
    for key in names:
        if key.lower() == text.lower():
            return PSEnum(IM_TYPE_ENUM, names, key)
    raise RuntimeError_(
        f'Cannot convert value "{to_string(value)}" to type "{IM_TYPE_ENUM}" due to invalid enumeration values. '
        f'Specify one of the following enumeration values and try again. The possible enumeration values are "{", ".join(names)}".')


# ----- objects -------------------------------------------------------------------------------------
def vdir_identity(record: dict[str, Any]) -> str:
    return f"{record['server']}\\{record['name']}"


def vdir_object(record: dict[str, Any], organisation: dict[str, Any]) -> PSObject:
    im_type = record.get("InstantMessagingType")
    properties: dict[str, Any] = {
        "InstantMessagingCertificateThumbprint": record.get("InstantMessagingCertificateThumbprint"),
        "InstantMessagingServerName": record.get("InstantMessagingServerName"),
        "InstantMessagingEnabled": record.get("InstantMessagingEnabled"),
        "InstantMessagingType": PSEnum(IM_TYPE_ENUM, IM_TYPE_NUMBERS, im_type) if im_type is not None else None,
        "DefaultDomain": "",
        "LogonFormat": "FullDomain",
        "ClientAuthCleanupLevel": "High",
        "InternalAuthenticationMethods": multi_valued("Microsoft.Exchange.Data.Directory.SystemConfiguration.AuthenticationMethod",
                                                      record.get("InternalAuthenticationMethods", ["Basic", "Fba"])),
        "ExternalAuthenticationMethods": multi_valued("Microsoft.Exchange.Data.Directory.SystemConfiguration.AuthenticationMethod",
                                                      record.get("ExternalAuthenticationMethods", ["Fba"])),
        "FormsAuthentication": True,
        "BasicAuthentication": True,
        "WindowsAuthentication": False,
        "MetabasePath": f"IIS://{record['fqdn']}/W3SVC/1/ROOT/owa",
        "Path": record.get("path", ""),
        "Server": record["server"],
        "InternalUrl": record.get("InternalUrl"),
        "ExternalUrl": record.get("ExternalUrl"),
        "AdminDisplayName": "",
        "ExchangeVersion": "0.10 (14.0.100.0)",
        "OwaVersion": "Exchange2010" if record.get("version", "2010").startswith("2010") else "Exchange2013",
        "Name": record["name"],
        "DistinguishedName": (f"CN={record['name']},CN=HTTP,CN=Protocols,CN={record['server']},CN=Servers,"
                              f"CN=Exchange Administrative Group (FYDIBOHF23SPDLT),CN=Administrative Groups,"
                              f"CN={organisation.get('name', 'Contoso')},CN=Microsoft Exchange,CN=Services,"
                              f"CN=Configuration,{organisation.get('domain_dn', 'DC=contoso,DC=lab')}"),
        "Identity": vdir_identity(record),
        "Guid": record["guid"],
        "ObjectCategory": f"{organisation.get('domain', 'contoso.lab')}/Configuration/Schema/ms-Exch-OWA-Virtual-Directory",
        "WhenChanged": _date(record.get("WhenChanged")),
        "WhenCreated": _date(record.get("WhenCreated")),
        "OriginatingServer": organisation.get("domain_controller", "dc01.contoso.lab"),
        "IsValid": True,
    }
    return PSObject(VDIR_TYPE, properties, display=["Name", "Server", "OwaVersion"], text=vdir_identity(record))


def _date(value: Any) -> Any:
    if value is None:
        return None
    return dt.datetime.fromtimestamp(float(value))


def server_object(name: str, record: dict[str, Any], version: ExchangeVersion) -> PSObject:
    return PSObject("Microsoft.Exchange.Data.Directory.Management.ExchangeServer", {
        "Name": name,
        "Fqdn": record["fqdn"],
        "Site": record.get("site", "contoso.lab/Configuration/Sites/Default-First-Site-Name"),
        "ServerRole": record.get("roles", "Mailbox, ClientAccess, HubTransport"),
        "Edition": record.get("edition", "Enterprise"),
        "AdminDisplayVersion": version.display,
        "IsClientAccessServer": True,
        "IsExchange2007OrLater": True,
        "Identity": name,
    }, display=["Name", "Site", "ServerRole", "Edition", "AdminDisplayVersion"], text=name)


def certificate_object(server: str, fqdn: str, record: dict[str, Any], now: dt.datetime) -> PSObject:
    not_before = dt.datetime.fromisoformat(record["not_before"])
    not_after = dt.datetime.fromisoformat(record["not_after"])
    status = record.get("status") or ("DateInvalid" if not (not_before <= now <= not_after) else "Valid")
    services = 0
    for service in record.get("services", []):
        services |= SERVICES[service]
    return PSObject("Microsoft.Exchange.Management.SystemConfigurationTasks.ExchangeCertificate", {
        "AccessRules": None,
        "CertificateDomains": multi_valued("Microsoft.Exchange.Data.SmtpDomainWithSubdomains", record.get("domains", [])),
        "HasPrivateKey": True,
        "IsSelfSigned": record.get("self_signed", False),
        "Issuer": record["issuer"],
        "NotAfter": not_after,
        "NotBefore": not_before,
        "PublicKeySize": 2048,
        "RootCAType": "None" if record.get("self_signed") else "Enterprise",
        "SerialNumber": record["serial"],
        "Services": PSEnum("Microsoft.Exchange.Management.SystemConfigurationTasks.AllowedServices", SERVICES, services, flags=True),
        "Status": status,
        "Subject": record["subject"],
        "Thumbprint": record["thumbprint"],
        "Identity": f"{fqdn}\\{record['thumbprint']}",
        "FriendlyName": record.get("friendly_name", ""),
    }, display=["Thumbprint", "Services", "Subject"], text=f"[Subject]\r\n  {record['subject']}")


def policy_object(record: dict[str, Any]) -> PSObject:
    im_type = record.get("InstantMessagingType")
    return PSObject("Microsoft.Exchange.Data.Directory.SystemConfiguration.OwaMailboxPolicy", {
        "Name": record["name"],
        "InstantMessagingEnabled": record.get("InstantMessagingEnabled", True),
        "InstantMessagingType": PSEnum(IM_TYPE_ENUM, IM_TYPE_NUMBERS, im_type) if im_type is not None else None,
        "IsDefault": record.get("IsDefault", False),
        "Identity": record["name"],
    }, display=["Name", "IsDefault"], text=record["name"])


# ----- identity resolution -------------------------------------------------------------------------
def _match_vdirs(session: Session, identity: Any, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if isinstance(identity, PSObject):
        identity = identity.properties.get("Identity")
    text = to_string(identity).strip()
    try:
        guid = str(uuid.UUID(text))
        return [r for r in records if r["guid"] == guid]
    except ValueError:
        pass
    if text.upper().startswith("CN="):
        parts = [p.split("=", 1)[1] for p in text.split(",") if "=" in p]
        if len(parts) >= 4:
            return [r for r in records if r["name"].lower() == parts[0].lower() and r["server"].lower() == parts[3].lower()]
        return []
    if "\\" in text:
        server, name = text.split("\\", 1)
    else:
        # A bare name means this server's directory, as the Exchange Management Shell resolves it.
        server, name = session.server, text
    return [r for r in records
            if fnmatch.fnmatchcase(r["server"].lower(), server.lower()) and fnmatch.fnmatchcase(r["name"].lower(), name.lower())]


# ----- cmdlets ---------------------------------------------------------------------------------------
def get_owa_virtual_directory(inv: Invocation) -> list[Any]:
    session = session_of(inv)
    _check_directory_reachable(inv)
    directory = session.store.directory()
    records = directory.get("owa_virtual_directories", [])
    organisation = directory.get("organisation", {})
    if inv.has("Identity") and inv.has("Server"):
        raise RuntimeError_("Parameter set cannot be resolved using the specified named parameters.",
                            error_id="AmbiguousParameterSet,Microsoft.Exchange.Management.SystemConfigurationTasks.GetOwaVirtualDirectory",
                            category="InvalidArgument", exception_type="System.Management.Automation.ParameterBindingException",
                            command=inv.cmdlet.name)
    identities = to_list(inv.get("Identity")) if inv.has("Identity") else [item for item in inv.input]
    output: list[Any] = []
    if identities:
        for identity in identities:
            matched = _match_vdirs(session, identity, records)
            if not matched:
                raise _not_found(session, to_string(identity.properties.get("Identity") if isinstance(identity, PSObject) else identity),
                                 inv.cmdlet.name)
            output.extend(vdir_object(r, organisation) for r in matched)
        return output
    if inv.has("Server"):
        server = to_string(inv.get("Server")).split(".")[0]
        if server.upper() not in directory.get("servers", {}):
            raise _not_found(session, to_string(inv.get("Server")), inv.cmdlet.name)
        return [vdir_object(r, organisation) for r in records if r["server"].lower() == server.lower()]
    return [vdir_object(r, organisation) for r in records]


_SETTABLE = ("InstantMessagingEnabled", "InstantMessagingType", "InstantMessagingServerName",
             "InstantMessagingCertificateThumbprint", "InternalUrl", "ExternalUrl")


def set_owa_virtual_directory(inv: Invocation) -> list[Any]:
    session = session_of(inv)
    targets = to_list(inv.get("Identity")) if inv.has("Identity") else list(inv.input)
    if not targets:
        raise RuntimeError_("Cannot process command because of one or more missing mandatory parameters: Identity.",
                            error_id="MissingMandatoryParameter,Microsoft.Exchange.Management.SystemConfigurationTasks.SetOwaVirtualDirectory",
                            category="InvalidArgument", exception_type="System.Management.Automation.ParameterBindingException",
                            command=inv.cmdlet.name)
    changes = {name: inv.get(name) for name in _SETTABLE if inv.has(name)}
    if "InstantMessagingType" in changes and changes["InstantMessagingType"] is not None:
        changes["InstantMessagingType"] = changes["InstantMessagingType"].name
    for identity in targets:
        _check_directory_reachable(inv)
        label = to_string(identity.properties.get("Identity") if isinstance(identity, PSObject) else identity)
        if not is_true(inv.get("WhatIf")):
            _check_directory_writable(inv)
        if is_true(inv.get("WhatIf")):
            matched = _match_vdirs(session, identity, session.store.directory().get("owa_virtual_directories", []))
            if not matched:
                raise _not_found(session, label, inv.cmdlet.name)
            return [_HostText(f'What if: Configuring Outlook Web App virtual directory "{vdir_identity(matched[0])}".')]
        with session.store.edit_directory() as directory:
            records = directory.get("owa_virtual_directories", [])
            matched = _match_vdirs(session, identity, records)
            if not matched:
                raise _not_found(session, label, inv.cmdlet.name)
            if len(matched) > 1:
                inv.error(RuntimeError_(
                    f"The operation couldn't be performed because '{label}' matches multiple entries.",
                    error_id=f"{uuid.uuid4().hex[:8].upper()},{_task_class(inv.cmdlet.name)}",
                    exception_type="Microsoft.Exchange.Configuration.Tasks.ManagementObjectAmbiguousException", command=inv.cmdlet.name))
                continue
            record = matched[0]
            modified = {k: v for k, v in changes.items() if record.get(k) != v}
            if modified:
                record.update(modified)
                record["WhenChanged"] = time.time()
        session.store.log(session.server, "ad-change", object=vdir_identity(record), changes=modified)
        if not modified:
            inv.engine.warnings.append(
                f"The command completed successfully but no settings of '{vdir_identity(record)}' have been modified.")
    return []


def get_exchange_server(inv: Invocation) -> list[Any]:
    from .versions import VERSIONS
    session = session_of(inv)
    _check_directory_reachable(inv)
    servers = session.store.directory().get("servers", {})
    if inv.has("Identity"):
        wanted = to_string(inv.get("Identity")).split(".")[0].upper()
        if wanted not in servers:
            raise _not_found(session, to_string(inv.get("Identity")), inv.cmdlet.name)
        return [server_object(wanted, servers[wanted], VERSIONS[servers[wanted]["version"]])]
    return [server_object(name, record, VERSIONS[record["version"]]) for name, record in sorted(servers.items())]


# The Autodiscover service's Service Connection Point: its class name and keyword GUID are fixed (the ClientAccessServer
# members of the Exchange 2010 SDK list AutoDiscoverServiceClassName and AutoDiscoverServiceGuid).
_AUTODISCOVER_SCP_CLASS = "ms-Exchange-AutoDiscover-Service"
_AUTODISCOVER_SCP_GUID = "77378f46-2c66-4aa9-a6a6-3e7a48b19596"


def client_access_server_object(name: str, record: dict[str, Any], version: ExchangeVersion) -> PSObject:
    """Microsoft.Exchange.Data.Directory.Management.ClientAccessServer, with the properties the Exchange 2010 SDK lists
    for the type (ff344046(v=exchg.140)). Setup points the internal Autodiscover URI at the server's own FQDN and
    scopes the SCP to the server's site; Outlook Anywhere is off until enabled. ClientAccessArray is 2010's only."""
    site = str(record.get("site", "contoso.lab/Configuration/Sites/Default-First-Site-Name")).rsplit("/", 1)[-1]
    properties: dict[str, Any] = {
        "Name": name,
        "Fqdn": record["fqdn"],
        "AutoDiscoverServiceInternalUri": record.get("autodiscover_internal_uri", f"https://{record['fqdn']}/Autodiscover/Autodiscover.xml"),
        "AutoDiscoverServiceClassName": _AUTODISCOVER_SCP_CLASS,
        "AutoDiscoverServiceGuid": _AUTODISCOVER_SCP_GUID,
        "AutoDiscoverSiteScope": multi_valued("System.String", record.get("autodiscover_site_scope", [site])),
        "OutlookAnywhereEnabled": bool(record.get("outlook_anywhere_enabled", False)),
        "AlternateServiceAccountConfiguration": None,
        "IsValid": True,
        "Identity": name,
    }
    if version.ps_version < 3:
        properties["ClientAccessArray"] = None
    # Exchange's format view for the type is not documented; owa-lab lays the object out by its own rule.
    return PSObject("Microsoft.Exchange.Data.Directory.Management.ClientAccessServer", properties, text=name)


def _is_client_access(record: dict[str, Any]) -> bool:
    return "clientaccess" in str(record.get("roles", "Mailbox, ClientAccess, HubTransport")).replace(" ", "").lower().split(",")


def get_client_access_server(inv: Invocation) -> list[Any]:
    """Get-ClientAccessServer [[-Identity] <server>]: every server of the organisation with the Client Access role, or
    the one named (by name or FQDN, or an object piped in); one it cannot find is Exchange's terminating "couldn't be
    found" (ManagementObjectNotFoundException), as for Get-ExchangeServer."""
    from .versions import VERSIONS
    session = session_of(inv)
    for switch in ("IncludeAlternateServiceAccountCredentialStatus", "IncludeAlternateServiceAccountCredentialPassword"):
        if inv.has(switch):
            raise inv.engine.lab_gap(f"Get-ClientAccessServer -{switch} (the lab's servers have no alternate service account)")
    _check_directory_reachable(inv)
    servers = {name: record for name, record in session.store.directory().get("servers", {}).items() if _is_client_access(record)}
    wanted = to_list(inv.get("Identity")) if inv.has("Identity") else list(inv.input)
    if not wanted:
        return [client_access_server_object(name, record, VERSIONS[record["version"]]) for name, record in sorted(servers.items())]
    found: list[Any] = []
    for identity in wanted:
        text = to_string(identity.properties.get("Identity") if isinstance(identity, PSObject) else identity)
        name = text.split(".")[0].upper()
        if name not in servers:
            raise _not_found(session, text, inv.cmdlet.name)
        found.append(client_access_server_object(name, servers[name], VERSIONS[servers[name]["version"]]))
    return found


def get_exchange_certificate(inv: Invocation) -> list[Any]:
    session = session_of(inv)
    server = to_string(inv.get("Server")).split(".")[0].upper() if inv.has("Server") else session.server
    servers = session.store.directory().get("servers", {})
    if server not in servers:
        raise _not_found(session, to_string(inv.get("Server")), inv.cmdlet.name)
    now = inv.engine.state["clock"]()
    host = session.store.host(server)
    certificates = [certificate_object(server, servers[server]["fqdn"], c, now) for c in host.get("certificates", [])]
    wanted = inv.get("Thumbprint") if inv.has("Thumbprint") else inv.get("Identity")
    if wanted is not None:
        text = to_string(wanted).split("\\")[-1]
        chosen = [c for c in certificates if to_string(c.properties["Thumbprint"]).lower() == text.lower()]
        if not chosen:
            raise _certificate_not_found(session, server, text)
        return chosen
    return certificates


def get_owa_mailbox_policy(inv: Invocation) -> list[Any]:
    session = session_of(inv)
    _check_directory_reachable(inv)
    policies = session.store.directory().get("owa_mailbox_policies", [])
    if inv.has("Identity"):
        wanted = to_string(inv.get("Identity"))
        chosen = [p for p in policies if fnmatch.fnmatchcase(p["name"].lower(), wanted.lower())]
        if not chosen:
            raise _not_found(session, wanted, inv.cmdlet.name)
        return [policy_object(p) for p in chosen]
    return [policy_object(p) for p in policies]


def set_owa_mailbox_policy(inv: Invocation) -> list[Any]:
    session = session_of(inv)
    _check_directory_reachable(inv)
    targets = to_list(inv.get("Identity")) if inv.has("Identity") else list(inv.input)
    for target in targets:
        name = to_string(target.properties.get("Identity") if isinstance(target, PSObject) else target)
        with session.store.edit_directory() as directory:
            chosen = [p for p in directory.get("owa_mailbox_policies", []) if p["name"].lower() == name.lower()]
            if not chosen:
                raise _not_found(session, name, inv.cmdlet.name)
            for key in ("InstantMessagingEnabled", "InstantMessagingType"):
                if inv.has(key):
                    value = inv.get(key)
                    chosen[0][key] = value.name if isinstance(value, PSEnum) else value
        session.store.log(session.server, "ad-change", object=name, changes={k: to_string(inv.get(k)) for k in
                                                                              ("InstantMessagingEnabled", "InstantMessagingType") if inv.has(k)})
    return []


def exchange_cmdlets(version: ExchangeVersion | None = None) -> dict[str, Cmdlet]:
    """The snap-in's cmdlets with the parameters ``version`` has (a parameter it lacks is refused, as PowerShell refuses
    any parameter a cmdlet does not declare)."""
    identity = Param("Identity", position=0)
    common_dc = Param("DomainController")
    vdir_params = [identity, Param("Server"), common_dc]
    if version is None or version.vdir_ad_properties_only:
        vdir_params.append(Param("ADPropertiesOnly", "switch"))
    if version is None or version.vdir_show_mailbox:
        vdir_params.append(Param("ShowMailboxVirtualDirectories", "switch"))
    cmdlets = [
        Cmdlet("Get-OwaVirtualDirectory", vdir_params, get_owa_virtual_directory),
        Cmdlet("Set-OwaVirtualDirectory", [
            identity, common_dc,
            Param("InstantMessagingEnabled", convert=convert_bool),
            Param("InstantMessagingType", convert=convert_im_type),
            Param("InstantMessagingServerName", convert=convert_string),
            Param("InstantMessagingCertificateThumbprint", convert=convert_string),
            Param("InternalUrl", convert=convert_string), Param("ExternalUrl", convert=convert_string),
        ], set_owa_virtual_directory, supports_should_process=True),
        Cmdlet("Get-ExchangeServer", [identity, common_dc, Param("Status", "switch")], get_exchange_server),
        Cmdlet("Get-ClientAccessServer", [identity, common_dc, Param("IncludeAlternateServiceAccountCredentialStatus", "switch"),
                                          Param("IncludeAlternateServiceAccountCredentialPassword", "switch")], get_client_access_server),
        Cmdlet("Get-ExchangeCertificate", [identity, Param("Thumbprint"), Param("Server"), Param("DomainName"), Param("Instance"), common_dc],
               get_exchange_certificate),
        Cmdlet("Get-OwaMailboxPolicy", [identity, common_dc], get_owa_mailbox_policy),
        Cmdlet("Set-OwaMailboxPolicy", [identity, common_dc, Param("InstantMessagingEnabled", convert=convert_bool),
                                        Param("InstantMessagingType", convert=convert_im_type)],
               set_owa_mailbox_policy, supports_should_process=True),
    ]
    from .setting_overrides import setting_override_cmdlets  # imported here: that module imports this one
    cmdlets.extend(setting_override_cmdlets(version))
    return {c.name: c for c in cmdlets}


# ----- snap-ins --------------------------------------------------------------------------------------
def registered_snapins(session: Session) -> list[str]:
    host = session.store.host(session.server)
    if host.get("exchange_installed", True) is False:
        return []
    return [session.version.snapin]


def _snapin_object(name: str) -> PSObject:
    return PSObject("System.Management.Automation.PSSnapInInfo", {"Name": name, "PSVersion": "1.0", "Description": "Admin Tasks for the Exchange Server"},
                    display=["Name", "PSVersion", "Description"], text=name)


def add_pssnapin(inv: Invocation) -> list[Any]:
    session = session_of(inv)
    engine: Engine = inv.engine
    for name in to_list(inv.get("Name")):
        text = to_string(name)
        if text.lower() not in (s.lower() for s in registered_snapins(session)):
            inv.error(RuntimeError_(f"The Windows PowerShell snap-in '{text}' is not installed on this machine.",
                                    error_id="AddPSSnapInRead,Microsoft.PowerShell.Commands.AddPSSnapinCommand",
                                    category="InvalidArgument", exception_type="System.Management.Automation.PSArgumentException",
                                    target=text, command="Add-PSSnapin"))
            continue
        loaded = engine.state.setdefault("snapins", [])
        if text.lower() in (s.lower() for s in loaded):
            inv.error(RuntimeError_(f"Cannot add Windows PowerShell snap-in {text} because it is already added. "
                                    "Verify the name of the snap-in and try again.",
                                    error_id="AddPSSnapInRead,Microsoft.PowerShell.Commands.AddPSSnapinCommand",
                                    category="InvalidArgument", exception_type="System.Management.Automation.PSArgumentException",
                                    target=text, command="Add-PSSnapin"))
            continue
        delay = float(session.store.faults(session.server).get("snapin_load_seconds", 0) or 0)
        if delay:
            time.sleep(delay)
        session.store.log(session.server, "snapin-load", snapin=text, seconds=delay)
        loaded.append(text)
        for cmdlet in exchange_cmdlets(session.version).values():
            engine.commands[cmdlet.name] = cmdlet
    return []


def get_pssnapin(inv: Invocation) -> list[Any]:
    session = session_of(inv)
    registered = bool(inv.get("Registered"))
    available = registered_snapins(session) if registered else list(inv.engine.state.get("snapins", []))
    if not registered:
        available = ["Microsoft.PowerShell.Core"] + available
    names = [to_string(n) for n in to_list(inv.get("Name"))] if inv.has("Name") else ["*"]
    chosen = [s for s in available if any(fnmatch.fnmatchcase(s.lower(), n.lower()) for n in names)]
    for name in names:
        if "*" not in name and not any(s.lower() == name.lower() for s in chosen):
            inv.error(RuntimeError_(f"No Windows PowerShell snap-ins matching the pattern '{name}' were found. "
                                    "Check the pattern and then try the command again.",
                                    error_id="NoPSSnapInsFound,Microsoft.PowerShell.Commands.GetPSSnapinCommand",
                                    category="InvalidArgument", exception_type="System.ArgumentException", target=name,
                                    command="Get-PSSnapin"))
    return [_snapin_object(s) for s in chosen]


def snapin_cmdlets() -> dict[str, Cmdlet]:
    cmdlets = [
        Cmdlet("Add-PSSnapin", [Param("Name", position=0), Param("PassThru", "switch")], add_pssnapin, aliases=("asnp",)),
        Cmdlet("Get-PSSnapin", [Param("Name", position=0), Param("Registered", "switch")], get_pssnapin, aliases=("gsnp",)),
    ]
    return {c.name: c for c in cmdlets}


def types() -> dict[str, Any]:
    return {"microsoft.exchange.data.directory.systemconfiguration.instantmessagingtypeoptions":
            lambda value: convert_im_type(value, "InstantMessagingType")}

