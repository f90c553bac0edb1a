# Copyright: (c) 2026, exchange.owa_im contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Values from servers and inventories on one line, for the console (and, escaped further, for Markdown)."""

from __future__ import annotations

import typing as t
import unicodedata

DOCUMENTATION = r"""
name: plain_text
short_description: A value as one line of plain text, for the console
version_added: 1.1.0
description:
  - Turns any value (a server's answer, an inventory variable) into one line for a message or a table on the console.
    Line breaks, tabs and other control characters become spaces (so no escape sequence reaches a terminal and no
    value adds a line); invisible format characters such as bidirectional overrides become U+FFFD.
  - The value is cut to O(limit) characters and then ends with an ellipsis.
  - The audit playbook's console table and drift message use it; C(exchange.owa_im.markdown_text) builds on it for
    Markdown.
positional: _input, limit
options:
  _input:
    description: The value; anything else than a string is turned into one first, null into an empty string.
    type: raw
    required: true
  limit:
    description: The most characters of the value kept.
    type: int
    default: 256
author:
  - exchange.owa_im contributors
"""

EXAMPLES = r"""
- name: A server's value in a message, on one line of at most 64 characters
  ansible.builtin.debug:
    msg: "OCS server - {{ vdir.instant_messaging_server_name | exchange.owa_im.plain_text(64) }}"
"""

RETURN = r"""
_value:
  description: The value on one line, without control characters, at most O(limit) characters and an ellipsis.
  type: str
  sample: "ocs|pool ## heading <script>"
"""

DEFAULT_LIMIT = 256
ELLIPSIS = "\u2026"
_BREAKS = "\r\n\t\v\f\x85\u2028\u2029"


def plain_text(value: t.Any, limit: int = DEFAULT_LIMIT) -> str:
    """``value`` as one line without control or invisible format characters, at most ``limit`` characters long."""
    if limit < 1:
        raise ValueError("limit must be 1 or more; got %r" % limit)
    text = "" if value is None else str(value)
    cut = len(text) > limit
    characters = []
    for char in text[:limit]:
        category = unicodedata.category(char)
        if char in _BREAKS or category == "Cc":
            characters.append(" ")
        elif category in ("Cf", "Co", "Cs", "Cn"):
            characters.append("\ufffd")
        else:
            characters.append(char)
    return "".join(characters) + (ELLIPSIS if cut else "")


class FilterModule:
    def filters(self) -> t.Dict[str, t.Any]:
        return {"plain_text": plain_text}
