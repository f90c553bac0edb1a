"""Exchange Server Subscription Edition (SE RTM, build 15.2.2562.17) through the role, against a one-server SE lab: the
same way as 2019 (a setting override of the server's own, the refresh, the reset), and a second run changes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import ROOT, Lab, lab_vars, start_lab

PLAYBOOKS = ROOT / "playbooks"


@pytest.fixture
def pool_se(tmp_path_factory: pytest.TempPathFactory):
    started = start_lab(tmp_path_factory.mktemp("poolse"), 1, "--version", "se")
    yield started
    started.owa_lab("down")


def test_site_configures_a_subscription_edition_server_with_its_own_setting_override(pool_se: Lab, tmp_path: Path) -> None:
    assert pool_se.directory()["servers"]["CAS01"]["version"] == "se"
    first = pool_se.playbook(PLAYBOOKS / "site.yml", "-v", extra_vars=lab_vars(tmp_path))
    assert first.returncode == 0, first.stdout[-4000:]
    # The first read took SE's AdminDisplayVersion as 15.2, whose way is the setting override.
    assert "Version 15.2 (Build 2562.17)" in first.stdout, first.stdout[-4000:]
    overrides = [o for o in pool_se.directory().get("setting_overrides", [])
                 if o["component"] == "OwaServer" and o["section"] == "IMSettings"]
    assert [o["name"] for o in overrides] == ["OWA IM CAS01"]
    assert overrides[0]["server"] == ["CAS01"]
    assert sorted(overrides[0]["parameters"]) == sorted([f"IMCertificateThumbprint={pool_se.thumbprint('CAS01').upper()}",
                                                        "IMServerName=ocspool.contoso.lab"])
    vdir = pool_se.vdir("CAS01")
    assert vdir["InstantMessagingEnabled"] is True and vdir["InstantMessagingType"] == "Ocs"
    events = pool_se.log()
    assert [e for e in events if e["event"] in ("msiexec", "install")] == []
    worker = pool_se.host("CAS01")["workers"]["MSExchangeOWAAppPool"]
    assert worker["im_settings"] == {"IMServerName": "ocspool.contoso.lab", "IMCertificateThumbprint": pool_se.thumbprint("CAS01").upper()}

    second = pool_se.playbook(PLAYBOOKS / "site.yml", extra_vars=lab_vars(tmp_path))
    assert second.returncode == 0, second.stdout[-4000:]
    assert "changed=0" in second.stdout.split("PLAY RECAP")[-1], second.stdout[-3000:]
