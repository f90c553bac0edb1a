"""ocs_host_authorization against the lab's OCS 2007 R2 Standard Edition server (PowerShell 2.0, WMI): create, unchanged on
a second run, check mode and diff, a creation, a changed flag and absent each backed up on the server first, and refused input
that changes nothing."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest

from conftest import ROOT, Lab, lab_vars, start_lab
from owa_lab.store import Store

FRONT_END = "fe01.contoso.lab"
SERVERS = ["cas01.contoso.lab", "CAS02.contoso.lab"]
BACKUPS = "host-authorization-backups"
PLAYBOOKS = ROOT / "playbooks"


@pytest.fixture(scope="module")
def ocs(tmp_path_factory: pytest.TempPathFactory):
    started = start_lab(tmp_path_factory.mktemp("lab"), 2, "--version", "2010sp3", "--front-end", "ocs2007r2")
    yield started
    started.owa_lab("down")


def _play(lab: Lab, tmp_path: Path, args: dict[str, Any], *flags: str) -> tuple[Any, dict[str, Any]]:
    """One task on the group ocs_front_ends; its result from the OCS server."""
    run = lab.play(tmp_path, {"exchange.owa_im.ocs_host_authorization": args, "ignore_errors": True}, *flags, hosts="ocs_front_ends")
    assert run.returncode == 0, run.stdout[-3000:]
    return run, Lab.result(tmp_path, FRONT_END)


def _entries(lab: Lab) -> list[dict[str, Any]]:
    return lab.directory()["ocs"]["remote_addresses"]


def _backups(lab: Lab) -> list[str]:
    return sorted(path for path in lab.host("FE01")["files"] if BACKUPS in path.lower() and path.lower().endswith(".owaim"))


def _blob(lab: Lab, path: str) -> str:
    return (lab.state / "blobs" / lab.host("FE01")["files"][path]["blob"]).read_text(encoding="utf-8-sig")


def test_entries_are_created_left_alone_changed_and_removed_with_backups(ocs: Lab, tmp_path: Path) -> None:
    run, check = _play(ocs, tmp_path, {"servers": SERVERS}, "--check", "--diff")
    assert check["changed"] is True and [a["action"] for a in check["actions"]] == ["create", "create"], check
    assert check["after"][0] == {"server": "cas01.contoso.lab", "instance_id": None, "backend": "(local)\\rtc", "outbound_only": False,
                                 "throttle_as_server": True, "treat_as_authenticated": True}
    assert "treat_as_authenticated" in run.stdout and _entries(ocs) == [] and _backups(ocs) == []   # the diff, nothing changed or written

    _run, first = _play(ocs, tmp_path, {"servers": SERVERS})
    assert first["changed"] is True and first["front_end"] == "FE01", first
    entries = _entries(ocs)
    assert sorted(e["Server"] for e in entries) == ["cas01.contoso.lab", "cas02.contoso.lab"]
    assert all((e["Backend"], e["OutboundOnly"], e["ThrottleAsServer"], e["TreatAsAuthenticated"]) == ("(local)\\rtc", False, True, True)
               for e in entries)
    assert [a["server"] for a in first["after"]] == ["cas01.contoso.lab", "cas02.contoso.lab"]
    # Each entry created is recorded first as one that did not exist, so that a rollback removes it.
    created = _backups(ocs)
    assert len(created) == 2 and first["server_backup_file"].lower() == created[-1].lower(), (created, first)
    for backup, server in zip(created, ("cas01.contoso.lab", "cas02.contoso.lab")):
        text = _blob(ocs, backup)
        assert "OWAIM|backup|existed|bool|" + base64.b64encode(b"False").decode() in text
        assert "OWAIM|backup|identity|string|" + base64.b64encode(server.encode()).decode() in text
        assert "OWAIM|settings|" not in text

    _run, second = _play(ocs, tmp_path, {"servers": SERVERS})
    assert second["changed"] is False and second["actions"] == [] and second["after"] == second["before"]
    puts = len([e for e in ocs.log() if e["event"] == "wmi-put"])
    assert puts == 2

    # An entry someone changed by hand is put back, and its old flags kept on the server first.
    with Store(ocs.state).edit_directory() as directory:
        directory["ocs"]["remote_addresses"][0]["TreatAsAuthenticated"] = False
    _run, fixed = _play(ocs, tmp_path, {"servers": ["cas01.contoso.lab"]}, "--diff")
    assert fixed["changed"] is True and [a["action"] for a in fixed["actions"]] == ["update"], fixed
    assert fixed["before"][0]["treat_as_authenticated"] is False and fixed["after"][0]["treat_as_authenticated"] is True
    assert fixed["diff"]["before"]["entries"] == fixed["before"]
    backups = _backups(ocs)
    assert len(backups) == 3 and fixed["server_backup_file"].lower() == backups[-1].lower()
    text = _blob(ocs, backups[-1])
    assert "OWAIM|settings|TreatAsAuthenticated|bool|" + base64.b64encode(b"False").decode() in text
    assert "OWAIM|backup|identity|string|" + base64.b64encode(b"cas01.contoso.lab").decode() in text

    _run, gone = _play(ocs, tmp_path, {"servers": SERVERS, "state": "absent"})
    assert gone["changed"] is True and [a["action"] for a in gone["actions"]] == ["remove", "remove"] and gone["after"] == []
    assert _entries(ocs) == [] and len(_backups(ocs)) == 5


def test_refused_input_names_the_option_and_changes_nothing(ocs: Lab, tmp_path: Path) -> None:
    before = _entries(ocs)
    _run, bad = _play(ocs, tmp_path, {"servers": ["cas01"]})
    assert bad["failed"] and bad["msg"].startswith("servers must hold fully qualified domain names") and "Nothing was sent" in bad["msg"]
    _run, empty = _play(ocs, tmp_path, {"servers": []})
    assert empty["failed"] and "servers must list at least one" in empty["msg"]
    assert _entries(ocs) == before


def test_a_client_access_server_is_no_ocs_server(ocs: Lab, tmp_path: Path) -> None:
    run = ocs.play(tmp_path, {"exchange.owa_im.ocs_host_authorization": {"servers": ["cas01.contoso.lab"]}, "ignore_errors": True})
    assert run.returncode == 0, run.stdout[-2000:]
    result = Lab.result(tmp_path, "cas01.contoso.lab")
    assert result["failed"] and "has no OCS 2007 R2 Host Authorization" in result["msg"] and "Invalid class" in result["msg"]


def test_site_creates_the_host_authorization_entries_on_the_ocs_server(tmp_path: Path) -> None:
    """Exchange 2010 SP3 with OCS 2007 R2: with owa_im_manage_host_authorization the role creates the Host Authorization
    entries itself (one per certificate subject), needs no confirmation from the administrator, and a second run changes
    nothing."""
    lab = start_lab(tmp_path / "lab", 2, "--version", "2010sp3", "--front-end", "ocs2007r2")
    try:
        extra = lab_vars(tmp_path, owa_im_host_authorization_confirmed=False, owa_im_manage_host_authorization=True)
        run = lab.playbook(PLAYBOOKS / "site.yml", extra_vars=extra)
        assert run.returncode == 0, run.stdout[-4000:]
        entries = _entries(lab)
        assert sorted(e["Server"] for e in entries) == ["cas01.contoso.lab", "cas02.contoso.lab"]
        assert all((e["OutboundOnly"], e["ThrottleAsServer"], e["TreatAsAuthenticated"]) == (False, True, True) for e in entries)
        assert all(lab.vdir(name)["InstantMessagingEnabled"] is True for name in ("CAS01", "CAS02"))
        again = lab.playbook(PLAYBOOKS / "site.yml", extra_vars=extra)
        assert again.returncode == 0 and "changed=0" in again.stdout.split("PLAY RECAP")[-1], again.stdout[-3000:]
        assert _entries(lab) == entries
        # rollback returns the OCS server too: the entries site created go, after the Client Access servers' restore;
        # undoing that rollback brings them back with their flags.
        since = len(lab.log())
        rollback = lab.playbook(PLAYBOOKS / "rollback.yml", extra_vars=lab_vars(tmp_path))
        assert rollback.returncode == 0, rollback.stdout[-4000:]
        assert _entries(lab) == [] and all(lab.vdir(n)["InstantMessagingEnabled"] is not True for n in ("CAS01", "CAS02"))
        changes = [e["event"] for e in lab.log()[since:] if e["event"] in ("ad-change", "wmi-delete")]
        assert changes.count("wmi-delete") == 2 and changes.index("wmi-delete") > len(changes) - 1 - changes[::-1].index("ad-change"), changes
        undone = lab.playbook(PLAYBOOKS / "rollback.yml", extra_vars=lab_vars(tmp_path))
        assert undone.returncode == 0, undone.stdout[-4000:]
        assert sorted((e["Server"], e["OutboundOnly"], e["ThrottleAsServer"], e["TreatAsAuthenticated"]) for e in _entries(lab)) == [
            ("cas01.contoso.lab", False, True, True), ("cas02.contoso.lab", False, True, True)]
        settled = lab.playbook(PLAYBOOKS / "site.yml", extra_vars=extra)
        assert settled.returncode == 0 and "changed=0" in settled.stdout.split("PLAY RECAP")[-1], settled.stdout[-3000:]
    finally:
        lab.owa_lab("down")
