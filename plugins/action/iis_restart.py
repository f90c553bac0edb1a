# Copyright: (c) 2026, exchange.owa_im contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import re
import time
import typing as t

from ansible import constants as C

from ansible_collections.exchange.owa_im.plugins.module_utils.option_specs import IIS_RESTART_SPEC
from ansible_collections.exchange.owa_im.plugins.plugin_utils import _owa_events, _owa_probe, _reset_halt, _server_state
from ansible_collections.exchange.owa_im.plugins.plugin_utils._action import ExchangeActionBase, ExchangeFailure
from ansible_collections.exchange.owa_im.plugins.plugin_utils._records import Records

_APP_POOL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$")
# At most this many IM events come back with the result of a reset.
RESET_EVENTS = 20


def describe(method: str, app_pool: str) -> str:
    """The command the server runs, as the result reports it."""
    if method == "iisreset":
        return "iisreset /noforce"
    if not _APP_POOL.match(app_pool or ""):
        raise ExchangeFailure("app_pool must be an IIS application pool name (letters, digits, spaces, '.', '_' or '-'), "
                              "such as MSExchangeOWAAppPool; got %r." % app_pool)
    return '%%windir%%\\system32\\inetsrv\\appcmd.exe recycle apppool /apppool.name:"%s"' % app_pool


def reset_moment(records: Records) -> str:
    """The server's clock just before the reset, as owa_im_events.ps1 takes it; a server that sent none cannot be checked."""
    started = (records.get("restart") or {}).get("started")
    try:
        since, _minutes = _owa_events.since_parameter(str(started or ""), None)
    except ValueError:
        since = ""
    if since in ("", _owa_events.WORKER_START):
        raise ExchangeFailure("the server did not say when its reset started (got %r), so OWA's events since the reset cannot be read."
                              % str(started)[:40])
    return since


def im_check(result: t.Dict[str, t.Any], events: t.Mapping[str, t.Any], server: str) -> None:
    """Add what OWA logged since the reset to ``result``; fail the server on an IM error."""
    result.update(im_events=events["events"], im_provider_loaded=events["provider_loaded"])
    # The window starts with the reset, so the old worker's complaints while it was stopped fall in it too: those are
    # warnings, not the new worker's failure.
    errors = [e for e in events["im_errors"] if e["event_id"] not in _owa_events.SHUTDOWN_EVENTS]
    if errors:
        raise ExchangeFailure(_owa_events.failure_message(server, errors), **result)
    shutdown = [e for e in events["im_errors"] if e["event_id"] in _owa_events.SHUTDOWN_EVENTS]
    warnings = ["%s: %s" % (server, _owa_events.describe(event)) for event in list(events["im_warnings"]) + shutdown]
    if events["worker_started"] is None:
        # IIS starts OWA's worker at the first request: nothing asked OWA since the reset (no wait_url), so no worker has
        # loaded the provider or logged anything yet.
        warnings.append("%s: OWA has not started since the reset (nothing has asked it for a page; give wait_url), so it has "
                        "logged nothing about instant messaging yet; the audit playbook reads it later." % server)
    if warnings:
        result["warnings"] = list(result.get("warnings") or []) + warnings


class ActionModule(ExchangeActionBase):
    argument_spec = IIS_RESTART_SPEC

    def manage(self, params: t.Dict[str, t.Any]) -> t.Dict[str, t.Any]:
        line = describe(params["method"], params["app_pool"])
        if params["wait_timeout"] < 1:
            raise ExchangeFailure("wait_timeout must be 1 second or more; got %d." % params["wait_timeout"])
        if not params["halt_on_failure"] or self._task.check_mode:
            return self.restart(params, line)
        marker = _reset_halt.marker_path(C.DEFAULT_LOCAL_TMP, str(getattr(self._task, "_uuid", "") or ""))
        earlier = _reset_halt.earlier_failure(marker)
        if earlier is not None:
            raise ExchangeFailure("%s was not reset: %s failed earlier in this task, and a rolling reset stops at the first server "
                                  "that fails (halt_on_failure). %s failed with: %s" % (self.host_label, earlier[0], earlier[0], earlier[1]))
        try:
            return self.restart(params, line)
        except Exception as failure:
            _reset_halt.record_failure(marker, self.host_label, str(failure))
            raise

    def restart(self, params: t.Dict[str, t.Any], line: str) -> t.Dict[str, t.Any]:
        check_mode = bool(self._task.check_mode)
        result: t.Dict[str, t.Any] = {"changed": True, "method": params["method"], "command": line}
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
        if params["check_im_events"]:
            # One more remote process, once OWA answers: what its new worker logged about IM since the reset began.
            since = reset_moment(records)
            parameters = _owa_events.script_parameters(since, 0, _owa_events.event_ids(None), RESET_EVENTS)
            events = _owa_events.events_result(self.run_exchange_script("owa_im_events", parameters, on_error=_owa_events.raise_read_failure))
            im_check(result, events, server)
        return result
