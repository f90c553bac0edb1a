# Copyright: (c) 2026, exchange.owa_im contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import re
import typing as t

from ansible_collections.exchange.owa_im.plugins.module_utils.option_specs import CAS_INFO_SPEC
from ansible_collections.exchange.owa_im.plugins.plugin_utils import _certificates, _ocs_components, _owa_settings, _query, _server_state
from ansible_collections.exchange.owa_im.plugins.plugin_utils._action import ExchangeActionBase, ExchangeFailure
from ansible_collections.exchange.owa_im.plugins.plugin_utils._exchange_errors import translate
from ansible_collections.exchange.owa_im.plugins.plugin_utils._records import indexed


def exchange_version(admin_display_version: t.Optional[str]) -> t.Optional[str]:
    """``Version 14.1 (Build 218.15)`` -> ``14.1``."""
    match = re.search(r"Version (\d+\.\d+)", admin_display_version or "")
    return match.group(1) if match else None


class ActionModule(ExchangeActionBase):
    argument_spec = CAS_INFO_SPEC

    def manage(self, params: t.Dict[str, t.Any]) -> t.Dict[str, t.Any]:
        query = _query.compile_query(params.get("query"))
        strategy = getattr(self._task.get_play(), "strategy", None)
        if params["require_linear_strategy"] and isinstance(strategy, str) and strategy not in ("", "linear"):
            raise ExchangeFailure("the exchange.owa_im.cas role needs the play's default strategy, linear; this play has strategy: %s. "
                                  "Its pool checks, run_once steps and rolling resets rely on every host finishing a task before the "
                                  "next begins. Remove strategy from the play (serial, or owa_im_serial with the site playbook, "
                                  "limits how many servers go at once). Nothing was changed." % strategy)
        names = {str(k): str(v) for k, v in (params.get("error_names") or {}).items()}

        def named(option: str) -> str:
            return names.get(option) or option

        try:
            desired = _owa_settings.desired_settings(params, names)
        except _owa_settings.SettingError as exc:
            raise ExchangeFailure(str(exc))
        thumbprint_given = bool(desired.get("InstantMessagingCertificateThumbprint"))
        if params["discover_certificate"] and thumbprint_given:
            raise ExchangeFailure("%s and %s exclude each other: give the thumbprint, or let the server's IIS certificate be found."
                                  % (named("discover_certificate"), named("instant_messaging_certificate_thumbprint")))
        if params["certificate_required"] and not (thumbprint_given or params["discover_certificate"]):
            raise ExchangeFailure("Give %s (this CAS's IIS certificate) or set %s: true; OWA IM needs the certificate."
                                  % (named("instant_messaging_certificate_thumbprint"), named("discover_certificate")))
        records = self.run_exchange_script("cas_info", {
            "Identity": params.get("identity") or "", "IncludeComponents": params["include_components"],
            "SettingProperties": list(_owa_settings.PROPERTIES.values()),
            "CertificateProperties": list(_certificates.CERTIFICATE_PROPERTIES),
            "ComponentPatterns": [c.display_name for c in _ocs_components.COMPONENTS],
            "ComponentMinimumVersions": [c.minimum_version for c in _ocs_components.COMPONENTS]})
        server = dict(records.get("server", {}))
        server_now = _certificates.parse_time(server.pop("now", None))
        name = server.get("name") or self.host_label
        certificates = [_certificates.certificate(r, server_now) for r in indexed(records, "cert")]
        iis = next((c for c in certificates if c["thumbprint"] == records.get("iis", {}).get("Thumbprint")), None)
        if params["discover_certificate"]:
            if iis is None:
                seen = "; ".join("%s (%s, %s)" % (c["thumbprint"], ", ".join(c["services"]) or "None", c["status"]) for c in certificates)
                raise translate({"kind": "no_iis_certificate", "message": seen}, name)
            desired["InstantMessagingCertificateThumbprint"] = _owa_settings.normalise_thumbprint(iis["thumbprint"])
        thumbprint = desired.get("InstantMessagingCertificateThumbprint")
        certificate = _certificates.check_thumbprint(certificates, thumbprint) if thumbprint else None
        if certificate is not None and params["verify_certificate"] and not certificate["present"]:
            raise translate({"kind": "certificate_missing", "message": thumbprint}, name)
        before_raw = records.get("before", {})
        changes = _owa_settings.differences(before_raw, desired)
        result: t.Dict[str, t.Any] = {
            "changed": False,
            "server": dict(server, exchange_version=exchange_version(server.get("version"))),
            "virtual_directory": dict(_owa_settings.as_options(before_raw), identity=before_raw.get("Identity")),
            "certificates": certificates,
            "iis_certificate": iis,
            "certificate": certificate,
            "intended": _owa_settings.as_options(desired),
            "virtual_directory_changes": _owa_settings.as_options(changes),
            "restart_state": _server_state.restart_state(records),
        }
        result["restart_pending"] = result["restart_state"]["pending"]
        missing: t.List[str] = []
        if params["include_components"]:
            result["components"] = _ocs_components.component_states(records, "component")
            missing = [state["name"] for state in result["components"] if not state["installed"]]
            result["components_missing"] = missing
        result["changes_needed"] = bool(changes or missing)
        note = _owa_settings.later_version_note(server.get("version"))
        if note:
            result["warnings"] = ["%s: %s" % (name, note)]
        return _query.with_query_result(result, query)
