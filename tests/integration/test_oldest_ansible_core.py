"""The oldest ansible-core meta/runtime.yml admits (2.16) runs the modules against the lab, over winrm.

Its winrm connection encodes whatever command it is given (2.19 passes an encoded one through), so this is where a
command line encoded twice, and refused by cmd.exe as too long, would show.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import ROOT, start_lab

OLDEST = "2.16.19"
VENV = ROOT / "build" / f"ansible-core-{OLDEST}"


def _oldest_ansible() -> Path:
    """A virtual environment with ansible-core 2.16 and pywinrm, made once under build/."""
    marker = VENV / ".complete"
    if not marker.exists():
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(VENV)], check=True)
        subprocess.run([str(VENV / "bin" / "pip"), "install", "--quiet", f"ansible-core=={OLDEST}", "pywinrm==0.5.0"], check=True)
        marker.write_text(OLDEST)
    return VENV / "bin"


@pytest.fixture(scope="module")
def oldest_bin() -> Path:
    return _oldest_ansible()


def test_modules_run_on_ansible_core_2_16(oldest_bin: Path, tmp_path: Path) -> None:
    lab = start_lab(tmp_path / "lab", 1)
    try:
        play = [{"hosts": "cas_servers", "gather_facts": False, "tasks": [
            {"exchange.owa_im.cas_info": {"instant_messaging_enabled": True, "instant_messaging_type": "ocs",
                                          "instant_messaging_server_name": "ocs.contoso.lab", "discover_certificate": True},
             "register": "state"},
            {"exchange.owa_im.owa_virtual_directory": {"instant_messaging_enabled": True, "instant_messaging_type": "ocs",
                                                       "instant_messaging_server_name": "ocs.contoso.lab", "discover_certificate": True},
             "register": "change"},
            {"ansible.builtin.copy": {"content": "{{ {'state': state, 'change': change} | to_json }}", "dest": str(tmp_path / "out.json")},
             "delegate_to": "localhost"}]}]
        (tmp_path / "play.yml").write_text(yaml.safe_dump(play))
        env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(ROOT / "build"), ANSIBLE_NOCOLOR="1",
                   PATH=f"{oldest_bin}:{os.environ.get('PATH', '')}")
        version = subprocess.run([str(oldest_bin / "ansible-playbook"), "--version"], capture_output=True, text=True, env=env).stdout
        assert f"core {OLDEST}" in version, version
        run = subprocess.run([str(oldest_bin / "ansible-playbook"), "-i", str(lab.inventory), str(tmp_path / "play.yml")],
                             capture_output=True, text=True, env=env)
        assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
        out = json.loads((tmp_path / "out.json").read_text())
        assert out["state"]["changes_needed"] is True and out["change"]["changed"] is True
        assert lab.vdir("CAS01")["InstantMessagingServerName"] == "ocs.contoso.lab"
        commands = [e for e in lab.log() if e["event"] == "command"]
        assert commands and max(e["length"] for e in commands) < 2000, [e["length"] for e in commands]
    finally:
        lab.owa_lab("down")
