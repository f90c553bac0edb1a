"""What the collection keeps on each CAS: the restart decision's facts, and backups as untrusted input."""

from __future__ import annotations

import base64
import os
import stat
import typing as t

import pytest

from ansible_collections.exchange.owa_im.plugins.plugin_utils import _controller_files, _owa_probe, _server_state

SERVER = "CAS01"
HOST = "cas01.contoso.com"
NAME = "CAS01-20261125T0230001234567Z.owaim"


def line(record: str, field: str, value: t.Any) -> str:
    kind, text = ("null", "") if value is None else (("bool", str(value)) if isinstance(value, bool) else ("string", str(value)))
    return "OWAIM|%s|%s|%s|%s" % (record, field, kind, base64.b64encode(text.encode()).decode())


def backup_text(**overrides: t.Any) -> str:
    head = {"format": "1", "host": HOST, "server": SERVER, "identity": "CAS01\\owa (Default Web Site)", "taken_at": "2026-11-25T02:30:00Z",
            "run": "2026-11-25T02:29:50Z"}
    settings = {"InstantMessagingEnabled": False, "InstantMessagingType": "None", "InstantMessagingServerName": None,
                "InstantMessagingCertificateThumbprint": None}
    for key, value in overrides.items():
        (settings if key.startswith("InstantMessaging") else head)[key] = value
    return "\r\n".join([line("backup", k, v) for k, v in head.items()] + [line("settings", k, v) for k, v in settings.items()]) + "\r\n"


def parse(name: str = NAME, **overrides: t.Any) -> t.Dict[str, t.Any]:
    text = backup_text(**overrides)
    return _server_state.parse_backup(name, text, len(text), 65536, HOST, SERVER)


def test_a_backup_of_this_host_is_read_with_its_time_to_the_microsecond() -> None:
    backup = parse()
    assert backup["taken_at"] == "2026-11-25T02:30:00.123456Z" and backup["run"] == "2026-11-25T02:29:50Z"
    assert backup["settings"] == {"instant_messaging_enabled": False, "instant_messaging_type": "None",
                                  "instant_messaging_server_name": None, "instant_messaging_certificate_thumbprint": None}


@pytest.mark.parametrize("name,overrides,reason", [
    ("cas01-old.owaim", {}, "its name is not"),
    ("CAS02-20261125T0230001234567Z.owaim", {}, "names server CAS02"),
    (NAME, {"server": "CAS02"}, "taken on 'CAS02'"),
    (NAME, {"host": "cas02.contoso.com"}, "for inventory host 'cas02.contoso.com'"),
    (NAME, {"identity": "CAS02\\owa (Default Web Site)"}, "is not on CAS01"),
    (NAME, {"format": "2"}, "its format"),
    (NAME, {"InstantMessagingServerName": "evil.example.com; rm"}, "a value in it is not valid"),
    (NAME, {"InstantMessagingCertificateThumbprint": "XYZ"}, "a value in it is not valid"),
])
def test_a_backup_that_is_not_this_hosts_own_is_refused_with_the_reason(name: str, overrides: t.Dict[str, t.Any], reason: str) -> None:
    with pytest.raises(_server_state.BackupRefused, match=reason.replace("(", r"\(").replace("'", "'")):
        parse(name, **overrides)


def test_a_planted_file_cannot_add_records_of_its_own_or_be_too_large() -> None:
    text = backup_text() + "not a record\r\n"
    with pytest.raises(_server_state.BackupRefused, match="not a backup this collection wrote"):
        _server_state.parse_backup(NAME, text, len(text), 65536, HOST, SERVER)
    with pytest.raises(_server_state.BackupRefused, match="more than the 256"):
        _server_state.parse_backup(NAME, None, 10_000, 256, HOST, SERVER)
    with pytest.raises(_server_state.BackupRefused, match="properties a backup never holds"):
        _server_state.parse_backup(NAME, backup_text() + line("settings", "ExternalUrl", "x") + "\r\n", 900, 65536, HOST, SERVER)


def test_read_backups_keeps_the_good_oldest_first_and_lists_the_refused() -> None:
    newer = "CAS01-20261126T0100000000000Z.owaim"
    own = "O:BAG:SYD:AI(A;ID;FA;;;SY)(A;ID;FA;;;BA)"
    files = [{"name": newer, "length": "600", "content": backup_text(), "sddl": own}, {"name": NAME, "length": "600", "content": backup_text(), "sddl": own},
             {"name": "CAS01-20261126T0100000000001Z.owaim", "length": "600", "content": backup_text(host="other"), "sddl": own}]
    listing = {"folder_sddl": "O:BAG:SYD:PAI(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)", "backups_sddl": own}
    usable, refused = _server_state.read_backups({"server": {"name": SERVER}, "listing": listing}, files, HOST, 65536)
    assert [b["file"] for b in usable] == [NAME, newer]
    assert refused == [{"file": "CAS01-20261126T0100000000001Z.owaim", "reason": "it was taken for inventory host 'other', not 'cas01.contoso.com'"}]


def backups(*stamps_and_runs: t.Tuple[str, str]) -> t.List[t.Dict[str, t.Any]]:
    return [{"taken_at": stamp, "run": run, "file": stamp} for stamp, run in stamps_and_runs]


def test_rollback_returns_each_server_to_one_moment() -> None:
    cas01 = backups(("2026-11-25T02:30:00.000001Z", "run1"), ("2026-11-26T01:00:00.000001Z", "run2"))
    cas02 = backups(("2026-11-25T02:30:01.000001Z", "run1"))
    # Default: just before the newest run (run2, which changed only CAS01).
    moment = _server_state.newest_run_start([cas01, cas02])
    assert moment == "20261126T010000.000000"
    assert _server_state.rollback_choice(cas01, moment)["run"] == "run2"
    assert _server_state.rollback_choice(cas02, moment) is None
    # Before the first run: every server's oldest backup.
    assert _server_state.rollback_choice(cas01, "20261125T0229")["run"] == "run1"
    assert _server_state.rollback_choice(cas02, "2026-11-25T02:29")["run"] == "run1"
    # A shortened time means the end of that period: a backup in that minute is at or before it.
    assert _server_state.rollback_choice(cas02, "20261125T0230") is None


def test_rollback_plan_and_a_bad_moment() -> None:
    hosts = [{"inventory_hostname": "cas01", "owa_im_backups": {"backups": backups(("2026-11-25T02:30:00.000001Z", "r"))}},
             {"inventory_hostname": "cas02"}]
    plan = _server_state.rollback_plan(hosts)
    assert plan["servers"]["cas01"]["run"] == "r" and plan["servers"]["cas02"] is None
    assert _server_state.rollback_plan([{"inventory_hostname": "cas02"}])["moment"] is None
    with pytest.raises(ValueError, match="owa_im_rollback_to must be a UTC time"):
        _server_state.rollback_plan(hosts, "yesterday")


def test_restart_state_turns_ticks_into_times() -> None:
    ticks = 638680000000000000  # 2024-11-... in .NET ticks
    state = _server_state.restart_state({"restart_state": {"pending": True, "worker_started": "0", "directory_changed": str(ticks),
                                                           "marker": "bad"}})
    assert state["pending"] is True and state["worker_started"] is None and state["last_change_marker"] is None
    assert state["virtual_directory_changed"].startswith("2024-")


def test_state_failures_say_nothing_was_changed() -> None:
    message = _server_state.state_failure({"server": {"name": "CAS01"}, "error": {"kind": "backup_failed", "message": "disk full"}})
    assert message is not None and "nothing was changed" in message and "disk full" in message
    assert _server_state.state_failure({"error": {"kind": "exchange"}}) is None


@pytest.mark.parametrize("host,expected", [("cas01.contoso.com", "cas01.contoso.com"), ("../../etc/x", "_.._etc_x"),
                                           ("cas*[01]", "cas__01_"), ("", "_"), (".hidden", "hidden")])
def test_host_names_become_safe_file_names(host: str, expected: str) -> None:
    assert _controller_files.safe_name(host) == expected


def test_private_directory_is_made_0700_and_refuses_links_and_open_folders(tmp_path: t.Any) -> None:
    made = _controller_files.private_directory(str(tmp_path / "a" / "b"))
    assert stat.S_IMODE(os.stat(made).st_mode) == 0o700
    os.symlink(made, tmp_path / "link")
    with pytest.raises(OSError, match="symbolic link"):
        _controller_files.private_directory(str(tmp_path / "link"))
    open_folder = tmp_path / "open"
    open_folder.mkdir(mode=0o777)
    os.chmod(open_folder, 0o777)
    with pytest.raises(OSError, match="writable by group or others"):
        _controller_files.private_directory(str(open_folder))


def test_the_owa_probe_waits_for_an_answer_and_gives_up_with_the_last_one(monkeypatch: pytest.MonkeyPatch) -> None:
    answers = iter([(None, "Connection refused"), (503, "HTTP 503"), (302, "HTTP 302")])
    monkeypatch.setattr(_owa_probe, "probe", lambda url, context, timeout: next(answers))
    now = [0.0]
    result = _owa_probe.wait_until_answering("https://cas01/owa/", 30, clock=lambda: now[0], sleep=lambda s: now.__setitem__(0, now[0] + s))
    assert result["status"] == 302 and result["attempts"] == 3
    monkeypatch.setattr(_owa_probe, "probe", lambda url, context, timeout: (503, "HTTP 503"))
    with pytest.raises(_owa_probe.ProbeError, match=r"did not answer within 5 s after the reset \(last: HTTP 503\)"):
        _owa_probe.wait_until_answering("https://cas01/owa/", 5, clock=lambda: now[0], sleep=lambda s: now.__setitem__(0, now[0] + s))
    with pytest.raises(_owa_probe.ProbeError, match="must be an http"):
        _owa_probe.wait_until_answering("cas01/owa", 5)
    assert [_owa_probe.answers(code) for code in (200, 302, 401, 404, 503)] == [True, True, True, False, False]


def test_a_name_the_controller_cannot_resolve_fails_at_once() -> None:
    with pytest.raises(_owa_probe.ProbeError, match="cannot resolve cas01.invalid"):
        _owa_probe.wait_until_answering("https://cas01.invalid/owa/", 300)


PRIVATE = "O:BAG:SYD:PAI(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)"
ME = "S-1-5-21-1-2-3-500"


@pytest.mark.parametrize("sddl,reason", [
    (PRIVATE, None),
    ("O:SYG:SYD:AI(A;ID;FA;;;SY)(A;ID;FA;;;BA)", None),
    ("O:S-1-5-32-544G:SYD:(A;;FA;;;S-1-5-18)", None),
    ("O:%sG:SYD:AI(A;ID;FA;;;SY)(A;ID;FA;;;BA)" % ME, None),                 # "Object creator" owner policy
    ("O:BAG:SYD:AI(A;OICIIOID;GA;;;CO)(A;OICIID;FA;;;BA)", None),            # inherit-only: nothing on the object itself
    ("O:S-1-5-21-1-2-3-1107G:SYD:(A;;FA;;;BA)", "it is owned by S-1-5-21-1-2-3-1107, not by Administrators"),
    ("O:BAG:SYD:AI(A;CIID;DCLCRPCR;;;BU)(A;ID;FA;;;BA)", "BU may write it (its ACL grants access to BU)"),
    ("O:BAG:SYD:AI(A;ID;FA;;;BA)(A;ID;0x1200a9;;;BU)", None),                 # read and execute only: no way in
    ("O:BAG:SYD:AI(A;ID;FA;;;BA)(A;ID;FRFX;;;BU)", None),
    ("O:BAG:SYD:AI(A;ID;FA;;;BA)(A;ID;0x100116;;;BU)", "BU may write it"),    # write data among other bits
    ("O:BAG:SYD:AI(A;ID;FA;;;BA)(A;;WD;;;AU)", "AU may write it"),            # write DAC: it can grant itself the rest
    ("O:BAG:SY", "Everyone (no DACL) may write it"),
    (None, "its owner could not be read"),
])
def test_who_may_have_written_a_file(sddl, reason) -> None:
    found = _server_state.untrusted_reason(sddl, ME)
    assert (found is None) if reason is None else (found is not None and found.startswith(reason))


def test_a_file_someone_else_owns_is_refused_for_that_before_its_folder() -> None:
    listing = {"folder_sddl": "O:BAG:SYD:AI(A;CIID;DCLCRPCR;;;BU)", "backups_sddl": PRIVATE}
    records = {"server": {"name": "CAS01", "account_sid": ME}, "listing": listing}
    files = [{"name": "CAS01-20261126T1000000000000Z.owaim", "length": "10", "content": "", "sddl": "O:S-1-5-21-9G:SYD:(A;;FA;;;BA)"},
             {"name": "CAS01-20261126T1000000000001Z.owaim", "length": "10", "content": "", "sddl": PRIVATE}]
    usable, refused = _server_state.read_backups(records, files, "cas01.contoso.lab", 65536)
    assert usable == []
    assert refused[0]["reason"].startswith("it is owned by S-1-5-21-9")
    assert refused[1]["reason"] == "its folder is not private: BU may write it (its ACL grants access to BU)"


def test_a_refused_marker_is_reported_and_capped() -> None:
    state = _server_state.restart_state({"restart_state": {"pending": False}, "state_folder": {"marker_refused": "x" * 1000}})
    assert state["marker_refused"] == "x" * 300 + "…" and _server_state.restart_state({})["marker_refused"] is None
