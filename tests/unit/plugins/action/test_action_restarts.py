"""iis_restart's when_pending, owa_virtual_directory's backups and the backup listing, with the remote side mocked."""

from __future__ import annotations

import os
import typing as t

from ansible_collections.exchange.owa_im.plugins.action.cas_info import ActionModule as CasInfo
from ansible_collections.exchange.owa_im.plugins.action.iis_restart import ActionModule as IisRestart
from ansible_collections.exchange.owa_im.plugins.action.owa_virtual_directory import ActionModule as OwaVirtualDirectory
from ansible_collections.exchange.owa_im.plugins.action.owa_virtual_directory_backup_info import ActionModule as BackupInfo
from ansible_collections.exchange.owa_im.tests.unit.plugins.action.test_action_plugins import (
    AFTER, ARGS, BEFORE, SERVER, FakeConnection, make, record, vd_output)


def restart_state(pending: bool) -> t.List[str]:
    return [record("restart_state", "worker_started", "638680000000000000"), record("restart_state", "directory_changed", "638680000010000000"),
            record("restart_state", "marker", "0"), record("restart_state", "pending", pending)]


def test_when_pending_restarts_nothing_where_the_server_owes_nothing() -> None:
    connection = FakeConnection("\r\n".join(SERVER + restart_state(False)) + "\r\n")
    result = make(IisRestart, connection, {"when_pending": True}).run(task_vars={})
    assert result["changed"] is False and "rc" not in result and result["restart_state"]["pending"] is False
    assert connection.sent_parameters()["WhenPending"] == "True"


def test_when_pending_restarts_where_it_is_owed() -> None:
    output = SERVER + restart_state(True) + [record("restart", "exit_code", "0"), record("restart", "output", ["Internet services successfully restarted"])]
    result = make(IisRestart, FakeConnection("\r\n".join(output) + "\r\n"), {"when_pending": True}).run(task_vars={})
    assert result["changed"] is True and result["rc"] == 0 and result["restart_state"]["pending"] is True


def test_check_mode_without_when_pending_asks_no_server() -> None:
    connection = FakeConnection("")
    result = make(IisRestart, connection, {}, check_mode=True).run(task_vars={})
    assert result["changed"] is True and connection.calls == []


def test_the_controller_copy_is_created_before_the_server_is_asked(tmp_path: t.Any) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("x")
    connection = FakeConnection(vd_output(BEFORE, AFTER, AFTER))
    result = make(OwaVirtualDirectory, connection, dict(ARGS, backup_directory=str(blocked))).run(task_vars={"inventory_hostname": "cas01"})
    assert result["failed"] and "cannot take a new file" in result["msg"] and "Nothing was changed" in result["msg"]
    assert connection.calls == []
    folder = tmp_path / "backups"
    output = vd_output(BEFORE, AFTER, AFTER) + record("server_backup", "path", "C:\\ProgramData\\exchange.owa_im\\backups\\CAS01-x.owaim") + "\r\n"
    result = make(OwaVirtualDirectory, FakeConnection(output), dict(ARGS, backup_directory=str(folder))).run(
        task_vars={"inventory_hostname": "../cas01"})
    assert result["changed"] and os.path.dirname(result["backup_file"]) == str(folder)
    assert os.path.basename(result["backup_file"]).startswith("_cas01-")
    assert result["server_backup_file"].endswith("CAS01-x.owaim") and oct(os.stat(result["backup_file"]).st_mode & 0o777) == "0o600"


def test_no_change_leaves_no_empty_controller_file(tmp_path: t.Any) -> None:
    folder = tmp_path / "backups"
    result = make(OwaVirtualDirectory, FakeConnection(vd_output(AFTER, {}, AFTER)), dict(ARGS, backup_directory=str(folder))).run(
        task_vars={"inventory_hostname": "cas01"})
    assert result["changed"] is False and "backup_file" not in result and list(folder.iterdir()) == []


def test_a_failed_server_backup_is_a_failure_that_says_nothing_changed() -> None:
    output = SERVER + [record("error", "kind", "backup_failed"), record("error", "message", "There is not enough space on the disk.")]
    result = make(OwaVirtualDirectory, FakeConnection("\r\n".join(output) + "\r\n"), dict(ARGS)).run(task_vars={})
    assert result["failed"] and "nothing was changed" in result["msg"] and "not enough space" in result["msg"]


def test_backup_info_refuses_files_of_other_hosts_with_a_warning() -> None:
    output = [record("server", "name", "CAS01"), record("listing", "count", "1"),
              record("listing", "folder_sddl", "O:BAG:SYD:PAI(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)"),
              record("folder/backups", "sddl", "O:BAG:SYD:AI(A;OICIID;FA;;;SY)(A;OICIID;FA;;;BA)"), record("file/0", "folder", "backups"),
              record("file/0", "name", "CAS02-20261125T0230001234567Z.owaim"), record("file/0", "length", "10"), record("file/0", "content", "x"),
              record("file/0", "sddl", "O:BAG:SYD:AI(A;ID;FA;;;SY)(A;ID;FA;;;BA)")]
    result = make(BackupInfo, FakeConnection("\r\n".join(output) + "\r\n"), {}).run(task_vars={"inventory_hostname": "cas01"})
    assert result["backups"] == [] and result["refused"][0]["reason"] == "its name names server CAS02, not CAS01"
    assert "refused, never restored" in result["warnings"][0]


def test_the_role_refuses_the_free_strategy_before_contacting_the_server() -> None:
    connection = FakeConnection("")
    plugin = make(CasInfo, connection, {"require_linear_strategy": True})
    plugin._task.get_play.return_value.strategy = "free"
    result = plugin.run(task_vars={})
    assert result["failed"] and "strategy: free" in result["msg"] and connection.calls == []
