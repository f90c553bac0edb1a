#!/usr/bin/python
# Copyright: (c) 2026, exchange.owa_im contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: ocs_components
short_description: Install the OCS 2007 R2 components OWA IM needs, and their hotfixes, on a Client Access server
version_added: 1.0.0
description:
  - Makes sure the three Office Communications Server 2007 R2 components are installed on the Client Access server,
    in the order they depend on each other - the Visual C++ 2008 x64 redistributable (C(vcredist_x64.exe)), the
    Unified Communications Managed API 2.0 core redistributable (C(UcmaRedist.msi)) and the OCS web service provider
    (C(CWAOWASSP.msi)) - then applies the two hotfixes for them (see O(hotfixes)).
  - "The hotfixes and their order: after all three installers, C(UcmaRedist.msp) (Unified Communications Managed API
    2.0 Redist (64 Bit) Hotfix, KB 2282949, which replaced KB 968802), then C(CWAOWASSP.msp) (OCS 2007 R2 Web Service
    Provider Hotfix, KB 981256), each with C(msiexec /p <file> /qn /norestart /l*v <log>). This is the order of the
    ntsystems guide (\"Lync Integration in Outlook Web App 2010\", 2011: the three installers, then the two hotfixes).
    Johan Veldhuis's guide (\"Make OCS client available in OWA\", 2010) applies C(UcmaRedist.msp) right after
    C(UcmaRedist.msi), before C(CWAOWASSP.msi), and predates the web service provider hotfix, which it does not
    mention; his later post lists KB 2282949 and KB 981256 as the prerequisites. Both orders meet what Windows Installer
    needs: a patch applies to the installed products its package names and ends with 1642 when none is installed
    (Heath Stewart, \"Patch Applicability\", Windows Installer team blog, 2009); the UCMA hotfix needs only UCMA, the
    provider's hotfix the provider. The module takes the later guide's order because every patch then finds its
    product installed whichever installers a server already had, and a server installed earlier (by hand or by an
    older version of this collection) gets the same second step."
  - A hotfix counts as applied when Windows Installer has registered a patch as applied to its product for the
    machine - C(HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Installer\UserData\S-1-5-18\Products\<packed product
    code>\Patches\<packed patch code>), value C(State) 1, where C(MsiGetPatchInfoEx) reads it (the product code being the
    name of the product's uninstall key). A registry read in the same PowerShell 2.0 process; no COM. Any applied patch
    counts, whatever its patch code - the hotfixes are cumulative, and a later one replaces (supersedes) an earlier - so
    the module never applies an older hotfix over a newer one; it does not compare the .msp file with what is applied.
    The uninstall entry's C(DisplayVersion) or the provider DLL's file version would need the builds each hotfix brings,
    which no source at hand gives.
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
  - Detection, expansion, installation and the hotfixes run in one remote PowerShell process, without the Exchange snap-in.
options:
  hotfixes:
    description:
      - Whether to apply C(UcmaRedist.msp) and C(CWAOWASSP.msp) where their product carries no applied patch. They are
        looked for as the installers are - in O(source) (or the O(controller_source) folder, from which they are sent),
        then O(expand_directory); C(CWAOWASSPMain.msi) does not hold them.
      - V(true) requires them - a needed hotfix whose C(.msp) is not there fails the task before anything is installed;
        V(false) leaves them alone; unset applies those found and warns about the others (RV(hotfixes_missing)). The role
        sets V(true) unless C(owa_im_component_hotfixes) is false.
    type: bool
  source:
    description:
      - Folder or share holding C(vcredist_x64.exe), C(UcmaRedist.msi) and C(CWAOWASSP.msi), or C(CWAOWASSPMain.msi), and
        the hotfixes C(UcmaRedist.msp) and C(CWAOWASSP.msp).
      - Needed only when something is missing. A share must be readable by the account the connection uses; from a
        WinRM session authenticated with NTLM (or Basic), the server cannot pass your credentials on to a file server (the
        second hop); Test-Path finds nothing there and msiexec cannot open the package. Use Kerberos with delegation
        (C(ansible_winrm_kerberos_delegation=true)) or CredSSP, a folder on the server, or O(controller_source). When the
        installers are not found on a share, the error says so.
      - Mutually exclusive with O(controller_source).
    type: str
  controller_source:
    description:
      - Folder on the Ansible controller holding the installers (the three, or C(CWAOWASSPMain.msi)) and the hotfixes; the
        way round the second hop. The module first reads what is installed and which of these files O(staging_directory) already holds
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
    description: Folder on the server for the installers' logs (C(owa_im_<component>.log), C(owa_im_<hotfix>.log)).
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

- name: Send the installers and hotfixes from the controller (no share, no second hop) and install them
  exchange.owa_im.ocs_components:
    controller_source: "{{ playbook_dir }}/files/ocs"
    hotfixes: true

- name: Install the components only; the hotfixes are someone else's business
  exchange.owa_im.ocs_components:
    source: \\fs01.contoso.com\ocs
    hotfixes: false

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
  description:
    - Each component after the task (in check mode, as found), then each hotfix - C(ucma_hotfix) and
      C(web_service_provider_hotfix), with C(installed) true when its product carries an applied patch, the first such
      patch's name as C(display_name), C(version) null, C(applies_to) (the component), C(knowledge_base) and
      C(patch_codes).
  returned: success
  type: list
  elements: dict
  sample:
    - {"name": "vcredist", "installed": true, "display_name": "Microsoft Visual C++ 2008 Redistributable - x64 9.0.30729.4148",
       "version": "9.0.30729.4148"}
    - {"name": "ucma_hotfix", "installed": true, "display_name": "Unified Communications Managed API 2.0 Redist (64 Bit) Hotfix KB 2282949",
       "version": null, "applies_to": "ucma", "knowledge_base": "KB 2282949", "patch_codes": ["{A8467F4D-E25A-5044-A4C8-6A6483FD8999}"]}
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
hotfixes_applied:
  description: Names of the hotfixes this task applied (or would apply in check mode), in the order applied.
  returned: success
  type: list
  elements: str
  sample: [ucma_hotfix, web_service_provider_hotfix]
patches:
  description: For each hotfix applied, its C(.msp), exit code and log file.
  returned: success
  type: dict
  sample: {"ucma_hotfix": {"source": "C:\\Install\\OCS\\UcmaRedist.msp", "exit_code": 0,
           "log_file": "C:\\Windows\\Temp\\owa_im_ucma_hotfix.log"}}
hotfixes_missing:
  description: With O(hotfixes) unset, the hotfixes the server needs whose C(.msp) was not found (a warning says so).
  returned: success
  type: list
  elements: str
  sample: [web_service_provider_hotfix]
expanded_from:
  description: The C(CWAOWASSPMain.msi) expanded (or that would be), or null.
  returned: success
  type: str
reboot_required:
  description: Whether an installer or a hotfix asked for a reboot (exit code 3010 or 1641).
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
  description:
    - The failing installer's exit code. For a hotfix, 1642 means its product is not installed (or is another version).
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
