"""The OCS 2007 R2 server (owa_lab/ocs.py): its Host Authorization list as WMI instances of MSFT_SIPRemoteAddressData,
read with Get-WmiObject and written with Set-WmiInstance and Remove-WmiObject, in PowerShell 2.0.

Sources (tests/lab/README.md, "OCS 2007 R2 (`ocs.py`)"): the OCS 2007 R2 SDK's MSFT_SIPRemoteAddressData and "Using the
Backend Property"; "Configuring Authorized Hosts"; PowerShell 2.0's WMI cmdlets.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from owa_lab import cli, ocs, organisation
from owa_lab.exchange.cmdlets import Session
from owa_lab.exchange.versions import VERSIONS
from owa_lab.process import new_engine
from owa_lab.store import Store

GET = "@(Get-WmiObject -Namespace 'root\\cimv2' -Class MSFT_SIPRemoteAddressData)"
NEW = ("Set-WmiInstance -Namespace root\\cimv2 -Class MSFT_SIPRemoteAddressData -Arguments @{Backend='(local)\\rtc'; "
       "Server='cas01.contoso.lab'; OutboundOnly=$false; ThrottleAsServer=$true; TreatAsAuthenticated=$true} | Out-Null\n")


def _store(tmp_path: Path) -> Store:
    store = Store(tmp_path / "state")
    organisation.build(store, 1, "2010sp3")
    ocs.build(store)
    return store


def _run(store: Store, script: str, server: str = "FE01") -> tuple[list[Any], list[str], list[str]]:
    """(output objects, error messages, error ids) of ``script`` in a fresh PowerShell process on ``server``."""
    version = ocs.host_version(store, server) if ocs.is_ocs_server(store, server) else VERSIONS[
        str(store.directory()["servers"][server]["version"])]
    engine = new_engine(Session(store, server, version, "ntlm", "administrator"))
    _code, output = engine.run(script, [])
    return output, [e.message for e in engine.errors], [e.error_id for e in engine.errors]


def test_an_entry_is_created_read_changed_and_removed(tmp_path: Path) -> None:
    store = _store(tmp_path)
    out, errors, _ids = _run(store, NEW + f"$e = {GET}[0]\n"
                                         "$e.Server; $e.Backend; [string]$e.OutboundOnly; [string]$e.ThrottleAsServer; "
                                         "[string]$e.TreatAsAuthenticated; $e.InstanceID -match '^\\{[0-9A-F-]{36}\\}$'; $e.__CLASS")
    assert errors == [] and out == ["cas01.contoso.lab", "(local)\\rtc", "False", "True", "True", True, "MSFT_SIPRemoteAddressData"]
    out, errors, _ids = _run(store, f"$e = {GET}[0]\nSet-WmiInstance -InputObject $e -Arguments @{{TreatAsAuthenticated=$false}} | "
                                    f"Out-Null\n[string]{GET}[0].TreatAsAuthenticated")
    assert errors == [] and out == ["False"]
    out, errors, _ids = _run(store, f"{GET}[0] | Remove-WmiObject\n{GET}.Count")
    assert errors == [] and out == [0]
    events = [e["event"] for e in store.log_entries("FE01")]
    assert events.count("wmi-put") == 2 and events.count("wmi-delete") == 1


def test_creation_needs_backend_server_and_the_flags(tmp_path: Path) -> None:
    store = _store(tmp_path)
    for arguments, said in (("Server='cas01.contoso.lab'; OutboundOnly=$false; ThrottleAsServer=$true; TreatAsAuthenticated=$true",
                             "Backend is required"),
                            ("Backend='sql01\\rtc'; Server='cas01.contoso.lab'; OutboundOnly=$false; ThrottleAsServer=$true; "
                             "TreatAsAuthenticated=$true", "is not this server's"),
                            ("Backend='(local)\\rtc'; Server='cas01.contoso.lab'", "required on creation: OutboundOnly"),
                            ("Backend='(local)\\rtc'; Server='0.0.0.0'; OutboundOnly=$false; ThrottleAsServer=$true; "
                             "TreatAsAuthenticated=$true", "not an FQDN or an allowed IP address")):
        out, errors, _ids = _run(store, "try { Set-WmiInstance -Class MSFT_SIPRemoteAddressData -Arguments @{" + arguments
                                 + "} -ErrorAction Stop } catch { $_.Exception.Message }")
        # -ErrorAction Stop makes WMI's refusal terminating: the catch block gets it, nothing reaches the error stream, and
        # the one output is WMI's "Invalid parameter" message with the reason.
        assert errors == [], errors
        assert len(out) == 1 and str(out[0]).startswith("Invalid parameter ") and said in str(out[0]), (out, said)
        assert store.directory()["ocs"]["remote_addresses"] == []


def test_a_cas_has_no_such_class_and_the_lab_says_what_it_does_not_emulate(tmp_path: Path) -> None:
    store = _store(tmp_path)
    out, _errors, _ids = _run(store, f"try {{ {GET} }} catch {{ $_.Exception.Message }}", server="CAS01")
    assert out == ["Invalid class "]
    out, _errors, _ids = _run(store, "try { Get-WmiObject -Namespace root\\default -Class MSFT_SIPRemoteAddressData } "
                                     "catch { $_.Exception.Message }")
    assert out == ["Invalid namespace "]
    for script in ("Get-WmiObject -Class MSFT_SIPRemoteAddressData -Filter \"Server='x'\"",
                   "Get-WmiObject -Query 'SELECT * FROM MSFT_SIPRemoteAddressData'",
                   "Get-WmiObject -Class MSFT_SIPStaticRoutingData"):
        out, errors, _ids = _run(store, f"try {{ {script} }} catch {{ $_.Exception.Message }}")
        assert any("owa-lab does not emulate" in str(o) for o in out + errors), (script, out, errors)
    # The Windows classes the other scripts read still answer.
    out, errors, _ids = _run(store, "(Get-WmiObject -Class Win32_OperatingSystem).Version")
    assert errors == [] and out == ["6.1.7601"]


def test_the_server_runs_powershell_2_without_exchange_or_lync(tmp_path: Path) -> None:
    store = _store(tmp_path)
    out, errors, _ids = _run(store, "$PSVersionTable.PSVersion.Major\n[string]$env:ExchangeInstallPath\n"
                                    "@(Get-Module -ListAvailable -Name Lync).Count")
    assert out[0] == 2 and out[1] == "" and out[2] == 0, (out, errors)


def test_up_writes_the_ocs_server_into_ocs_front_ends(tmp_path: Path) -> None:
    store = _store(tmp_path)
    store.write("lab.json", {"servers": ["CAS01"], "front_ends": ["FE01"], "user": "administrator",
                             "credentials": {"administrator": "x"}, "ports": {"CAS01": {"https": 1, "http": 2, "owa": 3},
                                                                              "FE01": {"https": 4, "http": 5}}})
    inventory = tmp_path / "inventory.yml"
    cli.write_inventory(store, inventory)
    import yaml
    group = yaml.safe_load(inventory.read_text())["all"]["children"]["ocs_front_ends"]
    assert list(group["hosts"]) == ["fe01.contoso.lab"] and group["vars"]["owa_lab_front_end_pool"] == "ocspool.contoso.lab"
