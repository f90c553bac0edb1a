# Copyright: (c) 2026, exchange.owa_im contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import time
import typing as t

from ansible.errors import AnsibleError

from ansible_collections.exchange.owa_im.plugins.module_utils.option_specs import SERVER_RESTART_SPEC
from ansible_collections.exchange.owa_im.plugins.plugin_utils._action import ExchangeActionBase, ExchangeFailure
from ansible_collections.exchange.owa_im.plugins.plugin_utils._exchange_errors import ExchangeError

COMMENT = "exchange.owa_im: finishing the OCS component installation"


class ActionModule(ExchangeActionBase):
    argument_spec = SERVER_RESTART_SPEC

    def _boot_time(self) -> str:
        return str(self.run_exchange_script("server_boot_time", {}).get("boot", {}).get("time") or "")

    def _settle(self, params: t.Dict[str, t.Any], started: float, result: t.Dict[str, t.Any]) -> t.Dict[str, t.Any]:
        """Back up: wait until Exchange answers (its services start after WinRM's), then post_reboot_delay, as win_reboot
        runs its test command with retries, so the next task does not meet a half-started server."""
        last_error = ""
        attempts = 0
        while time.time() - started < params["reboot_timeout"]:
            attempts += 1
            try:
                self._connection.reset()
                self.run_exchange_script("exchange_ready", {})
            except (AnsibleError, ExchangeFailure, ExchangeError, OSError) as exc:
                last_error = str(exc)
                time.sleep(2)
                continue
            time.sleep(params["post_reboot_delay"])
            self._connection.reset()
            result.update(elapsed=round(time.time() - started, 1), ready_attempts=attempts)
            return result
        raise ExchangeFailure("%s came back from its restart but Exchange did not answer within %d s (last: %s)"
                              % (self.host_label, params["reboot_timeout"], last_error), rebooted=True)

    def manage(self, params: t.Dict[str, t.Any]) -> t.Dict[str, t.Any]:
        if params["reboot_timeout"] < 10 or not 0 <= params["pre_reboot_delay"] <= 600 or not 0 <= params["post_reboot_delay"] <= 600:
            raise ExchangeFailure("reboot_timeout must be 10 seconds or more, and pre_reboot_delay and post_reboot_delay between 0 and "
                                  "600 seconds.")
        result: t.Dict[str, t.Any] = {"changed": True, "rebooted": False}
        if self._task.check_mode:
            return result
        before = self._boot_time()
        started = time.time()
        try:
            records = self.run_exchange_script("server_restart", {"Delay": params["pre_reboot_delay"], "Comment": COMMENT})
        except (ExchangeFailure, ExchangeError):
            raise
        except (AnsibleError, OSError) as exc:  # the connection's errors, and requests' (OSError)
            # shutdown.exe can have accepted the restart while its answer is lost with the connection (the server goes
            # down under it). As Ansible's reboot action does, take that as a restart under way; the boot time decides.
            records = {"restart": {"exit_code": "0", "output": []}}
            result["reply_lost"] = str(exc) or type(exc).__name__
        restart = records.get("restart", {})
        if int(restart.get("exit_code") or 0) != 0:
            raise ExchangeFailure("shutdown /r on %s failed with exit code %s: %s"
                                  % (self.host_label, restart.get("exit_code"), " ".join(restart.get("output") or []) or "no output"))
        # The boot time changes once the server is back: only then is the reboot over (it may still answer before it goes).
        last_error = "no answer yet"
        while time.time() - started < params["reboot_timeout"]:
            time.sleep(1)
            try:
                # The shell the connection kept died with the server: start again with a new one each time.
                self._connection.reset()
                now = self._boot_time()
            except (AnsibleError, ExchangeFailure, ExchangeError, OSError) as exc:
                # While it restarts: the connection plugin's errors, requests' (OSError), or a script cut short.
                last_error = str(exc)
                continue
            if now and now != before:
                result.update(rebooted=True, boot_time=now)
                return self._settle(params, started, result)
        if result.get("reply_lost"):
            raise ExchangeFailure("%s: the answer to the restart command was lost (%s) and the server's boot time did not change within "
                                  "%d s, so the restart may never have started; look at the server (last: %s)"
                                  % (self.host_label, result["reply_lost"], params["reboot_timeout"], last_error), rebooted=False)
        raise ExchangeFailure("%s did not come back from its restart within %d s (last: %s)"
                              % (self.host_label, params["reboot_timeout"], last_error), rebooted=False)
