"""Windows services, appcmd's application pools and Get-ClientAccessServer as the lab emulates them.

Sources (tests/lab/README.md, "Services, application pools and Client Access servers"): PowerShell's service commands
(PowerShell/PowerShell, Service.cs and ServiceResources.resx), Microsoft's "Getting Started with AppCmd.exe", the
Exchange 2010 Security Guide's services table, and the Get-ClientAccessServer reference and ClientAccessServer members
of the Exchange 2010 SDK.
"""

from __future__ import annotations

import base64
import threading
import time
from pathlib import Path

import pytest

from owa_lab import organisation, owa_web, process, windows
from owa_lab.exchange.cmdlets import Session, client_access_server_object
from owa_lab.exchange.versions import VERSIONS
from owa_lab.process import new_engine
from owa_lab.store import Store

VERSIONS_UNDER_TEST = ("2010sp1", "2016")


def _session(tmp_path: Path, version: str = "2010sp1", servers: int = 1) -> Session:
    store = Store(tmp_path / "state")
    organisation.build(store, servers, version)
    with store.edit("lab.json") as lab:
        lab["iis_reset_seconds"] = 0.6
    return Session(store, "CAS01", VERSIONS[version], "ntlm", "administrator")


def _ps(session: Session, script: str) -> tuple[str, str]:
    """powershell.exe over the lab's cmd: the console output and the error stream as text."""
    line = "powershell.exe -EncodedCommand " + base64.b64encode(script.encode("utf-16-le")).decode()
    out, err, _code = process.run(session, line, None, 437)
    return out.decode(), err.decode().replace("_x000D__x000A_", "\n")


def _run(session: Session, script: str) -> tuple[list[str], list[str]]:
    engine = new_engine(session)
    _code, output = engine.run(script, [])
    return [str(item) for item in output], [error.message for error in engine.errors]


# ----- Get-Service --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("version", VERSIONS_UNDER_TEST)
def test_get_service_shows_status_name_displayname(tmp_path: Path, version: str) -> None:
    session = _session(tmp_path, version)
    out, err = _ps(session, "Get-Service W3SVC, WinRM")
    lines = [line.rstrip() for line in out.splitlines() if line.strip()]
    assert lines[0].split() == ["Status", "Name", "DisplayName"]
    assert lines[2].split(None, 2) == ["Running", "W3SVC", "World Wide Web Publishing Service"]
    assert lines[3].split(None, 2) == ["Running", "WinRM", "Windows Remote Management (WS-Management)"]
    assert err == ""
    output, errors = _run(session, "$s = Get-Service w3svc; $s.GetType().FullName; $s.Name; [string]$s.Status; "
                                   "$s.Status -eq 'Running'; \"$s\"")
    assert output == ["System.ServiceProcess.ServiceController", "W3SVC", "Running", "True", "System.ServiceProcess.ServiceController"]
    assert errors == []


@pytest.mark.parametrize("version", VERSIONS_UNDER_TEST)
def test_a_missing_service_is_the_non_terminating_no_service_found(tmp_path: Path, version: str) -> None:
    session = _session(tmp_path, version)
    out, err = _ps(session, "Get-Service NoSuchService; 'went on'")
    assert "went on" in out
    assert "Get-Service : Cannot find any service with service name 'NoSuchService'." in err
    assert "ObjectNotFound: (NoSuchService:String) [Get-Service], ServiceCommandException" in err
    assert "NoServiceFoundForGivenName,Microsoft.PowerShell.Commands.GetServiceCommand" in err
    output, errors = _run(session, "$r = @(Get-Service NoSuchService -ErrorAction SilentlyContinue); $r.Count; @(Get-Service NoSuch*).Count")
    assert output == ["0", "0"] and errors == []   # a wildcard that matches nothing is no error
    out, err = _ps(session, "$ErrorActionPreference = 'Stop'; Get-Service NoSuchService; 'went on'")
    assert "went on" not in out and "Cannot find any service with service name 'NoSuchService'." in err
    _out, err = _ps(session, "Get-Service -DisplayName 'No Such Service'")
    assert "Cannot find any service with display name 'No Such Service'." in err
    assert "NoServiceFoundForGivenDisplayName,Microsoft.PowerShell.Commands.GetServiceCommand" in err


def test_services_follow_the_roles_and_are_sorted_by_name(tmp_path: Path) -> None:
    session = _session(tmp_path)
    output, _errors = _run(session, "Get-Service | ForEach-Object { $_.Name }")
    assert output == sorted(output, key=str.lower)
    assert {"MSExchangeAB", "MSExchangeFBA", "MSExchangeRPC", "MSExchangeServiceHost", "MSExchangeProtectedServiceHost",
            "IISADMIN", "W3SVC", "WinRM", "MSExchangeIS"} <= set(output)   # the lab's servers are Mailbox, Client Access, Hub
    with session.store.edit_directory() as directory:
        directory["servers"]["CAS01"]["roles"] = "ClientAccess"
    output, _errors = _run(session, "Get-Service | ForEach-Object { $_.Name }")
    assert "MSExchangeIS" not in output and "MSExchangeTransport" not in output and "MSExchangeFBA" in output
    # A Manual service (IMAP4) is stopped after setup.
    output, _errors = _run(session, "[string](Get-Service MSExchangeImap4).Status; @(Get-Service -Include W3SVC,WAS).Count; "
                                    "@(Get-Service MSExchange* -Exclude MSExchangeIm*,MSExchangePop3 | Where-Object { $_.Status -ne 'Running' }).Count")
    assert output == ["Stopped", "2", "1"]   # MSExchangeMonitoring is Manual too


# ----- Restart-Service, Stop-Service, Start-Service ------------------------------------------------------------------
@pytest.mark.parametrize("version", VERSIONS_UNDER_TEST)
def test_restart_service_w3svc_takes_owa_out_of_service_for_the_reset_window(tmp_path: Path, version: str) -> None:
    session = _session(tmp_path, version)
    assert owa_web.OWA_POOL in owa_web.workers(session.store, session.server)
    seen: list[bool] = []
    result: dict[str, tuple[list[str], list[str]]] = {}
    worker = threading.Thread(target=lambda: result.update(run=_run(session, "(Restart-Service W3SVC -PassThru).Status")))
    worker.start()
    deadline = time.time() + 5
    while worker.is_alive() and time.time() < deadline:
        seen.append(windows.iis_available(session) or owa_web.iis_running(session.store, session.server))
        if not seen[-1]:
            assert _run(session, "[string](Get-Service W3SVC).Status")[0] == ["Stopped"]
        time.sleep(0.05)
    worker.join()
    assert False in seen   # OWA was unavailable during the window
    assert result["run"] == (["Running"], [])
    assert windows.iis_available(session)
    assert owa_web.workers(session.store, session.server) == {}   # OWA's worker ended; the next request starts one
    events = [e for e in session.store.log_entries(session.server) if e["event"].startswith("iis-reset")]
    assert [(e["event"], e.get("via")) for e in events] == [("iis-reset-start", "Restart-Service W3SVC"),
                                                            ("iis-reset-end", "Restart-Service W3SVC")]
    assert events[1]["seconds"] >= 0.6
    assert [h["kind"] for h in session.store.host(session.server)["iis_history"]] == ["iis-reset"]


def test_a_service_piped_from_get_service_restarts(tmp_path: Path) -> None:
    session = _session(tmp_path)
    output, errors = _run(session, "Get-Service W3SVC | Restart-Service; 'done'")
    assert output == ["done"] and errors == []
    assert [e["event"] for e in session.store.log_entries(session.server) if e["event"].startswith("iis-reset")] == [
        "iis-reset-start", "iis-reset-end"]


@pytest.mark.parametrize("version", VERSIONS_UNDER_TEST)
def test_stop_service_w3svc_keeps_iis_down_until_start_service(tmp_path: Path, version: str) -> None:
    session = _session(tmp_path, version)
    output, errors = _run(session, "Stop-Service W3SVC; [string](Get-Service W3SVC).Status; [string](Get-Service WAS).Status; "
                                   "iisreset /status; appcmd list apppool MSExchangeOWAAppPool")
    pool_version = "v2.0" if version.startswith("2010") else "v4.0"
    assert output == ["Stopped", "Running", "Status for World Wide Web Publishing Service ( W3SVC ) : Stopped",
                      f'APPPOOL "MSExchangeOWAAppPool" (MgdVersion:{pool_version},MgdMode:Integrated,state:Stopped)'] and errors == []
    assert not windows.iis_available(session) and not owa_web.iis_running(session.store, session.server)
    output, errors = _run(session, "Start-Service W3SVC -PassThru | ForEach-Object { [string]$_.Status }; iisreset /status")
    assert output == ["Running", "Status for World Wide Web Publishing Service ( W3SVC ) : Running"] and errors == []
    assert windows.iis_available(session)
    assert [(e["event"], e.get("via")) for e in session.store.log_entries(session.server) if e["event"].startswith("iis-reset")] == [
        ("iis-reset-start", "Stop-Service W3SVC"), ("iis-reset-end", "Start-Service W3SVC")]


def test_restart_service_of_a_missing_service_and_no_ops(tmp_path: Path) -> None:
    session = _session(tmp_path)
    _out, err = _ps(session, "Restart-Service NoSuchService; 'went on'")
    assert "Restart-Service : Cannot find any service with service name 'NoSuchService'." in err
    assert "NoServiceFoundForGivenName,Microsoft.PowerShell.Commands.RestartServiceCommand" in err
    # Start on a running service and Stop on a stopped one do nothing, as PowerShell ignores those answers.
    output, errors = _run(session, "Start-Service MSExchangeFBA; Stop-Service MSExchangeImap4; 'ok'")
    assert output == ["ok"] and errors == []
    assert not [e for e in session.store.log_entries(session.server) if e["event"].startswith("iis-reset")]


@pytest.mark.parametrize("script", ["Restart-Service WinRM", "Stop-Service WinRM", "Restart-Service MSExchangeFBA",
                                    "Stop-Service IISADMIN", "Start-Service MSExchangeImap4", "Restart-Service W3SVC -WhatIf",
                                    "Get-Service -ComputerName CAS02", "(Get-Service W3SVC).Stop()"])
def test_what_the_lab_does_not_emulate_says_so(tmp_path: Path, script: str) -> None:
    session = _session(tmp_path)
    output, errors = _run(session, f"try {{ {script} }} catch {{ 'caught' }}; 'went on'")
    assert output == [] and len(errors) == 1 and errors[0].startswith("owa-lab does not emulate")
    assert windows.iis_available(session)


def test_winrm_restart_names_the_session(tmp_path: Path) -> None:
    session = _session(tmp_path, "2016")
    _output, errors = _run(session, "Restart-Service WinRM")
    assert errors == ["owa-lab does not emulate Restart-Service of the service 'Windows Remote Management (WS-Management) (WinRM)' "
                      "from a WinRM session (Windows would stop the service that carries this very session); a real server may accept it."]


# ----- appcmd list apppool ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("version", VERSIONS_UNDER_TEST)
def test_appcmd_lists_application_pools_in_iis_format(tmp_path: Path, version: str) -> None:
    session = _session(tmp_path, version)
    pool_version = "v2.0" if version.startswith("2010") else "v4.0"
    line = f'APPPOOL "MSExchangeOWAAppPool" (MgdVersion:{pool_version},MgdMode:Integrated,state:Started)'
    output, errors = _run(session, "appcmd list apppool")
    assert output[0] == line and len(output) == len(owa_web.POOLS) and errors == []
    for form in ('appcmd list apppool "MSExchangeOWAAppPool"', "appcmd list apppools /name:MSExchangeOWAAppPool",
                 "appcmd.exe list apppool /apppool.name:msexchangeowaapppool",
                 "C:\\Windows\\System32\\inetsrv\\appcmd.exe list apppool /state:Started /name:MSExchangeOWAAppPool"):
        assert _run(session, form + "; $LASTEXITCODE")[0] == [line, "0"], form
    output, _errors = _run(session, 'appcmd list apppool "NoSuchPool"; $LASTEXITCODE')
    assert output == ['ERROR ( message:Cannot find APPPOOL object with identifier "NoSuchPool". )', "1168"]
    output, _errors = _run(session, "appcmd list apppool /state:Stopped; $LASTEXITCODE")
    assert output[0].startswith("owa-lab does not emulate") and output[1] == "1"


def test_appcmd_pool_state_is_stopped_during_a_reset_window_and_started_during_a_recycle(tmp_path: Path) -> None:
    session = _session(tmp_path)
    states: list[str] = []
    worker = threading.Thread(target=lambda: windows.iisreset(session, []))
    worker.start()
    while worker.is_alive():
        if not windows.iis_available(session):
            states.append(windows.pool_state(session))
        time.sleep(0.05)
    worker.join()
    assert states and set(states) == {"Stopped"} and windows.pool_state(session) == "Started"
    with session.store.edit("lab.json") as lab:
        lab["app_pool_recycle_seconds"] = 0.4
    worker = threading.Thread(target=lambda: windows.appcmd(session, ["recycle", "apppool", "/apppool.name:MSExchangeOWAAppPool"]))
    worker.start()
    states = []
    while worker.is_alive():
        if not windows.iis_available(session):
            states.append(windows.pool_state(session))
        time.sleep(0.05)
    worker.join()
    assert states and set(states) == {"Started"}


# ----- Get-ClientAccessServer ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("version", VERSIONS_UNDER_TEST)
def test_get_client_access_server_lists_the_organisations_cas(tmp_path: Path, version: str) -> None:
    session = _session(tmp_path, version, servers=2)
    snapin = VERSIONS[version].snapin
    output, errors = _run(session, f"Add-PSSnapin {snapin}; $all = @(Get-ClientAccessServer); $all.Count; "
                                   "$c = Get-ClientAccessServer cas02.contoso.lab; $c.GetType().FullName; $c.Name; $c.Fqdn; "
                                   "$c.AutoDiscoverServiceInternalUri; [string]$c.AutoDiscoverSiteScope; $c.OutlookAnywhereEnabled; "
                                   "$c.Identity; (Get-ClientAccessServer -Identity CAS01).Name")
    assert output == ["2", "Microsoft.Exchange.Data.Directory.Management.ClientAccessServer", "CAS02", "cas02.contoso.lab",
                      "https://cas02.contoso.lab/Autodiscover/Autodiscover.xml", "Default-First-Site-Name", "False", "CAS02",
                      "CAS01"] and errors == []
    output, _errors = _run(session, f"Add-PSSnapin {snapin}; Get-ExchangeServer CAS01 | Get-ClientAccessServer | ForEach-Object {{ $_.Name }}")
    assert output == ["CAS01"]


@pytest.mark.parametrize("version", VERSIONS_UNDER_TEST)
def test_get_client_access_server_not_found_is_terminating(tmp_path: Path, version: str) -> None:
    session = _session(tmp_path, version)
    snapin = VERSIONS[version].snapin
    output, errors = _run(session, f"Add-PSSnapin {snapin}; Get-ClientAccessServer NOPE -ErrorAction SilentlyContinue; 'next'; "
                                   "try { Get-ClientAccessServer NOPE } catch { $_.Exception.GetType().FullName }")
    assert output == ["next", "Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException"]
    assert errors == ["The operation couldn't be performed because object 'NOPE' couldn't be found on 'dc01.contoso.lab'."]
    _out, err = _ps(session, f"Add-PSSnapin {snapin}; Get-ClientAccessServer NOPE")
    assert "Microsoft.Exchange.Management.SystemConfigurationTasks.GetClientAccessServer" in err


def test_get_client_access_server_needs_the_snapin_and_knows_its_version(tmp_path: Path) -> None:
    session = _session(tmp_path)
    _output, errors = _run(session, "Get-ClientAccessServer")
    assert errors and "is not recognized as the name of a cmdlet" in errors[0]
    record = session.store.directory()["servers"]["CAS01"]
    assert "ClientAccessArray" in client_access_server_object("CAS01", record, VERSIONS["2010sp1"]).properties
    assert "ClientAccessArray" not in client_access_server_object("CAS01", record, VERSIONS["2016"]).properties
