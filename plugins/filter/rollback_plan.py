# Copyright: (c) 2026, exchange.owa_im contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import typing as t

from ansible.errors import AnsibleFilterError

from ansible_collections.exchange.owa_im.plugins.plugin_utils._server_state import rollback_plan

DOCUMENTATION = r"""
name: rollback_plan
short_description: Which backup returns each CAS of a pool to one point in time
version_added: 1.1.0
description:
  - Takes each host's backups as M(exchange.owa_im.owa_virtual_directory_backup_info) returned them (registered as
    C(owa_im_backups)) and chooses, per host and for each thing it backed up (its virtual directory, web.config, setting
    overrides, mailbox policies), the backup that returns it to how it was at one moment. A backup holds the settings
    just before a change, so the oldest one taken after the moment holds them as they were then (for a setting override
    created since, that it did not exist); a host with no backup after the moment has not changed since and is left
    alone.
  - Without O(to), the moment is just before the newest run that changed any host of the pool (the runs are named by
    O(exchange.owa_im.owa_virtual_directory#module:change_id)), so that run is undone everywhere at once.
positional: _input, to
options:
  _input:
    description: The variables of each host, for instance C(ansible_play_hosts | map('extract', hostvars)).
    type: list
    elements: dict
    required: true
  to:
    description: A UTC time, C(20261125T0239) or C(2026-11-25T02:39:00); a shortened time means the end of that period.
    type: str
author:
  - exchange.owa_im contributors
"""

EXAMPLES = r"""
- name: Choose the backups that undo the newest run
  ansible.builtin.set_fact:
    plan: "{{ ansible_play_hosts | map('extract', hostvars) | exchange.owa_im.rollback_plan }}"
  run_once: true
"""

RETURN = r"""
_value:
  description:
    - C(moment) (the UTC moment returned to, compact form, or null when no host has a backup), C(restores) (per host,
      the chosen backups in the order to restore them; mailbox policies, the virtual directory, web.config, then setting
      overrides, those to remove first) and C(backups) (per host, every backup's time, run, file, kind and identity, oldest first).
  type: dict
"""


def _plan(hosts: t.Sequence[t.Mapping[str, t.Any]], to: t.Optional[str] = None) -> t.Dict[str, t.Any]:
    try:
        return rollback_plan(hosts, to or None)
    except ValueError as exc:
        raise AnsibleFilterError(str(exc))


class FilterModule:
    def filters(self) -> t.Dict[str, t.Any]:
        return {"rollback_plan": _plan}
