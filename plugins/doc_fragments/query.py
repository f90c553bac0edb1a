# Copyright: (c) 2026, exchange.owa_im contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations


class ModuleDocFragment:
    """The query option every info module takes."""

    DOCUMENTATION = r"""
options:
  query:
    description:
      - A JMESPath expression, evaluated on the controller over this module's whole result (the keys under RETURN);
        its value is returned as RV(query_result) and the other keys stay as they are.
      - The expression is checked (syntax, function names, number of arguments) before anything runs on the server, so
        a malformed one fails the task without contacting the server. Literals go in backticks (C(`false`), C(`30`)),
        strings in single quotes (C('IIS')).
      - Needs the Python library C(jmespath) in the Python that runs Ansible. An empty string is the same as no query.
    type: str
"""
