"""A test client for the lab: start one, stop it, read its state and log. Used by the lab's own tests and by the
collection's integration tests (which add ways to run plays)."""

from __future__ import annotations

import json
import os
import socket
import ssl
import subprocess
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import yaml


class LabClient:
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
        from owa_lab.installers import patches_key
        from owa_lab.store import Store
        with Store(self.state).edit_host(server) as host:
            products = host.setdefault("products", {})
            for code in [c for c, p in products.items() if name_part in p.get("DisplayName", "")]:
                products.pop(code)
                # With the product go its patch registrations, as Windows Installer removes them.
                prefix = patches_key(code).lower()
                for key in [k for k in host.get("registry", {}) if k.lower() == prefix or k.lower().startswith(prefix + "\\")]:
                    host["registry"].pop(key)

    def bom_seen(self, server: str) -> bool:
        """Whether some powershell.exe output of ``server`` started with a UTF-8 byte order mark."""
        return any(e.get("stdout_bom") for e in self.log() if e["event"] == "exit" and e["server"] == server)

    def realm_config(self) -> str:
        """The krb5.conf of a lab started with --auth kerberos: KRB5_CONFIG for the clients that use its realm."""
        return json.loads((self.state / "lab.json").read_text())["kerberos"]["krb5_conf"]

    def password(self) -> str:
        return yaml.safe_load(self.inventory.read_text())["all"]["children"]["cas_servers"]["vars"]["ansible_password"]


def load_hypothesis_profile() -> None:
    """Derandomised property tests unless OWA_IM_HYPOTHESIS_PROFILE=fuzz (make fuzz).

    make test must pass or fail on the code, not on the draw: Hypothesis's own "ci" profile runs the same examples on
    every machine and xdist worker. "fuzz" draws fresh and many more; what it finds becomes an @example or a fix.
    """
    from hypothesis import settings  # only the test suites need it, not the lab itself

    settings.register_profile("fuzz", derandomize=False, max_examples=5000, print_blob=True)
    settings.load_profile(os.environ.get("OWA_IM_HYPOTHESIS_PROFILE", "ci"))


def start(state: Path, servers: int = 3, *extra: str) -> LabClient:
    """``owa-lab up`` into ``state`` (IIS resets of 0.2 s unless ``extra`` says otherwise)."""
    subprocess.run(["owa-lab", "--state", str(state), "up", "--servers", str(servers), "--reset-seconds", "0.2", *extra], check=True,
                   capture_output=True)
    return LabClient(state)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def _answers(url: str, context: ssl.SSLContext) -> bool:
    """One GET of a server's OWA: a page or a redirect (to its sign-in page) is an answer; 503, an error or no
    connection is not."""
    opener = urllib.request.build_opener(urllib.request.HTTPSHandler(context=context), _NoRedirect())
    try:
        with opener.open(urllib.request.Request(url), timeout=2) as reply:
            return 200 <= reply.status < 400
    except urllib.error.HTTPError as exc:
        return 300 <= exc.code < 400
    except OSError:
        return False


def probe_owa(inventory: Path, run: Any, interval: float = 0.1) -> dict[str, Any]:
    """Ask every server's OWA (owa_im_owa_url) every ``interval`` s while ``run()`` runs, as a load balancer's probe
    does. Returns run()'s outcome, the most servers not answering in one round, the longest time one server did not
    answer, the span from the first outage to the last answer, and the servers still not answering at the end."""
    group = yaml.safe_load(inventory.read_text())["all"]["children"]["cas_servers"]
    urls = {name: values["owa_im_owa_url"] for name, values in group["hosts"].items()}
    context = ssl.create_default_context(cafile=group["vars"]["owa_lab_ca"])
    rounds: list[tuple[float, dict[str, bool]]] = []
    stop = threading.Event()

    def probing() -> None:
        while not stop.is_set():
            started = time.time()
            rounds.append((started, {name: _answers(url, context) for name, url in urls.items()}))
            stop.wait(max(0.0, interval - (time.time() - started)))

    thread = threading.Thread(target=probing, daemon=True)
    thread.start()
    try:
        outcome = run()
    finally:
        stop.set()
        thread.join(10)
    down_since: dict[str, float] = {}
    longest, first_down, last_back = 0.0, None, None
    for moment, answered in rounds:
        for name, ok in answered.items():
            if not ok and name not in down_since:
                down_since[name] = moment
                first_down = moment if first_down is None else first_down
            elif ok and name in down_since:
                longest = max(longest, moment - down_since.pop(name))
                last_back = moment
    return {"outcome": outcome, "rounds": len(rounds),
            "most_not_answering": max((sum(not ok for ok in answered.values()) for _t, answered in rounds), default=0),
            "longest_outage_seconds": round(longest, 2),
            "span_seconds": round((last_back or 0.0) - first_down, 2) if first_down is not None else 0.0,
            "still_down": sorted(down_since)}
