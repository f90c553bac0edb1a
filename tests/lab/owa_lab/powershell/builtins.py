"""The PowerShell cmdlets that admins and our modules use around Exchange's own."""

from __future__ import annotations

import datetime as dt
import fnmatch
import json
import time
from collections.abc import Callable
from typing import Any

from .engine import COMMON_PARAMS, SHOULD_PROCESS_PARAMS, Cmdlet, Invocation, Param
from . import composite
from .formatting import FormatData, format_list, format_table, property_names, render
from .values import (
    PSCollection, CIDict, HostText, PSObject, RuntimeError_, ScriptBlock, SwitchValue, is_true, to_list, to_number, to_string, type_name_of,
)


def _patterns(value: Any) -> list[str] | None:
    if value is None:
        return None
    return [to_string(v) for v in to_list(value)]


def _property_of(engine: Any, item: Any, name: str) -> Any:
    return engine.property(item, name)


_WHERE_OPERATORS = ("EQ", "NE", "GT", "GE", "LT", "LE", "Like", "NotLike", "Match", "NotMatch", "Contains", "NotContains",
                    "In", "NotIn", "Is", "IsNot", "CEQ", "CNE", "CGT", "CGE", "CLT", "CLE", "CLike", "CNotLike", "CMatch",
                    "CNotMatch", "CContains", "CNotContains", "CIn", "CNotIn")


def where_object(inv: Invocation) -> list[Any]:
    block = inv.get("FilterScript")
    operators = [name for name in _WHERE_OPERATORS if inv.has(name)]
    if block is not None and not isinstance(block, ScriptBlock) and inv.engine.ps_version >= 3 and not inv.has("Property"):
        inv.args["Property"] = block  # the first positional argument of the comparison statement is the property
    if inv.has("Property"):
        # Where-Object Name -eq value (PowerShell 3.0's comparison statement; Where-Object's help page).
        name = to_string(inv.get("Property"))
        operator = "-" + (operators[0].lower() if operators else "")
        value = inv.get(operators[0]) if operators else None
        if isinstance(value, SwitchValue):
            value = inv.get("Value")
        elif inv.has("Value"):
            value = inv.get("Value")
        if not operators:
            return [item for item in inv.input if is_true(_property_of(inv.engine, item, name))]
        return [item for item in inv.input if is_true(inv.engine.compare(operator, _property_of(inv.engine, item, name), value))]
    if not isinstance(block, ScriptBlock):
        raise RuntimeError_("Cannot bind parameter 'FilterScript'. Cannot convert the value to type \"System.Management.Automation.ScriptBlock\".",
                            error_id="CannotConvertArgument,Microsoft.PowerShell.Commands.WhereObjectCommand", category="InvalidArgument")
    return [item for item in inv.input if is_true(inv.engine.invoke_block(block, [item], item, bind_underscore=True))]


def foreach_object(inv: Invocation) -> list[Any]:
    block = inv.get("Process")
    output: list[Any] = []
    if block is not None and not isinstance(block, ScriptBlock) and inv.engine.ps_version >= 3 and not inv.has("MemberName"):
        inv.args["MemberName"] = block  # ForEach-Object Name: the member name parameter set (3.0)
    if inv.has("MemberName"):
        # ForEach-Object Name (3.0): each input object's property of that name, or the result of its method.
        name = to_string(inv.get("MemberName"))
        for item in inv.input:
            output.extend(to_list(_property_of(inv.engine, item, name)))
        return output
    if not isinstance(block, ScriptBlock):
        raise RuntimeError_(f'Cannot bind parameter \'Process\'. Cannot convert the "{to_string(block)}" value of type '
                            f'"{type_name_of(block)}" to type "System.Management.Automation.ScriptBlock".',
                            error_id="CannotConvertArgumentNoMessage,Microsoft.PowerShell.Commands.ForEachObjectCommand",
                            category="InvalidArgument", exception_type="System.Management.Automation.ParameterBindingException")
    begin, end = inv.get("Begin"), inv.get("End")
    if isinstance(begin, ScriptBlock):
        output.extend(inv.engine.invoke_block(begin, [], None))
    for item in inv.input:
        output.extend(inv.engine.invoke_block(block, [item], item, bind_underscore=True))
    if isinstance(end, ScriptBlock):
        output.extend(inv.engine.invoke_block(end, [], None))
    return output


def _calculated(inv: Invocation, spec: CIDict) -> tuple[str, Callable[[Any], Any]]:
    """A calculated property, @{Name=...; Expression=...} (Name, Label (3.0+ for Select-Object) or a prefix of them)."""
    name: Any = None
    expression: Any = None
    for key, value in spec.items():
        lower = to_string(key).lower()
        if lower and ("name".startswith(lower) or "label".startswith(lower)):
            name = value
        elif lower and "expression".startswith(lower):
            expression = value
        else:
            raise RuntimeError_(f'The "{to_string(key)}" key is not valid.', error_id="DictionaryKeyIllegal," + _class(inv),
                                category="InvalidArgument", exception_type="System.NotSupportedException")
    if expression is None:
        raise RuntimeError_('The "Expression" key is missing.', error_id="DictionaryKeyMissing," + _class(inv),
                            category="InvalidArgument", exception_type="System.NotSupportedException")
    if isinstance(expression, ScriptBlock):
        label = to_string(name) if name is not None else expression.source
        return label, lambda item: _single(inv.engine.invoke_block(expression, [item], item, bind_underscore=True))
    text = to_string(expression)
    return (to_string(name) if name is not None else text), lambda item: _property_of(inv.engine, item, text)


def _class(inv: Invocation) -> str:
    return "Microsoft.PowerShell.Commands." + inv.cmdlet.name.replace("-", "") + "Command"


def _single(values: list[Any]) -> Any:
    return values[0] if len(values) == 1 else (list(values) if values else None)


def _columns(inv: Invocation, specs: list[Any], item: Any) -> list[tuple[str, Callable[[Any], Any]]]:
    columns: list[tuple[str, Callable[[Any], Any]]] = []
    for spec in specs:
        if isinstance(spec, CIDict):
            columns.append(_calculated(inv, spec))
            continue
        if isinstance(spec, ScriptBlock):
            columns.append(_calculated(inv, CIDict([("Expression", spec)])))
            continue
        pattern = to_string(spec)
        names = [key for key in property_names(item) if fnmatch.fnmatchcase(key.lower(), pattern.lower())]
        if not names and not any(c in pattern for c in "*?["):
            names = [pattern]
        for name in names:
            columns.append((name, lambda obj, n=name: _property_of(inv.engine, obj, n)))
    return columns


def select_object(inv: Invocation) -> list[Any]:
    items = list(inv.input)
    if inv.has("Skip"):
        items = items[int(inv.get("Skip")):]
    if inv.has("First") or inv.has("Last"):
        head = items[: int(inv.get("First"))] if inv.has("First") else []
        count = int(inv.get("Last") or 0)
        tail = (items[-count:] if count else []) if inv.has("Last") else []
        items = head + [t for t in tail if not any(t is h for h in head)] if inv.has("First") and inv.has("Last") else (head or tail)
    if inv.has("ExpandProperty"):
        name = to_string(inv.get("ExpandProperty"))
        expanded: list[Any] = []
        for item in items:
            value = _property_of(inv.engine, item, name)
            if value is None and name.lower() not in (k.lower() for k in property_names(item)):
                inv.error(RuntimeError_(f'Property "{name}" cannot be found.', error_id="ExpandPropertyNotFound," + _class(inv),
                                        category="InvalidArgument", exception_type="System.Management.Automation.PSArgumentException",
                                        target=item))
                continue
            expanded.extend(to_list(value))
        items = expanded
    elif inv.has("Property"):
        specs = to_list(inv.get("Property"))
        selected = []
        for item in items:
            props = {name: getter(item) for name, getter in _columns(inv, specs, item)}
            selected.append(PSObject("Selected." + type_name_of(item) if item is not None else "Selected.System.Object", props,
                                     display=list(props)[:4] if len(props) <= 4 else None))
        items = selected
    if inv.get("Unique"):
        unique: list[Any] = []
        for item in items:
            if not any(_same(item, other) for other in unique):
                unique.append(item)
        items = unique
    return items


def _same(left: Any, right: Any) -> bool:
    if isinstance(left, PSObject) and isinstance(right, PSObject):
        return [to_string(v) for v in left.properties.values()] == [to_string(v) for v in right.properties.values()]
    return to_string(left) == to_string(right)  # Select-Object -Unique compares case-sensitively


def _sort_key(value: Any) -> tuple[int, Any]:
    if value is None:
        return (0, 0)
    if isinstance(value, bool):
        return (1, int(value))
    if isinstance(value, (int, float)):
        return (1, value)
    if isinstance(value, dt.datetime):
        return (2, value)
    return (3, to_string(value).lower())


def sort_object(inv: Invocation) -> list[Any]:
    specs = to_list(inv.get("Property")) if inv.has("Property") else []
    items = list(inv.input)
    descending = bool(inv.get("Descending"))
    if not specs:
        ordered = sorted(items, key=_sort_key, reverse=descending)
    else:
        ordered = items
        # Sort by the last key first; Python's sort is stable, so the first key decides in the end.
        for spec in reversed(specs):
            reverse = descending
            if isinstance(spec, CIDict):
                flags = {to_string(k).lower(): v for k, v in spec.items()}
                if "descending" in flags or "ascending" in flags:
                    reverse = is_true(flags.pop("descending")) if "descending" in flags else not is_true(flags.pop("ascending"))
                    spec = CIDict((k, v) for k, v in spec.items() if to_string(k).lower() not in ("descending", "ascending"))
                _label, getter = _calculated(inv, spec)
            else:
                _label, getter = _columns(inv, [spec], None)[0]
            ordered = sorted(ordered, key=lambda obj, g=getter: _sort_key(g(obj)), reverse=reverse)
    if inv.get("Unique"):
        unique: list[Any] = []
        for item in ordered:
            if not any(to_string(item).lower() == to_string(other).lower() for other in unique):
                unique.append(item)
        ordered = unique
    return ordered


def group_object(inv: Invocation) -> list[Any]:
    """Group-Object: groups in the order their first member came, Name the key as text (case-insensitive)."""
    specs = to_list(inv.get("Property")) if inv.has("Property") else []
    groups: list[tuple[str, list[Any]]] = []
    for item in inv.input:
        if specs:
            keys = [to_string(getter(item)) for _n, getter in _columns(inv, specs, item)]
            key = ", ".join(keys)
        else:
            key = to_string(item)
        found = next((g for g in groups if (g[0] == key if inv.get("CaseSensitive") else g[0].lower() == key.lower())), None)
        if found is None:
            groups.append((key, [item]))
        else:
            found[1].append(item)
    if inv.get("AsHashTable"):
        table = CIDict()
        for key, members_ in groups:
            table[key] = members_
        return [table]
    return [PSObject("Microsoft.PowerShell.Commands.GroupInfo", {"Count": len(members_), "Name": key, "Group": list(members_)},
                     display=["Count", "Name", "Group"]) for key, members_ in groups]


def measure_object(inv: Invocation) -> list[Any]:
    """Measure-Object: Count always; Average, Sum, Maximum, Minimum when asked (of a property with -Property)."""
    name = to_string(inv.get("Property")) if inv.has("Property") else None
    values = [(_property_of(inv.engine, item, name) if name else item) for item in inv.input]
    values = [v for v in values if v is not None]
    numbers = [to_number(v) for v in values] if any(inv.get(k) for k in ("Sum", "Average", "Maximum", "Minimum")) else []
    total = sum(numbers) if numbers else 0
    properties = {
        "Count": len(values),
        "Average": (float(total) / len(numbers) if numbers else None) if inv.get("Average") else None,
        "Sum": (float(total) if numbers else 0.0) if inv.get("Sum") else None,
        "Maximum": (float(max(numbers)) if numbers else None) if inv.get("Maximum") else None,
        "Minimum": (float(min(numbers)) if numbers else None) if inv.get("Minimum") else None,
        "Property": name,
    }
    return [PSObject("Microsoft.PowerShell.Commands.GenericMeasureInfo", properties)]


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
    # Write-Host writes to the host, which a WinRM shell relays on stdout; the engine keeps it out of variables and
    # of the next command's input. -NoNewline text joins the next line.
    separator = to_string(inv.get("Separator")) if inv.has("Separator") else " "
    text = separator.join(to_string(v) for v in to_list(inv.get("Object")))
    pending = inv.engine.state.pop("host_partial", "")
    if inv.get("NoNewline"):
        inv.engine.state["host_partial"] = pending + text
        return []
    inv.engine.state.setdefault("host_lines", []).append(pending + text)
    return [_HostText(pending + text)]


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
    """Get-Date [-Date] [-Year ...] [-Format]: the date given (text read as [datetime] reads it) or now."""
    value = inv.get("Date") if inv.has("Date") else inv.engine.state["clock"]()
    if not isinstance(value, dt.datetime):
        value = inv.engine.convert(value, "datetime")
    for part in ("Year", "Month", "Day", "Hour", "Minute", "Second"):
        if inv.has(part):
            value = value.replace(**{part.lower(): int(to_number(inv.get(part)))})
    if inv.has("UFormat"):
        raise inv.engine.lab_gap("Get-Date -UFormat")
    if inv.has("Format"):
        return [composite.format_date(value, to_string(inv.get("Format")))]
    return [value]


def convert_to_json(inv: Invocation) -> list[Any]:
    """ConvertTo-Json as Windows PowerShell 5.1 writes it: four-space indents, two spaces after a colon, a nested value
    indented to where it starts, and <, >, ', & as \\u escapes (JavaScriptSerializer); -Depth 2 by default."""
    items = to_list(inv.get("InputObject")) if inv.has("InputObject") else list(inv.input)
    depth = int(to_number(inv.get("Depth"))) if inv.has("Depth") else 2
    compress = bool(inv.get("Compress"))
    value: Any = items[0] if len(items) == 1 and not (inv.has("InputObject") and isinstance(inv.get("InputObject"), list)) else items
    return [_json(value, depth, compress, 0)]


def _json_string(text: str) -> str:
    encoded = json.dumps(text, ensure_ascii=False)
    for char, escape in (("<", "\\u003c"), (">", "\\u003e"), ("'", "\\u0027"), ("&", "\\u0026")):
        encoded = encoded.replace(char, escape)
    return encoded


def _json(value: Any, depth: int, compress: bool, column: int) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return to_string(value)
    if isinstance(value, str):
        return _json_string(value)
    if isinstance(value, (list, PSCollection)):
        items = [_json(item, depth - 1, compress, column + 4) if depth > 0 else _json_string(to_string(item)) for item in value]
        if compress:
            return "[" + ",".join(items) + "]"
        if not items:
            return "[\r\n\r\n" + " " * column + "]"
        return "[\r\n" + ",\r\n".join(" " * (column + 4) + item for item in items) + "\r\n" + " " * column + "]"
    if isinstance(value, (CIDict, PSObject)):
        pairs = list(value.items()) if isinstance(value, CIDict) else list(value.properties.items())
        if depth < 0:
            return _json_string(to_string(value))
        rendered = []
        for key, item in pairs:
            prefix = _json_string(to_string(key)) + (":" if compress else ":  ")
            inner = _json(item, depth - 1, compress, column + 4 + len(prefix)) if depth > 0 else _json_string(to_string(item))
            rendered.append(prefix + inner)
        if compress:
            return "{" + ",".join(rendered) + "}"
        return "{\r\n" + ",\r\n".join(" " * (column + 4) + item for item in rendered) + "\r\n" + " " * column + "}"
    return _json_string(to_string(value))


def new_object(inv: Invocation) -> list[Any]:
    # Types and COM classes the emulated system provides (engine.state "constructors", keyed by lower-case type name, or
    # "com:" and the ProgID); the language itself knows only its own.
    constructors = inv.engine.state.get("constructors", {})
    if inv.has("ComObject"):
        prog_id = to_string(inv.get("ComObject"))
        make = constructors.get("com:" + prog_id.lower())
        if make is None:
            raise inv.engine.lab_gap(f"the COM class {prog_id} (New-Object -ComObject)")
        return [make()]
    type_name = to_string(inv.get("TypeName")).lower()
    if type_name in constructors:
        return [constructors[type_name]()]
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


def _v3(name: str, kind: str = "value", **kwargs: Any) -> Param:
    return Param(name, kind, min_version=3.0, **kwargs)


def core_cmdlets() -> dict[str, Cmdlet]:
    where_params = [Param("FilterScript", position=0), Param("InputObject"), _v3("Property"), _v3("Value", position=1)]
    where_params += [_v3(name, "switch") for name in _WHERE_OPERATORS]
    cmdlets = [
        Cmdlet("Where-Object", where_params, where_object, aliases=("where", "?")),
        Cmdlet("ForEach-Object", [Param("Process", position=0), Param("InputObject"), Param("Begin"), Param("End"), _v3("MemberName")],
               foreach_object, aliases=("foreach", "%")),
        Cmdlet("Select-Object", [Param("Property", position=0), Param("ExpandProperty"), Param("First", convert=lambda v, n: int(v)),
                                 Param("Last", convert=lambda v, n: int(v)), Param("Skip", convert=lambda v, n: int(v)),
                                 _switch("Unique")], select_object, aliases=("select",)),
        Cmdlet("Sort-Object", [Param("Property", position=0), _switch("Descending"), _switch("Unique"), _switch("CaseSensitive")],
               sort_object, aliases=("sort",)),
        Cmdlet("Group-Object", [Param("Property", position=0), _switch("NoElement"), _switch("AsHashTable"), _switch("AsString"),
                                _switch("CaseSensitive")], group_object, aliases=("group",)),
        Cmdlet("Measure-Object", [Param("Property", position=0), _switch("Sum"), _switch("Average"), _switch("Maximum"),
                                  _switch("Minimum")], measure_object, aliases=("measure",)),
        Cmdlet("Format-List", [Param("Property", position=0), _switch("Force")], format_list_cmdlet, aliases=("fl",)),
        Cmdlet("Format-Table", [Param("Property", position=0), _switch("AutoSize"), _switch("HideTableHeaders"), _switch("Wrap")],
               format_table_cmdlet, aliases=("ft",)),
        Cmdlet("Out-String", [_switch("Stream"), Param("Width")], out_string),
        Cmdlet("Out-Null", [Param("InputObject")], out_null),
        Cmdlet("Write-Output", [Param("InputObject", position=0, remaining=True)], write_output, aliases=("echo", "write")),
        Cmdlet("Write-Host", [Param("Object", position=0, remaining=True), _switch("NoNewline"), Param("Separator"),
                              Param("ForegroundColor"), Param("BackgroundColor")], write_host),
        Cmdlet("Write-Error", [Param("Message", position=0), Param("Category"), Param("ErrorId")], write_error),
        Cmdlet("Write-Warning", [Param("Message", position=0)], write_warning),
        Cmdlet("Write-Verbose", [Param("Message", position=0)], write_verbose),
        Cmdlet("Get-Variable", [Param("Name", position=0), _switch("ValueOnly"), Param("Scope")], get_variable, aliases=("gv",)),
        Cmdlet("Get-Date", [Param("Date", position=0), Param("Format"), Param("UFormat"), Param("Year"), Param("Month"), Param("Day"),
                            Param("Hour"), Param("Minute"), Param("Second"), Param("DisplayHint")], get_date),
        Cmdlet("Get-Command", [Param("Name", position=0)], get_command, aliases=("gcm",)),
        Cmdlet("Start-Sleep", [Param("Seconds", position=0, aliases=("s",)), Param("Milliseconds", aliases=("m",))], start_sleep,
               aliases=("sleep",)),
        Cmdlet("New-Object", [Param("TypeName", position=0), Param("ComObject"), Param("Property"), Param("ArgumentList")], new_object),
        Cmdlet("Add-Member", [Param("MemberType", position=0), Param("Name", position=1), Param("Value", position=2),
                              Param("InputObject"), _switch("PassThru"), _switch("Force")], add_member),
        # Present from PowerShell 3.0 on: a 2.0 server does not know them.
        Cmdlet("ConvertTo-Json", [Param("InputObject", position=0), Param("Depth"), _switch("Compress")], convert_to_json,
               min_version=3.0),
        Cmdlet("ConvertFrom-Json", [Param("InputObject", position=0)], _unavailable, min_version=3.0),
        Cmdlet("Invoke-RestMethod", [Param("Uri", position=0)], _unavailable, min_version=3.0),
    ]
    return {c.name: c for c in cmdlets}


def _unavailable(inv: Invocation) -> list[Any]:
    raise inv.engine.lab_gap(inv.cmdlet.name)
