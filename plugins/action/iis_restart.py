# Copyright: (c) 2026, exchange.owa_im contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import re
import time
import typing as t

from ansible_collections.exchange.owa_im.plugins.module_utils.option_specs import IIS_RESTART_SPEC
from ansible_collections.exchange.owa_im.plugins.module_utils.winrm_transport import WinRMSettings, run_command
from ansible_collections.exchange.owa_im.plugins.plugin_utils.exchange_action import ExchangeActionBase, ExchangeFailure

_APP_POOL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$")


def command_line(method: str, app_pool: str) -> str:
    if method == "iisreset":
        # /noforce: if a service does not stop in time, iisreset gives up rather than killing IIS.
        return "iisreset /noforce"
    if not _APP_POOL.match(app_pool or ""):
        raise ExchangeFailure("app_pool must be an IIS application pool name (letters, digits, spaces, '.', '_' or '-'), "
                              "such as MSExchangeOWAAppPool; got %r." % app_pool)
    return '%%windir%%\\system32\\inetsrv\\appcmd.exe recycle apppool /apppool.name:"%s"' % app_pool


class ActionModule(ExchangeActionBase):
    argument_spec = IIS_RESTART_SPEC

    def manage(self, params: t.Dict[str, t.Any], settings: WinRMSettings) -> t.Dict[str, t.Any]:
        line = command_line(params["method"], params["app_pool"])
        result: t.Dict[str, t.Any] = {"changed": True, "method": params["method"], "command": line}
        if self._task.check_mode:
            return result
        started = time.time()
        outcome = run_command(settings, line)
        output = [text for text in outcome.stdout.splitlines() if text.strip()]
        result.update(rc=outcome.exit_code, stdout_lines=output, seconds=round(time.time() - started, 2))
        if outcome.exit_code != 0:
            detail = " ".join(output + outcome.stderr.splitlines()) or "no output"
            raise ExchangeFailure("%s on %s failed with exit code %d: %s" % (line, settings.host, outcome.exit_code, detail), **result)
        return result
