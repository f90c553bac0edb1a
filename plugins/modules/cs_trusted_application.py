#!/usr/bin/python
# Copyright: (c) 2026, exchange.owa_im contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: cs_trusted_application
short_description: Manage the Lync / Skype for Business trusted application pool for Outlook Web App
version_added: 1.1.0
description:
  - Runs on a Lync Server 2010 or 2013 or Skype for Business Server 2015/2019 Front End (not on a Client Access server),
    through the host's own connection, in one remote PowerShell process that imports the C(SkypeForBusiness) module, or
    C(Lync) where that is absent. The script runs on Windows PowerShell 2.0, which Lync Server 2010's Windows Server 2008 R2
    has.
  - Ensures the trusted application pool whose FQDN is O(pool_fqdn) (the name Lync or Skype for Business matches the
    Exchange certificate's subject against), registered to the Front End pool O(registrar) in O(site), with replication
    off, and its trusted application O(application_id) on O(port), as Microsoft's OWA integration steps create them
    (C(New-CsTrustedApplicationPool), C(New-CsTrustedApplication)).
  - Changes made by these cmdlets take effect only once the topology is enabled; with O(publish) the module runs
    C(Enable-CsTopology) after it changed something, and never when nothing changed.
  - A pool of that FQDN that names another registrar or site is reported and left as it is; nothing is changed.
  - With O(state=absent) the application is removed, and the pool with it when no other application lives there, unless
    O(keep_pool).
  - Before any change, in the same process, the pool and each application changed or removed are backed up on the Front End,
    under C(%ProgramData%\exchange.owa_im\trusted-application-backups), one file each, with what recreating them would
    take; a pool or application the task creates is recorded as one that did not exist. The backups name the inventory host that reaches
    the Front End (the delegated host when the task is delegated); the rollback playbook restores them from that host. When a backup cannot be written,
    nothing is changed and the task fails. Check mode writes nothing.
options:
  pool_fqdn:
    description: The Exchange server's FQDN, or the load-balanced name its certificate carries as subject.
    type: str
    required: true
  registrar:
    description: The Front End pool's FQDN (its Registrar service). Required with O(state=present).
    type: str
  site:
    description:
      - The Lync site, by its SiteId or its name (C(Get-CsSite)); a leading C(site:) is dropped. Default the registrar's site.
    type: str
  application_id:
    description: The trusted application's name; C(urn:application:) is added by the server.
    type: str
    default: OutlookWebApp
  port:
    description: The application's port on the Exchange server.
    type: int
    default: 5199
  state:
    description: Whether the application (and its pool) should exist.
    type: str
    choices: [present, absent]
    default: present
  publish:
    description: Run C(Enable-CsTopology) when something changed. With V(false) changes stay pending until it runs.
    type: bool
    default: true
  keep_pool:
    description:
      - With O(state=absent), leave the pool even when no other application lives there (a pool that existed before the
        application was added, as the rollback playbook finds it).
    type: bool
    default: false
  change_id:
    description: A name for the run this change belongs to, recorded in the server-side backups. Default the current UTC time.
    type: str
seealso:
  - name: New-CsTrustedApplicationPool
    description: The cmdlet reference (parameters and their defaults).
    link: https://learn.microsoft.com/en-us/powershell/module/skype/New-CsTrustedApplicationPool
  - name: Enable-CsTopology
    description: Changes take effect once published and enabled.
    link: https://learn.microsoft.com/en-us/powershell/module/skype/enable-cstopology
  - module: exchange.owa_im.owa_virtual_directory
extends_documentation_fragment:
  - exchange.owa_im.connection
  - exchange.owa_im.attributes.change
author:
  - exchange.owa_im contributors (@exchange-owa-im)
"""

EXAMPLES = r"""
- name: Trust the Client Access servers' load-balanced name for OWA IM
  exchange.owa_im.cs_trusted_application:
    pool_fqdn: mail.contoso.com
    registrar: lyncpool.contoso.com
  run_once: true

- name: Remove the trusted application of a retired server
  exchange.owa_im.cs_trusted_application:
    pool_fqdn: cas09.contoso.com
    state: absent
"""

RETURN = r"""
pool_fqdn:
  description: The trusted application pool's FQDN, in lower case.
  returned: success
  type: str
  sample: mail.contoso.com
actions:
  description: What was done (or would be, in check mode), in order.
  returned: success
  type: list
  elements: str
  sample: [new_pool, new_application, enable_topology]
published:
  description: Whether Enable-CsTopology ran (or would run).
  returned: success
  type: bool
before:
  description: The pool and application before the task (null for one that did not exist).
  returned: success
  type: dict
  sample: {"pool": null, "application": null}
after:
  description: The pool and application after the task (in check mode, what they would be).
  returned: success
  type: dict
  sample: {"pool": {"pool_fqdn": "mail.contoso.com", "registrar": "Registrar:lyncpool.contoso.com", "site": "Site:Redmond"},
           "application": {"identity": "mail.contoso.com/urn:application:OutlookWebApp", "port": 5199}}
module:
  description: The management module the Front End loaded (SkypeForBusiness or Lync).
  returned: success
  type: str
  sample: SkypeForBusiness
server_backup_file:
  description:
    - The last backup file written on the Front End before the change (one for the pool, one for the application changed,
      removed or created).
  returned: when something was changed (not in check mode)
  type: str
  sample: C:\ProgramData\exchange.owa_im\trusted-application-backups\FE01-20261125T0239001234567Z.owaim
"""

from ansible_collections.exchange.owa_im.plugins.module_utils.controller_only import refuse_on_target
from ansible_collections.exchange.owa_im.plugins.module_utils.option_specs import CS_TRUSTED_APPLICATION_SPEC


def main() -> None:
    refuse_on_target("cs_trusted_application", CS_TRUSTED_APPLICATION_SPEC)


if __name__ == "__main__":
    main()
