#!/usr/bin/python
# Copyright: (c) 2026, exchange.owa_im contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: owa_web_config
short_description: Set OWA's instant-messaging keys in the web.config of an Exchange 2013 server
version_added: 1.1.0
description:
  - On Exchange 2013, OWA takes its IM server and certificate from two keys under C(<appSettings>) of its
    C(web.config), C(<add key="IMServerName" value="..."/>) and C(<add key="IMCertificateThumbprint" value="..."/>).
    This module sets them (O(state=present)) or removes them (O(state=absent)) on the server the task runs on.
  - Exchange 2013 only. On Exchange 2010 OWA takes these settings from the virtual directory
    (M(exchange.owa_im.owa_virtual_directory)); Exchange 2016 and later ignore C(web.config) and take them from a setting
    override (M(exchange.owa_im.setting_override)). Any other version is refused and nothing is changed.
  - The file is edited as text, never loaded and saved as XML, so every other byte stays as it was, the encoding and the
    byte order mark included. An existing key has only the text of its C(value) attribute replaced; a missing key is
    added on a line of its own before C(</appSettings>), with the file's line ending and the indentation of the
    C(<add) line before it; a removed key takes its line with it. Keys inside XML comments are not keys.
  - Refused, changing nothing, when the file has no single C(<appSettings>) element, when a key appears more than once
    under it (keys are compared without regard to case, as .NET's AppSettings compares them), when the file is larger
    than 1 MiB, or when it does not read back byte for byte in the encoding its byte order mark (or UTF-8) says.
  - Reads, compares, backs up, writes and reads back in one remote PowerShell process. Before the file is written, it
    is copied byte for byte to a new file on the server,
    C(%ProgramData%\exchange.owa_im\web-config-backups\<SERVER>-<UTC time>Z.config), beside a C(.owaim) file with
    the two keys' values that the C(exchange.owa_im.rollback) playbook restores; if either cannot be written,
    nothing is changed. The server then records the change, so that OWA owes a restart until its application pool is
    recycled (M(exchange.owa_im.iis_restart) with C(method=recycle_app_pool) and C(when_pending=true)).
  - An Exchange 2013 cumulative update replaces OWA's C(web.config) and these keys with it; the module warns about it on
    every run. Run it again after each update.
  - The virtual directory's C(InstantMessagingEnabled) and C(InstantMessagingType Ocs) still turn IM on; set them with
    M(exchange.owa_im.owa_virtual_directory).
options:
  im_server_name:
    description:
      - C(IMServerName), the fully qualified domain name of the Lync or Skype for Business pool where OWA's trusted
        application pool was created, such as C(pool.contoso.com).
    type: str
  im_certificate_thumbprint:
    description:
      - C(IMCertificateThumbprint), the thumbprint of this server's certificate that the Lync or Skype for Business
        pool trusts. Spaces, colons and invisible marks copied along with it are removed and the letters upper-cased.
    type: str
  state:
    description:
      - V(present) sets the keys given; V(absent) removes both keys (give neither value with it).
    type: str
    choices: [present, absent]
    default: present
  path:
    description:
      - The web.config to edit. Defaults to C(ClientAccess\Owa\web.config) under the server's C($env:ExchangeInstallPath)
        (or the C(MsiInstallPath) Exchange setup records in the registry).
    type: str
  change_id:
    description:
      - A name for the run this change belongs to, recorded in the server-side backup that the C(exchange.owa_im.rollback)
        playbook restores. Default the current UTC time.
    type: str
  remove_keys:
    description:
      - Keys to remove from the file while O(state=present) sets the others, by their option names. The
        C(exchange.owa_im.rollback) playbook uses it to return a file that had only one of the keys to that state. A key
        cannot be both given a value and removed.
    type: list
    elements: str
    choices: [im_server_name, im_certificate_thumbprint]
notes:
  - With O(state=present), at least one of O(im_server_name), O(im_certificate_thumbprint) and O(remove_keys) must be
    set; a key not given is left as it is.
seealso:
  - name: Configure integration between on-premises Skype for Business Server and Outlook Web App
    description: Microsoft's steps for Exchange 2013, with the two web.config keys.
    link: https://learn.microsoft.com/skypeforbusiness/deploy/integrate-with-exchange-server/outlook-web-app
  - module: exchange.owa_im.owa_web_config_info
  - module: exchange.owa_im.setting_override
  - module: exchange.owa_im.iis_restart
extends_documentation_fragment:
  - exchange.owa_im.connection
  - exchange.owa_im.attributes.change
author:
  - exchange.owa_im contributors (@exchange-owa-im)
"""

EXAMPLES = r"""
- name: Point OWA 2013 at the Skype for Business pool with this server's certificate
  exchange.owa_im.owa_web_config:
    im_server_name: pool.contoso.com
    im_certificate_thumbprint: "{{ owa_im_thumbprint }}"
  register: web_config

- name: Recycle OWA's application pool where the file changed
  exchange.owa_im.iis_restart:
    method: recycle_app_pool
    when_pending: true

- name: Take the keys out again
  exchange.owa_im.owa_web_config:
    state: absent
"""

RETURN = r"""
server:
  description: The Exchange server the task ran on.
  returned: success
  type: dict
  sample: {"name": "CAS01", "fqdn": "cas01.contoso.com", "version": "Version 15.0 (Build 1497.2)"}
path:
  description: The web.config edited (or read).
  returned: success
  type: str
  sample: C:\Program Files\Microsoft\Exchange Server\V15\ClientAccess\Owa\web.config
encoding:
  description: The file's encoding, from its byte order mark (C(utf-8) without one); kept as it was.
  returned: success
  type: str
  sample: utf-8
byte_order_mark:
  description: Whether the file starts with a byte order mark; kept as it was.
  returned: success
  type: bool
before:
  description: The two keys' values before the task; null for a key the file does not have.
  returned: success
  type: dict
  sample: {"im_server_name": null, "im_certificate_thumbprint": null}
after:
  description: The two keys' values after the task, as read back from the file (in check mode, what they would be).
  returned: success
  type: dict
  sample: {"im_server_name": "pool.contoso.com", "im_certificate_thumbprint": "EA5A332496CC05DA69B75B66111C0F78A110D22D"}
changes:
  description: What was done (or would be) to each key, C(insert), C(replace) or C(remove).
  returned: success
  type: dict
  sample: {"im_server_name": "insert", "im_certificate_thumbprint": "insert"}
server_backup_file:
  description: The copy of the file as it was, written on the server before the change.
  returned: when the file changed
  type: str
  sample: C:\ProgramData\exchange.owa_im\web-config-backups\CAS01-20261126T1400001234567Z.config
restart_pending:
  description: Whether OWA on this server still runs with the settings it read before the last change.
  returned: success
  type: bool
restart_state:
  description: The server's facts that decided RV(restart_pending).
  returned: success
  type: dict
"""

from ansible_collections.exchange.owa_im.plugins.module_utils.controller_only import refuse_on_target
from ansible_collections.exchange.owa_im.plugins.module_utils.option_specs import OWA_WEB_CONFIG_SPEC


def main() -> None:
    refuse_on_target("owa_web_config", OWA_WEB_CONFIG_SPEC)


if __name__ == "__main__":
    main()
