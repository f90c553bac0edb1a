# Copyright: (c) 2026, exchange.owa_im contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import datetime as dt
import json
import os
import typing as t

from ansible_collections.exchange.owa_im.plugins.module_utils.option_specs import OWA_VIRTUAL_DIRECTORY_SPEC
from ansible_collections.exchange.owa_im.plugins.plugin_utils import _certificates, _owa_settings
from ansible_collections.exchange.owa_im.plugins.plugin_utils._action import ExchangeActionBase, ExchangeFailure


def write_backup(directory: str, host: str, server: t.Optional[str], identity: t.Optional[str], before: t.Mapping[str, t.Any]) -> str:
    """Keep the settings a change replaced, one file per host and run, for the rollback playbook.

    The folder is made private (0700) and the file created new and private (0600), never through a link.
    """
    taken = dt.datetime.now(dt.timezone.utc)
    os.makedirs(directory, mode=0o700, exist_ok=True)
    path = os.path.join(directory, "%s-%s.json" % (host, taken.strftime("%Y%m%dT%H%M%S%fZ")))
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump({"host": host, "server": server, "identity": identity, "taken_at": taken.isoformat(), "settings": dict(before)},
                  handle, indent=2, sort_keys=True)
    return path


def script_parameters(identity: t.Optional[str], desired: t.Mapping[str, t.Any], check_mode: bool, verify_certificate: bool,
                      discover_certificate: bool) -> t.Dict[str, t.Any]:
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
    }


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
        records = self.run_exchange_script("owa_virtual_directory", script_parameters(
            params.get("identity"), desired, check_mode, params["verify_certificate"], discover))
        if discover:
            desired["InstantMessagingCertificateThumbprint"] = _owa_settings.normalise_thumbprint(records["certificate"]["Thumbprint"])
        before_raw = records.get("before", {})
        server = dict(records.get("server", {}))
        server_now = _certificates.parse_time(server.pop("now", None))
        changes = {prop: desired[prop] for prop in records.get("change", {})}
        # Python's comparison must agree with the remote one, or something is off.
        expected = _owa_settings.differences(before_raw, desired)
        if set(expected) != set(changes):
            raise ExchangeFailure("the server and the module disagree on what differs (%s vs %s); nothing further was done"
                                  % (sorted(changes), sorted(expected)))
        if check_mode:
            after_raw = dict(before_raw)
            after_raw.update(changes)
        else:
            after_raw = records.get("after", {})
            still = _owa_settings.differences(after_raw, desired)
            if still:
                raise ExchangeFailure("Exchange accepted the change but reading it back shows %s still differ on %s"
                                      % (", ".join(sorted(still)), server.get("name")), set_parameters=changes)
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
        if changes and not check_mode and params.get("backup_directory"):
            host = str(self.task_vars.get("inventory_hostname") or server.get("name") or self.host_label)
            result["backup_file"] = write_backup(params["backup_directory"], host, server.get("name"), before_raw.get("Identity"), before)
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
