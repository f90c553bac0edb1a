# Copyright: (c) 2026, exchange.owa_im contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import typing as t

DOCUMENTATION = r"""
name: taken_by
short_description: Whether a backup file was taken at or before a UTC time
version_added: 1.0.0
description:
  - A test for the backups M(exchange.owa_im.owa_virtual_directory) writes (C(<host>-<YYYYmmddTHHMMSSffffff>Z.json)).
  - The time may be cut short (C(20261125T0239) means up to the end of that minute).
positional: _input, when, prefix
options:
  _input:
    description: The backup file's path.
    type: str
    required: true
  when:
    description: The UTC time, C(YYYYmmddTHHMMSS) or any prefix of it.
    type: str
    required: true
  prefix:
    description: The path up to the timestamp (C(<directory>/<host>-)).
    type: str
    required: true
author:
  - exchange.owa_im contributors
"""

EXAMPLES = r"""
- name: Backups of this host up to 25 November 2026, 02:39 UTC
  ansible.builtin.debug:
    msg: "{{ files | select('exchange.owa_im.taken_by', '20261125T0239', backup_dir ~ '/' ~ inventory_hostname ~ '-') }}"
"""

RETURN = r"""
_value:
  description: Whether the file was taken at or before the time.
  type: bool
"""


def taken_by(path: str, when: str, prefix: str) -> bool:
    if not path.startswith(prefix):
        return False
    stamp = path[len(prefix):].split(".", 1)[0]
    return stamp[: len(when)] <= when


class TestModule:
    def tests(self) -> t.Dict[str, t.Any]:
        return {"taken_by": taken_by}
