# Copyright: (c) 2026, exchange.owa_im contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import typing as t

from ansible_collections.exchange.owa_im.plugins.module_utils.option_specs import OCS_COMPONENTS_SPEC
from ansible_collections.exchange.owa_im.plugins.plugin_utils import _ocs_components
from ansible_collections.exchange.owa_im.plugins.plugin_utils._action import ExchangeActionBase, ExchangeFailure
from ansible_collections.exchange.owa_im.plugins.plugin_utils._records import Records, indexed


def _failure(records: Records) -> None:
    error = records["error"]
    server = records.get("server", {}).get("name") or "the server"
    if error.get("kind") == "installer_failed":
        file_name = error.get("message") or "an installer"
        code = int(error.get("id") or 0)
        component = next((c.name for c in _ocs_components.COMPONENTS if c.file_name == file_name), "the component package")
        installs = indexed(records, "install") + [records.get("expand", {})]
        log_file = next((r.get("log_file") for r in installs if r.get("exit_code") == str(code) and r.get("log_file")), "")
        raise ExchangeFailure(_ocs_components.failure_message(server, component, file_name, code, log_file,
                                                             records.get("failure", {}).get("log_tail") or []),
                              exit_code=code, log_file=log_file, error_kind="installer_failed")
    if error.get("kind") == "source_missing":
        names = ", ".join(c.file_name for c in _ocs_components.COMPONENTS)
        raise ExchangeFailure("%s: components are missing and the source %r holds neither their installers (%s) nor %s to expand them "
                              "from. Set source to the folder or share that holds them." % (server, error.get("message") or "(none given)",
                                                                                            names, _ocs_components.EXPANDER),
                              error_kind="source_missing")


class ActionModule(ExchangeActionBase):
    argument_spec = OCS_COMPONENTS_SPEC

    def manage(self, params: t.Dict[str, t.Any]) -> t.Dict[str, t.Any]:
        try:
            source = _ocs_components.validate_path(params["source"], "source") if params.get("source") else ""
            expand = _ocs_components.validate_path(params["expand_directory"], "expand_directory")
            logs = _ocs_components.validate_path(params["log_directory"], "log_directory")
        except _ocs_components.ComponentError as exc:
            raise ExchangeFailure(str(exc))
        check_mode = bool(self._task.check_mode)
        records = self.run_exchange_script("ocs_components", _ocs_components.script_parameters(source, expand, logs, check_mode),
                                           on_error=_failure)
        before = _ocs_components.component_states(records, "before")
        installs = {}
        for index, component in enumerate(_ocs_components.COMPONENTS):
            record = records.get("install/%d" % index)
            if record:
                installs[component.name] = {"source": record.get("source"), "exit_code": int(record["exit_code"]) if record.get("exit_code") else None,
                                            "log_file": record.get("log_file")}
        after = before if check_mode else _ocs_components.component_states(records, "after")
        if not check_mode:
            missing = [state["name"] for state in after if not state["installed"]]
            if missing:
                raise ExchangeFailure("%s: the installers ended well but %s still not registered as installed; look at the logs in %s"
                                      % (records.get("server", {}).get("name"), ", ".join(missing), logs), installed=after)
        reboot = any((i.get("exit_code") or 0) in _ocs_components.REBOOT_CODES for i in installs.values())
        result: t.Dict[str, t.Any] = {
            "changed": bool(installs),
            "server": records.get("server", {}).get("name"),
            "components": after,
            "installed_now": sorted(installs, key=[c.name for c in _ocs_components.COMPONENTS].index),
            "installs": installs,
            "expanded_from": records.get("expand", {}).get("package"),
            "reboot_required": reboot,
        }
        if self._task.diff:
            result["diff"] = {"before": {s["name"]: s["installed"] for s in before},
                              "after": {s["name"]: (s["installed"] or s["name"] in installs) for s in before}}
        return result
