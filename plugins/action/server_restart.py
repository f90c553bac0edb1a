# Copyright: (c) 2026, exchange.owa_im contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import dataclasses
import time
import typing as t

from ansible_collections.exchange.owa_im.plugins.module_utils.option_specs import SERVER_RESTART_SPEC
from ansible_collections.exchange.owa_im.plugins.module_utils.powershell_script import windows_script
from ansible_collections.exchange.owa_im.plugins.module_utils.winrm_transport import ConnectionFailure, WinRMSettings, run_command
from ansible_collections.exchange.owa_im.plugins.plugin_utils.exchange_action import ExchangeActionBase, ExchangeFailure

BOOT_TIME = windows_script("Out-OwaImField 'boot' 'time' ([string](Get-WmiObject -Class Win32_OperatingSystem).LastBootUpTime)\n")
# "Application: Installation (Planned)", as an installer's reboot is.
SHUTDOWN = 'shutdown /r /t %d /c "exchange.owa_im: finishing the OCS component installation" /d p:4:2'


class ActionModule(ExchangeActionBase):
    argument_spec = SERVER_RESTART_SPEC

    def _boot_time(self, settings: WinRMSettings) -> str:
        return str(self.run_exchange_script(settings, BOOT_TIME).get("boot", {}).get("time") or "")

    def manage(self, params: t.Dict[str, t.Any], settings: WinRMSettings) -> t.Dict[str, t.Any]:
        if params["reboot_timeout"] < 10 or not 0 <= params["pre_reboot_delay"] <= 600:
            raise ExchangeFailure("reboot_timeout must be 10 seconds or more and pre_reboot_delay between 0 and 600 seconds.")
        result: t.Dict[str, t.Any] = {"changed": True, "rebooted": False}
        if self._task.check_mode:
            return result
        before = self._boot_time(settings)
        started = time.time()
        outcome = run_command(settings, SHUTDOWN % params["pre_reboot_delay"])
        if outcome.exit_code != 0:
            detail = outcome.stdout.strip() or outcome.stderr.strip()
            raise ExchangeFailure("shutdown /r on %s failed with exit code %d: %s" % (settings.host, outcome.exit_code, detail))
        # The boot time changes once the server is back: only then is the reboot over (it may still answer before it goes).
        probe = dataclasses.replace(settings, connection_timeout=min(settings.connection_timeout, 10))
        last_error = "no answer yet"
        while time.time() - started < params["reboot_timeout"]:
            time.sleep(1)
            try:
                now = self._boot_time(probe)
            except (ConnectionFailure, ExchangeFailure) as exc:
                last_error = str(exc)
                continue
            if now and now != before:
                result.update(rebooted=True, elapsed=round(time.time() - started, 1), boot_time=now)
                return result
        raise ExchangeFailure("%s did not come back from its restart within %d s (last: %s)"
                              % (settings.host, params["reboot_timeout"], last_error), rebooted=False)
