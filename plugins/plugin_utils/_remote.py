# Copyright: (c) 2026, exchange.owa_im contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The connection: one remote PowerShell process per call, through the host's own Ansible connection plugin.

winrm, psrp or any connection whose shell is PowerShell: every documented connection variable (Kerberos with kinit,
CredSSP, certificates, proxies, send_cbt, ...) works unchanged, and a connection that fails raises Ansible's
AnsibleConnectionFailure, so the task is unreachable as everywhere in Ansible.
"""

from __future__ import annotations

import dataclasses
import typing as t

from ansible.module_utils.common.text.converters import to_text

from ._scripts import Value, bootstrap, payload

# cmd.exe starts each command of a WinRM command shell and refuses a command line longer than this (KB 830473).
COMMAND_LINE_LIMIT = 8191


class NotPowerShell(Exception):
    """The task's connection does not reach PowerShell; the message says what to set."""


@dataclasses.dataclass(frozen=True)
class RemoteOutput:
    rc: int
    stdout: str
    stderr: str


def shell_family(connection: t.Any) -> str:
    return str(getattr(getattr(connection, "_shell", None), "SHELL_FAMILY", "") or "")


def is_psrp(connection: t.Any) -> bool:
    return str(getattr(connection, "transport", "") or getattr(connection, "_load_name", "")).endswith("psrp")


def command_line(connection: t.Any) -> str:
    """The command line the winrm connection plugin sends for the bootstrap (its length is what cmd.exe limits)."""
    return connection._shell._encode_script(bootstrap(), as_list=False, strict_mode=False, preserve_rc=False)


def run_script(connection: t.Any, name: str, parameters: t.Mapping[str, Value],
               data: t.Optional[t.Tuple[str, t.Iterable[str]]] = None) -> RemoteOutput:
    """Run script ``name`` with ``parameters`` in one new PowerShell process on the host ``connection`` reaches."""
    if shell_family(connection) != "powershell":
        raise NotPowerShell(
            "this task's connection is %r with the %r shell, which does not reach Windows PowerShell on a Client Access server. "
            "Run the task on the CAS hosts with ansible_connection: winrm (or psrp); with delegate_to, delegate to a CAS, not "
            "to localhost." % (getattr(connection, "transport", None) or type(connection).__name__, shell_family(connection) or "unknown"))
    # winrm (every ansible-core from 2.16) encodes the bootstrap it is given into -EncodedCommand, exactly once. psrp
    # runs a script it is given as-is with the input as raw objects, but decodes an already encoded command line and
    # hands the input over as text: lines on 2.19, one string before (the bootstrap splits either into lines).
    command = command_line(connection) if is_psrp(connection) else bootstrap()
    stdin = payload(name, parameters, data).decode("ascii")
    rc, stdout, stderr = connection.exec_command(command, in_data=stdin, sudoable=False)
    return RemoteOutput(int(rc), to_text(stdout, errors="surrogate_or_replace"), to_text(stderr, errors="surrogate_or_replace"))
