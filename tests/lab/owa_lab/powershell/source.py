"""PowerShell's own view of quotes and dashes, applied before tree-sitter parses.

PowerShell's tokenizer treats the typographic quotes as quotes (U+2018-U+201B as single quotes,
U+201C-U+201E as double quotes) and U+2013-U+2015 as the dash of a parameter or operator.
tree-sitter-powershell does not, so a script that escapes from a string with a typographic quote
would be misread. This module scans the source the way PowerShell does and re-writes every string
with ASCII delimiters and ASCII escaping, keeping each string's content exactly as PowerShell
would read it. The result means the same to tree-sitter as the original means to PowerShell.
"""

from __future__ import annotations

SINGLE_QUOTES = "'\u2018\u2019\u201a\u201b"
DOUBLE_QUOTES = '"\u201c\u201d\u201e'
DASHES = "\u2013\u2014\u2015"
_TOKEN_BREAK = " \t\r\n;(){}|,=@"


class _Scanner:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.out: list[str] = []

    def peek(self, offset: int = 0) -> str:
        index = self.pos + offset
        return self.text[index] if index < len(self.text) else ""

    def code(self, in_subexpression: bool = False) -> None:
        depth = 0
        text = self.text
        while self.pos < len(text):
            char = text[self.pos]
            previous = text[self.pos - 1] if self.pos else "\n"
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
