# Copyright: (c) 2026, exchange.owa_im contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import typing as t

from ansible_collections.exchange.owa_im.plugins.module_utils.option_specs import OCS_COMPONENTS_INFO_SPEC
from ansible_collections.exchange.owa_im.plugins.plugin_utils import _ocs_components, _query
from ansible_collections.exchange.owa_im.plugins.plugin_utils._action import ExchangeActionBase


class ActionModule(ExchangeActionBase):
    argument_spec = OCS_COMPONENTS_INFO_SPEC

    def manage(self, params: t.Dict[str, t.Any]) -> t.Dict[str, t.Any]:
        query = _query.compile_query(params.get("query"))
        records = self.run_exchange_script("ocs_components", _ocs_components.script_parameters("", "", "", True, detect_only=True))
        components = _ocs_components.component_states(records, "before")
        result = {"changed": False, "server": records.get("server", {}).get("name"), "components": components,
                  "all_installed": all(c["installed"] for c in components)}
        return _query.with_query_result(result, query)
