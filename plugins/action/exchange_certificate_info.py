# Copyright: (c) 2026, exchange.owa_im contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import typing as t

from ansible_collections.exchange.owa_im.plugins.module_utils.option_specs import EXCHANGE_CERTIFICATE_INFO_SPEC
from ansible_collections.exchange.owa_im.plugins.plugin_utils import _certificates, _owa_settings, _query
from ansible_collections.exchange.owa_im.plugins.plugin_utils._action import ExchangeActionBase, ExchangeFailure
from ansible_collections.exchange.owa_im.plugins.plugin_utils._records import indexed


class ActionModule(ExchangeActionBase):
    argument_spec = EXCHANGE_CERTIFICATE_INFO_SPEC

    def manage(self, params: t.Dict[str, t.Any]) -> t.Dict[str, t.Any]:
        query = _query.compile_query(params.get("query"))
        thumbprint = None
        if params.get("thumbprint"):
            try:
                thumbprint = _owa_settings.normalise_thumbprint(params["thumbprint"], "thumbprint")
            except _owa_settings.SettingError as exc:
                raise ExchangeFailure(str(exc))
        if bool(params.get("issuer")) != bool(params.get("serial_number")):
            raise ExchangeFailure("issuer and serial_number go together (as IMCertificateIssuer and IMCertificateSerialNumber did "
                                  "in the Exchange 2010 RTM web.config); give both or neither.")
        records = self.run_exchange_script("exchange_certificate_info", {
            "Thumbprint": thumbprint or "", "CertificateProperties": list(_certificates.CERTIFICATE_PROPERTIES)})
        server = dict(records.get("server", {}))
        server_now = _certificates.parse_time(server.pop("now", None))
        certificates = [_certificates.certificate(r, server_now) for r in indexed(records, "cert")]
        result: t.Dict[str, t.Any] = {
            "changed": False,
            "server": server,
            "server_time": server_now.isoformat() if server_now else None,
            "certificates": certificates,
            # Chosen on the server by the same rule owa_virtual_directory's discover_certificate uses.
            "iis_certificate": next((c for c in certificates if c["thumbprint"] == records.get("iis", {}).get("Thumbprint")), None),
        }
        if params.get("issuer"):
            result["matched_certificate"] = _certificates.find_by_issuer_and_serial(certificates, params["issuer"], params["serial_number"])
        return _query.with_query_result(result, query)
