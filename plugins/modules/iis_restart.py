#!/usr/bin/python
# Copyright: (c) 2026, exchange.owa_im contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: iis_restart
short_description: Reset IIS or recycle the OWA application pool so OWA picks up new IM settings
version_added: 1.0.0
description:
  - Runs C(iisreset /noforce), the procedure's own step, or recycles only the OWA application pool
    (C(appcmd recycle apppool)), which interrupts less.
  - Every run changes something (it restarts a service), so use it from a handler. To keep a load-balanced pool
    serving, throttle it (the role C(exchange.owa_im.cas) resets at most C(owa_im_max_concurrent_resets) servers at once).
options:
  method:
    description: C(iisreset) restarts all of IIS; C(recycle_app_pool) recycles O(app_pool) only.
    type: str
    choices: [iisreset, recycle_app_pool]
    default: iisreset
  app_pool:
    description: The application pool to recycle with O(method=recycle_app_pool).
    type: str
    default: MSExchangeOWAAppPool
extends_documentation_fragment:
  - exchange.owa_im.connection
  - exchange.owa_im.attributes.restart
author:
  - exchange.owa_im contributors (@exchange-owa-im)
"""

EXAMPLES = r"""
- name: Reset IIS
  exchange.owa_im.iis_restart:
  throttle: 1

- name: Recycle only OWA's application pool
  exchange.owa_im.iis_restart:
    method: recycle_app_pool
"""

RETURN = r"""
method:
  description: The method used.
  returned: always
  type: str
  sample: iisreset
command:
  description: The command line run on the server.
  returned: always
  type: str
  sample: iisreset /noforce
rc:
  description: Its exit code.
  returned: when run
  type: int
  sample: 0
stdout_lines:
  description: Its output.
  returned: when run
  type: list
  elements: str
  sample: ["Attempting stop...", "Internet services successfully stopped", "Attempting start...", "Internet services successfully restarted"]
seconds:
  description: How long the restart took.
  returned: when run
  type: float
"""

from ansible_collections.exchange.owa_im.plugins.module_utils.controller_only import refuse_on_target
from ansible_collections.exchange.owa_im.plugins.module_utils.option_specs import IIS_RESTART_SPEC


def main() -> None:
    refuse_on_target("iis_restart", IIS_RESTART_SPEC)


if __name__ == "__main__":
    main()
