#!/usr/bin/python
# Copyright: (c) 2026, exchange.owa_im contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: setting_override
short_description: Manage an Exchange 2016 or later setting override, such as OWA's IM server and certificate
version_added: 1.1.0
description:
  - On Exchange 2016, 2019 and Subscription Edition, OWA takes its instant-messaging server and certificate from a setting
    override of component C(OwaServer), section C(IMSettings), parameters C(IMServerName) and C(IMCertificateThumbprint)
    (C(New-SettingOverride)); edits of OWA's C(web.config) are ignored there. This module creates, changes or removes one
    override, by name, idempotently on its component, section, parameters and servers.
  - Reads the overrides of the component and section, compares, backs up, changes, refreshes this server's
    VariantConfiguration (C(Get-ExchangeDiagnosticInfo -Process Microsoft.Exchange.Directory.TopologyService -Component
    VariantConfiguration -Argument Refresh)) and reads back, in one remote PowerShell process.
  - An override without O(server) applies to every Exchange 2016 and later server of the forest and is stored once in
    Active Directory; change it from one server (C(run_once)). Each server reads it only after its own
    VariantConfiguration is refreshed and OWA's application pool restarted, so every server needs the refresh; run the
    task again on every server with O(refresh=always) (nothing left to change there, so it only refreshes), then
    M(exchange.owa_im.iis_restart) with O(exchange.owa_im.iis_restart#module:method=recycle_app_pool) and
    O(exchange.owa_im.iis_restart#module:when_pending=true).
  - Whether OWA owes a restart (RV(restart_pending)) is decided on each server from its own facts, when OWA's worker started
    before the newest C(WhenChanged) of the C(OwaServer)/C(IMSettings) overrides that apply to it, or before the change
    marker this module writes there. An override removed on another server leaves no C(WhenChanged) behind; that server
    learns of it only from the server that removed it.
  - Before a change, in the same remote process, each override it replaces or removes is written to a new file under
    C(%ProgramData%\exchange.owa_im\setting-override-backups) on the server, and the time of the change to
    C(last-change.txt), so that RV(restart_pending) on this server says OWA owes a restart. If either cannot be written,
    nothing is changed. The C(exchange.owa_im.rollback) playbook restores them; an override created since is removed,
    one changed, replaced or removed since is put back.
  - Fails, changing nothing, on Exchange 2010 and 2013, whose OWA does not read setting overrides.
  - Microsoft warns that wrong use of the setting override cmdlets can damage an Exchange organisation; other components
    and sections are passed through unchecked.
options:
  name:
    description: The override's unique name, such as C(OWA IM). Wildcards are refused.
    type: str
    required: true
  component:
    description: The component the override configures.
    type: str
    default: OwaServer
  section:
    description: The section of the component.
    type: str
    default: IMSettings
  parameters:
    description:
      - The settings, as a mapping; stored as C(Key=Value) strings in key order.
      - For C(OwaServer)/C(IMSettings) only C(IMServerName) (the Skype for Business pool's FQDN; Microsoft recommends the
        pool closest to the Exchange server's AD site) and C(IMCertificateThumbprint) (the thumbprint of the certificate
        Exchange has bound to IIS; cleaned as in M(exchange.owa_im.owa_virtual_directory)) are accepted.
      - Required with O(state=present).
    type: dict
  reason:
    description: The reason recorded with the override (Exchange requires one). A different reason alone is no change.
    type: str
    default: OWA instant messaging (exchange.owa_im)
  server:
    description:
      - The Exchange servers the override applies to, by name (not FQDN). Omit for the whole organisation.
    type: list
    elements: str
  state:
    description: C(present) creates or changes the override, C(absent) removes it.
    type: str
    choices: [present, absent]
    default: present
  replace_others:
    description:
      - With O(state=present), remove (after backing them up) the other overrides of the same component and section that
        apply to the same servers, which Exchange would otherwise apply beside this one (such as one made by hand as
        C(IM Override)). They are named in RV(replaced).
    type: bool
    default: true
  refresh:
    description:
      - When to refresh this server's VariantConfiguration, so that OWA reads the overrides when its pool restarts;
        V(changed) after a change made by this task, V(always) on every run (also in a run with nothing to change; not in
        check mode), V(never) to leave it to you.
    type: str
    choices: [changed, always, never]
    default: changed
  change_id:
    description: A name for the run this change belongs to, recorded in the server-side backups. Default the current UTC time.
    type: str
seealso:
  - name: Configure instant messaging integration with Outlook on the web in Exchange
    description: Microsoft's three steps for Exchange 2016 and 2019 (override, refresh, pool restart).
    link: https://learn.microsoft.com/exchange/clients/outlook-on-the-web/instant-messaging-integration
  - module: exchange.owa_im.iis_restart
  - module: exchange.owa_im.owa_virtual_directory
extends_documentation_fragment:
  - exchange.owa_im.connection
  - exchange.owa_im.attributes.change
author:
  - exchange.owa_im contributors (@exchange-owa-im)
"""

EXAMPLES = r"""
- name: OWA's IM server and certificate for every Exchange 2016 and later server
  exchange.owa_im.setting_override:
    name: OWA IM
    parameters:
      IMServerName: sfbpool.contoso.com
      IMCertificateThumbprint: CDF34A740E9D225A1A06193A9D44B2CE22775308
  run_once: true

- name: A server with a certificate of its own gets an override of its own
  exchange.owa_im.setting_override:
    name: OWA IM EX02
    server: [EX02]
    replace_others: false
    parameters:
      IMServerName: sfbpool.contoso.com
      IMCertificateThumbprint: 8210E17393B6E81AD0B3A75DD9161ABE1A93B695

- name: Remove the override
  exchange.owa_im.setting_override:
    name: OWA IM
    state: absent
  run_once: true
"""

RETURN = r"""
name:
  description: The override managed.
  returned: success
  type: str
  sample: OWA IM
action:
  description: What was done (or would be, in check mode) to the named override.
  returned: success
  type: str
  choices: [create, update, remove, none]
  sample: create
replaced:
  description: Other overrides of the same component, section and servers that were removed (O(replace_others)).
  returned: success
  type: list
  elements: str
  sample: ["IM Override"]
server:
  description: The Exchange server the task ran on.
  returned: success
  type: dict
  sample: {"name": "EX01", "fqdn": "ex01.contoso.com", "version": "Version 15.1 (Build 2507.6)"}
before:
  description: The overrides of this component and section before the task.
  returned: success
  type: list
  elements: dict
  sample: []
after:
  description: The overrides of this component and section after the task (in check mode, what they would be).
  returned: success
  type: list
  elements: dict
  sample: [{"name": "OWA IM", "component": "OwaServer", "section": "IMSettings", "server": [], "reason": "OWA instant messaging (exchange.owa_im)",
            "parameters": ["IMCertificateThumbprint=CDF34A740E9D225A1A06193A9D44B2CE22775308", "IMServerName=sfbpool.contoso.com"]}]
refreshed:
  description: Whether this server's VariantConfiguration was refreshed.
  returned: success
  type: bool
restart_pending:
  description: Whether OWA on this server owes a restart (its worker started before the last change recorded here).
  returned: success
  type: bool
restart_state:
  description: The server's facts behind RV(restart_pending); see M(exchange.owa_im.iis_restart).
  returned: success
  type: dict
server_backup_file:
  description: A backup written on the server before the change (the folder holds one file per override replaced or removed).
  returned: when an existing override changed or was removed
  type: str
  sample: C:\ProgramData\exchange.owa_im\setting-override-backups\EX01-20261126T1400001234567Z.owaim
"""

from ansible_collections.exchange.owa_im.plugins.module_utils.controller_only import refuse_on_target
from ansible_collections.exchange.owa_im.plugins.module_utils.option_specs import SETTING_OVERRIDE_SPEC


def main() -> None:
    refuse_on_target("setting_override", SETTING_OVERRIDE_SPEC)


if __name__ == "__main__":
    main()
