# Copyright: (c) 2026, exchange.owa_im contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The body of every module file: the work happens in the action plugin on the controller."""

from __future__ import annotations

import typing as t

from ansible.module_utils.basic import AnsibleModule

from .option_specs import WINRM_OPTION_SPEC


def refuse_on_target(name: str, spec: t.Mapping[str, t.Any]) -> None:
    argument_spec = dict(spec)
    argument_spec.update(WINRM_OPTION_SPEC)
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    module.fail_json(msg="exchange.owa_im.%s runs on the Ansible controller through its action plugin and reaches the server "
                         "with pywinrm; it cannot run as a module on the target." % name)
