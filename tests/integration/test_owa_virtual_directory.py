"""The module against the lab, through ansible-playbook and the hosts' own winrm variables."""

from __future__ import annotations

import json
from pathlib import Path

import winrm
import yaml

from conftest import Lab


def test_pywinrm_reads_article_command(lab: Lab) -> None:
    inventory = yaml.safe_load(lab.inventory.read_text())["all"]["children"]["cas_servers"]
    v, h = inventory["vars"], inventory["hosts"]["cas02.contoso.lab"]
    session = winrm.Session(f"https://127.0.0.1:{h['ansible_port']}/wsman", auth=(v["ansible_user"], v["ansible_password"]),
                            transport="ntlm", ca_trust_path=v["ansible_winrm_ca_trust_path"])
    result = session.run_ps("Add-PSSnapin Microsoft.Exchange.Management.PowerShell.E2010\nGet-OwaVirtualDirectory | fl InstantMessaging*")
    assert result.status_code == 0
    assert result.std_out.decode().count("InstantMessagingType                  : None") == 3


def test_converge_then_unchanged_then_check(lab: Lab, tmp_path: Path) -> None:
    task = {"exchange.owa_im.owa_virtual_directory": {
        "instant_messaging_enabled": True, "instant_messaging_type": "ocs", "instant_messaging_server_name": "ocs.contoso.com",
        "instant_messaging_certificate_thumbprint": "{{ lookup('file', owa_lab_state ~ '/hosts/' ~ exchange_server_name ~ '.json') "
                                                    "| from_json | json_query('certificates[0].thumbprint') | lower }}"}}
    task["exchange.owa_im.owa_virtual_directory"]["instant_messaging_certificate_thumbprint"] = (
        "{{ (lookup('file', owa_lab_state ~ '/hosts/' ~ exchange_server_name ~ '.json') | from_json).certificates[0].thumbprint | lower }}")
    check = lab.play(tmp_path, task, "--check", "--diff")
    assert check.returncode == 0, check.stdout + check.stderr
    first_check = json.loads((tmp_path / "cas01.contoso.lab.json").read_text())
    assert first_check["changed"] is True
    assert first_check["before"]["instant_messaging_type"] == "None"
    first = lab.play(tmp_path, task, "--diff")
    assert first.returncode == 0, first.stdout + first.stderr
    result = json.loads((tmp_path / "cas01.contoso.lab.json").read_text())
    assert result["changed"] is True
    assert result["after"]["instant_messaging_certificate_thumbprint"] == lab.thumbprint("CAS01")
    second = lab.play(tmp_path, task)
    assert second.returncode == 0
    for host in ("cas01", "cas02", "cas03"):
        again = json.loads((tmp_path / f"{host}.contoso.lab.json").read_text())
        assert again["changed"] is False and again["set_parameters"] == {}


def test_bad_thumbprint_changes_nothing(lab: Lab, tmp_path: Path) -> None:
    before = lab.directory()
    run = lab.play(tmp_path, {"exchange.owa_im.owa_virtual_directory": {
        "instant_messaging_certificate_thumbprint": "1F 5E DD 03 00 00 00 00 00 05"}})
    assert run.returncode != 0
    assert "instant_messaging_certificate_thumbprint must be" in run.stdout
    assert lab.directory() == before


def test_password_never_printed(lab: Lab, tmp_path: Path) -> None:
    password = lab.password()
    run = lab.play(tmp_path, {"exchange.owa_im.owa_virtual_directory": {"instant_messaging_enabled": True}}, "-vvvv")
    assert run.returncode == 0, run.stdout[-2000:]
    assert password not in run.stdout + run.stderr
