# Copyright: (c) 2026, exchange.owa_im contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import difflib
import typing as t

DOCUMENTATION = r"""
name: unknown_variables
short_description: The variables with a prefix that nobody defines, each with the closest known name
version_added: 1.1.0
description:
  - Ansible ignores a variable nothing reads, so a mistyped role variable (C(owa_im_restart_when_change)) silently
    changes nothing. The role C(exchange.owa_im.cas) passes every C(owa_im_) variable the play and its hosts define, and
    the names it knows, and stops on what this returns.
positional: _input, known
options:
  _input:
    description: The variable names found.
    type: list
    elements: str
    required: true
  known:
    description: The names that are defined by the role or the collection's playbooks.
    type: list
    elements: str
    required: true
author:
  - exchange.owa_im contributors
"""

EXAMPLES = r"""
- name: Stop on a mistyped role variable
  ansible.builtin.assert:
    that: unknown | length == 0
    fail_msg: "{{ unknown | join('; ') }}"
  vars:
    unknown: "{{ query('ansible.builtin.varnames', '^owa_im_') | exchange.owa_im.unknown_variables(known_names) }}"
"""

RETURN = r"""
_value:
  description: One message per unknown name, sorted, such as C(owa_im_restart_when_change (did you mean owa_im_restart_when_changed?)).
  type: list
  elements: str
"""


def unknown_variables(found: t.Iterable[str], known: t.Iterable[str]) -> t.List[str]:
    names = sorted(set(known))
    messages = []
    for name in sorted(set(found) - set(names)):
        close = difflib.get_close_matches(name, names, n=1, cutoff=0.75)
        messages.append("%s (did you mean %s?)" % (name, close[0]) if close else "%s (no such variable)" % name)
    return messages


class FilterModule:
    def filters(self) -> t.Dict[str, t.Any]:
        return {"unknown_variables": unknown_variables}
