# Copyright: (c) 2026, exchange.owa_im contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import typing as t

from ansible_collections.exchange.owa_im.plugins.plugin_utils._owa_settings import SettingError, validate_server_name

DOCUMENTATION = r"""
name: fqdn_error
short_description: Why a value is not a fully qualified domain name, or an empty string
version_added: 1.1.0
description:
  - Checks a name by the rule the modules apply to C(instant_messaging_server_name) - dot-separated labels of letters,
    digits and hyphens (none starting or ending with a hyphen, at most 63 characters each, 253 in all), at least two
    labels, the last not all digits, no surrounding whitespace.
  - Returns the message that names O(variable) and the fix when the name breaks the rule, else an empty string, so
    that an C(ansible.builtin.assert) can check several variables and report each one at fault.
  - The role C(exchange.owa_im.cas) checks C(owa_im_server_name) and C(owa_im_cas_fqdn) with it before anything else
    runs, whatever tags are chosen, since both end up in the Host Authorization notes.
positional: _input, variable, meaning
options:
  _input:
    description: The name to check.
    type: raw
    required: true
  variable:
    description: The variable the name came from, as the message names it.
    type: str
    required: true
  meaning:
    description:
      - What the name stands for, as the message says it (for instance C(the name OCS knows this CAS by)), with the fix
        if there is one to add.
      - Without it, the message is the modules' own for the OCS server or pool.
    type: str
author:
  - exchange.owa_im contributors
"""

EXAMPLES = r"""
- name: Stop unless both names are FQDNs
  ansible.builtin.assert:
    that: _errors | length == 0
    fail_msg: "{{ _errors | join(' ') }}"
  vars:
    _errors: >-
      {{ [owa_im_server_name | exchange.owa_im.fqdn_error('owa_im_server_name'),
          owa_im_cas_fqdn | exchange.owa_im.fqdn_error('owa_im_cas_fqdn', 'the name OCS knows this CAS by')] | select | list }}
"""

RETURN = r"""
_value:
  description: Why the name is not an FQDN, naming O(variable) and the fix; empty when it is one.
  type: str
  sample: "owa_im_cas_fqdn must be the name OCS knows this CAS by, a fully qualified domain name such as cas01.contoso.com; got 'cas01'. ..."
"""


def fqdn_error(value: t.Any, variable: str, meaning: t.Optional[str] = None) -> str:
    text = "" if value is None else str(value)
    try:
        validate_server_name(text, variable)
    except SettingError as exc:
        if meaning is None:
            return str(exc)
        return ("%s must be %s, a fully qualified domain name such as cas01.contoso.com; got %r. Use letters, digits and "
                "hyphens in dot-separated labels, with no spaces, quotes, markup or other characters." % (variable, meaning, text[:300]))
    return ""


class FilterModule:
    def filters(self) -> t.Dict[str, t.Any]:
        return {"fqdn_error": fqdn_error}
