"""PowerShell's file, registry and process cmdlets over a lab server's disk, registry and installers."""

from __future__ import annotations

import datetime as dt
import fnmatch
import re
import time
from typing import Any

from . import files, owa_web, windows
from .exchange.cmdlets import Session, session_of
from .installers import NeverExits, hung_seconds
from .powershell.engine import Cmdlet, Invocation, LabGap, Param
from .powershell.values import PSEnum, PSObject, RuntimeError_, is_true, to_list, to_number, to_string
from .windows import APPLICATION_LOG, ENTRY_TYPES, boot_time, event_records, find_program


def _path_of(inv: Invocation) -> list[str]:
    value = inv.get("LiteralPath") if inv.has("LiteralPath") else inv.get("Path")
    if value is None and inv.input:
        value = inv.input
    return [to_string(v) for v in to_list(value)]


def _not_found(inv: Invocation, path: str, error_id: str) -> None:
    inv.error(RuntimeError_(f"Cannot find path '{path}' because it does not exist.", error_id=f"PathNotFound,{error_id}",
                            category="ObjectNotFound", exception_type="System.Management.Automation.ItemNotFoundException", target=path))


def _no_parameter(name: str, cmdlet: str, command: str) -> RuntimeError_:
    return RuntimeError_(f"A parameter cannot be found that matches parameter name '{name}'.",
                         error_id=f"NamedParameterNotFound,{cmdlet}", category="InvalidArgument",
                         exception_type="System.Management.Automation.ParameterBindingException", command=command)


def test_path(inv: Invocation) -> list[Any]:
    session = session_of(inv)
    kind = to_string(inv.get("PathType") or "Any").lower()
    results = []
    for path in _path_of(inv):
        if files.registry_path(path) is not None:
            results.append(bool(files.match_keys(session, path)) and kind in ("any", "container"))
            continue
        if files.unc_denied(session, path):
            # Test-Path answers $false, not an error, when the share refuses this session (the second hop).
            results.append(False)
            continue
        content = files.read(session, path)
        if content is not None:
            results.append(kind in ("any", "leaf"))
        else:
            results.append(files.is_folder(session, path) and kind in ("any", "container"))
    return results


def _access_denied(inv: Invocation, path: str, error_id: str, message: str = "Access is denied") -> None:
    inv.error(RuntimeError_(message, error_id=f"System.UnauthorizedAccessException,{error_id}", category="PermissionDenied",
                            exception_type="System.UnauthorizedAccessException", target=path))


# Get-Content without -Encoding: Windows PowerShell reads a file without a byte order mark in the system's ANSI code page
# (Windows-1252 on the lab's English servers), so BOM-less UTF-8 comes out garbled (about_Character_Encoding;
# PowerShell/PowerShell#3248). A BOM, or -Encoding, decides otherwise.
_ENCODINGS = {"utf8": "utf-8", "unicode": "utf-16-le", "bigendianunicode": "utf-16-be", "ascii": "ascii", "default": "cp1252",
              "oem": "cp437", "utf32": "utf-32-le", "string": "utf-16-le", "unknown": "utf-16-le"}


def _decode(data: bytes, encoding: str | None) -> str:
    for bom, codec in ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if data.startswith(bom):
            return data[len(bom):].decode(codec, errors="replace")
    return data.decode(_ENCODINGS.get((encoding or "default").lower(), "cp1252"), errors="replace")


def get_content(inv: Invocation) -> list[Any]:
    session = session_of(inv)
    if inv.has("Tail") and inv.engine.ps_version < 3.0:
        raise _no_parameter("Tail", "Microsoft.PowerShell.Commands.GetContentCommand", "Get-Content")
    lines: list[Any] = []
    encoding = to_string(inv.get("Encoding")) if inv.has("Encoding") else None
    if encoding is not None and encoding.lower() not in _ENCODINGS:
        raise RuntimeError_(f"Cannot bind parameter 'Encoding'. Cannot convert value \"{encoding}\" to type "
                            "\"Microsoft.PowerShell.Commands.FileSystemCmdletProviderEncoding\" due to invalid enumeration values.",
                            error_id="CannotConvertArgumentNoMessage,Microsoft.PowerShell.Commands.GetContentCommand",
                            category="InvalidArgument", exception_type="System.Management.Automation.ParameterBindingException")
    for path in _path_of(inv):
        if files.unc_denied(session, path):
            _access_denied(inv, path, "Microsoft.PowerShell.Commands.GetContentCommand", f"Access to the path '{files.normalise(path)}' is denied.")
            continue
        content = files.read(session, path)
        if content is None:
            _not_found(inv, path, "Microsoft.PowerShell.Commands.GetContentCommand")
            continue
        text = _decode(files.content_bytes(session, content) or b"", encoding)
        file_lines = text.splitlines()
        if inv.has("TotalCount"):
            file_lines = file_lines[: int(inv.get("TotalCount"))]
        if inv.has("Tail"):
            count = int(inv.get("Tail"))
            file_lines = file_lines[-count:] if count else []
        lines.extend(file_lines)
    return lines


def get_item_property(inv: Invocation) -> list[Any]:
    session = session_of(inv)
    names = [to_string(n) for n in to_list(inv.get("Name"))] if inv.has("Name") else None
    results: list[Any] = []
    for path in _path_of(inv):
        matched = files.match_keys(session, path)
        if not matched:
            if not any(ch in path for ch in "*?"):
                _not_found(inv, path, "Microsoft.PowerShell.Commands.GetItemPropertyCommand")
            continue
        for key, values in matched:
            if names is not None:
                missing = [n for n in names if n.lower() not in (k.lower() for k in values)]
                if missing:
                    inv.error(RuntimeError_(f"Property {missing[0]} does not exist at path {key.replace('HKLM', 'HKEY_LOCAL_MACHINE', 1)}.",
                                            error_id="System.Management.Automation.PSArgumentException,Microsoft.PowerShell.Commands.GetItemPropertyCommand",
                                            category="InvalidArgument", exception_type="System.Management.Automation.PSArgumentException", target=missing[0]))
                    continue
                values = {k: v for k, v in values.items() if k.lower() in (n.lower() for n in names)}
            properties = dict(values)
            long_key = key.replace("HKLM", "HKEY_LOCAL_MACHINE", 1)
            properties.update({"PSPath": "Microsoft.PowerShell.Core\\Registry::" + long_key,
                               "PSChildName": key.rsplit("\\", 1)[-1], "PSProvider": "Microsoft.PowerShell.Core\\Registry"})
            results.append(PSObject("System.Management.Automation.PSCustomObject", properties))
    return results


def get_item(inv: Invocation) -> list[Any]:
    """Get-Item on the file system: a FileInfo or DirectoryInfo; a share this session cannot reach says Access is denied."""
    session = session_of(inv)
    found: list[Any] = []
    for path in _path_of(inv):
        text = files.normalise(path)
        if files.unc_denied(session, text):
            _access_denied(inv, text, "Microsoft.PowerShell.Commands.GetItemCommand")
            continue
        content = files.read(session, text)
        name = text.rsplit("\\", 1)[-1]
        if content is not None:
            size = len(files.content_bytes(session, content) or b"")
            found.append(PSObject("System.IO.FileInfo", {"FullName": text, "Name": name, "Length": size, "PSIsContainer": False},
                                  display=["Mode", "Name", "Length"], text=text))
        elif files.is_folder(session, text):
            found.append(PSObject("System.IO.DirectoryInfo", {"FullName": text, "Name": name, "PSIsContainer": True},
                                  display=["Mode", "Name"], text=text))
        else:
            _not_found(inv, text, "Microsoft.PowerShell.Commands.GetItemCommand")
    return found


def join_path(inv: Invocation) -> list[Any]:
    if inv.get("Path") is None or to_string(inv.get("Path")) == "":
        # A $null or empty -Path fails parameter validation ($env:ExchangeInstallPath where the variable is missing).
        kind = "null" if inv.get("Path") is None else "an empty string"
        raise RuntimeError_(f"Cannot bind argument to parameter 'Path' because it is {kind}.",
                            error_id=f"ParameterArgumentValidationError{'NullNotAllowed' if kind == 'null' else 'EmptyStringNotAllowed'},"
                                     "Microsoft.PowerShell.Commands.JoinPathCommand", category="InvalidData",
                            exception_type="System.Management.Automation.ParameterBindingValidationException", command="Join-Path")
    base = to_string(inv.get("Path")).rstrip("\\")
    child = to_string(inv.get("ChildPath")).lstrip("\\")
    return [f"{base}\\{child}"]


def _argument_words(value: Any) -> list[str]:
    words: list[str] = []
    for item in to_list(value):
        text = to_string(item)
        # Start-Process joins its arguments with spaces and Windows splits them again, honouring double quotes.
        current, quoted, started = [], False, False
        for char in text:
            if char == '"':
                quoted, started = not quoted, True
            elif char == " " and not quoted:
                if started:
                    words.append("".join(current))
                current, started = [], False
            else:
                current.append(char)
                started = True
        if started:
            words.append("".join(current))
    return words


def start_process(inv: Invocation) -> list[Any]:
    session: Session = session_of(inv)
    file_path = to_string(inv.get("FilePath"))
    if files.unc_denied(session, file_path):
        raise RuntimeError_("This command cannot be executed due to the error: Access is denied.",
                            error_id="InvalidOperationException,Microsoft.PowerShell.Commands.StartProcessCommand",
                            category="InvalidOperation", exception_type="System.InvalidOperationException", command="Start-Process")
    program = find_program(session, file_path)
    if program is None:
        raise RuntimeError_("This command cannot be executed due to the error: The system cannot find the file specified.",
                            error_id="InvalidOperationException,Microsoft.PowerShell.Commands.StartProcessCommand",
                            category="InvalidOperation", exception_type="System.InvalidOperationException", command="Start-Process")
    name = file_path.replace("/", "\\").rsplit("\\", 1)[-1]
    try:
        code: int | None
        code, _lines = program(session, _argument_words(inv.get("ArgumentList")))
        hung: NeverExits | None = None
    except NeverExits as never:
        if inv.get("Wait"):
            # Start-Process -Wait waits for the process to end; on Windows that is for ever. owa-lab stops waiting.
            time.sleep(hung_seconds(session))
            raise
        code, hung = None, never
    process = _process_object(session, inv, name, code, hung)
    return [process] if inv.get("PassThru") else []


def _process_object(session: Session, inv: Invocation, name: str, code: int | None, hung: NeverExits | None) -> PSObject:
    """A System.Diagnostics.Process: ExitCode once it has ended; WaitForExit(ms) true once it has, false after ms while
    it runs (owa-lab waits at most its hung-process time, not ms); Kill() ends it with exit code -1."""
    base = name.rsplit(".", 1)[0]
    state: dict[str, Any] = {"code": code, "running": hung is not None}
    process = PSObject("System.Diagnostics.Process", {
        "Id": 4000 + len(inv.engine.state.setdefault("processes", [])), "ProcessName": base, "Handle": 1000 + len(inv.engine.state["processes"])},
        display=["Id", "ProcessName"], text=f"System.Diagnostics.Process ({base})")

    def refresh() -> None:
        process.properties["HasExited"] = not state["running"]
        process.properties["ExitCode"] = None if state["running"] else state["code"]

    def wait_for_exit(milliseconds: Any = None) -> bool:
        if state["running"]:
            limit = hung_seconds(session) if milliseconds is None else min(float(milliseconds) / 1000, hung_seconds(session))
            time.sleep(max(limit, 0))
            if milliseconds is None:
                raise hung
            return False
        return True

    def kill() -> None:
        if state["running"]:
            state["running"], state["code"] = False, -1
            session.store.log(session.server, "process-killed", program=name)
            refresh()

    process.methods["WaitForExit"] = wait_for_exit
    process.methods["Kill"] = kill
    refresh()
    inv.engine.state["processes"].append(process)
    return process


def get_wmi_object(inv: Invocation) -> list[Any]:
    session: Session = session_of(inv)
    wmi_class = to_string(inv.get("Class")).lower()
    if wmi_class == "win32_process":
        return _processes(session, to_string(inv.get("Filter") or ""))
    if wmi_class != "win32_operatingsystem":
        raise RuntimeError_("Invalid class", error_id="GetWMIManagementException,Microsoft.PowerShell.Commands.GetWmiObjectCommand",
                            category="InvalidType", exception_type="System.Management.ManagementException", command="Get-WmiObject")
    booted = dt.datetime.fromtimestamp(boot_time(session), dt.timezone.utc)
    version = "6.1.7601" if session.version.ps_version < 3 else "6.3.9600"
    return [PSObject("System.Management.ManagementObject#root\\cimv2\\Win32_OperatingSystem", {
        "CSName": session.server, "SystemDirectory": "C:\\Windows\\system32", "Organization": "Contoso",
        "BuildNumber": version.rsplit(".", 1)[-1], "Caption": "Microsoft Windows Server 2008 R2 Enterprise" if version.startswith("6.1")
        else "Microsoft Windows Server 2012 R2 Standard", "Version": version,
        # WMI's CIM_DATETIME text, as PowerShell 2.0 shows it.
        "LastBootUpTime": booted.strftime("%Y%m%d%H%M%S.%f") + "+000"},
        display=["SystemDirectory", "Organization", "BuildNumber", "Version"], text=f"\\\\{session.server}\\root\\cimv2:Win32_OperatingSystem=@")]


# A WQL filter the lab reads: Name='w3wp.exe' (or "Name = 'w3wp.exe'"); nothing else.
_NAME_FILTER = re.compile(r"^\s*name\s*=\s*'([^']*)'\s*$", re.IGNORECASE)


def _cim_datetime(stamp: float) -> str:
    """WMI's CIM_DATETIME (DMTF) text in local time with the offset in minutes: 20261126081502.123456+060."""
    local = dt.datetime.fromtimestamp(stamp).astimezone()
    offset = int((local.utcoffset() or dt.timedelta()).total_seconds() // 60)
    return local.strftime("%Y%m%d%H%M%S.%f") + ("+" if offset >= 0 else "-") + f"{abs(offset):03d}"


def _from_cim_datetime(text: Any) -> dt.datetime:
    """ManagementDateTimeConverter.ToDateTime: the local DateTime a CIM_DATETIME stands for."""
    value = to_string(text)
    match = re.match(r"^(\d{14})\.(\d{6})([+-])(\d{3})$", value)
    if not match:
        raise RuntimeError_(f'Exception calling "ConvertToDateTime" with "1" argument(s): "Specified argument was out of the range '
                            f'of valid values.\r\nParameter name: {value}"', error_id="DotNetMethodException",
                            category="NotSpecified", exception_type="System.Management.Automation.MethodInvocationException")
    minutes = int(match.group(4)) * (1 if match.group(3) == "+" else -1)
    aware = dt.datetime.strptime(match.group(1) + match.group(2), "%Y%m%d%H%M%S%f").replace(
        tzinfo=dt.timezone(dt.timedelta(minutes=minutes)))
    return dt.datetime.fromtimestamp(aware.timestamp())


def _processes(session: Session, wql_filter: str) -> list[Any]:
    """Win32_Process for the IIS worker processes the lab models (one per running application pool)."""
    wanted = None
    if wql_filter:
        match = _NAME_FILTER.match(wql_filter)
        if match is None:
            raise RuntimeError_("owa-lab does not emulate this WQL filter on Win32_Process (it reads Name='...' only): "
                                + wql_filter, error_id="OwaLabNotEmulated", category="NotImplemented",
                                exception_type="System.NotImplementedException", command="Get-WmiObject")
        wanted = match.group(1).lower()
    found: list[Any] = []
    for pool, worker in sorted(owa_web.workers(session.store, session.server).items()):
        if wanted not in (None, "w3wp.exe"):
            continue
        found.append(PSObject("System.Management.ManagementObject#root\\cimv2\\Win32_Process", {
            "Name": "w3wp.exe", "ProcessId": int(worker["pid"]), "ExecutablePath": owa_web.W3WP,
            "CommandLine": owa_web.worker_command_line(pool, int(worker["pid"])), "CSName": session.server,
            "CreationDate": _cim_datetime(float(worker["started"]))},
            display=["ProcessName", "Handles", "VM", "WS"], text="\\\\%s\\root\\cimv2:Win32_Process.Handle=\"%d\"" % (
                session.server, int(worker["pid"])),
            # PowerShell's types.ps1xml gives every WMI object this script method.
            methods={"ConvertToDateTime": _from_cim_datetime}))
    return found


def get_child_item(inv: Invocation) -> list[Any]:
    """Get-ChildItem of one folder on the file system (its files, -Filter a wildcard); registry and recursion are not emulated."""
    session = session_of(inv)
    if inv.get("Recurse"):
        raise RuntimeError_("owa-lab does not emulate Get-ChildItem -Recurse.", error_id="OwaLabNotEmulated", category="NotImplemented",
                            exception_type="System.NotImplementedException", command="Get-ChildItem")
    pattern = to_string(inv.get("Filter") or "*").lower()
    found: list[Any] = []
    for path in _path_of(inv):
        folder = files.normalise(path).rstrip("\\")
        if files.registry_path(folder) is not None or files.is_unc(folder):
            raise RuntimeError_("owa-lab emulates Get-ChildItem on local folders only: " + folder, error_id="OwaLabNotEmulated",
                                category="NotImplemented", exception_type="System.NotImplementedException", command="Get-ChildItem")
        if not files.is_folder(session, folder):
            _not_found(inv, folder, "Microsoft.PowerShell.Commands.GetChildItemCommand")
            continue
        for key, content in sorted(session.store.host(session.server).get("files", {}).items()):
            parent, _sep, name = files.normalise(key).rpartition("\\")
            if parent.lower() != folder.lower() or not fnmatch.fnmatchcase(name.lower(), pattern):
                continue
            size = len(files.content_bytes(session, content) or b"")
            found.append(PSObject("System.IO.FileInfo", {"FullName": files.normalise(key), "Name": name, "Length": size,
                                                         "PSIsContainer": False}, display=["Mode", "Name", "Length"], text=name))
    return found


# ----- Get-EventLog ----------------------------------------------------------------------------------------------------
# As Windows PowerShell's GetEventLogCommand reads a classic log (its source, MIT-licensed in PowerShell/PowerShell,
# src/Microsoft.PowerShell.Commands.Management/commands/management/Eventlog.cs; the same logic in decompiled Windows
# PowerShell): the log's records are read from the newest back, each must match every filter given, and -Newest counts
# the records that matched. -After and -Before compare TimeGenerated strictly (> and <). -InstanceId compares the full
# message ID (EventLogEntry.InstanceId), not the event ID Event Viewer shows. When nothing matched, it writes the
# non-terminating error "No matches found" (ArgumentException, GetEventLogNoEntriesFound, ObjectNotFound; the text is
# EventlogResources.NoEntriesFound), except that a record which reached the date test, or a wildcard -Source or -Message
# that was tried, or -UserName, turns that error off: so "-Source X -After T" with no record of X since T is silent when
# X has older records and says "No matches found" when the log holds none of X at all. The parameter set is
# PowerShell 2.0's (Get-EventLog help for Windows PowerShell 2.0, TechNet dd315250).
_GET_EVENT_LOG = "Microsoft.PowerShell.Commands.GetEventLogCommand"
_EVENT_LOG_ENTRY = "System.Diagnostics.EventLogEntry"


def _bind_error(name: str, value: Any, type_name: str, reason: str) -> RuntimeError_:
    return RuntimeError_(f"Cannot bind parameter '{name}'. Cannot convert value \"{to_string(value)}\" to type \"{type_name}\". "
                         f"Error: \"{reason}\"", error_id=f"CannotConvertArgumentNoMessage,{_GET_EVENT_LOG}", category="InvalidArgument",
                         exception_type="System.Management.Automation.ParameterBindingException", command="Get-EventLog")


def _whole_numbers(inv: Invocation, name: str, type_name: str) -> list[int]:
    numbers = []
    for item in to_list(inv.get(name)):
        try:
            number = to_number(item) if not isinstance(item, str) else int(item.strip())
        except ValueError:
            raise _bind_error(name, item, type_name, "Input string was not in a correct format.") from None
        if isinstance(number, float) and not number.is_integer():
            number = round(number)
        numbers.append(int(number))
    return numbers


def _event_log_time(inv: Invocation, name: str) -> dt.datetime | None:
    if not inv.has(name):
        return None
    value = inv.get(name)
    try:
        return value if isinstance(value, dt.datetime) else inv.engine.convert(value, "datetime")
    except RuntimeError_:
        raise _bind_error(name, value, "System.DateTime", "String was not recognized as a valid DateTime.") from None


def _wildcard(pattern: str) -> re.Pattern[str]:
    """PowerShell's WildcardPattern (*, ?, [set]), case-insensitive, over the whole text."""
    return re.compile(fnmatch.translate(pattern), re.IGNORECASE | re.DOTALL)


def _has_wildcard(text: str) -> bool:
    return any(char in text for char in "*?[")


def _event_log_entry(server_fqdn: str, record: dict[str, Any], as_base_object: bool) -> PSObject:
    generated = dt.datetime.fromtimestamp(int(record["time"]))
    instance_id = int(record["instance_id"])
    entry = PSObject(_EVENT_LOG_ENTRY, {
        "EventID": instance_id & 0x3FFFFFFF, "MachineName": server_fqdn, "Data": [], "Index": int(record["index"]),
        # Windows reads the category's name from the source's CategoryMessageFile; owa-lab does not emulate those files
        # and shows the number as .NET does when it finds no name.
        "Category": f"({int(record.get('category', 0))})", "CategoryNumber": int(record.get("category", 0)),
        "EntryType": PSEnum("System.Diagnostics.EventLogEntryType", ENTRY_TYPES, record["entry_type"]),
        "Message": record["message"], "Source": record["source"], "ReplacementStrings": [record["message"]],
        "InstanceId": instance_id, "TimeGenerated": generated, "TimeWritten": generated, "UserName": None,
        "Site": None, "Container": None,
    }, display=["Index", "TimeGenerated", "EntryType", "Source", "InstanceId", "Message"], text=_EVENT_LOG_ENTRY)
    entry.type_names[1:1] = ["System.ComponentModel.Component", "System.MarshalByRefObject"]
    if not as_base_object:
        # Without -AsBaseObject Get-EventLog wraps each entry in a PSObject whose type names add the log, source and ID.
        base = f"{_EVENT_LOG_ENTRY}#{APPLICATION_LOG}/{record['source']}"
        entry.type_names[0:0] = [f"{base}/{instance_id}", base]
    return entry


def get_event_log(inv: Invocation) -> list[Any]:
    session: Session = session_of(inv)
    for name in ("ComputerName", "List", "AsString"):
        if inv.has(name):
            raise inv.engine.lab_gap(f"Get-EventLog -{name} (owa-lab keeps each server's own Application log only)")
    if not inv.has("LogName"):
        raise inv.engine.lab_gap("Get-EventLog without -LogName (Windows asks for the mandatory LogName, which no one can "
                                 "answer in a WinRM session)")
    log_name = to_string(inv.get("LogName"))
    if log_name.lower() != APPLICATION_LOG.lower():
        raise inv.engine.lab_gap(f"the event log '{log_name}' (owa-lab keeps each server's Application log only)")
    newest = _whole_numbers(inv, "Newest", "System.Int32")[0] if inv.has("Newest") else 2**31 - 1
    instance_ids = set(_whole_numbers(inv, "InstanceId", "System.Int64")) if inv.has("InstanceId") else None
    indexes = set(_whole_numbers(inv, "Index", "System.Int32")) if inv.has("Index") else None
    if newest < 0 or any(n < 0 for n in instance_ids or ()) or any(n < 1 for n in indexes or ()):
        raise inv.engine.lab_gap("PowerShell's ValidateRange message for Get-EventLog -Newest, -InstanceId or -Index out of range")
    entry_types = [to_string(t) for t in to_list(inv.get("EntryType"))] if inv.has("EntryType") else None
    for entry_type in entry_types or ():
        if entry_type.lower() not in (name.lower() for name in ENTRY_TYPES):
            raise RuntimeError_(f"Cannot validate argument on parameter 'EntryType'. The argument \"{entry_type}\" does not belong to "
                                "the set \"Error,Information,FailureAudit,SuccessAudit,Warning\" specified by the ValidateSet attribute. "
                                "Supply an argument that is in the set and then try the command again.",
                                error_id=f"ParameterArgumentValidationError,{_GET_EVENT_LOG}", category="InvalidData",
                                exception_type="System.Management.Automation.ParameterBindingValidationException", command="Get-EventLog")
    sources = [to_string(s) for s in to_list(inv.get("Source"))] if inv.has("Source") else None
    message = to_string(inv.get("Message")) if inv.has("Message") else None
    after, before = _event_log_time(inv, "After"), _event_log_time(inv, "Before")
    throw_error = not inv.has("UserName")
    fqdn = session.store.directory()["servers"][session.server]["fqdn"]
    found: list[Any] = []
    if newest == 0:
        return found
    for record in reversed(event_records(session.store, session.server)):
        if len(found) >= newest:
            break
        if indexes is not None and int(record["index"]) not in indexes:
            continue
        if instance_ids is not None and int(record["instance_id"]) not in instance_ids:
            continue
        if entry_types is not None and record["entry_type"].lower() not in (t.lower() for t in entry_types):
            continue
        if sources is not None:
            if any(_has_wildcard(s) for s in sources):
                throw_error = False
            if not any(_wildcard(s).match(record["source"]) for s in sources):
                continue
        if message is not None:
            if _has_wildcard(message):
                throw_error = False
            if not _wildcard(message).match(record["message"]):
                continue
        if inv.has("UserName"):
            continue   # the lab's records carry no user (UserName is null), which no -UserName pattern matches
        if after is not None or before is not None:
            throw_error = False
            generated = dt.datetime.fromtimestamp(int(record["time"]))
            if after is not None and before is not None and after >= before:
                matched = generated > after or generated < before
            else:
                matched = (after is None or generated > after) and (before is None or generated < before)
            if not matched:
                continue
        found.append(_event_log_entry(fqdn, record, is_true(inv.get("AsBaseObject"))))
    if not found and throw_error:
        inv.error(RuntimeError_("No matches found", error_id=f"GetEventLogNoEntriesFound,{_GET_EVENT_LOG}", category="ObjectNotFound",
                                exception_type="System.ArgumentException"))
    return found


# ----- Windows services: Get-Service, Restart-Service, Stop-Service, Start-Service --------------------------------------
# The services of a lab CAS, by service name: display name, the Exchange roles that install it (None: every server) and
# whether it starts automatically (a Manual one is Stopped after setup). Exchange 2010's, with their roles, are those
# of the Exchange 2010 Security Guide's services table; 2013 and later servers get the few of the "Overview of Exchange
# services" list the lab needs. Windows' own services are only those around this job: IIS (IISADMIN, WAS, W3SVC) and
# WinRM. A real server has many more, which the lab does not emulate: a name outside this list is answered as Windows
# answers a service that does not exist.
_SERVICES_2010: tuple[tuple[str, str, frozenset[str] | None, bool], ...] = (
    ("MSExchangeAB", "Microsoft Exchange Address Book", frozenset({"ClientAccess"}), True),
    ("MSExchangeADTopology", "Microsoft Exchange Active Directory Topology", None, True),
    ("MSExchangeAntispamUpdate", "Microsoft Exchange Anti-spam Update", frozenset({"HubTransport"}), True),
    ("MSExchangeEdgeSync", "Microsoft Exchange EdgeSync", frozenset({"HubTransport"}), True),
    ("MSExchangeFBA", "Microsoft Exchange Forms-Based Authentication service", frozenset({"ClientAccess"}), True),
    ("MSExchangeFDS", "Microsoft Exchange File Distribution", frozenset({"ClientAccess", "UnifiedMessaging"}), True),
    ("MSExchangeImap4", "Microsoft Exchange IMAP4", frozenset({"ClientAccess"}), False),
    ("MSExchangeIS", "Microsoft Exchange Information Store", frozenset({"Mailbox"}), True),
    ("MSExchangeMailboxAssistants", "Microsoft Exchange Mailbox Assistants", frozenset({"Mailbox"}), True),
    ("MSExchangeMailboxReplication", "Microsoft Exchange Mailbox Replication", frozenset({"ClientAccess"}), True),
    ("MSExchangeMailSubmission", "Microsoft Exchange Mail Submission", frozenset({"Mailbox"}), True),
    ("MSExchangeMonitoring", "Microsoft Exchange Monitoring", None, False),
    ("MSExchangePop3", "Microsoft Exchange POP3", frozenset({"ClientAccess"}), False),
    ("MSExchangeProtectedServiceHost", "Microsoft Exchange Protected Service Host", frozenset({"HubTransport", "ClientAccess"}), True),
    ("MSExchangeRepl", "Microsoft Exchange Replication", frozenset({"Mailbox"}), True),
    ("MSExchangeRPC", "Microsoft Exchange RPC Client Access", frozenset({"Mailbox", "ClientAccess"}), True),
    ("MSExchangeSA", "Microsoft Exchange System Attendant", frozenset({"Mailbox"}), True),
    ("MSExchangeSearch", "Microsoft Exchange Search Indexer", frozenset({"Mailbox"}), True),
    ("MSExchangeServiceHost", "Microsoft Exchange Service Host", None, True),
    ("MSExchangeThrottling", "Microsoft Exchange Throttling", frozenset({"Mailbox"}), True),
    ("MSExchangeTransport", "Microsoft Exchange Transport", frozenset({"HubTransport"}), True),
    ("MSExchangeTransportLogSearch", "Microsoft Exchange Transport Log Search", frozenset({"HubTransport", "Mailbox"}), True),
    ("wsbexchange", "Microsoft Exchange Server Extension for Windows Server Backup", frozenset({"Mailbox"}), False),
)
_SERVICES_2013: tuple[tuple[str, str, frozenset[str] | None, bool], ...] = (
    ("MSExchangeADTopology", "Microsoft Exchange Active Directory Topology", None, True),
    ("MSExchangeFrontEndTransport", "Microsoft Exchange Frontend Transport", None, True),
    ("MSExchangeHM", "Microsoft Exchange Health Manager", None, True),
    ("MSExchangeImap4", "Microsoft Exchange IMAP4", None, False),
    ("MSExchangeIS", "Microsoft Exchange Information Store", None, True),
    ("MSExchangeMailboxReplication", "Microsoft Exchange Mailbox Replication", None, True),
    ("MSExchangePop3", "Microsoft Exchange POP3", None, False),
    ("MSExchangeRPC", "Microsoft Exchange RPC Client Access", None, True),
    ("MSExchangeServiceHost", "Microsoft Exchange Service Host", None, True),
    ("MSExchangeTransport", "Microsoft Exchange Transport", None, True),
)
_WINDOWS_SERVICES: tuple[tuple[str, str, frozenset[str] | None, bool], ...] = (
    ("IISADMIN", "IIS Admin Service", None, True),
    ("W3SVC", "World Wide Web Publishing Service", None, True),
    ("WAS", "Windows Process Activation Service", None, True),
    ("WinRM", "Windows Remote Management (WS-Management)", None, True),
)
_IIS_SERVICES = {"IISADMIN", "WAS", "W3SVC"}
# System.ServiceProcess.ServiceControllerStatus.
_SERVICE_STATUS = {"Stopped": 1, "StartPending": 2, "StopPending": 3, "Running": 4, "ContinuePending": 5, "PausePending": 6,
                   "Paused": 7}
_SERVICE_CONTROLLER = "System.ServiceProcess.ServiceController"


def _server_services(session: Session) -> list[tuple[str, str, bool]]:
    """(service name, display name, starts automatically) of this server, sorted by service name as Get-Service sorts."""
    record = session.store.directory().get("servers", {}).get(session.server, {})
    roles = {r.strip() for r in str(record.get("roles", "Mailbox, ClientAccess, HubTransport")).split(",")}
    table = _SERVICES_2010 if session.version.ps_version < 3 else _SERVICES_2013
    found = [(name, display, automatic) for name, display, needs, automatic in table + _WINDOWS_SERVICES
             if needs is None or needs & roles]
    return sorted(found, key=lambda service: service[0].lower())


def _service_status(session: Session, name: str, automatic: bool) -> str:
    if name.upper() in _IIS_SERVICES:
        return "Stopped" if windows.service_stopped(session, name) else "Running"
    return "Running" if automatic else "Stopped"


def _service_object(session: Session, name: str, display: str, automatic: bool) -> PSObject:
    """A ServiceController: Status as it was when read (Refresh() reads it again), the default table Status, Name,
    DisplayName (PowerShell's format data for the type)."""
    service = PSObject(_SERVICE_CONTROLLER, {}, display=["Status", "Name", "DisplayName"])
    service.type_names[1:1] = ["System.ComponentModel.Component", "System.MarshalByRefObject"]

    def refresh() -> None:
        status = _service_status(session, name, automatic)
        for key, value in {"Name": name, "ServiceName": name, "DisplayName": display, "MachineName": ".",
                           "Status": PSEnum("System.ServiceProcess.ServiceControllerStatus", _SERVICE_STATUS, status),
                           "CanStop": status == "Running", "CanPauseAndContinue": False}.items():
            service.properties[key] = value

    def not_emulated(method: str) -> Any:
        def call(*_args: Any) -> Any:
            raise LabGap(f"owa-lab does not emulate the ServiceController method {method}(); a real server may accept it.")
        return call

    refresh()
    service.methods["Refresh"] = refresh
    for method in ("Start", "Stop", "WaitForStatus", "Pause", "Continue", "ExecuteCommand"):
        service.methods[method] = not_emulated(method)
    return service


def _is_service(value: Any) -> bool:
    return isinstance(value, PSObject) and value.type_name == _SERVICE_CONTROLLER


def _service_error(inv: Invocation, message: str, error_id: str, target: str) -> None:
    verb, noun = inv.cmdlet.name.split("-", 1)
    inv.error(RuntimeError_(message, error_id=f"{error_id},Microsoft.PowerShell.Commands.{verb}{noun}Command", category="ObjectNotFound",
                            exception_type="Microsoft.PowerShell.Commands.ServiceCommandException", target=target))


def _matching_services(inv: Invocation) -> list[tuple[str, str, bool]]:
    """The services the parameters select, as MultipleServiceCommandBase.MatchingServices selects them (PowerShell/
    PowerShell, Service.cs): by -Name (a name without wildcards that matches nothing writes the non-terminating
    NoServiceFoundForGivenName), by -DisplayName, or the ServiceController objects piped in; then -Include and -Exclude;
    no duplicates; sorted by service name."""
    session: Session = session_of(inv)
    services = _server_services(session)
    chosen: list[tuple[str, str, bool]] = []

    def add(service: tuple[str, str, bool]) -> None:
        if service not in chosen:
            chosen.append(service)

    names: list[Any] = list(to_list(inv.get("Name"))) if inv.has("Name") else []
    objects = [item for item in names if _is_service(item)]
    names = [item for item in names if not _is_service(item)]
    for item in list(to_list(inv.get("InputObject"))) + list(inv.input):
        if _is_service(item):
            objects.append(item)
        elif isinstance(item, PSObject) and "Name" in item.properties:
            names.append(item.properties["Name"])   # ValueFromPipelineByPropertyName
        elif item is not None:
            names.append(item)
    by_display = inv.has("DisplayName")
    for service_object in objects:
        wanted = to_string(service_object.properties.get("ServiceName")).lower()
        for service in services:
            if service[0].lower() == wanted:
                add(service)
    if by_display:
        for pattern in (to_string(v) for v in to_list(inv.get("DisplayName"))):
            matched = [s for s in services if _wildcard(pattern).match(s[1])]
            for service in matched:
                add(service)
            if not matched and not _has_wildcard(pattern):
                _service_error(inv, f"Cannot find any service with display name '{pattern}'.", "NoServiceFoundForGivenDisplayName", pattern)
    elif names:
        for pattern in (to_string(v) for v in names):
            matched = [s for s in services if _wildcard(pattern).match(s[0])]
            for service in matched:
                add(service)
            if not matched and not _has_wildcard(pattern):
                _service_error(inv, f"Cannot find any service with service name '{pattern}'.", "NoServiceFoundForGivenName", pattern)
    elif not objects:
        chosen = list(services)
    key = 1 if by_display else 0
    if inv.has("Include"):
        includes = [_wildcard(to_string(v)) for v in to_list(inv.get("Include"))]
        chosen = [s for s in chosen if any(i.match(s[key]) for i in includes)]
    if inv.has("Exclude"):
        excludes = [_wildcard(to_string(v)) for v in to_list(inv.get("Exclude"))]
        chosen = [s for s in chosen if not any(e.match(s[key]) for e in excludes)]
    return sorted(chosen, key=lambda service: service[0].lower())


def get_service(inv: Invocation) -> list[Any]:
    session: Session = session_of(inv)
    for name in ("ComputerName", "DependentServices", "RequiredServices"):
        if inv.has(name):
            raise inv.engine.lab_gap(f"Get-Service -{name} (owa-lab models this server's own services, without their dependencies)")
    return [_service_object(session, *service) for service in _matching_services(inv)]


def _service_operation(inv: Invocation, operation: str) -> list[Any]:
    """Restart-Service, Stop-Service and Start-Service on the lab's services. W3SVC is emulated: a restart takes IIS out
    of service for the lab's reset window as iisreset does, a stop keeps it out until a start. A service that is
    already where the operation leads is left alone (ServiceController.Start on a running service, Stop on a stopped
    one: PowerShell ignores ERROR_SERVICE_ALREADY_RUNNING and ERROR_SERVICE_NOT_ACTIVE). Anything else says in the
    lab's words that it is not emulated."""
    session: Session = session_of(inv)
    if inv.get("WhatIf") or inv.get("Confirm"):
        raise inv.engine.lab_gap(f"{inv.cmdlet.name} -WhatIf and -Confirm")
    if not inv.has("Name") and not inv.has("DisplayName") and not inv.has("InputObject") and not inv.input:
        raise inv.engine.lab_gap(f"{inv.cmdlet.name} without -Name (Windows asks for the mandatory Name, which no one can answer "
                                 "in a WinRM session)")
    done: list[Any] = []
    for name, display, automatic in _matching_services(inv):
        status = _service_status(session, name, automatic)
        label = f"'{display} ({name})'"
        if name.upper() == "W3SVC":
            if operation == "restart":
                windows.restart_w3svc(session)
            elif operation == "stop":
                windows.stop_w3svc(session)
            else:
                windows.start_w3svc(session)
        elif name.upper() == "WINRM" and operation != "start":
            raise inv.engine.lab_gap(f"{inv.cmdlet.name} of the service {label} from a WinRM session (Windows would stop the "
                                     "service that carries this very session)")
        elif (operation == "start" and status == "Running") or (operation == "stop" and status == "Stopped"):
            pass
        else:
            raise inv.engine.lab_gap(f"{inv.cmdlet.name} of the service {label}: what it does to Exchange and to the "
                                     "services that depend on it")
        session.store.log(session.server, "service-control", operation=operation, service=name, command=inv.cmdlet.name)
        if inv.get("PassThru"):
            done.append(_service_object(session, name, display, automatic))
    return done


def restart_service(inv: Invocation) -> list[Any]:
    return _service_operation(inv, "restart")


def stop_service(inv: Invocation) -> list[Any]:
    return _service_operation(inv, "stop")


def start_service(inv: Invocation) -> list[Any]:
    return _service_operation(inv, "start")


def _service_params(*extra: Param) -> list[Param]:
    return [Param("Name", position=0, aliases=("ServiceName",)), Param("DisplayName"), Param("Include"), Param("Exclude"),
            Param("InputObject"), *extra]


def windows_cmdlets() -> dict[str, Cmdlet]:
    path = [Param("Path", position=0), Param("LiteralPath", aliases=("PSPath",))]
    cmdlets = [
        Cmdlet("Test-Path", path + [Param("PathType"), Param("IsValid", "switch")], test_path),
        Cmdlet("Get-Content", path + [Param("TotalCount", aliases=("First", "Head")), Param("ReadCount"), Param("Encoding"),
                                      Param("Tail", aliases=("Last",))], get_content, aliases=("gc", "cat", "type")),
        Cmdlet("Get-ItemProperty", path + [Param("Name", position=1)], get_item_property, aliases=("gp",)),
        Cmdlet("Join-Path", [Param("Path", position=0), Param("ChildPath", position=1)], join_path),
        Cmdlet("Get-Item", path + [Param("Force", "switch")], get_item, aliases=("gi",)),
        Cmdlet("Start-Process", [Param("FilePath", position=0), Param("ArgumentList", position=1, aliases=("Args",)),
                                 Param("Wait", "switch"), Param("PassThru", "switch"), Param("NoNewWindow", "switch"),
                                 Param("WindowStyle"), Param("WorkingDirectory"), Param("Verb")], start_process, aliases=("saps", "start")),
        Cmdlet("Get-WmiObject", [Param("Class", position=0), Param("ComputerName"), Param("Namespace"), Param("Filter")], get_wmi_object,
               aliases=("gwmi",)),
        Cmdlet("Get-ChildItem", path + [Param("Filter", position=1), Param("Recurse", "switch"), Param("Force", "switch")],
               get_child_item, aliases=("gci", "dir", "ls")),
        Cmdlet("Get-EventLog", [Param("LogName", position=0, aliases=("LN",)), Param("InstanceId", position=1), Param("After"),
                                Param("AsBaseObject", "switch"), Param("Before"), Param("ComputerName", aliases=("Cn",)),
                                Param("EntryType", aliases=("ET",)), Param("Index"), Param("Message", aliases=("MSG",)), Param("Newest"),
                                Param("Source", aliases=("ABO",)), Param("UserName"), Param("List", "switch"), Param("AsString", "switch")],
               get_event_log),
        Cmdlet("Get-Service", _service_params(Param("ComputerName", aliases=("Cn",)), Param("DependentServices", "switch", aliases=("DS",)),
                                              Param("RequiredServices", "switch", aliases=("SDO", "ServicesDependedOn"))),
               get_service, aliases=("gsv",)),
        Cmdlet("Restart-Service", _service_params(Param("Force", "switch"), Param("PassThru", "switch")), restart_service,
               supports_should_process=True),
        Cmdlet("Stop-Service", _service_params(Param("Force", "switch"), Param("PassThru", "switch")), stop_service,
               aliases=("spsv",), supports_should_process=True),
        Cmdlet("Start-Service", _service_params(Param("PassThru", "switch")), start_service, aliases=("sasv",),
               supports_should_process=True),
    ]
    return {c.name: c for c in cmdlets}
