"""Format-List, Format-Table and the default console rendering, as PowerShell lays them out."""

from __future__ import annotations

import datetime as dt
import fnmatch
from typing import Any

from .values import CIDict, PSCollection, PSEnum, PSObject, to_string


def property_names(value: Any) -> list[str]:
    if isinstance(value, PSObject):
        return list(value.properties.keys())
    if isinstance(value, CIDict):
        return ["Name", "Value"]
    return []


def select_properties(value: Any, patterns: list[str]) -> list[str]:
    names = property_names(value)
    chosen: list[str] = []
    for pattern in patterns:
        lower = pattern.lower()
        for name in names:
            if fnmatch.fnmatchcase(name.lower(), lower) and name not in chosen:
                chosen.append(name)
    return chosen


def _cell(value: Any) -> str:
    if isinstance(value, (list, PSCollection)):
        return "{" + ", ".join(to_string(v) for v in value) + "}"
    if isinstance(value, PSEnum):
        return value.name
    return to_string(value)


def _value(item: Any, name: str) -> Any:
    if isinstance(item, PSObject):
        return item.properties.get(name)
    return None


def format_list(items: list[Any], patterns: list[str] | None) -> list[str]:
    lines: list[str] = [""]
    for item in items:
        if not isinstance(item, PSObject):
            lines.extend(to_string(item).split("\n") if not isinstance(item, CIDict) else _hashtable_table(item))
            continue
        names = select_properties(item, patterns) if patterns else (item.properties.keys())
        lines.append("")
        if names:
            width = max(len(n) for n in names)
            for name in names:
                text = _cell(_value(item, name))
                rows = text.split("\n") if text else [""]
                lines.append(f"{name.ljust(width)} : {rows[0]}".rstrip() if not rows[0] else f"{name.ljust(width)} : {rows[0]}")
                lines.extend(" " * (width + 3) + row for row in rows[1:])
    lines.extend(["", ""])
    return lines


def format_table(items: list[Any], patterns: list[str] | None, hide_headers: bool = False) -> list[str]:
    objects = [i for i in items if isinstance(i, PSObject)]
    if not objects:
        lines: list[str] = []
        for item in items:
            lines.extend(_hashtable_table(item) if isinstance(item, CIDict) else [to_string(item)])
        return lines
    first = objects[0]
    names = select_properties(first, patterns) if patterns else (first.display or first.properties.keys())
    rows = [[_cell(_value(item, name)) for name in names] for item in objects]
    widths = [max([len(name)] + [len(row[i]) for row in rows]) for i, name in enumerate(names)]
    lines = [""]
    if not hide_headers:
        lines.append(" ".join(name.ljust(widths[i]) for i, name in enumerate(names)).rstrip())
        lines.append(" ".join(("-" * len(name)).ljust(widths[i]) for i, name in enumerate(names)).rstrip())
    for row in rows:
        lines.append(" ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip())
    lines.extend(["", ""])
    return lines


def _hashtable_table(table: CIDict) -> list[str]:
    keys = [to_string(k) for k in table.keys()]
    values = [_cell(v) for v in table.values()]
    width = 30  # the Name column of the DictionaryEntry view is 30 wide (DotNetTypes.format.ps1xml)
    lines = ["", "Name".ljust(width) + " Value", "----".ljust(width) + " -----"]
    lines.extend(f"{(k if len(k) <= width else k[:width - 3] + '...').ljust(width)} {v}".rstrip() for k, v in zip(keys, values))
    lines.append("")
    return lines


class FormatData:
    """What Format-List/Format-Table emit: already laid-out lines."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines

    def __str__(self) -> str:
        return "\r\n".join(self.lines)


def render(output: list[Any]) -> str:
    """Out-Default: how the console shows a pipeline's output."""
    lines: list[str] = []
    pending: list[PSObject] = []

    def flush() -> None:
        if pending:
            if pending[0].display is not None:
                lines.extend(format_table(list(pending), None))
            else:
                lines.extend(format_list(list(pending), None))
            pending.clear()

    for item in output:
        if item is None:
            continue  # Out-Default writes nothing for $null
        if isinstance(item, dt.datetime):
            # DateTime's view shows its DateTime script property: the long date and the long time (en-US).
            flush()
            hour = item.hour % 12 or 12
            lines.extend(["", f"{item:%A}, {item:%B} {item.day}, {item.year} {hour}:{item.minute:02d}:{item.second:02d} "
                          + ("AM" if item.hour < 12 else "PM"), ""])
            continue
        if isinstance(item, PSObject) and item.type_name not in ("System.Management.Automation.ErrorRecord",):
            if pending and pending[0].type_name != item.type_name:
                flush()
            pending.append(item)
            continue
        flush()
        if isinstance(item, FormatData):
            lines.extend(item.lines)
        elif isinstance(item, CIDict):
            lines.extend(_hashtable_table(item))
        else:
            lines.extend(to_string(item).replace("\r\n", "\n").split("\n"))
    flush()
    return "".join(line + "\r\n" for line in lines)
