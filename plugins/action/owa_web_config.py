# Copyright: (c) 2026, exchange.owa_im contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""OWA's IM keys in the web.config of an Exchange 2013 server ("Configure integration between on-premises Skype for
Business Server and Outlook Web App": ``<add key="IMCertificateThumbprint" .../>`` and ``<add key="IMServerName" .../>``
under ``<appSettings>``). The server edits the file's text in owa_web_config.ps1; this side validates, compares and
reports."""

from __future__ import annotations

import datetime as dt
import typing as t

from ansible_collections.exchange.owa_im.plugins.filter.plain_text import plain_text
from ansible_collections.exchange.owa_im.plugins.module_utils.option_specs import OWA_WEB_CONFIG_SPEC
from ansible_collections.exchange.owa_im.plugins.plugin_utils import _server_state, _setting_override
from ansible_collections.exchange.owa_im.plugins.plugin_utils._action import ExchangeActionBase, ExchangeFailure, settled_settings
from ansible_collections.exchange.owa_im.plugins.plugin_utils._owa_settings import SettingError, normalise_thumbprint, validate_server_name
from ansible_collections.exchange.owa_im.plugins.plugin_utils._records import Records

# The option for each web.config key, in the order Microsoft's article lists the keys.
KEYS = {"IMCertificateThumbprint": "im_certificate_thumbprint", "IMServerName": "im_server_name"}
# An OWA web.config is tens of kilobytes; the server refuses to edit one larger than this.
WEB_CONFIG_LIMIT = 1024 * 1024
CU_WARNING = ("an Exchange 2013 cumulative update replaces OWA's web.config, and these keys with it: run this task again after "
              "each update (in check mode it reports whether they are still there).")

# What the server refused, and why nothing was changed.
_REFUSALS = {
    "no_file": "there is no file %(detail)s; give path, or check that OWA is installed on this server",
    "too_large": "%(path)s is %(detail)s bytes, more than the %(limit)d bytes an OWA web.config could be (they are tens of kilobytes)",
    "encoding": "%(path)s does not read back byte for byte as %(detail)s text (an encoding other than its byte order mark or UTF-8 "
                "says, or bytes that are not valid text), so it cannot be edited without changing other bytes",
    "no_app_settings": "%(path)s has no single <appSettings> element to add the keys to (%(detail)s); edit it by hand",
    "duplicate_key": "%(path)s holds the key %(detail)s more than once under <appSettings> (keys compare without regard to case); "
                     "which one OWA takes is not documented, so remove the extra ones by hand",
    "unexpected_form": "%(path)s holds the key %(detail)s as an <add> element that is not self-closing; edit it by hand",
    "edit_failed": "the edited text of %(path)s did not read back with %(detail)s as asked, so it was not written",
    "changed_meanwhile": "%(path)s changed while the task ran; it was not written over. Run the task again",
}


def desired_values(params: t.Mapping[str, t.Any]) -> t.Dict[str, t.Optional[str]]:
    """The web.config keys the task manages and their values (None: the key is removed); SettingError on bad input."""
    given = {key: params.get(option) for key, option in KEYS.items() if params.get(option) is not None}
    removed = [key for key, option in KEYS.items() if option in (params.get("remove_keys") or [])]
    if params.get("state") == "absent":
        if given or removed:
            raise SettingError("state absent removes both keys; do not give %s with it."
                               % ", ".join([KEYS[key] for key in given] + (["remove_keys"] if removed else [])))
        return {key: None for key in KEYS}
    both = [KEYS[key] for key in removed if key in given]
    if both:
        raise SettingError("%s is both given a value and listed in remove_keys; give one or the other." % ", ".join(both))
    if not given and not removed:
        raise SettingError("set im_server_name, im_certificate_thumbprint or both (or state: absent to remove them).")
    desired: t.Dict[str, t.Optional[str]] = {key: None for key in removed}
    if "IMCertificateThumbprint" in given:
        desired["IMCertificateThumbprint"] = normalise_thumbprint(str(given["IMCertificateThumbprint"]), "im_certificate_thumbprint")
    if "IMServerName" in given:
        desired["IMServerName"] = validate_server_name(str(given["IMServerName"]), "im_server_name")
    return desired


def differences(current: t.Mapping[str, t.Any], desired: t.Mapping[str, t.Any]) -> t.Dict[str, t.Any]:
    """The keys whose value in the file is not exactly the one asked (a missing key reads as None)."""
    return {key: value for key, value in desired.items() if current.get(key) != value}


def as_options(values: t.Mapping[str, t.Any]) -> t.Dict[str, t.Optional[str]]:
    return {option: (None if values.get(key) is None else str(values.get(key))) for key, option in sorted(KEYS.items(), key=lambda i: i[1])}


def script_parameters(path: t.Optional[str], desired: t.Mapping[str, t.Optional[str]], present: bool, check_mode: bool,
                      host: str = "", run: str = "") -> t.Dict[str, t.Any]:
    """The owa_web_config.ps1 parameters, as data; ``host`` and ``run`` go into the backup the server writes first."""
    return {
        "Path": path or "",
        "Manage": [key for key, value in desired.items() if value is not None] if present else [],
        "Remove": [key for key, value in desired.items() if value is None] if present else [],
        "ServerName": desired.get("IMServerName") or "",
        "Thumbprint": desired.get("IMCertificateThumbprint") or "",
        "Present": present,
        "CheckMode": check_mode,
        "MaxBytes": WEB_CONFIG_LIMIT,
        "BackupHost": host,
        "Run": run,
    }


def refusal(records: Records) -> t.Optional[str]:
    """The message for what the server refused (nothing was changed), or None."""
    error = records.get("error") or {}
    server = records.get("server") or {}
    name = plain_text(server.get("name") or "the server", 64)
    kind = error.get("kind")
    if kind == "wrong_version":
        return ("%s runs %s: OWA reads IMServerName and IMCertificateThumbprint from web.config on Exchange 2013 only. Exchange 2010 "
                "takes them from the virtual directory (exchange.owa_im.owa_virtual_directory), 2016 and later from a setting override "
                "(exchange.owa_im.setting_override) and ignore web.config. Nothing was changed."
                % (name, plain_text(server.get("version") or error.get("message") or "an unknown version", 64)))
    if kind in _REFUSALS:
        path = plain_text((records.get("web_config") or {}).get("path") or "the OWA web.config", 300)
        detail = plain_text(error.get("message") or "", 300)
        return "%s: %s. Nothing was changed." % (name, _REFUSALS[kind] % {"path": path, "detail": detail, "limit": WEB_CONFIG_LIMIT})
    return _server_state.state_failure(records)


class ActionModule(ExchangeActionBase):
    argument_spec = OWA_WEB_CONFIG_SPEC

    def manage(self, params: t.Dict[str, t.Any]) -> t.Dict[str, t.Any]:
        try:
            desired = desired_values(params)
            path = params.get("path")
            if path is not None and (not path.strip() or any(c in path for c in "\r\n\x00")):
                raise SettingError("path must be the full path of a web.config on the server; got %r." % path)
        except SettingError as exc:
            raise ExchangeFailure(str(exc) + " Nothing was sent to the server.")
        present = params["state"] == "present"
        check_mode = bool(self._task.check_mode)

        def refuse(records: Records) -> None:
            message = refusal(records)
            if message is not None:
                kind = (records.get("error") or {}).get("kind")
                raise ExchangeFailure(message, error_kind=kind, path=(records.get("web_config") or {}).get("path"))

        host = self.backup_host()
        run = params.get("change_id") or dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        records = self.run_exchange_script("owa_web_config", script_parameters(path, desired, present, check_mode, host, run),
                                           on_error=refuse)
        return self._result(desired, check_mode, records)

    def _result(self, desired: t.Dict[str, t.Optional[str]], check_mode: bool, records: Records) -> t.Dict[str, t.Any]:
        server = dict(records.get("server") or {})
        server.pop("now", None)
        # The script refuses every other version; this side does not take its word alone.
        if _setting_override.im_mechanism(server.get("version")) != "web_config":
            raise ExchangeFailure("%s runs %s, not Exchange 2013, yet its script went on; nothing further was done."
                                  % (plain_text(server.get("name"), 64), plain_text(server.get("version"), 64)))
        before_raw = {key: (records.get("before") or {}).get(key) for key in KEYS}
        change = records.get("change") or {}
        changes = {key: desired[key] for key in change if key in desired}
        if set(change) - set(changes):
            raise ExchangeFailure("the server changed keys the task did not ask for (%s); nothing further was done" % ", ".join(sorted(change)))
        web_config = records.get("web_config") or {}
        # Written: the file as read back after the write; else what the server found (or, in check mode, would write).
        read_back = (records.get("after_read") if changes and not check_mode else records.get("after")) or {}
        if changes and not check_mode and not web_config.get("written"):
            raise ExchangeFailure("%s was written but does not read back as written" % plain_text(web_config.get("path"), 300),
                                  server_backup_file=(records.get("server_backup") or {}).get("path"))
        after_raw = settled_settings(before_raw, {key: read_back.get(key) for key in KEYS}, changes, desired, check_mode, differences,
                                     plain_text(web_config.get("path"), 300))
        before = as_options(before_raw)
        after = as_options(after_raw)
        state = _server_state.restart_state(records)
        result: t.Dict[str, t.Any] = {
            "changed": bool(changes),
            "server": server,
            "path": web_config.get("path"),
            "encoding": web_config.get("encoding"),
            "byte_order_mark": bool(web_config.get("bom")),
            "before": before,
            "after": after,
            "changes": {KEYS[key]: str(change[key]) for key in sorted(change)},
            "restart_pending": state["pending"],
            "restart_state": state,
            "warnings": ["%s: %s" % (plain_text(server.get("name"), 64), CU_WARNING)],
        }
        if changes and not check_mode:
            result["server_backup_file"] = (records.get("server_backup") or {}).get("path")
        if self._task.diff:
            header = plain_text(web_config.get("path"), 300)
            result["diff"] = {"before": before, "after": after, "before_header": header, "after_header": header}
        return result
