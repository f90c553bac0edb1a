"""site, audit and rollback across Exchange versions (issue #12's "done when"). What site changed on each server (the
virtual directory, Exchange 2013's web.config keys, 2016's setting overrides, the mailbox policies) returns to how it
was, from the backups each server wrote before each change; an override site created is removed, one it replaced is
put back; a second rollback of the same moment changes nothing."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import yaml
from owa_lab import files
from owa_lab.store import Store

from conftest import ROOT, lab_vars, start_lab

PLAYBOOKS = ROOT / "playbooks"
WEB_CONFIG = "C:\\Program Files\\Microsoft\\Exchange Server\\V15\\ClientAccess\\Owa\\web.config"
VDIR_IM = ("InstantMessagingEnabled", "InstantMessagingType", "InstantMessagingServerName", "InstantMessagingCertificateThumbprint")


def _overrides(lab) -> dict[str, dict]:
    return {o["name"]: o for o in lab.directory().get("setting_overrides", []) if o["component"] == "OwaServer"}


def _policy(lab, name: str) -> dict:
    return next(p for p in lab.directory()["owa_mailbox_policies"] if p["name"] == name)


def test_site_audit_and_rollback_on_a_mixed_pool_with_a_skype_for_business_front_end(tmp_path: Path) -> None:
    """Issue #12's whole course: a pool of two Exchange 2010 SP3 and two 2016 servers beside a Skype for Business Server 2019
    Front End; site converges each server its own way and the trusted application pools on the Front End, a second run
    changes nothing, audit passes, and rollback returns the pool and the Front End to how they were."""
    mixed = start_lab(tmp_path / "lab", 0, "--mixed", "2010sp3:2,2016:2", "--front-end", "sfb2019")
    try:
        # CAS03 had an override of its own, made by hand; the organisation a policy with IM off.
        by_hand = {"name": "IM by hand", "component": "OwaServer", "section": "IMSettings", "server": ["CAS03"], "reason": "by hand",
                   "parameters": ["IMServerName=old.contoso.lab", "IMCertificateThumbprint=" + mixed.thumbprint("CAS03").upper()]}
        mixed.seed(tmp_path, {"setting_overrides": [by_hand],
                              "owa_mailbox_policies": [{"name": "Contractors", "InstantMessagingEnabled": False, "InstantMessagingType": "None"}]})
        before_vdirs = {s: {k: mixed.vdir(s).get(k) for k in VDIR_IM} for s in ("CAS01", "CAS02", "CAS03", "CAS04")}
        site_vars = lab_vars(tmp_path, owa_im_mailbox_policies=[{"name": "Contractors", "instant_messaging_enabled": True,
                                                                 "instant_messaging_type": "ocs"}],
                             owa_im_manage_trusted_applications=True)
        site = mixed.playbook(PLAYBOOKS / "site.yml", extra_vars=site_vars)
        assert site.returncode == 0, site.stdout[-4000:]
        assert sorted(_overrides(mixed)) == ["OWA IM CAS03", "OWA IM CAS04"]     # the one by hand was replaced
        assert _policy(mixed, "Contractors")["InstantMessagingEnabled"] is True
        for server in ("CAS01", "CAS02"):
            assert mixed.vdir(server)["InstantMessagingServerName"] == "ocspool.contoso.lab"
        topology = mixed.directory()["lync"]
        assert sorted(p["fqdn"] for p in topology["trusted_application_pools"]) == ["cas03.contoso.lab", "cas04.contoso.lab"]
        assert topology["published"] is True
        second = mixed.playbook(PLAYBOOKS / "site.yml", extra_vars=site_vars)
        assert second.returncode == 0 and "changed=0" in second.stdout.split("PLAY RECAP")[-1], second.stdout[-3000:]
        audit = mixed.playbook(PLAYBOOKS / "audit.yml", extra_vars=lab_vars(tmp_path))
        assert audit.returncode == 0, audit.stdout[-4000:]

        listed = mixed.playbook(PLAYBOOKS / "rollback.yml", extra_vars=lab_vars(tmp_path, owa_im_rollback_list=True))
        assert listed.returncode == 0, listed.stdout[-3000:]
        said = " ".join(listed.stdout.split())
        assert "(setting override OWA IM CAS04, created since: removed)" in said, said[-3000:]
        assert "(setting override IM by hand)" in said and "(mailbox policy Contractors)" in said
        # The Front End's backups, read in the same listing: site created both pools and their applications.
        assert "(trusted application cas03.contoso.lab, created since: removed)" in said, said[-3000:]
        assert "(trusted application cas04.contoso.lab/urn:application:OutlookWebApp, created since: removed)" in said

        resets_before = mixed.resets()["per_server"]
        since = len(mixed.log())
        rollback = mixed.playbook(PLAYBOOKS / "rollback.yml", extra_vars=lab_vars(tmp_path))
        assert rollback.returncode == 0, rollback.stdout[-4000:]
        overrides = _overrides(mixed)
        assert sorted(overrides) == ["IM by hand"]
        restored = overrides["IM by hand"]
        assert restored["server"] == ["CAS03"] and sorted(restored["parameters"]) == sorted(by_hand["parameters"])
        assert restored["reason"] == "by hand"
        for server, values in before_vdirs.items():
            assert {k: mixed.vdir(server).get(k) for k in VDIR_IM} == values, server
        policy = _policy(mixed, "Contractors")
        assert policy["InstantMessagingEnabled"] is False and policy["InstantMessagingType"] == "None"
        # Every server changed and was restarted again, one at a time; the 2016 workers read the overrides as restored.
        resets = mixed.resets()
        assert resets["max_concurrent"] == 1
        assert all(resets["per_server"][s] > resets_before[s] for s in ("CAS01", "CAS02", "CAS03", "CAS04")), resets
        assert mixed.host("CAS03")["workers"]["MSExchangeOWAAppPool"]["im_settings"]["IMServerName"] == "old.contoso.lab"
        assert not mixed.host("CAS04")["workers"]["MSExchangeOWAAppPool"]["im_settings"].get("IMServerName")
        # The trusted application pools site created on the Front End are gone again, after the Client Access servers'
        # restore, and the topology is published.
        topology = mixed.directory()["lync"]
        assert topology["trusted_application_pools"] == [] and topology["trusted_applications"] == [], topology
        assert topology["published"] is True and topology["pending"] == []
        changes = [e["event"] for e in mixed.log()[since:] if e["event"] in ("ad-change", "topology-change")]
        last_exchange_change = len(changes) - 1 - changes[::-1].index("ad-change")
        assert "topology-change" in changes and changes.index("topology-change") > last_exchange_change, changes

        # The rollback backed up what it replaced: undoing it (the newest run) brings site's settings back.
        again = mixed.playbook(PLAYBOOKS / "rollback.yml", extra_vars=lab_vars(tmp_path))
        assert again.returncode == 0, again.stdout[-4000:]
        assert sorted(_overrides(mixed)) == ["OWA IM CAS03", "OWA IM CAS04"]
        assert _policy(mixed, "Contractors")["InstantMessagingEnabled"] is True
        topology = mixed.directory()["lync"]
        assert sorted(p["fqdn"] for p in topology["trusted_application_pools"]) == ["cas03.contoso.lab", "cas04.contoso.lab"]
        assert sorted((a["pool"], a["port"]) for a in topology["trusted_applications"]) == [("cas03.contoso.lab", 5199), ("cas04.contoso.lab", 5199)]
        settled = mixed.playbook(PLAYBOOKS / "site.yml", extra_vars=site_vars)
        assert settled.returncode == 0 and "changed=0" in settled.stdout.split("PLAY RECAP")[-1], settled.stdout[-3000:]
    finally:
        mixed.owa_lab("down")


def test_rollback_restores_the_web_config_of_a_2013_pool_byte_for_byte(tmp_path: Path) -> None:
    lab = start_lab(tmp_path / "lab", 2, "--version", "2013")
    try:
        original = {s: files.host_file_bytes(Store(lab.state), s, WEB_CONFIG) for s in ("CAS01", "CAS02")}
        assert all(original.values())
        site = lab.playbook(PLAYBOOKS / "site.yml", extra_vars=lab_vars(tmp_path))
        assert site.returncode == 0, site.stdout[-4000:]
        assert all(files.host_file_bytes(Store(lab.state), s, WEB_CONFIG) != original[s] for s in original)
        second = lab.playbook(PLAYBOOKS / "site.yml", extra_vars=lab_vars(tmp_path))
        assert second.returncode == 0 and "changed=0" in second.stdout.split("PLAY RECAP")[-1], second.stdout[-3000:]
        audit = lab.playbook(PLAYBOOKS / "audit.yml", extra_vars=lab_vars(tmp_path))
        assert audit.returncode == 0, audit.stdout[-4000:]
        # Back to the moment the lab started, before site.
        started = json.loads((lab.state / "lab.json").read_text())["started"]
        moment = dt.datetime.fromtimestamp(started, dt.timezone.utc).strftime("%Y%m%dT%H%M%S")
        configured = {s: files.host_file_bytes(Store(lab.state), s, WEB_CONFIG) for s in original}
        resets = lab.resets()["per_server"]
        preview = lab.playbook(PLAYBOOKS / "rollback.yml", "--check", extra_vars=lab_vars(tmp_path, owa_im_rollback_to=moment))
        assert preview.returncode == 0, preview.stdout[-4000:]
        # A preview says what it would restore and changes nothing, resets nothing.
        recap = [line for line in preview.stdout.split("PLAY RECAP")[-1].splitlines() if line.startswith("cas0")]
        assert len(recap) == 2 and all("changed=0" not in line for line in recap), recap
        assert all(files.host_file_bytes(Store(lab.state), s, WEB_CONFIG) == configured[s] for s in original)
        assert lab.resets()["per_server"] == resets
        rollback = lab.playbook(PLAYBOOKS / "rollback.yml", extra_vars=lab_vars(tmp_path, owa_im_rollback_to=moment))
        assert rollback.returncode == 0, rollback.stdout[-4000:]
        # The keys site added are gone with their lines: each file is as it was before site.
        for server, data in original.items():
            assert files.host_file_bytes(Store(lab.state), server, WEB_CONFIG) == data, server
            vdir = lab.vdir(server)
            assert vdir["InstantMessagingEnabled"] is False and vdir["InstantMessagingType"] == "None"
        # The same moment again: its oldest backups still say the same, and every server already is so.
        again = lab.playbook(PLAYBOOKS / "rollback.yml", extra_vars=lab_vars(tmp_path, owa_im_rollback_to=moment))
        assert again.returncode == 0, again.stdout[-4000:]
        assert "changed=0" in again.stdout.split("PLAY RECAP")[-1], again.stdout[-3000:]
    finally:
        lab.owa_lab("down")


def test_a_web_config_with_one_key_gets_that_key_back_and_loses_the_other_through_the_drain_hooks(tmp_path: Path) -> None:
    lab = start_lab(tmp_path / "lab", 2, "--version", "2013")
    try:
        # CAS01's file had only IMServerName before site; site sets it and adds IMCertificateThumbprint.
        text = files.host_file_bytes(Store(lab.state), "CAS01", WEB_CONFIG).decode("latin-1")
        at = text.index("<appSettings>") + len("<appSettings>")
        seeded = (text[:at] + '\r\n    <add key="IMServerName" value="old.contoso.lab" />' + text[at:]).encode("latin-1")
        with Store(lab.state).edit_host("CAS01") as host:
            host["files"][WEB_CONFIG] = {"text": seeded.decode("latin-1"), "encoding": "latin-1"}
        # IM was already on in the virtual directories: site changes web.config alone.
        lab.seed(tmp_path, {"virtual_directories": {s: {"InstantMessagingEnabled": True, "InstantMessagingType": "Ocs"} for s in ("CAS01", "CAS02")}})
        site = lab.playbook(PLAYBOOKS / "site.yml", extra_vars=lab_vars(tmp_path))
        assert site.returncode == 0, site.stdout[-4000:]
        assert b'value="old.contoso.lab"' not in files.host_file_bytes(Store(lab.state), "CAS01", WEB_CONFIG)
        # A load balancer hook drains each server the rollback changed before its reset.
        hook = tmp_path / "drain.yml"
        hook.write_text(yaml.safe_dump([{"name": "Drain", "ansible.builtin.file": {
            "path": str(tmp_path / "drained-{{ owa_im_restart_host }}"), "state": "touch", "mode": "0600"}, "delegate_to": "localhost"}]))
        resets = lab.resets()["per_server"]
        # The state returned to is IM on with a server name and no thumbprint, which OWA refuses (event 101): the check of
        # OWA's IM events after each reset would rightly fail the rollback, so it is off here.
        rollback = lab.playbook(PLAYBOOKS / "rollback.yml", extra_vars=lab_vars(tmp_path, owa_im_before_restart_tasks=str(hook),
                                                                               owa_im_check_im_events=False))
        assert rollback.returncode == 0, rollback.stdout[-4000:]
        assert files.host_file_bytes(Store(lab.state), "CAS01", WEB_CONFIG) == seeded
        restored = [line for line in rollback.stdout.splitlines() if ": restored " in line]
        assert len(restored) == 2 and not [line for line in restored if "owa (Default Web Site)" in line], restored
        # Both servers changed in web.config alone: both drained, both reset.
        assert sorted(p.name for p in tmp_path.glob("drained-*")) == ["drained-cas01.contoso.lab", "drained-cas02.contoso.lab"]
        assert all(lab.resets()["per_server"][s] > resets[s] for s in ("CAS01", "CAS02"))
    finally:
        lab.owa_lab("down")
