"""site and audit as AWX and Automation Platform run them: through ansible-runner, from a private data directory, with the
read-only project as the current directory and no PWD in the environment. The controller outputs (Host Authorization
notes, backups, audit reports) go to the job's artifact directory, or to owa_im_output_directory when the inventory sets
it; never into the project or the current directory. Plain ansible-playbook without PWD writes under
~/.ansible/exchange.owa_im, and rollback finds its backups there."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import LAB_VARS, ROOT, start_lab

# Run in a subprocess, as a job's runner process: both playbooks one after the other, each its own job (ident).
RUNNER_JOB = textwrap.dedent("""
    import json, os, sys
    import ansible_runner
    results = {"pwd_in_environment": "PWD" in os.environ, "cwd": os.getcwd(), "jobs": {}}
    for name in ("site", "audit"):
        run = ansible_runner.run(private_data_dir=sys.argv[1], playbook=name + ".yml", ident=name, quiet=True)
        results["jobs"][name] = {"rc": run.rc, "status": run.status, "artifact_dir": run.config.artifact_dir,
                                 "stdout": run.stdout.read()[-4000:]}
        if run.rc != 0:
            break
    print(json.dumps(results))
""")


def _environment(home: Path) -> dict[str, str]:
    """The test's environment less PWD (a job's runner has none), an artifact directory, and the ways the test itself
    finds the collection, with a HOME of its own so that the per-user default never touches the real one."""
    env = {key: value for key, value in os.environ.items()
           if key not in ("PWD", "OLDPWD", "AWX_ISOLATED_DATA_DIR", "ANSIBLE_COLLECTIONS_PATH", "ANSIBLE_COLLECTIONS_PATHS", "PYTHONPATH")}
    env.update(HOME=str(home), ANSIBLE_NOCOLOR="1")
    return env


def _snapshot(folder: Path) -> dict[str, tuple[int, int, int]]:
    """Every entry under folder, with its mode, size and modification time: root may write into a read-only tree, so
    what was written is found by comparing, not by a permission error."""
    entries = {".": (folder.stat().st_mode, 0, folder.stat().st_mtime_ns)}
    for path in folder.rglob("*"):
        info = path.lstat()
        entries[str(path.relative_to(folder))] = (info.st_mode, info.st_size, info.st_mtime_ns)
    return entries


def _make_read_only(folder: Path) -> None:
    for path in [folder, *folder.rglob("*")]:
        path.chmod(0o555 if path.is_dir() else 0o444)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _assert_outputs(notes_directory: Path, audit_directory: Path) -> None:
    """The notes and the backups of site under notes_directory, the reports of audit under audit_directory; folders the
    collection made are 0700, its files 0600."""
    notes = notes_directory / "owa_im_host_authorization.md"
    assert "| cas01.contoso.lab | No | Yes | Yes |" in notes.read_text()
    backups = notes_directory / "owa_im_backups"
    assert sorted(path.name.split("-")[0] for path in backups.glob("*.json")) == [
        "cas01.contoso.lab", "cas02.contoso.lab", "cas03.contoso.lab"]
    reports = audit_directory / "owa_im_audit"
    assert len(list(reports.glob("owa_im_audit-*.json"))) == 1 and len(list(reports.glob("owa_im_audit-*.md"))) == 1
    assert json.loads(next(reports.glob("*.json")).read_text())["drift"] == []
    assert _mode(backups) == 0o700 and _mode(reports) == 0o700
    for path in [notes, *backups.iterdir(), *reports.iterdir()]:
        assert _mode(path) == 0o600, path


@pytest.mark.parametrize("output_directory_in_inventory", [False, True], ids=["artifacts", "inventory"])
def test_site_and_audit_as_an_ansible_runner_job(tmp_path: Path, output_directory_in_inventory: bool) -> None:
    lab = start_lab(tmp_path / "lab")
    try:
        # The private data directory AWX lays out for a job: inventory, env/extravars, env/envvars, project/.
        private = tmp_path / "private_data_dir"
        (private / "inventory").mkdir(parents=True)
        inventory = yaml.safe_load(lab.inventory.read_text())
        outputs = tmp_path / "outputs" / "owa_im"
        if output_directory_in_inventory:
            inventory["all"].setdefault("vars", {})["owa_im_output_directory"] = str(outputs)
        (private / "inventory" / "hosts.yml").write_text(yaml.safe_dump(inventory))
        (private / "env").mkdir()
        (private / "env" / "extravars").write_text(yaml.safe_dump(dict(LAB_VARS, owa_im_host_authorization_confirmed=True)))
        # The collection importable as a job has it: from a collections path given in the job's environment.
        (private / "env" / "envvars").write_text(yaml.safe_dump({"ANSIBLE_COLLECTIONS_PATH": str(ROOT / "build")}))
        project = private / "project"
        shutil.copytree(ROOT / "playbooks", project)
        _make_read_only(project)
        home = tmp_path / "home"
        home.mkdir()
        before = _snapshot(project)

        run = subprocess.run([sys.executable, "-c", RUNNER_JOB, str(private)], cwd=project, env=_environment(home),
                             capture_output=True, text=True, timeout=900)
        assert run.returncode == 0, run.stderr[-3000:]
        results: dict[str, Any] = json.loads(run.stdout.splitlines()[-1])
        assert results["pwd_in_environment"] is False and results["cwd"] == str(project)
        for name in ("site", "audit"):
            job = results["jobs"][name]
            assert (job["rc"], job["status"]) == (0, "successful"), job["stdout"]
        assert "3 CAS servers carry the same IM settings" in results["jobs"]["site"]["stdout"]
        assert "The pool is consistent" in results["jobs"]["audit"]["stdout"]

        site_artifacts = Path(results["jobs"]["site"]["artifact_dir"])
        audit_artifacts = Path(results["jobs"]["audit"]["artifact_dir"])
        assert (site_artifacts, audit_artifacts) == (private / "artifacts" / "site", private / "artifacts" / "audit")
        if output_directory_in_inventory:
            _assert_outputs(outputs, outputs)
            assert _mode(outputs) == 0o700 and _mode(outputs.parent) == 0o700    # made, with its parent
            assert not [p for p in (private / "artifacts").rglob("owa_im*")]
        else:
            _assert_outputs(site_artifacts, audit_artifacts)
            assert not (tmp_path / "outputs").exists()
        # Nothing in the project, which is also the current directory, and nothing under the per-user default.
        assert _snapshot(project) == before
        assert not (home / ".ansible" / "exchange.owa_im").exists()
    finally:
        lab.owa_lab("down")
        for path in (tmp_path / "private_data_dir" / "project").rglob("*"):
            path.chmod(0o755 if path.is_dir() else 0o644)


def test_plain_ansible_playbook_without_pwd_writes_under_the_home_default(tmp_path: Path) -> None:
    """Without PWD, the former default was /owa_im_backups; now site, audit and rollback use ~/.ansible/exchange.owa_im
    of the user (a HOME of the test's own here), from / as the current directory."""
    lab = start_lab(tmp_path / "lab")
    try:
        home = tmp_path / "home"
        home.mkdir()
        env = dict(_environment(home), ANSIBLE_COLLECTIONS_PATH=str(ROOT / "build"))
        root_before = set(os.listdir("/"))
        for playbook in ("site.yml", "audit.yml"):
            run = subprocess.run(["ansible-playbook", "-i", str(lab.inventory), str(ROOT / "playbooks" / playbook),
                                  "-e", json.dumps(LAB_VARS)], cwd="/", env=env, capture_output=True, text=True)
            assert run.returncode == 0, run.stdout[-3000:]
        default = home / ".ansible" / "exchange.owa_im"
        _assert_outputs(default, default)
        assert _mode(default) == 0o700
        # rollback reads the backups site wrote under the same default: every server back to "never configured".
        run = subprocess.run(["ansible-playbook", "-i", str(lab.inventory), str(ROOT / "playbooks" / "rollback.yml")],
                             cwd="/", env=env, capture_output=True, text=True)
        assert run.returncode == 0, run.stdout[-3000:]
        assert all(lab.vdir(server)["InstantMessagingServerName"] is None for server in ("CAS01", "CAS02", "CAS03"))
        backups = sorted((default / "owa_im_backups").iterdir())
        assert len(backups) == 6 and all(_mode(path) == 0o600 for path in backups)
        assert set(os.listdir("/")) == root_before
    finally:
        lab.owa_lab("down")
