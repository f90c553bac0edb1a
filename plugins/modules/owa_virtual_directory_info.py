#!/usr/bin/python
# Copyright: (c) 2026, exchange.owa_im contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: owa_virtual_directory_info
short_description: Read the instant-messaging settings and URLs of OWA virtual directories
version_added: 1.0.0
description:
  - Lists the OWA virtual directories of this Client Access server, or of the whole organisation (the settings live
    in Active Directory, so any server can read them all), with their four IM settings and URLs.
  - Optionally checks each of this server's directories against the server's own Exchange certificates, and lists the
    OWA mailbox policies, whose C(InstantMessagingEnabled=$false) overrides the virtual directory for their mailboxes.
  - Everything is read in one remote PowerShell process; nothing is changed.
options:
  scope:
    description: C(server) for this server's directories, C(organization) for every OWA virtual directory in Active Directory.
    type: str
    choices: [server, organization]
    default: server
  identity:
    description: Read only this directory (C(SERVER\owa (Default Web Site)), a distinguished name or a GUID). Overrides O(scope).
    type: str
  include_certificates:
    description:
      - Also read this server's Exchange certificates and report, for each of this server's directories, whether its
        thumbprint names a certificate present here, bound to IIS, valid today, and how many days it has left.
    type: bool
    default: false
  include_mailbox_policies:
    description: Also list the OWA mailbox policies and which of them disable instant messaging.
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
- name: Read this CAS's OWA IM settings, with its certificate and the mailbox policies
  exchange.owa_im.owa_virtual_directory_info:
    include_certificates: true
    include_mailbox_policies: true
  register: owa

- name: Every OWA virtual directory of the organisation, read once
  exchange.owa_im.owa_virtual_directory_info:
    scope: organization
  run_once: true
  register: organisation

- name: Which servers of the organisation have OWA instant messaging turned off
  exchange.owa_im.owa_virtual_directory_info:
    scope: organization
    query: "virtual_directories[?instant_messaging_enabled == `false`].server"
  run_once: true
  register: im_off

- name: Name them
  ansible.builtin.debug:
    msg: "OWA IM is off on {{ im_off.query_result | join(', ') }}"
  when: im_off.query_result | length > 0

# "!" binds tighter than ".": !certificate.usable_for_im would read as (!certificate).usable_for_im.
- name: This server's directories whose IM certificate is unusable or expires within 30 days
  exchange.owa_im.owa_virtual_directory_info:
    include_certificates: true
    query: "virtual_directories[?certificate.usable_for_im != `true` || certificate.days_left < `30`].identity"
  register: certificate_problems

- name: One line per directory of the organisation, for a report
  exchange.owa_im.owa_virtual_directory_info:
    scope: organization
    query: "virtual_directories[].{server: server, enabled: instant_messaging_enabled, ocs: instant_messaging_server_name}"
  run_once: true
  register: summary
"""

RETURN = r"""
server:
  description: The Exchange server the task ran on.
  returned: success
  type: dict
  sample: {"name": "CAS01", "fqdn": "cas01.contoso.com", "version": "Version 14.1 (Build 218.15)"}
virtual_directories:
  description: The OWA virtual directories read.
  returned: success
  type: list
  elements: dict
  sample:
    - identity: CAS01\owa (Default Web Site)
      name: owa (Default Web Site)
      server: CAS01
      internal_url: https://cas01.contoso.com/owa
      external_url: null
      instant_messaging_enabled: true
      instant_messaging_type: Ocs
      instant_messaging_server_name: ocs.contoso.com
      instant_messaging_certificate_thumbprint: 8210E17393B6E81AD0B3A75DD9161ABE1A93B695
      certificate: {"thumbprint": "8210E17393B6E81AD0B3A75DD9161ABE1A93B695", "present": true, "bound_to_iis": true,
                    "status": "Valid", "valid_now": true, "days_left": 364, "usable_for_im": true}
certificates:
  description: This server's Exchange certificates (as M(exchange.owa_im.exchange_certificate_info) returns them).
  returned: when O(include_certificates=true)
  type: list
  elements: dict
mailbox_policies:
  description: The OWA mailbox policies with their IM settings.
  returned: when O(include_mailbox_policies=true)
  type: list
  elements: dict
  sample: [{"name": "Default", "instant_messaging_enabled": true, "instant_messaging_type": "Ocs", "is_default": true}]
policies_disabling_im:
  description: Names of the OWA mailbox policies that disable IM and so override the virtual directory for their mailboxes.
  returned: when O(include_mailbox_policies=true)
  type: list
  elements: str
  sample: [Contractors]
im_settings_from:
  description: Where OWA on this server takes its IM server and certificate from, by its Exchange version.
  returned: success
  type: str
  choices: [virtual_directory, web_config, setting_override]
im_settings:
  description:
    - Exchange 2016 and later, the IM server and certificate OWA on this server takes from the IM setting override that
      applies to it (one naming the server before one for the organisation), the override's name, overrides of the same
      scope that make the choice ambiguous, and with O(include_certificates) the thumbprint checked against this server's
      certificates. The virtual directory's own server name and thumbprint are not used there.
  returned: when the server runs Exchange 2016 or later
  type: dict
  sample: {"setting_override": "OWA IM EX01", "ambiguous": [], "instant_messaging_server_name": "sfbpool.contoso.com",
           "instant_messaging_certificate_thumbprint": "CDF34A740E9D225A1A06193A9D44B2CE22775308"}
restart_pending:
  description:
    - Whether OWA on this server owes a restart (its worker process started before the last change of this server's
      C(owa (Default Web Site))); see M(exchange.owa_im.iis_restart). The audit playbook fails while any server owes one.
  returned: when this server has its own C(owa (Default Web Site))
  type: bool
restart_state:
  description: The server's facts behind RV(restart_pending), in the server's local time.
  returned: when this server has its own C(owa (Default Web Site))
  type: dict
query_result:
  description:
    - The value of O(query) over this module's result as it is without RV(query_result); a list, an object, a string,
      a number, a boolean or null, as the expression makes it.
  returned: when O(query) is given
  type: raw
  sample: [CAS02]
"""

from ansible_collections.exchange.owa_im.plugins.module_utils.controller_only import refuse_on_target
from ansible_collections.exchange.owa_im.plugins.module_utils.option_specs import OWA_VIRTUAL_DIRECTORY_INFO_SPEC


def main() -> None:
    refuse_on_target("owa_virtual_directory_info", OWA_VIRTUAL_DIRECTORY_INFO_SPEC)


if __name__ == "__main__":
    main()
