"""PowerShell's own view of quotes and dashes, applied before tree-sitter parses; and a few spellings PowerShell reads
that tree-sitter-powershell 0.26 does not, rewritten into ones that mean the same to PowerShell.

PowerShell's tokenizer treats the typographic quotes as quotes (U+2018-U+201B as single quotes,
U+201C-U+201E as double quotes) and U+2013-U+2015 as the dash of a parameter or operator.
tree-sitter-powershell does not, so a script that escapes from a string with a typographic quote
would be misread. This module scans the source the way PowerShell does and re-writes every string
with ASCII delimiters and ASCII escaping, keeping each string's content exactly as PowerShell
would read it. The result means the same to tree-sitter as the original means to PowerShell.

The grammar's gaps bridged here, each by a rewrite PowerShell reads the same way:
- ``1..5`` at the start of a statement (the grammar takes it for a command name): ``1 .. 5``.
- ``.ForEach(`` (the grammar takes the keyword): ``.'ForEach'(``, a quoted member name (about_Methods).
- ``function f { param($a) $a }`` on one line: a ``;`` after the param block.
- Switch clauses on one line (the grammar wants a line break or ``;`` after each) and a double-quoted clause condition
  without variables or escapes (the grammar misreads ``"a(b)"``): a ``;``, and the same text single-quoted.
- A bareword next to a hash literal in a command's argument list (``Select-Object Name,@{n='x';e={1}}``): the
  bareword quoted, as argument mode reads it anyway (about_Parsing).
"""

from __future__ import annotations

import re

SINGLE_QUOTES = "'\u2018\u2019\u201a\u201b"
DOUBLE_QUOTES = '"\u201c\u201d\u201e'
DASHES = "\u2013\u2014\u2015"
_TOKEN_BREAK = " \t\r\n;(){}|,=@"
_BAREWORD = re.compile(r"[A-Za-z_][\w.*-]*")
_OPERATOR_WORD = re.compile(r"-[ic]?(eq|ne|gt|ge|lt|le|like|notlike|match|notmatch|contains|notcontains|in|notin|replace|split|"
                            r"join|f|and|or|xor|not|band|bor|bxor|is|isnot|as)$", re.I)


class _Scanner:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.out: list[str] = []
        # Open braces, innermost last: {"kind": "switch" | "hash" | "block", ...}.
        self.braces: list[dict] = []
        self.pending_switch = False
        self.semicolon_after: set[int] = set()   # source positions of a param block's ")" that needs a ";"
        self.quote_next_bareword = False

    def _switch_level(self) -> dict | None:
        return self.braces[-1] if self.braces and self.braces[-1]["kind"] == "switch" else None

    def _rest_of_line_empty(self, index: int) -> bool:
        while index < len(self.text) and self.text[index] in " \t":
            index += 1
        return index >= len(self.text) or self.text[index] in "\r\n;}#"

    def _argument_context(self, before: str) -> bool:
        """Whether what precedes a token (in the output so far) puts it in a command's argument list."""
        stripped = before.rstrip(" \t")
        if stripped == before or not stripped or stripped[-1] in "=(,;{|\n[!+*/%":
            return False
        word = stripped.split()[-1] if stripped.split() else ""
        return not _OPERATOR_WORD.match(word) and word.lower() not in ("in", "return", "throw", "exit")

    def _matching_paren(self, index: int) -> int:
        depth = 0
        while index < len(self.text):
            char = self.text[index]
            if char in "'\"":
                end = self.text.find(char, index + 1)
                index = len(self.text) if end < 0 else end
            elif char == "(":
                depth += 1
            elif char == ")":
                depth -= 1
                if depth == 0:
                    return index
            index += 1
        return -1

    def _plain_double_quoted(self) -> str | None:
        """The content of the double-quoted string at pos when it has no variable, sub-expression or escape."""
        index = self.pos + 1
        while index < len(self.text):
            char = self.text[index]
            if char in DOUBLE_QUOTES:
                if index + 1 < len(self.text) and self.text[index + 1] in DOUBLE_QUOTES:
                    return None
                return self.text[self.pos + 1:index]
            if char in "`\n" or (char == "$" and re.match(r"[\w{(?^:$]", self.text[index + 1:index + 2] or "")):
                return None
            index += 1
        return None

    def _special(self, char: str, previous: str) -> bool:
        """The rewrites for the grammar's gaps; True when it consumed text."""
        text = self.text
        level = self._switch_level()
        if level is not None and char not in " \t\r\n;{}#":
            if not level["condition"] and char in DOUBLE_QUOTES:
                plain = self._plain_double_quoted()
                if plain is not None:
                    self.out.append("'" + plain.replace("'", "''") + "'")
                    self.pos += len(plain) + 2
                    level["condition"] = True
                    return True
            level["condition"] = True
        if previous in _TOKEN_BREAK and char in "sS" and text[self.pos:self.pos + 6].lower() == "switch" and (
                self.pos + 6 < len(text) and text[self.pos + 6] in " \t(-"):
            self.pending_switch = True
            self.out.append(text[self.pos:self.pos + 6])
            self.pos += 6
            return True
        if char == "." and (previous not in _TOKEN_BREAK or previous in ")}"):
            found = re.match(r"\.(foreach)(\s*\()", text[self.pos:], re.I)
            if found:
                self.out.append(".'" + found.group(1) + "'")
                self.pos += 1 + len(found.group(1))
                return True
        if char.isdigit() and previous in _TOKEN_BREAK:
            found = re.match(r"(\d+)\.\.(?=[\d$(+-])", text[self.pos:])
            if found and not self._argument_context("".join(self.out)):
                self.out.append(found.group(1) + " .. ")
                self.pos += len(found.group(0))
                return True
        if previous in _TOKEN_BREAK and char in "pP" and text[self.pos:self.pos + 5].lower() == "param":
            after = self.pos + 5
            while after < len(text) and text[after] in " \t":
                after += 1
            if after < len(text) and text[after] == "(" and "".join(self.out).rstrip(" \t\r\n")[-1:] in ("{", "]"):
                close = self._matching_paren(after)
                if close > 0 and not self._rest_of_line_empty(close + 1):
                    self.semicolon_after.add(close)
        if self.quote_next_bareword and (found := _BAREWORD.match(text, self.pos)) and self.out and self.out[-1].endswith(","):
            self.quote_next_bareword = False
            self.out.append("'" + found.group(0) + "'")
            self.pos = found.end()
            return True
        if char != ",":
            self.quote_next_bareword = False
        return False

    def _open_brace(self) -> None:
        parent = self._switch_level()
        before = "".join(self.out)
        if self.pending_switch:
            entry = {"kind": "switch", "condition": False}
            self.pending_switch = False
        elif before.endswith("@"):
            entry = {"kind": "hash", "argument": self._argument_context(before[:-1]) or before.endswith(",@")}
            if before.endswith(",@"):
                self._quote_bareword_before_comma()
        else:
            entry = {"kind": "block"}
        entry["clause_block"] = parent is not None and parent["condition"]
        entry["in_switch"] = parent is not None
        self.braces.append(entry)
        self.out.append("{")
        self.pos += 1

    def _quote_bareword_before_comma(self) -> None:
        joined = "".join(self.out)
        found = re.search(r"(?<=[\s,])([A-Za-z_][\w.*-]*),@$", joined)
        if found and self._argument_context(joined[:found.start()]):
            self.out = [joined[:found.start()] + "'" + found.group(1) + "',@"]

    def _close_brace(self) -> None:
        entry = self.braces.pop() if self.braces else {"kind": "block"}
        self.out.append("}")
        self.pos += 1
        parent = self._switch_level()
        if entry.get("in_switch") and parent is not None:
            if entry["clause_block"]:
                parent["condition"] = False
                if not self._rest_of_line_empty(self.pos):
                    self.out.append(";")
            else:
                parent["condition"] = True   # a script block as the clause's condition
        if entry["kind"] == "hash" and entry.get("argument") and self.peek() == ",":
            self.quote_next_bareword = True

    def peek(self, offset: int = 0) -> str:
        index = self.pos + offset
        return self.text[index] if index < len(self.text) else ""

    def code(self, in_subexpression: bool = False) -> None:
        depth = 0
        text = self.text
        while self.pos < len(text):
            char = text[self.pos]
            previous = text[self.pos - 1] if self.pos else "\n"
            if self._special(char, previous):
                continue
            if char == "{":
                self._open_brace()
                continue
            if char == "}":
                self._close_brace()
                continue
            if char in ";|" and not self.braces[-1:] == [{"kind": "switch"}]:
                self.pending_switch = False
            if char == "#" and previous in _TOKEN_BREAK:
                end = text.find("\n", self.pos)
                end = len(text) if end < 0 else end
                self.out.append(text[self.pos:end])
                self.pos = end
            elif char == "<" and self.peek(1) == "#":
                end = text.find("#>", self.pos + 2)
                end = len(text) if end < 0 else end + 2
                self.out.append(text[self.pos:end])
                self.pos = end
            elif char == "@" and self.peek(1) and self.peek(1) in SINGLE_QUOTES + DOUBLE_QUOTES and self._here_string_start():
                self.here_string()
            elif char in SINGLE_QUOTES:
                self.verbatim_string()
            elif char in DOUBLE_QUOTES:
                self.expandable_string()
            elif char == "`" and self.pos + 1 < len(text):
                self.out.append(text[self.pos:self.pos + 2])
                self.pos += 2
            elif char == ",":
                # PowerShell ignores blanks after a list comma; the grammar cannot parse "fl a, b" with them.
                self.out.append(char)
                self.pos += 1
                while self.pos < len(text) and text[self.pos] in " \t":
                    self.pos += 1
            elif char in DASHES and previous in _TOKEN_BREAK:
                self.out.append("-")
                self.pos += 1
            elif char == "(":
                depth += 1
                self.out.append(char)
                self.pos += 1
            elif char == ")":
                if in_subexpression and depth == 0:
                    return
                depth -= 1
                self.out.append(char)
                if self.pos in self.semicolon_after:
                    self.out.append(";")
                self.pos += 1
            else:
                self.out.append(char)
                self.pos += 1

    def _here_string_start(self) -> bool:
        index = self.pos + 2
        while index < len(self.text) and self.text[index] in " \t":
            index += 1
        return index < len(self.text) and self.text[index] in "\r\n"

    def here_string(self) -> None:
        quote = self.peek(1)
        family = SINGLE_QUOTES if quote in SINGLE_QUOTES else DOUBLE_QUOTES
        ascii_quote = "'" if family is SINGLE_QUOTES else '"'
        start = self.text.find("\n", self.pos) + 1
        index = start
        while index < len(self.text):
            line_end = self.text.find("\n", index)
            line_end = len(self.text) if line_end < 0 else line_end
            line = self.text[index:line_end]
            if len(line) >= 2 and line[0] in family and line[1] == "@":
                body = self.text[start:index]
                self.out.append("@" + ascii_quote + "\n" + body + ascii_quote + "@")
                self.pos = index + 2
                return
            index = line_end + 1
        # Unterminated: leave it to the parser to report.
        self.out.append(self.text[self.pos:])
        self.pos = len(self.text)

    def verbatim_string(self) -> None:
        self.pos += 1
        content: list[str] = []
        while self.pos < len(self.text):
            char = self.text[self.pos]
            if char in SINGLE_QUOTES:
                if self.peek(1) and self.peek(1) in SINGLE_QUOTES:
                    content.append(self.peek(1))
                    self.pos += 2
                    continue
                self.pos += 1
                self.out.append("'" + "".join(content).replace("'", "''") + "'")
                return
            content.append(char)
            self.pos += 1
        self.out.append("'" + "".join(content).replace("'", "''"))

    def expandable_string(self) -> None:
        self.pos += 1
        self.out.append('"')
        while self.pos < len(self.text):
            char = self.text[self.pos]
            if char == "`" and self.pos + 1 < len(self.text):
                self.out.append(self.text[self.pos:self.pos + 2])
                self.pos += 2
            elif char in DOUBLE_QUOTES:
                following = self.peek(1)
                if following and following in DOUBLE_QUOTES:
                    self.out.append('""' if following == '"' else following)
                    self.pos += 2
                    continue
                self.pos += 1
                self.out.append('"')
                return
            elif char == "$" and self.peek(1) == "(":
                self.out.append("$(")
                self.pos += 2
                self.code(in_subexpression=True)
                if self.pos < len(self.text):
                    self.out.append(")")
                    self.pos += 1
            else:
                self.out.append(char)
                self.pos += 1


def normalise(text: str) -> str:
    """Return source that tree-sitter reads as PowerShell reads ``text``."""
    scanner = _Scanner(text)
    scanner.code()
    return "".join(scanner.out)
