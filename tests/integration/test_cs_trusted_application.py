"""cs_trusted_application against the lab's Skype for Business Server 2019 Front End: create (pool, application,
Enable-CsTopology), unchanged on a second run, check mode and diff, absent, the backups written on the Front End before
each change (none in check mode), and refused input that changes nothing."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest

from conftest import Lab, start_lab

FRONT_END = "fe01.contoso.lab"
BACKUPS = "\\exchange.owa_im\\trusted-application-backups\\"


@pytest.fixture(scope="module")
def front_end(tmp_path_factory: pytest.TempPathFactory):
    started = start_lab(tmp_path_factory.mktemp("lab"), 1, "--front-end", "sfb2019")
    yield started
    started.owa_lab("down")


def _play(lab: Lab, tmp_path: Path, args: dict[str, Any], *flags: str) -> tuple[Any, dict[str, Any]]:
    """One task on the group ocs_front_ends; its result from the Front End."""
    run = lab.play(tmp_path, {"exchange.owa_im.cs_trusted_application": args, "ignore_errors": True}, *flags, hosts="ocs_front_ends")
    assert run.returncode == 0, run.stdout[-3000:]
    return run, Lab.result(tmp_path, FRONT_END)


def _topology(lab: Lab) -> dict[str, Any]:
    return lab.directory()["lync"]


def _backups(lab: Lab) -> list[str]:
    """The backup files on FE01, oldest first (their names carry the UTC time)."""
    return sorted((path for path in lab.host("FE01")["files"] if BACKUPS in path.lower() and path.lower().endswith(".owaim")),
                  key=str.lower)


def _backup_text(lab: Lab, path: str) -> str:
    return (lab.state / "blobs" / lab.host("FE01")["files"][path]["blob"]).read_text(encoding="utf-8-sig")


def _field(record: str, name: str, kind: str, value: str) -> str:
    return "OWAIM|%s|%s|%s|%s" % (record, name, kind, base64.b64encode(value.encode()).decode())


def _writes_and_changes(lab: Lab, since: int) -> tuple[set[str], list[int], list[int]]:
    """Among FE01's events since the ``since``-th: the backup files written, and where the writes (a file is written when
    it is created and again when its content is) and the topology changes came."""
    events = [e for e in lab.log()[since:] if e["server"] == "FE01" and e["event"] in ("file-write", "topology-change")]
    writes = [i for i, e in enumerate(events) if e["event"] == "file-write" and BACKUPS in e["path"].lower()]
    return ({events[i]["path"].lower() for i in writes}, writes,
            [i for i, e in enumerate(events) if e["event"] == "topology-change"])


def test_the_trusted_application_is_created_published_and_left_alone(front_end: Lab, tmp_path: Path) -> None:
    args = {"pool_fqdn": "cas01.contoso.lab", "registrar": "{{ owa_lab_front_end_pool }}"}
    run, check = _play(front_end, tmp_path, args, "--check", "--diff")
    assert check["changed"] is True and check["actions"] == ["new_pool", "new_application", "enable_topology"]
    assert check["after"]["pool"]["site"] == "Site:Contoso" and "urn:application:OutlookWebApp" in run.stdout   # the diff
    assert _topology(front_end)["trusted_application_pools"] == []
    assert _backups(front_end) == [] and "server_backup_file" not in check    # check mode writes nothing

    since = len(front_end.log())
    _run, first = _play(front_end, tmp_path, dict(args, change_id="wave-1"))
    assert first["changed"] is True and first["published"] is True and first["module"] == "SkypeForBusiness", first
    # Before the creation: a record each of the pool and the application as ones that did not exist, so that undoing
    # the run removes them.
    created = _backups(front_end)
    assert len(created) == 2 and first["server_backup_file"].lower() == created[-1].lower(), (created, first)
    paths, writes, changes = _writes_and_changes(front_end, since)
    assert paths == {p.lower() for p in created} and len(changes) == 2 and max(writes) < min(changes), (writes, changes)
    for path, identity in zip(created, ("cas01.contoso.lab", "cas01.contoso.lab/urn:application:OutlookWebApp")):
        text = _backup_text(front_end, path)
        assert _field("backup", "identity", "string", identity) in text and _field("backup", "existed", "bool", "False") in text
        assert _field("backup", "run", "string", "wave-1") in text and _field("backup", "host", "string", FRONT_END) in text
        assert "|settings|" not in text
    topology = _topology(front_end)
    assert topology["published"] is True and topology["pending"] == []
    pool = topology["trusted_application_pools"][0]
    assert (pool["fqdn"], pool["registrar"], pool["site"], pool["RequiresReplication"]) == (
        "cas01.contoso.lab", "Registrar:ocspool.contoso.lab", "Site:Contoso", False)
    assert topology["trusted_applications"][0]["application_id"] == "urn:application:OutlookWebApp"
    assert topology["trusted_applications"][0]["port"] == 5199
    enabled = [e for e in front_end.log() if e["event"] == "topology-enabled"]
    assert len(enabled) == 1

    _run, second = _play(front_end, tmp_path, args)
    assert second["changed"] is False and second["actions"] == [] and second["published"] is False
    assert len([e for e in front_end.log() if e["event"] == "topology-enabled"]) == 1
    assert len(_backups(front_end)) == 2 and "server_backup_file" not in second

    _run, would = _play(front_end, tmp_path, {"pool_fqdn": "cas01.contoso.lab", "state": "absent"}, "--check")
    assert would["changed"] is True and "server_backup_file" not in would and len(_backups(front_end)) == 2

    since = len(front_end.log())
    _run, gone = _play(front_end, tmp_path, {"pool_fqdn": "cas01.contoso.lab", "state": "absent"})
    assert gone["changed"] is True and gone["actions"] == ["remove_application", "remove_pool", "enable_topology"]
    assert _topology(front_end)["trusted_application_pools"] == [] and _topology(front_end)["published"] is True
    # Before the removal, on FE01: the pool and the application with what recreating them takes.
    removed = [path for path in _backups(front_end) if path not in created]
    assert len(removed) == 2 and gone["server_backup_file"].lower() == removed[-1].lower(), (removed, gone)
    paths, writes, changes = _writes_and_changes(front_end, since)
    assert paths == {p.lower() for p in removed} and len(changes) == 2 and max(writes) < min(changes), (writes, changes)
    pool_text, application_text = (_backup_text(front_end, path) for path in removed)
    assert _field("backup", "identity", "string", "cas01.contoso.lab") in pool_text
    assert _field("backup", "existed", "bool", "True") in pool_text
    for name, kind, value in (("PoolFqdn", "string", "cas01.contoso.lab"), ("Registrar", "string", "Registrar:ocspool.contoso.lab"),
                              ("SiteId", "string", "Site:Contoso"), ("RequiresReplication", "bool", "False"),
                              ("ThrottleAsServer", "bool", "True"), ("TreatAsAuthenticated", "bool", "True"),
                              ("OutboundOnly", "bool", "False"), ("Computers", "list", "cas01.contoso.lab"),
                              ("Applications", "list", "urn:application:OutlookWebApp")):
        assert _field("settings", name, kind, value) in pool_text, name
    assert _field("backup", "identity", "string", "cas01.contoso.lab/urn:application:OutlookWebApp") in application_text
    for name, kind, value in (("ApplicationId", "string", "urn:application:OutlookWebApp"),
                              ("TrustedApplicationPoolFqdn", "string", "cas01.contoso.lab"), ("Port", "string", "5199")):
        assert _field("settings", name, kind, value) in application_text, name


def test_refused_input_changes_nothing(front_end: Lab, tmp_path: Path) -> None:
    before = _topology(front_end)
    changes = len([e for e in front_end.log() if e["event"] == "topology-change"])
    _run, unknown = _play(front_end, tmp_path, {"pool_fqdn": "cas01.contoso.lab", "registrar": "nopool.contoso.lab"})
    assert unknown["failed"] and "has no pool nopool.contoso.lab with a Registrar service" in unknown["msg"]
    assert "ocspool.contoso.lab" in unknown["msg"]
    _run, site = _play(front_end, tmp_path, {"pool_fqdn": "cas01.contoso.lab", "registrar": "ocspool.contoso.lab", "site": "Dublin"})
    assert site["failed"] and "no site Dublin" in site["msg"]
    _run, bad = _play(front_end, tmp_path, {"pool_fqdn": "cas01", "registrar": "ocspool.contoso.lab"})
    assert bad["failed"] and "Nothing was sent to the server." in bad["msg"]
    assert _topology(front_end) == before
    assert len([e for e in front_end.log() if e["event"] == "topology-change"]) == changes
