"""Backups on the servers are untrusted input: planted files are listed as refused and never restored (issue #15)."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from conftest import LAB_VARS, ROOT, Lab, start_lab

PLAYBOOKS = ROOT / "playbooks"
FOLDER = "C:\\ProgramData\\exchange.owa_im\\backups\\"


def record(name: str, field: str, value: object) -> str:
    kind, text = ("bool", str(value)) if isinstance(value, bool) else ("string", str(value))
    return "OWAIM|%s|%s|%s|%s" % (name, field, kind, base64.b64encode(text.encode()).decode())


def planted(server: str, host: str, identity_server: str) -> str:
    lines = [record("backup", "format", "1"), record("backup", "host", host), record("backup", "server", server),
             record("backup", "identity", identity_server + "\\owa (Default Web Site)"), record("backup", "run", "2999-12-31T23:59:59Z"),
             record("settings", "InstantMessagingEnabled", True), record("settings", "InstantMessagingType", "Ocs"),
             record("settings", "InstantMessagingServerName", "ocs.attacker.example")]
    return "\r\n".join(lines) + "\r\n"


@pytest.fixture
def pool(tmp_path_factory: pytest.TempPathFactory):
    started = start_lab(tmp_path_factory.mktemp("pool"), 2)
    yield started
    started.owa_lab("down")


def test_planted_backups_are_refused_and_never_restored(pool: Lab, tmp_path: Path) -> None:
    site = pool.playbook(PLAYBOOKS / "site.yml", extra_vars=dict(LAB_VARS, owa_im_backup_directory=str(tmp_path / "b"),
                                                                 owa_im_host_authorization_file=str(tmp_path / "h.md")))
    assert site.returncode == 0, site.stdout[-3000:]
    # Newer than any real backup, each wrong in one way: another server's name on CAS01, a CAS01 name whose content
    # was taken on CAS02, one for another inventory host, one whose directory is CAS02's, and a name off the pattern.
    pool.seed(tmp_path, {"servers": {"CAS01": {"files": {
        FOLDER + "CAS02-29991231T2359590000000Z.owaim": planted("CAS02", "cas02.contoso.lab", "CAS02"),
        FOLDER + "CAS01-29991231T2359590000001Z.owaim": planted("CAS02", "cas01.contoso.lab", "CAS01"),
        FOLDER + "CAS01-29991231T2359590000002Z.owaim": planted("CAS01", "cas02.contoso.lab", "CAS01"),
        FOLDER + "CAS01-29991231T2359590000003Z.owaim": planted("CAS01", "cas01.contoso.lab", "CAS02"),
        FOLDER + "cas01-old.owaim": planted("CAS01", "cas01.contoso.lab", "CAS01"),
    }}}})
    listed = pool.playbook(PLAYBOOKS / "rollback.yml", extra_vars={"owa_im_rollback_list": True})
    assert listed.returncode == 0, listed.stdout[-3000:]
    said = " ".join((listed.stdout + listed.stderr).split())
    assert "5 backup file(s) refused, never restored" in said
    for reason in ("its name names server CAS02, not CAS01", "it was taken on 'CAS02', not on CAS01",
                   "it was taken for inventory host 'cas02.contoso.lab', not 'cas01.contoso.lab'",
                   "its virtual directory 'CAS02\\\\owa (Default Web Site)' is not on CAS01", "its name is not"):
        assert reason in said or reason.replace("\\\\", "\\") in said, reason
    rollback = pool.playbook(PLAYBOOKS / "rollback.yml")
    assert rollback.returncode == 0, rollback.stdout[-3000:]
    for server in ("CAS01", "CAS02"):
        assert pool.vdir(server)["InstantMessagingServerName"] != "ocs.attacker.example"
    assert pool.vdir("CAS01")["InstantMessagingServerName"] is None


MALLORY = "S-1-5-21-3623811015-3361044348-30300820-1107"   # a local user's account, no administrator
STATE = "C:\\ProgramData\\exchange.owa_im"


def _site(pool: Lab, tmp_path: Path, **extra: object):
    return pool.playbook(PLAYBOOKS / "site.yml", extra_vars=dict(LAB_VARS, owa_im_backup_directory=str(tmp_path / "b"),
                                                                 owa_im_host_authorization_file=str(tmp_path / "h.md"), **extra))


def test_the_state_folder_is_made_private_to_administrators_and_system(pool: Lab, tmp_path: Path) -> None:
    assert _site(pool, tmp_path).returncode == 0
    for server in ("CAS01", "CAS02"):
        assert pool.host(server)["security"] == {STATE: "O:BAG:SYD:PAI(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)"}


def test_a_folder_from_before_is_made_private_when_administrators_own_all_of_it(pool: Lab, tmp_path: Path) -> None:
    # As the previous release left it: made without an ACL of its own, so it inherits "Users: create files" from
    # %ProgramData%; an administrator's old backup inside.
    pool.seed(tmp_path, {"servers": {"CAS01": {"files": {
        FOLDER + "CAS01-20261101T0000000000000Z.owaim": planted("CAS01", "cas01.contoso.lab", "CAS01")}}}})
    run = _site(pool, tmp_path)
    assert run.returncode == 0, run.stdout[-3000:]
    assert pool.host("CAS01")["security"] == {STATE: "O:BAG:SYD:PAI(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)"}
    assert any(e["event"] == "acl-set" and e["server"] == "CAS01" for e in pool.log())


def test_a_file_another_account_owns_stops_the_change_and_is_never_restored(pool: Lab, tmp_path: Path) -> None:
    planted_name = FOLDER + "CAS01-29991231T2359590000000Z.owaim"
    pool.seed(tmp_path, {"servers": {"CAS01": {
        "files": {planted_name: planted("CAS01", "cas01.contoso.lab", "CAS01")},
        "security": {planted_name: f"O:{MALLORY}G:{MALLORY}D:AI(A;;FA;;;{MALLORY})"}}}})
    run = _site(pool, tmp_path)
    assert run.returncode != 0
    said = " ".join(run.stdout.split())
    assert f"{planted_name} is owned by {MALLORY}, not by Administrators".replace("\\", "\\\\") in said \
        or f"{planted_name} is owned by {MALLORY}, not by Administrators" in said, run.stdout[-3000:]
    assert [e for e in pool.log() if e["event"] == "ad-change"] == []
    listed = pool.playbook(PLAYBOOKS / "rollback.yml", "--limit", "cas01.contoso.lab", extra_vars={"owa_im_rollback_list": True})
    listed_text = " ".join((listed.stdout + listed.stderr).split())
    assert f"it is owned by {MALLORY}, not by Administrators, SYSTEM or the account that reads it" in listed_text, listed.stdout[-3000:]


def test_a_backup_others_may_write_is_refused(pool: Lab, tmp_path: Path) -> None:
    assert _site(pool, tmp_path).returncode == 0
    name = next(path for path in pool.host("CAS01")["files"] if path.lower().endswith(".owaim"))
    pool.seed(tmp_path, {"servers": {"CAS01": {"security": {name: "O:BAG:SYD:AI(A;;0x1301bf;;;BU)(A;ID;FA;;;SY)(A;ID;FA;;;BA)"}}}})
    listed = pool.playbook(PLAYBOOKS / "rollback.yml", "--limit", "cas01.contoso.lab", extra_vars={"owa_im_rollback_list": True})
    said = " ".join((listed.stdout + listed.stderr).split())
    assert "BU may write it (its ACL grants access to BU)" in said, listed.stdout[-3000:]
