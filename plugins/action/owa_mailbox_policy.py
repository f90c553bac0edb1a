# Copyright: (c) 2026, exchange.owa_im contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import datetime as dt
import typing as t

from ansible_collections.exchange.owa_im.plugins.module_utils.option_specs import OWA_MAILBOX_POLICY_SPEC
from ansible_collections.exchange.owa_im.plugins.plugin_utils import _mailbox_policy, _owa_settings, _server_state
from ansible_collections.exchange.owa_im.plugins.plugin_utils._action import ExchangeActionBase, ExchangeFailure, settled_settings
from ansible_collections.exchange.owa_im.plugins.plugin_utils._owa_settings import SettingError
from ansible_collections.exchange.owa_im.plugins.plugin_utils._records import Records
from ansible_collections.exchange.owa_im.plugins.filter.plain_text import plain_text

# At most this many of the organisation's policy names go into a "no such policy" message (they come from the server).
NAMES_SHOWN = 20


def script_parameters(name: str, desired: t.Mapping[str, t.Any], check_mode: bool, host: str, run: str) -> t.Dict[str, t.Any]:
    """The owa_mailbox_policy.ps1 parameters: which properties to manage and their values, as data."""
    return {
        "Identity": name,
        "Manage": list(desired),
        "Enabled": bool(desired.get("InstantMessagingEnabled")),
        "Type": desired.get("InstantMessagingType") or "",
        "CheckMode": check_mode,
        "PolicyProperties": list(_mailbox_policy.READ_PROPERTIES),
        "BackupHost": host,
        "Run": run,
    }


def policy_count_failure(name: str, records: Records) -> t.Optional[str]:
    """The message for a name that matched no policy (or several), with the names the organisation has."""
    if (records.get("error") or {}).get("kind") != "policy_count":
        return None
    names = [plain_text(n, 80) for n in str((records.get("policies") or {}).get("names") or "").split("\n") if n.strip()]
    shown = ", ".join(sorted(names, key=str.lower)[:NAMES_SHOWN]) + (" and %d more" % (len(names) - NAMES_SHOWN) if len(names) > NAMES_SHOWN else "")
    return ("no OWA mailbox policy is named %s (name); nothing was changed. The organisation has: %s."
            % (plain_text(name, 120), shown or "no OWA mailbox policies"))


class ActionModule(ExchangeActionBase):
    argument_spec = OWA_MAILBOX_POLICY_SPEC

    def manage(self, params: t.Dict[str, t.Any]) -> t.Dict[str, t.Any]:
        try:
            name = _mailbox_policy.validate_name(params.get("name"))
            desired = _mailbox_policy.desired_settings(params)
        except SettingError as exc:
            raise ExchangeFailure(str(exc) + " Nothing was sent to the server.")
        check_mode = bool(self._task.check_mode)
        host = self.backup_host()
        run = params.get("change_id") or dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")

        def refuse_unknown_name(records: Records) -> None:
            message = policy_count_failure(name, records)
            if message is not None:
                raise ExchangeFailure(message, error_kind="not_found")
            state_message = _server_state.state_failure(records)
            if state_message is not None:
                raise ExchangeFailure(state_message)

        records = self.run_exchange_script("owa_mailbox_policy", script_parameters(name, desired, check_mode, host, run),
                                           on_error=refuse_unknown_name)
        return self._result(name, desired, check_mode, records)

    def _result(self, name: str, desired: t.Dict[str, t.Any], check_mode: bool, records: Records) -> t.Dict[str, t.Any]:
        before_raw = records.get("before", {})
        server = dict(records.get("server", {}))
        server.pop("now", None)
        changes = {prop: desired[prop] for prop in records.get("change", {})}
        after_raw = settled_settings(before_raw, records.get("after", {}), changes, desired, check_mode, _owa_settings.differences,
                                     "the policy %s" % plain_text(name, 120))
        before = _mailbox_policy.as_options(before_raw)
        after = _mailbox_policy.as_options(after_raw)
        identity = before_raw.get("Identity") or name
        result: t.Dict[str, t.Any] = {
            "changed": bool(changes),
            "name": before_raw.get("Name") or name,
            "is_default": bool(before_raw.get("IsDefault")),
            "server": server,
            "before": before,
            "after": after,
            "set_parameters": changes,
        }
        if changes and not check_mode:
            result["server_backup_file"] = (records.get("server_backup") or {}).get("path")
        warning = _mailbox_policy.later_version_warning(server.get("version"), after_raw)
        if warning:
            result["warnings"] = ["%s: %s" % (plain_text(identity, 120), warning)]
        if self._task.diff:
            result["diff"] = {"before": before, "after": after, "before_header": identity, "after_header": identity}
        return result
