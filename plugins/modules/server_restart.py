#!/usr/bin/python
# Copyright: (c) 2026, exchange.owa_im contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: server_restart
short_description: Restart a Client Access server and wait until it is back
version_added: 1.0.0
description:
  - Restarts the server with C(shutdown /r) (reason "Application, Installation, planned") and waits until WinRM answers
    again with a new boot time (C(Win32_OperatingSystem.LastBootUpTime)), so the next task runs on the restarted server.
  - Works on PowerShell 2.0, unlike modules that need PowerShell 5.1. The role C(exchange.owa_im.cas) uses it only when
    asked (C(owa_im_reboot_when_required)) and an installer returned 3010; throttle it so a load-balanced pool keeps serving.
options:
  reboot_timeout:
    description: Seconds to wait for the server to come back before failing.
    type: int
    default: 900
  pre_reboot_delay:
    description: Seconds Windows waits before restarting (C(shutdown /t)).
    type: int
    default: 2
  post_reboot_delay:
    description:
      - Seconds to wait once the server is back and Exchange answers, before the task ends (0 to 600).
      - The task already waits, retrying within O(reboot_timeout), until the Exchange Management Shell loads and
        answers for the server (WinRM answers before Exchange's services have started), as C(ansible.windows.win_reboot)
        retries its test command; this adds time for what else must settle.
    type: int
    default: 0
extends_documentation_fragment:
  - exchange.owa_im.connection
  - exchange.owa_im.attributes.restart
author:
  - exchange.owa_im contributors (@exchange-owa-im)
"""

EXAMPLES = r"""
- name: Restart when an installer asked for it, one server at a time
  exchange.owa_im.server_restart:
  throttle: 1
  when: components.reboot_required
"""

RETURN = r"""
rebooted:
  description: Whether the server restarted and came back.
  returned: always
  type: bool
elapsed:
  description: Seconds from the restart command until the server was back and Exchange answered (and O(post_reboot_delay) passed).
  returned: when rebooted
  type: float
ready_attempts:
  description: How many times Exchange was asked after the new boot time before it answered.
  returned: when rebooted
  type: int
reply_lost:
  description:
    - Set when the answer to the restart command never arrived (the connection went down with the server). The restart
      is then taken as under way, as Ansible's own reboot action takes it, and the new boot time decides.
  returned: when the reply was lost
  type: str
boot_time:
  description: The new boot time, as WMI prints it.
  returned: when rebooted
  type: str
  sample: "20261125031500.000000+000"
"""

from ansible_collections.exchange.owa_im.plugins.module_utils.controller_only import refuse_on_target
from ansible_collections.exchange.owa_im.plugins.module_utils.option_specs import SERVER_RESTART_SPEC


def main() -> None:
    refuse_on_target("server_restart", SERVER_RESTART_SPEC)


if __name__ == "__main__":
    main()
