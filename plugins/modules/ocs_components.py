#!/usr/bin/python
# Copyright: (c) 2026, exchange.owa_im contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: ocs_components
short_description: Install the OCS 2007 R2 components OWA IM needs on a Client Access server
version_added: 1.0.0
description:
  - Makes sure the three Office Communications Server 2007 R2 components are installed on the Client Access server,
    in the order they depend on each other - the Visual C++ 2008 x64 redistributable (C(vcredist_x64.exe)), the
    Unified Communications Managed API 2.0 core redistributable (C(UcmaRedist.msi)) and the OCS web service provider
    (C(CWAOWASSP.msi)).
  - Installed products are detected from the uninstall registry and never reinstalled. When an installer is not in
    O(source) but C(CWAOWASSPMain.msi) is, it is expanded first (into O(expand_directory)).
  - Each Windows Installer package runs with C(/qn /norestart) and a verbose log in O(log_directory). C(vcredist_x64.exe),
    the Visual C++ 2008 package, runs with C(/q), the only switch it documents for a silent install besides C(/qb) (it
    has no C(/norestart) or C(/log); those are the 2010 and later packages'), and writes no log of ours.
  - The Visual C++ 2008 x64 redistributable counts as installed from SP1 on (DisplayVersion 9.0.30729 or later, such as
    C(Microsoft Visual C++ 2008 Redistributable - x64 9.0.30729.17)); the RTM one (9.0.21022) alone is reported under
    C(older_versions) and SP1 is installed beside it.
  - Exit code 3010 (or 1641) is success that needs a reboot, reported as RV(reboot_required); the module never reboots.
    Any other exit code stops at that component and fails with the last lines of its log; components after it are not
    attempted. An installer still running after O(installer_timeout) seconds is stopped and the task fails.
  - Detection, expansion and installation run in one remote PowerShell process, without the Exchange snap-in.
options:
  source:
    description:
      - Folder or share holding C(vcredist_x64.exe), C(UcmaRedist.msi) and C(CWAOWASSP.msi), or C(CWAOWASSPMain.msi).
      - Needed only when something is missing. A share must be readable by the account the connection uses; from a
        WinRM session authenticated with NTLM (or Basic), the server cannot pass your credentials on to a file server (the
        second hop); Test-Path finds nothing there and msiexec cannot open the package. Use Kerberos with delegation
        (C(ansible_winrm_kerberos_delegation=true)) or CredSSP, a folder on the server, or O(controller_source). When the
        installers are not found on a share, the error says so.
      - Mutually exclusive with O(controller_source).
    type: str
  controller_source:
    description:
      - Folder on the Ansible controller holding the installers (the three, or C(CWAOWASSPMain.msi)); the way round the
        second hop. The module first reads what is installed and which of these files O(staging_directory) already holds
        (by size and SHA-1), then sends only the installers the missing components need, and installs from there.
      - Files travel through the host's own connection, as base64 chunks on standard input of a PowerShell 2.0 script
        (Ansible's own file transfer needs PowerShell 5.1 on the server); one remote process per 8 MiB segment, one 48 KiB
        chunk decoded at a time, so neither side holds a whole file in memory. The server computes each file's SHA-1 and
        keeps the file only when it matches the controller's. Tested against the lab with a 20 MiB file (the real
        C(CWAOWASSPMain.msi) is smaller).
      - In check mode nothing is sent; RV(controller_source) says what would be.
    type: path
  staging_directory:
    description: Folder on the server the O(controller_source) files are written to. Defaults to O(expand_directory).
    type: str
  installer_timeout:
    description:
      - Seconds one installer may run. A setup program that shows a dialog in a WinRM session (an unknown switch, a
        wizard) never ends, since no one sees the server's desktop; after this time the module stops it and fails.
    type: int
    default: 1800
  expand_directory:
    description: Where C(CWAOWASSPMain.msi) puts the installers it holds (its own default folder).
    type: str
    default: C:\Web Service Provider Installer Package
  log_directory:
    description: Folder on the server for the installers' logs (C(owa_im_<component>.log)).
    type: str
    default: C:\Windows\Temp
  state:
    description: Only C(present); removing the components is not this module's business.
    type: str
    choices: [present]
    default: present
extends_documentation_fragment:
  - exchange.owa_im.connection
  - exchange.owa_im.attributes.change
author:
  - exchange.owa_im contributors (@exchange-owa-im)
"""

EXAMPLES = r"""
- name: Install the OCS components from the share
  exchange.owa_im.ocs_components:
    source: \\fs01.contoso.com\ocs
  register: components
  notify: Reset IIS

- name: Send the installers from the controller (no share, no second hop) and install them
  exchange.owa_im.ocs_components:
    controller_source: "{{ playbook_dir }}/files/ocs"

- name: Say when a reboot is due
  ansible.builtin.debug:
    msg: "{{ inventory_hostname }} needs a reboot to finish installing the OCS components"
  when: components.reboot_required
"""

RETURN = r"""
server:
  description: The server's name.
  returned: success
  type: str
  sample: CAS01
components:
  description: Each component after the task (in check mode, as found).
  returned: success
  type: list
  elements: dict
  sample:
    - {"name": "vcredist", "installed": true, "display_name": "Microsoft Visual C++ 2008 Redistributable - x64 9.0.30729.4148",
       "version": "9.0.30729.4148"}
installed_now:
  description: Names of the components this task installed (or would install in check mode).
  returned: success
  type: list
  elements: str
  sample: [ucma, web_service_provider]
installs:
  description: For each component installed, its source, exit code and log file.
  returned: success
  type: dict
  sample: {"ucma": {"source": "C:\\Web Service Provider Installer Package\\UcmaRedist.msi", "exit_code": 0,
           "log_file": "C:\\Windows\\Temp\\owa_im_ucma.log"}}
expanded_from:
  description: The C(CWAOWASSPMain.msi) expanded (or that would be), or null.
  returned: success
  type: str
reboot_required:
  description: Whether an installer asked for a reboot (exit code 3010 or 1641).
  returned: success
  type: bool
controller_source:
  description:
    - With O(controller_source), the staging folder, the files sent (name, bytes, SHA-1) and those the server already held.
  returned: success, with controller_source
  type: dict
  sample: {"staging_directory": "C:\\Web Service Provider Installer Package", "already_staged": [],
           "uploaded": [{"file": "CWAOWASSPMain.msi", "bytes": 204800, "sha1": "3F2A..."}]}
exit_code:
  description: The failing installer's exit code.
  returned: failure of an installer
  type: int
  sample: 1603
log_file:
  description: The failing installer's log on the server.
  returned: failure of an installer
  type: str
restart_pending:
  description: Whether OWA on this server owes a restart (installed components are loaded when OWA's worker process starts).
  returned: when the installers ran, or in check mode
  type: bool
"""

from ansible_collections.exchange.owa_im.plugins.module_utils.controller_only import refuse_on_target
from ansible_collections.exchange.owa_im.plugins.module_utils.option_specs import OCS_COMPONENTS_SPEC


def main() -> None:
    refuse_on_target("ocs_components", OCS_COMPONENTS_SPEC)


if __name__ == "__main__":
    main()
