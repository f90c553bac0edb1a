# Copyright: (c) 2026, exchange.owa_im contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import datetime as dt
import typing as t

from ansible_collections.exchange.owa_im.plugins.filter.plain_text import plain_text
from ansible_collections.exchange.owa_im.plugins.module_utils.option_specs import OCS_HOST_AUTHORIZATION_SPEC
from ansible_collections.exchange.owa_im.plugins.plugin_utils import _ocs_host_authorization, _server_state
from ansible_collections.exchange.owa_im.plugins.plugin_utils._action import ExchangeActionBase, ExchangeFailure
from ansible_collections.exchange.owa_im.plugins.plugin_utils._owa_settings import SettingError
from ansible_collections.exchange.owa_im.plugins.plugin_utils._records import Records, indexed


def script_parameters(wanted: t.Mapping[str, t.Any], check_mode: bool, host: str, run: str) -> t.Dict[str, t.Any]:
    """The ocs_host_authorization.ps1 parameters, as data."""
    return {
        "Servers": list(wanted["servers"]), "Present": wanted["state"] == "present",
        "OutboundOnly": wanted["outbound_only"], "ThrottleAsServer": wanted["throttle_as_server"],
        "TreatAsAuthenticated": wanted["treat_as_authenticated"], "Backend": wanted["backend"], "CheckMode": check_mode,
        "EntryProperties": list(_ocs_host_authorization.PROPERTIES), "BackupHost": host, "Run": run,
    }


def _refuse(records: Records) -> None:
    error = records.get("error") or {}
    where = plain_text((records.get("server") or {}).get("name") or "the server", 80)
    if error.get("kind") == "not_ocs":
        raise ExchangeFailure("%s has no OCS 2007 R2 Host Authorization (WMI class MSFT_SIPRemoteAddressData in root\\cimv2; Windows said: %s). "
                              "Point the task at the OCS 2007 R2 Standard Edition server or Enterprise pool front end (the role uses the "
                              "first host of owa_im_front_end_group). Lync Server and Skype for Business Server have no Host "
                              "Authorization list: they trust Exchange through a trusted application pool (cs_trusted_application; "
                              "in the role owa_im_server_product: lync). Nothing was changed."
                              % (where, plain_text(error.get("message"), 200)), error_kind="not_ocs")
    message = _server_state.state_failure(records)
    if message is not None:
        raise ExchangeFailure(message)


class ActionModule(ExchangeActionBase):
    argument_spec = OCS_HOST_AUTHORIZATION_SPEC

    def manage(self, params: t.Dict[str, t.Any]) -> t.Dict[str, t.Any]:
        try:
            wanted = _ocs_host_authorization.desired(params)
        except SettingError as exc:
            raise ExchangeFailure(str(exc) + " Nothing was sent to the server.")
        check_mode = bool(self._task.check_mode)
        host = self.backup_host()
        run = params.get("change_id") or dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        records = self.run_exchange_script("ocs_host_authorization", script_parameters(wanted, check_mode, host, run), on_error=_refuse)
        return self._result(wanted, check_mode, records)

    def _result(self, wanted: t.Dict[str, t.Any], check_mode: bool, records: Records) -> t.Dict[str, t.Any]:
        before_records = indexed(records, "before")
        actions = [{"action": str(c.get("action") or ""), "server": str(c.get("server") or ""), "instance_id": str(c.get("instance_id") or "")}
                   for c in indexed(records, "change")]
        # The server decides in PowerShell, the controller in Python: a disagreement stops the task rather than be reported.
        expected = _ocs_host_authorization.planned(before_records, wanted)
        if expected != actions:
            raise ExchangeFailure("the server and the module disagree on what to do (%s vs %s); nothing further was done" % (actions, expected))
        before = [_ocs_host_authorization.as_view(e) for e in before_records]
        if check_mode or not actions:
            after = _ocs_host_authorization.predicted(before, actions, wanted)
        else:
            done = [str(d.get("action") or "") for d in indexed(records, "done")]
            after = [_ocs_host_authorization.as_view(e) for e in indexed(records, "after")]
            unmet = _ocs_host_authorization.unmet(after, wanted)
            if done != [a["action"] for a in actions] or unmet:
                raise ExchangeFailure("the OCS server did %s of %s, and reading back shows %s"
                                      % (done, [a["action"] for a in actions], ", ".join(unmet) or "no gap"))
        result: t.Dict[str, t.Any] = {
            "changed": bool(actions), "servers": list(wanted["servers"]), "actions": actions, "before": before, "after": after,
            "front_end": (records.get("server") or {}).get("name"),
        }
        backup = (records.get("server_backup") or {}).get("path")
        if actions and not check_mode and backup:
            result["server_backup_file"] = backup
        if self._task.diff:
            header = "MSFT_SIPRemoteAddressData (%s)" % ", ".join(wanted["servers"])
            result["diff"] = {"before": {"entries": before}, "after": {"entries": after}, "before_header": header, "after_header": header}
        return result
