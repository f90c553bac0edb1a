"""Every module against the lab, each transport, and each error an admin can meet, with its actionable message."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
from pathlib import Path

import pytest
import winrm
import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from conftest import ROOT, Lab, start_lab


def _connection(lab: Lab, host: str = "cas01.contoso.lab") -> tuple[dict, dict]:
    group = yaml.safe_load(lab.inventory.read_text())["all"]["children"]["cas_servers"]
    return group["vars"], group["hosts"][host]


def test_info_modules_report_settings_certificates_and_policies(lab: Lab, tmp_path: Path) -> None:
    run = lab.play(tmp_path, {"exchange.owa_im.owa_virtual_directory_info": {"include_certificates": True, "include_mailbox_policies": True}})
    assert run.returncode == 0, run.stdout[-2000:]
    info = lab.result(tmp_path, "cas02.contoso.lab")
    assert info["server"]["name"] == "CAS02" and info["server"]["fqdn"] == "cas02.contoso.lab"
    [directory] = info["virtual_directories"]
    assert directory["identity"] == "CAS02\\owa (Default Web Site)"
    assert directory["internal_url"] == "https://cas02.contoso.lab/owa"
    assert [p["name"] for p in info["mailbox_policies"]] == ["Default"]
    assert len(info["certificates"]) == 3

    run = lab.play(tmp_path, {"exchange.owa_im.owa_virtual_directory_info": {"scope": "organization"}})
    assert run.returncode == 0
    assert len(lab.result(tmp_path, "cas01.contoso.lab")["virtual_directories"]) == 3

    run = lab.play(tmp_path, {"exchange.owa_im.exchange_certificate_info": {}})
    assert run.returncode == 0
    certs = lab.result(tmp_path, "cas03.contoso.lab")
    assert certs["iis_certificate"]["thumbprint"] == lab.thumbprint("CAS03")
    expired = [c for c in certs["certificates"] if c["days_left"] is not None and c["days_left"] < 0]
    assert expired and not expired[0]["usable_for_im"] and expired[0]["status"] == "DateInvalid"
    self_signed = [c for c in certs["certificates"] if c["is_self_signed"]]
    assert self_signed and "IIS" not in self_signed[0]["services"]


def test_certificate_found_by_rtm_issuer_and_spaced_serial(lab: Lab, tmp_path: Path) -> None:
    iis = lab.host("CAS01")["certificates"][0]
    spaced = " ".join(iis["serial"][i:i + 2] for i in range(0, len(iis["serial"]), 2)).lower()
    run = lab.play(tmp_path, {"exchange.owa_im.exchange_certificate_info": {"issuer": iis["issuer"], "serial_number": spaced}},
                   "--limit", "cas01.contoso.lab")
    assert run.returncode == 0, run.stdout[-2000:]
    assert lab.result(tmp_path, "cas01.contoso.lab")["matched_certificate"]["thumbprint"] == iis["thumbprint"]


# The lab's NTLM sessions cannot read its share (the second hop, as on Windows): the package sits in a server folder.
LOCAL_SOURCE = "C:\\Install\\OCS"


def _package_on_server(lab: Lab, tmp_path: Path, server: str) -> None:
    lab.seed(tmp_path, {"servers": {server: {"files": {LOCAL_SOURCE + "\\CWAOWASSPMain.msi": {"package": "cwaowasspmain"}}}}})


def test_components_check_mode_install_and_rerun(lab: Lab, tmp_path: Path) -> None:
    _package_on_server(lab, tmp_path, "CAS03")
    task = {"exchange.owa_im.ocs_components": {"source": LOCAL_SOURCE}}
    check = lab.play(tmp_path, task, "--check", "--limit", "cas03.contoso.lab")
    assert check.returncode == 0, check.stdout[-2000:]
    assert lab.result(tmp_path, "cas03.contoso.lab")["installed_now"] == ["vcredist", "ucma", "web_service_provider"]
    assert lab.host("CAS03")["products"] == {}
    run = lab.play(tmp_path, task, "--limit", "cas03.contoso.lab")
    assert run.returncode == 0, run.stdout[-2000:]
    result = lab.result(tmp_path, "cas03.contoso.lab")
    assert result["changed"] and result["expanded_from"].endswith("CWAOWASSPMain.msi")
    assert {i["exit_code"] for i in result["installs"].values()} == {0}
    assert len(lab.host("CAS03")["products"]) == 3
    again = lab.play(tmp_path, task, "--limit", "cas03.contoso.lab")
    assert again.returncode == 0 and not lab.result(tmp_path, "cas03.contoso.lab")["changed"]
    installs = [e for e in lab.log() if e["event"] == "install" and e["server"] == "CAS03"]
    assert [e["package"] for e in installs] == ["cwaowasspmain", "vcredist_x64", "ucmaredist", "cwaowassp"]


def test_components_reboot_required_is_reported(lab: Lab, tmp_path: Path) -> None:
    lab.seed(tmp_path, {"servers": {"CAS02": {"installers": {"UcmaRedist.msi": {"exit_code": 3010}}}}})
    _package_on_server(lab, tmp_path, "CAS02")
    run = lab.play(tmp_path, {"exchange.owa_im.ocs_components": {"source": LOCAL_SOURCE}}, "--limit", "cas02.contoso.lab")
    assert run.returncode == 0, run.stdout[-2000:]
    result = lab.result(tmp_path, "cas02.contoso.lab")
    assert result["reboot_required"] is True and result["installs"]["ucma"]["exit_code"] == 3010


def test_iis_restart_and_app_pool_recycle(lab: Lab, tmp_path: Path) -> None:
    run = lab.play(tmp_path, {"exchange.owa_im.iis_restart": {"method": "recycle_app_pool"}}, "--limit", "cas01.contoso.lab")
    assert run.returncode == 0, run.stdout[-2000:]
    assert lab.result(tmp_path, "cas01.contoso.lab")["stdout_lines"] == ['"MSExchangeOWAAppPool" successfully recycled']
    run = lab.play(tmp_path, {"exchange.owa_im.iis_restart": {}}, "--limit", "cas01.contoso.lab")
    assert "Internet services successfully restarted" in lab.result(tmp_path, "cas01.contoso.lab")["stdout_lines"]


def test_web_config_without_rtm_keys_is_not_mappable(lab: Lab, tmp_path: Path) -> None:
    run = lab.play(tmp_path, {"exchange.owa_im.owa_web_config_info": {}}, "--limit", "cas01.contoso.lab")
    assert run.returncode == 0
    result = lab.result(tmp_path, "cas01.contoso.lab")
    assert result["exists"] and not result["mappable"] and result["im_settings"]["pool_name"] is None


@pytest.mark.parametrize("task,expected", [
    ({"identity": "CAS09\\owa (Default Web Site)", "instant_messaging_enabled": True},
     "CAS01: The operation couldn't be performed because object 'CAS09\\\\owa (Default Web Site)' couldn't be found on 'dc01.contoso.lab'"),
    ({"instant_messaging_certificate_thumbprint": "0" * 40}, "has no Exchange certificate with thumbprint"),
    ({"instant_messaging_type": "yahoo"}, "instant_messaging_type must be one of none, ocs or msn"),
    ({"instant_messaging_server_name": "ocs.contoso.com'; Remove-Item x; '"}, "instant_messaging_server_name must be the fully qualified"),
])
def test_refusals_name_the_field_and_change_nothing(lab: Lab, tmp_path: Path, task: dict, expected: str) -> None:
    before = lab.directory()
    run = lab.play(tmp_path, {"exchange.owa_im.owa_virtual_directory": task}, "--limit", "cas01.contoso.lab")
    assert run.returncode != 0
    assert expected in run.stdout, run.stdout[-2000:]
    assert lab.directory()["owa_virtual_directories"] == before["owa_virtual_directories"]


def test_exchange_rejection_carries_exchanges_own_words(lab: Lab, tmp_path: Path) -> None:
    # The module does not validate InternalUrl-style values it does not manage; an Exchange refusal comes through verbatim.
    vars_, host = _connection(lab)
    session = winrm.Session(f"https://127.0.0.1:{host['ansible_port']}/wsman", auth=(vars_["ansible_user"], vars_["ansible_password"]),
                            transport="ntlm", ca_trust_path=vars_["ansible_winrm_ca_trust_path"])
    result = session.run_ps("Add-PSSnapin Microsoft.Exchange.Management.PowerShell.E2010\n"
                            "Set-OwaVirtualDirectory -Identity 'CAS01\\owa (Default Web Site)' -InstantMessagingType Skype")
    assert result.status_code == 1
    assert b"Cannot process argument transformation on parameter 'InstantMessagingType'" in result.std_err


def test_second_hop_is_explained(lab: Lab, tmp_path: Path) -> None:
    lab.owa_lab("fault", "--server", "CAS02", "--ad-unreachable-ntlm")
    try:
        run = lab.play(tmp_path, {"exchange.owa_im.owa_virtual_directory_info": {}}, "--limit", "cas02.contoso.lab")
    finally:
        lab.owa_lab("fault", "--server", "CAS02", "--clear")
    assert run.returncode != 0
    assert "the second hop" in run.stdout and "credssp" in run.stdout


def test_not_an_exchange_server(lab: Lab, tmp_path: Path) -> None:
    lab.seed(tmp_path, {"servers": {"CAS03": {"exchange_installed": False}}})
    try:
        run = lab.play(tmp_path, {"exchange.owa_im.owa_virtual_directory_info": {}}, "--limit", "cas03.contoso.lab")
    finally:
        lab.seed(tmp_path, {"servers": {"CAS03": {"exchange_installed": True}}})
    assert run.returncode != 0
    assert "CAS03 is not an Exchange server" in run.stdout


def _unrelated_ca() -> bytes:
    """A CA certificate that did not issue the lab's: trusting only it, TLS must fail."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Unrelated Test CA")])
    now = dt.datetime.now(dt.timezone.utc)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                   .serial_number(x509.random_serial_number()).not_valid_before(now).not_valid_after(now + dt.timedelta(days=1))
                   .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True).sign(key, hashes.SHA256()))
    return certificate.public_bytes(serialization.Encoding.PEM)


@pytest.mark.parametrize("host_vars,expected", [
    ({"ansible_password": "wrong"}, "the specified credentials were rejected by the server"),
    ({"ansible_port": 1}, "Connection refused"),
    ({"ansible_winrm_ca_trust_path": "EMPTY"}, "certificate verify failed"),
])
def test_connection_failures_are_unreachable(lab: Lab, tmp_path: Path, host_vars: dict, expected: str) -> None:
    if host_vars.get("ansible_winrm_ca_trust_path") == "EMPTY":
        other_ca = tmp_path / "other-ca.pem"
        other_ca.write_bytes(_unrelated_ca())
        host_vars = {"ansible_winrm_ca_trust_path": str(other_ca)}
    run = lab.play(tmp_path, {"exchange.owa_im.owa_virtual_directory_info": {}, "vars": host_vars}, "--limit", "cas01.contoso.lab")
    assert run.returncode != 0
    recap = run.stdout.split("PLAY RECAP")[-1]
    assert "unreachable=1" in recap and "failed=0" in recap, run.stdout[-2000:]
    assert expected in run.stdout, run.stdout[-2000:]
    assert lab.password() not in run.stdout


def test_refused_and_http_500_faults(lab: Lab, tmp_path: Path) -> None:
    for fault, expected in (("--refuse", "Connection refused"), ("--http-500", "500")):
        lab.owa_lab("fault", "--server", "CAS01", fault)
        if fault == "--refuse":
            lab.wait_listening("cas01.contoso.lab", False)
        try:
            run = lab.play(tmp_path, {"exchange.owa_im.owa_virtual_directory_info": {}}, "--limit", "cas01.contoso.lab")
        finally:
            lab.owa_lab("fault", "--server", "CAS01", "--clear")
            lab.wait_listening("cas01.contoso.lab", True)
        assert run.returncode != 0
        assert "unreachable=1" in run.stdout.split("PLAY RECAP")[-1], (fault, run.stdout[-1500:])
        assert expected in run.stdout, (fault, run.stdout[-1500:])


def test_delegate_to_another_cas_uses_its_connection(lab: Lab, tmp_path: Path) -> None:
    run = lab.play(tmp_path, {"exchange.owa_im.owa_virtual_directory_info": {}, "delegate_to": "cas02.contoso.lab"},
                   "--limit", "cas01.contoso.lab")
    assert run.returncode == 0, run.stdout[-2000:]
    assert lab.result(tmp_path, "cas01.contoso.lab")["server"]["name"] == "CAS02"


def test_delegate_to_localhost_is_refused_with_the_fix(lab: Lab, tmp_path: Path) -> None:
    run = lab.play(tmp_path, {"exchange.owa_im.owa_virtual_directory_info": {}, "delegate_to": "localhost"},
                   "--limit", "cas01.contoso.lab")
    assert run.returncode != 0
    assert "does not reach Windows PowerShell" in run.stdout and "ansible_connection: winrm" in run.stdout, run.stdout[-2000:]


def test_become_is_refused_with_a_message(lab: Lab, tmp_path: Path) -> None:
    run = lab.play(tmp_path, {"exchange.owa_im.owa_virtual_directory_info": {}, "become": True, "become_method": "runas",
                              "become_user": "CONTOSO\\exchadmin"}, "--limit", "cas01.contoso.lab")
    assert run.returncode != 0
    assert "become (runas) is not supported" in run.stdout, run.stdout[-2000:]


def test_pywinrm_transports(lab: Lab) -> None:
    vars_, host = _connection(lab, "cas02.contoso.lab")
    auth = (vars_["ansible_user"], vars_["ansible_password"])
    ntlm_http = winrm.Session(f"http://127.0.0.1:{host['owa_lab_http_port']}/wsman", auth=auth, transport="ntlm",
                              message_encryption="always")
    assert ntlm_http.run_cmd("hostname").std_out.strip() == b"CAS02"
    basic = winrm.Session(f"https://127.0.0.1:{host['ansible_port']}/wsman", auth=auth, transport="basic",
                          ca_trust_path=vars_["ansible_winrm_ca_trust_path"])
    assert basic.run_ps("$PSVersionTable.PSVersion.Major").std_out.strip() == b"2"
    refused = basic.run_ps("'{}' | ConvertTo-Json")
    assert refused.status_code != 0 and b"ConvertTo-Json" in refused.std_err


def test_ansible_raw_through_the_winrm_connection(lab: Lab) -> None:
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(ROOT / "build"))
    run = subprocess.run(["ansible", "-i", str(lab.inventory), "cas_servers", "-m", "raw", "-a", "hostname"], capture_output=True,
                         text=True, env=env)
    assert run.returncode == 0, run.stdout + run.stderr
    assert all(f"CAS0{n}" in run.stdout for n in (1, 2, 3))


def test_discovered_certificate_is_iis_valid_and_ca_issued(lab: Lab, tmp_path: Path) -> None:
    # A longer-lived self-signed IIS certificate and an expired CA one must both lose to the CA-issued IIS certificate.
    lab.seed(tmp_path, {"servers": {"CAS02": {"certificates": [
        {"thumbprint": "AB" * 20, "serial": "01", "subject": "CN=CAS02", "issuer": "CN=CAS02", "self_signed": True,
         "services": ["IIS"], "domains": ["cas02"], "not_before": "2026-01-01T00:00:00", "not_after": "2036-01-01T00:00:00"},
        {"thumbprint": "CD" * 20, "serial": "02", "subject": "CN=cas02.contoso.lab", "issuer": "CN=ContosoLabCA, DC=contoso, DC=lab",
         "services": ["IIS"], "domains": ["cas02.contoso.lab"], "not_before": "2020-01-01T00:00:00", "not_after": "2021-01-01T00:00:00"}]}}})
    run = lab.play(tmp_path, {"exchange.owa_im.owa_virtual_directory": {"discover_certificate": True}}, "--check",
                   "--limit", "cas02.contoso.lab")
    assert run.returncode == 0, run.stdout[-2000:]
    result = lab.result(tmp_path, "cas02.contoso.lab")
    assert result["after"]["instant_messaging_certificate_thumbprint"] == lab.thumbprint("CAS02")
    assert result["certificate"]["usable_for_im"] is True
    info = lab.play(tmp_path, {"exchange.owa_im.exchange_certificate_info": {}}, "--limit", "cas02.contoso.lab")
    assert info.returncode == 0
    assert lab.result(tmp_path, "cas02.contoso.lab")["iis_certificate"]["thumbprint"] == lab.thumbprint("CAS02")


def test_exchange_2013_works_with_its_snapin_and_warns_where_im_lives(tmp_path: Path) -> None:
    lab = start_lab(tmp_path / "lab", 1, "--version", "2013")
    try:
        run = lab.play(tmp_path, {"exchange.owa_im.owa_virtual_directory": {"instant_messaging_enabled": True}})
        assert run.returncode == 0, run.stdout[-2000:]
        result = lab.result(tmp_path, "cas01.contoso.lab")
        assert result["changed"] and "Exchange 2013 or later" in " ".join(result["warnings"])
        loads = [e for e in lab.log() if e["event"] == "snapin-load"]
        assert loads[0]["snapin"] == "Microsoft.Exchange.Management.PowerShell.SnapIn"
    finally:
        lab.owa_lab("down")


def test_module_defaults_reach_the_modules(lab: Lab, tmp_path: Path) -> None:
    playbook = [{"hosts": "cas01.contoso.lab", "gather_facts": False,
                 "module_defaults": {"exchange.owa_im.owa_virtual_directory_info": {"include_mailbox_policies": True},
                                     "group/exchange.owa_im.exchange": {}},
                 "tasks": [{"exchange.owa_im.owa_virtual_directory_info": {}, "register": "info"},
                           {"ansible.builtin.assert": {"that": ["info.mailbox_policies | length == 1"]}}]}]
    (tmp_path / "defaults.yml").write_text(yaml.safe_dump(playbook))
    run = lab.playbook(tmp_path / "defaults.yml")
    assert run.returncode == 0, run.stdout[-2000:]
