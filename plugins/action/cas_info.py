# Copyright: (c) 2026, exchange.owa_im contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import re
import typing as t

from ansible_collections.exchange.owa_im.plugins.module_utils.option_specs import CAS_INFO_SPEC
from ansible_collections.exchange.owa_im.plugins.plugin_utils import _certificates, _host_authorization, _ocs_components, _owa_settings
from ansible_collections.exchange.owa_im.plugins.plugin_utils import _prerequisites, _query, _server_state, _setting_override
from ansible_collections.exchange.owa_im.plugins.plugin_utils._action import ExchangeActionBase, ExchangeFailure
from ansible_collections.exchange.owa_im.plugins.plugin_utils._exchange_errors import translate
from ansible_collections.exchange.owa_im.plugins.plugin_utils._records import indexed


def exchange_version(admin_display_version: t.Optional[str]) -> t.Optional[str]:
    """``Version 14.1 (Build 218.15)`` -> ``14.1``."""
    match = re.search(r"Version (\d+\.\d+)", admin_display_version or "")
    return match.group(1) if match else None


def im_implementation(found: t.Mapping[str, t.Any]) -> t.Dict[str, t.Any]:
    """Exchange 2013 and later: OWA's IM provider from the UCMA 4.0 runtime, registered in ImplementationDLLPath (under
    HKLM\\SYSTEM\\CurrentControlSet\\Services\\MSExchange OWA\\InstantMessaging), which must name an existing
    Microsoft.Rtc.Internal.Ucweb.dll or the folder that holds it."""
    path = str(found.get("path") or "") or None
    dll = str(found.get("dll") or "") or None
    dll_found = bool(path and dll and found.get("dll_found") is True)
    return {"path": path, "dll": dll, "dll_found": dll_found, "ready": dll_found}


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
        for option, low, high in (("pool_port", 1, 65535), ("connect_back_port", 1, 65535), ("connect_timeout", 1, 60)):
            if not low <= params[option] <= high:
                raise ExchangeFailure("%s must be between %d and %d; got %d. Nothing was changed." % (named(option), low, high, params[option]))
        # The network checks concern the pool IM is being pointed at; with IM off (or no pool named) there is none.
        pool = desired.get("InstantMessagingServerName") or ""
        check_network = bool(params["check_prerequisites"] and pool and desired.get("InstantMessagingEnabled") is not False
                             and str(desired.get("InstantMessagingType", "Ocs")).lower() in ("ocs", "1"))
        records = self.run_exchange_script("cas_info", {
            "Identity": params.get("identity") or "", "IncludeComponents": params["include_components"],
            "SettingProperties": list(_owa_settings.PROPERTIES.values()),
            "CertificateProperties": list(_certificates.CERTIFICATE_PROPERTIES),
            "ComponentPatterns": [c.display_name for c in _ocs_components.COMPONENTS],
            "ComponentMinimumVersions": [c.minimum_version for c in _ocs_components.COMPONENTS],
            "CheckNetwork": check_network, "PoolName": pool, "PoolPort": params["pool_port"],
            "ConnectBackPort": params["connect_back_port"], "ConnectTimeoutMilliseconds": params["connect_timeout"] * 1000,
            "OverrideProperties": list(_setting_override.OVERRIDE_PROPERTIES)})
        server = dict(records.get("server", {}))
        server_now = _certificates.parse_time(server.pop("now", None))
        name = server.get("name") or self.host_label
        # Exchange 2016 and later: the virtual directory keeps IM on and its type; the server and certificate live in a
        # setting override, and the OCS 2007 R2 components and connect-back port are not theirs.
        mechanism = _setting_override.im_mechanism(server.get("version"))
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
        # The name OCS must list for this server comes from the certificate chosen above, so it is known (and a name the
        # user gave is checked) before anything changes anywhere.
        chosen = next((c for c in certificates if thumbprint and (c["thumbprint"] or "").upper() == thumbprint.upper()), None)
        # Only IM being on (type Ocs) needs OCS to know the server, and the certificate and provider to be right: turning
        # IM off must never be refused for them.
        before_raw = records.get("before", {})
        enabled = desired.get("InstantMessagingEnabled", _owa_settings.as_options(before_raw).get("instant_messaging_enabled"))
        im_type = desired.get("InstantMessagingType", before_raw.get("InstantMessagingType"))
        im_on = enabled is not False and str(im_type or "").lower() in ("ocs", "1")
        try:
            host_authorization = _host_authorization.entry(chosen, params.get("host_authorization_name") or None,
                                                           named("host_authorization_name"), name)
        except _host_authorization.HostAuthorizationError as exc:
            if im_on:
                raise ExchangeFailure(str(exc))
            host_authorization = {"name": None, "from": None, "certificate_thumbprint": None, "subject": None, "domains": [],
                                  "problem": str(exc)}
        include_components = params["include_components"] and mechanism == "virtual_directory"
        components = _ocs_components.component_states(records, "component") if include_components else []
        prerequisites = None
        if params["check_prerequisites"] and im_on:
            problems = _prerequisites.certificate_problems(chosen, name, params["allow_self_signed_certificate"],
                                                           named("allow_self_signed_certificate"))
            prerequisites = {"network": None, "problems": problems}
            if include_components:
                provider = any(s["name"] == "web_service_provider" and s["installed"] for s in components)
                problems.extend(_prerequisites.provider_problems(records, provider, name))
            if check_network:
                prerequisites["network"] = _prerequisites.network_state(records)
                if mechanism != "virtual_directory":
                    # OCS 2007 R2 connects back on 5075; Lync and Skype for Business on their trusted application's port.
                    prerequisites["network"]["connect_back_firewall"] = "not_applicable"
                problems.extend(_prerequisites.network_problems(prerequisites["network"], name, named("instant_messaging_server_name"),
                                                                params["connect_timeout"]))
            if problems:
                raise ExchangeFailure(" ".join(problems) + " Nothing was changed.", prerequisites=prerequisites)
        override_changes: t.Dict[str, t.Any] = {}
        if mechanism == "setting_override":
            overrides = indexed(records, "override")
            effective = _setting_override.effective_im_settings(overrides, name)
            if im_on:
                override_changes = _setting_override.im_setting_changes(effective, desired)
        # From Exchange 2013 on, the directory keeps only IM on and its type; the server and certificate live elsewhere.
        directory_desired = desired if mechanism == "virtual_directory" else {
            k: v for k, v in desired.items() if k in ("InstantMessagingEnabled", "InstantMessagingType")}
        changes = _owa_settings.differences(before_raw, directory_desired)
        result: t.Dict[str, t.Any] = {
            "changed": False,
            "server": dict(server, exchange_version=exchange_version(server.get("version"))),
            "virtual_directory": dict(_owa_settings.as_options(before_raw), identity=before_raw.get("Identity")),
            "certificates": certificates,
            "iis_certificate": iis,
            "certificate": certificate,
            "host_authorization": host_authorization,
            "prerequisites": prerequisites,
            "intended": _owa_settings.as_options(desired),
            "virtual_directory_changes": _owa_settings.as_options(changes),
            "restart_state": _server_state.restart_state(records),
            "im_settings_from": mechanism,
            "setting_override_changes": override_changes,
        }
        if mechanism == "setting_override":
            result["setting_override"] = dict(effective, overrides=_setting_override.as_overrides(overrides))
        if mechanism != "virtual_directory":
            result["im_implementation"] = im_implementation(records.get("im_implementation") or {})
        result["restart_pending"] = result["restart_state"]["pending"]
        missing: t.List[str] = []
        if include_components:
            result["components"] = components
            # A hotfix the role was told to leave alone is not missing (it would send every run to the components step).
            missing = [state["name"] for state in result["components"]
                       if not state["installed"] and (params["include_hotfixes"] or "applies_to" not in state)]
            result["components_missing"] = missing
        # Exchange 2013 keeps the server and certificate in web.config, which this read does not open: with IM on, the
        # role's web.config step (idempotent, its own remote process) compares and sets them on every run, since a
        # cumulative update replaces the file.
        result["web_config_check_needed"] = mechanism == "web_config" and im_on
        result["changes_needed"] = bool(changes or missing or override_changes or result["web_config_check_needed"])
        warnings: t.List[str] = []
        if mechanism == "setting_override" and result["setting_override"]["ambiguous"]:
            warnings.append("%s: several IM setting overrides apply with the same scope (%s); Exchange's choice among them is not "
                            "documented. Keep one." % (name, ", ".join(str(n) for n in result["setting_override"]["ambiguous"])))
        if result["restart_state"]["marker_refused"]:
            warnings.append("%s: the change marker was ignored because %s; someone other than Administrators may have written it. "
                            "Check it and delete it." % (name, result["restart_state"]["marker_refused"]))
        if warnings:
            result["warnings"] = warnings
        return _query.with_query_result(result, query)
