#!/usr/bin/python
# Copyright: (c) 2026, exchange.owa_im contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: ocs_host_authorization
short_description: Manage the OCS 2007 R2 Host Authorization entries of the Client Access servers for Outlook Web App IM
version_added: 1.1.0
description:
  - Runs on an Office Communications Server 2007 R2 Standard Edition server or Enterprise pool front end (not on a Client
    Access server), through the host's own connection, in one remote PowerShell 2.0 process.
  - OCS 2007 R2 keeps its Host Authorization list (Front End Properties, Host Authorization tab) as WMI objects of class
    C(MSFT_SIPRemoteAddressData) in C(root\cimv2). The module reads them with C(Get-WmiObject), creates an entry with
    C(Set-WmiInstance), changes its flags with C(Set-WmiInstance -InputObject) and removes it with C(Remove-WmiObject).
  - With O(state=present) each server of O(servers) gets one entry with the three flags asked for (for OWA IM not outbound
    only, throttled as a server, treated as authenticated); an entry of that server with other flags is changed. With
    O(state=absent) every entry of those servers is removed.
  - Before it changes or removes an entry the module writes the entry to a new file on the OCS server, under
    C(%ProgramData%\exchange.owa_im\host-authorization-backups), and before it creates one a record that the entry did
    not exist; a failure to write either stops the task before any change. The backups name the inventory host that
    reaches the OCS server (the delegated host when the task is delegated); the rollback playbook restores them from that
    host.
  - OCS matches a connecting Client Access server by the subject name of its certificate, so list the names the
    certificates carry (the array name for a certificate the pool shares); M(exchange.owa_im.cas_info) returns that name.
options:
  servers:
    description: The FQDNs to authorize (or, with O(state=absent), to remove), one entry each. Compared without regard to case.
    type: list
    elements: str
    required: true
  state:
    description: Whether the servers' entries should exist.
    type: str
    choices: [present, absent]
    default: present
  outbound_only:
    description: The entry's C(OutboundOnly) flag. OWA's Client Access servers connect to OCS, so V(false).
    type: bool
    default: false
  throttle_as_server:
    description: The entry's C(ThrottleAsServer) flag.
    type: bool
    default: true
  treat_as_authenticated:
    description: The entry's C(TreatAsAuthenticated) flag.
    type: bool
    default: true
  backend:
    description:
      - The C(Backend) key a new entry gets, where OCS stores it. V((local)\rtc) on a Standard Edition server; on an
        Enterprise pool the SQL instance of its back-end database (C(server\instance)).
    type: str
    default: (local)\rtc
  change_id:
    description: The run this change belongs to, written into the backups (default the current UTC time).
    type: str
notes:
  - The OCS 2007 R2 WMI provider is reached from the OCS server itself; the task needs an account that may administer OCS there.
seealso:
  - name: MSFT_SIPRemoteAddressData
    description: The WMI class (Office Communications Server 2007 R2 SDK).
    link: https://learn.microsoft.com/en-us/previous-versions/office/developer/communication-server-2007-R2/dd146524(v=office.13)
  - name: Configuring Authorized Hosts
    description: What the three flags do (Office Communications Server 2007 R2 documentation).
    link: https://technet.microsoft.com/en-us/library/dd572465(v=office.13).aspx
  - module: exchange.owa_im.cas_info
  - module: exchange.owa_im.cs_trusted_application
extends_documentation_fragment:
  - exchange.owa_im.connection
  - exchange.owa_im.attributes.change
author:
  - exchange.owa_im contributors (@exchange-owa-im)
"""

EXAMPLES = r"""
- name: Authorize the Client Access servers on the OCS 2007 R2 Standard Edition server
  exchange.owa_im.ocs_host_authorization:
    servers:
      - cas01.contoso.com
      - cas02.contoso.com
  delegate_to: ocs01.contoso.com
  run_once: true

- name: On an Enterprise pool, new entries name the pool's back-end SQL instance
  exchange.owa_im.ocs_host_authorization:
    servers: [mail.contoso.com]
    backend: sql01.contoso.com\rtc

- name: Remove the entry of a retired server
  exchange.owa_im.ocs_host_authorization:
    servers: [cas09.contoso.com]
    state: absent
"""

RETURN = r"""
servers:
  description: The servers the task was about, in lower case, without repeats.
  returned: success
  type: list
  elements: str
  sample: [cas01.contoso.com, cas02.contoso.com]
actions:
  description: What was done (or would be, in check mode), in order; C(instance_id) is empty for an entry to create.
  returned: success
  type: list
  elements: dict
  sample: [{"action": "create", "server": "cas01.contoso.com", "instance_id": ""}]
before:
  description: The entries of those servers before the task.
  returned: success
  type: list
  elements: dict
  sample: []
after:
  description: The entries of those servers after the task (in check mode, what they would be; a new entry's instance_id is null).
  returned: success
  type: list
  elements: dict
  sample: [{"server": "cas01.contoso.com", "instance_id": "{2B7B5C8E-0E2D-4E4B-9B7E-3C1F0A5D6E7F}", "backend": "(local)\\rtc",
            "outbound_only": false, "throttle_as_server": true, "treat_as_authenticated": true}]
front_end:
  description: The OCS server's computer name.
  returned: success
  type: str
  sample: OCS01
server_backup_file:
  description: The last backup file written on the OCS server (one per entry created, changed or removed).
  returned: when an entry was changed or removed
  type: str
  sample: C:\ProgramData\exchange.owa_im\host-authorization-backups\OCS01-20261125T0239001234567Z.owaim
"""

from ansible_collections.exchange.owa_im.plugins.module_utils.controller_only import refuse_on_target
from ansible_collections.exchange.owa_im.plugins.module_utils.option_specs import OCS_HOST_AUTHORIZATION_SPEC


def main() -> None:
    refuse_on_target("ocs_host_authorization", OCS_HOST_AUTHORIZATION_SPEC)


if __name__ == "__main__":
    main()
