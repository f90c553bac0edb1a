"""Ansible's own features an admin reaches for, on the site playbook and the role: serial, tags, typos."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from conftest import ROOT, Lab, lab_vars

PLAYBOOKS = ROOT / "playbooks"


def _changes(lab: Lab) -> list[str]:
    return [e["server"] for e in lab.log() if e["event"] == "ad-change" and e.get("changes")]


@pytest.mark.parametrize("serial", [1, "50%"])
def test_serial_batches_check_the_pool_so_far_then_the_whole_pool(pool: Lab, tmp_path: Path, serial: object) -> None:
    run = pool.playbook(PLAYBOOKS / "site.yml", extra_vars=lab_vars(tmp_path, owa_im_serial=serial))
    assert run.returncode == 0, run.stdout[-3000:]
    assert "So far (1 of the play's 3 servers, in batches of owa_im_serial)" in run.stdout
    assert "3 CAS servers carry the same IM settings" in run.stdout
    # A report per batch; the last covers the whole pool, changed and reset.
    reports = sorted((tmp_path / "site").glob("owa_im_site-*.json"))
    assert reports, run.stdout[-2000:]
    last = json.loads(reports[-1].read_text())
    assert last["check_mode"] is False and [e["server"] for e in last["servers"] if e["changed"] and e["reset"]] == [
        "cas01.contoso.lab", "cas02.contoso.lab", "cas03.contoso.lab"]
    assert "| cas02.contoso.lab | default | ocspool.contoso.lab | Ocs | True | yes | yes |" in reports[-1].with_suffix(".md").read_text()
    resets = pool.resets()
    assert resets["per_server"] == {"CAS01": 1, "CAS02": 1, "CAS03": 1} and resets["max_concurrent"] == 1


def test_a_mistyped_variable_in_a_hosts_inventory_stops_everything(pool: Lab, tmp_path: Path) -> None:
    inventory = yaml.safe_load(pool.inventory.read_text())
    inventory["all"]["children"]["cas_servers"]["hosts"]["cas02.contoso.lab"]["owa_im_enable"] = False
    pool.inventory.write_text(yaml.safe_dump(inventory))
    run = pool.playbook(PLAYBOOKS / "site.yml", extra_vars=lab_vars(tmp_path))
    assert run.returncode != 0
    assert "owa_im_enable (did you mean owa_im_enabled?)" in run.stdout and "Nothing was changed" in run.stdout
    assert _changes(pool) == [] and pool.resets()["windows"] == []


def test_tags_never_skip_the_checks_and_a_skipped_step_leaves_no_crash(pool: Lab, tmp_path: Path) -> None:
    gated = pool.playbook(PLAYBOOKS / "site.yml", "--tags", "owa_im_virtual_directory",
                          extra_vars=lab_vars(tmp_path, owa_im_host_authorization_confirmed=False))
    assert gated.returncode != 0
    assert "Nothing was changed. OCS 2007 R2 only talks to Client Access servers on its Host" in gated.stdout
    assert _changes(pool) == []
    # --start-at-task cannot reach a changing step: they sit behind the first read, in a dynamic include.
    started = pool.playbook(PLAYBOOKS / "site.yml", "--start-at-task", "Set the OWA virtual directory's instant-messaging settings",
                            extra_vars=lab_vars(tmp_path, owa_im_host_authorization_confirmed=False))
    assert "No matching task" in started.stdout + started.stderr and _changes(pool) == []
    skipped = pool.playbook(PLAYBOOKS / "site.yml", "--skip-tags", "owa_im_virtual_directory", extra_vars=lab_vars(tmp_path))
    assert skipped.returncode == 0, skipped.stdout[-3000:]
    assert _changes(pool) == [] and "3 CAS servers carry the same IM settings" in skipped.stdout


def test_two_pools_in_one_inventory_are_not_drift_and_limit_keeps_every_servers_notes(pool: Lab, tmp_path: Path) -> None:
    inventory = yaml.safe_load(pool.inventory.read_text())
    group = inventory["all"]["children"]["cas_servers"]
    group["vars"]["owa_im_server_name"] = "ocspool.contoso.lab"
    group["hosts"]["cas03.contoso.lab"].update(owa_im_pool_name="south", owa_im_server_name="ocs-south.contoso.lab")
    pool.inventory.write_text(yaml.safe_dump(inventory))
    pool.seed(tmp_path, {"ocs_pools": [{"fqdn": "ocs-south.contoso.lab"}]})
    without_name = {k: v for k, v in lab_vars(tmp_path).items() if k != "owa_im_server_name"}
    limited = pool.playbook(PLAYBOOKS / "site.yml", "--limit", "cas03.contoso.lab", extra_vars=without_name)
    assert limited.returncode == 0, limited.stdout[-3000:]
    notes = (tmp_path / "host_authorization.md").read_text()
    assert "| cas01.contoso.lab |" in notes and "| cas02.contoso.lab |" in notes and "## CAS pool south" in notes
    assert notes.index("ocs-south.contoso.lab") < notes.index("| cas03.contoso.lab |")
    # cas03 was read (its entry comes from its certificate); the others are named from the inventory, and say so.
    assert "| cas03.contoso.lab | cas03.contoso.lab | No |" in notes
    assert "| cas01.contoso.lab | cas01.contoso.lab (not read in this run: named from the inventory, see below) | No |" in notes
    assert "So far (1 of the play's 1 servers" not in limited.stdout
    full = pool.playbook(PLAYBOOKS / "site.yml", extra_vars=without_name)
    assert full.returncode == 0, full.stdout[-3000:]
    assert pool.vdir("CAS03")["InstantMessagingServerName"] == "ocs-south.contoso.lab"
    assert pool.vdir("CAS01")["InstantMessagingServerName"] == "ocspool.contoso.lab"
    audit = pool.playbook(PLAYBOOKS / "audit.yml", extra_vars=dict(without_name, owa_im_audit_directory=str(tmp_path / "audit")))
    assert audit.returncode == 0, audit.stdout[-3000:]
    assert "compared with the settings intended for each server" in audit.stdout


def test_the_role_readme_examples_run_as_pasted(pool: Lab, tmp_path: Path) -> None:
    readme = (ROOT / "roles" / "cas" / "README.md").read_text()
    blocks = [block.split("```", 1)[0] for block in readme.split("```yaml\n")[1:]]
    plays = [yaml.safe_load(block) for block in blocks if block.lstrip().startswith("- name:")]
    assert len(plays) == 2
    # The lab's own values where the examples name production ones: its OCS pool, and installers sent from the
    # controller (its NTLM sessions cannot read a share).
    lab = dict(lab_vars(tmp_path), owa_im_component_source="")
    for index, play in enumerate(plays):
        path = tmp_path / f"example{index}.yml"
        path.write_text(yaml.safe_dump(play))
        run = pool.playbook(path, extra_vars=lab)
        assert run.returncode == 0, run.stdout[-3000:]
    assert pool.vdir("CAS02")["InstantMessagingServerName"] == "ocspool.contoso.lab"
    assert pool.resets()["per_server"] == {"CAS01": 1, "CAS02": 1, "CAS03": 1}


def test_strategy_free_is_refused_with_the_fix(pool: Lab, tmp_path: Path) -> None:
    play = [{"name": "The role under strategy free", "hosts": "cas_servers", "gather_facts": False, "strategy": "free",
             "roles": [{"role": "exchange.owa_im.cas"}]}]
    path = tmp_path / "free.yml"
    path.write_text(yaml.safe_dump(play))
    run = pool.playbook(path, extra_vars=lab_vars(tmp_path))
    assert run.returncode != 0
    assert "needs the play's default strategy, linear; this play has strategy: free" in run.stdout
    assert _changes(pool) == []
