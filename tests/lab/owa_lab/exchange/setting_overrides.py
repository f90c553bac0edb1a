"""Exchange 2016/2019 setting overrides and the VariantConfiguration refresh that makes a server read them.

What the lab follows (tests/lab/README.md, "Setting overrides (Exchange 2016 and later)", lists every source):
- The cmdlets and their parameters: the New-, Get-, Set- and Remove-SettingOverride and Get-ExchangeDiagnosticInfo
  references (MicrosoftDocs/office-docs-powershell). Mandatory and ValidateNotNullOrEmpty flags, the Name position, the
  container "CN=Setting Overrides,CN=Global Settings" and the object's property names (ComponentName, SectionName,
  ModifiedBy, ...) are those of the decompiled Exchange 15.00.1497 task and data classes (NewOverrideBase,
  NewSettingOverride, SettingOverride).
- IM on Outlook on the web: "Configure instant messaging integration with Outlook on the web in Exchange"
  (learn.microsoft.com/exchange/clients/outlook-on-the-web/instant-messaging-integration): component OwaServer,
  section IMSettings, parameters IMServerName and IMCertificateThumbprint; no -Server means every server, -Server
  names one server; a refresh (Get-ExchangeDiagnosticInfo ... -Argument Refresh) and a restart of the OWA pool follow.
- The refresh reads every override, marks each Accepted, NotApplicable or Invalid for the server, and answers
  <VariantConfiguration><Overrides Updated="..."> with one <SettingOverride> per override (decompiled
  SettingOverrideSync.GetDiagnosticInfo); Get-ExchangeDiagnosticInfo wraps it in <Diagnostics><Components>, as the
  IM article's own [xml]$diag.Diagnostics.Components.VariantConfiguration... reads it.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import re
import time
import uuid
from typing import Any
from xml.sax.saxutils import escape

from ..powershell.engine import Cmdlet, Invocation, LabGap, Param
from ..powershell.values import PSObject, RuntimeError_, is_true, to_list, to_string
from .cmdlets import _check_directory_reachable, _check_directory_writable, _dc, multi_valued, session_of
from .versions import VERSIONS, ExchangeVersion

OVERRIDE_TYPE = "Microsoft.Exchange.Data.Directory.SystemConfiguration.ConfigurationSettings.SettingOverride"
DIAGNOSTIC_TYPE = "Microsoft.Exchange.Management.Powershell.Support.ExchangeDiagnosticInfoResult"
_TASKS = "Microsoft.Exchange.Management.SystemConfigurationTasks.ConfigurationSettings"
# The versions whose OWA reads IMSettings from setting overrides (the IM article covers Exchange 2016 and 2019).
OVERRIDE_VERSIONS = ("2016", "2019", "se")  # se: Subscription Edition, the same mechanism as 2019
# The only component and section the lab knows the schema of, and that section's parameters (the IM article's).
IM_COMPONENT, IM_SECTION = "OwaServer", "IMSettings"
IM_PARAMETERS = ("IMServerName", "IMCertificateThumbprint")
TOPOLOGY_SERVICE = "Microsoft.Exchange.Directory.TopologyService"
# Host state key the refresh writes and OWA's worker reads (owa_web.im_provider_event).
HOST_KEY = "variant_configuration"


def _task_id(cmdlet: str) -> str:
    verb, noun = cmdlet.split("-", 1)
    return f"{_TASKS}.{verb}{noun}"


def _error(inv: Invocation, message: str, exception_type: str, category: str = "NotSpecified", target: Any = None) -> RuntimeError_:
    # Exchange's task framework writes its errors with ThrowTerminatingError (see exchange/cmdlets.py's _not_found).
    return RuntimeError_(message, error_id=f"{uuid.uuid4().hex[:8].upper()},{_task_id(inv.cmdlet.name)}", category=category,
                         exception_type=exception_type, target=target, command=inv.cmdlet.name)


def _not_found(inv: Invocation, identity: str) -> RuntimeError_:
    session = session_of(inv)
    return _error(inv, f"The operation couldn't be performed because object '{identity}' couldn't be found on '{_dc(session)}'.",
                  "Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException", target=identity)


def _missing(inv: Invocation, names: list[str]) -> RuntimeError_:
    # PowerShell's non-interactive answer to unbound mandatory parameters (a WinRM shell cannot prompt).
    return RuntimeError_(f"Cannot process command because of one or more missing mandatory parameters: {' '.join(names)}.",
                         error_id=f"MissingMandatoryParameter,{_task_id(inv.cmdlet.name)}", category="InvalidArgument",
                         exception_type="System.Management.Automation.ParameterBindingException", command=inv.cmdlet.name)


def _null_or_empty(inv: Invocation, name: str, collection: bool) -> RuntimeError_:
    # ValidateNotNullOrEmpty's two messages (PowerShell's Metadata resources), for a string and for a collection.
    reason = ("The argument is null, empty, or an element of the argument collection contains a null value. Supply a collection "
              "that does not contain any null values and then try the command again." if collection else
              "The argument is null or empty. Provide an argument that is not null or empty, and then try the command again.")
    return RuntimeError_(f"Cannot validate argument on parameter '{name}'. {reason}",
                         error_id=f"ParameterArgumentValidationError,{_task_id(inv.cmdlet.name)}", category="InvalidData",
                         exception_type="System.Management.Automation.ParameterBindingValidationException", command=inv.cmdlet.name)


# ----- conversions -----------------------------------------------------------------------------------
def convert_strings(value: Any, name: str) -> Any:
    """MultiValuedProperty<string> and string[]: one string or several; $null stays $null (Set's "clear")."""
    if value is None:
        return None
    if isinstance(value, dict):
        # @{Add=...; Remove=...} edits a multi-valued property in place on a real server.
        raise LabGap(f"owa-lab does not emulate -{name} @{{Add=...; Remove=...}}; a real server may accept it.")
    return [to_string(item) for item in to_list(value)]


def convert_version(value: Any, name: str) -> Any:
    """System.Version: two to four numbers; leading zeros go (the reference: 15.01.0225.042 is stored as 15.1.225.42)."""
    if value is None:
        return None
    text = to_string(value).strip()
    if not re.fullmatch(r"\d+(\.\d+){1,3}", text):
        raise RuntimeError_(f'Cannot convert value "{text}" to type "System.Version". Error: "Version string portion was too short or too long."')
    return ".".join(str(int(part)) for part in text.split("."))


def _version_tuple(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split("."))


# ----- records and objects ---------------------------------------------------------------------------
def override_dn(record: dict[str, Any], organisation: dict[str, Any]) -> str:
    return (f"CN={record['name']},CN=Setting Overrides,CN=Global Settings,CN={organisation.get('name', 'Contoso')},"
            f"CN=Microsoft Exchange,CN=Services,CN=Configuration,{organisation.get('domain_dn', 'DC=contoso,DC=lab')}")


def _date(value: Any) -> Any:
    return None if value is None else dt.datetime.fromtimestamp(float(value))


def override_object(record: dict[str, Any], organisation: dict[str, Any]) -> PSObject:
    servers = record.get("server") or []
    properties: dict[str, Any] = {
        "ComponentName": record.get("component"),
        "SectionName": record.get("section"),
        "FlightName": None,
        "ModifiedBy": record.get("modified_by"),
        "Reason": record.get("reason"),
        # System.Version on a real server; the lab keeps the normalised text.
        "MinVersion": record.get("min_version"),
        "MaxVersion": record.get("max_version"),
        "FixVersion": record.get("fix_version"),
        "Server": list(servers) if servers else None,
        "Parameters": multi_valued("System.String", record.get("parameters", [])),
        "Name": record["name"],
        "DistinguishedName": override_dn(record, organisation),
        "Identity": record["name"],
        "Guid": record["guid"],
        "WhenChanged": _date(record.get("WhenChanged")),
        "WhenCreated": _date(record.get("WhenCreated")),
        "OriginatingServer": organisation.get("domain_controller", "dc01.contoso.lab"),
        "IsValid": True,
    }
    # Exchange's format view for the type is not documented; owa-lab lays the object out by its own rule.
    return PSObject(OVERRIDE_TYPE, properties, text=record["name"])


def _identity_text(value: Any) -> str:
    return to_string(value.properties.get("Identity") if isinstance(value, PSObject) else value).strip()


def _match(records: list[dict[str, Any]], identity: str, organisation: dict[str, Any]) -> list[dict[str, Any]]:
    """SettingOverrideIdParameter: a name, a distinguished name or a GUID (the references' "Identity")."""
    try:
        guid = str(uuid.UUID(identity))
        return [r for r in records if r["guid"] == guid]
    except ValueError:
        pass
    lowered = identity.lower()
    return [r for r in records if r["name"].lower() == lowered or override_dn(r, organisation).lower() == lowered]


def _check_parameters(inv: Invocation, component: str, section: str, parameters: list[str]) -> None:
    """What the lab checks of an override before it is written (Exchange validates against the component's schema)."""
    if component.lower() != IM_COMPONENT.lower() or section.lower() != IM_SECTION.lower():
        raise inv.engine.lab_gap(f"setting overrides of component '{component}' section '{section}' (it knows {IM_COMPONENT} {IM_SECTION})")
    for line in parameters:
        if "=" not in line or not line.split("=", 1)[0].strip():
            # Exchange refuses it (SettingOverrideInvalidParameterSyntaxException, decompiled SettingOverride.Validate);
            # the exception's text is a resource string no source we found quotes, so these words are owa-lab's.
            error = _error(inv, f"owa-lab: Exchange refuses the parameter '{line}' of component {component} section {section}: it is not of "
                                "the form Name=Value (the text of Exchange's own error is not known).",
                           "Microsoft.Exchange.Data.Directory.SettingOverrideInvalidParameterSyntaxException", category="InvalidOperation")
            if is_true(inv.get("Force")):
                # -Force turns a validation error into a warning (decompiled NewOverrideBase.InternalBeginProcessing).
                inv.engine.warnings.append(error.message)
                continue
            raise error
        key = line.split("=", 1)[0].strip()
        if key.lower() not in (p.lower() for p in IM_PARAMETERS):
            raise inv.engine.lab_gap(f"the {IM_SECTION} parameter '{key}' (it knows {', '.join(IM_PARAMETERS)})")


def _refuse_prompt(inv: Invocation, default_prompts: bool) -> None:
    # A confirmation prompt cannot be answered in a WinRM session; the lab does not emulate the prompt at all.
    confirm = inv.get("Confirm")
    if (inv.has("Confirm") and is_true(confirm)) or (default_prompts and not inv.has("Confirm")):
        raise inv.engine.lab_gap(f"the confirmation prompt of {inv.cmdlet.name} (pass -Confirm:$false)")
    if is_true(inv.get("WhatIf")):
        raise inv.engine.lab_gap(f"{inv.cmdlet.name} -WhatIf (Exchange's confirmation text for it is not known)")


def _modified_by(inv: Invocation) -> str:
    session = session_of(inv)
    domain = session.store.directory().get("organisation", {}).get("domain", "contoso.lab")
    return f"{domain}/Users/{session.user.split(chr(92))[-1]}"


# ----- cmdlets ---------------------------------------------------------------------------------------
def new_setting_override(inv: Invocation) -> list[Any]:
    session = session_of(inv)
    # The syntax line's order; the order PowerShell lists missing parameters in is owa-lab's assumption.
    missing = [n for n in ("Name", "Component", "Parameters", "Reason", "Section") if not inv.has(n)]
    if missing:
        raise _missing(inv, missing)
    for name in ("Name", "Component", "Reason", "Section"):
        if inv.get(name) is None or to_string(inv.get(name)) == "":
            raise _null_or_empty(inv, name, False)
    parameters = inv.get("Parameters")
    if not parameters:
        raise _null_or_empty(inv, "Parameters", True)
    _refuse_prompt(inv, default_prompts=False)
    _check_directory_reachable(inv)
    name, component, section = (to_string(inv.get(n)) for n in ("Name", "Component", "Section"))
    if inv.get("MaxVersion") is not None and inv.get("FixVersion") is not None:
        raise _error(inv, "owa-lab: Exchange refuses -MaxVersion together with -FixVersion (the text of its "
                          "SettingOverrideMaxVersionAndFixVersionSpecifiedException is not known).",
                     "Microsoft.Exchange.Data.Directory.SettingOverrideMaxVersionAndFixVersionSpecifiedException", category="InvalidOperation")
    _check_parameters(inv, component, section, parameters)
    _check_directory_writable(inv)
    now = time.time()
    record = {"name": name, "component": component, "section": section, "parameters": list(parameters),
              "reason": to_string(inv.get("Reason")), "server": list(inv.get("Server") or []), "min_version": inv.get("MinVersion"),
              "max_version": inv.get("MaxVersion"), "fix_version": inv.get("FixVersion"), "modified_by": _modified_by(inv),
              "guid": str(uuid.uuid4()), "WhenCreated": now, "WhenChanged": now}
    with session.store.edit_directory() as directory:
        organisation = directory.get("organisation", {})
        records = directory.setdefault("setting_overrides", [])
        if any(r["name"].lower() == name.lower() for r in records):
            # The words of Exchange's ADObjectAlreadyExistsException (a Microsoft Q&A report from Exchange 2016, 2020).
            raise _error(inv, f"Active Directory operation failed on {_dc(session)}. The object '{override_dn(record, organisation)}' already exists.",
                         "Microsoft.Exchange.Data.Directory.ADObjectAlreadyExistsException", target=name)
        records.append(record)
    session.store.log(session.server, "ad-change", object=f"SettingOverride {name}", changes={"created": record})
    return [override_object(record, organisation)]


def get_setting_override(inv: Invocation) -> list[Any]:
    session = session_of(inv)
    _check_directory_reachable(inv)
    directory = session.store.directory()
    records, organisation = directory.get("setting_overrides", []), directory.get("organisation", {})
    wanted = to_list(inv.get("Identity")) if inv.has("Identity") else list(inv.input)
    if not wanted:
        return [override_object(r, organisation) for r in records]
    found: list[Any] = []
    for identity in wanted:
        text = _identity_text(identity)
        matched = _match(records, text, organisation)
        if not matched:
            raise _not_found(inv, text)
        found.extend(override_object(r, organisation) for r in matched)
    return found


def set_setting_override(inv: Invocation) -> list[Any]:
    session = session_of(inv)
    targets = to_list(inv.get("Identity")) if inv.has("Identity") else list(inv.input)
    if not targets:
        raise _missing(inv, ["Identity"])
    if inv.has("Reason") and (inv.get("Reason") is None or to_string(inv.get("Reason")) == ""):
        raise _null_or_empty(inv, "Reason", False)
    _refuse_prompt(inv, default_prompts=False)
    _check_directory_reachable(inv)
    changes: dict[str, Any] = {}
    if inv.has("Parameters"):
        # A MultiValuedProperty given as a list replaces the stored values (it does not merge with them).
        changes["parameters"] = list(inv.get("Parameters") or [])
    if inv.has("Reason"):
        changes["reason"] = to_string(inv.get("Reason"))
    if inv.has("Server"):
        changes["server"] = list(inv.get("Server") or [])
    for param, key in (("MinVersion", "min_version"), ("MaxVersion", "max_version")):
        if inv.has(param):
            changes[key] = inv.get(param)
    for target in targets:
        text = _identity_text(target)
        directory = session.store.directory()
        matched = _match(directory.get("setting_overrides", []), text, directory.get("organisation", {}))
        if not matched:
            raise _not_found(inv, text)
        if "parameters" in changes:
            _check_parameters(inv, matched[0]["component"], matched[0]["section"], changes["parameters"])
        _check_directory_writable(inv)
        with session.store.edit_directory() as directory:
            record = next(r for r in directory.get("setting_overrides", []) if r["guid"] == matched[0]["guid"])
            modified = {k: v for k, v in changes.items() if record.get(k) != v}
            if modified:
                record.update(modified)
                record["modified_by"] = _modified_by(inv)
                record["WhenChanged"] = time.time()
        session.store.log(session.server, "ad-change", object=f"SettingOverride {record['name']}", changes=modified)
        if not modified:
            inv.engine.warnings.append(f"The command completed successfully but no settings of '{record['name']}' have been modified.")
    return []


def remove_setting_override(inv: Invocation) -> list[Any]:
    session = session_of(inv)
    targets = to_list(inv.get("Identity")) if inv.has("Identity") else list(inv.input)
    if not targets:
        raise _missing(inv, ["Identity"])
    # Remove-* cmdlets pause for confirmation unless -Confirm:$false (the references' -Confirm text).
    _refuse_prompt(inv, default_prompts=True)
    _check_directory_reachable(inv)
    for target in targets:
        text = _identity_text(target)
        directory = session.store.directory()
        matched = _match(directory.get("setting_overrides", []), text, directory.get("organisation", {}))
        if not matched:
            raise _not_found(inv, text)
        _check_directory_writable(inv)
        with session.store.edit_directory() as directory:
            directory["setting_overrides"] = [r for r in directory.get("setting_overrides", []) if r["guid"] != matched[0]["guid"]]
        session.store.log(session.server, "ad-change", object=f"SettingOverride {matched[0]['name']}", changes={"removed": True})
    return []


# ----- the refresh -----------------------------------------------------------------------------------
def override_status(record: dict[str, Any], server: str, build: str) -> str:
    """Accepted when the override applies to ``server`` (its name among -Server's wildcards, or no -Server; its build
    within MinVersion..MaxVersion, below FixVersion) and has parameters; else NotApplicable (decompiled
    SettingOverrideSync.ReadOverrides and SettingOverride.Applies). Invalid overrides cannot be stored through the lab."""
    names = record.get("server") or []
    if names and not any(fnmatch.fnmatchcase(server.lower(), str(n).lower()) for n in names):
        return "NotApplicable"
    current = _version_tuple(build)
    if record.get("min_version") and current < _version_tuple(record["min_version"]):
        return "NotApplicable"
    if record.get("max_version") and current > _version_tuple(record["max_version"]):
        return "NotApplicable"
    if record.get("fix_version") and current >= _version_tuple(record["fix_version"]):
        return "NotApplicable"
    return "Accepted" if record.get("parameters") else "NotApplicable"


def im_settings_for(records: list[dict[str, Any]], server: str, build: str) -> dict[str, str]:
    """The OwaServer/IMSettings values that apply to ``server``.

    owa-lab's assumption (no source settles it): an override naming the server beats an organisation-wide one, and
    between two of the same kind the newer (WhenCreated) wins - SettingOverrideSync sorts them newest first, but how
    VariantConfiguration merges two accepted overrides of one parameter is not documented (Microsoft's HealthChecker
    flags such duplicates as a misconfiguration).
    """
    accepted = [r for r in records if str(r.get("component", "")).lower() == IM_COMPONENT.lower()
                and str(r.get("section", "")).lower() == IM_SECTION.lower() and override_status(r, server, build) == "Accepted"]
    # Weakest first, so the strongest writes last.
    accepted.sort(key=lambda r: (bool(r.get("server")), float(r.get("WhenCreated") or 0)))
    settings: dict[str, str] = {}
    for record in accepted:
        for line in record.get("parameters", []):
            if "=" in line:
                key, value = line.split("=", 1)
                canonical = next((p for p in IM_PARAMETERS if p.lower() == key.strip().lower()), key.strip())
                settings[canonical] = value.strip()
    return settings


def _refresh_xml(entries: list[tuple[dict[str, Any], str]], server: str, build: str, updated: float) -> str:
    # ExDateTime's text for "Updated" is the lab's assumption (en-US general date and time, UTC).
    moment = dt.datetime.fromtimestamp(updated, dt.timezone.utc)
    stamp = f"{moment.month}/{moment.day}/{moment.year} {moment.hour % 12 or 12}:{moment:%M:%S %p}"
    lines = ["<Diagnostics>", "  <Components>", "    <VariantConfiguration>", f'      <Overrides Updated="{stamp}">']
    messages = {"Accepted": "This override has been accepted as applicable to this server.",
                "NotApplicable": f"Either this server version '{build}' or its name '{server}' does not match criteria defined in the override."}
    for record, status in entries:
        lines.append("        <SettingOverride>")
        for element, value in (("Name", record["name"]), ("Reason", record.get("reason")), ("ModifiedBy", record.get("modified_by")),
                               ("ComponentName", record.get("component")), ("SectionName", record.get("section")),
                               ("Status", status), ("Message", messages[status])):
            if value is not None:
                lines.append(f"          <{element}>{escape(str(value))}</{element}>")
        lines.append("          <Parameters>")
        lines.extend(f"            <Parameter>{escape(p)}</Parameter>" for p in record.get("parameters", []))
        lines.extend(["          </Parameters>", "        </SettingOverride>"])
    lines.extend(["      </Overrides>", "    </VariantConfiguration>", "  </Components>", "</Diagnostics>"])
    return "\r\n".join(lines)


def refresh(store: Any, server: str) -> tuple[float, list[tuple[dict[str, Any], str]], dict[str, str]]:
    """The VariantConfiguration refresh on ``server``: it reads every override now and keeps what applies to it."""
    directory = store.directory()
    build = VERSIONS[str(directory["servers"][server]["version"])].build
    records = list(directory.get("setting_overrides", []))
    # Newest first, then by name (SettingOverrideSync.Compare).
    records.sort(key=lambda r: (-float(r.get("WhenCreated") or 0), r["name"].lower()))
    entries = [(r, override_status(r, server, build)) for r in records]
    settings = im_settings_for(records, server, build)
    now = time.time()
    with store.edit_host(server) as host:
        host[HOST_KEY] = {"refreshed": now, "settings": {IM_COMPONENT: {IM_SECTION: settings}},
                          "overrides": [{"name": r["name"], "status": s} for r, s in entries]}
    store.log(server, "variant-configuration-refresh", settings=settings, overrides=[r["name"] for r, s in entries if s == "Accepted"])
    return now, entries, settings


def get_exchange_diagnostic_info(inv: Invocation) -> list[Any]:
    session = session_of(inv)
    process, component, argument = (to_string(inv.get(n)) if inv.has(n) else "" for n in ("Process", "Component", "Argument"))
    arguments = [a.strip().lower() for a in argument.split(",") if a.strip()]
    is_refresh = process.lower() == TOPOLOGY_SERVICE.lower() and component.lower() == "variantconfiguration" and arguments == ["refresh"]
    if session.version.key not in OVERRIDE_VERSIONS or not is_refresh:
        shown = " ".join(f"-{n} {to_string(inv.get(n))}" for n in ("Process", "Component", "Argument") if inv.has(n))
        raise inv.engine.lab_gap(f"Get-ExchangeDiagnosticInfo {shown or 'without -Process'} on Exchange {session.version.key} "
                                 f"(it answers -Process {TOPOLOGY_SERVICE} -Component VariantConfiguration -Argument Refresh "
                                 "on Exchange 2016 and 2019)")
    _check_directory_reachable(inv)
    servers = session.store.directory().get("servers", {})
    target = _identity_text(inv.get("Server")).split(".")[0].upper() if inv.has("Server") else session.server
    if target not in servers:
        raise _not_found(inv, _identity_text(inv.get("Server")))
    if str(servers[target]["version"]) not in OVERRIDE_VERSIONS:
        raise inv.engine.lab_gap(f"the VariantConfiguration refresh on {target}, an Exchange {servers[target]['version']} server")
    updated, entries, _settings = refresh(session.store, target)
    result = _refresh_xml(entries, target, VERSIONS[str(servers[target]["version"])].build, updated)
    # The result's ToString() is its XML, so [xml]$diag = Get-ExchangeDiagnosticInfo ... reads it.
    return [PSObject(DIAGNOSTIC_TYPE, {"Result": result, "Identity": None, "IsValid": True}, display=["Result"], text=result)]


def _gap(what: str) -> Any:
    def handler(inv: Invocation) -> list[Any]:
        raise inv.engine.lab_gap(what)
    return handler


def setting_override_cmdlets(version: ExchangeVersion | None) -> list[Cmdlet]:
    """The cmdlets on ``version``: all of them on 2016 and 2019. Exchange 2013 has the setting override cmdlets (for
    workload management, their references' "Applicable" lines) and 2010 and 2013 have Get-ExchangeDiagnosticInfo,
    which owa-lab does not emulate there and says so; on 2010 the setting override cmdlets do not exist."""
    common_dc = Param("DomainController")
    force = Param("Force", "switch")
    server = Param("Server", convert=convert_strings)
    versions = [Param("MinVersion", convert=convert_version), Param("MaxVersion", convert=convert_version)]
    diagnostic = Cmdlet("Get-ExchangeDiagnosticInfo", [Param("Server"), Param("Process"), Param("Component"), Param("Argument"),
                                                       Param("Unlimited", "switch")], get_exchange_diagnostic_info)
    if version is not None and version.key not in OVERRIDE_VERSIONS and version.key != "2013":
        return [diagnostic]
    cmdlets = [
        Cmdlet("New-SettingOverride", [Param("Name", position=0), Param("Component"), Param("Section"),
                                       Param("Parameters", convert=convert_strings), Param("Reason"), server, *versions,
                                       Param("FixVersion", convert=convert_version), force, common_dc],
               new_setting_override, supports_should_process=True),
        Cmdlet("Get-SettingOverride", [Param("Identity", position=0), common_dc], get_setting_override),
        Cmdlet("Set-SettingOverride", [Param("Identity", position=0), Param("Parameters", convert=convert_strings), Param("Reason"),
                                       server, *versions, force, common_dc], set_setting_override, supports_should_process=True),
        Cmdlet("Remove-SettingOverride", [Param("Identity", position=0), common_dc], remove_setting_override, supports_should_process=True),
        diagnostic,
    ]
    if version is not None and version.key == "2013":
        return [Cmdlet(c.name, c.params, _gap(f"{c.name} on Exchange 2013"), supports_should_process=c.supports_should_process)
                if c.name != diagnostic.name else c for c in cmdlets]
    return cmdlets
