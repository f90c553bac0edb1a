# Copyright: (c) 2026, exchange.owa_im contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import typing as t

from ansible_collections.exchange.owa_im.plugins.module_utils import exchange_certificates, owa_settings, read_scripts
from ansible_collections.exchange.owa_im.plugins.module_utils.option_specs import OWA_VIRTUAL_DIRECTORY_INFO_SPEC
from ansible_collections.exchange.owa_im.plugins.module_utils.result_records import indexed
from ansible_collections.exchange.owa_im.plugins.module_utils.winrm_transport import WinRMSettings
from ansible_collections.exchange.owa_im.plugins.plugin_utils.exchange_action import ExchangeActionBase


def virtual_directory(record: t.Mapping[str, t.Any], certificates: t.Optional[t.List[t.Dict[str, t.Any]]],
                      server_name: str) -> t.Dict[str, t.Any]:
    entry: t.Dict[str, t.Any] = {
        "identity": record.get("Identity"),
        "name": record.get("Name"),
        "server": record.get("Server"),
        "internal_url": record.get("InternalUrl"),
        "external_url": record.get("ExternalUrl"),
    }
    entry.update(owa_settings.as_options(record))
    if certificates is not None and (record.get("Server") or "").lower() == server_name.lower():
        # Certificates are per server: only this server's directories can be checked against them.
        entry["certificate"] = exchange_certificates.check_thumbprint(certificates, record.get("InstantMessagingCertificateThumbprint"))
    return entry


class ActionModule(ExchangeActionBase):
    argument_spec = OWA_VIRTUAL_DIRECTORY_INFO_SPEC

    def manage(self, params: t.Dict[str, t.Any], settings: WinRMSettings) -> t.Dict[str, t.Any]:
        script = read_scripts.virtual_directory_info(params["scope"] == "organization", params.get("identity"),
                                                     params["include_certificates"], params["include_mailbox_policies"])
        records = self.run_exchange_script(settings, script)
        server = dict(records.get("server", {}))
        server_now = exchange_certificates.parse_time(server.pop("now", None))
        certificates = None
        if params["include_certificates"]:
            certificates = [exchange_certificates.certificate(r, server_now) for r in indexed(records, "cert")]
        result: t.Dict[str, t.Any] = {
            "changed": False,
            "server": server,
            "virtual_directories": [virtual_directory(r, certificates, server.get("Name") or "") for r in indexed(records, "vdir")],
        }
        if certificates is not None:
            result["certificates"] = certificates
        if params["include_mailbox_policies"]:
            policies = []
            for record in indexed(records, "policy"):
                policies.append({"name": record.get("Name"), "instant_messaging_enabled": record.get("InstantMessagingEnabled"),
                                 "instant_messaging_type": record.get("InstantMessagingType"), "is_default": record.get("IsDefault")})
            result["mailbox_policies"] = policies
            result["policies_disabling_im"] = [p["name"] for p in policies if p["instant_messaging_enabled"] is False]
        return result
