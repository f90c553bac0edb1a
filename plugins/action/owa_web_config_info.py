# Copyright: (c) 2026, exchange.owa_im contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import typing as t

from ansible_collections.exchange.owa_im.plugins.module_utils.option_specs import OWA_WEB_CONFIG_INFO_SPEC
from ansible_collections.exchange.owa_im.plugins.plugin_utils import _query, _rtm_web_config
from ansible_collections.exchange.owa_im.plugins.plugin_utils._action import ExchangeActionBase, ExchangeFailure
from ansible_collections.exchange.owa_im.plugins.plugin_utils._records import Records

# An Exchange OWA web.config is tens of kilobytes; the server refuses to read one larger than this.
WEB_CONFIG_LIMIT = 1024 * 1024


class ActionModule(ExchangeActionBase):
    argument_spec = OWA_WEB_CONFIG_INFO_SPEC

    def manage(self, params: t.Dict[str, t.Any]) -> t.Dict[str, t.Any]:
        query = _query.compile_query(params.get("query"))
        return _query.with_query_result(self.read(params), query)

    def read(self, params: t.Dict[str, t.Any]) -> t.Dict[str, t.Any]:
        records = self.run_exchange_script("owa_web_config_info", {"Path": params.get("path") or "", "MaxBytes": WEB_CONFIG_LIMIT},
                                           on_error=self.refuse_large_file)
        web_config = records.get("web_config", {})
        server = records.get("server", {}).get("name")
        result: t.Dict[str, t.Any] = {"changed": False, "server": server, "path": web_config.get("path"),
                                      "exists": bool(web_config.get("exists"))}
        if not result["exists"]:
            result.update(im_settings=None, exchange_2013_settings=None, mappable=False, reason="%s has no file %s" % (server, web_config.get("path")))
            return result
        try:
            settings_found = _rtm_web_config.rtm_settings(web_config.get("text") or "")
            exchange_2013 = _rtm_web_config.exchange_2013_settings(web_config.get("text") or "")
        except _rtm_web_config.WebConfigError as exc:
            raise ExchangeFailure("%s: %s (%s)" % (server, exc, web_config.get("path")))
        reason = _rtm_web_config.unmappable_reason(settings_found)
        result.update(im_settings=settings_found, mappable=reason is None, reason=reason, exchange_2013_settings=exchange_2013)
        return result

    def refuse_large_file(self, records: Records) -> None:
        error = records.get("error", {})
        if error.get("kind") == "too_large":
            path = records.get("web_config", {}).get("path")
            raise ExchangeFailure("%s: %s is %s bytes, more than the %d bytes an OWA web.config could be (they are tens of "
                                  "kilobytes), so it was not read. Look at that file on the server, or give path to the right one."
                                  % (records.get("server", {}).get("name") or self.host_label, path, error.get("message"), WEB_CONFIG_LIMIT),
                                  path=path, exists=True)
