"""PowerShell values as the lab represents them, and PowerShell's conversions between them."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any


class RuntimeError_(Exception):
    """A terminating PowerShell error (what ``throw`` raises and ``catch`` receives)."""

    def __init__(self, message: str, *, error_id: str = "RuntimeException", category: str = "NotSpecified",
                 exception_type: str = "System.Management.Automation.RuntimeException",
                 target: Any = None, command: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.error_id = error_id
        self.category = category
        self.exception_type = exception_type
        self.target = target
        self.command = command
        self.position = ""
        # throw, and an error under -ErrorAction Stop, end the script; any other terminating error ends its statement.
        self.script_terminating = False


class HostText(str):
    """What Write-Host wrote: it goes to the host (the console, or a PSRP host call), not to the output stream."""


class ParseError(Exception):
    """The script does not parse; PowerShell runs none of it."""


class ExitScript(Exception):
    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


class FlowBreak(Exception):
    pass


class FlowContinue(Exception):
    pass


class FlowReturn(Exception):
    def __init__(self, value: list[Any]) -> None:
        super().__init__()
        self.value = value


class CIDict:
    """A hashtable: case-insensitive keys, insertion order kept."""

    def __init__(self, items: Iterable[tuple[Any, Any]] = ()) -> None:
        self._data: dict[Any, tuple[Any, Any]] = {}
        for key, value in items:
            self[key] = value

    @staticmethod
    def _fold(key: Any) -> Any:
        if isinstance(key, str):
            return key.lower()
        try:
            hash(key)
        except TypeError:
            return ("reference", id(key))   # an array or hashtable as a key: .NET compares such keys by reference
        return key

    def __setitem__(self, key: Any, value: Any) -> None:
        folded = self._fold(key)
        original = self._data[folded][0] if folded in self._data else key
        self._data[folded] = (original, value)

    def __getitem__(self, key: Any) -> Any:
        return self._data[self._fold(key)][1]

    def get(self, key: Any, default: Any = None) -> Any:
        entry = self._data.get(self._fold(key))
        return default if entry is None else entry[1]

    def __contains__(self, key: Any) -> bool:
        return self._fold(key) in self._data

    def __delitem__(self, key: Any) -> None:
        del self._data[self._fold(key)]

    def __len__(self) -> int:
        return len(self._data)

    def __iter__(self) -> Iterator[Any]:
        return (entry[0] for entry in self._data.values())

    def items(self) -> list[tuple[Any, Any]]:
        return list(self._data.values())

    def keys(self) -> list[Any]:
        return [entry[0] for entry in self._data.values()]

    def values(self) -> list[Any]:
        return [entry[1] for entry in self._data.values()]


class PSChar(str):
    """A System.Char: text of one character that converts to a number as its code (UTF-16 code unit)."""


class PSOrdered(CIDict):
    """[ordered]@{...}: an OrderedDictionary (PowerShell 3.0)."""


class PSEnum:
    """A .NET enum value: prints as its name, compares by name (case-insensitive) or number."""

    def __init__(self, type_name: str, names: dict[str, int], value: str | int, flags: bool = False) -> None:
        self.type_name = type_name
        self.names = names
        self.flags = flags
        if isinstance(value, int):
            self.number = value
        else:
            self.number = names[value]

    @property
    def name(self) -> str:
        for key, number in self.names.items():
            if number == self.number:
                return key
        if self.flags:
            parts = [key for key, number in self.names.items() if number and self.number & number == number]
            return ", ".join(parts) if parts else str(self.number)
        return str(self.number)

    def __str__(self) -> str:
        return self.name


class PSObject:
    """An object with named properties (an Exchange object, an error record, a selected object)."""

    def __init__(self, type_name: str, properties: dict[str, Any] | None = None,
                 display: list[str] | None = None, text: str | None = None,
                 methods: dict[str, Callable[..., Any]] | None = None) -> None:
        self.type_names = [type_name, "System.Object"]
        self.properties = CIDict((properties or {}).items())
        self.display = display
        self.text = text
        self.methods = CIDict((methods or {}).items())

    @property
    def type_name(self) -> str:
        return self.type_names[0]

    def __str__(self) -> str:
        return self.text if self.text is not None else self.type_name


class PSCollection:
    """A .NET collection that is not an array, such as Exchange's MultiValuedProperty<T>.

    PowerShell enumerates it in a pipeline, in foreach and in @(), and [string] joins its items with spaces; but
    ``-is [array]`` is false: it is an IEnumerable (and ICollection), not a System.Object[].
    """

    def __init__(self, type_name: str, items: Iterable[Any]) -> None:
        self.type_name = type_name
        self.items = list(items)

    def __iter__(self) -> Iterator[Any]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def __str__(self) -> str:
        return " ".join(to_string(item) for item in self.items)


class DotNetVersion:
    """System.Version: 2 to 4 numbers; a missing Build or Revision is -1, so 9.0.30729 < 9.0.30729.17."""

    def __init__(self, text: str) -> None:
        parts = text.strip().split(".")
        try:
            numbers = [int(p) for p in parts]
        except ValueError:
            numbers = []
        if not 2 <= len(numbers) <= 4 or any(n < 0 for n in numbers):
            raise RuntimeError_(f'Cannot convert value "{text}" to type "System.Version". Error: "Version string portion was too '
                                'short or too long."', error_id="InvalidCastParseTargetInvocation", category="InvalidArgument")
        self.numbers = tuple(numbers + [-1] * (4 - len(numbers)))

    def key(self) -> tuple[int, ...]:
        return self.numbers

    def __str__(self) -> str:
        return ".".join(str(n) for n in self.numbers if n >= 0)


class PSEnumerator:
    """$input: an enumerator over the input, read once. A foreach that breaks leaves it where it stopped, and a later
    foreach (or a parameter it was passed to) goes on from there, as an IEnumerator does; Reset() starts it again."""

    type_name = "System.Collections.ArrayList+ArrayListEnumeratorSimple"

    def __init__(self, items: Iterable[Any]) -> None:
        self.items = list(items)
        self.position = -1

    def move_next(self) -> bool:
        if self.position + 1 < len(self.items):
            self.position += 1
            return True
        self.position = len(self.items)
        return False

    def current(self) -> Any:
        return self.items[self.position] if 0 <= self.position < len(self.items) else None

    def rest(self) -> list[Any]:
        remaining = self.items[self.position + 1:] if self.position + 1 < len(self.items) else []
        self.position = len(self.items)
        return remaining

    def __str__(self) -> str:
        return self.type_name


class ScriptBlock:
    def __init__(self, node: Any, source: str) -> None:
        self.node = node
        self.source = source

    def __str__(self) -> str:
        return self.source


class PSType:
    """A type literal such as [string] or [Convert]."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __str__(self) -> str:
        return self.name


class SwitchValue:
    def __init__(self, present: bool) -> None:
        self.present = present

    def __bool__(self) -> bool:
        return self.present

    def __str__(self) -> str:
        return "True" if self.present else "False"


AutomationNull = None


def format_date(value: dt.datetime) -> str:
    """PowerShell turns a DateTime into text with the invariant culture ("$date", [string]$date): MM/dd/yyyy HH:mm:ss
    (about_Quoting_Rules: culture-sensitive values in strings use the invariant culture)."""
    return f"{value.month:02d}/{value.day:02d}/{value.year:04d} {value.hour:02d}:{value.minute:02d}:{value.second:02d}"


def format_date_current_culture(value: dt.datetime) -> str:
    """DateTime.ToString() in en-US: M/d/yyyy h:mm:ss tt."""
    hour = value.hour % 12 or 12
    return f"{value.month}/{value.day}/{value.year} {hour}:{value.minute:02d}:{value.second:02d} " + (
        "AM" if value.hour < 12 else "PM")


def _double(value: float) -> str:
    """Double.ToString(): the shortest of 15 significant digits, E+XX past 1E15 (.NET "G15" in en-US)."""
    if value != value:
        return "NaN"
    if value in (float("inf"), float("-inf")):
        return "Infinity" if value > 0 else "-Infinity"
    text = format(value, ".15g")
    if "e" in text:
        mantissa, exponent = text.split("e")
        return mantissa + "E" + exponent[0] + exponent[1:].rjust(2, "0")
    return text


def to_string(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, float):
        return _double(value)
    if isinstance(value, dt.datetime):
        return format_date(value)
    if isinstance(value, dt.timedelta):
        total = int(value.total_seconds())
        days, rest = divmod(abs(total), 86400)
        hours, rest = divmod(rest, 3600)
        minutes, seconds = divmod(rest, 60)
        prefix = "-" if total < 0 else ""
        return f"{prefix}{days}.{hours:02d}:{minutes:02d}:{seconds:02d}" if days else f"{prefix}{hours:02d}:{minutes:02d}:{seconds:02d}"
    if isinstance(value, (list, PSCollection)):
        return " ".join(to_string(item) for item in value)
    if isinstance(value, (bytes, bytearray)):
        return " ".join(str(b) for b in value)
    if isinstance(value, CIDict):
        return "System.Collections.Hashtable"
    return str(value)


def is_true(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, (bool, SwitchValue)):
        return bool(value)
    if isinstance(value, (int, float)):
        return value != 0
    if isinstance(value, str):
        return value != ""
    if isinstance(value, (list, PSCollection)):
        items = list(value)
        if not items:
            return False
        if len(items) == 1:
            return is_true(items[0])
        return True
    if isinstance(value, PSEnum):
        return value.number != 0
    return True


_NUMBER = re.compile(r"^\s*[+-]?(0x[0-9a-f]+|\d+(\.\d*)?|\.\d+)([kmgtp]b)?\s*$", re.I)


def to_number(value: Any) -> int | float:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (int, float)):
        return value
    if value is None:
        return 0
    if isinstance(value, PSEnum):
        return value.number
    if isinstance(value, SwitchValue):
        return int(value.present)
    if isinstance(value, PSChar):
        return ord(value)
    if isinstance(value, str):
        text = value.strip()
        if text == "":
            return 0
        if _NUMBER.match(text):
            if text.lower().startswith(("0x", "+0x", "-0x")):
                return int(text, 16)
            number = float(text)
            return int(number) if number == int(number) and "." not in text else number
    raise RuntimeError_(
        f'Cannot convert value "{to_string(value)}" to type "System.Int32". Error: "Input string was not in a correct format."',
        error_id="InvalidCastFromStringToInteger", category="InvalidArgument",
        exception_type="System.Management.Automation.RuntimeException")


def to_list(value: Any) -> list[Any]:
    """Enumerate a value the way a pipeline does."""
    if value is None:
        return []
    if isinstance(value, list):
        return value
    if isinstance(value, PSCollection):
        return list(value.items)
    if isinstance(value, PSEnumerator):
        return value.rest()
    return [value]


def type_name_of(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "System.Boolean"
    if isinstance(value, int):
        return "System.Int32"
    if isinstance(value, float):
        return "System.Double"
    if isinstance(value, PSChar):
        return "System.Char"
    if isinstance(value, str):
        return "System.String"
    if isinstance(value, list):
        return "System.Object[]"
    if isinstance(value, PSOrdered):
        return "System.Collections.Specialized.OrderedDictionary"
    if isinstance(value, CIDict):
        return "System.Collections.Hashtable"
    if isinstance(value, dt.datetime):
        return "System.DateTime"
    if isinstance(value, dt.timedelta):
        return "System.TimeSpan"
    if isinstance(value, (bytes, bytearray)):
        return "System.Byte[]"
    if isinstance(value, (PSEnum, PSCollection, PSEnumerator)):
        return value.type_name
    if isinstance(value, DotNetVersion):
        return "System.Version"
    if isinstance(value, PSObject):
        return value.type_name
    if isinstance(value, ScriptBlock):
        return "System.Management.Automation.ScriptBlock"
    if isinstance(value, SwitchValue):
        return "System.Management.Automation.SwitchParameter"
    if isinstance(value, PSType):
        return "System.RuntimeType"
    if isinstance(value, RecordException):
        return value.error.exception_type
    return "System.Object"


_DAYS_OF_WEEK = {"Sunday": 0, "Monday": 1, "Tuesday": 2, "Wednesday": 3, "Thursday": 4, "Friday": 5, "Saturday": 6}


def get_property(value: Any, name: str) -> Any:
    """Member access for properties; ``None`` when the member does not exist (as PowerShell gives)."""
    lower = name.lower()
    if isinstance(value, PSObject):
        if name in value.properties:
            return value.properties[name]
        if lower in ("pstypenames",):
            return list(value.type_names)
        return None
    if isinstance(value, CIDict):
        if name in value:
            return value[name]
        if lower == "count":
            return len(value)
        if lower == "keys":
            return value.keys()
        if lower == "values":
            return value.values()
        return None
    if isinstance(value, str) and lower == "length":
        return len(value)
    if isinstance(value, (list, bytes, bytearray)) and lower in ("count", "length"):
        return len(value)
    if isinstance(value, PSCollection):
        # Its own Count; PowerShell 2.0 has no member enumeration, so any other member is $null.
        return len(value) if lower == "count" else None
    if isinstance(value, list):
        # PowerShell 2.0 has no member enumeration: a missing member of an array is $null.
        return None
    if isinstance(value, dt.datetime):
        attributes = {"year": value.year, "month": value.month, "day": value.day, "hour": value.hour,
                      "dayofweek": PSEnum("System.DayOfWeek", _DAYS_OF_WEEK, (value.weekday() + 1) % 7),
                      "dayofyear": value.timetuple().tm_yday, "millisecond": value.microsecond // 1000,
                      "minute": value.minute, "second": value.second, "date": value.replace(hour=0, minute=0, second=0, microsecond=0),
                      # Whole microseconds, as integers: a float of some 6e17 ticks would be off by tens of ticks.
                      "ticks": (value - dt.datetime(1, 1, 1)) // dt.timedelta(microseconds=1) * 10}
        return attributes.get(lower)
    if isinstance(value, dt.timedelta):
        seconds = value.total_seconds()
        whole = int(abs(seconds))
        sign = -1 if seconds < 0 else 1
        attributes = {"days": int(seconds / 86400), "hours": sign * (whole // 3600 % 24), "minutes": sign * (whole // 60 % 60),
                      "seconds": sign * (whole % 60), "totaldays": seconds / 86400, "totalseconds": seconds,
                      "totalhours": seconds / 3600, "totalminutes": seconds / 60, "totalmilliseconds": seconds * 1000}
        return attributes.get(lower)
    if isinstance(value, PSEnum):
        return {"value__": value.number}.get(lower)
    if isinstance(value, DotNetVersion):
        return dict(zip(("major", "minor", "build", "revision"), value.numbers)).get(lower)
    if isinstance(value, PSEnumerator):
        return value.current() if lower == "current" else None
    if isinstance(value, RecordException):
        return value.property(lower)
    return None


class RecordException:
    """The .Exception of an ErrorRecord."""

    def __init__(self, error: RuntimeError_) -> None:
        self.error = error

    def property(self, lower: str) -> Any:
        if lower == "message":
            return self.error.message
        return None

    def __str__(self) -> str:
        return self.error.message


def error_record(error: RuntimeError_) -> PSObject:
    category_info = PSObject("System.Management.Automation.ErrorCategoryInfo", {
        "Category": error.category, "Activity": error.command,
        "Reason": error.exception_type.rsplit(".", 1)[-1], "TargetName": to_string(error.target),
    }, text=f"{error.category}: ({to_string(error.target)}:{type_name_of(error.target).rsplit('.', 1)[-1]}) "
            f"[{error.command}], {error.exception_type.rsplit('.', 1)[-1]}")
    record = PSObject("System.Management.Automation.ErrorRecord", {
        "Exception": RecordException(error),
        "FullyQualifiedErrorId": error.error_id,
        "CategoryInfo": category_info,
        "TargetObject": error.target,
        "InvocationInfo": None,
    }, text=error.message)
    record.methods["__error__"] = error
    return record
