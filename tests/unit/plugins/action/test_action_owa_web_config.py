"""owa_web_config with the remote side mocked: what it sends, how it reads the answer, what it refuses.

The text editing itself happens on the server (owa_web_config.ps1); the integration tests run it against the lab.
"""

from __future__ import annotations

import typing as t

import pytest

from ansible_collections.exchange.owa_im.plugins.action import owa_web_config
from ansible_collections.exchange.owa_im.plugins.action.owa_web_config import ActionModule as OwaWebConfig
from ansible_collections.exchange.owa_im.plugins.plugin_utils import _scripts
from ansible_collections.exchange.owa_im.plugins.plugin_utils._owa_settings import SettingError

from ansible_collections.exchange.owa_im.tests.unit.plugins.action.test_action_plugins import FakeConnection, make, record

SERVER_2013 = [record("server", "name", "CAS01"), record("server", "fqdn", "cas01.contoso.com"),
               record("server", "version", "Version 15.0 (Build 1497.2)"), record("server", "now", "2026-11-26T12:00:00")]
PATH = "C:\\Program Files\\Microsoft\\Exchange Server\\V15\\ClientAccess\\Owa\\web.config"
BACKUP = "C:\\ProgramData\\exchange.owa_im\\web-config-backups\\CAS01-20261126T1200000000000Z.config"
THUMB = "EA5A332496CC05DA69B75B66111C0F78A110D22D"
NONE = {"IMServerName": None, "IMCertificateThumbprint": None}
SET = {"IMServerName": "pool.contoso.com", "IMCertificateThumbprint": THUMB}


def answer(before: t.Dict[str, t.Any], change: t.Dict[str, str], after: t.Dict[str, t.Any], check_mode: bool = False,
           server: t.Optional[t.List[str]] = None, written: bool = True, pending: bool = True) -> str:
    lines = list(server or SERVER_2013) + [record("web_config", "path", PATH), record("web_config", "encoding", "utf-8"),
                                           record("web_config", "bom", True)]
    lines += [record("before", k, v) for k, v in before.items()]
    lines += [record("change", k, v) for k, v in change.items()]
    lines += [record("after", k, v) for k, v in (after if (check_mode or not change) else before).items()]
    if change and not check_mode:
        lines += [record("server_backup", "path", BACKUP), record("web_config", "written", written)]
        lines += [record("after_read", k, v) for k, v in after.items()]
    lines += [record("restart_state", "worker_started", "639000000000000000"), record("restart_state", "marker", "639000000010000000"),
              record("restart_state", "pending", pending)]
    return "\r\n".join(lines) + "\r\n"


def refused(kind: str, message: str, server: t.Optional[t.List[str]] = None) -> str:
    lines = list(server or SERVER_2013) + [record("web_config", "path", PATH), record("error", "kind", kind), record("error", "message", message)]
    return "\r\n".join(lines) + "\r\n"


def test_a_change_sends_the_values_as_data_and_reports_backup_diff_restart_and_the_update_warning() -> None:
    connection = FakeConnection(answer(NONE, {"IMCertificateThumbprint": "insert", "IMServerName": "insert"}, SET))
    result = make(OwaWebConfig, connection, {"im_server_name": "pool.contoso.com",
                                             "im_certificate_thumbprint": "ea 5a 33 24 96 cc 05 da 69 b7 5b 66 11 1c 0f 78 a1 10 d2 2d"}
                  ).run(task_vars={"inventory_hostname": "cas01"})
    assert result["changed"] is True and not result.get("failed"), result
    assert result["before"] == {"im_certificate_thumbprint": None, "im_server_name": None}
    assert result["after"] == {"im_certificate_thumbprint": THUMB, "im_server_name": "pool.contoso.com"}
    assert result["diff"]["after"] == result["after"] and result["diff"]["before_header"] == PATH
    assert result["server_backup_file"] == BACKUP and result["path"] == PATH and result["byte_order_mark"] is True
    assert result["changes"] == {"im_certificate_thumbprint": "insert", "im_server_name": "insert"}
    assert result["restart_pending"] is True and result["restart_state"]["pending"] is True
    assert any("cumulative update replaces OWA's web.config" in w for w in result["warnings"])
    command, _stdin = connection.calls[0]
    assert "pool.contoso.com" not in command and THUMB not in command
    sent = connection.sent_parameters()
    assert "script:owa_web_config" in sent and "library:OwaImServerState" in sent and "library:OwaImExchange" in sent
    assert sent["ServerName"] == "pool.contoso.com" and sent["Thumbprint"] == THUMB     # cleaned before it is sent
    assert sent["Present"] == "True" and sent["CheckMode"] == "False" and sent["Path"] == ""
    assert sorted(sent["Manage"]) == ["IMCertificateThumbprint", "IMServerName"]
    assert int(sent["MaxBytes"]) == owa_web_config.WEB_CONFIG_LIMIT


def test_values_already_there_are_no_change_and_no_backup() -> None:
    connection = FakeConnection(answer(SET, {}, SET, pending=False))
    result = make(OwaWebConfig, connection, {"im_server_name": "pool.contoso.com", "im_certificate_thumbprint": THUMB}).run(task_vars={})
    assert result["changed"] is False and "server_backup_file" not in result and result["after"] == result["before"]
    assert result["restart_pending"] is False


def test_one_key_alone_is_managed_and_the_other_left() -> None:
    connection = FakeConnection(answer({"IMServerName": "old.contoso.com", "IMCertificateThumbprint": THUMB}, {"IMServerName": "replace"},
                                       SET))
    result = make(OwaWebConfig, connection, {"im_server_name": "pool.contoso.com"}).run(task_vars={})
    assert result["changed"] is True and result["after"]["im_server_name"] == "pool.contoso.com"
    assert connection.sent_parameters()["Manage"] == ["IMServerName"]


def test_check_mode_predicts_and_asks_the_server_to_change_nothing() -> None:
    connection = FakeConnection(answer(NONE, {"IMServerName": "insert", "IMCertificateThumbprint": "insert"}, SET, check_mode=True))
    result = make(OwaWebConfig, connection, {"im_server_name": "pool.contoso.com", "im_certificate_thumbprint": THUMB},
                  check_mode=True).run(task_vars={})
    assert result["changed"] is True and result["after"]["im_server_name"] == "pool.contoso.com" and "server_backup_file" not in result
    assert connection.sent_parameters()["CheckMode"] == "True"


def test_absent_removes_both_keys() -> None:
    connection = FakeConnection(answer(SET, {"IMServerName": "remove", "IMCertificateThumbprint": "remove"}, NONE))
    result = make(OwaWebConfig, connection, {"state": "absent"}).run(task_vars={})
    assert result["changed"] is True and result["after"] == {"im_certificate_thumbprint": None, "im_server_name": None}
    sent = connection.sent_parameters()
    assert sent["Present"] == "False" and sent["Manage"] == []


def test_one_key_set_and_the_other_removed_as_a_rollback_to_a_file_with_one_key_does() -> None:
    after = {"IMServerName": "pool.contoso.com", "IMCertificateThumbprint": None}
    connection = FakeConnection(answer(SET, {"IMCertificateThumbprint": "remove"}, after))
    result = make(OwaWebConfig, connection, {"im_server_name": "pool.contoso.com", "remove_keys": ["im_certificate_thumbprint"]}).run(task_vars={})
    assert result["changed"] is True and not result.get("failed"), result
    assert result["after"] == {"im_certificate_thumbprint": None, "im_server_name": "pool.contoso.com"}
    sent = connection.sent_parameters()
    assert sent["Present"] == "True" and sent["Manage"] == ["IMServerName"] and sent["Remove"] == ["IMCertificateThumbprint"]


def test_a_read_back_that_still_differs_fails() -> None:
    connection = FakeConnection(answer(NONE, {"IMServerName": "insert"}, NONE))
    result = make(OwaWebConfig, connection, {"im_server_name": "pool.contoso.com"}).run(task_vars={})
    assert result["failed"] and "still differ" in result["msg"]


def test_a_file_that_does_not_read_back_as_written_fails_naming_the_backup() -> None:
    connection = FakeConnection(answer(NONE, {"IMServerName": "insert"}, {"IMServerName": "pool.contoso.com"}, written=False))
    result = make(OwaWebConfig, connection, {"im_server_name": "pool.contoso.com"}).run(task_vars={})
    assert result["failed"] and "does not read back as written" in result["msg"] and result["server_backup_file"] == BACKUP


def test_the_server_and_the_module_must_agree_on_what_differs() -> None:
    connection = FakeConnection(answer(SET, {"IMServerName": "replace"}, SET))
    result = make(OwaWebConfig, connection, {"im_server_name": "pool.contoso.com"}).run(task_vars={})
    assert result["failed"] and "disagree" in result["msg"]


def test_a_change_to_a_key_not_asked_for_fails() -> None:
    connection = FakeConnection(answer(NONE, {"IMCertificateThumbprint": "insert"}, SET))
    result = make(OwaWebConfig, connection, {"im_server_name": "pool.contoso.com"}).run(task_vars={})
    assert result["failed"] and "did not ask for" in result["msg"]


@pytest.mark.parametrize(("version", "said"), [
    ("Version 14.3 (Build 123.4)", "Exchange 2010 takes them from the virtual directory"),
    ("Version 15.1 (Build 2507.6)", "2016 and later from a setting override"),
])
def test_other_versions_are_refused_and_nothing_changes(version: str, said: str) -> None:
    server = [record("server", "name", "CAS01"), record("server", "version", version)]
    result = make(OwaWebConfig, FakeConnection(refused("wrong_version", version, server), rc=4),
                  {"im_server_name": "pool.contoso.com"}).run(task_vars={})
    assert result["failed"] and result["error_kind"] == "wrong_version"
    assert said in result["msg"] and version in result["msg"] and result["msg"].endswith("Nothing was changed.")


def test_a_version_the_script_should_have_refused_is_not_reported_as_success() -> None:
    server = [record("server", "name", "CAS01"), record("server", "version", "Version 14.3 (Build 123.4)")]
    result = make(OwaWebConfig, FakeConnection(answer(SET, {}, SET, server=server)), {"im_server_name": "pool.contoso.com"}).run(task_vars={})
    assert result["failed"] and "not Exchange 2013" in result["msg"]


@pytest.mark.parametrize(("kind", "message", "said"), [
    ("duplicate_key", "IMServerName", "holds the key IMServerName more than once"),
    ("no_app_settings", "opening tags: 0", "has no single <appSettings> element"),
    ("too_large", "2000000", "is 2000000 bytes, more than the 1048576"),
    ("encoding", "utf-8", "does not read back byte for byte"),
    ("no_file", "D:\\nowhere\\web.config", "there is no file D:\\nowhere\\web.config"),
    ("changed_meanwhile", PATH, "changed while the task ran"),
    ("backup_failed", "There is not enough space on the disk.", "could not be written"),
])
def test_what_the_server_refuses_is_said_with_nothing_changed(kind: str, message: str, said: str) -> None:
    result = make(OwaWebConfig, FakeConnection(refused(kind, message), rc=4), {"im_server_name": "pool.contoso.com"}).run(task_vars={})
    assert result["failed"] and said in result["msg"] and "othing was changed" in result["msg"], result["msg"]


@pytest.mark.parametrize(("args", "said"), [
    ({}, "set im_server_name, im_certificate_thumbprint or both"),
    ({"im_server_name": "pool"}, "im_server_name must be the fully qualified domain name"),
    ({"im_server_name": "pool.contoso.com\" evil=\"1"}, "im_server_name must be the fully qualified domain name"),
    ({"im_certificate_thumbprint": "1234"}, "im_certificate_thumbprint must be a certificate's SHA-1 thumbprint"),
    ({"state": "absent", "im_server_name": "pool.contoso.com"}, "state absent removes both keys"),
    ({"im_server_name": "pool.contoso.com", "path": " "}, "path must be the full path"),
])
def test_bad_input_reaches_no_server(args: t.Dict[str, t.Any], said: str) -> None:
    connection = FakeConnection("")
    result = make(OwaWebConfig, connection, args).run(task_vars={})
    assert result["failed"] and said in result["msg"] and "Nothing was sent to the server." in result["msg"]
    assert connection.calls == []


def test_a_key_both_given_and_removed_is_refused_before_the_server() -> None:
    with pytest.raises(SettingError, match="im_server_name is both given a value and listed in remove_keys"):
        owa_web_config.desired_values({"state": "present", "im_server_name": "pool.contoso.com", "remove_keys": ["im_server_name"]})
    with pytest.raises(SettingError, match="do not give remove_keys with it"):
        owa_web_config.desired_values({"state": "absent", "remove_keys": ["im_server_name"]})
    assert owa_web_config.desired_values({"state": "present", "remove_keys": ["im_server_name"]}) == {"IMServerName": None}


def test_desired_values_and_differences() -> None:
    assert owa_web_config.desired_values({"state": "absent"}) == NONE
    assert owa_web_config.desired_values({"state": "present", "im_server_name": "pool.contoso.com."}) == {"IMServerName": "pool.contoso.com"}
    assert owa_web_config.differences({"IMServerName": "Pool.contoso.com"}, {"IMServerName": "pool.contoso.com"}) == {
        "IMServerName": "pool.contoso.com"}
    assert owa_web_config.differences(SET, {"IMServerName": "pool.contoso.com"}) == {}
    with pytest.raises(SettingError):
        owa_web_config.desired_values({"state": "present"})


def test_the_script_is_held_to_powershell_2() -> None:
    # Only 2013 servers (PowerShell 4.0) run it, but it stays 2.0-clean like every script LIBRARIES lists.
    assert _scripts.LIBRARIES["owa_web_config"] == ("OwaImRecords", "OwaImExchange", "OwaImServerState")
    assert "owa_web_config" in _scripts.POWERSHELL_2_SCRIPTS
