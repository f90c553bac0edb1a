"""The PowerShell cmdlets that admins and our modules use around Exchange's own."""

from __future__ import annotations

import fnmatch
import time
from typing import Any

from .engine import COMMON_PARAMS, SHOULD_PROCESS_PARAMS, Cmdlet, Invocation, Param
from .formatting import FormatData, format_list, format_table, render
from .values import HostText, CIDict, PSObject, RuntimeError_, ScriptBlock, get_property, is_true, to_list, to_number, to_string


def _patterns(value: Any) -> list[str] | None:
    if value is None:
        return None
    return [to_string(v) for v in to_list(value)]


def _property_of(item: Any, name: str) -> Any:
    return get_property(item, name)


def where_object(inv: Invocation) -> list[Any]:
    block = inv.get("FilterScript")
    if not isinstance(block, ScriptBlock):
        raise RuntimeError_("Cannot bind parameter 'FilterScript'. Cannot convert the value to type \"System.Management.Automation.ScriptBlock\".",
                            error_id="CannotConvertArgument,Microsoft.PowerShell.Commands.WhereObjectCommand", category="InvalidArgument")
    return [item for item in inv.input if is_true(inv.engine.invoke_block(block, [item], item, bind_underscore=True))]


def foreach_object(inv: Invocation) -> list[Any]:
    block = inv.get("Process")
    output: list[Any] = []
    for item in inv.input:
        output.extend(inv.engine.invoke_block(block, [item], item, bind_underscore=True))
    return output


def select_object(inv: Invocation) -> list[Any]:
    items = list(inv.input)
    if inv.has("ExpandProperty"):
        name = to_string(inv.get("ExpandProperty"))
        expanded: list[Any] = []
        for item in items:
            value = _property_of(item, name)
            expanded.extend(to_list(value))
        items = expanded
    elif inv.has("Property"):
        names = _patterns(inv.get("Property")) or []
        selected = []
        for item in items:
            props: dict[str, Any] = {}
            for pattern in names:
                if isinstance(item, PSObject):
                    for key in item.properties.keys():
                        if fnmatch.fnmatchcase(key.lower(), pattern.lower()):
                            props[key] = item.properties[key]
            selected.append(PSObject("Selected." + (item.type_name if isinstance(item, PSObject) else "System.Object"), props))
        items = selected
    if inv.has("First"):
        items = items[: int(inv.get("First"))]
    if inv.has("Last"):
        count = int(inv.get("Last"))
        items = items[-count:] if count else []
    return items


def sort_object(inv: Invocation) -> list[Any]:
    name = inv.get("Property")
    key = (lambda item: to_string(_property_of(item, to_string(name))).lower()) if name else (lambda item: to_string(item).lower())
    return sorted(inv.input, key=key, reverse=bool(inv.get("Descending")))


def measure_object(inv: Invocation) -> list[Any]:
    return [PSObject("Microsoft.PowerShell.Commands.GenericMeasureInfo", {"Count": len(inv.input)})]


def format_list_cmdlet(inv: Invocation) -> list[Any]:
    return [FormatData(format_list(inv.input, _patterns(inv.get("Property"))))]


def format_table_cmdlet(inv: Invocation) -> list[Any]:
    return [FormatData(format_table(inv.input, _patterns(inv.get("Property")), bool(inv.get("HideTableHeaders"))))]


def out_string(inv: Invocation) -> list[Any]:
    text = render(inv.input)
    if inv.get("Stream"):
        return [line for line in text.split("\r\n")]
    return [text]


def out_null(inv: Invocation) -> list[Any]:
    return []


def write_output(inv: Invocation) -> list[Any]:
    values = to_list(inv.get("InputObject")) if inv.has("InputObject") else []
    return values + list(inv.input)


def write_host(inv: Invocation) -> list[Any]:
    # Write-Host writes to the host, which a WinRM shell relays on stdout.
    text = " ".join(to_string(v) for v in to_list(inv.get("Object")))
    inv.engine.state.setdefault("host_lines", []).append(text)
    return [_HostText(text)]


_HostText = HostText  # the name other modules import


def write_error(inv: Invocation) -> list[Any]:
    message = to_string(inv.get("Message"))
    inv.error(RuntimeError_(message, error_id="Microsoft.PowerShell.Commands.WriteErrorException",
                            exception_type="Microsoft.PowerShell.Commands.WriteErrorException", command="Write-Error"))
    return []


def write_warning(inv: Invocation) -> list[Any]:
    inv.engine.warnings.append(to_string(inv.get("Message")))
    return []


def write_verbose(inv: Invocation) -> list[Any]:
    return []


def get_variable(inv: Invocation) -> list[Any]:
    name = to_string(inv.get("Name"))
    found, value = inv.engine.scope.lookup(name)
    if not found:
        inv.error(RuntimeError_(f"Cannot find a variable with name '{name}'.", error_id="VariableNotFound,Microsoft.PowerShell.Commands.GetVariableCommand",
                                category="ObjectNotFound", exception_type="System.Management.Automation.ItemNotFoundException", target=name))
        return []
    if inv.get("ValueOnly"):
        return to_list(value)
    return [PSObject("System.Management.Automation.PSVariable", {"Name": name, "Value": value})]


def get_date(inv: Invocation) -> list[Any]:
    now = inv.engine.state["clock"]()
    if inv.has("Format"):
        from .engine import _format_datetime
        return [_format_datetime(now, to_string(inv.get("Format")))]
    return [now]


def new_object(inv: Invocation) -> list[Any]:
    type_name = to_string(inv.get("TypeName")).lower()
    if type_name in ("psobject", "system.management.automation.psobject", "object", "system.object"):
        properties = inv.get("Property")
        return [PSObject("System.Management.Automation.PSCustomObject", dict(properties.items()) if isinstance(properties, CIDict) else {})]
    if type_name in ("system.collections.hashtable", "hashtable"):
        return [CIDict()]
    raise RuntimeError_(f'Cannot find type [{inv.get("TypeName")}]: make sure the assembly containing this type is loaded.',
                        error_id="TypeNotFound,Microsoft.PowerShell.Commands.NewObjectCommand", category="InvalidType")


def add_member(inv: Invocation) -> list[Any]:
    target = inv.get("InputObject") if inv.has("InputObject") else (inv.input[0] if inv.input else None)
    if isinstance(target, PSObject):
        target.properties[to_string(inv.get("Name"))] = inv.get("Value")
    return [target] if inv.get("PassThru") else []


def start_sleep(inv: Invocation) -> list[Any]:
    seconds = float(to_number(inv.get("Seconds") or 0)) + float(to_number(inv.get("Milliseconds") or 0)) / 1000
    time.sleep(min(seconds, 300))
    return []


def get_command(inv: Invocation) -> list[Any]:
    """Get-Command NAME: a cmdlet's CmdletInfo, with Parameters keyed by name (case-insensitive, common ones included)."""
    found: list[Any] = []
    for name in (to_string(n) for n in to_list(inv.get("Name"))):
        cmdlet = inv.engine.commands.get(name)
        if cmdlet is None:
            inv.error(RuntimeError_(
                f"The term '{name}' is not recognized as the name of a cmdlet, function, script file, or operable program. "
                "Check the spelling of the name, or if a path was included, verify that the path is correct and try again.",
                error_id="CommandNotFoundException,Microsoft.PowerShell.Commands.GetCommandCommand", category="ObjectNotFound",
                exception_type="System.Management.Automation.CommandNotFoundException", target=name))
            continue
        params = list(cmdlet.params) + COMMON_PARAMS + (SHOULD_PROCESS_PARAMS if cmdlet.supports_should_process else [])
        metadata = CIDict((p.name, PSObject("System.Management.Automation.ParameterMetadata", {
            "Name": p.name, "SwitchParameter": p.kind == "switch", "Aliases": list(p.aliases)}, text=p.name)) for p in params)
        found.append(PSObject("System.Management.Automation.CmdletInfo", {
            "Name": cmdlet.name, "CommandType": "Cmdlet", "Parameters": metadata}, display=["CommandType", "Name"], text=cmdlet.name))
    return found


def _switch(name: str, **kwargs: Any) -> Param:
    return Param(name, "switch", **kwargs)


def core_cmdlets() -> dict[str, Cmdlet]:
    cmdlets = [
        Cmdlet("Where-Object", [Param("FilterScript", position=0), Param("InputObject")], where_object, aliases=("where", "?")),
        Cmdlet("ForEach-Object", [Param("Process", position=0), Param("InputObject")], foreach_object, aliases=("foreach", "%")),
        Cmdlet("Select-Object", [Param("Property", position=0), Param("ExpandProperty"), Param("First", convert=lambda v, n: int(v)),
                                 Param("Last", convert=lambda v, n: int(v)), _switch("Unique")], select_object, aliases=("select",)),
        Cmdlet("Sort-Object", [Param("Property", position=0), _switch("Descending")], sort_object, aliases=("sort",)),
        Cmdlet("Measure-Object", [Param("Property", position=0)], measure_object, aliases=("measure",)),
        Cmdlet("Format-List", [Param("Property", position=0), _switch("Force")], format_list_cmdlet, aliases=("fl",)),
        Cmdlet("Format-Table", [Param("Property", position=0), _switch("AutoSize"), _switch("HideTableHeaders"), _switch("Wrap")],
               format_table_cmdlet, aliases=("ft",)),
        Cmdlet("Out-String", [_switch("Stream"), Param("Width")], out_string),
        Cmdlet("Out-Null", [Param("InputObject")], out_null),
        Cmdlet("Write-Output", [Param("InputObject", position=0)], write_output, aliases=("echo", "write")),
        Cmdlet("Write-Host", [Param("Object", position=0), _switch("NoNewline"), Param("ForegroundColor")], write_host),
        Cmdlet("Write-Error", [Param("Message", position=0), Param("Category"), Param("ErrorId")], write_error),
        Cmdlet("Write-Warning", [Param("Message", position=0)], write_warning),
        Cmdlet("Write-Verbose", [Param("Message", position=0)], write_verbose),
        Cmdlet("Get-Variable", [Param("Name", position=0), _switch("ValueOnly"), Param("Scope")], get_variable, aliases=("gv",)),
        Cmdlet("Get-Date", [Param("Format")], get_date),
        Cmdlet("Get-Command", [Param("Name", position=0)], get_command, aliases=("gcm",)),
        Cmdlet("Start-Sleep", [Param("Seconds", position=0, aliases=("s",)), Param("Milliseconds", aliases=("m",))], start_sleep,
               aliases=("sleep",)),
        Cmdlet("New-Object", [Param("TypeName", position=0), Param("Property"), Param("ArgumentList")], new_object),
        Cmdlet("Add-Member", [Param("MemberType", position=0), Param("Name", position=1), Param("Value", position=2),
                              Param("InputObject"), _switch("PassThru"), _switch("Force")], add_member),
        # Present from PowerShell 3.0 on: a 2.0 server does not know them.
        Cmdlet("ConvertTo-Json", [Param("InputObject", position=0), Param("Depth"), _switch("Compress")], _unavailable, min_version=3.0),
        Cmdlet("ConvertFrom-Json", [Param("InputObject", position=0)], _unavailable, min_version=3.0),
        Cmdlet("Invoke-RestMethod", [Param("Uri", position=0)], _unavailable, min_version=3.0),
    ]
    return {c.name: c for c in cmdlets}


def _unavailable(inv: Invocation) -> list[Any]:
    raise RuntimeError_(f"The lab does not emulate {inv.cmdlet.name}.", error_id="NotImplemented")
