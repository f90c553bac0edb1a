"""Members of the .NET types scripts use most: System.String, [math], [string], [regex], hashtables, DateTime, TimeSpan,
script blocks; each as its .NET reference page describes it (.NET Framework 2.0 for PowerShell 2.0, 4.x for 5.1).

A member a type has in .NET but the lab lacks is refused as not emulated; a name the type does not have gets
PowerShell's own "Method invocation failed" error. The engine looks members up here by (owner, lower-case name).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from . import composite, known, regexes
from .values import CIDict, PSCollection, PSObject, RuntimeError_, ScriptBlock, to_list, to_number, to_string

if TYPE_CHECKING:
    from .engine import Engine


class NoMember(Exception):
    """The owner has no such member (PowerShell's MethodNotFound)."""


def method_error(name: str, args: int, message: str, exception: str = "System.ArgumentException") -> RuntimeError_:
    """A .NET exception out of a method call, as PowerShell reports it (MethodInvocationException)."""
    error = RuntimeError_(f'Exception calling "{name}" with "{args}" argument(s): "{message}"', error_id=exception.rsplit(".", 1)[-1],
                          category="NotSpecified", exception_type="System.Management.Automation.MethodInvocationException")
    error.inner_type = exception
    return error


def overload_error(name: str, count: int) -> RuntimeError_:
    return RuntimeError_(f'Cannot find an overload for "{name}" and the argument count: "{count}".',
                         error_id="MethodCountCouldNotFindBest", category="NotSpecified",
                         exception_type="System.Management.Automation.MethodException")


def _arity(name: str, args: tuple[Any, ...], *allowed: int) -> None:
    if len(args) not in allowed:
        raise overload_error(name, len(args))


def _chars(values: tuple[Any, ...]) -> str:
    """A char[] argument: PowerShell turns a string into its characters, and each item of an array into one."""
    out = []
    for value in values:
        for item in to_list(value):
            out.append(to_string(item))
    return "".join(out)


def _split(s: str, *args: Any) -> list[str]:
    # .NET Framework has Split(char[]), Split(char[], int), Split(char[], StringSplitOptions) and Split(string[],
    # StringSplitOptions); a string argument becomes a char[] (there is no Split(string) before .NET Core 2.0).
    remove_empty = False
    count: int | None = None
    separators: tuple[Any, ...] = args
    if len(args) == 2 and to_string(args[1]).lower() in ("removeemptyentries", "1", "none", "0"):
        remove_empty = to_string(args[1]).lower() in ("removeemptyentries", "1")
        if isinstance(args[0], list) and any(len(to_string(x)) > 1 for x in args[0]):
            parts = _split_strings(s, [to_string(x) for x in args[0]])
            return [p for p in parts if p] if remove_empty else parts
        separators = (args[0],)
    elif len(args) == 2 and isinstance(args[1], int) and not isinstance(args[1], bool):
        count = args[1]
        separators = (args[0],)
    chars = _chars(separators)
    parts: list[str] = []
    current: list[str] = []
    for index, char in enumerate(s):
        if (char in chars if chars else char.isspace()) and (count is None or len(parts) < count - 1):
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    if remove_empty:
        parts = [p for p in parts if p]
    return parts


def _split_strings(s: str, separators: list[str]) -> list[str]:
    parts: list[str] = []
    start = index = 0
    while index < len(s):
        hit = next((sep for sep in separators if sep and s.startswith(sep, index)), None)
        if hit is not None:
            parts.append(s[start:index])
            index += len(hit)
            start = index
        else:
            index += 1
    parts.append(s[start:])
    return parts


def _substring(s: str, *args: Any) -> str:
    _arity("Substring", args, 1, 2)
    start = int(to_number(args[0]))
    if start < 0 or start > len(s):
        raise method_error("Substring", len(args), "startIndex cannot be larger than length of string.\r\nParameter name: startIndex"
                           if start > len(s) else "StartIndex cannot be less than zero.\r\nParameter name: startIndex",
                           "System.ArgumentOutOfRangeException")
    if len(args) == 1:
        return s[start:]
    length = int(to_number(args[1]))
    if length < 0 or start + length > len(s):
        raise method_error("Substring", 2, "Index and length must refer to a location within the string.\r\nParameter name: length"
                           if length >= 0 else "Length cannot be less than zero.\r\nParameter name: length",
                           "System.ArgumentOutOfRangeException")
    return s[start:start + length]


def _replace(s: str, *args: Any) -> str:
    _arity("Replace", args, 2)
    old = to_string(args[0])
    if old == "":
        raise method_error("Replace", 2, "String cannot be of zero length.\r\nParameter name: oldValue")
    return s.replace(old, to_string(args[1]))


def _index_of(name: str, last: bool) -> Callable[..., int]:
    def find(s: str, *args: Any) -> int:
        _arity(name, args, 1, 2, 3)
        part = to_string(args[0])
        if len(args) >= 2:
            start = int(to_number(args[1]))
            if start < 0 or start > len(s):
                raise method_error(name, len(args), "Index was out of range. Must be non-negative and less than the size of the "
                                   "collection.\r\nParameter name: startIndex", "System.ArgumentOutOfRangeException")
            return s.rfind(part, 0, start + 1) if last else s.find(part, start)
        return s.rfind(part) if last else s.find(part)
    return find


def _pad(left: bool) -> Callable[..., str]:
    def pad(s: str, *args: Any) -> str:
        _arity("PadLeft" if left else "PadRight", args, 1, 2)
        width = int(to_number(args[0]))
        fill = to_string(args[1])[:1] if len(args) > 1 else " "
        return s.rjust(width, fill) if left else s.ljust(width, fill)
    return pad


def _trim(kind: str) -> Callable[..., str]:
    def trim(s: str, *args: Any) -> str:
        chars = _chars(args) if args else None
        if chars is None:
            return {"both": s.strip(), "start": s.lstrip(), "end": s.rstrip()}[kind]
        return {"both": s.strip(chars), "start": s.lstrip(chars), "end": s.rstrip(chars)}[kind]
    return trim


def _one(name: str, function: Callable[[str, str], Any]) -> Callable[..., Any]:
    def call(s: str, *args: Any) -> Any:
        _arity(name, args, 1)
        return function(s, to_string(args[0]))
    return call


def _insert(s: str, *args: Any) -> str:
    _arity("Insert", args, 2)
    index = int(to_number(args[0]))
    return s[:index] + to_string(args[1]) + s[index:]


def _remove(s: str, *args: Any) -> str:
    _arity("Remove", args, 1, 2)
    start = int(to_number(args[0]))
    if len(args) == 1:
        return s[:start]
    return s[:start] + s[start + int(to_number(args[1])):]


STRING_METHODS: dict[str, Callable[..., Any]] = {
    "toupper": lambda s, *a: s.upper(), "tolower": lambda s, *a: s.lower(),
    "toupperinvariant": lambda s: s.upper(), "tolowerinvariant": lambda s: s.lower(),
    "trim": _trim("both"), "trimstart": _trim("start"), "trimend": _trim("end"),
    "replace": _replace, "split": _split, "substring": _substring,
    # Ordinal and case-sensitive, as String.Contains, StartsWith and EndsWith compare without a culture's case rules.
    "contains": _one("Contains", lambda s, p: p in s),
    "startswith": _one("StartsWith", lambda s, p: s.startswith(p)),
    "endswith": _one("EndsWith", lambda s, p: s.endswith(p)),
    "indexof": _index_of("IndexOf", False), "lastindexof": _index_of("LastIndexOf", True),
    "padleft": _pad(True), "padright": _pad(False), "insert": _insert, "remove": _remove,
    "tochararray": lambda s: list(s), "compareto": lambda s, other: (s > to_string(other)) - (s < to_string(other)),
    "gethashcode": lambda s: hash(s) & 0x7FFFFFFF,
}


def _round(value: Any, digits: Any = 0, *rest: Any) -> Any:
    # Math.Round rounds a midpoint to the even neighbour (MidpointRounding.ToEven), as Python's round does.
    number = to_number(value)
    if isinstance(number, int) and not rest:
        return float(number)
    return float(round(float(number), int(to_number(digits))))


def _number_result(value: float) -> Any:
    return value


MATH_METHODS: dict[str, Callable[..., Any]] = {
    "round": _round,
    "floor": lambda x: float(math.floor(to_number(x))),
    "ceiling": lambda x: float(math.ceil(to_number(x))),
    "truncate": lambda x: float(math.trunc(to_number(x))),
    "abs": lambda x: abs(to_number(x)),
    "max": lambda a, b: max(to_number(a), to_number(b)),
    "min": lambda a, b: min(to_number(a), to_number(b)),
    "pow": lambda a, b: float(to_number(a)) ** float(to_number(b)),
    "sqrt": lambda x: math.sqrt(to_number(x)) if to_number(x) >= 0 else float("nan"),
    "sign": lambda x: (to_number(x) > 0) - (to_number(x) < 0),
    "log10": lambda x: math.log10(to_number(x)),
    "exp": lambda x: math.exp(to_number(x)),
}
MATH_PROPERTIES = {"pi": math.pi, "e": math.e}


def string_format(engine: "Engine", template: Any, *args: Any) -> str:
    values = list(args)
    if len(values) == 1 and isinstance(values[0], list):
        values = list(values[0])  # Format(string, object[])
    try:
        return composite.composite(to_string(template), values, to_string)
    except composite.FormatError:
        raise method_error("Format", len(args) + 1, "Index (zero based) must be greater than or equal to zero and less than the "
                           "size of the argument list." if "{" in to_string(template) else "Input string was not in a correct format.",
                           "System.FormatException") from None


def _is_null_or_empty(engine: "Engine", value: Any) -> bool:
    return value is None or to_string(value) == ""


def _compare(engine: "Engine", a: Any, b: Any, ignore_case: Any = False) -> int:
    left, right = to_string(a), to_string(b)
    if ignore_case is True or to_string(ignore_case).lower() == "true":
        left, right = left.lower(), right.lower()
    return (left > right) - (left < right)


STRING_STATICS: dict[str, Callable[..., Any]] = {
    "format": string_format,
    "isnullorempty": _is_null_or_empty,
    "isnullorwhitespace": lambda e, v: v is None or to_string(v).strip() == "",
    "join": lambda e, sep, *items: to_string(sep).join(to_string(i) for i in (to_list(items[0]) if len(items) == 1 else items)),
    "concat": lambda e, *items: "".join(to_string(i) for i in items),
    "compare": _compare,
    "equals": lambda e, a, b: to_string(a) == to_string(b),
}
# Members .NET 4.0 added, which PowerShell 2.0 (on CLR 2.0) does not have.
NET4_ONLY = {("string", "isnullorwhitespace")}


# ----- regular expressions -------------------------------------------------------------------------------------
class GroupCollection(PSCollection):
    """Match.Groups: indexable by number or by name."""

    def __init__(self, groups: list[PSObject], names: dict[str, PSObject]) -> None:
        super().__init__("System.Text.RegularExpressions.GroupCollection", groups)
        self.names = names

    def ps_index(self, key: Any) -> Any:
        if isinstance(key, str) and not key.isdigit():
            return self.names.get(key)
        position = int(to_number(key))
        return self.items[position] if 0 <= position < len(self.items) else None


def _group(value: str | None, index: int) -> PSObject:
    return PSObject("System.Text.RegularExpressions.Group", {"Success": value is not None, "Value": value or "",
                                                            "Index": index, "Length": len(value or "")}, text=value or "")


def match_object(compiled: regexes.DotNetRegex, match: Any) -> PSObject:
    if match is None:
        empty = _group(None, 0)
        return PSObject("System.Text.RegularExpressions.Match", {"Success": False, "Value": "", "Index": 0, "Length": 0,
                                                                "Groups": GroupCollection([empty], {})}, text="")
    values = compiled.group_values(match)
    groups = [_group(value, start) for value, start in zip(values, compiled.group_starts(match))]
    names = {name: groups[number] for number in range(1, len(values))
             for name in [n for n, p in compiled.names if compiled.numbers.get(number) == p]}
    return PSObject("System.Text.RegularExpressions.Match", {
        "Success": True, "Value": match.group(0), "Index": match.start(), "Length": len(match.group(0)),
        "Groups": GroupCollection(groups, names)}, text=match.group(0))


def _options(options: Any) -> bool:
    """RegexOptions: the lab knows IgnoreCase (and None); .NET's [regex] is case-sensitive unless told."""
    text = to_string(options).lower().replace(" ", "")
    if text in ("", "none", "0"):
        return False
    if text in ("ignorecase", "1"):
        return True
    raise RuntimeError_(f"owa-lab does not emulate the regular expression options '{to_string(options)}'.",
                        error_id="OwaLabNotEmulated", category="NotImplemented")


def _regex_match(engine: "Engine", text: Any, pattern: Any, options: Any = None) -> PSObject:
    compiled = regexes.compile_pattern(to_string(pattern), _options(options))
    return match_object(compiled, compiled.search(to_string(text)))


def _regex_matches(engine: "Engine", text: Any, pattern: Any, options: Any = None) -> PSCollection:
    compiled = regexes.compile_pattern(to_string(pattern), _options(options))
    return PSCollection("System.Text.RegularExpressions.MatchCollection",
                        [match_object(compiled, m) for m in compiled.compiled.finditer(to_string(text))])


REGEX_STATICS: dict[str, Callable[..., Any]] = {
    "match": _regex_match,
    "matches": _regex_matches,
    "ismatch": lambda e, text, pattern, options=None: regexes.compile_pattern(to_string(pattern), _options(options)).search(
        to_string(text)) is not None,
    "replace": lambda e, text, pattern, replacement, options=None: regexes.compile_pattern(
        to_string(pattern), _options(options)).replace(to_string(text), to_string(replacement)),
    "split": lambda e, text, pattern, options=None: regexes.compile_pattern(to_string(pattern), _options(options)).split(to_string(text)),
    "escape": lambda e, text: regexes.escape(to_string(text)),
}


def regex_object(pattern: Any) -> PSObject:
    """[regex]'pattern': a Regex whose instance methods take the input (and a replacement)."""
    compiled = regexes.compile_pattern(to_string(pattern), False)
    return PSObject("System.Text.RegularExpressions.Regex", {"Options": "None"}, text=to_string(pattern), methods={
        "Match": lambda text: match_object(compiled, compiled.search(to_string(text))),
        "Matches": lambda text: PSCollection("System.Text.RegularExpressions.MatchCollection",
                                             [match_object(compiled, m) for m in compiled.compiled.finditer(to_string(text))]),
        "IsMatch": lambda text: compiled.search(to_string(text)) is not None,
        "Replace": lambda text, replacement: compiled.replace(to_string(text), to_string(replacement)),
        "Split": lambda text: compiled.split(to_string(text)),
        "GetGroupNames": lambda: ["0"] + [str(n) for n in sorted(compiled.numbers) if compiled.numbers[n] in compiled.unnamed]
        + [name for name, _p in compiled.names],
    })


# ----- hashtables, dates, script blocks ------------------------------------------------------------------------
def dictionary_entries(table: CIDict) -> list[PSObject]:
    """Hashtable.GetEnumerator(): DictionaryEntry objects, whose Name is an alias of Key (PowerShell's type data)."""
    return [PSObject("System.Collections.DictionaryEntry", {"Name": key, "Key": key, "Value": value},
                     display=["Name", "Value"], text="System.Collections.DictionaryEntry") for key, value in table.items()]


def hashtable_method(table: CIDict, lower: str, args: list[Any]) -> Any:
    if lower == "getenumerator":
        return PSCollection("System.Collections.Hashtable+HashtableEnumerator", dictionary_entries(table))
    if lower in ("containskey", "contains"):
        return args[0] in table
    if lower == "containsvalue":
        return any(value == args[0] for value in table.values())
    if lower == "add":
        _arity("Add", tuple(args), 2)
        if args[0] in table:
            raise method_error("Add", 2, f"Item has already been added. Key in dictionary: '{to_string(args[0])}'  "
                               f"Key being added: '{to_string(args[0])}'")
        table[args[0]] = args[1]
        return None
    if lower == "remove":
        if args[0] in table:
            del table[args[0]]
        return None
    if lower == "clear":
        for key in list(table.keys()):
            del table[key]
        return None
    if lower == "clone":
        return CIDict(table.items())
    raise NoMember()


def _add_months(value: dt.datetime, months: int) -> dt.datetime:
    month_index = value.month - 1 + months
    year, month = value.year + month_index // 12, month_index % 12 + 1
    days = [31, 29 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    return value.replace(year=year, month=month, day=min(value.day, days[month - 1]))


def datetime_method(value: dt.datetime, lower: str, args: list[Any]) -> Any:
    units = {"adddays": "days", "addhours": "hours", "addminutes": "minutes", "addseconds": "seconds",
             "addmilliseconds": "milliseconds"}
    if lower in units:
        return value + dt.timedelta(**{units[lower]: float(to_number(args[0]))})
    if lower == "addticks":
        # 100 ns each; Python's datetime holds microseconds, so fewer than ten ticks are lost here as .NET would not lose them.
        return value + dt.timedelta(microseconds=int(to_number(args[0])) / 10)
    if lower == "addmonths":
        return _add_months(value, int(to_number(args[0])))
    if lower == "addyears":
        return _add_months(value, 12 * int(to_number(args[0])))
    if lower == "subtract":
        return value - args[0]
    if lower == "toshortdatestring":
        return composite.format_date(value, "d")
    if lower == "tolongdatestring":
        return composite.format_date(value, "D")
    if lower == "toshorttimestring":
        return composite.format_date(value, "t")
    if lower == "tolongtimestring":
        return composite.format_date(value, "T")
    raise NoMember()


def script_block_method(engine: "Engine", block: ScriptBlock, lower: str, args: list[Any]) -> Any:
    if lower in ("invoke", "invokereturnasis"):
        from .engine import Function
        function = Function("<ScriptBlock>", engine.parameters(block.node), block.node)
        output = engine.call_function(function, [("", a) for a in args], [])
        if lower == "invoke":
            return list(output)  # a Collection<PSObject>, even of one item
        return output[0] if len(output) == 1 else (output if output else None)
    raise NoMember()


def known_method(type_key: str, lower: str) -> bool:
    """Whether the .NET type has this member (from the lists in known.py), so a missing one is a lab gap."""
    if type_key == "string-instance":
        return lower in known.STRING_METHODS
    return lower in known.STATIC_METHODS.get(type_key, set())
