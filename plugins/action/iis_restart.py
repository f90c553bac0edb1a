# Copyright: (c) 2026, exchange.owa_im contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import re
import time
import typing as t

from ansible_collections.exchange.owa_im.plugins.module_utils.option_specs import IIS_RESTART_SPEC
from ansible_collections.exchange.owa_im.plugins.plugin_utils import _owa_probe, _server_state
from ansible_collections.exchange.owa_im.plugins.plugin_utils._action import ExchangeActionBase, ExchangeFailure

_APP_POOL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$")


def describe(method: str, app_pool: str) -> str:
    """The command the server runs, as the result reports it."""
    if method == "iisreset":
        return "iisreset /noforce"
    if not _APP_POOL.match(app_pool or ""):
        raise ExchangeFailure("app_pool must be an IIS application pool name (letters, digits, spaces, '.', '_' or '-'), "
                              "such as MSExchangeOWAAppPool; got %r." % app_pool)
    return '%%windir%%\\system32\\inetsrv\\appcmd.exe recycle apppool /apppool.name:"%s"' % app_pool


class ActionModule(ExchangeActionBase):
    argument_spec = IIS_RESTART_SPEC

    def manage(self, params: t.Dict[str, t.Any]) -> t.Dict[str, t.Any]:
        line = describe(params["method"], params["app_pool"])
        check_mode = bool(self._task.check_mode)
        result: t.Dict[str, t.Any] = {"changed": True, "method": params["method"], "command": line}
        if params["wait_timeout"] < 1:
            raise ExchangeFailure("wait_timeout must be 1 second or more; got %d." % params["wait_timeout"])
        if check_mode and not params["when_pending"]:
            return result
        started = time.time()
        records = self.run_exchange_script("iis_restart", {
            "Method": params["method"], "AppPool": params["app_pool"], "WhenPending": params["when_pending"],
            "CheckMode": check_mode, "Identity": params.get("identity") or ""})
        if params["when_pending"]:
            result["restart_state"] = _server_state.restart_state(records)
            result["changed"] = result["restart_state"]["pending"]
        if check_mode or "restart" not in records:
            return result
        restart = records["restart"]
        code = int(restart.get("exit_code") or 0)
        output = [text for text in restart.get("output") or [] if text.strip()]
        result.update(rc=code, stdout_lines=output, seconds=round(time.time() - started, 2))
        server = records.get("server", {}).get("name") or self.host_label
        if code != 0:
            raise ExchangeFailure("%s on %s failed with exit code %d: %s" % (line, server, code, " ".join(output) or "no output"), **result)
        if params.get("wait_url"):
            try:
                result["owa"] = _owa_probe.wait_until_answering(params["wait_url"], params["wait_timeout"], params.get("wait_ca_path"),
                                                                params["wait_validate_certs"])
            except _owa_probe.ProbeError as exc:
                raise ExchangeFailure("%s: %s. The reset ran; look at the server before the next one goes." % (server, exc), **result)
        return result
