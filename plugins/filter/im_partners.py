# Copyright: (c) 2026, exchange.owa_im contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import typing as t

from ansible_collections.exchange.owa_im.plugins.plugin_utils._host_authorization import partners

DOCUMENTATION = r"""
name: im_partners
short_description: Which IM server must trust each CAS, and by what name
version_added: 1.1.0
description:
  - For each host's variables, whether its IM server knows it through an OCS 2007 R2 Host Authorization entry
    (C(ocs2007r2)) or through a Lync Server or Skype for Business Server trusted application pool (C(lync)).
  - A host's own C(owa_im_server_product) decides, else O(default_product). With C(auto), Exchange 2010 servers (whose
    settings are on the virtual directory) pair with OCS 2007 R2 and Exchange 2013 and later with Lync Server or Skype for
    Business Server, read from C(owa_im_state), the first read of the role C(exchange.owa_im.cas); a host the role has not
    read then has no partner (null).
positional: _input, default_product
options:
  _input:
    description: The variables of each host, for instance C(ansible_play_hosts | map('extract', hostvars)).
    type: list
    elements: dict
    required: true
  default_product:
    description: The C(owa_im_server_product) of hosts that do not set their own.
    type: str
    choices: [auto, ocs2007r2, lync]
    default: auto
author:
  - exchange.owa_im contributors
"""

EXAMPLES = r"""
- name: The names the Lync Server Front End must trust
  ansible.builtin.debug:
    msg: >-
      {{ ansible_play_hosts | map('extract', hostvars) | exchange.owa_im.im_partners(owa_im_server_product)
         | selectattr('partner', 'equalto', 'lync') | selectattr('name') | map(attribute='name') | unique | list }}
  run_once: true
"""

RETURN = r"""
_value:
  description: C({host, partner, read, name}) per host; C(partner) is C(ocs2007r2), C(lync) or null, C(name) the subject of the
    certificate OWA IM presents (null when not known).
  type: list
  elements: dict
"""


def _im_partners(hosts_vars: t.Iterable[t.Mapping[str, t.Any]], default_product: t.Optional[str] = "auto") -> t.List[t.Dict[str, t.Any]]:
    return partners(hosts_vars, default_product)


class FilterModule:
    def filters(self) -> t.Dict[str, t.Any]:
        return {"im_partners": _im_partners}
