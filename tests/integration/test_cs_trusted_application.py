"""cs_trusted_application against the lab's Skype for Business Server 2019 Front End: create (pool, application,
Enable-CsTopology), unchanged on a second run, check mode and diff, absent, and refused input that changes nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import Lab, start_lab

FRONT_END = "fe01.contoso.lab"


@pytest.fixture(scope="module")
def front_end(tmp_path_factory: pytest.TempPathFactory):
    started = start_lab(tmp_path_factory.mktemp("lab"), 1, "--front-end", "sfb2019")
    yield started
    started.owa_lab("down")


def _play(lab: Lab, tmp_path: Path, args: dict[str, Any], *flags: str) -> tuple[Any, dict[str, Any]]:
    """One task on the group ocs_front_ends; its result from the Front End."""
    playbook = [{"hosts": "ocs_front_ends", "gather_facts": False, "tasks": [
        {"exchange.owa_im.cs_trusted_application": args, "register": "result", "ignore_errors": True},
        {"ansible.builtin.copy": {"content": "{{ result | to_json }}", "dest": str(tmp_path) + "/{{ inventory_hostname }}.json"},
         "delegate_to": "localhost", "check_mode": False}]}]
    path = tmp_path / "play.yml"
    path.write_text(yaml.safe_dump(playbook))
    run = lab.playbook(path, *flags)
    assert run.returncode == 0, run.stdout[-3000:]
    return run, Lab.result(tmp_path, FRONT_END)


def _topology(lab: Lab) -> dict[str, Any]:
    return lab.directory()["lync"]


def test_the_trusted_application_is_created_published_and_left_alone(front_end: Lab, tmp_path: Path) -> None:
    args = {"pool_fqdn": "cas01.contoso.lab", "registrar": "{{ owa_lab_front_end_pool }}"}
    run, check = _play(front_end, tmp_path, args, "--check", "--diff")
    assert check["changed"] is True and check["actions"] == ["new_pool", "new_application", "enable_topology"]
    assert check["after"]["pool"]["site"] == "Site:Contoso" and "urn:application:OutlookWebApp" in run.stdout   # the diff
    assert _topology(front_end)["trusted_application_pools"] == []

    _run, first = _play(front_end, tmp_path, args)
    assert first["changed"] is True and first["published"] is True and first["module"] == "SkypeForBusiness", first
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

    _run, gone = _play(front_end, tmp_path, {"pool_fqdn": "cas01.contoso.lab", "state": "absent"})
    assert gone["changed"] is True and gone["actions"] == ["remove_application", "remove_pool", "enable_topology"]
    assert _topology(front_end)["trusted_application_pools"] == [] and _topology(front_end)["published"] is True


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
