# Copyright: (c) 2026, exchange.owa_im contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import base64
import hashlib
import os
import typing as t

from ansible_collections.exchange.owa_im.plugins.module_utils.option_specs import OCS_COMPONENTS_SPEC
from ansible_collections.exchange.owa_im.plugins.plugin_utils import _ocs_components, _server_state
from ansible_collections.exchange.owa_im.plugins.plugin_utils._action import ExchangeActionBase, ExchangeFailure
from ansible_collections.exchange.owa_im.plugins.plugin_utils._records import Records, indexed


def _failure(records: Records) -> None:
    error = records["error"]
    server = records.get("server", {}).get("name") or "the server"
    state_message = _server_state.state_failure(records)
    if state_message is not None:
        raise ExchangeFailure(state_message)
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
        source = error.get("message") or ""
        kind = "second_hop" if _ocs_components.is_unc(source) else "source_missing"
        raise ExchangeFailure(_ocs_components.source_missing_message(server, source, records.get("source", {}).get("error") or ""),
                              error_kind=kind)
    if error.get("kind") == "installer_timeout":
        raise ExchangeFailure("%s: %s had not finished after %s seconds and was stopped; a setup program that waits for a click "
                              "(an unknown switch, a wizard) never ends in a WinRM session. The components after it were not "
                              "installed." % (server, error.get("message"), error.get("id")), error_kind="installer_timeout")
    if error.get("kind") in ("upload_incomplete", "upload_mismatch"):
        path = records.get("upload", {}).get("path") or "the file"
        raise ExchangeFailure("%s: sending %s from the controller failed (%s); nothing was installed from it."
                              % (server, path, error.get("message")), error_kind=error.get("kind"))


def _sha1_of(path: str) -> t.Tuple[str, int]:
    digest, size = hashlib.sha1(), 0
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(block)
            size += len(block)
    return digest.hexdigest().upper(), size


def _segments(path: str) -> t.Iterator[t.Tuple[int, t.List[str], int]]:
    """(offset, chunk lines, bytes) per segment; one segment of the file is read and encoded at a time."""
    per_segment = _ocs_components.SEGMENT_BYTES // _ocs_components.CHUNK_BYTES
    offset = 0
    with open(path, "rb") as handle:
        while True:
            lines, size = [], 0
            while len(lines) < per_segment:
                block = handle.read(_ocs_components.CHUNK_BYTES)
                if not block:
                    break
                lines.append("chunk %d %s" % (len(lines), base64.b64encode(block).decode("ascii")))
                size += len(block)
            yield offset, lines, size
            offset += size
            if len(lines) < per_segment:
                return


class ActionModule(ExchangeActionBase):
    argument_spec = OCS_COMPONENTS_SPEC

    def _upload(self, local: str, remote: str, sha1: str, size: int) -> None:
        """Send one file to the server with put_file.ps1, a segment per remote process, checked by SHA-1 at the end."""
        for offset, lines, length in _segments(local):
            final = offset + length >= size
            self.run_exchange_script("put_file", {"Path": remote, "Offset": offset, "Chunks": len(lines), "Final": final,
                                                  "Sha1": sha1, "Length": size}, on_error=_failure, data=("Data", lines))
            if final:
                return

    def _stage_from_controller(self, params: t.Dict[str, t.Any], folder: str, staging: str, expand: str, logs: str,
                               check_mode: bool, timeout: int) -> t.Tuple[t.Dict[str, t.Any], Records, bool]:
        """Read first (what is missing, what the staging folder already holds), then send only what is needed.

        Returns the report, that first read, and whether anything is missing.
        """
        if not os.path.isdir(folder):
            raise ExchangeFailure("controller_source %r is not a folder on the Ansible controller." % folder)
        available = sorted(name for name in os.listdir(folder) if os.path.isfile(os.path.join(folder, name)))
        wanted_names = [c.file_name for c in _ocs_components.COMPONENTS] + [_ocs_components.EXPANDER]
        candidates = [name for name in available if name.lower() in (w.lower() for w in wanted_names)]
        detected = self.run_exchange_script("ocs_components", _ocs_components.script_parameters(
            "", expand, logs, True, detect_only=True, installer_timeout=timeout, staging_directory=staging, staging_files=candidates),
            on_error=_failure)
        states = _ocs_components.component_states(detected, "before")
        missing = [c for c, state in zip(_ocs_components.COMPONENTS, states) if not state["installed"]]
        report: t.Dict[str, t.Any] = {"staging_directory": staging, "uploaded": [], "already_staged": []}
        if not missing:
            return report, detected, False
        try:
            needed = _ocs_components.needed_uploads(missing, candidates)
        except _ocs_components.ComponentError as exc:
            raise ExchangeFailure("%s: %s" % (detected.get("server", {}).get("name") or self.host_label, exc))
        for name in needed:
            local = os.path.join(folder, name)
            sha1, size = _sha1_of(local)
            staged = detected.get("staged/" + name, {})
            if staged.get("sha1", "").upper() == sha1 and str(staged.get("length")) == str(size):
                report["already_staged"].append(name)
                continue
            report["uploaded"].append({"file": name, "bytes": size, "sha1": sha1})
            if not check_mode:
                self._upload(local, staging.rstrip("\\") + "\\" + name, sha1, size)
        return report, detected, True

    def manage(self, params: t.Dict[str, t.Any]) -> t.Dict[str, t.Any]:
        try:
            source = _ocs_components.validate_path(params["source"], "source") if params.get("source") else ""
            expand = _ocs_components.validate_path(params["expand_directory"], "expand_directory")
            logs = _ocs_components.validate_path(params["log_directory"], "log_directory")
            staging = _ocs_components.validate_path(params.get("staging_directory") or expand, "staging_directory")
        except _ocs_components.ComponentError as exc:
            raise ExchangeFailure(str(exc))
        if staging.startswith("\\\\"):
            raise ExchangeFailure("staging_directory must be a folder on the server itself (the point is to avoid a share); got %r." % staging)
        timeout = int(params.get("installer_timeout") or _ocs_components.INSTALLER_TIMEOUT)
        if timeout < 60:
            raise ExchangeFailure("installer_timeout must be 60 seconds or more; got %d." % timeout)
        check_mode = bool(self._task.check_mode)
        staged: t.Optional[t.Dict[str, t.Any]] = None
        if params.get("controller_source"):
            if source:
                raise ExchangeFailure("source and controller_source exclude each other: give the share or server folder, or the "
                                      "controller folder the installers are sent from.")
            staged, detected, anything_missing = self._stage_from_controller(params, str(params["controller_source"]), staging, expand,
                                                                             logs, check_mode, timeout)
            # Nothing missing, or check mode (the installers are not on the server yet): the first read says it all.
            if not anything_missing or check_mode:
                states = _ocs_components.component_states(detected, "before")
                return {"changed": anything_missing, "server": detected.get("server", {}).get("name"), "components": states,
                        "installed_now": [s["name"] for s in states if not s["installed"]], "installs": {}, "expanded_from": None,
                        "reboot_required": False, "controller_source": staged}
            source = staging
        parameters = _ocs_components.script_parameters(source, expand, logs, check_mode, installer_timeout=timeout)
        records = self.run_exchange_script("ocs_components", parameters, on_error=_failure)
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
            "restart_pending": _server_state.restart_state(records)["pending"],
        }
        if staged is not None:
            result["controller_source"] = staged
        if self._task.diff:
            result["diff"] = {"before": {s["name"]: s["installed"] for s in before},
                              "after": {s["name"]: (s["installed"] or s["name"] in installs) for s in before}}
        return result
