# Copyright: (c) 2026, exchange.owa_im contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import datetime as dt
import typing as t

from ansible_collections.exchange.owa_im.plugins.filter.plain_text import plain_text
from ansible_collections.exchange.owa_im.plugins.module_utils.option_specs import SETTING_OVERRIDE_SPEC
from ansible_collections.exchange.owa_im.plugins.plugin_utils import _server_state, _setting_override
from ansible_collections.exchange.owa_im.plugins.plugin_utils._action import ExchangeActionBase, ExchangeFailure
from ansible_collections.exchange.owa_im.plugins.plugin_utils._owa_settings import SettingError
from ansible_collections.exchange.owa_im.plugins.plugin_utils._records import Records, indexed


def script_parameters(params: t.Mapping[str, t.Any], parameters: t.List[str], servers: t.List[str], check_mode: bool, host: str,
                      run: str) -> t.Dict[str, t.Any]:
    """The setting_override.ps1 parameters, as data."""
    return {
        "Name": params["name"],
        "Component": params["component"],
        "Section": params["section"],
        "Parameters": parameters,
        "Reason": params["reason"],
        "Server": servers,
        "Present": params["state"] == "present",
        "ReplaceOthers": bool(params["replace_others"]),
        "Refresh": params["refresh"],
        "CheckMode": check_mode,
        "OverrideProperties": list(_setting_override.OVERRIDE_PROPERTIES),
        "BackupHost": host,
        "Run": run,
    }


def _refuse_earlier_versions(records: Records) -> None:
    if (records.get("error") or {}).get("kind") == "no_setting_overrides":
        server = records.get("server") or {}
        raise ExchangeFailure("%s runs %s, where OWA takes no IM settings from setting overrides (from Exchange 2016 on it does). "
                              "OWA 2010 takes them from the virtual directory (exchange.owa_im.owa_virtual_directory), OWA 2013 from its "
                              "web.config. "
                              "Nothing was changed." % (plain_text(server.get("name"), 64), plain_text(server.get("version"), 64)),
                              error_kind="wrong_version")
    message = _server_state.state_failure(records)
    if message is not None:
        raise ExchangeFailure(message)


class ActionModule(ExchangeActionBase):
    argument_spec = SETTING_OVERRIDE_SPEC

    def manage(self, params: t.Dict[str, t.Any]) -> t.Dict[str, t.Any]:
        try:
            if not str(params["name"]).strip() or params["name"] != params["name"].strip() or any(c in params["name"] for c in "*?["):
                raise SettingError("name must be the override's exact name, without wildcards or whitespace at its ends; got %r."
                                   % params["name"])
            servers = _setting_override.validate_servers(params.get("server"))
            present = params["state"] == "present"
            if present:
                parameters = _setting_override.desired_parameters(params["component"], params["section"], params.get("parameters") or {})
            elif params.get("parameters"):
                raise SettingError("parameters are for state present; an override is removed by its name alone.")
            else:
                parameters = []
            if not str(params["reason"]).strip():
                raise SettingError("reason must not be empty: New-SettingOverride requires one.")
        except SettingError as exc:
            raise ExchangeFailure(str(exc) + " Nothing was sent to the server.")
        check_mode = bool(self._task.check_mode)
        host = self.backup_host()
        run = params.get("change_id") or dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        records = self.run_exchange_script("setting_override", script_parameters(params, parameters, servers, check_mode, host, run),
                                           on_error=_refuse_earlier_versions)
        return self._result(params, parameters, servers, present, check_mode, records)

    def _result(self, params: t.Dict[str, t.Any], parameters: t.List[str], servers: t.List[str], present: bool, check_mode: bool,
                records: Records) -> t.Dict[str, t.Any]:
        before = indexed(records, "before")
        change = records.get("change") or {}
        action = str(change.get("action") or "none")
        replaces = [str(n) for n in change.get("replaces") or []]
        expected = _setting_override.expected_action(before, params["name"], parameters, servers, present)
        if action != expected:
            raise ExchangeFailure("the server and the module disagree on what to do with setting override %s (%s vs %s); nothing further "
                                  "was done" % (plain_text(params["name"], 120), action, expected))
        changed = action != "none" or bool(replaces)
        server = dict(records.get("server") or {})
        server.pop("now", None)
        before_overrides = _setting_override.as_overrides(before)
        if check_mode or not changed:
            after_overrides = [o for o in before_overrides if o["name"] not in replaces and (present or o["name"] != params["name"])]
            if present and action != "none":
                after_overrides = [o for o in after_overrides if o["name"] != params["name"]] + [{
                    "name": params["name"], "component": params["component"], "section": params["section"], "parameters": parameters,
                    "server": servers, "reason": params["reason"]}]
        else:
            after_overrides = _setting_override.as_overrides(indexed(records, "after"))
            mine = [o for o in after_overrides if str(o["name"]).lower() == params["name"].lower()]
            wrong = (present and (not mine or _setting_override.parameter_key(mine[0]["parameters"]) != _setting_override.parameter_key(parameters)
                                  or sorted(str(s).lower() for s in mine[0]["server"]) != sorted(s.lower() for s in servers))) \
                or (not present and mine)
            if wrong:
                raise ExchangeFailure("Exchange accepted the change but reading setting override %s back does not show it as asked"
                                      % plain_text(params["name"], 120))
        result: t.Dict[str, t.Any] = {
            "changed": changed,
            "name": params["name"],
            "action": action,
            "replaced": replaces,
            "server": server,
            "before": before_overrides,
            "after": after_overrides,
            "refreshed": bool((records.get("refresh") or {}).get("server")),
            "restart_pending": _server_state.restart_state(records)["pending"],
            "restart_state": _server_state.restart_state(records),
        }
        backup = (records.get("server_backup") or {}).get("path")
        if changed and not check_mode and backup:
            result["server_backup_file"] = backup
        if self._task.diff:
            header = "%s/%s" % (params["component"], params["section"])
            result["diff"] = {"before": {"overrides": before_overrides}, "after": {"overrides": after_overrides},
                              "before_header": header, "after_header": header}
        return result
