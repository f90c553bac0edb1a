"""The first read of each CAS checks what OWA IM needs besides its settings, and stops the pool before any change."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
import yaml

from conftest import ROOT, Lab, lab_vars

PLAYBOOKS = ROOT / "playbooks"


def _changes(lab: Lab) -> list[str]:
    return [e["server"] for e in lab.log() if e["event"] in ("ad-change", "install", "iis-reset-start")]


def _text(run) -> str:
    return " ".join(run.stdout.split())


@pytest.mark.parametrize("fault,expected", [
    (("--unresolvable", "ocspool.contoso.lab"),
     "CAS02 cannot resolve the OCS pool's name ocspool.contoso.lab (owa_im_server_name): Exception calling \"GetHostAddresses\""),
    (("--block-ports", "5061"),
     "CAS02 -> ocspool.contoso.lab, TCP 5061 (SIP over mutual TLS, outbound from this CAS to the OCS pool): no answer within 3 s"),
    (("--drop-connect-back-rule",),
     "OCS pool -> CAS02, TCP 5075 (inbound to this CAS: the pool's connection back to OWA, which delivers incoming messages)"),
], ids=["dns", "outbound-5061", "inbound-5075"])
def test_each_missing_prerequisite_stops_the_pool_before_any_change(pool: Lab, tmp_path: Path, fault: tuple[str, ...],
                                                                     expected: str) -> None:
    pool.owa_lab("fault", "--server", "CAS02", *fault)
    run = pool.playbook(PLAYBOOKS / "site.yml", extra_vars=lab_vars(tmp_path))
    assert run.returncode != 0
    assert expected in _text(run), run.stdout[-3000:]
    assert "Nothing was changed." in _text(run)
    assert _changes(pool) == []
    # Switched off, the same pool goes through.
    unchecked = pool.playbook(PLAYBOOKS / "site.yml", extra_vars=lab_vars(tmp_path, owa_im_check_prerequisites=False))
    assert unchecked.returncode == 0, unchecked.stdout[-3000:]


def test_a_pool_name_where_nothing_listens_is_refused(pool: Lab, tmp_path: Path) -> None:
    run = pool.playbook(PLAYBOOKS / "site.yml", extra_vars=lab_vars(tmp_path, owa_im_server_name="dc01.contoso.lab"))
    assert run.returncode != 0
    assert ("-> dc01.contoso.lab, TCP 5061 (SIP over mutual TLS, outbound from this CAS to the OCS pool): Exception calling "
            "\"EndConnect\" with \"1\" argument(s): \"No connection could be made because the target machine actively refused "
            "it 10.0.0.250:5061\"") in _text(run)
    assert _changes(pool) == []


def test_a_self_signed_certificate_needs_its_opt_in(pool: Lab, tmp_path: Path) -> None:
    # The one Exchange makes at setup, enabled for IIS as an admin might have done before a CA certificate came.
    self_signed = "5F" * 20
    now = datetime.datetime.now()
    pool.seed(tmp_path, {"servers": {"CAS01": {"certificates": [{
        "thumbprint": self_signed, "serial": "1A2B3C", "subject": "CN=cas01.contoso.lab", "issuer": "CN=cas01.contoso.lab",
        "self_signed": True, "services": ["IIS"], "domains": ["cas01.contoso.lab"],
        "not_before": (now - datetime.timedelta(days=10)).isoformat(timespec="seconds"),
        "not_after": (now + datetime.timedelta(days=300)).isoformat(timespec="seconds")}]}}})
    inventory = yaml.safe_load(pool.inventory.read_text())
    inventory["all"]["children"]["cas_servers"]["hosts"]["cas01.contoso.lab"]["owa_im_certificate_thumbprint"] = self_signed
    pool.inventory.write_text(yaml.safe_dump(inventory))
    run = pool.playbook(PLAYBOOKS / "site.yml", "--limit", "cas01.contoso.lab", extra_vars=lab_vars(tmp_path))
    assert run.returncode != 0
    assert f"CAS01: the certificate OWA IM would use ({self_signed}, CN=cas01.contoso.lab) is self-signed." in _text(run)
    assert "set owa_im_allow_self_signed_certificate: true" in _text(run)
    assert _changes(pool) == []
    allowed = pool.playbook(PLAYBOOKS / "site.yml", "--limit", "cas01.contoso.lab", "--check",
                            extra_vars=lab_vars(tmp_path, owa_im_allow_self_signed_certificate=True))
    assert allowed.returncode == 0, allowed.stdout[-3000:]


def test_the_read_reports_what_it_checked(pool: Lab, tmp_path: Path) -> None:
    run = pool.play(tmp_path, {"exchange.owa_im.cas_info": {
        "instant_messaging_enabled": True, "instant_messaging_type": "ocs", "instant_messaging_server_name": "ocspool.contoso.lab",
        "discover_certificate": True, "check_prerequisites": True}})
    assert run.returncode == 0, run.stdout[-3000:]
    network = pool.result(tmp_path, "cas01.contoso.lab")["prerequisites"]["network"]
    assert network == {"pool_name": "ocspool.contoso.lab", "pool_resolves": True, "pool_addresses": ["10.0.1.10"], "pool_port": 5061,
                       "pool_connection": "connected", "connect_back_port": 5075, "connect_back_firewall": "allowed",
                       "connect_back_rule": "OCS connect-back to OWA (TCP 5075)", "connect_back_remote_addresses": "*",
                       "connect_back_program": "%windir%\\system32\\inetsrv\\w3wp.exe", "errors": {}}


def test_an_installed_provider_owa_would_not_find_stops_the_server(pool: Lab, tmp_path: Path) -> None:
    assert pool.playbook(PLAYBOOKS / "site.yml", extra_vars=lab_vars(tmp_path)).returncode == 0
    key = "HKLM\\SYSTEM\\CurrentControlSet\\Services\\MSExchange OWA\\InstantMessaging"
    pool.seed(tmp_path, {"servers": {"CAS03": {"registry": {key: {"ImplementationDLLPath": "C:\\Program Files\\gone\\Microsoft.Rtc.UCWeb.dll"}}}}})
    run = pool.playbook(PLAYBOOKS / "site.yml", extra_vars=lab_vars(tmp_path))
    assert run.returncode != 0
    assert ("CAS03: the Web Service Provider is installed, but OWA would not load it: ImplementationDLLPath under "
            f"{key} names C:\\Program Files\\gone\\Microsoft.Rtc.UCWeb.dll, which does not exist") \
        in _text(run).replace("\\\\", "\\"), run.stdout[-3000:]


def test_a_block_rule_wins_over_the_allow_rule_and_keyword_ports_are_no_ports(pool: Lab, tmp_path: Path) -> None:
    firewall = pool.host("CAS02")["firewall"]
    assert any(not rule["LocalPorts"][0].isdigit() and rule["LocalPorts"] != "*" for rule in firewall["rules"])  # a keyword rule
    firewall["rules"].append({"Name": "Block 5070-5080 from anywhere", "Direction": 1, "Protocol": 256, "LocalPorts": "5070-5080",
                              "RemoteAddresses": "*", "Action": 0, "Enabled": True, "Profiles": 2147483647, "ApplicationName": ""})
    pool.seed(tmp_path, {"servers": {"CAS02": {"firewall": firewall}}})
    run = pool.playbook(PLAYBOOKS / "site.yml", extra_vars=lab_vars(tmp_path))
    assert run.returncode != 0
    assert ("OCS pool -> CAS02, TCP 5075 (inbound to this CAS: the pool's connection back to OWA): the Windows Firewall rule "
            "'Block 5070-5080 from anywhere' blocks it") in _text(run), run.stdout[-3000:]
    assert _changes(pool) == []


def test_a_firewall_off_in_the_current_profile_needs_no_rule(pool: Lab, tmp_path: Path) -> None:
    firewall = pool.host("CAS01")["firewall"]
    firewall["enabled"]["1"] = False   # the domain profile, the current one; still on in the others
    firewall["rules"] = [rule for rule in firewall["rules"] if "5075" not in rule["LocalPorts"]]
    pool.seed(tmp_path, {"servers": {"CAS01": {"firewall": firewall}}})
    run = pool.play(tmp_path, {"exchange.owa_im.cas_info": {
        "instant_messaging_enabled": True, "instant_messaging_type": "ocs", "instant_messaging_server_name": "ocspool.contoso.lab",
        "discover_certificate": True, "check_prerequisites": True}}, "--limit", "cas01.contoso.lab")
    assert run.returncode == 0, run.stdout[-3000:]
    assert pool.result(tmp_path, "cas01.contoso.lab")["prerequisites"]["network"]["connect_back_firewall"] == "firewall_off"


def test_turning_im_off_is_never_refused_for_what_only_im_needs(pool: Lab, tmp_path: Path) -> None:
    assert pool.playbook(PLAYBOOKS / "site.yml", extra_vars=lab_vars(tmp_path)).returncode == 0
    pool.owa_lab("fault", "--server", "CAS02", "--unresolvable", "ocspool.contoso.lab", "--drop-connect-back-rule")
    inventory = yaml.safe_load(pool.inventory.read_text())
    inventory["all"]["children"]["cas_servers"]["hosts"]["cas01.contoso.lab"]["owa_im_cas_fqdn"] = "mail.contoso.lab"
    pool.inventory.write_text(yaml.safe_dump(inventory))
    run = pool.playbook(PLAYBOOKS / "site.yml", extra_vars=lab_vars(tmp_path, owa_im_enabled=False))
    assert run.returncode == 0, run.stdout[-3000:]
    assert all(pool.vdir(server)["InstantMessagingEnabled"] is False for server in ("CAS01", "CAS02", "CAS03"))
