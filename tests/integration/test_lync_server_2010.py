"""Exchange 2010 beside Lync Server 2010: the lab's Lync Server 2010 Front End (Windows PowerShell 2.0, the Lync module).
cs_trusted_application creates and leaves alone the trusted application there; with owa_im_server_product: lync the role
treats the Exchange 2010 servers as Lync's (trusted application pools, not OCS 2007 R2 Host Authorization entries), in
its notes, its gate and, with owa_im_manage_trusted_applications, on the Front End; a second run changes nothing."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import ROOT, Lab, lab_vars, start_lab

FRONT_END = "fe01.contoso.lab"
PLAYBOOKS = ROOT / "playbooks"


@pytest.fixture(scope="module")
def lync2010(tmp_path_factory: pytest.TempPathFactory):
    started = start_lab(tmp_path_factory.mktemp("lab"), 2, "--version", "2010sp3", "--front-end", "lync2010")
    yield started
    started.owa_lab("down")


def _front_end_task(lab: Lab, tmp_path: Path, task: dict[str, Any]) -> dict[str, Any]:
    run = lab.play(tmp_path, dict(task, ignore_errors=True), hosts="ocs_front_ends")
    assert run.returncode == 0, run.stdout[-3000:]
    return Lab.result(tmp_path, FRONT_END)


def _free_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _pools(lab: Lab) -> list[str]:
    return sorted(p["fqdn"] for p in lab.directory()["lync"]["trusted_application_pools"])


def test_the_module_creates_the_trusted_application_on_lync_server_2010(lync2010: Lab, tmp_path: Path) -> None:
    task = {"exchange.owa_im.cs_trusted_application": {"pool_fqdn": "mail.contoso.lab", "registrar": "{{ owa_lab_front_end_pool }}",
                                                       "change_id": "lync2010"}}
    first = _front_end_task(lync2010, tmp_path, task)
    # The script ran in the Front End's PowerShell 2.0, which refuses anything of 3.0, with the Lync module.
    assert first["changed"] is True and first["module"] == "Lync" and first["published"] is True, first
    assert first["actions"] == ["new_pool", "new_application", "enable_topology"]
    assert "mail.contoso.lab" in _pools(lync2010) and lync2010.directory()["lync"]["published"] is True
    again = _front_end_task(lync2010, tmp_path, task)
    assert again["changed"] is False and again["actions"] == [], again
    gone = _front_end_task(lync2010, tmp_path, {"exchange.owa_im.cs_trusted_application": {"pool_fqdn": "mail.contoso.lab",
                                                                                            "state": "absent"}})
    assert gone["changed"] is True and "mail.contoso.lab" not in _pools(lync2010)


def test_a_lync_front_end_has_no_host_authorization_list(lync2010: Lab, tmp_path: Path) -> None:
    result = _front_end_task(lync2010, tmp_path, {"exchange.owa_im.ocs_host_authorization": {"servers": ["cas01.contoso.lab"]}})
    assert result["failed"] and "has no OCS 2007 R2 Host Authorization" in result["msg"], result
    assert "owa_im_server_product: lync" in result["msg"]


def test_without_confirmation_the_2010_servers_wait_for_lync_not_ocs(lync2010: Lab, tmp_path: Path) -> None:
    since = len(lync2010.log())
    run = lync2010.playbook(PLAYBOOKS / "site.yml", extra_vars=lab_vars(tmp_path, owa_im_host_authorization_confirmed=False,
                                                                           owa_im_server_product="lync"))
    assert run.returncode != 0
    said = " ".join(run.stdout.split())
    assert ("Nothing was changed. Lync Server and Skype for Business Server only talk to this Exchange server through a trusted "
            "application pool named cas01.contoso.lab") in said, said[-3000:]
    notes = (tmp_path / "host_authorization.md").read_text()
    assert "## Lync Server and Skype for Business Server: trusted application pools" in notes
    assert "| cas01.contoso.lab | cas01.contoso.lab |" in notes and "| cas02.contoso.lab | cas02.contoso.lab |" in notes
    assert "Host Authorization tab" not in notes and "OCS 2007 R2: Host Authorization entries" not in notes, notes
    assert [e for e in lync2010.log()[since:] if e["event"] in ("ad-change", "topology-change")] == []


def test_managing_trusted_applications_alone_says_what_an_exchange_2010_pool_needs(lync2010: Lab, tmp_path: Path) -> None:
    # owa_im_server_product stays auto: Exchange 2010 pairs with OCS 2007 R2, which no trusted application pool satisfies.
    since = len(lync2010.log())
    run = lync2010.playbook(PLAYBOOKS / "site.yml", extra_vars=lab_vars(tmp_path, owa_im_host_authorization_confirmed=False,
                                                                           owa_im_manage_trusted_applications=True))
    assert run.returncode != 0
    said = " ".join(run.stdout.split())
    assert "OCS 2007 R2 only talks to Client Access servers on its Host Authorization list" in said, said[-3000:]
    assert ("owa_im_manage_trusted_applications covers only the servers Lync Server or Skype for Business Server trusts: for "
            "Exchange 2010 beside Lync Server, set owa_im_server_product: lync.") in said, said[-3000:]
    assert [e for e in lync2010.log()[since:] if e["event"] in ("ad-change", "topology-change")] == []


def test_site_trusts_the_exchange_2010_servers_on_the_lync_server_2010_front_end(tmp_path: Path) -> None:
    lab = start_lab(tmp_path / "lab", 2, "--version", "2010sp3", "--front-end", "lync2010")
    try:
        extra = lab_vars(tmp_path, owa_im_host_authorization_confirmed=False, owa_im_server_product="lync",
                         owa_im_manage_trusted_applications=True)
        run = lab.playbook(PLAYBOOKS / "site.yml", extra_vars=extra)
        assert run.returncode == 0, run.stdout[-4000:]
        topology = lab.directory()["lync"]
        assert _pools(lab) == ["cas01.contoso.lab", "cas02.contoso.lab"] and topology["published"] is True
        assert sorted((a["pool"], a["application_id"], a["port"]) for a in topology["trusted_applications"]) == [
            ("cas01.contoso.lab", "urn:application:OutlookWebApp", 5199), ("cas02.contoso.lab", "urn:application:OutlookWebApp", 5199)]
        for server in ("CAS01", "CAS02"):     # Exchange 2010: the same components and virtual directory as with OCS
            vdir = lab.vdir(server)
            assert (vdir["InstantMessagingEnabled"], vdir["InstantMessagingServerName"]) == (True, "ocspool.contoso.lab"), vdir
        again = lab.playbook(PLAYBOOKS / "site.yml", extra_vars=extra)
        assert again.returncode == 0 and "changed=0" in again.stdout.split("PLAY RECAP")[-1], again.stdout[-3000:]
        assert lab.directory()["lync"]["trusted_applications"] == topology["trusted_applications"]

        # rollback with the Front End out of reach stops before any change, saying how to go on without it.
        closed = tmp_path / "front_end_down.yml"
        closed.write_text(yaml.safe_dump({"all": {"children": {"ocs_front_ends": {"hosts": {FRONT_END: {"ansible_port": _free_port()}}}}}}))
        since = len(lab.log())
        stopped = lab.playbook(PLAYBOOKS / "rollback.yml", "-i", str(closed), extra_vars=lab_vars(tmp_path))
        assert stopped.returncode != 0
        said = " ".join(stopped.stdout.split())
        assert "the backups of the IM server's trust of the Client Access servers could not be read" in said, said[-3000:]
        assert "-e owa_im_rollback_without_front_end=true" in said
        assert [e for e in lab.log()[since:] if e["event"] in ("ad-change", "topology-change")] == []
        # Reachable: the Exchange 2010 servers return to IM off, then the pools site created on Lync Server 2010 go.
        rollback = lab.playbook(PLAYBOOKS / "rollback.yml", extra_vars=lab_vars(tmp_path))
        assert rollback.returncode == 0, rollback.stdout[-4000:]
        assert _pools(lab) == [] and lab.directory()["lync"]["published"] is True
        assert all(lab.vdir(server)["InstantMessagingEnabled"] is not True for server in ("CAS01", "CAS02"))
    finally:
        lab.owa_lab("down")
