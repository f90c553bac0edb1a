# Copyright: (c) 2026, exchange.owa_im contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import datetime as dt
import typing as t

from ansible_collections.exchange.owa_im.plugins.module_utils.option_specs import CS_TRUSTED_APPLICATION_SPEC
from ansible_collections.exchange.owa_im.plugins.plugin_utils import _server_state, _trusted_application
from ansible_collections.exchange.owa_im.plugins.plugin_utils._action import ExchangeActionBase, ExchangeFailure
from ansible_collections.exchange.owa_im.plugins.plugin_utils._owa_settings import SettingError
from ansible_collections.exchange.owa_im.plugins.plugin_utils._records import Records
from ansible_collections.exchange.owa_im.plugins.filter.plain_text import plain_text

# At most this many of the topology's pool or site names go into a message (they come from the server).
NAMES_SHOWN = 20


def script_parameters(wanted: t.Mapping[str, t.Any], check_mode: bool, host: str, run: str) -> t.Dict[str, t.Any]:
    """The cs_trusted_application.ps1 parameters, as data; ``host`` and ``run`` are recorded in the backups the Front End
    writes before a change."""
    return {
        "PoolFqdn": wanted["pool_fqdn"], "Registrar": wanted["registrar"], "Site": wanted["site"],
        "ApplicationId": wanted["application_id"], "Port": wanted["port"], "State": wanted["state"],
        "Publish": wanted["publish"], "KeepPool": wanted["keep_pool"], "CheckMode": check_mode, "BackupHost": host, "Run": run,
    }


def _names(text: t.Any) -> str:
    names = [plain_text(n, 120) for n in str(text or "").split("\n") if n.strip()]
    more = " and %d more" % (len(names) - NAMES_SHOWN) if len(names) > NAMES_SHOWN else ""
    return ", ".join(names[:NAMES_SHOWN]) + more or "none"


def topology_failure(server: str, wanted: t.Mapping[str, t.Any], records: Records) -> t.Optional[ExchangeFailure]:
    """The messages for what the script refused before it changed anything."""
    error = records.get("error") or {}
    kind = error.get("kind")
    where = plain_text(server, 80)
    if kind == "not_front_end":
        return ExchangeFailure("%s is not a Lync Server or Skype for Business Server Front End: neither the SkypeForBusiness nor "
                               "the Lync module is installed there. Point the task at a Front End (the role uses the first host of owa_im_front_end_group). "
                               "An OCS 2007 R2 server has no trusted application pools: it lists Exchange 2010 servers in its Host "
                               "Authorization entries (ocs_host_authorization; in the role owa_im_server_product: ocs2007r2). Nothing was changed."
                               % where, error_kind="not_front_end")
    if kind == "registrar_missing":
        return ExchangeFailure("the topology has no pool %s with a Registrar service (registrar); nothing was changed. Its pools: %s."
                               % (plain_text(wanted["registrar"], 120), _names((records.get("topology") or {}).get("pools"))),
                               error_kind="not_found")
    if kind == "site_missing":
        return ExchangeFailure("the topology has no site %s (site: a SiteId or a site name); nothing was changed. Its sites: %s."
                               % (plain_text(wanted["site"], 120), _names((records.get("topology") or {}).get("sites"))),
                               error_kind="not_found")
    if kind == "pool_differs":
        return ExchangeFailure("the trusted application pool %s exists with another %s; nothing was changed. Remove it (state: absent) "
                               "or change it with Set-CsTrustedApplicationPool, then run the task again."
                               % (wanted["pool_fqdn"], plain_text(error.get("message"), 200)), error_kind="pool_differs")
    return None


class ActionModule(ExchangeActionBase):
    argument_spec = CS_TRUSTED_APPLICATION_SPEC

    def manage(self, params: t.Dict[str, t.Any]) -> t.Dict[str, t.Any]:
        try:
            wanted = _trusted_application.desired(params)
        except SettingError as exc:
            raise ExchangeFailure(str(exc) + " Nothing was sent to the server.")
        check_mode = bool(self._task.check_mode)

        host = self.backup_host()
        run = params.get("change_id") or dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")

        def refuse(records: Records) -> None:
            failure = topology_failure(str((records.get("server") or {}).get("name") or self.host_label), wanted, records)
            if failure is not None:
                raise failure
            # The backup (written before any change) could not be written: nothing was changed.
            message = _server_state.state_failure(records)
            if message is not None:
                raise ExchangeFailure(message)

        records = self.run_exchange_script("cs_trusted_application", script_parameters(wanted, check_mode, host, run), on_error=refuse)
        return self._result(wanted, check_mode, records)

    def _result(self, wanted: t.Dict[str, t.Any], check_mode: bool, records: Records) -> t.Dict[str, t.Any]:
        pool, application = records.get("before_pool", {}), records.get("before_application", {})
        actions = [a for a in _trusted_application.ACTIONS if (records.get("change") or {}).get(a)]
        # The server decides in PowerShell, the controller in Python: a disagreement stops the task rather than be reported.
        expected = _trusted_application.planned(pool, application, wanted)
        if expected != actions:
            raise ExchangeFailure("the server and the module disagree on what to do (%s vs %s); nothing further was done" % (actions, expected))
        before = _trusted_application.as_view(pool, application)
        if check_mode or not actions:
            after = _trusted_application.predicted(before, actions, wanted, (records.get("site") or {}).get("identity"))
        else:
            done = [a for a in _trusted_application.ACTIONS if (records.get("done") or {}).get(a)]
            after = _trusted_application.as_view(records.get("after_pool", {}), records.get("after_application", {}))
            unmet = _trusted_application.unmet(after, wanted)
            if done != actions or unmet:
                raise ExchangeFailure("the Front End did %s of %s, and reading back shows %s" % (done, actions, ", ".join(unmet) or "no gap"),
                                      actions=done)
        result: t.Dict[str, t.Any] = {
            "changed": bool(actions), "pool_fqdn": wanted["pool_fqdn"], "actions": actions,
            "published": "enable_topology" in actions, "before": before, "after": after,
            "module": (records.get("server") or {}).get("module"),
        }
        backup = (records.get("server_backup") or {}).get("path")
        if actions and not check_mode and backup:
            result["server_backup_file"] = backup
        if actions and not wanted["publish"]:
            result["warnings"] = ["publish is false: the changes stay pending until Enable-CsTopology runs on a Front End."]
        if self._task.diff:
            header = "%s/urn:application:%s" % (wanted["pool_fqdn"], wanted["application_id"])
            result["diff"] = {"before": before, "after": after, "before_header": header, "after_header": header}
        return result
