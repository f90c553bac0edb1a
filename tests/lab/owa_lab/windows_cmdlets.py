"""PowerShell's file, registry and process cmdlets over a lab server's disk, registry and installers."""

from __future__ import annotations

import datetime as dt
from typing import Any

from . import files
from .exchange.cmdlets import Session, session_of
from .powershell.engine import Cmdlet, Invocation, Param
from .powershell.values import PSObject, RuntimeError_, to_list, to_string
from .windows import boot_time, find_program


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
        content = files.read(session, path)
        if content is not None:
            results.append(kind in ("any", "leaf"))
        else:
            results.append(files.is_folder(session, path) and kind in ("any", "container"))
    return results


def get_content(inv: Invocation) -> list[Any]:
    session = session_of(inv)
    if inv.has("Tail") and inv.engine.ps_version < 3.0:
        raise _no_parameter("Tail", "Microsoft.PowerShell.Commands.GetContentCommand", "Get-Content")
    lines: list[Any] = []
    for path in _path_of(inv):
        content = files.read(session, path)
        if content is None:
            _not_found(inv, path, "Microsoft.PowerShell.Commands.GetContentCommand")
            continue
        text = content if isinstance(content, str) else "MZ\x90\x00\x03"
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


def join_path(inv: Invocation) -> list[Any]:
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
    program = find_program(session, file_path)
    if program is None:
        raise RuntimeError_("This command cannot be executed due to the error: The system cannot find the file specified.",
                            error_id="InvalidOperationException,Microsoft.PowerShell.Commands.StartProcessCommand",
                            category="InvalidOperation", exception_type="System.InvalidOperationException", command="Start-Process")
    code, lines = program(session, _argument_words(inv.get("ArgumentList")))
    name = file_path.replace("/", "\\").rsplit("\\", 1)[-1]
    process = PSObject("System.Diagnostics.Process", {
        "ExitCode": code if inv.get("Wait") else None, "HasExited": bool(inv.get("Wait")), "Id": 4000 + len(inv.engine.state.setdefault("processes", [])),
        "ProcessName": name.rsplit(".", 1)[0]}, display=["Id", "ProcessName"], text=f"System.Diagnostics.Process ({name.rsplit('.', 1)[0]})")
    inv.engine.state["processes"].append(process)
    return [process] if inv.get("PassThru") else []


def get_wmi_object(inv: Invocation) -> list[Any]:
    session: Session = session_of(inv)
    wmi_class = to_string(inv.get("Class")).lower()
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


def windows_cmdlets() -> dict[str, Cmdlet]:
    path = [Param("Path", position=0), Param("LiteralPath", aliases=("PSPath",))]
    cmdlets = [
        Cmdlet("Test-Path", path + [Param("PathType"), Param("IsValid", "switch")], test_path),
        Cmdlet("Get-Content", path + [Param("TotalCount", aliases=("First", "Head")), Param("ReadCount"), Param("Encoding"),
                                      Param("Tail", aliases=("Last",))], get_content, aliases=("gc", "cat", "type")),
        Cmdlet("Get-ItemProperty", path + [Param("Name", position=1)], get_item_property, aliases=("gp",)),
        Cmdlet("Join-Path", [Param("Path", position=0), Param("ChildPath", position=1)], join_path),
        Cmdlet("Start-Process", [Param("FilePath", position=0), Param("ArgumentList", position=1, aliases=("Args",)),
                                 Param("Wait", "switch"), Param("PassThru", "switch"), Param("NoNewWindow", "switch"),
                                 Param("WindowStyle"), Param("WorkingDirectory"), Param("Verb")], start_process, aliases=("saps", "start")),
        Cmdlet("Get-WmiObject", [Param("Class", position=0), Param("ComputerName"), Param("Namespace"), Param("Filter")], get_wmi_object,
               aliases=("gwmi",)),
    ]
    return {c.name: c for c in cmdlets}
