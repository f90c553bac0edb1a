# Copyright: (c) 2026, exchange.owa_im contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import base64
import hashlib
import os
import typing as t

from ansible_collections.exchange.owa_im.plugins.filter.plain_text import plain_text
from ansible_collections.exchange.owa_im.plugins.module_utils.option_specs import OCS_COMPONENTS_SPEC
from ansible_collections.exchange.owa_im.plugins.plugin_utils import _ocs_components, _server_state
from ansible_collections.exchange.owa_im.plugins.plugin_utils._action import ExchangeActionBase, ExchangeFailure
from ansible_collections.exchange.owa_im.plugins.plugin_utils._records import Records, indexed


_COMPONENT_NAMES = [c.name for c in _ocs_components.COMPONENTS]


def _failure(records: Records) -> None:
    error = records["error"]
    server = records.get("server", {}).get("name") or "the server"
    state_message = _server_state.state_failure(records)
    if state_message is not None:
        raise ExchangeFailure(state_message)
    if error.get("kind") == "installer_failed":
        file_name = error.get("message") or "an installer"
        code = int(error.get("id") or 0)
        hotfix = next((h for h in _ocs_components.HOTFIXES if h.file_name == file_name), None)
        component = hotfix.name if hotfix else next((c.name for c in _ocs_components.COMPONENTS if c.file_name == file_name),
                                                    "the component package")
        installs = indexed(records, "install") + indexed(records, "patch") + [records.get("expand", {})]
        log_file = next((r.get("log_file") for r in installs if r.get("exit_code") == str(code) and r.get("log_file")), "")
        wording = ({"verb": "applying", "after": "The hotfixes after it were not applied."} if hotfix else {})
        raise ExchangeFailure(_ocs_components.failure_message(server, component, file_name, code, log_file,
                                                              records.get("failure", {}).get("log_tail") or [], **wording),
                              exit_code=code, log_file=log_file, error_kind="installer_failed")
    if error.get("kind") == "hotfix_missing":
        missing = [name.strip() for name in (error.get("id") or "").split(",") if name.strip()]
        raise ExchangeFailure(_ocs_components.hotfix_missing_message(server, error.get("message") or "", missing,
                                                                     records.get("source", {}).get("error") or ""),
                              error_kind="hotfix_missing")
    if error.get("kind") == "source_missing":
        source = error.get("message") or ""
        kind = "second_hop" if _ocs_components.is_unc(source) else "source_missing"
        raise ExchangeFailure(_ocs_components.source_missing_message(server, source, records.get("source", {}).get("error") or ""),
                              error_kind=kind)
    if error.get("kind") == "untrusted_installer":
        raise ExchangeFailure("%s: %s will not be run: %s. A package on the server's own disk runs with administrator rights, so "
                              "it must belong to Administrators (or SYSTEM, or this account) and be writable by nobody else; a "
                              "local user can create files under C:\\ and change them later. Remove it and let the role send or "
                              "expand it again (owa_im_component_controller_source), or take it from a share."
                              % (server, error.get("id") or "a package", plain_text(error.get("message"), 300)), error_kind="untrusted_installer")
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


def _missing_hotfix_names(records: Records) -> t.List[str]:
    """The hotfixes the script needed but found no .msp for (it applies the others)."""
    return [h.name for index, h in enumerate(_ocs_components.HOTFIXES) if records.get("patch/%d" % index, {}).get("missing")]


def _missing_warning(server: str, names: t.Sequence[str], where: str) -> str:
    hotfixes = [h for h in _ocs_components.HOTFIXES if h.name in names]
    return ("%s: %s not applied: no %s in %s (%s). Put the update packages there, or set hotfixes: true to make their absence an "
            "error, false to stop this warning." % (server, ", ".join(names), " or ".join(h.file_name for h in hotfixes), where,
                                                    "; ".join("%s: %s" % (h.file_name, h.knowledge_base) for h in hotfixes)))


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

    def _stage_from_controller(self, folder: str, staging: str, expand: str, logs: str, check_mode: bool, timeout: int,
                               mode: str) -> t.Tuple[t.Dict[str, t.Any], Records, bool, t.List[str]]:
        """Read first (what is missing, what the staging folder already holds), then send only what is needed.

        Returns the report, that first read, whether anything is to be installed or applied, and the hotfixes needed
        whose .msp the folder lacks.
        """
        if not os.path.isdir(folder):
            raise ExchangeFailure("controller_source %r is not a folder on the Ansible controller." % folder)
        available = sorted(name for name in os.listdir(folder) if os.path.isfile(os.path.join(folder, name)))
        wanted_names = ([c.file_name for c in _ocs_components.COMPONENTS] + [_ocs_components.EXPANDER]
                        + [h.file_name for h in _ocs_components.HOTFIXES])
        candidates = [name for name in available if name.lower() in (w.lower() for w in wanted_names)]
        detected = self.run_exchange_script("ocs_components", _ocs_components.script_parameters(
            "", expand, logs, True, detect_only=True, installer_timeout=timeout, staging_directory=staging, staging_files=candidates),
            on_error=_failure)
        states = _ocs_components.component_states(detected, "before")
        applied = {s["name"] for s in states if s["installed"]}
        missing = [c for c in _ocs_components.COMPONENTS if c.name not in applied]
        missing_hotfixes = [h for h in _ocs_components.HOTFIXES if h.name not in applied]
        report: t.Dict[str, t.Any] = {"staging_directory": staging, "uploaded": [], "already_staged": []}
        server = detected.get("server", {}).get("name") or self.host_label
        try:
            needed = _ocs_components.needed_uploads(missing, candidates) if missing else []
            hotfix_files, absent = _ocs_components.needed_hotfix_uploads(missing_hotfixes, candidates, mode)
        except _ocs_components.ComponentError as exc:
            raise ExchangeFailure("%s: %s" % (server, exc))
        lacking = [h.name for h in missing_hotfixes if h.file_name in absent]
        if not needed and not hotfix_files:
            return report, detected, False, lacking
        for name in needed + hotfix_files:
            local = os.path.join(folder, name)
            sha1, size = _sha1_of(local)
            staged = detected.get("staged/" + name, {})
            if staged.get("sha1", "").upper() == sha1 and str(staged.get("length")) == str(size):
                report["already_staged"].append(name)
                continue
            report["uploaded"].append({"file": name, "bytes": size, "sha1": sha1})
            if not check_mode:
                self._upload(local, staging.rstrip("\\") + "\\" + name, sha1, size)
        return report, detected, True, lacking

    def _planned(self, detected: Records, staged: t.Dict[str, t.Any], mode: str, lacking: t.Sequence[str]) -> t.Dict[str, t.Any]:
        """The result from the first read alone: nothing to do, or check mode with the installers not on the server yet."""
        states = _ocs_components.component_states(detected, "before")
        installs = [s["name"] for s in states if s["name"] in _COMPONENT_NAMES and not s["installed"]]
        patches = ([h.name for h in _ocs_components.HOTFIXES if h.name not in {s["name"] for s in states if s["installed"]}
                    and h.name not in lacking] if mode != _ocs_components.HOTFIX_SKIP else [])
        result: t.Dict[str, t.Any] = {
            "changed": bool(installs or patches), "server": detected.get("server", {}).get("name"), "components": states,
            "installed_now": installs, "installs": {}, "hotfixes_applied": patches, "patches": {}, "hotfixes_missing": list(lacking),
            "expanded_from": None, "reboot_required": False, "controller_source": staged}
        if self._task.diff:
            result["diff"] = {"before": {s["name"]: s["installed"] for s in states},
                              "after": {s["name"]: s["installed"] or s["name"] in installs + patches for s in states}}
        return result

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
        mode = _ocs_components.hotfix_mode(params.get("hotfixes"))
        staged: t.Optional[t.Dict[str, t.Any]] = None
        if params.get("controller_source"):
            if source:
                raise ExchangeFailure("source and controller_source exclude each other: give the share or server folder, or the "
                                      "controller folder the installers are sent from.")
            folder = str(params["controller_source"])
            staged, detected, anything_to_do, lacking = self._stage_from_controller(folder, staging, expand, logs, check_mode, timeout, mode)
            # Nothing to do, or check mode (the installers are not on the server yet): the first read says it all.
            if not anything_to_do or check_mode:
                result = self._planned(detected, staged, mode, lacking)
                if lacking:
                    result["warnings"] = [_missing_warning(result["server"] or self.host_label, lacking, "controller_source %r" % folder)]
                return result
            source = staging
        parameters = _ocs_components.script_parameters(source, expand, logs, check_mode, installer_timeout=timeout, hotfix_mode=mode)
        records = self.run_exchange_script("ocs_components", parameters, on_error=_failure)
        server = records.get("server", {}).get("name")
        before = _ocs_components.component_states(records, "before")
        installs = {}
        for index, component in enumerate(_ocs_components.COMPONENTS):
            record = records.get("install/%d" % index)
            if record:
                installs[component.name] = {"source": record.get("source"), "exit_code": int(record["exit_code"]) if record.get("exit_code") else None,
                                            "log_file": record.get("log_file")}
        patches = {}
        for index, hotfix in enumerate(_ocs_components.HOTFIXES):
            record = records.get("patch/%d" % index, {})
            if record.get("source"):
                patches[hotfix.name] = {"source": record.get("source"), "exit_code": int(record["exit_code"]) if record.get("exit_code") else None,
                                        "log_file": record.get("log_file")}
        after = before if check_mode else _ocs_components.component_states(records, "after")
        if not check_mode:
            missing = [state["name"] for state in after if not state["installed"] and (state["name"] in _COMPONENT_NAMES or state["name"] in patches)]
            if missing:
                raise ExchangeFailure("%s: the installers ended well but %s still not registered as installed; look at the logs in %s"
                                      % (server, ", ".join(missing), logs), installed=after)
        lacking = _missing_hotfix_names(records)
        reboot = any((i.get("exit_code") or 0) in _ocs_components.REBOOT_CODES for i in list(installs.values()) + list(patches.values()))
        result: t.Dict[str, t.Any] = {
            "changed": bool(installs or patches),
            "server": server,
            "components": after,
            "installed_now": sorted(installs, key=_COMPONENT_NAMES.index),
            "installs": installs,
            "hotfixes_applied": [h.name for h in _ocs_components.HOTFIXES if h.name in patches],
            "patches": patches,
            "hotfixes_missing": lacking,
            "expanded_from": records.get("expand", {}).get("package"),
            "reboot_required": reboot,
            "restart_pending": _server_state.restart_state(records)["pending"],
        }
        if staged is not None:
            result["controller_source"] = staged
        if lacking:
            where = ("controller_source %r" % str(params["controller_source"]) if staged is not None
                     else "source %r or expand_directory %r" % (source, expand) if source else "expand_directory %r" % expand)
            result["warnings"] = [_missing_warning(server or self.host_label, lacking, where)]
        if self._task.diff:
            result["diff"] = {"before": {s["name"]: s["installed"] for s in before},
                              "after": {s["name"]: (s["installed"] or s["name"] in installs or s["name"] in patches) for s in before}}
        return result
