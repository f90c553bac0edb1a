"""The module against the lab, through ansible-playbook and the hosts' own winrm variables."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
import winrm
import yaml

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory):
    state = tmp_path_factory.mktemp("lab")
    subprocess.run(["owa-lab", "--state", str(state), "up", "--servers", "3", "--reset-seconds", "0.1"], check=True)
    yield state
    subprocess.run(["owa-lab", "--state", str(state), "down"], check=True)


def _play(lab: Path, tmp_path: Path, task: dict, *flags: str) -> subprocess.CompletedProcess[str]:
    playbook = [{"hosts": "cas_servers", "gather_facts": False, "tasks": [dict(task, register="result"),
                {"ansible.builtin.copy": {"content": "{{ result | to_json }}", "dest": str(tmp_path) + "/{{ inventory_hostname }}.json"},
                 "delegate_to": "localhost", "check_mode": False}]}]
    path = tmp_path / "play.yml"
    path.write_text(yaml.safe_dump(playbook))
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(ROOT / "build"), ANSIBLE_HOST_KEY_CHECKING="False")
    return subprocess.run(["ansible-playbook", "-i", str(lab / "inventory.yml"), str(path), *flags], capture_output=True, text=True, env=env)


def _thumbprint(lab: Path, server: str) -> str:
    return json.loads((lab / "hosts" / f"{server}.json").read_text())["certificates"][0]["thumbprint"]


def test_pywinrm_reads_article_command(lab: Path) -> None:
    inventory = yaml.safe_load((lab / "inventory.yml").read_text())["all"]["children"]["cas_servers"]
    v, h = inventory["vars"], inventory["hosts"]["cas02.contoso.lab"]
    session = winrm.Session(f"https://127.0.0.1:{h['ansible_port']}/wsman", auth=(v["ansible_user"], v["ansible_password"]),
                            transport="ntlm", ca_trust_path=v["ansible_winrm_ca_trust_path"])
    result = session.run_ps("Add-PSSnapin Microsoft.Exchange.Management.PowerShell.E2010\nGet-OwaVirtualDirectory | fl InstantMessaging*")
    assert result.status_code == 0
    assert result.std_out.decode().count("InstantMessagingType                  : None") == 3


def test_converge_then_unchanged_then_check(lab: Path, tmp_path: Path) -> None:
    task = {"exchange.owa_im.owa_virtual_directory": {
        "instant_messaging_enabled": True, "instant_messaging_type": "ocs", "instant_messaging_server_name": "ocs.contoso.com",
        "instant_messaging_certificate_thumbprint": "{{ lookup('file', owa_lab_state ~ '/hosts/' ~ exchange_server_name ~ '.json') "
                                                    "| from_json | json_query('certificates[0].thumbprint') | lower }}"}}
    task["exchange.owa_im.owa_virtual_directory"]["instant_messaging_certificate_thumbprint"] = (
        "{{ (lookup('file', owa_lab_state ~ '/hosts/' ~ exchange_server_name ~ '.json') | from_json).certificates[0].thumbprint | lower }}")
    check = _play(lab, tmp_path, task, "--check", "--diff")
    assert check.returncode == 0, check.stdout + check.stderr
    first_check = json.loads((tmp_path / "cas01.contoso.lab.json").read_text())
    assert first_check["changed"] is True
    assert first_check["before"]["instant_messaging_type"] == "None"
    first = _play(lab, tmp_path, task, "--diff")
    assert first.returncode == 0, first.stdout + first.stderr
    result = json.loads((tmp_path / "cas01.contoso.lab.json").read_text())
    assert result["changed"] is True
    assert result["after"]["instant_messaging_certificate_thumbprint"] == _thumbprint(lab, "CAS01")
    second = _play(lab, tmp_path, task)
    assert second.returncode == 0
    for host in ("cas01", "cas02", "cas03"):
        again = json.loads((tmp_path / f"{host}.contoso.lab.json").read_text())
        assert again["changed"] is False and again["set_parameters"] == {}


def test_bad_thumbprint_changes_nothing(lab: Path, tmp_path: Path) -> None:
    before = (lab / "directory.json").read_text()
    run = _play(lab, tmp_path, {"exchange.owa_im.owa_virtual_directory": {
        "instant_messaging_certificate_thumbprint": "1F 5E DD 03 00 00 00 00 00 05"}})
    assert run.returncode != 0
    assert "instant_messaging_certificate_thumbprint must be" in run.stdout
    assert (lab / "directory.json").read_text() == before


def test_password_never_printed(lab: Path, tmp_path: Path) -> None:
    password = yaml.safe_load((lab / "inventory.yml").read_text())["all"]["children"]["cas_servers"]["vars"]["ansible_password"]
    run = _play(lab, tmp_path, {"exchange.owa_im.owa_virtual_directory": {"instant_messaging_enabled": True}}, "-vvvv")
    assert run.returncode == 0, run.stdout[-2000:]
    assert password not in run.stdout + run.stderr
