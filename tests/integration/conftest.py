"""Shared fixtures: a lab per test module, and ways to run plays and playbooks against it."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]


class Lab:
    def __init__(self, state: Path) -> None:
        self.state = state
        self.inventory = state / "inventory.yml"

    def owa_lab(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["owa-lab", "--state", str(self.state), *args], capture_output=True, text=True, check=True)

    def host(self, server: str) -> dict[str, Any]:
        return json.loads((self.state / "hosts" / f"{server}.json").read_text())

    def thumbprint(self, server: str) -> str:
        return self.host(server)["certificates"][0]["thumbprint"]

    def directory(self) -> dict[str, Any]:
        return json.loads((self.state / "directory.json").read_text())

    def vdir(self, server: str) -> dict[str, Any]:
        return next(v for v in self.directory()["owa_virtual_directories"] if v["server"] == server)

    def seed(self, tmp_path: Path, seed: dict[str, Any]) -> None:
        path = tmp_path / "seed.yml"
        path.write_text(yaml.safe_dump(seed))
        self.owa_lab("seed", str(path))

    def resets(self) -> dict[str, Any]:
        return json.loads(self.owa_lab("resets", "--json").stdout)

    def log(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.owa_lab("log", "--json").stdout.splitlines()]

    def port(self, host: str) -> int:
        return int(yaml.safe_load(self.inventory.read_text())["all"]["children"]["cas_servers"]["hosts"][host]["ansible_port"])

    def wait_listening(self, host: str, listening: bool, seconds: float = 10) -> None:
        """The lab applies --refuse within its fault-watch interval; wait for it rather than guess."""
        deadline = time.time() + seconds
        while time.time() < deadline:
            with socket.socket() as probe:
                if (probe.connect_ex(("127.0.0.1", self.port(host))) == 0) == listening:
                    return
            time.sleep(0.05)
        raise AssertionError(f"{host} is still {'not ' if listening else ''}listening after {seconds} s")

    def installers(self) -> Path:
        """The controller folder owa-lab up fills with the installers an administrator downloads."""
        return Path(yaml.safe_load(self.inventory.read_text())["all"]["children"]["cas_servers"]["vars"]["owa_lab_installers"])

    @staticmethod
    def package_bytes(key: str, size: int = 200 * 1024) -> bytes:
        from owa_lab.files import package_bytes
        return package_bytes(key, size)

    def remove_products(self, server: str, name_part: str) -> None:
        """Uninstall, as if by hand, the products of ``server`` whose DisplayName holds ``name_part`` ("" for all)."""
        from owa_lab.store import Store
        with Store(self.state).edit_host(server) as host:
            products = host.setdefault("products", {})
            for code in [c for c, p in products.items() if name_part in p.get("DisplayName", "")]:
                products.pop(code)

    def bom_seen(self, server: str) -> bool:
        """Whether some powershell.exe output of ``server`` started with a UTF-8 byte order mark."""
        return any(e.get("stdout_bom") for e in self.log() if e["event"] == "exit" and e["server"] == server)

    def password(self) -> str:
        return yaml.safe_load(self.inventory.read_text())["all"]["children"]["cas_servers"]["vars"]["ansible_password"]

    def playbook(self, playbook: str | Path, *flags: str, extra_vars: dict[str, Any] | None = None,
                 cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(ROOT / "build"), ANSIBLE_NOCOLOR="1")
        command = ["ansible-playbook", "-i", str(self.inventory), str(playbook), *flags]
        if extra_vars is not None:
            command += ["-e", json.dumps(extra_vars)]
        return subprocess.run(command, capture_output=True, text=True, env=env, cwd=cwd)

    def play(self, tmp_path: Path, task: dict[str, Any], *flags: str) -> subprocess.CompletedProcess[str]:
        """One task on every CAS; each host's result lands in tmp_path/<host>.json."""
        playbook = [{"hosts": "cas_servers", "gather_facts": False, "tasks": [
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
    subprocess.run(["owa-lab", "--state", str(state), "up", "--servers", str(servers), "--reset-seconds", "0.2", *extra], check=True,
                   capture_output=True)
    return Lab(state)


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory):
    started = start_lab(tmp_path_factory.mktemp("lab"))
    yield started
    started.owa_lab("down")


LAB_VARS = yaml.safe_load((ROOT / "playbooks" / "vars" / "lab.yml").read_text())
