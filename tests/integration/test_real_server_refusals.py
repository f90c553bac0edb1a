"""What a real Exchange 2010 server refuses, and the collection working against a lab that refuses it too (issue #14).

Each test here failed against the collection as it was before the matching fix (see docs/verified_on_paper.md for the
Windows behaviour each one models and how sure we are of it).
"""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

import pytest

from conftest import Lab, start_lab

CAS01, CAS02, CAS03 = "cas01.contoso.lab", "cas02.contoso.lab", "cas03.contoso.lab"
SHARE = "\\\\fs01.contoso.lab\\ocs"


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory):
    # Exchange 2010 SP1 on PowerShell 2.0, reached as Ansible's winrm connection reaches it: NTLM, code page 65001.
    started = start_lab(tmp_path_factory.mktemp("refusals"), 3, "--version", "2010sp1", "--hung-seconds", "0.5")
    yield started
    started.owa_lab("down")


def _failing(lab: Lab, tmp_path: Path, task: dict, host: str) -> dict:
    """Run a task expected to fail on ``host``; its result (ignore_errors keeps the play going to save it)."""
    run = lab.play(tmp_path, dict(task, ignore_errors=True), "--limit", host)
    assert run.returncode == 0, run.stdout[-2000:]
    result = Lab.result(tmp_path, host)
    assert result.get("failed"), result
    return result


# ----- the UTF-8 byte order mark ----------------------------------------------------------------------------------
def test_modules_read_output_that_starts_with_a_byte_order_mark(lab: Lab, tmp_path: Path) -> None:
    run = lab.play(tmp_path, {"exchange.owa_im.exchange_certificate_info": {}}, "--limit", CAS01)
    assert run.returncode == 0, run.stdout[-2000:]
    assert Lab.result(tmp_path, CAS01)["iis_certificate"]["thumbprint"] == lab.thumbprint("CAS01")
    # The lab wrote the BOM: every powershell.exe 2.0 command under code page 65001 starts its output with it.
    commands = [e for e in lab.log() if e["event"] == "command" and e["server"] == "CAS01"]
    assert commands and lab.bom_seen("CAS01")


# ----- Exchange's types and errors --------------------------------------------------------------------------------
def test_certificate_domains_a_multi_valued_property_are_reported_as_a_list(lab: Lab, tmp_path: Path) -> None:
    run = lab.play(tmp_path, {"exchange.owa_im.exchange_certificate_info": {}}, "--limit", CAS02)
    assert run.returncode == 0, run.stdout[-2000:]
    certificates = Lab.result(tmp_path, CAS02)["certificates"]
    iis = next(c for c in certificates if c["thumbprint"] == lab.thumbprint("CAS02"))
    assert iis["domains"] == ["cas02.contoso.lab", "cas02"]
    assert "IIS" in iis["services"]


def test_a_thumbprint_the_server_lacks_is_certificate_missing_not_a_wrong_identity(lab: Lab, tmp_path: Path) -> None:
    # Exchange answers Get-ExchangeCertificate -Thumbprint <unknown> with a terminating error that -ErrorAction
    # SilentlyContinue does not suppress.
    unknown = "AB" * 20
    result = _failing(lab, tmp_path, {"exchange.owa_im.owa_virtual_directory": {
        "instant_messaging_enabled": True, "instant_messaging_type": "ocs", "instant_messaging_server_name": "ocs.contoso.lab",
        "instant_messaging_certificate_thumbprint": unknown}}, CAS03)
    assert result["error_kind"] == "certificate_missing", result["msg"]
    assert unknown in result["msg"] and "identity" not in result["msg"]
    assert lab.vdir("CAS03")["InstantMessagingEnabled"] is False


def test_info_modules_answer_nothing_found_for_unknown_names(lab: Lab, tmp_path: Path) -> None:
    run = lab.play(tmp_path, {"exchange.owa_im.exchange_certificate_info": {"thumbprint": "CD" * 20}}, "--limit", CAS01)
    assert run.returncode == 0, run.stdout[-2000:]
    assert Lab.result(tmp_path, CAS01)["certificates"] == []
    run = lab.play(tmp_path, {"exchange.owa_im.owa_virtual_directory_info": {"identity": "CAS01\\nothing (Default Web Site)"}},
                   "--limit", CAS01)
    assert run.returncode == 0, run.stdout[-2000:]
    assert Lab.result(tmp_path, CAS01)["virtual_directories"] == []


def test_exchange_2010_sp1_without_adpropertiesonly(lab: Lab, tmp_path: Path) -> None:
    # The lab's 2010 SP1 has no Get-OwaVirtualDirectory -ADPropertiesOnly; the modules ask the cmdlet before using it.
    run = lab.play(tmp_path, {"exchange.owa_im.owa_virtual_directory": {
        "instant_messaging_enabled": True, "instant_messaging_type": "ocs", "instant_messaging_server_name": "ocs.contoso.lab",
        "discover_certificate": True}}, "--limit", CAS01)
    assert run.returncode == 0, run.stdout[-2000:]
    assert lab.vdir("CAS01")["InstantMessagingServerName"] == "ocs.contoso.lab"
    run = lab.play(tmp_path, {"exchange.owa_im.owa_virtual_directory_info": {"scope": "organization"}}, "--limit", CAS01)
    assert run.returncode == 0, run.stdout[-2000:]
    assert len(Lab.result(tmp_path, CAS01)["virtual_directories"]) == 3


# ----- installers: the second hop, controller_source, vcredist ----------------------------------------------------
def test_a_share_from_an_ntlm_session_fails_naming_the_second_hop_and_both_ways_out(lab: Lab, tmp_path: Path) -> None:
    result = _failing(lab, tmp_path, {"exchange.owa_im.ocs_components": {"source": SHARE}}, CAS02)
    assert result["error_kind"] == "second_hop"
    for words in ("second hop", "kerberos_delegation", "credssp", "controller_source", "Access is denied"):
        assert words in result["msg"], result["msg"]
    assert lab.host("CAS02").get("products", {}) == {}


def test_controller_source_sends_only_what_is_missing_and_installs(lab: Lab, tmp_path: Path) -> None:
    folder = lab.installers()
    task = {"exchange.owa_im.ocs_components": {"controller_source": str(folder)}}
    check = lab.play(tmp_path, task, "--check", "--limit", CAS03)
    assert check.returncode == 0, check.stdout[-2000:]
    planned = Lab.result(tmp_path, CAS03)
    # The provider package and the two hotfixes; the other installers come out of CWAOWASSPMain.msi on the server.
    assert planned["changed"] and [u["file"] for u in planned["controller_source"]["uploaded"]] == [
        "CWAOWASSPMain.msi", "UcmaRedist.msp", "CWAOWASSP.msp"]
    assert not any(e["event"] == "install" for e in lab.log() if e["server"] == "CAS03")
    run = lab.play(tmp_path, task, "--limit", CAS03)
    assert run.returncode == 0, run.stdout[-2000:]
    result = Lab.result(tmp_path, CAS03)
    assert result["changed"] and result["installed_now"] == ["vcredist", "ucma", "web_service_provider"]
    sent = result["controller_source"]["uploaded"][0]
    assert sent["sha1"] == hashlib.sha1((folder / "CWAOWASSPMain.msi").read_bytes()).hexdigest().upper()
    assert all(c["installed"] for c in result["components"])
    again = lab.play(tmp_path, task, "--limit", CAS03)
    assert again.returncode == 0 and not Lab.result(tmp_path, CAS03)["changed"]


def test_controller_source_does_not_send_a_file_the_server_already_holds(lab: Lab, tmp_path: Path) -> None:
    folder = lab.installers()
    lab.seed(tmp_path, {"servers": {"CAS01": {"products": {}}}})
    first = lab.play(tmp_path, {"exchange.owa_im.ocs_components": {"controller_source": str(folder),
                                                                   "staging_directory": "C:\\Install\\OCS"}}, "--check", "--limit", CAS01)
    assert first.returncode == 0, first.stdout[-2000:]
    # Put the very same file there first, as an earlier interrupted run would have left it.
    lab.seed(tmp_path, {"servers": {"CAS01": {"files": {"C:\\Install\\OCS\\CWAOWASSPMain.msi": {"package": "cwaowasspmain"}}}}})
    run = lab.play(tmp_path, {"exchange.owa_im.ocs_components": {"controller_source": str(folder),
                                                                 "staging_directory": "C:\\Install\\OCS"}}, "--limit", CAS01)
    assert run.returncode == 0, run.stdout[-2000:]
    staged = Lab.result(tmp_path, CAS01)["controller_source"]
    assert [u["file"] for u in staged["uploaded"]] == ["UcmaRedist.msp", "CWAOWASSP.msp"]
    assert staged["already_staged"] == ["CWAOWASSPMain.msi"]


def test_a_20_mib_installer_travels_in_segments_and_arrives_whole(lab: Lab, tmp_path: Path) -> None:
    folder = tmp_path / "big"
    folder.mkdir()
    data = lab.package_bytes("ucmaredist", 20 * 1024 * 1024)
    (folder / "UcmaRedist.msi").write_bytes(data)
    (folder / "vcredist_x64.exe").write_bytes(lab.package_bytes("vcredist_x64"))
    (folder / "CWAOWASSP.msi").write_bytes(lab.package_bytes("cwaowassp"))
    run = lab.play(tmp_path, {"exchange.owa_im.ocs_components": {"controller_source": str(folder),
                                                                 "staging_directory": "C:\\Big"}}, "--limit", CAS02)
    assert run.returncode == 0, run.stdout[-2000:]
    result = Lab.result(tmp_path, CAS02)
    assert {u["file"]: u["bytes"] for u in result["controller_source"]["uploaded"]}["UcmaRedist.msi"] == len(data)
    assert result["installs"]["ucma"]["source"] == "C:\\Big\\UcmaRedist.msi"
    held = lab.host("CAS02")["files"]["C:\\Big\\UcmaRedist.msi"]
    assert held["size"] == len(data) and held["blob"] == hashlib.sha1(data).hexdigest()
    commands = [e for e in lab.log() if e["event"] == "command" and e["server"] == "CAS02" and (e.get("stdin_bytes") or 0) > 4_000_000]
    assert len(commands) >= 3   # 20 MiB in 8 MiB segments: three processes, none of them carrying the whole file


def test_vcredist_gets_only_its_own_switches(lab: Lab, tmp_path: Path) -> None:
    # The 2008 package answers /norestart and /log with a message box that no one in a WinRM session can close.
    folder = tmp_path / "own"
    folder.mkdir()
    for name, key in (("vcredist_x64.exe", "vcredist_x64"), ("UcmaRedist.msi", "ucmaredist"), ("CWAOWASSP.msi", "cwaowassp")):
        (folder / name).write_bytes(lab.package_bytes(key))
    started = time.time()
    run = lab.play(tmp_path, {"exchange.owa_im.ocs_components": {"controller_source": str(folder), "staging_directory": "C:\\Own"}},
                   "--limit", CAS01)
    assert run.returncode == 0, run.stdout[-2000:]
    assert time.time() - started < 120
    calls = [e for e in lab.log() if e["event"] == "setup-exe" and e["server"] == "CAS01"]
    assert calls[-1]["switches"] == ["/q"] and calls[-1]["unknown"] == []
    assert not any(e["event"] == "never-exits" for e in lab.log() if e["server"] == "CAS01")


def test_visual_cpp_2008_rtm_is_not_enough(lab: Lab, tmp_path: Path) -> None:
    rtm = {"{350AA351-21FA-3270-8B7A-835434E766AD}": {
        "DisplayName": "Microsoft Visual C++ 2008 Redistributable - x64 9.0.21022", "DisplayVersion": "9.0.21022",
        "Publisher": "Microsoft Corporation"}}
    # CAS03 gets the three components (whatever ran before on this lab), then loses the SP1 redistributable for RTM.
    first = lab.play(tmp_path, {"exchange.owa_im.ocs_components": {"controller_source": str(lab.installers())}}, "--limit", CAS03)
    assert first.returncode == 0, first.stdout[-2000:]
    lab.remove_products("CAS03", "Visual C++ 2008")
    lab.seed(tmp_path, {"servers": {"CAS03": {"products": rtm}}})
    info = lab.play(tmp_path, {"exchange.owa_im.ocs_components_info": {}}, "--limit", CAS03)
    assert info.returncode == 0, info.stdout[-2000:]
    [vcredist, *_rest] = Lab.result(tmp_path, CAS03)["components"]
    assert vcredist["installed"] is False and vcredist["older_versions"] == ["9.0.21022"]
    run = lab.play(tmp_path, {"exchange.owa_im.ocs_components": {"controller_source": str(lab.installers())}}, "--limit", CAS03)
    assert run.returncode == 0, run.stdout[-2000:]
    result = Lab.result(tmp_path, CAS03)
    assert result["installed_now"] == ["vcredist"] and result["components"][0]["version"] == "9.0.30729.4148"


def test_an_installer_that_never_ends_is_stopped_after_installer_timeout(lab: Lab, tmp_path: Path) -> None:
    # A setup program still running after installer_timeout (the lab's vcredist told by a seed to wait on a dialog, as
    # an unknown switch would make it) is stopped, and the task fails instead of waiting for ever.
    lab.remove_products("CAS02", "")
    lab.seed(tmp_path, {"servers": {"CAS02": {"installers": {"vcredist_x64.exe": {"dialog": "a prompt to close running programs"}}}}})
    result = _failing(lab, tmp_path, {"exchange.owa_im.ocs_components": {"controller_source": str(lab.installers()),
                                                                         "installer_timeout": 60}}, CAS02)
    assert result["error_kind"] == "installer_timeout", result["msg"]
    assert any(e["event"] == "process-killed" for e in lab.log() if e["server"] == "CAS02")


# ----- smaller ones -----------------------------------------------------------------------------------------------
def test_web_config_without_exchange_install_path_and_with_non_ascii_text(lab: Lab, tmp_path: Path) -> None:
    issuer = "CN=Zürich Issuing CA, DC=contoso, DC=com"
    config = ('<?xml version="1.0" encoding="utf-8"?>\n<configuration>\n  <appSettings>\n'
              '    <add key="IMPoolName" value="ocspool.contoso.lab" />\n'
              f'    <add key="IMCertificateIssuer" value="{issuer}" />\n'
              '    <add key="IMCertificateSerialNumber" value="1f 5e dd 03 00 00 00 00 00 05" />\n'
              '  </appSettings>\n</configuration>\n')
    path = "C:\\Program Files\\Microsoft\\Exchange Server\\V14\\ClientAccess\\Owa\\web.config"
    lab.seed(tmp_path, {"servers": {"CAS01": {"files": {path: config}, "exchange_install_path_missing": True}}})
    run = lab.play(tmp_path, {"exchange.owa_im.owa_web_config_info": {}}, "--limit", CAS01)
    assert run.returncode == 0, run.stdout[-2000:]
    result = Lab.result(tmp_path, CAS01)
    assert result["exists"] and result["path"] == path
    assert result["im_settings"]["certificate_issuer"] == issuer


def test_a_restart_whose_reply_is_lost_is_a_restart_under_way(lab: Lab, tmp_path: Path) -> None:
    lab.owa_lab("fault", "--server", "CAS02", "--drop-reply-after-shutdown")
    try:
        run = lab.play(tmp_path, {"exchange.owa_im.server_restart": {"reboot_timeout": 120}}, "--limit", CAS02)
    finally:
        lab.owa_lab("fault", "--server", "CAS02", "--clear")
    assert run.returncode == 0, run.stdout[-3000:]
    result = Lab.result(tmp_path, CAS02)
    assert result["rebooted"] and result["reply_lost"]
    assert any(e["event"] == "reply-dropped" for e in lab.log() if e["server"] == "CAS02")

