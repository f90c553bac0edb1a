"""The action plugins with the remote side mocked: what they send, and how they read what comes back."""

from __future__ import annotations

import base64
import typing as t
from unittest.mock import MagicMock

import pytest

from ansible.errors import AnsibleConnectionFailure
from ansible.playbook.play_context import PlayContext
from ansible.plugins.loader import shell_loader
from ansible_collections.exchange.owa_im.plugins.action.iis_restart import ActionModule as IisRestart
from ansible_collections.exchange.owa_im.plugins.action.owa_virtual_directory import ActionModule as OwaVirtualDirectory
from ansible_collections.exchange.owa_im.plugins.action.owa_virtual_directory_info import ActionModule as OwaVirtualDirectoryInfo

TP = "8210E17393B6E81AD0B3A75DD9161ABE1A93B695"


def record(name: str, field: str, value: t.Any) -> str:
    if value is None:
        kind, text = "null", ""
    elif isinstance(value, bool):
        kind, text = "bool", str(value)
    elif isinstance(value, list):
        kind, text = "list", "\n".join(value)
    else:
        kind, text = "string", str(value)
    return "OWAIM|%s|%s|%s|%s" % (name, field, kind, base64.b64encode(text.encode("utf-8")).decode("ascii"))


class FakeConnection:
    """A connection whose shell is PowerShell; it records what the plugin sends and answers what a test says."""

    transport = "winrm"

    def __init__(self, stdout: str = "", rc: int = 0, stderr: str = "", family: str = "powershell",
                 error: t.Optional[Exception] = None, transport: str = "winrm") -> None:
        self.transport = transport
        self._shell = shell_loader.get("powershell") if family == "powershell" else shell_loader.get("sh")
        self.answer = (rc, stdout.encode("utf-8"), stderr.encode("utf-8"))
        self.error = error
        self.calls: t.List[t.Tuple[str, str]] = []

    def exec_command(self, cmd: str, in_data: t.Optional[str] = None, sudoable: bool = True) -> t.Tuple[int, bytes, bytes]:
        self.calls.append((cmd, in_data or ""))
        if self.error is not None:
            raise self.error
        return self.answer

    def sent_parameters(self) -> t.Dict[str, str]:
        """The parameter lines of the last call, decoded: name -> (kind, value)."""
        found = {}
        for line in self.calls[-1][1].splitlines()[1:]:  # the first line is the loader
            kind, name, data = line.split(" ")
            if kind == "end":
                found["end"] = data
                continue
            if kind in ("library", "script"):
                found[kind + ":" + name] = None
                continue
            if kind == "list":
                value: t.Any = [] if data == "-" else [base64.b64decode(p).decode() if p != "-" else "" for p in data.split(",")]
            elif kind == "string":
                value = "" if data == "-" else base64.b64decode(data).decode()
            else:
                value = data
            found[name] = value
        return found


def make(plugin: t.Any, connection: FakeConnection, args: t.Dict[str, t.Any], check_mode: bool = False, become: bool = False) -> t.Any:
    task = MagicMock()
    task.args = args
    task.check_mode = check_mode
    task.diff = True
    task.become = become
    task.async_val = 0
    task.delegate_to = None
    return plugin(task=task, connection=connection, play_context=PlayContext(), loader=MagicMock(), templar=MagicMock(),
                  shared_loader_obj=None)


SERVER = [record("server", "name", "CAS01"), record("server", "fqdn", "cas01.contoso.com"),
          record("server", "version", "Version 14.1 (Build 218.15)"), record("server", "now", "2026-11-25T12:00:00")]


def vd_output(before: t.Dict[str, t.Any], changes: t.Dict[str, t.Any], after: t.Dict[str, t.Any]) -> str:
    lines = list(SERVER) + [record("before", "Identity", "CAS01\\owa (Default Web Site)")]
    lines += [record("before", k, v) for k, v in before.items()]
    lines += [record("change", k, v) for k, v in changes.items()]
    lines += [record("after", k, v) for k, v in after.items()]
    return "\r\n".join(lines) + "\r\n"


BEFORE = {"InstantMessagingEnabled": False, "InstantMessagingType": "None", "InstantMessagingServerName": None,
          "InstantMessagingCertificateThumbprint": None}
AFTER = {"InstantMessagingEnabled": True, "InstantMessagingType": "Ocs", "InstantMessagingServerName": "ocs.contoso.com",
         "InstantMessagingCertificateThumbprint": TP}
ARGS = {"instant_messaging_enabled": True, "instant_messaging_type": "ocs", "instant_messaging_server_name": "ocs.contoso.com",
        "instant_messaging_certificate_thumbprint": TP.lower(), "verify_certificate": False}


def test_change_sends_values_as_data_and_reports_the_diff() -> None:
    connection = FakeConnection(vd_output(BEFORE, AFTER, AFTER))
    result = make(OwaVirtualDirectory, connection, dict(ARGS)).run(task_vars={"inventory_hostname": "cas01"})
    assert result["changed"] is True and not result.get("failed"), result
    assert result["diff"]["before"]["instant_messaging_enabled"] is False and result["diff"]["after"]["instant_messaging_type"] == "Ocs"
    command, stdin = connection.calls[0]
    # Only the small bootstrap goes to the connection as the command (winrm encodes it once); no value is in any script.
    assert command.startswith("param()") and len(command) < 1000
    assert "ocs.contoso.com" not in command and "ocs.contoso.com" not in stdin
    sent = connection.sent_parameters()
    assert "script:owa_virtual_directory" in sent and "library:OwaImRecords" in sent and "library:OwaImExchange" in sent
    assert sent["ServerName"] == "ocs.contoso.com" and sent["Thumbprint"] == TP and sent["Type"] == "Ocs"
    assert sorted(sent["Manage"]) == sorted(AFTER) and sent["CheckMode"] == "False" and sent["Enabled"] == "True"
    # The count of what the bootstrap reads itself closes the input.
    assert int(sent["end"]) == len([k for k in sent if k != "end"])


def test_psrp_gets_the_bootstrap_already_encoded() -> None:
    """psrp then runs the decoded bootstrap in its runspace and hands the input over as text."""
    connection = FakeConnection(vd_output(BEFORE, AFTER, AFTER), transport="psrp")
    make(OwaVirtualDirectory, connection, dict(ARGS)).run(task_vars={})
    command, stdin = connection.calls[0]
    assert command.startswith("PowerShell -NoProfile -NonInteractive -ExecutionPolicy Unrestricted -EncodedCommand ")
    assert isinstance(stdin, str) and connection.sent_parameters()["ServerName"] == "ocs.contoso.com"


def test_check_mode_is_sent_and_predicts_after() -> None:
    connection = FakeConnection(vd_output(BEFORE, AFTER, {}))
    result = make(OwaVirtualDirectory, connection, dict(ARGS), check_mode=True).run(task_vars={})
    assert result["changed"] is True and result["after"]["instant_messaging_server_name"] == "ocs.contoso.com"
    assert connection.sent_parameters()["CheckMode"] == "True"


def test_server_and_controller_must_agree_on_differences() -> None:
    connection = FakeConnection(vd_output(BEFORE, {"InstantMessagingEnabled": True}, AFTER))
    result = make(OwaVirtualDirectory, connection, dict(ARGS)).run(task_vars={})
    assert result["failed"] and "disagree" in result["msg"]


def test_connection_failure_is_left_to_ansible_as_unreachable() -> None:
    connection = FakeConnection(error=AnsibleConnectionFailure("ntlm: the specified credentials were rejected by the server"))
    with pytest.raises(AnsibleConnectionFailure):
        make(OwaVirtualDirectoryInfo, connection, {}).run(task_vars={})


def test_a_connection_that_is_not_powershell_is_refused_with_the_fix() -> None:
    connection = FakeConnection(family="sh")
    result = make(OwaVirtualDirectoryInfo, connection, {}).run(task_vars={})
    assert result["failed"] and "ansible_connection: winrm" in result["msg"] and connection.calls == []


def test_become_is_refused() -> None:
    connection = FakeConnection(vd_output(BEFORE, {}, BEFORE))
    result = make(OwaVirtualDirectoryInfo, connection, {}, become=True).run(task_vars={})
    assert result["failed"] and "become" in result["msg"] and connection.calls == []


def test_output_that_is_not_records_fails_with_stderr() -> None:
    connection = FakeConnection("hello\r\n", rc=1, stderr="The command line is too long.\r\n")
    result = make(OwaVirtualDirectoryInfo, connection, {}).run(task_vars={"inventory_hostname": "cas01"})
    assert result["failed"] and "unexpected output from cas01" in result["msg"] and "too long" in result["msg"]


def test_a_byte_order_mark_before_the_first_record_is_no_record_error() -> None:
    lines = ["\ufeff" + SERVER[0]] + SERVER[1:] + [record("vdir/0", "Identity", "CAS01\\owa (Default Web Site)"),
                                                   record("vdir/0", "Server", "CAS01")]
    result = make(OwaVirtualDirectoryInfo, FakeConnection("\r\n".join(lines)), {}).run(task_vars={})
    assert not result.get("failed"), result
    assert result["virtual_directories"][0]["identity"] == "CAS01\\owa (Default Web Site)"


def test_exchange_error_record_becomes_an_actionable_failure() -> None:
    lines = SERVER[:1] + [record("error", "kind", "exchange"),
                          record("error", "message", "Active Directory operation failed on dc01. A successful bind must be completed "
                                                     "on the connection."),
                          record("error", "id", "x"), record("error", "exception", "x")]
    result = make(OwaVirtualDirectoryInfo, FakeConnection("\r\n".join(lines), rc=2), {}).run(task_vars={})
    assert result["failed"] and result["error_kind"] == "second_hop" and "kerberos_delegation" in result["msg"]


def test_iis_restart_reports_the_exit_code() -> None:
    output = SERVER[:1] + [record("restart", "exit_code", "1"), record("restart", "output", ["Restart attempt failed."])]
    result = make(IisRestart, FakeConnection("\r\n".join(output)), {"method": "iisreset"}).run(task_vars={})
    assert result["failed"] and result["rc"] == 1 and "Restart attempt failed." in result["msg"]
    check = make(IisRestart, FakeConnection(""), {"method": "iisreset"}, check_mode=True).run(task_vars={})
    assert check["changed"] is True and "rc" not in check
