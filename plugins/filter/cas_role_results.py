# Copyright: (c) 2026, exchange.owa_im contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import typing as t

from ansible_collections.exchange.owa_im.plugins.plugin_utils._pool_consistency import role_entries

DOCUMENTATION = r"""
name: cas_role_results
short_description: What the exchange.owa_im.cas role found and did on each CAS, as pool entries
version_added: 1.0.0
description:
  - Turns the results the role the role C(exchange.owa_im.cas) registered on each host (its first read C(owa_im_state), and
    C(owa_im_virtual_directory), C(owa_im_components), C(owa_im_restart) where they ran) into one entry per CAS, ready
    for P(exchange.owa_im.pool_drift#filter). Hosts the role has not read yet are left out.
  - The role sets no facts of its own for this, so a server with nothing to change costs one task that reaches it.
positional: _input
options:
  _input:
    description: The variables of each host, for instance C(ansible_play_hosts | map('extract', hostvars)).
    type: list
    elements: dict
    required: true
author:
  - exchange.owa_im contributors
"""

EXAMPLES = r"""
- name: Check the pool after the role
  ansible.builtin.assert:
    that: ansible_play_hosts | map('extract', hostvars) | exchange.owa_im.cas_role_results | exchange.owa_im.pool_drift | length == 0
  run_once: true
"""

RETURN = r"""
_value:
  description: C({server, settings, certificate, changed, reset}) per host the role has read.
  type: list
  elements: dict
"""


class FilterModule:
    def filters(self) -> t.Dict[str, t.Any]:
        return {"cas_role_results": role_entries}
