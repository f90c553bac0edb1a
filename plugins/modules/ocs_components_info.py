#!/usr/bin/python
# Copyright: (c) 2026, exchange.owa_im contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: ocs_components_info
short_description: Report which OCS 2007 R2 components and hotfixes for OWA IM are installed on a Client Access server
version_added: 1.0.0
description:
  - Reads the uninstall registry of the server for the three components M(exchange.owa_im.ocs_components) installs
    (Visual C++ 2008 x64 redistributable, UCMA 2.0 core redistributable, OCS web service provider), in one remote
    PowerShell process without the Exchange snap-in. Changes nothing.
  - Also reads whether the two hotfixes that module applies are there - C(ucma_hotfix) (C(UcmaRedist.msp), KB 2282949)
    and C(web_service_provider_hotfix) (C(CWAOWASSP.msp), KB 981256) - as patches Windows Installer registered as
    applied (value C(State) 1) to their products under
    C(HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Installer\UserData\S-1-5-18\Products\<packed product code>\Patches).
    A server missing either is not RV(all_installed).
options: {}
extends_documentation_fragment:
  - exchange.owa_im.connection
  - exchange.owa_im.query
  - exchange.owa_im.attributes.info
author:
  - exchange.owa_im contributors (@exchange-owa-im)
"""

EXAMPLES = r"""
- name: Which OCS components are installed
  exchange.owa_im.ocs_components_info:
  register: components

- name: The components this server still lacks
  exchange.owa_im.ocs_components_info:
    query: "components[?!installed].name"
  register: missing

- name: Install them where any is missing
  exchange.owa_im.ocs_components:
    source: \\fs01.contoso.com\ocs
  when: missing.query_result | length > 0

- name: Name and version of each installed component
  exchange.owa_im.ocs_components_info:
    query: "components[?installed].{name: name, version: version}"
  register: versions
"""

RETURN = r"""
server:
  description: The server's name.
  returned: success
  type: str
  sample: CAS01
components:
  description:
    - Each component, installed or not, with its display name and version when installed; then each hotfix, with
      C(installed) true when its product carries an applied patch, that patch's name as C(display_name), C(version)
      null, C(applies_to) (the component it patches), C(knowledge_base) and C(patch_codes).
  returned: success
  type: list
  elements: dict
  sample: [{"name": "ucma", "installed": true, "version": "3.5.6907.0",
            "display_name": "Microsoft Office Communications Server 2007 R2, Microsoft Unified Communications Managed API 2.0, Core Redist 64-bit"},
           {"name": "ucma_hotfix", "installed": false, "display_name": null, "version": null, "applies_to": "ucma",
            "knowledge_base": "KB 2282949", "patch_codes": []}]
all_installed:
  description: Whether all three components are installed and both hotfixes applied.
  returned: success
  type: bool
query_result:
  description:
    - The value of O(query) over this module's result as it is without RV(query_result); a list, an object, a string,
      a number, a boolean or null, as the expression makes it.
  returned: when O(query) is given
  type: raw
  sample: [web_service_provider]
"""

from ansible_collections.exchange.owa_im.plugins.module_utils.controller_only import refuse_on_target
from ansible_collections.exchange.owa_im.plugins.module_utils.option_specs import OCS_COMPONENTS_INFO_SPEC


def main() -> None:
    refuse_on_target("ocs_components_info", OCS_COMPONENTS_INFO_SPEC)


if __name__ == "__main__":
    main()
