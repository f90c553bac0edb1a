"""Rolling resets that are never lost, backups before changes, and a pool that keeps answering (issue: rollouts).

Each fault leaves servers that owe a reset; the next run of site resets each of them exactly once, and a third run
resets nothing, because whether a reset is owed is read from the servers, not remembered by the controller.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import yaml
from owa_lab.testing import probe_owa

from conftest import ROOT, Lab, lab_vars, start_lab

PLAYBOOKS = ROOT / "playbooks"
SERVERS = ("CAS01", "CAS02", "CAS03")


def _resets(lab: Lab) -> dict[str, int]:
    return {server: count for server, count in lab.resets()["per_server"].items()}


def _site(lab: Lab, work: Path, **extra: object) -> subprocess.CompletedProcess[str]:
    return lab.playbook(PLAYBOOKS / "site.yml", extra_vars=lab_vars(work, **extra))


def _owed_resets_then_quiet(lab: Lab, work: Path, before: dict[str, int], owed: tuple[str, ...]) -> None:
    """The next run resets every server in ``owed`` exactly once (and no other); the run after it resets nothing."""
    second = _site(lab, work)
    assert second.returncode == 0, second.stdout[-3000:]
    after = _resets(lab)
    assert {s: after.get(s, 0) - before.get(s, 0) for s in SERVERS} == {s: int(s in owed) for s in SERVERS}
    third = _site(lab, work)
    assert third.returncode == 0, third.stdout[-3000:]
    assert _resets(lab) == after
    assert "reset: []" in third.stdout


def test_an_interrupted_run_leaves_its_resets_owed_and_the_next_run_does_them(pool: Lab, tmp_path: Path) -> None:
    # A drain hook that waits: the run is stopped (Ctrl-C) after every server's settings changed, before any reset.
    flag = tmp_path / "reached"
    hook = tmp_path / "drain.yml"
    hook.write_text(yaml.safe_dump([
        {"name": "Say the reset step was reached", "ansible.builtin.file": {"path": str(flag), "state": "touch"}, "delegate_to": "localhost"},
        {"name": "Wait for ever", "ansible.builtin.wait_for": {"path": str(tmp_path / "never"), "timeout": 300}, "delegate_to": "localhost"}]))
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(ROOT / "build"), ANSIBLE_NOCOLOR="1")
    command = ["ansible-playbook", "-i", str(pool.inventory), str(PLAYBOOKS / "site.yml"),
               "-e", json.dumps(lab_vars(tmp_path, owa_im_before_restart_tasks=str(hook)))]
    run = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, start_new_session=True)
    try:
        deadline = time.time() + 180
        while not flag.exists() and time.time() < deadline and run.poll() is None:
            time.sleep(0.2)
        assert flag.exists(), run.stdout.read() if run.stdout else ""
        os.killpg(run.pid, signal.SIGINT)
        run.wait(60)
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
    assert all(pool.vdir(s)["InstantMessagingServerName"] == "ocspool.contoso.lab" for s in SERVERS)
    assert pool.resets()["windows"] == []
    _owed_resets_then_quiet(pool, tmp_path, {}, SERVERS)


def test_a_change_made_by_hand_without_a_reset_is_reset_by_the_next_run(pool: Lab, tmp_path: Path) -> None:
    first = _site(pool, tmp_path)
    assert first.returncode == 0, first.stdout[-3000:]
    before = _resets(pool)
    # An admin changes the directory in the Exchange shell and never runs iisreset.
    pool.seed(tmp_path, {"virtual_directories": {"CAS02": {"InstantMessagingServerName": "ocspool.contoso.lab"}}})
    check = pool.playbook(PLAYBOOKS / "site.yml", "--check", extra_vars=lab_vars(tmp_path))
    assert check.returncode == 0, check.stdout[-3000:]
    assert "Predicted (check mode, nothing was changed or reset)" in check.stdout
    assert "would reset: ['cas02.contoso.lab']" in check.stdout
    assert _resets(pool) == before
    audit = pool.playbook(PLAYBOOKS / "audit.yml", extra_vars=lab_vars(tmp_path))
    assert audit.returncode != 0
    assert "a reset is owed) on: cas02.contoso.lab" in audit.stdout
    report = json.loads(sorted((tmp_path / "audit").glob("owa_im_audit-*.json"))[-1].read_text())
    assert report["reset_pending"] == ["cas02.contoso.lab"] and report["drift"] == []
    _owed_resets_then_quiet(pool, tmp_path, before, ("CAS02",))
    audit = pool.playbook(PLAYBOOKS / "audit.yml", extra_vars=lab_vars(tmp_path))
    assert audit.returncode == 0, audit.stdout[-3000:]


def test_a_backup_folder_that_cannot_be_written_stops_the_change(pool: Lab, tmp_path: Path) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the backup folder should be\n")
    run = _site(pool, tmp_path, owa_im_backup_directory=str(blocked))
    assert run.returncode != 0
    assert "cannot take a new file" in run.stdout and "Nothing was changed" in run.stdout
    assert all(pool.vdir(s)["InstantMessagingServerName"] is None for s in SERVERS)
    assert pool.resets()["windows"] == []
    _owed_resets_then_quiet(pool, tmp_path, {}, SERVERS)


def test_a_failure_on_another_host_under_any_errors_fatal_leaves_no_reset_forgotten(pool: Lab, tmp_path: Path) -> None:
    pool.owa_lab("fault", "--server", "CAS03", "--ad-write-denied")
    run = _site(pool, tmp_path)
    assert run.returncode != 0
    assert "Insufficient access rights" in run.stdout
    changed = [s for s in SERVERS if pool.vdir(s)["InstantMessagingServerName"] == "ocspool.contoso.lab"]
    assert changed == ["CAS01", "CAS02"]
    assert pool.resets()["windows"] == []
    pool.owa_lab("fault", "--server", "CAS03", "--clear")
    _owed_resets_then_quiet(pool, tmp_path, {}, SERVERS)


def test_the_backup_is_on_the_server_before_the_change_and_rollback_needs_no_controller_copy(pool: Lab, tmp_path: Path) -> None:
    run = _site(pool, tmp_path)
    assert run.returncode == 0, run.stdout[-3000:]
    for server in SERVERS:
        events = [e for e in pool.log() if e["server"] == server and e["event"] in ("file-write", "ad-change")]
        backup = next(i for i, e in enumerate(events) if e["event"] == "file-write" and "\\exchange.owa_im\\backups\\" in e["path"])
        change = next(i for i, e in enumerate(events) if e["event"] == "ad-change")
        assert backup < change, events
    for path in (tmp_path / "backups").iterdir():
        path.unlink()
    (tmp_path / "backups").rmdir()
    listed = pool.playbook(PLAYBOOKS / "rollback.yml", extra_vars=lab_vars(tmp_path, owa_im_rollback_list=True))
    assert listed.returncode == 0, listed.stdout[-3000:]
    assert listed.stdout.count("Would restore: CAS0") == 3
    assert all(pool.vdir(s)["InstantMessagingServerName"] == "ocspool.contoso.lab" for s in SERVERS)
    rollback = pool.playbook(PLAYBOOKS / "rollback.yml", extra_vars=lab_vars(tmp_path))
    assert rollback.returncode == 0, rollback.stdout[-3000:]
    for server in SERVERS:
        vdir = pool.vdir(server)
        assert vdir["InstantMessagingServerName"] is None and vdir["InstantMessagingEnabled"] is False


def test_a_ten_server_rollout_never_has_two_servers_not_answering(tmp_path: Path) -> None:
    lab = start_lab(tmp_path / "lab", 10, "--reset-seconds", "1", "--owa-warmup-seconds", "3")
    try:
        # Components left out to keep the rollout about resets: OWA's provider then cannot load (event 83), which the
        # IM events check would rightly fail, so that check is off here.
        figures = probe_owa(lab.inventory, lambda: _site(lab, tmp_path, owa_im_install_components=False, owa_im_check_im_events=False))
        run = figures["outcome"]
        assert run.returncode == 0, run.stdout[-3000:]
        assert figures["rounds"] > 100
        assert figures["most_not_answering"] == 1, figures
        assert figures["still_down"] == []
        # An outage is at least the reset (1 s) and OWA's warm-up (3 s): the probe did see the servers go down.
        assert figures["longest_outage_seconds"] >= 3.8, figures
        assert set(lab.resets()["per_server"].values()) == {1}
    finally:
        lab.owa_lab("down")
