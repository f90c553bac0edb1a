# Copyright: (c) 2026, exchange.owa_im contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import typing as t

from ansible.errors import AnsibleFilterError
from ansible_collections.exchange.owa_im.plugins.plugin_utils import _query

DOCUMENTATION = r"""
name: jmespath_query
short_description: Apply a JMESPath expression to data, with the collection's checks and messages
version_added: 1.0.0
description:
  - Evaluates a JMESPath expression over the input on the controller, as the info modules do over their own results
    with their C(query) option (for instance O(exchange.owa_im.owa_virtual_directory_info#module:query)). The playbook
    C(exchange.owa_im.audit) uses it for C(owa_im_audit_query) over its per-server entries.
  - The expression is checked (syntax, function names, number of arguments) before it is applied; a malformed one fails
    with jmespath's own parse error. Ansible's string and container types are turned into plain ones first, so JMESPath
    functions such as C(contains) accept them.
  - Needs the Python library C(jmespath) in the Python that runs Ansible.
positional: _input, expression
options:
  _input:
    description: The data to query, such as a list of audit entries or a registered module result.
    type: raw
    required: true
  expression:
    description: The JMESPath expression. Literals go in backticks (C(`false`)), strings in single quotes (C('IIS')).
    type: str
    required: true
author:
  - exchange.owa_im contributors
"""

EXAMPLES = r"""
- name: The hosts of the audit whose OWA IM is off
  ansible.builtin.debug:
    msg: "{{ entries | exchange.owa_im.jmespath_query('[?settings.instant_messaging_enabled == `false`].host') }}"

- name: Certificates of a registered exchange_certificate_info result that expire within 60 days
  ansible.builtin.debug:
    msg: "{{ certs | exchange.owa_im.jmespath_query('certificates[?days_left < `60`].thumbprint') }}"
"""

RETURN = r"""
_value:
  description: What the expression selects; a list, an object, a string, a number, a boolean or null.
  type: raw
"""


def jmespath_query(data: t.Any, expression: str) -> t.Any:
    try:
        return _query.search(expression, data, option="expression")
    except _query.QueryError as exc:
        raise AnsibleFilterError("jmespath_query: %s" % exc)


class FilterModule:
    def filters(self) -> t.Dict[str, t.Any]:
        return {"jmespath_query": jmespath_query}
