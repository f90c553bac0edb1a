#!/usr/bin/python
# Copyright: (c) 2026, exchange.owa_im contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: owa_virtual_directory_backup_info
short_description: List the backups of OWA IM settings kept on a Client Access server
version_added: 1.1.0
description:
  - M(exchange.owa_im.owa_virtual_directory) writes, before every change, the values it replaces to a new file on the
    server, under C(%ProgramData%\exchange.owa_im\backups). So do M(exchange.owa_im.owa_web_config) (Exchange 2013's
    two web.config keys, in C(web-config-backups)), M(exchange.owa_im.setting_override) (each override it changes,
    replaces or removes, and each it creates as one that did not exist, in C(setting-override-backups)) and
    M(exchange.owa_im.owa_mailbox_policy) (in C(mailbox-policy-backups)); on a Lync or Skype for Business Front End
    M(exchange.owa_im.cs_trusted_application) (in C(trusted-application-backups)) and on an OCS 2007 R2 server
    M(exchange.owa_im.ocs_host_authorization) (in C(host-authorization-backups)). This module reads the newest of each folder
    (no Exchange shell is loaded) and returns those that belong to this host, oldest first, each with its RV(backups[].kind).
  - A backup file is untrusted input. It is returned under RV(backups) only when its name is exactly
    C(<SERVER>-<UTC time>Z.owaim) for this server, it parses as the records the module writes, its recorded server is this
    server, its recorded inventory host is this host's C(inventory_hostname) (the delegated host's when the task is
    delegated), its virtual directory is on this server, and its values are valid settings. Any other file is listed
    under RV(refused) with the reason, and a warning.
  - The C(exchange.owa_im.rollback) playbook uses it to restore a pool to a point in time.
options:
  max_files:
    description: Read at most this many of the newest files of each folder (1 to 5000).
    type: int
    default: 200
  max_bytes:
    description: A file larger than this is refused unread (256 to 1048576 bytes); a backup is a few hundred bytes.
    type: int
    default: 65536
extends_documentation_fragment:
  - exchange.owa_im.connection
  - exchange.owa_im.query
  - exchange.owa_im.attributes.info
author:
  - exchange.owa_im contributors (@exchange-owa-im)
"""

EXAMPLES = r"""
- name: List the backups on every CAS
  exchange.owa_im.owa_virtual_directory_backup_info:
  register: owa_im_backups

- name: The times of the backups taken on this server
  exchange.owa_im.owa_virtual_directory_backup_info:
    query: backups[].taken_at
  register: owa_im_backup_times
"""

RETURN = r"""
server:
  description: The server's name.
  returned: success
  type: str
  sample: CAS01
backups:
  description: The backups that belong to this host, oldest first.
  returned: success
  type: list
  elements: dict
  contains:
    kind:
      description:
        - What it holds, and which module restores it. V(virtual_directory) (M(exchange.owa_im.owa_virtual_directory)),
          V(web_config) (M(exchange.owa_im.owa_web_config)), V(setting_override) (M(exchange.owa_im.setting_override)),
          V(mailbox_policy) (M(exchange.owa_im.owa_mailbox_policy)), V(trusted_application) (M(exchange.owa_im.cs_trusted_application);
          a pool, named by its FQDN, or an application, C(<pool>/urn:application:<id>)), V(host_authorization)
          (M(exchange.owa_im.ocs_host_authorization), named by the entry's server).
      type: str
      choices: [virtual_directory, web_config, setting_override, mailbox_policy, trusted_application, host_authorization]
    file:
      description: The file's name in its folder under C(%ProgramData%\exchange.owa_im).
      type: str
      sample: CAS01-20261125T0230001234567Z.owaim
    folder:
      description: That folder, C(backups), C(web-config-backups), C(setting-override-backups), C(mailbox-policy-backups),
        C(trusted-application-backups) or C(host-authorization-backups).
      type: str
    existed:
      description:
        - False for a setting override, trusted application pool or application, or Host Authorization entry the change
          created; undoing the change removes it. True for everything else.
      type: bool
    taken_at:
      description: When it was taken (UTC, to the microsecond).
      type: str
      sample: "2026-11-25T02:30:00.123456Z"
    run:
      description: The run it belongs to (M(exchange.owa_im.owa_virtual_directory) O(exchange.owa_im.owa_virtual_directory#module:change_id)).
      type: str
    host:
      description: The inventory host it was taken for.
      type: str
    server:
      description: The server it was taken on.
      type: str
    identity:
      description:
        - The virtual directory, the web.config's path, the setting override's name or the mailbox policy's name.
      type: str
      sample: CAS01\owa (Default Web Site)
    settings:
      description:
        - The settings the change replaced, under the option names of the module that restores them (null when
          RV(backups[].existed) is false). A setting override is restored only when it applied to this server alone or
          to the whole organisation.
      type: dict
refused:
  description: Files in the folders that are not this host's backups, each with its folder and the reason; never restored.
  returned: success
  type: list
  elements: dict
  sample: [{"file": "CAS02-20261125T0230001234567Z.owaim", "reason": "its name names server CAS02, not CAS01"}]
files_on_server:
  description: How many C(.owaim) files the folders hold (of which at most O(max_files) of each folder were read).
  returned: success
  type: int
query_result:
  description: The value of O(query) over this result.
  returned: when O(query) is given
  type: raw
"""

from ansible_collections.exchange.owa_im.plugins.module_utils.controller_only import refuse_on_target
from ansible_collections.exchange.owa_im.plugins.module_utils.option_specs import OWA_VIRTUAL_DIRECTORY_BACKUP_INFO_SPEC


def main() -> None:
    refuse_on_target("owa_virtual_directory_backup_info", OWA_VIRTUAL_DIRECTORY_BACKUP_INFO_SPEC)


if __name__ == "__main__":
    main()
