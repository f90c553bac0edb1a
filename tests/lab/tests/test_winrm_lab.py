"""The simulated lab itself, driven by unmodified pywinrm: Exchange's and Windows' behaviour, PowerShell 2.0, faults."""

from __future__ import annotations

import socket
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
import winrm
import yaml
from winrm.exceptions import WinRMError, WinRMOperationTimeoutError, WinRMTransportError

from owa_lab.testing import LabClient as Lab
from owa_lab.testing import start as start_lab

SNAPIN = "Add-PSSnapin Microsoft.Exchange.Management.PowerShell.E2010\n"



@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory):
    started = start_lab(tmp_path_factory.mktemp("lab"))
    yield started
    started.owa_lab("down")

def _session(lab: Lab, host: str = "cas01.contoso.lab", **options: object) -> winrm.Session:
    group = yaml.safe_load(lab.inventory.read_text())["all"]["children"]["cas_servers"]
    vars_, entry = group["vars"], group["hosts"][host]
    return winrm.Session(f"https://127.0.0.1:{entry['ansible_port']}/wsman", auth=(vars_["ansible_user"], vars_["ansible_password"]),
                         transport="ntlm", ca_trust_path=vars_["ansible_winrm_ca_trust_path"], **options)


def test_article_commands_print_what_exchange_prints(lab: Lab) -> None:
    session = _session(lab)
    certs = session.run_ps(SNAPIN + "Get-ExchangeCertificate | fl services,thumbprint")
    assert certs.status_code == 0
    text = certs.std_out.decode()
    assert f"Thumbprint : {lab.thumbprint('CAS01')}" in text and "Services   : IMAP, POP, IIS, SMTP" in text
    # The article's own slip: InstantMessage* matches no property, so Format-List prints nothing for it.
    slip = session.run_ps(SNAPIN + "Get-OwaVirtualDirectory | fl InstantMessage*")
    assert slip.status_code == 0 and "InstantMessagingType" not in slip.std_out.decode()


def test_pipeline_set_is_seen_from_every_server_and_whatif_changes_nothing(lab: Lab) -> None:
    session = _session(lab)
    whatif = session.run_ps(SNAPIN + "Get-OwaVirtualDirectory -Server CAS03 | Set-OwaVirtualDirectory -InstantMessagingEnabled $true -WhatIf")
    assert whatif.status_code == 0 and b"What if:" in whatif.std_out
    assert lab.vdir("CAS03")["InstantMessagingEnabled"] is False
    tp = lab.thumbprint("CAS03")
    done = session.run_ps(SNAPIN + "Get-OwaVirtualDirectory -Server CAS03 | Set-OwaVirtualDirectory -InstantMessagingServerName "
                          f"ocs.contoso.com -InstantMessagingCertificateThumbprint {tp} -InstantMessagingEnabled $true -InstantMessagingType OCS")
    assert done.status_code == 0, done.std_err
    seen = _session(lab, "cas02.contoso.lab").run_ps(SNAPIN + "Get-OwaVirtualDirectory -Identity 'CAS03\\owa (Default Web Site)' | fl InstantMessaging*")
    assert "InstantMessagingServerName            : ocs.contoso.com" in seen.std_out.decode()
    assert "InstantMessagingType                  : Ocs" in seen.std_out.decode()


def test_mailbox_policies(lab: Lab) -> None:
    session = _session(lab)
    run = session.run_ps(SNAPIN + "Set-OwaMailboxPolicy -Identity Default -InstantMessagingEnabled $false\n"
                                  "(Get-OwaMailboxPolicy -Identity Default).InstantMessagingEnabled")
    assert run.status_code == 0 and run.std_out.strip() == b"False"
    session.run_ps(SNAPIN + "Set-OwaMailboxPolicy -Identity Default -InstantMessagingEnabled $true")


@pytest.mark.parametrize("script,expected", [
    ("'x' | ConvertTo-Json", b"The term 'ConvertTo-Json' is not recognized"),
    ("[pscustomobject]@{a=1}", b"Unable to find type [pscustomobject]"),
    ("[ordered]@{a=1}", b"Unable to find type [ordered]"),
    ("1 -in @(1, 2)", b"Unexpected token '-in'"),
    ("Get-Content C:\\x.txt -Tail 2", b"A parameter cannot be found that matches parameter name 'Tail'"),
])
def test_powershell_2_refuses_what_it_lacks(lab: Lab, script: str, expected: bytes) -> None:
    run = _session(lab).run_ps(script)
    assert run.status_code != 0
    assert expected in run.std_err.replace(b"_x000D__x000A_", b""), run.std_err[:600]


def test_unsupported_constructs_fail_loudly(lab: Lab) -> None:
    run = _session(lab).run_ps("Invoke-Frobnicate -Now")
    assert run.status_code != 0 and b"Invoke-Frobnicate" in run.std_err


def test_installers_exit_codes_registry_and_files(lab: Lab, tmp_path: Path) -> None:
    lab.seed(tmp_path, {"servers": {"CAS02": {"installers": {"CWAOWASSP.msi": {"exit_code": 1603}}}}})
    session = _session(lab, "cas02.contoso.lab")
    missing = session.run_cmd("msiexec", ["/i", "C:\\nowhere\\x.msi", "/qn"])
    assert missing.status_code == 1619
    # From this NTLM session the share is out of reach (the second hop): 1619, as msiexec answers on Windows.
    assert session.run_cmd("msiexec", ["/i", "\\\\fs01.contoso.lab\\ocs\\CWAOWASSPMain.msi", "/qn"]).status_code == 1619
    lab.seed(tmp_path, {"servers": {"CAS02": {"files": {"C:\\Install\\CWAOWASSPMain.msi": {"package": "cwaowasspmain"}}}}})
    expand = session.run_cmd("msiexec", ["/i", "C:\\Install\\CWAOWASSPMain.msi", "/qn"])
    assert expand.status_code == 0
    folder = "C:\\Web Service Provider Installer Package"
    early = session.run_cmd("msiexec", ["/i", f'"{folder}\\CWAOWASSP.msi"', "/qn", "/l*v", "C:\\Windows\\Temp\\wsp.log"])
    assert early.status_code == 1603
    assert session.run_cmd(f'"{folder}\\vcredist_x64.exe"', ["/q"]).status_code == 0   # the 2008 package's own switch
    assert session.run_cmd("msiexec", ["/i", f'"{folder}\\UcmaRedist.msi"', "/qn"]).status_code == 0
    listed = session.run_ps("Get-ItemProperty 'HKLM:\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\*' | "
                            "ForEach-Object { $_.DisplayName }")
    assert b"Visual C++ 2008 Redistributable - x64" in listed.std_out and b"Managed API 2.0" in listed.std_out
    log = session.run_ps("Test-Path 'C:\\Windows\\Temp\\wsp.log'; Get-Content 'C:\\Windows\\Temp\\wsp.log' | Select-Object -Last 2")
    assert log.std_out.startswith(b"True") and b"Installation success or error status: 1603" in log.std_out
    assert session.run_cmd("msiexec", ["/x", "C:\\nowhere\\x.msi", "/qn"]).status_code == 1605
    assert session.run_cmd("msiexec", ["/i"]).status_code == 1639


def test_iisreset_output_and_out_of_service_window(lab: Lab) -> None:
    run = _session(lab, "cas03.contoso.lab").run_cmd("iisreset", ["/noforce"])
    assert run.status_code == 0
    assert run.std_out.decode().split("\r\n")[1:5] == ["Attempting stop...", "Internet services successfully stopped",
                                                        "Attempting start...", "Internet services successfully restarted"]
    assert lab.resets()["per_server"].get("CAS03", 0) >= 1


def test_snapin_load_time_fault_is_logged(lab: Lab) -> None:
    lab.owa_lab("fault", "--server", "CAS01", "--snapin-load", "0.2")
    try:
        _session(lab).run_ps(SNAPIN + "Get-ExchangeServer | Out-Null")
    finally:
        lab.owa_lab("fault", "--server", "CAS01", "--clear")
    loads = [e for e in lab.log() if e["event"] == "snapin-load" and e["server"] == "CAS01"]
    assert loads[-1]["seconds"] == 0.2


def test_dropped_connection_mid_command(lab: Lab) -> None:
    lab.owa_lab("fault", "--server", "CAS02", "--drop-mid-command")
    try:
        with pytest.raises((requests.exceptions.ConnectionError, WinRMTransportError, WinRMError)):
            _session(lab, "cas02.contoso.lab").run_ps("Get-Date")
    finally:
        lab.owa_lab("fault", "--server", "CAS02", "--clear")
    assert _session(lab, "cas02.contoso.lab").run_cmd("hostname").std_out.strip() == b"CAS02"


def test_soap_faults_unknown_shell_and_operation_timeout(lab: Lab) -> None:
    protocol = _session(lab).protocol
    with pytest.raises(WinRMError) as fault:
        protocol.run_command("00000000-0000-0000-0000-000000000000", "hostname")
    assert "shell" in str(fault.value).lower() or "2150858843" in str(fault.value)
    protocol.operation_timeout_sec, protocol.read_timeout_sec = 1, 5
    shell = protocol.open_shell()
    command = protocol.run_command(shell, "powershell.exe", ["-Command", "Start-Sleep -Seconds 3; 'late'"])
    with pytest.raises(WinRMOperationTimeoutError):
        protocol._raw_get_command_output(shell, command)
    protocol.cleanup_command(shell, command)
    protocol.close_shell(shell)


def test_many_servers_serve_concurrent_clients_and_leave_no_process(tmp_path: Path) -> None:
    big = start_lab(tmp_path / "big", 50)
    group = yaml.safe_load(big.inventory.read_text())["all"]["children"]["cas_servers"]
    pid = int(yaml.safe_load((big.state / "lab.json").read_text())["pid"])
    ports = [entry["ansible_port"] for entry in group["hosts"].values()]

    def hostname(host: str) -> bytes:
        return _session(big, host).run_cmd("hostname").std_out.strip()
    try:
        with ThreadPoolExecutor(max_workers=25) as pool:
            names = list(pool.map(hostname, group["hosts"]))
        assert names == [f"CAS{n:02d}".encode() for n in range(1, 51)]
    finally:
        big.owa_lab("down")
    stat = Path(f"/proc/{pid}/stat")
    assert not stat.exists() or stat.read_text().split(") ", 1)[1].startswith("Z")   # gone, or a zombie awaiting init
    for port in ports[:5]:
        with socket.socket() as probe:
            assert probe.connect_ex(("127.0.0.1", port)) != 0
    leftovers = subprocess.run(["pgrep", "-f", f"owa_lab.daemon --state {big.state}"], capture_output=True, text=True)
    assert leftovers.stdout.strip() == ""
