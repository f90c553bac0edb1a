"""Shared fixtures: a lab per test module, and ways to run plays and playbooks against it."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from owa_lab.testing import LabClient, load_hypothesis_profile, start

ROOT = Path(__file__).resolve().parents[2]
load_hypothesis_profile()


class Lab(LabClient):
    """The lab, and ways to run the collection's plays and playbooks against it."""

    def playbook(self, playbook: str | Path, *flags: str, extra_vars: dict[str, Any] | None = None,
                 cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(ROOT / "build"), ANSIBLE_NOCOLOR="1")
        command = ["ansible-playbook", "-i", str(self.inventory), str(playbook), *flags]
        if extra_vars is not None:
            command += ["-e", json.dumps(extra_vars)]
        return subprocess.run(command, capture_output=True, text=True, env=env, cwd=cwd)

    def play(self, tmp_path: Path, task: dict[str, Any], *flags: str, hosts: str = "cas_servers") -> subprocess.CompletedProcess[str]:
        """One task on every CAS (or every host of ``hosts``); each host's result lands in tmp_path/<host>.json."""
        playbook = [{"hosts": hosts, "gather_facts": False, "tasks": [
            dict(task, register="result"),
            {"ansible.builtin.copy": {"content": "{{ result | to_json }}", "dest": str(tmp_path) + "/{{ inventory_hostname }}.json"},
             "delegate_to": "localhost", "check_mode": False}]}]
        path = tmp_path / "play.yml"
        path.write_text(yaml.safe_dump(playbook))
        return self.playbook(path, *flags)

    @staticmethod
    def result(tmp_path: Path, host: str) -> dict[str, Any]:
        return json.loads((tmp_path / f"{host}.json").read_text())


def start_lab(state: Path, servers: int = 3, *extra: str) -> Lab:
    return Lab(start(state, servers, *extra).state)


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory):
    started = start_lab(tmp_path_factory.mktemp("lab"))
    yield started
    started.owa_lab("down")


LAB_VARS = yaml.safe_load((ROOT / "playbooks" / "vars" / "lab.yml").read_text())


def lab_vars(work: Path, **extra: Any) -> dict[str, Any]:
    """The lab's variables (playbooks/vars/lab.yml), every controller output under ``work``, then ``extra``."""
    values: dict[str, Any] = dict(LAB_VARS, owa_im_backup_directory=str(work / "backups"), owa_im_audit_directory=str(work / "audit"),
                                  owa_im_site_directory=str(work / "site"), owa_im_host_authorization_file=str(work / "host_authorization.md"))
    values.update(extra)
    return values


@pytest.fixture
def pool(tmp_path_factory: pytest.TempPathFactory):
    """A fresh three-CAS pool of its own for each test."""
    started = start_lab(tmp_path_factory.mktemp("pool"))
    yield started
    started.owa_lab("down")
