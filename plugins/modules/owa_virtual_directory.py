#!/usr/bin/python
# Copyright: (c) 2026, exchange.owa_im contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: owa_virtual_directory
short_description: Manage the instant-messaging settings of an OWA virtual directory
version_added: 1.0.0
description:
  - Sets the four settings that connect Outlook Web App to Office Communications Server 2007 R2 (or Lync) on an
    Exchange 2010 SP1 or later OWA virtual directory, with C(Set-OwaVirtualDirectory).
  - Reads the directory, compares, sets only the differing parameters and reads them back, in one remote
    PowerShell process. Setting values already there reports no change.
  - On Exchange 2013 and later the module still sets these properties but warns that OWA there takes its IM settings
    from C(web.config) (2013) or a setting override (2016 and later).
  - The settings live in Active Directory on the directory object; run the task for every Client Access server
    behind a load balancer, since users land on any of them.
  - Before C(Set-OwaVirtualDirectory) runs, in the same remote process, the values it will replace are written to a new
    file on the server, C(%ProgramData%\exchange.owa_im\backups\<SERVER>-<UTC time>Z.owaim), and the time of the
    change to C(%ProgramData%\exchange.owa_im\last-change.txt). If either cannot be written nothing is changed.
    M(exchange.owa_im.owa_virtual_directory_backup_info) lists those backups; the C(exchange.owa_im.rollback) playbook
    restores from them.
  - After a change, IIS must be reset (C(iisreset /noforce)) for OWA to pick it up; the role C(exchange.owa_im.cas)
    does it through a handler. RV(restart_pending) says whether this server still owes it (see
    M(exchange.owa_im.iis_restart) O(exchange.owa_im.iis_restart#module:when_pending) for how the server decides).
options:
  identity:
    description:
      - The virtual directory, as C(SERVER\owa (Default Web Site)), a distinguished name or a GUID.
      - Defaults to this server's C(owa (Default Web Site)).
      - The module changes nothing unless the identity matches exactly one directory.
    type: str
  instant_messaging_enabled:
    description: Enable instant messaging in OWA. An OWA mailbox policy with IM disabled still overrides it for its mailboxes.
    type: bool
  instant_messaging_type:
    description:
      - C(ocs) for Office Communications Server 2007 R2 and Lync, C(none) to turn the integration off.
      - Exchange's enumeration also has C(msn) (Outlook Live, not a documented on-premises integration); the numbers
        0, 1 and 2 are the same values.
    type: str
  instant_messaging_server_name:
    description: FQDN of the OCS server or pool, such as C(ocs.contoso.com). An empty string clears the setting.
    type: str
  instant_messaging_certificate_thumbprint:
    description:
      - Thumbprint of the certificate this Client Access server uses for IIS (not its serial number).
      - Spaces, colons, lower case and the invisible U+200E/U+200F marks copied from the certificate console are
        removed before comparing; anything that is then not 40 hexadecimal digits is an error.
      - An empty string clears the setting.
    type: str
  verify_certificate:
    description: Fail unless the thumbprint belongs to an Exchange certificate on this server.
    type: bool
    default: true
  discover_certificate:
    description:
      - Use the certificate this server has bound to IIS that is valid today (status C(Valid); a CA-issued certificate
        beats a self-signed one, then the longest-lived), chosen in the same remote process, so no separate
        M(exchange.owa_im.exchange_certificate_info) call (and Exchange snap-in load) is needed.
      - Excludes O(instant_messaging_certificate_thumbprint). Fails, changing nothing, when no certificate qualifies.
    type: bool
    default: false
  backup_directory:
    description:
      - A folder on the Ansible controller for a second copy of the backup, as C(<inventory_hostname>-<UTC timestamp>.json)
        (the host name with any character other than letters, digits, C(.), C(_) and C(-) replaced by C(_)).
      - The file is created before the server is asked to change anything, so a folder that cannot be written stops
        the change. The folder is made 0700 if missing and refused when it is a symbolic link, another user's, or
        writable by group or others; the file is new and 0600.
      - The rollback playbook restores from the server's own backup; this copy is a record for people.
    type: path
  change_id:
    description:
      - A name for the run this change belongs to, recorded in the server-side backup, so that a rollback can undo a whole
        run on every server at once. The role passes the play's start time. Default the current UTC time.
    type: str
extends_documentation_fragment:
  - exchange.owa_im.connection
  - exchange.owa_im.attributes.change
author:
  - exchange.owa_im contributors (@exchange-owa-im)
"""

EXAMPLES = r"""
# In a play on the Client Access servers (hosts: cas_servers): the host's own connection (winrm or psrp) is used.
- name: Set the OWA virtual directory's IM settings
  exchange.owa_im.owa_virtual_directory:
    instant_messaging_enabled: true
    instant_messaging_type: ocs
    instant_messaging_server_name: ocs.contoso.com
    instant_messaging_certificate_thumbprint: 8210E17393B6E81AD0B3A75DD9161ABE1A93B695
    backup_directory: "{{ playbook_dir }}/owa_im_backups"
  notify: Reset IIS

- name: From a play on other hosts, against one CAS through that CAS's own connection variables
  exchange.owa_im.owa_virtual_directory:
    identity: CAS01\owa (Default Web Site)
    instant_messaging_enabled: false
  delegate_to: cas01.contoso.com

- name: Clear the OCS server name and thumbprint (as they were before IM was configured)
  exchange.owa_im.owa_virtual_directory:
    instant_messaging_type: none
    instant_messaging_server_name: ""
    instant_messaging_certificate_thumbprint: ""
"""

RETURN = r"""
identity:
  description: The virtual directory managed.
  returned: success
  type: str
  sample: CAS01\owa (Default Web Site)
server:
  description: The Exchange server the task ran on.
  returned: success
  type: dict
  sample: {"name": "CAS01", "fqdn": "cas01.contoso.com", "version": "Version 14.1 (Build 218.15)"}
before:
  description: The four settings before the task.
  returned: success
  type: dict
  sample: {"instant_messaging_enabled": false, "instant_messaging_type": "None",
           "instant_messaging_server_name": null, "instant_messaging_certificate_thumbprint": null}
after:
  description: The four settings after the task (in check mode, what they would be).
  returned: success
  type: dict
  sample: {"instant_messaging_enabled": true, "instant_messaging_type": "Ocs",
           "instant_messaging_server_name": "ocs.contoso.com",
           "instant_messaging_certificate_thumbprint": "8210E17393B6E81AD0B3A75DD9161ABE1A93B695"}
set_parameters:
  description: The Set-OwaVirtualDirectory parameters set (or that would be set in check mode).
  returned: success
  type: dict
  sample: {"InstantMessagingEnabled": true, "InstantMessagingType": "Ocs"}
restart_pending:
  description: Whether OWA on this server owes a restart after this task (its worker process started before the last change).
  returned: success
  type: bool
  sample: true
restart_state:
  description: The server's facts behind RV(restart_pending); see M(exchange.owa_im.iis_restart).
  returned: success
  type: dict
server_backup_file:
  description: The backup written on the server before the change.
  returned: when the directory changed
  type: str
  sample: C:\ProgramData\exchange.owa_im\backups\CAS01-20261125T0230001234567Z.owaim
backup_file:
  description: The copy of the backup written on the controller.
  returned: when the directory changed and O(backup_directory) was given
  type: str
  sample: /srv/owa_im/backups/cas01.contoso.com-20261125T023000123456Z.json
certificate:
  description:
    - The Exchange certificate the thumbprint names, when O(verify_certificate) is on. A certificate that is not bound
      to IIS or not valid today is accepted with a warning.
  returned: when a thumbprint was given and verified, or discovered
  type: dict
  sample: {"thumbprint": "8210E17393B6E81AD0B3A75DD9161ABE1A93B695", "present": true, "bound_to_iis": true, "status": "Valid",
           "valid_now": true, "days_left": 364, "usable_for_im": true, "subject": "CN=cas01.contoso.com"}
"""

from ansible_collections.exchange.owa_im.plugins.module_utils.controller_only import refuse_on_target
from ansible_collections.exchange.owa_im.plugins.module_utils.option_specs import OWA_VIRTUAL_DIRECTORY_SPEC


def main() -> None:
    refuse_on_target("owa_virtual_directory", OWA_VIRTUAL_DIRECTORY_SPEC)


if __name__ == "__main__":
    main()
