# Copyright: (c) 2026, exchange.owa_im contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import typing as t

from ansible_collections.exchange.owa_im.plugins.plugin_utils import _certificates, _owa_settings, _query, _server_state, _setting_override
from ansible_collections.exchange.owa_im.plugins.module_utils.option_specs import OWA_VIRTUAL_DIRECTORY_INFO_SPEC
from ansible_collections.exchange.owa_im.plugins.plugin_utils._records import indexed
from ansible_collections.exchange.owa_im.plugins.plugin_utils._action import ExchangeActionBase

DIRECTORY_PROPERTIES = ("Identity", "Name", "Server", "InternalUrl", "ExternalUrl") + tuple(_owa_settings.PROPERTIES.values())
POLICY_PROPERTIES = ("Name", "InstantMessagingEnabled", "InstantMessagingType", "IsDefault")


def virtual_directory(record: t.Mapping[str, t.Any], certificates: t.Optional[t.List[t.Dict[str, t.Any]]],
                      server_name: str) -> t.Dict[str, t.Any]:
    entry: t.Dict[str, t.Any] = {
        "identity": record.get("Identity"),
        "name": record.get("Name"),
        "server": record.get("Server"),
        "internal_url": record.get("InternalUrl"),
        "external_url": record.get("ExternalUrl"),
    }
    entry.update(_owa_settings.as_options(record))
    if certificates is not None and (record.get("Server") or "").lower() == server_name.lower():
        # Certificates are per server: only this server's directories can be checked against them.
        entry["certificate"] = _certificates.check_thumbprint(certificates, record.get("InstantMessagingCertificateThumbprint"))
    return entry


class ActionModule(ExchangeActionBase):
    argument_spec = OWA_VIRTUAL_DIRECTORY_INFO_SPEC

    def manage(self, params: t.Dict[str, t.Any]) -> t.Dict[str, t.Any]:
        query = _query.compile_query(params.get("query"))
        records = self.run_exchange_script("owa_virtual_directory_info", {
            "Scope": params["scope"], "Identity": params.get("identity") or "",
            "IncludeCertificates": params["include_certificates"], "IncludeMailboxPolicies": params["include_mailbox_policies"],
            "DirectoryProperties": list(DIRECTORY_PROPERTIES), "CertificateProperties": list(_certificates.CERTIFICATE_PROPERTIES),
            "PolicyProperties": list(POLICY_PROPERTIES), "OverrideProperties": list(_setting_override.OVERRIDE_PROPERTIES)})
        server = dict(records.get("server", {}))
        server_now = _certificates.parse_time(server.pop("now", None))
        certificates = None
        if params["include_certificates"]:
            certificates = [_certificates.certificate(r, server_now) for r in indexed(records, "cert")]
        result: t.Dict[str, t.Any] = {
            "changed": False,
            "server": server,
            "virtual_directories": [virtual_directory(r, certificates, server.get("name") or "") for r in indexed(records, "vdir")],
        }
        mechanism = _setting_override.im_mechanism(server.get("version"))
        result["im_settings_from"] = mechanism
        if mechanism == "setting_override":
            # Exchange 2016 and later: what OWA on this server takes, from the IM setting override that applies to it.
            effective = _setting_override.effective_im_settings(indexed(records, "override"), server.get("name") or "")
            im_settings: t.Dict[str, t.Any] = {
                "setting_override": effective["from"], "ambiguous": effective["ambiguous"],
                "instant_messaging_server_name": effective["IMServerName"],
                "instant_messaging_certificate_thumbprint": effective["IMCertificateThumbprint"]}
            if certificates is not None:
                im_settings["certificate"] = _certificates.check_thumbprint(certificates, effective["IMCertificateThumbprint"])
            result["im_settings"] = im_settings
        if "restart_state" in records:
            result["restart_state"] = _server_state.restart_state(records)
            result["restart_pending"] = result["restart_state"]["pending"]
        if certificates is not None:
            result["certificates"] = certificates
        if params["include_mailbox_policies"]:
            policies = []
            for record in indexed(records, "policy"):
                policies.append({"name": record.get("Name"), "instant_messaging_enabled": record.get("InstantMessagingEnabled"),
                                 "instant_messaging_type": record.get("InstantMessagingType"), "is_default": record.get("IsDefault")})
            result["mailbox_policies"] = policies
            result["policies_disabling_im"] = [p["name"] for p in policies if p["instant_messaging_enabled"] is False]
        return _query.with_query_result(result, query)
