# Copyright: (c) 2026, exchange.owa_im contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Result parsing: the records our remote scripts write to stdout, and PowerShell's CLIXML errors on stderr."""

from __future__ import annotations

import base64
import binascii
import re
import typing as t
import xml.etree.ElementTree as ET

RECORD_MARKER = "OWAIM"

# powershell.exe on .NET Framework can start its output with a UTF-8 byte order mark when the shell's code page is
# 65001 (as Ansible's winrm connection opens it); it is no part of any record.
_BYTE_ORDER_MARK = "\ufeff"


class RecordError(Exception):
    """The remote output is not what our scripts write."""


Records = t.Dict[str, t.Dict[str, t.Any]]


def _value(kind: str, text: str) -> t.Any:
    if kind == "null":
        return None
    if kind == "bool":
        if text not in ("True", "False"):
            raise RecordError("a bool record holds %r" % text)
        return text == "True"
    if kind == "list":
        return text.split("\n") if text else []
    if kind == "string":
        return text
    raise RecordError("unknown record kind %r" % kind)


def parse_records(stdout: str) -> Records:
    """Parse ``OWAIM|record|field|kind|base64`` lines; any other non-blank line is an error."""
    records: Records = {}
    for number, raw in enumerate(stdout.splitlines(), start=1):
        line = raw.strip().lstrip(_BYTE_ORDER_MARK) if number == 1 else raw.strip()
        if not line:
            continue
        parts = line.split("|")
        if len(parts) != 5 or parts[0] != RECORD_MARKER:
            raise RecordError("line %d of the server's output is not a result record: %r" % (number, line[:200]))
        _marker, record, field, kind, encoded = parts
        try:
            text = base64.b64decode(encoded.encode("ascii"), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeError, ValueError) as exc:
            raise RecordError("line %d carries a value that is not base64 UTF-8: %s" % (number, exc))
        records.setdefault(record, {})[field] = _value(kind, text)
    return records


def indexed(records: Records, kind: str) -> t.List[t.Dict[str, t.Any]]:
    """The records ``kind/0``, ``kind/1``, ... in order (how scripts write lists of objects)."""
    found = []
    for name, fields in records.items():
        prefix, _sep, index = name.partition("/")
        if prefix == kind and index.isdigit():
            found.append((int(index), fields))
    return [fields for _index, fields in sorted(found, key=lambda pair: pair[0])]


_CLIXML_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def clixml_errors(stderr: str) -> t.List[str]:
    """The error lines of PowerShell's CLIXML stderr (as powershell.exe writes it under WinRM), else its plain lines."""
    text = stderr.lstrip(_BYTE_ORDER_MARK)
    if not text.startswith("#< CLIXML"):
        return [line for line in text.splitlines() if line.strip()]
    lines: t.List[str] = []
    # Each <Objs> document is found with str.find and str.rfind over disjoint stretches of the text, so the time grows
    # with its length whatever a server sends (a regex such as <Objs .*?</Objs> rescans to the end from every unfinished
    # document: quadratic). A document is the last <Objs before its </Objs>; an unfinished one before it is skipped.
    position = 0
    while True:
        end = text.find("</Objs>", position)
        if end < 0:
            break
        start = text.rfind("<Objs", position, end)
        position = end + len("</Objs>")
        if start < 0:
            continue
        try:
            root = ET.fromstring(text[start:position])
        except ET.ParseError:
            continue
        for node in root.iter():
            if node.tag.endswith("}S") and node.get("S") == "Error" and node.text:
                lines.append(_CLIXML_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), node.text).rstrip("\r\n"))
    return lines
