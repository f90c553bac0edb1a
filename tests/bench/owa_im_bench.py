"""make bench: what exchange.owa_im costs per server and at scale, measured against the simulated lab.

Prints Markdown tables: remote PowerShell processes and Exchange snap-in loads per CAS per run, wall-clock against
a plain pywinrm baseline for 1..200 servers, a rolling rollout of 10 servers, and controller memory.
Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import winrm
import yaml
from owa_lab.testing import probe_owa

ROOT = Path(__file__).resolve().parents[2]
PLAYBOOKS = ROOT / "playbooks"
LAB_VARS = yaml.safe_load((PLAYBOOKS / "vars" / "lab.yml").read_text())


class Lab:
    def __init__(self, state: Path, servers: int, reset_seconds: float, *extra: str) -> None:
        self.state, self.servers = state, servers
        subprocess.run(["owa-lab", "--state", str(state), "up", "--servers", str(servers), "--reset-seconds", str(reset_seconds), *extra],
                       check=True, capture_output=True)
        self.inventory = state / "inventory.yml"

    def cli(self, *args: str) -> str:
        return subprocess.run(["owa-lab", "--state", str(self.state), *args], check=True, capture_output=True, text=True).stdout

    def down(self) -> None:
        self.cli("down")

    def log(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.cli("log", "--json").splitlines()]

    def playbook(self, name: str, forks: int, extra: dict[str, Any], sample_memory: bool = False) -> tuple[float, float | None]:
        env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(ROOT / "build"), ANSIBLE_NOCOLOR="1")
        command = ["ansible-playbook", "-i", str(self.inventory), str(PLAYBOOKS / name), "--forks", str(forks), "-e", json.dumps(extra)]
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
        peak: list[float] = [0.0]
        sampler = threading.Thread(target=_sample_tree_rss, args=(process, peak), daemon=True) if sample_memory else None
        if sampler:
            sampler.start()
        output, _ = process.communicate()
        seconds = time.perf_counter() - started
        if process.returncode != 0:
            sys.exit(f"{name} failed on {self.servers} servers:\n{output[-3000:]}")
        if sampler:
            sampler.join(timeout=2)
        return seconds, (peak[0] if sample_memory else None)


def _pss_kib(pid: int) -> int:
    """Proportional set size: shared pages split between the processes sharing them, so a sum over forks is honest."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _tree_rss_mib(root: int) -> float:
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        parents[int(entry.name)] = int(fields.get("PPid", "0").strip())
    tree, frontier = {root}, [root]
    while frontier:
        current = frontier.pop()
        children = [pid for pid, parent in parents.items() if parent == current and pid not in tree]
        tree.update(children)
        frontier.extend(children)
    return sum(_pss_kib(pid) for pid in tree) / 1024


def _sample_tree_rss(process: subprocess.Popen, peak: list[float]) -> None:
    while process.poll() is None:
        peak[0] = max(peak[0], _tree_rss_mib(process.pid))
        time.sleep(0.2)


def _vars(work: Path, **extra: Any) -> dict[str, Any]:
    return dict(LAB_VARS, owa_im_backup_directory=str(work / "backups"), owa_im_audit_directory=str(work / "audit"),
                owa_im_host_authorization_file=str(work / "host_authorization.md"), **extra)


def _per_server(entries: list[dict[str, Any]], servers: int) -> dict[str, float]:
    counts = Counter(e["event"] for e in entries)
    commands = sum(1 for e in entries if e["event"] == "command" and not e.get("command_line", "").lower().startswith("powershell"))
    return {"powershell": counts["powershell"] / servers, "snapin": counts["snapin-load"] / servers, "other": commands / servers}


def processes(work: Path) -> None:
    print("## Remote PowerShell processes and Exchange snap-in loads per CAS (3-server pool)\n")
    print("| run | PowerShell processes per CAS | snap-in loads per CAS | other commands per CAS | wall-clock, snap-in 0 s | wall-clock, snap-in 3 s |")
    print("|---|---|---|---|---|---|")
    rows: dict[str, dict[str, Any]] = {}
    for load in (0.0, 3.0):
        lab = Lab(work / f"processes-{load}", 3, 0.5)
        try:
            lab.cli("fault", "--server", "all", "--snapin-load", str(load))
            for label, playbook in (("site, every change needed", "site.yml"), ("site, pool already right", "site.yml"),
                                    ("audit", "audit.yml")):
                seen = len(lab.log())
                seconds, _ = lab.playbook(playbook, 3, _vars(work))
                row = rows.setdefault(label, _per_server(lab.log()[seen:], 3))
                row[f"wall-{load}"] = seconds
        finally:
            lab.down()
    for label, row in rows.items():
        print(f"| {label} | {row['powershell']:.0f} | {row['snapin']:.0f} | {row['other']:.0f} | {row['wall-0.0']:.1f} s | {row['wall-3.0']:.1f} s |")
    print()


def _baseline(lab: Lab) -> float:
    group = yaml.safe_load(lab.inventory.read_text())["all"]["children"]["cas_servers"]
    vars_ = group["vars"]

    def read(host: str) -> int:
        session = winrm.Session(f"https://127.0.0.1:{group['hosts'][host]['ansible_port']}/wsman",
                                auth=(vars_["ansible_user"], vars_["ansible_password"]), transport="ntlm",
                                ca_trust_path=vars_["ansible_winrm_ca_trust_path"])
        return session.run_ps("Add-PSSnapin Microsoft.Exchange.Management.PowerShell.E2010\n"
                              "Get-OwaVirtualDirectory -Server $env:COMPUTERNAME | Out-Null").status_code
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=len(group["hosts"])) as pool:
        codes = list(pool.map(read, group["hosts"]))
    if set(codes) != {0}:
        sys.exit(f"baseline failed: {codes}")
    return time.perf_counter() - started


def scale(work: Path, sizes: list[int]) -> None:
    print("## Wall-clock against a plain pywinrm baseline (forks = servers)\n")
    print("Baseline: one `Get-OwaVirtualDirectory` per server over pywinrm, all servers at once, in one Python process.\n")
    print("| servers | baseline | site, no change | ratio | audit | ratio | controller memory, site (peak PSS of ansible-playbook and its forks) |")
    print("|---|---|---|---|---|---|---|")
    for servers in sizes:
        lab = Lab(work / f"scale-{servers}", servers, 0.05)
        try:
            lab.playbook("site.yml", min(servers, 50), _vars(work, owa_im_max_concurrent_resets=servers))
            baseline = _baseline(lab)
            site, memory = lab.playbook("site.yml", servers, _vars(work), sample_memory=True)
            audit, _ = lab.playbook("audit.yml", servers, _vars(work))
        finally:
            lab.down()
        print(f"| {servers} | {baseline:.1f} s | {site:.1f} s | {site / baseline:.1f} | {audit:.1f} s | {audit / baseline:.1f} | {memory:.0f} MiB |")
    print()


def default_forks(work: Path, sizes: list[int]) -> None:
    print("## site with nothing to change, Ansible's default 5 forks, a 5 s Exchange snap-in load\n")
    print("What an admin sees on a real pool, where loading the Exchange snap-in takes seconds: the floor is "
          "servers / 5 forks x 5 s per snap-in load.\n")
    print("| servers | site, no change | floor (one snap-in load per CAS) | snap-in loads per CAS |")
    print("|---|---|---|---|")
    for servers in sizes:
        lab = Lab(work / f"forks5-{servers}", servers, 0.05)
        try:
            lab.playbook("site.yml", min(servers, 50), _vars(work, owa_im_max_concurrent_resets=servers))
            lab.cli("fault", "--server", "all", "--snapin-load", "5")
            seen = len(lab.log())
            seconds, _ = lab.playbook("site.yml", 5, _vars(work))
            loads = _per_server(lab.log()[seen:], servers)["snapin"]
        finally:
            lab.down()
        print(f"| {servers} | {seconds:.1f} s | {servers / 5 * 5:.0f} s | {loads:.0f} |")
    print()


def rollout(work: Path) -> None:
    print("## Rolling rollout of 10 servers (iisreset window 1 s, OWA warm-up 3 s, owa_im_max_concurrent_resets 1)\n")
    lab = Lab(work / "rollout", 10, 1.0, "--owa-warmup-seconds", "3")
    try:
        # No components (the rollout is about resets), so no IM provider to load: the IM events check is off.
        figures = probe_owa(lab.inventory, lambda: lab.playbook("site.yml", 10, _vars(work, owa_im_install_components=False,
                                                                                       owa_im_check_im_events=False)))
        seconds, _ = figures["outcome"]
        resets = json.loads(lab.cli("resets", "--json"))
    finally:
        lab.down()
    windows = resets["windows"]
    span = max(w["end"] for w in windows) - min(w["start"] for w in windows)
    print("Asked every server's OWA over HTTPS every 0.1 s during the run, as a load balancer's probe does "
          f"({figures['rounds']} rounds).\n")
    print("| most servers not answering at once | longest time one server did not answer | outage span (first down to last back) "
          "| IIS reset windows | most servers in reset at once | whole site run |")
    print("|---|---|---|---|---|---|")
    print(f"| {figures['most_not_answering']} | {figures['longest_outage_seconds']:.2f} s | {figures['span_seconds']:.1f} s "
          f"| {len(windows)} of {resets['longest_seconds']:.2f} s, over {span:.1f} s | {resets['max_concurrent']} | {seconds:.1f} s |")
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="1,10,50,200", help="server counts for the scale table")
    parser.add_argument("--only", choices=["processes", "scale", "rollout", "forks"])
    parser.add_argument("--forks-sizes", default="10,50", help="server counts for the default-forks table")
    args = parser.parse_args()
    print(f"# exchange.owa_im benchmark ({time.strftime('%Y-%m-%d')}, {os.cpu_count()} CPUs)\n")
    with tempfile.TemporaryDirectory(prefix="owa-im-bench-") as directory:
        work = Path(directory)
        if args.only in (None, "processes"):
            processes(work)
        if args.only in (None, "rollout"):
            rollout(work)
        if args.only in (None, "scale"):
            scale(work, [int(n) for n in args.sizes.split(",")])
        if args.only in (None, "forks"):
            default_forks(work, [int(n) for n in args.forks_sizes.split(",")])


if __name__ == "__main__":
    main()
