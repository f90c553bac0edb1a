"""A package on the CAS's own disk runs with administrator rights: one a local user owns or may change is never run."""

from __future__ import annotations

from pathlib import Path

from conftest import ROOT, Lab, lab_vars

PLAYBOOKS = ROOT / "playbooks"
EXPAND = "C:\\Web Service Provider Installer Package"
MALLORY = "S-1-5-21-3623811015-3361044348-30300820-1107"   # a local user, no administrator


def test_a_package_a_local_user_planted_in_the_expand_folder_is_never_run(pool: Lab, tmp_path: Path) -> None:
    # Users may create files in a folder under C:\ (its root ACL): the same bytes as the real hotfix, owned by the user,
    # who can swap them for anything once the check of their SHA-1 has passed.
    planted = EXPAND + "\\UcmaRedist.msp"
    pool.seed(tmp_path, {"servers": {"CAS01": {
        "files": {planted: {"package": "ucmaredist_hotfix"}},
        "security": {planted: f"O:{MALLORY}G:{MALLORY}D:AI(A;;FA;;;{MALLORY})(A;ID;FA;;;BA)(A;ID;FA;;;SY)"}}}})
    run = pool.playbook(PLAYBOOKS / "site.yml", extra_vars=lab_vars(tmp_path))
    assert run.returncode != 0
    said = " ".join(run.stdout.split()).replace("\\\\", "\\")
    assert f"CAS01: {planted} will not be run: {planted} is owned by {MALLORY}." in said, run.stdout[-3000:]
    # Refused before any package ran on CAS01: nothing half installed there.
    assert not [e for e in pool.log() if e["server"] == "CAS01" and e["event"] in ("install", "patch")]


def test_packages_the_collection_put_there_itself_run(pool: Lab, tmp_path: Path) -> None:
    run = pool.playbook(PLAYBOOKS / "site.yml", extra_vars=lab_vars(tmp_path))
    assert run.returncode == 0, run.stdout[-3000:]
    assert {e["package"] for e in pool.log() if e["server"] == "CAS01" and e["event"] == "install" and e["exit_code"] == 0} >= {
        "cwaowasspmain", "vcredist_x64", "ucmaredist", "cwaowassp"}
