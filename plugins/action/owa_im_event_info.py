# Copyright: (c) 2026, exchange.owa_im contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import typing as t

from ansible_collections.exchange.owa_im.plugins.module_utils.option_specs import OWA_IM_EVENT_INFO_SPEC
from ansible_collections.exchange.owa_im.plugins.plugin_utils import _owa_events, _query
from ansible_collections.exchange.owa_im.plugins.plugin_utils._action import ExchangeActionBase


class ActionModule(ExchangeActionBase):
    argument_spec = OWA_IM_EVENT_INFO_SPEC

    def manage(self, params: t.Dict[str, t.Any]) -> t.Dict[str, t.Any]:
        # Every option is checked before the server is asked.
        query = _query.compile_query(params.get("query"))
        since, minutes_back = _owa_events.since_parameter(params.get("since"), params.get("minutes_back"))
        parameters = _owa_events.script_parameters(since, minutes_back, _owa_events.event_ids(params.get("ids")), params["max_events"])
        records = self.run_exchange_script("owa_im_events", parameters, on_error=_owa_events.raise_read_failure)
        result = dict(_owa_events.events_result(records), changed=False)
        return _query.with_query_result(result, query)
