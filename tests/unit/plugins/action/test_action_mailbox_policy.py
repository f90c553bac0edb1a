"""owa_mailbox_policy with the remote side mocked: what it sends, how it reads the answer, what it refuses."""

from __future__ import annotations

import typing as t

import pytest

from ansible_collections.exchange.owa_im.plugins.action.owa_mailbox_policy import ActionModule as OwaMailboxPolicy
from ansible_collections.exchange.owa_im.plugins.plugin_utils import _mailbox_policy
from ansible_collections.exchange.owa_im.plugins.plugin_utils._owa_settings import SettingError

from ansible_collections.exchange.owa_im.tests.unit.plugins.action.test_action_plugins import FakeConnection, make, record

SERVER_2010 = [record("server", "name", "CAS01"), record("server", "fqdn", "cas01.contoso.com"),
               record("server", "version", "Version 14.3 (Build 123.4)"), record("server", "now", "2026-11-26T12:00:00")]


def policy_output(before: t.Dict[str, t.Any], changes: t.Dict[str, t.Any], after: t.Dict[str, t.Any],
                  server: t.Optional[t.List[str]] = None) -> str:
    lines = list(server or SERVER_2010) + [record("before", "Name", "Contractors"), record("before", "Identity", "Contractors"),
                                           record("before", "IsDefault", False)]
    lines += [record("before", k, v) for k, v in before.items()]
    lines += [record("change", k, v) for k, v in changes.items()]
    lines += [record("after", k, v) for k, v in after.items()]
    if changes and after:
        lines.append(record("server_backup", "path", "C:\\ProgramData\\exchange.owa_im\\mailbox-policy-backups\\CAS01-1Z.owaim"))
    return "\r\n".join(lines) + "\r\n"


OFF = {"InstantMessagingEnabled": False, "InstantMessagingType": "None"}
ON = {"InstantMessagingEnabled": True, "InstantMessagingType": "Ocs"}


def test_a_change_sends_the_name_and_values_as_data_and_shows_the_diff() -> None:
    connection = FakeConnection(policy_output(OFF, ON, ON))
    result = make(OwaMailboxPolicy, connection, {"name": "Contractors", "instant_messaging_enabled": True,
                                                 "instant_messaging_type": "OCS"}).run(task_vars={"inventory_hostname": "cas01"})
    assert result["changed"] is True and not result.get("failed"), result
    assert result["before"] == {"instant_messaging_enabled": False, "instant_messaging_type": "None"}
    assert result["diff"]["after"] == {"instant_messaging_enabled": True, "instant_messaging_type": "Ocs"}
    assert result["server_backup_file"].endswith(".owaim") and "warnings" not in result
    command, _stdin = connection.calls[0]
    assert "Contractors" not in command
    sent = connection.sent_parameters()
    assert "script:owa_mailbox_policy" in sent and "library:OwaImServerState" in sent
    assert sent["Identity"] == "Contractors" and sent["Type"] == "Ocs" and sent["Enabled"] == "True"
    assert sorted(sent["Manage"]) == ["InstantMessagingEnabled", "InstantMessagingType"] and sent["BackupHost"] == "cas01"


def test_nothing_to_change_is_not_a_change() -> None:
    connection = FakeConnection(policy_output(ON, {}, ON))
    result = make(OwaMailboxPolicy, connection, {"name": "Contractors", "instant_messaging_enabled": True}).run(task_vars={})
    assert result["changed"] is False and result["set_parameters"] == {} and "server_backup_file" not in result
    assert connection.sent_parameters()["Manage"] == ["InstantMessagingEnabled"]


def test_check_mode_predicts_and_asks_the_server_to_change_nothing() -> None:
    connection = FakeConnection(policy_output(OFF, {"InstantMessagingEnabled": True}, OFF))
    result = make(OwaMailboxPolicy, connection, {"name": "Contractors", "instant_messaging_enabled": True}, check_mode=True).run(task_vars={})
    assert result["changed"] is True and result["after"]["instant_messaging_enabled"] is True
    assert connection.sent_parameters()["CheckMode"] == "True"


def test_a_read_back_that_still_differs_fails() -> None:
    connection = FakeConnection(policy_output(OFF, {"InstantMessagingEnabled": True}, OFF))
    result = make(OwaMailboxPolicy, connection, {"name": "Contractors", "instant_messaging_enabled": True}).run(task_vars={})
    assert result["failed"] and "still differ" in result["msg"] and result["set_parameters"] == {"InstantMessagingEnabled": True}


def test_an_unknown_name_lists_the_policies_the_server_has_made_safe() -> None:
    answer = "\r\n".join(SERVER_2010 + [record("policies", "count", "0"),
                                        record("policies", "names", "Default\nKiosk\n## injected\r[x](http://e)"),
                                        record("error", "kind", "policy_count"), record("error", "message", "0")]) + "\r\n"
    result = make(OwaMailboxPolicy, FakeConnection(answer, rc=4), {"name": "Defualt", "instant_messaging_enabled": True}).run(task_vars={})
    assert result["failed"] and result["error_kind"] == "not_found"
    assert result["msg"].startswith("no OWA mailbox policy is named Defualt (name); nothing was changed. The organisation has: ")
    assert "Default, Kiosk" in result["msg"] and "\n" not in result["msg"] and "\r" not in result["msg"]


def test_on_2013_and_later_an_enabled_policy_without_ocs_is_warned_about() -> None:
    server_2016 = [record("server", "name", "EX16"), record("server", "fqdn", "ex16.contoso.com"),
                   record("server", "version", "Version 15.1 (Build 2507.6)")]
    connection = FakeConnection(policy_output(OFF, {"InstantMessagingEnabled": True}, {"InstantMessagingEnabled": True,
                                                                                       "InstantMessagingType": "None"}, server_2016))
    result = make(OwaMailboxPolicy, connection, {"name": "Contractors", "instant_messaging_enabled": True}).run(task_vars={})
    assert result["changed"] is True
    assert any("set instant_messaging_type: ocs" in w for w in result["warnings"])


@pytest.mark.parametrize(("args", "said"), [
    ({"name": "Default"}, "set instant_messaging_enabled, instant_messaging_type or both"),
    ({"name": "Def?", "instant_messaging_enabled": True}, "wildcard"),
    ({"name": " Default", "instant_messaging_enabled": True}, "whitespace"),
    ({"name": "", "instant_messaging_enabled": True}, "got an empty value"),
    ({"name": "Default", "instant_messaging_type": "skype"}, "instant_messaging_type must be one of none, ocs or msn"),
])
def test_bad_input_reaches_no_server(args: t.Dict[str, t.Any], said: str) -> None:
    connection = FakeConnection("")
    result = make(OwaMailboxPolicy, connection, args).run(task_vars={})
    assert result["failed"] and said in result["msg"] and "Nothing was sent to the server." in result["msg"]
    assert connection.calls == []


def test_the_2013_rule_reads_versions_and_types() -> None:
    assert _mailbox_policy.later_version_warning("Version 14.3 (Build 123.4)", {"InstantMessagingEnabled": True}) is None
    assert _mailbox_policy.later_version_warning("Version 15.0 (Build 1497.2)", {"InstantMessagingEnabled": False}) is None
    assert _mailbox_policy.later_version_warning("Version 15.2 (Build 1.1)", {"InstantMessagingEnabled": True, "InstantMessagingType": "1"}) is None
    assert "unset" in (_mailbox_policy.later_version_warning("Version 15.2 (Build 1.1)", {"InstantMessagingEnabled": True}) or "")
    with pytest.raises(SettingError):
        _mailbox_policy.desired_settings({})
