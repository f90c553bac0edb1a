# Copyright: (c) 2026, exchange.owa_im contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import typing as t

from ansible_collections.exchange.owa_im.plugins.plugin_utils._pool_consistency import drift

DOCUMENTATION = r"""
name: pool_drift
short_description: Where the CAS servers of a pool differ in their OWA IM settings
version_added: 1.0.0
description:
  - Compares the IM settings of every Client Access server of a load-balanced pool. The OCS server name, the type and the
    enabled flag must be the same everywhere; each server's thumbprint must name a certificate of its own that is bound
    to IIS and valid today.
  - Servers are compared within their pool (C(pool) of each entry, from the host variable C(owa_im_pool_name); entries
    without one form a single pool), so two sites with their own OCS pools are not drift.
  - The expected value of a pool-wide setting is the one given in O(intended), else the one most servers of the pool
    carry; when no value has a majority (a tie, such as two servers that disagree), every server of that pool is named.
positional: _input, intended
options:
  _input:
    description:
      - One entry per CAS, C({server, settings, certificate}), where C(settings) holds the four settings by option name
        (as RV(exchange.owa_im.owa_virtual_directory#module:after) returns them) and C(certificate) is the thumbprint check
        M(exchange.owa_im.owa_virtual_directory_info) or M(exchange.owa_im.owa_virtual_directory) returns.
    type: list
    elements: dict
    required: true
  intended:
    description:
      - The settings asked for, by option name (C(instant_messaging_server_name), C(instant_messaging_type),
        C(instant_messaging_enabled)); a field given here is compared with it rather than with the majority.
    type: dict
author:
  - exchange.owa_im contributors
"""

EXAMPLES = r"""
- name: Fail when the pool has drifted
  ansible.builtin.assert:
    that: pool | exchange.owa_im.pool_drift | length == 0

- name: Fail when any server differs from the settings asked for
  ansible.builtin.assert:
    that: pool | exchange.owa_im.pool_drift(intended) | length == 0
  vars:
    intended:
      instant_messaging_server_name: ocspool.contoso.com
"""

RETURN = r"""
_value:
  description: The differences, C({server, field, value, expected}) and C(pool) where pools are named; empty when the pool is consistent.
  type: list
  elements: dict
"""


class FilterModule:
    def filters(self) -> t.Dict[str, t.Any]:
        return {"pool_drift": drift}
