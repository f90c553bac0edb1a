""".NET regular expressions, as PowerShell's -match, -replace, -split, switch -regex and [regex] use them.

The `regex` package reads .NET's syntax (named groups ``(?<name>...)``, ``\\k<name>``, atomic groups, variable-length
lookbehind). What differs is the numbering: .NET numbers the unnamed groups first, left to right, and the named groups
after them (System.Text.RegularExpressions, "Grouping Constructs": "Captures that use parentheses are numbered
automatically from left to right based on the order of the opening parentheses, starting from 1. Named groups are
numbered sequentially, from left to right, after the unnamed groups"); Python's engine numbers them all in order.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import regex

from .values import CIDict, RuntimeError_

_CACHE: dict[tuple[str, bool], "DotNetRegex"] = {}


class DotNetRegex:
    def __init__(self, pattern: str, ignore_case: bool) -> None:
        self.pattern = pattern
        flags = regex.VERSION0 | (regex.IGNORECASE if ignore_case else 0)
        try:
            self.compiled = regex.compile(pattern, flags)
        except (regex.error, OverflowError, RecursionError) as problem:
            raise RuntimeError_(f'The regular expression pattern {pattern} is not valid.', error_id="InvalidRegularExpression",
                                category="InvalidOperation", target=pattern) from problem
        named = self.compiled.groupindex
        unnamed = [n for n in range(1, self.compiled.groups + 1) if n not in named.values()]
        self.unnamed = set(unnamed)
        # .NET number -> Python group; unnamed groups 1..k, then named groups in order (a numeric name keeps its number).
        self.numbers: dict[int, int] = {dotnet: python for dotnet, python in enumerate(unnamed, start=1)}
        self.names: list[tuple[str, int]] = sorted(named.items(), key=lambda item: item[1])
        next_number = len(unnamed) + 1
        for name, python in self.names:
            if not name.isdigit():
                self.numbers.setdefault(next_number, python)
                next_number += 1

    def search(self, text: str) -> Any:
        return self.compiled.search(text)

    def matches_table(self, match: Any) -> CIDict:
        """$Matches: group 0, the unnamed groups by number and the named ones by name, each only when it took part."""
        table = CIDict([(0, match.group(0))])
        for dotnet, python in sorted(self.numbers.items()):
            if python in self.unnamed and match.group(python) is not None:
                table[dotnet] = match.group(python)
        for name, python in self.names:
            if match.group(python) is not None:
                table[int(name) if name.isdigit() else name] = match.group(python)
        return table

    def group_values(self, match: Any) -> list[str | None]:
        """Groups[0..n] in .NET order."""
        values = [match.group(0)]
        for dotnet in sorted(self.numbers):
            values.append(match.group(self.numbers[dotnet]))
        return values

    def group_starts(self, match: Any) -> list[int]:
        """Where each of Groups[0..n] starts, in .NET order; a group that did not take part starts at 0, as in .NET."""
        starts = [match.start(0)]
        for dotnet in sorted(self.numbers):
            start = match.start(self.numbers[dotnet])
            starts.append(start if start >= 0 else 0)
        return starts

    def group(self, match: Any, key: str) -> str | None:
        if key.isdigit():
            number = int(key)
            if number == 0:
                return match.group(0)
            python = self.numbers.get(number)
            return match.group(python) if python is not None else None
        if key in self.compiled.groupindex:
            return match.group(key)
        return None

    def expander(self, replacement: str) -> Callable[[Any], str]:
        """A .NET replacement pattern: $1, ${name}, $&, $$, $` , $', $_, $+ (Substitutions in Regular Expressions)."""
        def expand(match: Any) -> str:
            out: list[str] = []
            index = 0
            text = replacement
            while index < len(text):
                char = text[index]
                if char != "$" or index + 1 >= len(text):
                    out.append(char)
                    index += 1
                    continue
                following = text[index + 1]
                if following == "$":
                    out.append("$")
                    index += 2
                elif following == "&":
                    out.append(match.group(0))
                    index += 2
                elif following == "`":
                    out.append(match.string[:match.start()])
                    index += 2
                elif following == "'":
                    out.append(match.string[match.end():])
                    index += 2
                elif following == "_":
                    out.append(match.string)
                    index += 2
                elif following == "{":
                    end = text.find("}", index)
                    key = text[index + 2:end] if end > 0 else ""
                    value = self.group(match, key) if key else None
                    if end < 0 or (value is None and not self._known(key)):
                        out.append(char)
                        index += 1
                    else:
                        out.append(value or "")
                        index = end + 1
                elif following.isdigit():
                    end = index + 1
                    while end < len(text) and text[end].isdigit():
                        end += 1
                    # .NET takes the longest run of digits that names a group.
                    while end > index + 1 and not self._known(text[index + 1:end]):
                        end -= 1
                    if end == index + 1:
                        out.append(char)
                        index += 1
                    else:
                        out.append(self.group(match, text[index + 1:end]) or "")
                        index = end
                else:
                    out.append(char)
                    index += 1
            return "".join(out)
        return expand

    def _known(self, key: str) -> bool:
        if key.isdigit():
            return int(key) == 0 or int(key) in self.numbers
        return key in self.compiled.groupindex

    def replace(self, text: str, replacement: str) -> str:
        return self.compiled.sub(self.expander(replacement), text)

    def split(self, text: str) -> list[str]:
        """Regex.Split: captured groups are included in the result, as .NET does."""
        return [part if part is not None else "" for part in self.compiled.split(text)]


def compile_pattern(pattern: str, ignore_case: bool = True) -> DotNetRegex:
    key = (pattern, ignore_case)
    found = _CACHE.get(key)
    if found is None:
        if len(_CACHE) > 256:
            _CACHE.clear()
        found = _CACHE[key] = DotNetRegex(pattern, ignore_case)
    return found


def escape(text: str) -> str:
    """Regex.Escape: \\, *, +, ?, |, {, [, (, ), ^, $, ., #, and white space; ] and } are left alone."""
    out = []
    for char in text:
        if char in "\\*+?|{[()^$.#":
            out.append("\\" + char)
        elif char == " ":
            out.append("\\ ")
        elif char == "\t":
            out.append("\\t")
        elif char == "\n":
            out.append("\\n")
        elif char == "\r":
            out.append("\\r")
        elif char == "\f":
            out.append("\\f")
        else:
            out.append(char)
    return "".join(out)
