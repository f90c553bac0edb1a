# Copyright: (c) 2026, exchange.owa_im contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The body of every module file: the work happens in the action plugin on the controller."""

from __future__ import annotations

import typing as t

from ansible.module_utils.basic import AnsibleModule


def refuse_on_target(name: str, spec: t.Mapping[str, t.Any]) -> None:
    module = AnsibleModule(argument_spec=dict(spec), supports_check_mode=True)
    module.fail_json(msg="exchange.owa_im.%s runs on the Ansible controller through its action plugin and runs its "
                         "PowerShell on the server through the host's connection; it cannot run as a module on the target." % name)
