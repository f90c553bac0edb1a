"""Exchange 2016 through the role and the modules, against a 2016 lab: the virtual directory keeps IM on and its type,
each server's IM server and certificate go into a setting override of its own, the server's VariantConfiguration is
refreshed, OWA's pool restarts and then serves the override's settings; a second run changes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import ROOT, Lab, lab_vars, start_lab

PLAYBOOKS = ROOT / "playbooks"


@pytest.fixture
def pool_2016(tmp_path_factory: pytest.TempPathFactory):
    started = start_lab(tmp_path_factory.mktemp("pool2016"), 2, "--version", "2016")
    yield started
    started.owa_lab("down")


def _im_overrides(lab: Lab) -> list[dict]:
    return [o for o in lab.directory().get("setting_overrides", []) if o["component"] == "OwaServer" and o["section"] == "IMSettings"]


def test_site_configures_a_2016_pool_with_setting_overrides(pool_2016: Lab, tmp_path: Path) -> None:
    first = pool_2016.playbook(PLAYBOOKS / "site.yml", extra_vars=lab_vars(tmp_path))
    assert first.returncode == 0, first.stdout[-4000:]
    overrides = {o["name"]: o for o in _im_overrides(pool_2016)}
    assert sorted(overrides) == ["OWA IM CAS01", "OWA IM CAS02"]
    for server in ("CAS01", "CAS02"):
        override = overrides[f"OWA IM {server}"]
        assert override["server"] == [server]
        assert sorted(override["parameters"]) == sorted([f"IMCertificateThumbprint={pool_2016.thumbprint(server).upper()}",
                                                         "IMServerName=ocspool.contoso.lab"])
        vdir = pool_2016.vdir(server)
        assert vdir["InstantMessagingEnabled"] is True and vdir["InstantMessagingType"] == "Ocs"
        # The directory's own server name and thumbprint are not where 2016 reads them: left as they were.
        assert not vdir.get("InstantMessagingServerName") and not vdir.get("InstantMessagingCertificateThumbprint")
    events = pool_2016.log()
    # No OCS 2007 R2 component is installed on 2016, and every server was reset once, after its override.
    assert [e for e in events if e["event"] in ("msiexec", "install")] == []
    for server in ("CAS01", "CAS02"):
        resets = [i for i, e in enumerate(events) if e["server"] == server and e["event"].endswith("-start") and e["event"] != "reboot-start"
                  and e["event"] in ("iis-reset-start", "apppool-recycle-start")]
        changes = [i for i, e in enumerate(events) if e["server"] == server and e["event"] == "ad-change"]
        assert len(resets) == 1 and changes and max(changes) < resets[0], (server, resets, changes)
        # OWA answered after its reset (the role waited for it), and the worker that answered took the override's values.
        worker = pool_2016.host(server)["workers"]["MSExchangeOWAAppPool"]
        assert worker["im_settings"] == {"IMServerName": "ocspool.contoso.lab", "IMCertificateThumbprint": pool_2016.thumbprint(server).upper()}
    # The worker's provider loaded (event 112): the role's check of OWA's IM events after each reset passed.
    events = pool_2016.log()
    for server in ("CAS01", "CAS02"):
        assert any(e["event"] == "event-log" and e["server"] == server and e.get("event_id") == 112 for e in events), server

    second = pool_2016.playbook(PLAYBOOKS / "site.yml", extra_vars=lab_vars(tmp_path))
    assert second.returncode == 0, second.stdout[-4000:]
    assert "changed=0" in second.stdout.split("PLAY RECAP")[-1], second.stdout[-3000:]

    # audit reads what OWA 2016 takes (the override), and needs no OCS 2007 R2 component there.
    audit = pool_2016.playbook(PLAYBOOKS / "audit.yml", extra_vars=lab_vars(tmp_path))
    assert audit.returncode == 0, audit.stdout[-4000:]
    # An override changed by hand on one server is drift.
    pool_2016.seed(tmp_path, {"setting_overrides": [{"name": "OWA IM CAS02", "server": ["CAS02"], "reason": "by hand", "parameters": [
        "IMServerName=other.contoso.lab", "IMCertificateThumbprint=" + pool_2016.thumbprint("CAS02").upper()]}]})
    drifted = pool_2016.playbook(PLAYBOOKS / "audit.yml", extra_vars=lab_vars(tmp_path))
    assert drifted.returncode != 0
    said = " ".join(drifted.stdout.split())
    assert "CAS02: instant_messaging_server_name is other.contoso.lab, expected ocspool.contoso.lab" in said, said[-3000:]
    # The override changed after OWA's worker started there: CAS02 owes OWA a restart, as its server says.
    assert "a reset is owed) on: cas02.contoso.lab;" in said


def test_an_override_made_by_hand_for_the_organisation_is_kept_and_a_servers_own_wins(pool_2016: Lab, tmp_path: Path) -> None:
    pool_2016.seed(tmp_path, {"setting_overrides": [{"name": "IM Override", "component": "OwaServer", "section": "IMSettings",
                                                     "parameters": ["IMServerName=old.contoso.lab", "IMCertificateThumbprint=" + "AB" * 20],
                                                     "reason": "Configure IM", "server": []}]})
    run = pool_2016.playbook(PLAYBOOKS / "site.yml", extra_vars=lab_vars(tmp_path))
    assert run.returncode == 0, run.stdout[-4000:]
    names = sorted(o["name"] for o in _im_overrides(pool_2016))
    # The organisation's override has another scope: each server's own replaces nothing of it.
    assert names == ["IM Override", "OWA IM CAS01", "OWA IM CAS02"]


def test_an_override_of_one_server_asked_for_the_whole_organisation_loses_its_server(pool_2016: Lab, tmp_path: Path) -> None:
    # Set-SettingOverride without -Server keeps the servers an override names: the module removes and creates it again.
    parameters = ["IMServerName=ocspool.contoso.lab", "IMCertificateThumbprint=" + "AB" * 20]
    pool_2016.seed(tmp_path, {"setting_overrides": [{"name": "X", "server": ["CAS01"], "reason": "by hand", "parameters": parameters}]})
    task = {"exchange.owa_im.setting_override": {"name": "X", "reason": "Configure IM",
                                                 "parameters": {"IMServerName": "ocspool.contoso.lab", "IMCertificateThumbprint": "AB" * 20}}}
    first = pool_2016.play(tmp_path, task, "--limit", "cas01.contoso.lab")
    assert first.returncode == 0, first.stdout[-3000:]
    result = Lab.result(tmp_path, "cas01.contoso.lab")
    assert result["changed"] is True and result["action"] == "update" and result.get("server_backup_file"), result
    mine = [o for o in _im_overrides(pool_2016) if o["name"] == "X"]
    assert len(mine) == 1 and mine[0]["server"] == [] and sorted(mine[0]["parameters"]) == sorted(parameters), mine
    second = pool_2016.play(tmp_path, task, "--limit", "cas01.contoso.lab")
    assert second.returncode == 0, second.stdout[-3000:]
    again = Lab.result(tmp_path, "cas01.contoso.lab")
    assert again["changed"] is False and again["action"] == "none", again


def test_without_confirmation_a_2016_server_is_stopped_with_the_skype_for_business_step(pool_2016: Lab, tmp_path: Path) -> None:
    run = pool_2016.playbook(PLAYBOOKS / "site.yml", extra_vars=lab_vars(tmp_path, owa_im_host_authorization_confirmed=False))
    assert run.returncode != 0
    said = " ".join(run.stdout.split())
    assert ("Nothing was changed. Lync Server and Skype for Business Server only talk to this Exchange server through a trusted "
            "application pool named cas01.contoso.lab") in said, said[-3000:]
    assert [e for e in pool_2016.log() if e["event"] == "ad-change"] == []


def test_ocs_2007_r2_is_refused_as_the_partner_of_a_2016_server(pool_2016: Lab, tmp_path: Path) -> None:
    run = pool_2016.playbook(PLAYBOOKS / "site.yml", extra_vars=lab_vars(tmp_path, owa_im_server_product="ocs2007r2"))
    assert run.returncode != 0
    said = " ".join(run.stdout.split())
    assert ("owa_im_server_product is ocs2007r2, but CAS01 runs Exchange 2013 or later (version 15.1), whose OWA integrates instant "
            "messaging with Lync Server 2013 or Skype for Business Server only") in said, said[-3000:]
    assert [e for e in pool_2016.log() if e["event"] == "ad-change"] == []


def test_setting_override_is_refused_on_exchange_2010(lab: Lab, tmp_path: Path) -> None:
    run = lab.play(tmp_path, {"exchange.owa_im.setting_override": {"name": "OWA IM", "parameters": {"IMServerName": "ocspool.contoso.lab"}}},
                   "--limit", "cas01.contoso.lab")
    assert run.returncode != 0
    said = " ".join(run.stdout.split())
    assert "where OWA takes no IM settings from setting overrides (from Exchange 2016 on it does)" in said, said[-2000:]
    assert [e for e in lab.log() if e["event"] == "ad-change"] == []


def test_site_converges_a_mixed_pool_each_server_its_own_way(tmp_path: Path) -> None:
    """In the middle of a migration: two Exchange 2010 SP3 servers and two 2016 servers behind one load balancer."""
    mixed = start_lab(tmp_path / "lab", 0, "--mixed", "2010sp3:2,2016:2")
    try:
        first = mixed.playbook(PLAYBOOKS / "site.yml", extra_vars=lab_vars(tmp_path))
        assert first.returncode == 0, first.stdout[-4000:]
        for server in ("CAS01", "CAS02"):      # 2010: the virtual directory holds everything, the OCS components installed
            vdir = mixed.vdir(server)
            assert vdir["InstantMessagingServerName"] == "ocspool.contoso.lab"
            assert vdir["InstantMessagingCertificateThumbprint"].upper() == mixed.thumbprint(server).upper()
            assert mixed.host(server)["products"], server
        for server in ("CAS03", "CAS04"):      # 2016: an override of its own, no OCS 2007 R2 component
            assert not mixed.vdir(server).get("InstantMessagingServerName")
            assert not mixed.host(server)["products"], server
        assert sorted(o["name"] for o in _im_overrides(mixed)) == ["OWA IM CAS03", "OWA IM CAS04"]
        assert "4 CAS servers carry the same IM settings" in " ".join(first.stdout.split())
        second = mixed.playbook(PLAYBOOKS / "site.yml", extra_vars=lab_vars(tmp_path))
        assert second.returncode == 0 and "changed=0" in second.stdout.split("PLAY RECAP")[-1], second.stdout[-3000:]
        audit = mixed.playbook(PLAYBOOKS / "audit.yml", extra_vars=lab_vars(tmp_path))
        assert audit.returncode == 0, audit.stdout[-3000:]
    finally:
        mixed.owa_lab("down")


def test_site_configures_a_2013_pool_through_web_config(tmp_path: Path) -> None:
    lab = start_lab(tmp_path / "lab", 2, "--version", "2013")
    try:
        first = lab.playbook(PLAYBOOKS / "site.yml", extra_vars=lab_vars(tmp_path))
        assert first.returncode == 0, first.stdout[-4000:]
        for server in ("CAS01", "CAS02"):
            vdir = lab.vdir(server)
            assert vdir["InstantMessagingEnabled"] is True and vdir["InstantMessagingType"] == "Ocs"
            assert not vdir.get("InstantMessagingServerName")
            worker = lab.host(server)["workers"]["MSExchangeOWAAppPool"]
            assert worker.get("started"), server
        events = lab.log()
        for server in ("CAS01", "CAS02"):
            # OWA 2013 read the keys the role wrote into web.config when its worker started again, and loaded IM.
            assert any(e["event"] == "event-log" and e["server"] == server and e.get("event_id") == 112 for e in events), server
            assert not lab.host(server)["products"], server
        second = lab.playbook(PLAYBOOKS / "site.yml", extra_vars=lab_vars(tmp_path))
        assert second.returncode == 0 and "changed=0" in second.stdout.split("PLAY RECAP")[-1], second.stdout[-3000:]
        audit = lab.playbook(PLAYBOOKS / "audit.yml", extra_vars=lab_vars(tmp_path))
        assert audit.returncode == 0, audit.stdout[-3000:]
    finally:
        lab.owa_lab("down")


def test_site_creates_the_trusted_application_pools_on_the_front_end(tmp_path: Path) -> None:
    """Exchange 2016 with Skype for Business Server 2019: with owa_im_manage_trusted_applications the role creates the
    trusted application pool and OutlookWebApp application itself, and needs no confirmation from the administrator."""
    lab = start_lab(tmp_path / "lab", 2, "--version", "2016", "--front-end", "sfb2019", "--shared-certificate", "mail.contoso.lab")
    try:
        run = lab.playbook(PLAYBOOKS / "site.yml", extra_vars=lab_vars(
            tmp_path, owa_im_host_authorization_confirmed=False, owa_im_manage_trusted_applications=True))
        assert run.returncode == 0, run.stdout[-4000:]
        topology = lab.directory()["lync"]
        # One pool for the shared certificate's subject, the application on 5199, published.
        assert [p["fqdn"] for p in topology["trusted_application_pools"]] == ["mail.contoso.lab"]
        assert topology["published"] is True and topology["pending"] == []
        assert [(a["application_id"], a["port"]) for a in topology["trusted_applications"]] == [("urn:application:OutlookWebApp", 5199)]
        assert sorted(o["name"] for o in _im_overrides(lab)) == ["OWA IM CAS01", "OWA IM CAS02"]
        again = lab.playbook(PLAYBOOKS / "site.yml", extra_vars=lab_vars(
            tmp_path, owa_im_host_authorization_confirmed=False, owa_im_manage_trusted_applications=True))
        assert again.returncode == 0 and "changed=0" in again.stdout.split("PLAY RECAP")[-1], again.stdout[-3000:]
    finally:
        lab.owa_lab("down")
