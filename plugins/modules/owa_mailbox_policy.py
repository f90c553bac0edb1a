#!/usr/bin/python
# Copyright: (c) 2026, exchange.owa_im contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: owa_mailbox_policy
short_description: Manage the instant-messaging settings of an OWA mailbox policy
version_added: 1.1.0
description:
  - Sets C(InstantMessagingEnabled) and C(InstantMessagingType) of one Outlook Web App mailbox policy with
    C(Set-OwaMailboxPolicy), on Exchange 2010 and later.
  - A mailbox policy overrides the virtual directory's settings for the mailboxes it is assigned to, so users of a
    policy with IM off see no IM in OWA whatever the servers say. The C(exchange.owa_im.audit) playbook lists such
    policies.
  - Reads the policy, compares, sets only what differs and reads it back, in one remote PowerShell process. Setting
    values already there reports no change.
  - A policy is stored in Active Directory once for the whole organisation; run the task once (for example with
    C(run_once)) on any Exchange server, not once per server.
  - Before C(Set-OwaMailboxPolicy) runs, in the same remote process, the policy's replaced values are written to a new
    file on the server, C(%ProgramData%\exchange.owa_im\mailbox-policy-backups\<SERVER>-<UTC time>Z.owaim); if it
    cannot be written nothing is changed. The C(exchange.owa_im.rollback) playbook restores them (a policy once for the
    organisation, from the oldest backup after the moment that any server of the play holds).
  - No IIS reset is marked as owed by this module.
  - On Exchange 2013 and later the module warns when the policy ends with IM enabled but a type other than C(Ocs).
options:
  name:
    description:
      - The policy's exact name, such as C(Default). Wildcards are refused, and a name that matches no policy fails
        with the names the organisation has, changing nothing.
    type: str
    required: true
    aliases: [identity]
  instant_messaging_enabled:
    description: Whether IM is available in OWA for the mailboxes this policy is assigned to.
    type: bool
  instant_messaging_type:
    description:
      - C(ocs) for Office Communications Server 2007 R2, Lync and Skype for Business; C(none) for no provider.
      - C(msn) and the numbers 0, 1 and 2 are accepted as Exchange accepts them.
    type: str
  change_id:
    description: A name for the run this change belongs to, recorded in the server-side backup. Default the current UTC time.
    type: str
notes:
  - At least one of O(instant_messaging_enabled) and O(instant_messaging_type) must be set.
seealso:
  - name: Understanding Outlook Web App Mailbox Policies (Exchange 2010)
    description: A policy applied to a mailbox overrides the virtual directory's settings.
    link: https://technet.microsoft.com/en-us/library/dd335142(v=exchg.141).aspx
  - module: exchange.owa_im.owa_virtual_directory
  - module: exchange.owa_im.owa_virtual_directory_info
extends_documentation_fragment:
  - exchange.owa_im.connection
  - exchange.owa_im.attributes.change
author:
  - exchange.owa_im contributors (@exchange-owa-im)
"""

EXAMPLES = r"""
- name: Let the users of the Default policy see IM in OWA
  exchange.owa_im.owa_mailbox_policy:
    name: Default
    instant_messaging_enabled: true
    instant_messaging_type: ocs
  run_once: true

- name: Keep IM away from the kiosk workers' policy
  exchange.owa_im.owa_mailbox_policy:
    name: Kiosk
    instant_messaging_enabled: false
  run_once: true
"""

RETURN = r"""
name:
  description: The policy managed.
  returned: success
  type: str
  sample: Default
is_default:
  description: Whether this is the organisation's default OWA mailbox policy.
  returned: success
  type: bool
server:
  description: The Exchange server the task ran on.
  returned: success
  type: dict
  sample: {"name": "CAS01", "fqdn": "cas01.contoso.com", "version": "Version 14.3 (Build 123.4)"}
before:
  description: The two settings before the task.
  returned: success
  type: dict
  sample: {"instant_messaging_enabled": false, "instant_messaging_type": "None"}
after:
  description: The two settings after the task (in check mode, what they would be).
  returned: success
  type: dict
  sample: {"instant_messaging_enabled": true, "instant_messaging_type": "Ocs"}
set_parameters:
  description: The Set-OwaMailboxPolicy parameters set (or that would be set in check mode).
  returned: success
  type: dict
  sample: {"InstantMessagingEnabled": true}
server_backup_file:
  description: The backup written on the server before the change.
  returned: when the policy changed
  type: str
  sample: C:\ProgramData\exchange.owa_im\mailbox-policy-backups\CAS01-20261126T1400001234567Z.owaim
"""

from ansible_collections.exchange.owa_im.plugins.module_utils.controller_only import refuse_on_target
from ansible_collections.exchange.owa_im.plugins.module_utils.option_specs import OWA_MAILBOX_POLICY_SPEC


def main() -> None:
    refuse_on_target("owa_mailbox_policy", OWA_MAILBOX_POLICY_SPEC)


if __name__ == "__main__":
    main()
