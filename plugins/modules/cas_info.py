#!/usr/bin/python
# Copyright: (c) 2026, exchange.owa_im contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: cas_info
short_description: Read everything OWA instant messaging depends on from one Client Access server, and what would change
version_added: 1.0.0
description:
  - In one remote PowerShell process, reads the Exchange server (name, FQDN, version) and its PowerShell version, the
    OWA virtual directory's four instant-messaging settings, this server's Exchange certificates and the one IIS uses,
    and which OCS components are installed.
  - Given the intended settings (the same options as M(exchange.owa_im.owa_virtual_directory)), it also reports what
    that module would change, and whether anything at all would change on this server, so that a play runs its changing
    tasks only where needed. The role the role C(exchange.owa_im.cas) starts with it on every CAS, which also proves before any
    change that each server can be reached and its Exchange shell loaded.
  - Invalid intended settings, a thumbprint this server does not have (with O(verify_certificate)), or no usable IIS
    certificate (with O(discover_certificate)) fail here, before anything is changed anywhere.
  - On Exchange 2016 and later, OWA takes its IM server and certificate from a setting override, not from the virtual
    directory; the module then compares the server name and thumbprint with the IM setting override that applies to this
    server (RV(setting_override_changes)) and the virtual directory's on/off and type only; the OCS 2007 R2 components and
    the 5075 connect-back check do not apply there and are left out. On Exchange 2013 the server and certificate live in
    OWA's C(web.config), which this read does not open; RV(web_config_check_needed) then says the role's
    M(exchange.owa_im.owa_web_config) step should compare and set them.
  - Nothing is changed.
options:
  identity:
    description: The OWA virtual directory; default this server's C(owa (Default Web Site)).
    type: str
  instant_messaging_enabled:
    description: Intended C(InstantMessagingEnabled).
    type: bool
  instant_messaging_type:
    description: Intended C(InstantMessagingType) (C(none), C(ocs), C(msn), or 0, 1, 2).
    type: str
  instant_messaging_server_name:
    description: Intended C(InstantMessagingServerName) (an FQDN; an empty string means cleared).
    type: str
  instant_messaging_certificate_thumbprint:
    description: Intended C(InstantMessagingCertificateThumbprint); spaces, colons, case and invisible marks are ignored.
    type: str
  verify_certificate:
    description: Fail when the intended thumbprint is not an Exchange certificate of this server.
    type: bool
    default: true
  discover_certificate:
    description: The intended thumbprint is the certificate this server has bound to IIS, valid today (CA-issued first).
    type: bool
    default: false
  include_components:
    description: Also read which OCS components (Visual C++ 2008 x64, UCMA 2.0 core, web service provider) are installed.
    type: bool
    default: true
  include_hotfixes:
    description:
      - With O(include_components), count a hotfix not applied (C(UcmaRedist.msp), C(CWAOWASSP.msp)) in
        RV(components_missing). V(false) still reports it in RV(components).
    type: bool
    default: true
  certificate_required:
    description:
      - Fail unless the intended settings name a certificate, by O(instant_messaging_certificate_thumbprint) or
        O(discover_certificate). OWA instant messaging cannot work without one; the role sets this.
    type: bool
    default: false
  host_authorization_name:
    description:
      - The name the OCS administrator lists for this server in the Host Authorization entries, when you want it checked.
      - OCS matches a connecting Client Access server by the subject name of the certificate it presents, so the entry is
        that subject's common name (C(name) in RV(host_authorization)); when this option is given and differs from it, the
        module fails naming both, before anything is changed. Servers that share one certificate (its subject the CAS
        array's or the load balancer's name) share one entry.
    type: str
  check_prerequisites:
    description:
      - Also check, in the same remote process, what OWA IM needs besides its settings, and fail naming the port, the
        direction and the fix when one is missing. Nothing is changed by this module either way.
      - When IM is intended on with type C(ocs) and a pool is named, on the CAS itself - the pool's name
        (O(instant_messaging_server_name)) resolves; a TCP connection to it on O(pool_port) (SIP over mutual TLS,
        outbound) is accepted within O(connect_timeout); Windows Firewall allows inbound TCP O(connect_back_port), where
        the pool connects back to OWA to deliver incoming messages (or the firewall is off in every current profile).
      - And the certificate OWA IM would use is not self-signed (unless O(allow_self_signed_certificate)) and its
        Exchange status is C(Valid); and, with O(include_components), that an installed Web Service Provider is
        registered where OWA looks for it (C(ImplementationDLLPath) under
        C(HKLM\\SYSTEM\\CurrentControlSet\\Services\\MSExchange OWA\\InstantMessaging) names a file that exists).
      - PowerShell 2.0 has no C(Test-NetConnection) or C(Get-NetFirewallRule); the checks use C(System.Net.Dns),
        C(System.Net.Sockets.TcpClient) and the firewall's C(HNetCfg.FwPolicy2) COM object, which every version has.
    type: bool
    default: false
  pool_port:
    description: The OCS pool's SIP port over mutual TLS, which OWA connects to.
    type: int
    default: 5061
  connect_back_port:
    description:
      - The port OWA listens on for the pool's connection back (OCS 2007 R2 with Exchange 2010, in the IIS worker process).
    type: int
    default: 5075
  connect_timeout:
    description: Seconds to wait for the pool to accept the TCP connection (1 to 60).
    type: int
    default: 3
  allow_self_signed_certificate:
    description:
      - Accept a self-signed certificate for OWA IM. OCS must then trust that very certificate; meant for test pools.
    type: bool
    default: false
  error_names:
    description:
      - For roles and wrappers. Maps an option of this module to the variable the user set for it, for example
        C(instant_messaging_server_name) to C(owa_im_server_name), so that a refusal names what the user can fix.
    type: dict
  require_linear_strategy:
    description:
      - For roles. Refuse, before the server is contacted, to run in a play whose strategy is not C(linear) (the
        default). The role C(exchange.owa_im.cas) sets it - its pool checks, C(run_once) steps and rolling resets rely on
        every host finishing a task before the next starts, which C(strategy) C(free) does not give.
    type: bool
    default: false
extends_documentation_fragment:
  - exchange.owa_im.connection
  - exchange.owa_im.query
  - exchange.owa_im.attributes.info
author:
  - exchange.owa_im contributors (@exchange-owa-im)
"""

EXAMPLES = r"""
- name: What would change on each CAS for an OCS pool, certificates discovered
  exchange.owa_im.cas_info:
    instant_messaging_enabled: true
    instant_messaging_type: ocs
    instant_messaging_server_name: ocspool.contoso.com
    discover_certificate: true
  register: cas

- name: Configure only where something differs
  exchange.owa_im.owa_virtual_directory:
    instant_messaging_enabled: true
    instant_messaging_type: ocs
    instant_messaging_server_name: ocspool.contoso.com
    instant_messaging_certificate_thumbprint: "{{ cas.intended.instant_messaging_certificate_thumbprint }}"
  when: cas.virtual_directory_changes | length > 0

- name: Just the certificates that expire within 30 days
  exchange.owa_im.cas_info:
    query: "certificates[?days_left < `30`].{thumbprint: thumbprint, days_left: days_left}"
  register: expiring
"""

RETURN = r"""
server:
  description: The Exchange server, its version and its Windows PowerShell version.
  returned: success
  type: dict
  sample: {"name": "CAS01", "fqdn": "cas01.contoso.com", "version": "Version 14.1 (Build 218.15)", "exchange_version": "14.1",
           "powershell": "2.0"}
virtual_directory:
  description: The virtual directory's identity and current IM settings, by option name.
  returned: success
  type: dict
  sample: {"identity": "CAS01\\owa (Default Web Site)", "instant_messaging_enabled": false, "instant_messaging_type": "None",
           "instant_messaging_server_name": null, "instant_messaging_certificate_thumbprint": null}
certificates:
  description: This server's Exchange certificates, as M(exchange.owa_im.exchange_certificate_info) returns them.
  returned: success
  type: list
  elements: dict
iis_certificate:
  description: The certificate OWA IM should use (bound to IIS, status Valid, valid today; CA-issued first), or null.
  returned: success
  type: dict
certificate:
  description: The intended thumbprint checked against this server's certificates (present, bound to IIS, valid, days left).
  returned: when a thumbprint was given or discovered
  type: dict
host_authorization:
  description:
    - The entry OCS needs for this server in its Host Authorization list, named from the subject of the certificate OWA IM
      will use. C(name) is null when no certificate is intended and O(host_authorization_name) is not given.
    - C(from) says where the name comes from (C(certificate), or C(variable) when the certificate is not on this server).
  returned: success
  type: dict
  sample: {"name": "mail.contoso.com", "from": "certificate", "certificate_thumbprint": "8A1B...", "subject": "CN=mail.contoso.com",
           "domains": ["mail.contoso.com", "cas01.contoso.com", "cas02.contoso.com"]}
prerequisites:
  description:
    - With O(check_prerequisites), what was checked; null without it, and when IM is intended off or not of type C(ocs)
      (nothing then needs OCS, the certificate or the provider, so nothing is refused for them). C(network) is null when
      no pool is named.
  returned: success
  type: dict
  sample: {"problems": [], "network": {"pool_name": "ocspool.contoso.com", "pool_resolves": true, "pool_addresses": ["10.0.1.10"],
           "pool_port": 5061, "pool_connection": "connected", "connect_back_port": 5075, "connect_back_firewall": "allowed",
           "connect_back_rule": "OCS connect-back to OWA (TCP 5075)", "errors": {}}}
intended:
  description: The intended settings, normalised (the discovered thumbprint included).
  returned: success
  type: dict
virtual_directory_changes:
  description: The settings M(exchange.owa_im.owa_virtual_directory) would change, with their new values.
  returned: success
  type: dict
  sample: {"instant_messaging_enabled": true}
components:
  description: Each OCS component, installed or not, with its registered name and version.
  returned: when O(include_components=true)
  type: list
  elements: dict
components_missing:
  description: The components not installed.
  returned: when O(include_components=true)
  type: list
  elements: str
  sample: [ucma, web_service_provider]
im_settings_from:
  description: Where OWA on this server takes its IM server and certificate from, by its Exchange version.
  returned: success
  type: str
  choices: [virtual_directory, web_config, setting_override]
  sample: virtual_directory
setting_override_changes:
  description: Exchange 2016 and later, the IMSettings parameters that differ from the intended settings, with their new values.
  returned: success
  type: dict
  sample: {"IMServerName": "sfbpool.contoso.com"}
setting_override:
  description:
    - Exchange 2016 and later, the IM settings that apply to this server (an override naming the server before one for the
      whole organisation), the override they come from, overrides of the same scope that make the choice ambiguous, and
      every IM setting override that applies.
  returned: when the server runs Exchange 2016 or later
  type: dict
  sample: {"from": "OWA IM EX01", "ambiguous": [], "IMServerName": "sfbpool.contoso.com",
           "IMCertificateThumbprint": "CDF34A740E9D225A1A06193A9D44B2CE22775308", "overrides": []}
im_implementation:
  description:
    - Exchange 2013 and later, OWA's IM provider from the UCMA 4.0 runtime that Exchange setup installs. OWA finds it
      through the registry value C(ImplementationDLLPath) under
      C(HKLM\SYSTEM\CurrentControlSet\Services\MSExchange OWA\InstantMessaging), which must name
      C(Microsoft.Rtc.Internal.Ucweb.dll) or the folder holding it (Skype for Business Server 2015, "Integrating Skype for
      Business Server 2015 and Outlook Web App").
    - C(path) is the value (null when missing or empty), C(dll) the DLL it names, C(dll_found) whether that file exists,
      C(ready) whether OWA can load its IM provider. The role stops a server that is not ready before any change unless IM
      is being turned off.
  returned: when the server runs Exchange 2013 or later
  type: dict
  sample: {"path": "C:\\Program Files\\Microsoft UCMA 4.0\\Runtime\\Microsoft.Rtc.Internal.Ucweb.dll",
           "dll": "C:\\Program Files\\Microsoft UCMA 4.0\\Runtime\\Microsoft.Rtc.Internal.Ucweb.dll", "dll_found": true, "ready": true}
web_config_check_needed:
  description: Exchange 2013 with IM intended on, where the server and certificate in OWA's C(web.config) must be compared (and set).
  returned: success
  type: bool
changes_needed:
  description:
    - Whether the virtual directory or the IM setting override differs from the intended settings, a component is
      missing, or (Exchange 2013) C(web.config) must be compared.
  returned: success
  type: bool
restart_pending:
  description:
    - Whether OWA on this server owes a restart; its worker process started before the last change it must read (a run
      interrupted before its reset, a change made by hand). Decided on the server; see M(exchange.owa_im.iis_restart).
  returned: success
  type: bool
restart_state:
  description: The server's facts behind RV(restart_pending), in the server's local time.
  returned: success
  type: dict
  sample: {"pending": true, "worker_started": "2026-11-25T08:02:11.250", "virtual_directory_changed": "2026-11-26T09:14:03.120",
           "last_change_marker": "2026-11-26T09:14:02.981"}
query_result:
  description: The value of O(query) over this result.
  returned: when O(query) is given
  type: raw
"""

from ansible_collections.exchange.owa_im.plugins.module_utils.controller_only import refuse_on_target
from ansible_collections.exchange.owa_im.plugins.module_utils.option_specs import CAS_INFO_SPEC


def main() -> None:
    refuse_on_target("cas_info", CAS_INFO_SPEC)


if __name__ == "__main__":
    main()
