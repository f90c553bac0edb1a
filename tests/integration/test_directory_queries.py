"""What one module call asks Active Directory: on a real server each Get-ExchangeServer is a directory query, so the
first read (cas_info) and the Exchange 2013 web.config edit ask for this server's record once per remote process,
whatever version they run on, and the first read lists the setting overrides once (issue #13: the per-host cost of a run with nothing to change)."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import start_lab


@pytest.mark.parametrize("version,task", [
    ("2010sp3", {"exchange.owa_im.cas_info": {}}),
    ("2016", {"exchange.owa_im.cas_info": {}}),
    ("2013", {"exchange.owa_im.owa_web_config": {"im_server_name": "pool.contoso.lab"}}),
])
def test_one_module_call_asks_for_the_servers_record_once(tmp_path: Path, version: str, task: dict) -> None:
    lab = start_lab(tmp_path / "lab", 1, "--version", version)
    try:
        seen = len(lab.log())
        run = lab.play(tmp_path, task)
        assert run.returncode == 0, run.stdout[-3000:]
        entries = lab.log()[seen:]
        processes = [e for e in entries if e["event"] == "powershell"]
        asked = [e for e in entries if e["event"] == "cmdlet" and e["cmdlet"] == "Get-ExchangeServer"]
        assert len(processes) == 1 and len(asked) == 1, (len(processes), [e["parameters"] for e in asked])
        # On 2016 and later the first read lists the setting overrides once, for OWA's settings and the restart owed.
        overrides = [e for e in entries if e["event"] == "cmdlet" and e["cmdlet"] == "Get-SettingOverride"]
        assert len(overrides) == (1 if version == "2016" and "exchange.owa_im.cas_info" in task else 0), len(overrides)
    finally:
        lab.owa_lab("down")
