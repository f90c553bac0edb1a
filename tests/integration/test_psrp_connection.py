"""The modules through Ansible's psrp connection (pypsrp, PowerShell remoting) against an Exchange 2016 lab server."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from conftest import Lab, start_lab

HOST = "cas01.contoso.lab"
INFO = {"exchange.owa_im.owa_virtual_directory_info": {}}
CONVERGE = {"exchange.owa_im.owa_virtual_directory": {
    "instant_messaging_enabled": True, "instant_messaging_type": "ocs", "instant_messaging_server_name": "ocs.contoso.lab",
    "discover_certificate": True}}


@pytest.fixture(scope="module")
def psrp_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    started = start_lab(tmp_path_factory.mktemp("psrp-lab"), 1, "--version", "2016", "--connection", "psrp")
    yield started
    started.owa_lab("down")


def _psrp_runs(lab: Lab) -> list[dict]:
    return [e for e in lab.log() if e["event"] == "powershell" and e.get("transport") == "psrp"]


def test_ansible_reaches_the_server_over_psrp(psrp_lab: Lab, tmp_path: Path) -> None:
    before = len(_psrp_runs(psrp_lab))
    psrp_lab.play(tmp_path, INFO)
    runs = _psrp_runs(psrp_lab)[before:]
    assert len(runs) == 1, runs
    run = runs[0]
    assert run["ps_version"] == 5.1 and run["auth"] == "ntlm" and run["local_scope"] is True
    assert run["input_lines"] > 0
    # No WinRM command shell (cmd.exe, powershell.exe) served the play: only PowerShell remoting did.
    assert not [e for e in psrp_lab.log() if e["event"] == "command"]


def test_info_then_converge_then_unchanged_over_psrp(psrp_lab: Lab, tmp_path: Path) -> None:
    info = psrp_lab.play(tmp_path, INFO)
    assert info.returncode == 0, info.stdout + info.stderr
    [vdir] = Lab.result(tmp_path, HOST)["virtual_directories"]
    assert vdir["instant_messaging_type"] == "None"

    first = psrp_lab.play(tmp_path, CONVERGE)
    assert first.returncode == 0, first.stdout + first.stderr
    assert Lab.result(tmp_path, HOST)["changed"] is True
    after = psrp_lab.vdir("CAS01")
    assert after["InstantMessagingEnabled"] is True
    assert str(after["InstantMessagingType"]).lower() in ("ocs", "1")
    assert after["InstantMessagingServerName"] == "ocs.contoso.lab"

    second = psrp_lab.play(tmp_path, CONVERGE)
    assert second.returncode == 0, second.stdout + second.stderr
    assert Lab.result(tmp_path, HOST)["changed"] is False
    assert all(run["transport"] == "psrp" for run in _psrp_runs(psrp_lab))
