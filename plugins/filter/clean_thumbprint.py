# Copyright: (c) 2026, exchange.owa_im contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import typing as t

from ansible_collections.exchange.owa_im.plugins.plugin_utils._owa_settings import clean_thumbprint

DOCUMENTATION = r"""
name: clean_thumbprint
short_description: A certificate thumbprint without what copying it adds
version_added: 1.0.0
description:
  - Removes the spaces, colons, tabs and invisible marks (U+200E, U+200F, U+200B-U+200D, U+FEFF, no-break space) that
    the certificate console and web pages add when a thumbprint is copied, and upper-cases it.
  - The modules clean every thumbprint they are given the same way, on the controller and on the server; use this
    filter to compare or store thumbprints in your own plays. It does not validate; a result other than 40 hexadecimal
    digits is still no thumbprint.
positional: _input
options:
  _input:
    description: The thumbprint as copied.
    type: str
    required: true
author:
  - exchange.owa_im contributors
"""

EXAMPLES = r"""
- name: Keep the thumbprint of this CAS as Exchange prints it
  ansible.builtin.set_fact:
    cas_thumbprint: "{{ '82 10 e1 73 93 b6 e8 1a d0 b3 a7 5d d9 16 1a be 1a 93 b6 95' | exchange.owa_im.clean_thumbprint }}"
"""

RETURN = r"""
_value:
  description: The thumbprint in upper case without spaces, colons, tabs or invisible marks.
  type: str
  sample: 8210E17393B6E81AD0B3A75DD9161ABE1A93B695
"""


class FilterModule:
    def filters(self) -> t.Dict[str, t.Any]:
        return {"clean_thumbprint": clean_thumbprint}
