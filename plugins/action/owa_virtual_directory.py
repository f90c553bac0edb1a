# Copyright: (c) 2026, exchange.owa_im contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import datetime as dt
import json
import os
import typing as t

from ansible_collections.exchange.owa_im.plugins.module_utils.option_specs import OWA_VIRTUAL_DIRECTORY_SPEC
from ansible_collections.exchange.owa_im.plugins.plugin_utils import _certificates, _controller_files, _owa_settings, _server_state
from ansible_collections.exchange.owa_im.plugins.plugin_utils._action import ExchangeActionBase, ExchangeFailure, settled_settings


def open_backup(directory: str, host: str) -> t.Tuple[str, t.IO[str]]:
    """Create the controller copy's file before the server is asked to change anything: a folder that cannot be
    written stops the change, not the step after it. The folder is private (0700) and the file new and private (0600),
    never through a link; the host name becomes a file name only through _controller_files.safe_name.
    """
    taken = dt.datetime.now(dt.timezone.utc)
    folder = _controller_files.private_directory(directory)
    path = os.path.join(folder, "%s-%s.json" % (_controller_files.safe_name(host), taken.strftime("%Y%m%dT%H%M%S%fZ")))
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    return path, os.fdopen(descriptor, "w", encoding="utf-8")


def script_parameters(identity: t.Optional[str], desired: t.Mapping[str, t.Any], check_mode: bool, verify_certificate: bool,
                      discover_certificate: bool, host: str = "", run: str = "") -> t.Dict[str, t.Any]:
    """The owa_virtual_directory.ps1 parameters: which properties to manage and their values, as data."""
    return {
        "Identity": identity or "",
        "Manage": list(desired),
        "Enabled": bool(desired.get("InstantMessagingEnabled")),
        "Type": desired.get("InstantMessagingType") or "",
        "ServerName": desired.get("InstantMessagingServerName") or "",
        "Thumbprint": desired.get("InstantMessagingCertificateThumbprint") or "",
        "CheckMode": check_mode,
        "VerifyCertificate": verify_certificate,
        "DiscoverCertificate": discover_certificate,
        "SettingProperties": list(_owa_settings.PROPERTIES.values()),
        "CertificateProperties": list(_certificates.CERTIFICATE_PROPERTIES),
        "BackupHost": host,
        "Run": run,
    }


def _refuse_state_failure(records: t.Mapping[str, t.Any]) -> None:
    message = _server_state.state_failure(records)
    if message is not None:
        raise ExchangeFailure(message)


def _discard(backup: t.Optional[t.Tuple[str, t.IO[str]]]) -> None:
    """Remove the controller copy's file if nothing was written to it (no change, check mode, a failure)."""
    if backup is None:
        return
    path, handle = backup
    if not handle.closed:
        handle.close()
        if os.path.getsize(path) == 0:
            os.unlink(path)


class ActionModule(ExchangeActionBase):
    argument_spec = OWA_VIRTUAL_DIRECTORY_SPEC

    def manage(self, params: t.Dict[str, t.Any]) -> t.Dict[str, t.Any]:
        try:
            desired = _owa_settings.desired_settings(params)
        except _owa_settings.SettingError as exc:
            raise ExchangeFailure(str(exc))
        discover = params["discover_certificate"]
        if discover and "InstantMessagingCertificateThumbprint" in desired:
            raise ExchangeFailure("discover_certificate and instant_messaging_certificate_thumbprint exclude each other: give the "
                                  "thumbprint, or let the module find this server's IIS certificate.")
        check_mode = bool(self._task.check_mode)
        host = self.backup_host()
        run = params.get("change_id") or dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        backup: t.Optional[t.Tuple[str, t.IO[str]]] = None
        if params.get("backup_directory") and not check_mode:
            try:
                backup = open_backup(params["backup_directory"], host)
            except OSError as exc:
                raise ExchangeFailure("the backup folder %s (backup_directory) cannot take a new file: %s. Nothing was changed; make it "
                                      "writable by you, or point backup_directory elsewhere." % (params["backup_directory"], exc.strerror or exc))
        try:
            records = self.run_exchange_script("owa_virtual_directory", script_parameters(
                params.get("identity"), desired, check_mode, params["verify_certificate"], discover, host, run), on_error=_refuse_state_failure)
        except BaseException:
            _discard(backup)
            raise
        try:
            return self._result(params, desired, discover, check_mode, records, backup)
        finally:
            _discard(backup)

    def _result(self, params: t.Dict[str, t.Any], desired: t.Dict[str, t.Any], discover: bool, check_mode: bool,
                records: t.Dict[str, t.Any], backup: t.Optional[t.Tuple[str, t.IO[str]]]) -> t.Dict[str, t.Any]:
        if discover:
            desired["InstantMessagingCertificateThumbprint"] = _owa_settings.normalise_thumbprint(records["certificate"]["Thumbprint"])
        before_raw = records.get("before", {})
        server = dict(records.get("server", {}))
        server_now = _certificates.parse_time(server.pop("now", None))
        changes = {prop: desired[prop] for prop in records.get("change", {})}
        after_raw = settled_settings(before_raw, records.get("after", {}), changes, desired, check_mode, _owa_settings.differences,
                                     "the virtual directory on %s" % server.get("name"))
        before = _owa_settings.as_options(before_raw)
        after = _owa_settings.as_options(after_raw)
        result: t.Dict[str, t.Any] = {
            "changed": bool(changes),
            "identity": before_raw.get("Identity"),
            "server": server,
            "before": before,
            "after": after,
            "set_parameters": changes,
        }
        result["restart_pending"] = _server_state.restart_state(records)["pending"]
        result["restart_state"] = _server_state.restart_state(records)
        if changes and not check_mode:
            result["server_backup_file"] = records.get("server_backup", {}).get("path")
            if backup is not None:
                path, handle = backup
                json.dump({"host": self.backup_host(), "server": server.get("name"),
                           "identity": before_raw.get("Identity"), "taken_at": dt.datetime.now(dt.timezone.utc).isoformat(),
                           "settings": dict(before), "server_backup_file": result["server_backup_file"]}, handle, indent=2, sort_keys=True)
                handle.close()
                result["backup_file"] = path
        if "certificate" in records:
            certificate = _certificates.certificate(records["certificate"], server_now)
            result["certificate"] = _certificates.check_thumbprint([certificate], certificate["thumbprint"])
            result["certificate"]["subject"] = certificate["subject"]
            if not certificate["usable_for_im"]:
                result["warnings"] = ["%s: certificate %s is not bound to IIS, or not valid today (status %s, services %s); "
                                      "OWA IM needs the certificate IIS uses."
                                      % (server.get("name"), certificate["thumbprint"], certificate["status"], ", ".join(certificate["services"]))]
        note = _owa_settings.later_version_note(server.get("version"))
        if note:
            result.setdefault("warnings", []).append("%s: %s" % (server.get("name"), note))
        if self._task.diff:
            result["diff"] = {"before": before, "after": after,
                              "before_header": before_raw.get("Identity"), "after_header": before_raw.get("Identity")}
        return result
