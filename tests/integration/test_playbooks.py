"""The pool playbooks (site, audit, rollback, migrate_rtm) against a three-CAS lab."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from conftest import ROOT, Lab, lab_vars, start_lab

PLAYBOOKS = ROOT / "playbooks"


def _recap(run_stdout: str) -> dict[str, dict[str, int]]:
    recap: dict[str, dict[str, int]] = {}
    for line in run_stdout.split("PLAY RECAP")[-1].splitlines():
        if ":" in line and "ok=" in line:
            host, counts = line.split(":", 1)
            recap[host.strip()] = {k: int(v) for k, v in (item.split("=") for item in counts.split())}
    return recap


@pytest.fixture
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("work")


@pytest.fixture
def converged(pool: Lab, work: Path) -> Lab:
    """The pool after site has run once."""
    run = pool.playbook(PLAYBOOKS / "site.yml", extra_vars=lab_vars(work))
    assert run.returncode == 0, run.stdout[-3000:]
    return pool


@pytest.mark.parametrize("overrides,expected", [
    ({"owa_im_host_authorization_confirmed": False}, "Nothing was changed. OCS 2007 R2 only talks to Client Access servers on its Host"),
    ({"owa_im_server_name": "ocspool"}, "owa_im_server_name must be the fully qualified domain name of the OCS server or pool"),
    ({"owa_im_server_name": "ocspool.contoso.lab "}, "owa_im_server_name has whitespace at its start or end"),
    ({"owa_im_type": "skype"}, "value of owa_im_type must be one of: none, ocs, msn"),
    ({"owa_im_certificate_thumbprint": "1F 5E DD 03 00 00 00 00 00 05"},
     "owa_im_certificate_thumbprint must be a certificate's SHA-1 thumbprint: 40 hexadecimal digits"),
    ({"owa_im_discover_certificate": False}, "Give owa_im_certificate_thumbprint"),
    ({"owa_im_max_concurrent_resets": 0}, "owa_im_max_concurrent_resets must be 1 or more"),
    ({"owa_im_restart_when_change": False}, "owa_im_restart_when_change (did you mean owa_im_restart_when_changed?)"),
])
def test_role_stops_before_any_change(pool: Lab, work: Path, overrides: dict, expected: str) -> None:
    run = pool.playbook(PLAYBOOKS / "site.yml", extra_vars=lab_vars(work, **overrides))
    assert run.returncode != 0
    assert expected in " ".join(run.stdout.split()), run.stdout[-2000:]
    # Variables are checked before anything reaches a server; the host authorization gate after the one read of each CAS.
    reached = ("ad-change", "install", "iis-reset-start") if "owa_im_host_authorization_confirmed" in overrides else (
        "powershell", "ad-change", "install", "iis-reset-start")
    assert not [e for e in pool.log() if e["event"] in reached]


def test_site_converges_with_rolling_resets_then_changes_nothing(pool: Lab, work: Path) -> None:
    first = pool.playbook(PLAYBOOKS / "site.yml", "--diff", extra_vars=lab_vars(work))
    assert first.returncode == 0, first.stdout[-3000:]
    resets = pool.resets()
    assert resets["per_server"] == {"CAS01": 1, "CAS02": 1, "CAS03": 1}
    assert resets["max_concurrent"] == 1
    for server in ("CAS01", "CAS02", "CAS03"):
        vdir = pool.vdir(server)
        assert vdir["InstantMessagingServerName"] == "ocspool.contoso.lab"
        assert vdir["InstantMessagingCertificateThumbprint"] == pool.thumbprint(server)
        assert len(pool.host(server)["products"]) == 3
    assert "3 CAS servers carry the same IM settings" in first.stdout
    host_notes = (work / "host_authorization.md").read_text()
    assert all(f"| cas0{n}.contoso.lab | cas0{n}.contoso.lab | No | Yes | Yes |" in host_notes for n in (1, 2, 3))

    second = pool.playbook(PLAYBOOKS / "site.yml", extra_vars=lab_vars(work))
    assert second.returncode == 0, second.stdout[-3000:]
    assert all(counts["changed"] == 0 for counts in _recap(second.stdout).values()), second.stdout[-2000:]
    assert pool.resets()["per_server"] == {"CAS01": 1, "CAS02": 1, "CAS03": 1}


def test_playbooks_run_by_their_collection_name(converged: Lab, work: Path) -> None:
    run = converged.playbook("exchange.owa_im.audit", "--check", extra_vars=lab_vars(work), cwd=work)
    assert run.returncode == 0 and "The pool is consistent" in run.stdout, run.stdout[-2000:]
    assert "Audit OWA instant messaging on every Client Access server" in run.stdout


def test_audit_passes_then_names_the_drifted_server_and_field(converged: Lab, work: Path, tmp_path: Path) -> None:
    pool = converged
    for flags in ((), ("--check",)):
        clean = pool.playbook(PLAYBOOKS / "audit.yml", *flags, extra_vars=lab_vars(work))
        assert clean.returncode == 0, clean.stdout[-3000:]
        assert "The pool is consistent" in clean.stdout
    pool.seed(tmp_path, {"virtual_directories": {"CAS02": {"InstantMessagingServerName": "ocs-old.contoso.lab"}},
                         "owa_mailbox_policies": [{"name": "Contractors", "InstantMessagingEnabled": False}]})
    drifted = pool.playbook(PLAYBOOKS / "audit.yml", extra_vars=lab_vars(work))
    assert drifted.returncode != 0
    assert "CAS02: instant_messaging_server_name is ocs-old.contoso.lab, expected ocspool.contoso.lab" in drifted.stdout
    newest = sorted((work / "audit").glob("owa_im_audit-*.json"))[-1]
    report = json.loads(newest.read_text())
    assert report["drift"] == [{"server": "CAS02", "field": "instant_messaging_server_name", "value": "ocs-old.contoso.lab",
                                "expected": "ocspool.contoso.lab"}]
    assert report["mailbox_policies_disabling_im"] == ["Contractors"]
    markdown = newest.with_suffix(".md").read_text()
    assert "| CAS02 | instant_messaging_server_name | ocs-old.contoso.lab | ocspool.contoso.lab |" in markdown


def test_rollback_restores_the_exact_previous_values(converged: Lab, work: Path, tmp_path: Path) -> None:
    pool = converged
    # CAS02 drifts; site puts it right and backs up the drifted values first, on CAS02 itself.
    pool.seed(tmp_path, {"virtual_directories": {"CAS02": {"InstantMessagingServerName": "ocs-old.contoso.lab"}}})
    before = {key: pool.vdir("CAS02")[key] for key in ("InstantMessagingServerName", "InstantMessagingCertificateThumbprint",
                                                       "InstantMessagingEnabled", "InstantMessagingType")}
    site = pool.playbook(PLAYBOOKS / "site.yml", extra_vars=lab_vars(work))
    assert site.returncode == 0, site.stdout[-3000:]
    assert pool.vdir("CAS02")["InstantMessagingServerName"] == "ocspool.contoso.lab"
    resets_before = pool.resets()["per_server"]
    # By default the newest run is undone: only CAS02 changed in it.
    rollback = pool.playbook(PLAYBOOKS / "rollback.yml", extra_vars=lab_vars(work))
    assert rollback.returncode == 0, rollback.stdout[-3000:]
    after = {key: pool.vdir("CAS02")[key] for key in before}
    assert after == before
    assert pool.vdir("CAS01")["InstantMessagingServerName"] == "ocspool.contoso.lab"
    # Back to the moment the lab started, before the first run: every server as it was, never configured.
    started = json.loads((pool.state / "lab.json").read_text())["started"]
    moment = dt.datetime.fromtimestamp(started, dt.timezone.utc).strftime("%Y%m%dT%H%M%S")
    full = pool.playbook(PLAYBOOKS / "rollback.yml", extra_vars=lab_vars(work, owa_im_rollback_to=moment))
    assert full.returncode == 0, full.stdout[-3000:]
    for server in ("CAS01", "CAS02", "CAS03"):
        vdir = pool.vdir(server)
        assert vdir["InstantMessagingServerName"] is None and vdir["InstantMessagingCertificateThumbprint"] is None
        assert vdir["InstantMessagingEnabled"] is False and vdir["InstantMessagingType"] == "None"
    resets = pool.resets()
    assert resets["max_concurrent"] == 1
    assert resets["per_server"]["CAS02"] > resets_before["CAS02"]


def test_a_failing_host_stops_every_further_reset(tmp_path: Path) -> None:
    lab = start_lab(tmp_path / "lab")
    try:
        lab.owa_lab("fault", "--server", "CAS02", "--ad-unreachable-ntlm")
        run = lab.playbook(PLAYBOOKS / "site.yml", extra_vars=lab_vars(tmp_path))
        assert run.returncode != 0
        assert "second hop" in run.stdout
        assert lab.resets()["windows"] == []
    finally:
        lab.owa_lab("down")


def test_migrate_rtm_maps_web_config_to_the_thumbprint(tmp_path: Path) -> None:
    lab = start_lab(tmp_path / "lab")
    try:
        # An RTM server that served IM had the OCS components; migrate_rtm does not install them.
        installed = lab.play(tmp_path, {"exchange.owa_im.ocs_components": {"controller_source": str(lab.installers())}},
                             "--limit", "cas01.contoso.lab")
        assert installed.returncode == 0, installed.stdout[-2000:]
        web_config = "C:\\Program Files\\Microsoft\\Exchange Server\\V14\\ClientAccess\\Owa\\web.config"
        iis = lab.host("CAS01")["certificates"][0]
        serial = " ".join(iis["serial"][i:i + 2] for i in range(0, len(iis["serial"]), 2)).lower()

        def config(keys: str) -> str:
            return f'<?xml version="1.0" encoding="utf-8"?>\n<configuration>\n  <appSettings>\n{keys}  </appSettings>\n</configuration>\n'
        lab.seed(tmp_path, {"servers": {
            "CAS01": {"files": {web_config: config(
                '    <add key="IMPoolName" value="ocspool.contoso.lab" />\n'
                f'    <add key="IMCertificateIssuer" value="{iis["issuer"].replace(",", ", ").replace(",  ", ", ")}" />\n'
                f'    <add key="IMCertificateSerialNumber" value="{serial}" />\n')}},
            "CAS02": {"files": {web_config: config(
                '    <add key="IMPoolName" value="ocspool.contoso.lab" />\n'
                '    <add key="IMCertificateIssuer" value="CN=ContosoCA, DC=contoso, DC=com" />\n'
                '    <add key="IMCertificateSerialNumber" value="61 0b 8f 1a 00 00 00 00 00 07" />\n')}}}})
        run = lab.playbook(PLAYBOOKS / "migrate_rtm.yml", extra_vars={"owa_im_backup_directory": str(tmp_path / "backups"),
                                                                        "owa_im_host_authorization_file": str(tmp_path / "notes.md")})
        assert run.returncode == 0, run.stdout[-3000:]
        assert lab.vdir("CAS01")["InstantMessagingCertificateThumbprint"] == iis["thumbprint"]
        assert lab.vdir("CAS01")["InstantMessagingServerName"] == "ocspool.contoso.lab"
        assert lab.vdir("CAS02")["InstantMessagingServerName"] is None
        assert "no Exchange certificate on this server was issued by CN=ContosoCA, DC=contoso, DC=com" in run.stdout
        assert "IM was never configured the RTM way" in run.stdout
        assert lab.resets()["per_server"] == {"CAS01": 1}
        assert web_config in lab.host("CAS01")["files"]   # read, never edited or removed
    finally:
        lab.owa_lab("down")


def test_no_password_in_any_output_log_or_report(converged: Lab, work: Path) -> None:
    pool = converged
    password = pool.password()
    for playbook in ("site.yml", "audit.yml"):
        run = pool.playbook(PLAYBOOKS / playbook, "-vvvv", extra_vars=lab_vars(work))
        assert password not in run.stdout + run.stderr
    for path in list(work.rglob("*")) + list((pool.state / "log").glob("*.jsonl")):
        if path.is_file():
            assert password not in path.read_text(errors="replace"), path


def test_reboot_only_when_asked_and_only_where_needed(tmp_path: Path) -> None:
    lab = start_lab(tmp_path / "lab", 2, "--reboot-seconds", "2")
    try:
        lab.seed(tmp_path, {"servers": {"CAS01": {"installers": {"UcmaRedist.msi": {"exit_code": 3010}}}}})
        run = lab.playbook(PLAYBOOKS / "site.yml", extra_vars=lab_vars(tmp_path, owa_im_reboot_when_required=True))
        assert run.returncode == 0, run.stdout[-3000:]
        reboots = [e for e in lab.log() if e["event"] == "reboot-start"]
        assert [e["server"] for e in reboots] == ["CAS01"]
        assert lab.host("CAS01")["boot_time"] > reboots[0]["at"]
        assert lab.vdir("CAS01")["InstantMessagingServerName"] == "ocspool.contoso.lab"
    finally:
        lab.owa_lab("down")


def test_reboot_not_asked_is_only_reported(tmp_path: Path) -> None:
    lab = start_lab(tmp_path / "lab", 1)
    try:
        lab.seed(tmp_path, {"servers": {"CAS01": {"installers": {"UcmaRedist.msi": {"exit_code": 3010}}}}})
        run = lab.playbook(PLAYBOOKS / "site.yml", extra_vars=lab_vars(tmp_path))
        assert run.returncode == 0, run.stdout[-3000:]
        assert "an installer returned 3010 (reboot required)" in run.stdout
        assert not [e for e in lab.log() if e["event"] == "reboot-start"]
    finally:
        lab.owa_lab("down")
