"""After each reset, OWA's IM events (issue #16 item 4): a provider that fails stops the rollout at that server with the
event's words, a healthy run sees event 112, and the audit shows the IM errors since each worker started, escaped."""

from __future__ import annotations

import json
import re
from pathlib import Path

from owa_lab import windows
from owa_lab.store import Store

from conftest import ROOT, Lab, lab_vars

PLAYBOOKS = ROOT / "playbooks"
SERVERS = ("CAS01", "CAS02", "CAS03")
PROVIDER_FAILED = "Unable to load one or more of the requested types. Retrieve the LoaderExceptions property for more information."


def _latest(folder: Path, pattern: str) -> Path:
    return sorted(folder.glob(pattern))[-1]


def test_a_failing_provider_fails_its_server_after_the_reset_and_no_server_after_it_is_reset(pool: Lab, tmp_path: Path) -> None:
    pool.owa_lab("fault", "--server", "CAS02", "--im-provider-error")
    run = pool.playbook(PLAYBOOKS / "site.yml", extra_vars=lab_vars(tmp_path))
    assert run.returncode != 0
    # The settings are right everywhere: the first read and the change pass; the provider fails when OWA starts.
    assert all(pool.vdir(s)["InstantMessagingServerName"] == "ocspool.contoso.lab" for s in SERVERS)
    assert "CAS02: after the reset OWA answers, but its instant messaging failed to start: OWA logged event 87 (MSExchange OWA" in run.stdout
    assert PROVIDER_FAILED in run.stdout and "Fix: Install or repair the OCS 2007 R2 Web Service Provider" in run.stdout
    # CAS01 went before and passed; CAS03 comes after and is left alone, its reset still owed for the next run.
    assert pool.resets()["per_server"] == {"CAS01": 1, "CAS02": 1}
    assert "cas03.contoso.lab was not reset: cas02.contoso.lab failed earlier in this task" in run.stdout

    audit = pool.playbook(PLAYBOOKS / "audit.yml", extra_vars=lab_vars(tmp_path))
    assert audit.returncode != 0
    assert "cas02.contoso.lab: since its OWA worker started, OWA logged instant-messaging error event 87" in audit.stdout
    assert re.search(r"cas02\.contoso\.lab +ocspool\.contoso\.lab .* ERR 87 ", audit.stdout)
    assert re.search(r"cas01\.contoso\.lab +ocspool\.contoso\.lab .* 112 ", audit.stdout)
    report = json.loads(_latest(tmp_path / "audit", "owa_im_audit-*.json").read_text())
    assert report["im_errors"] == ["cas02.contoso.lab"] and report["reset_pending"] == ["cas03.contoso.lab"]
    cas02 = next(s for s in report["servers"] if s["host"] == "cas02.contoso.lab")
    assert cas02["im_events"]["errors"][0]["event_id"] == 87 and cas02["im_events"]["provider_loaded"] is False
    markdown = _latest(tmp_path / "audit", "owa_im_audit-*.md").read_text()
    assert "## Instant-messaging errors since OWA's worker started" in markdown
    assert "| cas02.contoso.lab | " in markdown and "| 87 | ErrorIMProviderExceptionDuringLoad |" in markdown


def test_a_healthy_run_sees_the_provider_load_everywhere_and_passes(pool: Lab, tmp_path: Path) -> None:
    run = pool.playbook(PLAYBOOKS / "site.yml", "-v", extra_vars=lab_vars(tmp_path))
    assert run.returncode == 0, run.stdout[-3000:]
    assert run.stdout.count('"im_provider_loaded": true') == 3
    assert set(pool.resets()["per_server"].values()) == {1}
    read = pool.play(tmp_path, {"exchange.owa_im.owa_im_event_info": {"query": "events[].event_id"}})
    assert read.returncode == 0, read.stdout[-3000:]
    for host in ("cas01.contoso.lab", "cas02.contoso.lab", "cas03.contoso.lab"):
        result = pool.result(tmp_path, host)
        assert result["provider_loaded"] is True and result["im_errors"] == [] and result["query_result"] == [112], result
        assert result["worker_started"] and result["after"]
    audit = pool.playbook(PLAYBOOKS / "audit.yml", extra_vars=lab_vars(tmp_path))
    assert audit.returncode == 0, audit.stdout[-3000:]
    assert json.loads(_latest(tmp_path / "audit", "owa_im_audit-*.json").read_text())["im_errors"] == []


def test_the_events_text_is_the_servers_and_the_reports_keep_it_inert_and_bounded(pool: Lab, tmp_path: Path) -> None:
    run = pool.playbook(PLAYBOOKS / "site.yml", extra_vars=lab_vars(tmp_path, owa_im_check_im_events=False))
    assert run.returncode == 0, run.stdout[-3000:]
    # A text no Exchange writes, planted in CAS01's log after its worker started: Markdown, HTML, a table cell, a new line.
    planted = "IM Certificate with thumbprint | x could not be found.\n## Heading <script>alert(1)</script> [link](http://evil) " + "y" * 3000
    windows.write_event(Store(pool.state), "CAS01", "MSExchange OWA", 0xC0000067, "Error", planted, 9)
    read = pool.play(tmp_path, {"exchange.owa_im.owa_im_event_info": {"minutes_back": 10, "ids": [103]}})
    assert read.returncode == 0, read.stdout[-3000:]
    event = pool.result(tmp_path, "cas01.contoso.lab")["events"][0]
    assert event["event_id"] == 103 and event["message_truncated"] is True and len(event["message"]) == 2000
    audit = pool.playbook(PLAYBOOKS / "audit.yml", extra_vars=lab_vars(tmp_path))
    assert audit.returncode != 0
    markdown = _latest(tmp_path / "audit", "owa_im_audit-*.md").read_text()
    row = next(line for line in markdown.splitlines() if line.startswith("| cas01.contoso.lab |") and "| 103 |" in line)
    assert "<script>" not in markdown and "\n## Heading" not in markdown
    assert "\\#\\# Heading &lt;script&gt;alert(1)&lt;/script&gt; \\[link\\](http\\://evil)" in row
    # Seven cells, however many "|" the server wrote; the text is cut.
    assert len(re.findall(r"(?<!\\)\|", row)) == 8 and "y" * 600 not in row
