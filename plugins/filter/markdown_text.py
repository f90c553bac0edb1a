# Copyright: (c) 2026, exchange.owa_im contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Values from servers and inventories, made safe for the reports and notes the collection writes."""

from __future__ import annotations

import re
import typing as t

from ansible_collections.exchange.owa_im.plugins.filter.plain_text import DEFAULT_LIMIT, plain_text

DOCUMENTATION = r"""
name: markdown_text
short_description: A value as inert Markdown text, for a table cell or a sentence
version_added: 1.1.0
description:
  - Makes any value (a server's answer, an inventory variable) safe to put into Markdown that people open, render or
    forward; the audit report and the Host Authorization notes pass every value through it.
  - The value becomes one line (line breaks, tabs and other control characters become spaces; invisible format
    characters such as bidirectional overrides become U+FFFD) and is cut to O(limit) characters, ending with an ellipsis.
  - C(&), C(<) and C(>) become HTML character references, so no HTML tag or entity survives; the backslash and the
    characters Markdown gives a meaning (C(|), C(`), C(*), C(_), C(~), C([), C(]), C(#), C(!), C({), C(}))
    are escaped with a backslash (an underscore only where it could start or end emphasis, not inside a word such as
    C(instant_messaging_type)), and so are C(://), C(www.) and C(@), which renderers would turn into links; a leading
    C(-), C(+), C(=), or a number followed by a full stop or a closing parenthesis, is escaped so that the value never
    starts a list or a heading.
  - The rendered text reads as the value did (cut to one line); the raw file shows the escapes.
  - C(exchange.owa_im.plain_text) makes the same single, capped line without Markdown escapes, for the console.
positional: _input, limit
options:
  _input:
    description: The value; anything else than a string is turned into one first, null into an empty string.
    type: raw
    required: true
  limit:
    description: The most characters of the value kept (before escaping).
    type: int
    default: 256
author:
  - exchange.owa_im contributors
"""

EXAMPLES = r"""
- name: One row of a Markdown table whatever the server returned
  ansible.builtin.debug:
    msg: "| {{ inventory_hostname | exchange.owa_im.markdown_text }} | {{ vdir.instant_messaging_server_name | exchange.owa_im.markdown_text }} |"

- name: A list of policy names in a sentence, each cut to 64 characters
  ansible.builtin.debug:
    msg: "Policies - {{ policies | map('exchange.owa_im.markdown_text', 64) | join(', ') }}"

- name: A value on the console, on one line
  ansible.builtin.debug:
    msg: "{{ vdir.instant_messaging_server_name | exchange.owa_im.plain_text }}"
"""

RETURN = r"""
_value:
  description: The value as one line of inert Markdown text.
  type: str
  sample: "ocs\\|pool \\#\\# heading http\\://x &lt;script&gt;"
"""

# Characters Markdown (CommonMark and GitHub's tables, strikethrough and autolinks) gives a meaning inside a line. An
# underscore between letters or digits cannot start or end emphasis (CommonMark 6.2), so instant_messaging_type stays.
_MARKDOWN = re.compile(r"([\\`*~\[\]#!|{}]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9]))")
# What renderers turn into links without brackets: a scheme's ://, www. and e-mail addresses (GitHub's autolinks).
_AUTOLINK = re.compile(r"(:)(?=//)|(?<![A-Za-z0-9])(www)(\.)|(@)", re.IGNORECASE)
# What starts a list item, heading underline or ordered list when a value begins a line.
_LINE_START = re.compile(r"^([-+=]|\d{1,9}[.)])")
_HTML = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


def _unlinked(match: t.Match[str]) -> str:
    colon, www, _dot, at = match.groups()
    return "\\:" if colon else (www + "\\.") if www else "\\" + at


def markdown_text(value: t.Any, limit: int = DEFAULT_LIMIT) -> str:
    """``value`` as one line of Markdown that renders as the text itself: no markup, link, HTML or table cell break."""
    text = _MARKDOWN.sub(r"\\\1", plain_text(value, limit))
    text = "".join(_HTML.get(char, char) for char in text)
    text = _AUTOLINK.sub(_unlinked, text)
    return _LINE_START.sub(lambda match: match.group(1)[:-1] + "\\" + match.group(1)[-1], text)


class FilterModule:
    def filters(self) -> t.Dict[str, t.Any]:
        return {"markdown_text": markdown_text}
