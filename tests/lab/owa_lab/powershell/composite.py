""".NET composite formatting (``-f``, ``[string]::Format``) and the numeric and date format strings of ToString(format),
in the en-US culture of the lab's servers.

Sources: "Composite formatting", "Standard numeric format strings", "Custom numeric format strings", "Standard date and
time format strings" and "Custom date and time format strings" (.NET documentation). .NET Framework formats a Double
from its 15-digit form and rounds midpoints away from zero, which is what Decimal with ROUND_HALF_UP does here.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from .values import RuntimeError_

_ITEM = re.compile(r"\{(\d+)\s*(?:,\s*(-?\d+)\s*)?(?::([^}]*))?\}")


class FormatError(Exception):
    """Input string was not in a correct format (a brace without its pair, or an index past the arguments)."""


def composite(template: str, args: list[Any], to_string: Any) -> str:
    out: list[str] = []
    index = 0
    while index < len(template):
        char = template[index]
        if char == "{":
            if template.startswith("{{", index):
                out.append("{")
                index += 2
                continue
            match = _ITEM.match(template, index)
            if match is None:
                raise FormatError()
            position = int(match.group(1))
            if position >= len(args):
                raise FormatError()
            text = format_value(args[position], match.group(3), to_string)
            width = match.group(2)
            if width:
                size = int(width)
                text = text.rjust(size) if size > 0 else text.ljust(-size)
            out.append(text)
            index = match.end()
            continue
        if char == "}":
            if template.startswith("}}", index):
                out.append("}")
                index += 2
                continue
            raise FormatError()
        out.append(char)
        index += 1
    return "".join(out)


def format_value(value: Any, spec: str | None, to_string: Any) -> str:
    if spec is None or spec == "":
        return to_string(value)
    if isinstance(value, bool):
        return to_string(value)
    if isinstance(value, (int, float)):
        return format_number(value, spec)
    if isinstance(value, dt.datetime):
        return format_date(value, spec)
    return to_string(value)


def _decimal(value: int | float) -> Decimal:
    if isinstance(value, int):
        return Decimal(value)
    return Decimal(format(value, ".15g"))


def _group(digits: str) -> str:
    parts = []
    while len(digits) > 3:
        parts.insert(0, digits[-3:])
        digits = digits[:-3]
    parts.insert(0, digits)
    return ",".join(parts)


def _fixed(value: Decimal, decimals: int, grouped: bool) -> str:
    rounded = value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP) if decimals >= 0 else value
    negative = rounded < 0
    text = f"{abs(rounded):f}"
    whole, _, fraction = text.partition(".")
    if grouped:
        whole = _group(whole)
    result = whole + ("." + fraction if decimals > 0 else "")
    return ("-" + result) if negative and rounded != 0 else result


def format_number(value: int | float, spec: str) -> str:
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        return "NaN" if value != value else ("Infinity" if value > 0 else "-Infinity")
    letter = spec[0].upper()
    rest = spec[1:]
    if re.fullmatch(r"[CDEFGNPRX]\d{0,2}", spec, re.I):
        precision = int(rest) if rest else None
        number = _decimal(value)
        if letter == "D":
            if isinstance(value, float):
                raise FormatError()
            digits = str(abs(value)).rjust(precision or 0, "0")
            return ("-" if value < 0 else "") + digits
        if letter == "X":
            if isinstance(value, float):
                raise FormatError()
            digits = format(value & 0xFFFFFFFF if value < 0 else value, "X" if spec[0] == "X" else "x")
            return digits.rjust(precision or 0, "0")
        if letter == "F":
            return _fixed(number, 2 if precision is None else precision, False)
        if letter == "N":
            return _fixed(number, 2 if precision is None else precision, True)
        if letter == "P":
            return _fixed(number * 100, 2 if precision is None else precision, True) + " %"
        if letter == "C":
            text = "$" + _fixed(abs(number), 2 if precision is None else precision, True)
            return f"({text})" if number < 0 else text
        if letter == "E":
            digits = 6 if precision is None else precision
            mantissa, exponent = f"{number:.{digits}E}".split("E")
            sign = "-" if exponent.startswith("-") else "+"
            return mantissa + ("E" if spec[0] == "E" else "e") + sign + exponent.lstrip("+-").rjust(3, "0")
        if letter in ("G", "R"):
            if precision:
                rounded = Decimal(format(float(number), f".{precision}g"))
                return _general(rounded)
            return _general(number)
    return _custom(value, spec)


def _general(number: Decimal) -> str:
    text = format(float(number), ".15g")
    if "e" in text:
        mantissa, exponent = text.split("e")
        sign = "-" if exponent.startswith("-") else "+"
        return mantissa + "E" + sign + exponent.lstrip("+-").rjust(2, "0")
    return text


def _custom(value: int | float, spec: str) -> str:
    """Custom numeric format strings: 0, #, '.', ',' (grouping), %, and literal characters (one section)."""
    section = spec.split(";")[0]
    number = _decimal(value)
    if "%" in section:
        number *= 100
    body = section.replace("%", "")
    point = body.find(".")
    integer_part = body if point < 0 else body[:point]
    fraction_part = "" if point < 0 else body[point + 1:]
    decimals = sum(1 for c in fraction_part if c in "0#")
    required_decimals = len(fraction_part.rstrip("#")) - sum(1 for c in fraction_part.rstrip("#") if c not in "0#")
    grouped = "," in integer_part.strip(",")
    try:
        rounded = number.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    except InvalidOperation:
        rounded = number
    negative = rounded < 0
    whole, _, fraction = f"{abs(rounded):f}".partition(".")
    fraction = fraction.ljust(decimals, "0")[:decimals]
    while len(fraction) > max(required_decimals, 0) and fraction.endswith("0"):
        fraction = fraction[:-1]
    minimum_whole = sum(1 for c in integer_part if c == "0")
    if whole == "0" and "0" not in integer_part:
        whole = ""
    whole = whole.rjust(minimum_whole, "0")
    if grouped and whole:
        whole = _group(whole)
    prefix = "".join(c for c in integer_part if c not in "0#,")
    suffix = "".join(c for c in fraction_part if c not in "0#")
    text = prefix + whole + ("." + fraction if fraction else "") + suffix + ("%" if "%" in section else "")
    if "%" in section and "%" in section.lstrip("0#,."):
        text = prefix + whole + ("." + fraction if fraction else "") + suffix + "%"
    return ("-" + text) if negative and (whole.strip("0") or fraction.strip("0")) else text


_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November",
           "December"]
_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
_STANDARD_DATES = {
    "d": "M/d/yyyy", "D": "dddd, MMMM d, yyyy", "t": "h:mm tt", "T": "h:mm:ss tt", "f": "dddd, MMMM d, yyyy h:mm tt",
    "F": "dddd, MMMM d, yyyy h:mm:ss tt", "g": "M/d/yyyy h:mm tt", "G": "M/d/yyyy h:mm:ss tt", "M": "MMMM d",
    "m": "MMMM d", "Y": "MMMM, yyyy", "y": "MMMM, yyyy", "s": "yyyy'-'MM'-'dd'T'HH':'mm':'ss",
    "u": "yyyy'-'MM'-'dd HH':'mm':'ss'Z'", "o": "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fffffff", "O": "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fffffff",
}
_DATE_TOKEN = re.compile(r"dddd|ddd|dd|d|MMMM|MMM|MM|M|yyyy|yyy|yy|y|HH|H|hh|h|mm|m|ss|s|fffffff|ffffff|fffff|ffff|fff|ff|f|tt|t|K|zzz|zz|z"
                         r"|'[^']*'|\"[^\"]*\"|\\.|.", re.S)


def format_date(value: dt.datetime, spec: str) -> str:
    pattern = _STANDARD_DATES.get(spec, spec) if len(spec) == 1 else spec
    if len(spec) == 1 and spec not in _STANDARD_DATES:
        raise FormatError()
    out: list[str] = []
    for token in _DATE_TOKEN.findall(pattern):
        hour12 = value.hour % 12 or 12
        table = {
            "dddd": _DAYS[value.weekday()], "ddd": _DAYS[value.weekday()][:3], "dd": f"{value.day:02d}", "d": str(value.day),
            "MMMM": _MONTHS[value.month - 1], "MMM": _MONTHS[value.month - 1][:3], "MM": f"{value.month:02d}", "M": str(value.month),
            "yyyy": f"{value.year:04d}", "yyy": f"{value.year:03d}", "yy": f"{value.year % 100:02d}", "y": str(value.year % 100),
            "HH": f"{value.hour:02d}", "H": str(value.hour), "hh": f"{hour12:02d}", "h": str(hour12),
            "mm": f"{value.minute:02d}", "m": str(value.minute), "ss": f"{value.second:02d}", "s": str(value.second),
            "tt": "AM" if value.hour < 12 else "PM", "t": "A" if value.hour < 12 else "P", "K": "",
        }
        if token in table:
            out.append(table[token])
        elif token.startswith("f"):
            out.append(f"{value.microsecond:06d}0"[:len(token)])
        elif token[0] in "'\"" and len(token) >= 2:
            out.append(token[1:-1])
        elif token.startswith("\\") and len(token) == 2:
            out.append(token[1])
        elif token in ("zzz", "zz", "z"):
            raise RuntimeError_("owa-lab does not emulate time zone offsets in date formats (the 'z' specifier).",
                                error_id="LabNotEmulated", category="NotImplemented")
        else:
            out.append(token)
    return "".join(out)
