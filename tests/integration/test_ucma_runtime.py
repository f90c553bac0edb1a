"""Exchange 2013 and later load OWA's IM provider from the UCMA 4.0 runtime (ImplementationDLLPath naming
Microsoft.Rtc.Internal.Ucweb.dll). A 2016 server without it stops the role before anything changes, with a message naming
the value, the DLL and the fix; with it there, the check changes nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import ROOT, Lab, lab_vars, start_lab

PLAYBOOKS = ROOT / "playbooks"
OWA_IM_KEY = "HKLM\\SYSTEM\\CurrentControlSet\\Services\\MSExchange OWA\\InstantMessaging"
UCMA4_IM_DLL = "C:\\Program Files\\Microsoft UCMA 4.0\\Runtime\\Microsoft.Rtc.Internal.Ucweb.dll"


@pytest.fixture
def pool_2016(tmp_path_factory: pytest.TempPathFactory):
    started = start_lab(tmp_path_factory.mktemp("ucma2016"), 2, "--version", "2016")
    yield started
    started.owa_lab("down")


def test_a_2016_server_without_the_ucma_runtime_stops_site_before_any_change(pool_2016: Lab, tmp_path: Path) -> None:
    assert pool_2016.host("CAS01")["registry"][OWA_IM_KEY] == {"ImplementationDLLPath": UCMA4_IM_DLL}
    pool_2016.seed(tmp_path, {"servers": {"CAS01": {"registry": {OWA_IM_KEY: {}}}}})
    stopped = pool_2016.playbook(PLAYBOOKS / "site.yml", extra_vars=lab_vars(tmp_path))
    assert stopped.returncode != 0
    said = " ".join(stopped.stdout.split())
    assert "CAS01: OWA's IM provider is missing. The registry value ImplementationDLLPath under " in said, said[-3000:]
    assert "is missing or empty; it must name Microsoft.Rtc.Internal.Ucweb.dll" in said
    assert "UCMA) 4.0 runtime that Exchange setup installs" in said and "Nothing was changed." in said
    events = pool_2016.log()
    assert [e for e in events if e["event"] in ("ad-change", "iis-reset-start", "apppool-recycle-start")] == [], json.dumps(events)[-3000:]
    assert not pool_2016.directory().get("setting_overrides")

    # A value naming a folder without the DLL is not enough either.
    pool_2016.seed(tmp_path, {"servers": {"CAS01": {"registry": {OWA_IM_KEY: {"ImplementationDLLPath": "C:\\Windows"}}}}})
    wrong = pool_2016.playbook(PLAYBOOKS / "site.yml", extra_vars=lab_vars(tmp_path))
    assert wrong.returncode != 0
    assert "names C:\\Windows, where there is no Microsoft.Rtc.Internal.Ucweb.dll" in " ".join(wrong.stdout.split()), wrong.stdout[-3000:]

    # Turning IM off is never refused for it.
    off = pool_2016.playbook(PLAYBOOKS / "site.yml", "--check", extra_vars=dict(lab_vars(tmp_path), owa_im_enabled=False))
    assert "OWA's IM provider is missing" not in off.stdout, off.stdout[-3000:]

    # With the runtime back, the check passes and changes nothing of its own: site converges, then a run changes nothing.
    pool_2016.seed(tmp_path, {"servers": {"CAS01": {"registry": {OWA_IM_KEY: {"ImplementationDLLPath": UCMA4_IM_DLL}}}}})
    first = pool_2016.playbook(PLAYBOOKS / "site.yml", extra_vars=lab_vars(tmp_path))
    assert first.returncode == 0, first.stdout[-4000:]
    second = pool_2016.playbook(PLAYBOOKS / "site.yml", extra_vars=lab_vars(tmp_path))
    assert second.returncode == 0, second.stdout[-4000:]
    assert "changed=0" in second.stdout.split("PLAY RECAP")[-1], second.stdout[-3000:]
