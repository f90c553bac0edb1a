"""Hostile conditions: bad input, injection, faults, secrets and load, against the lab."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import LAB_VARS, ROOT, Lab, start_lab

VD = "exchange.owa_im.owa_virtual_directory"
TP = "8210E17393B6E81AD0B3A75DD9161ABE1A93B695"
CHANGE_EVENTS = ("ad-change", "install", "uninstall", "iis-reset-start", "apppool-recycle-start")

# (module, options, the words the error must contain: the field, and the fix where there is one)
BAD_INPUT: list[tuple[str, dict[str, Any], str]] = [
    (VD, {"instant_messaging_certificate_thumbprint": "1F 5E DD 03 00 00 00 00 00 05"}, "instant_messaging_certificate_thumbprint must be"),
    (VD, {"instant_messaging_certificate_thumbprint": TP + "0"}, "instant_messaging_certificate_thumbprint must be"),
    (VD, {"instant_messaging_certificate_thumbprint": TP[:-1]}, "instant_messaging_certificate_thumbprint must be"),
    (VD, {"instant_messaging_certificate_thumbprint": "G" * 40}, "instant_messaging_certificate_thumbprint must be"),
    (VD, {"instant_messaging_certificate_thumbprint": "\u200e" + TP[:-1]}, "instant_messaging_certificate_thumbprint must be"),
    (VD, {"instant_messaging_certificate_thumbprint": "82:10:E1:73"}, "instant_messaging_certificate_thumbprint must be"),
    (VD, {"instant_messaging_certificate_thumbprint": TP[:-1] + "Z"}, "instant_messaging_certificate_thumbprint must be"),
    (VD, {"instant_messaging_certificate_thumbprint": TP[:20] + "'" + TP[21:]}, "instant_messaging_certificate_thumbprint must be"),
    (VD, {"instant_messaging_certificate_thumbprint": "$(Remove-Item C:\\x)" + TP[:20]}, "instant_messaging_certificate_thumbprint must be"),
    (VD, {"instant_messaging_certificate_thumbprint": TP[:20] + "\n" + TP[20:39]}, "instant_messaging_certificate_thumbprint must be"),
    (VD, {"instant_messaging_certificate_thumbprint": TP[:20] + "\u2019" + TP[21:]}, "instant_messaging_certificate_thumbprint must be"),
    (VD, {"instant_messaging_certificate_thumbprint": TP[:20] + "`" + TP[21:]}, "instant_messaging_certificate_thumbprint must be"),
    (VD, {"instant_messaging_certificate_thumbprint": "0x" + TP}, "instant_messaging_certificate_thumbprint must be"),
    (VD, {"instant_messaging_certificate_thumbprint": "0" * 40}, "(instant_messaging_certificate_thumbprint). Use the thumbprint"),
    (VD, {"instant_messaging_certificate_thumbprint": TP, "discover_certificate": True}, "discover_certificate and instant_messaging"),
    (VD, {"instant_messaging_server_name": "ocs"}, "instant_messaging_server_name must be the fully qualified"),
    (VD, {"instant_messaging_server_name": "ocs.contoso.com'; Remove-Item x; '"}, "instant_messaging_server_name must be"),
    (VD, {"instant_messaging_server_name": "$(Get-Date).contoso.com"}, "instant_messaging_server_name must be"),
    (VD, {"instant_messaging_server_name": "ocs`n.contoso.com"}, "instant_messaging_server_name must be"),
    (VD, {"instant_messaging_server_name": "ocs.contoso.com\nRemove-Item x"}, "instant_messaging_server_name must be"),
    (VD, {"instant_messaging_server_name": "ocs\u2019.contoso.com"}, "instant_messaging_server_name must be"),
    (VD, {"instant_messaging_server_name": "ocs\u201c.contoso.com"}, "instant_messaging_server_name must be"),
    (VD, {"instant_messaging_server_name": "ocs contoso.com"}, "instant_messaging_server_name must be"),
    (VD, {"instant_messaging_server_name": "-ocs.contoso.com"}, "instant_messaging_server_name must be"),
    (VD, {"instant_messaging_server_name": "ocs.contoso.123"}, "instant_messaging_server_name must be"),
    (VD, {"instant_messaging_server_name": "a" * 64 + ".com"}, "instant_messaging_server_name must be"),
    (VD, {"instant_messaging_server_name": "ocs..contoso.com"}, "instant_messaging_server_name must be"),
    (VD, {"instant_messaging_server_name": "ocs.contoso.com;"}, "instant_messaging_server_name must be"),
    (VD, {"instant_messaging_server_name": "http://ocs.contoso.com"}, "instant_messaging_server_name must be"),
    (VD, {"instant_messaging_server_name": "ocs.contoso.com:5061"}, "instant_messaging_server_name must be"),
    (VD, {"instant_messaging_server_name": "ocs_pool.contoso.com"}, "instant_messaging_server_name must be"),
    (VD, {"instant_messaging_server_name": "*.contoso.com"}, "instant_messaging_server_name must be"),
    (VD, {"instant_messaging_type": "yahoo"}, "instant_messaging_type must be one of none, ocs or msn"),
    (VD, {"instant_messaging_type": "3"}, "instant_messaging_type must be one of none, ocs or msn"),
    (VD, {"instant_messaging_type": "ocs; Remove-Item x"}, "instant_messaging_type must be one of none, ocs or msn"),
    (VD, {"instant_messaging_type": ""}, "instant_messaging_type must be one of none, ocs or msn"),
    (VD, {"identity": "CAS09\\owa (Default Web Site)", "instant_messaging_enabled": True}, "Check the identity option"),
    (VD, {"identity": "CAS01\\ecp (Default Web Site)", "instant_messaging_enabled": True}, "Check the identity option"),
    (VD, {"identity": "owa (Default Web Site)'; Set-OwaVirtualDirectory -Identity x; '", "instant_messaging_enabled": True},
     "Check the identity option"),
    ("exchange.owa_im.ocs_components", {"source": "relative\\ocs"}, "source must be an absolute Windows path"),
    ("exchange.owa_im.ocs_components", {"source": "C:\\a\"b"}, "source must be a Windows folder path"),
    ("exchange.owa_im.ocs_components", {"source": "\\\\fs01\\ocs", "log_directory": "C:\\x|y"}, "log_directory must be"),
    ("exchange.owa_im.ocs_components", {"source": "\\\\fs01\\ocs", "expand_directory": ""}, "expand_directory must be"),
    ("exchange.owa_im.ocs_components", {"source": "C:\\Install\\OCS"}, "Set source to the folder that holds them"),
    ("exchange.owa_im.iis_restart", {"method": "recycle_app_pool", "app_pool": "Pool; shutdown /s"}, "app_pool must be"),
    ("exchange.owa_im.iis_restart", {"method": "recycle_app_pool", "app_pool": ""}, "app_pool must be"),
    ("exchange.owa_im.exchange_certificate_info", {"issuer": "CN=ContosoCA"}, "issuer and serial_number go together"),
    ("exchange.owa_im.exchange_certificate_info", {"thumbprint": "xyz"}, "thumbprint must be"),
]


def _events(lab: Lab, kinds: tuple[str, ...]) -> list[dict[str, Any]]:
    return [entry for entry in lab.log() if entry["event"] in kinds]


def test_bad_input_is_refused_with_the_field_named_and_nothing_changes(lab: Lab, tmp_path: Path) -> None:
    assert len(BAD_INPUT) >= 40
    before = lab.directory()
    tasks = []
    for number, (module, options, _expected) in enumerate(BAD_INPUT):
        tasks.append({"name": f"case {number}", module: options, "register": f"case_{number}", "ignore_errors": True})
    tasks.append({"ansible.builtin.copy": {"content": "{{ {" + ", ".join(f"'{n}': case_{n}" for n in range(len(BAD_INPUT))) + "} | to_json }}",
                                           "dest": str(tmp_path / "cases.json")}, "delegate_to": "localhost"})
    (tmp_path / "play.yml").write_text(yaml.safe_dump([{"hosts": "cas01.contoso.lab", "gather_facts": False, "tasks": tasks}]))
    changes_before = len(_events(lab, CHANGE_EVENTS))
    run = lab.playbook(tmp_path / "play.yml")
    assert run.returncode == 0, run.stdout[-2000:]
    results = json.loads((tmp_path / "cases.json").read_text())
    wrong = []
    for number, (module, options, expected) in enumerate(BAD_INPUT):
        result = results[str(number)]
        if not result.get("failed") or expected not in result.get("msg", ""):
            wrong.append((number, module, options, result.get("msg")))
    assert wrong == []
    assert lab.directory() == before
    assert len(_events(lab, CHANGE_EVENTS)) == changes_before


# Values a user could pass that reach the server as data: each must arrive intact, in the parameter meant, and run
# nothing but the cmdlets the module always runs.
HOSTILE = st.text(alphabet=st.sampled_from(list("'\"`$(){};|&@#<>-–—:x \\\u2018\u2019\u201a\u201b\u201c\u201d\u201e")) | st.characters(
    exclude_categories=("Cs", "Cc")), min_size=1, max_size=30)
# Get-WmiObject: the OWA worker processes, for whether OWA owes a restart.
EXPECTED_CMDLETS = {"Get-PSSnapin", "Add-PSSnapin", "Get-ExchangeServer", "Get-OwaVirtualDirectory", "ForEach-Object", "Get-Date",
                    "Test-Path", "Join-Path", "Get-Content", "Get-ExchangeCertificate", "Where-Object", "Get-Command", "Get-WmiObject"}


@settings(max_examples=15, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(values=st.lists(HOSTILE, min_size=3, max_size=3))
def test_hostile_strings_arrive_intact_and_run_nothing_else(injection_lab: Lab, values: list[str]) -> None:
    identity, path, issuer = values
    tasks = [
        {"exchange.owa_im.owa_virtual_directory_info": {"identity": identity}, "ignore_errors": True},
        {"exchange.owa_im.owa_web_config_info": {"path": path}, "ignore_errors": True},
        {"exchange.owa_im.exchange_certificate_info": {"issuer": issuer, "serial_number": issuer}, "ignore_errors": True},
    ]
    play = injection_lab.state.parent / "injection.yml"
    play.write_text(yaml.safe_dump([{"hosts": "cas01.contoso.lab", "gather_facts": False, "tasks": tasks}]))
    seen = len(injection_lab.log())
    run = injection_lab.playbook(play)
    assert run.returncode == 0, run.stdout[-1500:]
    entries = injection_lab.log()[seen:]
    cmdlets = [e for e in entries if e["event"] == "cmdlet"]
    assert {e["cmdlet"] for e in cmdlets} <= EXPECTED_CMDLETS
    assert not [e for e in entries if e["event"] in CHANGE_EVENTS]
    identities = [e["parameters"].get("Identity") for e in cmdlets if e["cmdlet"] == "Get-OwaVirtualDirectory"]
    assert identity in identities
    assert path in [e["parameters"].get("LiteralPath") for e in cmdlets if e["cmdlet"] == "Test-Path"]


@pytest.fixture(scope="module")
def injection_lab(tmp_path_factory: pytest.TempPathFactory):
    started = start_lab(tmp_path_factory.mktemp("injection"), 1)
    yield started
    started.owa_lab("down")


@pytest.mark.parametrize("fault,expected", [
    (["--refuse"], "Connection refused"),
    (["--http-500"], "Code 500"),
    (["--drop-mid-command"], "connection"),
    (["--stall", "14"], "Read timed out"),
    (["--ad-unreachable-ntlm"], "the second hop"),
    (["--installer-fail", "CWAOWASSP.msi"], "installing web_service_provider (CWAOWASSP.msi) failed with exit code 1603"),
])
def test_faults_are_actionable_and_stop_the_pool_before_any_reset(tmp_path: Path, fault: list[str], expected: str) -> None:
    lab = start_lab(tmp_path / "lab")
    try:
        lab.owa_lab("fault", "--server", "CAS02", *fault)
        if fault[0] == "--refuse":
            lab.wait_listening("cas02.contoso.lab", False)
        extra = dict(LAB_VARS, owa_im_backup_directory=str(tmp_path / "b"), owa_im_host_authorization_file=str(tmp_path / "h.md"))
        if fault[0] == "--stall":
            # CAS02 answers no WinRM request for 5 s; with a 2 s connection timeout the client gives up.
            inventory = yaml.safe_load(lab.inventory.read_text())
            inventory["all"]["children"]["cas_servers"]["hosts"]["cas02.contoso.lab"]["ansible_winrm_connection_timeout"] = 2
            lab.inventory.write_text(yaml.safe_dump(inventory))
        run = lab.playbook(ROOT / "playbooks" / "site.yml", extra_vars=extra)
        assert run.returncode != 0
        assert expected in run.stdout, run.stdout[-2500:]
        if fault[0] in ("--refuse", "--http-500", "--stall"):
            # A connection failure is unreachable, as everywhere in Ansible, and any_errors_fatal stops the pool.
            assert "unreachable=1" in run.stdout.split("PLAY RECAP")[-1], run.stdout[-1500:]
        assert lab.resets()["windows"] == []
        # No server holds half a change: each directory is either untouched or carries all four settings.
        for record in lab.directory()["owa_virtual_directories"]:
            configured = [record[k] not in (None, False, "None") for k in ("InstantMessagingEnabled", "InstantMessagingType",
                                                                             "InstantMessagingServerName", "InstantMessagingCertificateThumbprint")]
            assert all(configured) or not any(configured), record
        assert lab.vdir("CAS02")["InstantMessagingServerName"] is None
    finally:
        lab.owa_lab("down")


def test_slow_commands_outlast_the_operation_timeout(tmp_path: Path) -> None:
    # Each command on CAS01 takes 3 s, longer than a 2 s operation timeout: WinRM long-polls, and the task succeeds.
    lab = start_lab(tmp_path / "lab", 1)
    try:
        lab.owa_lab("fault", "--server", "CAS01", "--latency", "3")
        run = lab.play(tmp_path, {"exchange.owa_im.owa_virtual_directory_info": {}, "vars": {"ansible_winrm_connection_timeout": 2}})
        assert run.returncode == 0, run.stdout[-1500:]
        assert lab.result(tmp_path, "cas01.contoso.lab")["server"]["name"] == "CAS01"
    finally:
        lab.owa_lab("down")


def test_every_playbook_at_vvvv_leaks_no_password(tmp_path: Path) -> None:
    lab = start_lab(tmp_path / "lab")
    try:
        password = lab.password()
        extra = dict(LAB_VARS, owa_im_backup_directory=str(tmp_path / "b"), owa_im_host_authorization_file=str(tmp_path / "h.md"),
                     owa_im_audit_directory=str(tmp_path / "audit"))
        outputs = []
        for playbook in ("site.yml", "audit.yml", "migrate_rtm.yml", "rollback.yml"):
            run = lab.playbook(ROOT / "playbooks" / playbook, "-vvvv", extra_vars=extra)
            assert run.returncode == 0, (playbook, run.stdout[-1500:])
            outputs.append(run.stdout + run.stderr)
        assert all(password not in output for output in outputs)
        # Reports, backups, notes and the servers' logs; not the lab's own configuration, which holds its accounts.
        written = [p for p in tmp_path.rglob("*") if p.is_file() and (lab.state not in p.parents or p.parent.name == "log")]
        assert any(p.suffix == ".jsonl" for p in written) and any(p.suffix == ".md" for p in written)
        for path in written:
            assert password not in path.read_text(errors="replace"), path
    finally:
        lab.owa_lab("down")


def test_a_hundred_servers_at_once_twice(tmp_path: Path) -> None:
    lab = start_lab(tmp_path / "lab", 100, "--reset-seconds", "0.05")
    try:
        # The settings and resets of 100 servers at once; the components, their hotfixes and OWA's IM events are the same
        # per server and have tests of their own on smaller pools (each would add processes per server here).
        extra = dict(LAB_VARS, owa_im_backup_directory=str(tmp_path / "b"), owa_im_host_authorization_file=str(tmp_path / "h.md"),
                     owa_im_max_concurrent_resets=50, owa_im_install_components=False, owa_im_check_im_events=False)
        first = lab.playbook(ROOT / "playbooks" / "site.yml", "--forks", "50", extra_vars=extra)
        assert first.returncode == 0, first.stdout[-2500:]
        for record in lab.directory()["owa_virtual_directories"]:
            assert record["InstantMessagingServerName"] == "ocspool.contoso.lab", record["server"]
            assert record["InstantMessagingCertificateThumbprint"] == lab.thumbprint(record["server"])
        assert lab.resets()["max_concurrent"] <= 50
        second = lab.playbook(ROOT / "playbooks" / "site.yml", "--forks", "50", extra_vars=extra)
        assert second.returncode == 0
        recap = second.stdout.split("PLAY RECAP")[-1]
        assert recap.count("changed=0") == 100, recap[-1000:]
    finally:
        lab.owa_lab("down")
