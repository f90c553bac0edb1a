"""The lab's Application log and Get-EventLog as Windows PowerShell 2.0 has them, and the IM events OWA writes there.

Sources (tests/lab/README.md, "The Application log and OWA's IM events"): GetEventLogCommand in PowerShell/PowerShell
(Eventlog.cs) and its resources (EventlogResources.resx, NoEntriesFound "No matches found"), the Get-EventLog help for
Windows PowerShell 2.0 (TechNet dd315250), and .NET's EventLogEntry (EventID is the message ID without its top two bits).
"""

from __future__ import annotations

import base64
import datetime as dt
import time
from pathlib import Path

import pytest

from owa_lab import organisation, owa_web, process, windows
from owa_lab.exchange.cmdlets import Session
from owa_lab.exchange.versions import VERSIONS
from owa_lab.installers import PACKAGES
from owa_lab.store import Store

OWA = "MSExchange OWA"


def _session(tmp_path: Path, version: str = "2010sp1") -> Session:
    store = Store(tmp_path / "state")
    organisation.build(store, 1, version)
    return Session(store, "CAS01", VERSIONS[version], "ntlm", "administrator")


def _ps(session: Session, script: str) -> tuple[str, str, int]:
    line = "powershell.exe -EncodedCommand " + base64.b64encode(script.encode("utf-16-le")).decode()
    out, err, code = process.run(session, line, None, 437)
    return out.decode(), err.decode(), code


def _record(session: Session, seconds_ago: int, instance_id: int, entry_type: str = "Error", source: str = OWA,
            message: str = "text") -> None:
    """A record written ``seconds_ago`` seconds before now (whole seconds, as Windows keeps them)."""
    windows.write_event(session.store, session.server, source, instance_id, entry_type, message, 9)
    with session.store.edit_host(session.server) as host:
        host["event_logs"]["Application"][-1]["time"] = int(time.time()) - seconds_ago


def test_no_match_is_the_non_terminating_error_no_matches_found(tmp_path: Path) -> None:
    session = _session(tmp_path)
    out, err, code = _ps(session, f"Get-EventLog -LogName Application -Source '{OWA}'; 'went on'")
    assert out.startswith("went on") and "Get-EventLog : No matches found" in err
    assert "GetEventLogNoEntriesFound,Microsoft.PowerShell.Commands.GetEventLogCommand" in err and "ArgumentException" in err
    out, err, _code = _ps(session, f"$e = @(); $r = @(Get-EventLog Application -Source '{OWA}' -ErrorAction SilentlyContinue "
                                   "-ErrorVariable e); $r.Count; [string]$e[0].FullyQualifiedErrorId; $e[0].Exception.Message")
    assert out.split("\r\n")[:3] == ["0", "GetEventLogNoEntriesFound,Microsoft.PowerShell.Commands.GetEventLogCommand",
                                     "No matches found"] and err == ""
    # Under 'Stop' (the collection's bootstrap) the same error ends the script.
    out, err, _code = _ps(session, f"$ErrorActionPreference = 'Stop'; Get-EventLog Application -Source '{OWA}'; 'went on'")
    assert "went on" not in out and "No matches found" in err


def test_a_record_that_reached_the_date_test_silences_no_matches_found(tmp_path: Path) -> None:
    session = _session(tmp_path)
    _record(session, 600, 0xC0000057)
    # Older records of the source: nothing after the moment, and no error (the date test turned it off).
    out, err, _code = _ps(session, f"$t = (Get-Date).AddMinutes(-1); @(Get-EventLog Application -Source '{OWA}' -After $t).Count")
    assert out.startswith("0") and err == ""
    # No record of that source at all: the date test is never reached, and the error comes.
    _out, err, _code = _ps(session, "$t = (Get-Date).AddMinutes(-1); Get-EventLog Application -Source 'MSExchange ADAccess' -After $t")
    assert "No matches found" in err


def test_after_is_strict_over_whole_seconds_and_newest_counts_matches_newest_first(tmp_path: Path) -> None:
    session = _session(tmp_path)
    for seconds_ago, instance_id in ((30, 112), (20, 0xC0000053), (20, 0xC0000057), (10, 1)):
        _record(session, seconds_ago, instance_id, source=OWA if instance_id != 1 else "Other")
    moment = dt.datetime.fromtimestamp(int(time.time()) - 20).strftime("%Y-%m-%dT%H:%M:%S")
    out, _err, _code = _ps(session, f"foreach ($e in @(Get-EventLog Application -Source '{OWA}' -After ([DateTime]'{moment}'))) {{ $e.EventID }}")
    assert out == ""   # TimeGenerated > After: the records of that very second are not after it
    out, _err, _code = _ps(session, f"$t = ([DateTime]'{moment}').AddMilliseconds(-1); "
                                    f"foreach ($e in @(Get-EventLog Application -Source '{OWA}' -After $t)) {{ $e.EventID }}")
    assert out.split() == ["87", "83"]   # newest first
    out, _err, _code = _ps(session, f"foreach ($e in @(Get-EventLog Application -Source '{OWA}' -Newest 2)) {{ $e.Index }}")
    assert out.split() == ["3", "2"]     # -Newest counts the records that matched, skipping the other source's


def test_instance_id_is_the_full_message_id_and_event_id_drops_the_top_bits(tmp_path: Path) -> None:
    session = _session(tmp_path)
    _record(session, 5, 0xC0000057)
    out, err, _code = _ps(session, "@(Get-EventLog Application -InstanceId 87 -ErrorAction SilentlyContinue).Count; "
                                   "$e = @(Get-EventLog Application -InstanceId 3221225559)[0]; "
                                   "$e.EventID; $e.InstanceId; $e.InstanceId -band 0xFFFF; [string]$e.EntryType; $e.Source; "
                                   "$e.TimeGenerated -is [DateTime]; $e.Message; $e.CategoryNumber")
    assert out.split("\r\n")[:9] == ["0", "87", "3221225559", "87", "Error", OWA, "True", "text", "9"] and err == ""
    out, _err, _code = _ps(session, "$e = @(Get-EventLog Application)[0]; $e.pstypenames[0]; "
                                    "@(Get-EventLog Application -AsBaseObject)[0].pstypenames[0]")
    assert out.split("\r\n")[:2] == [f"System.Diagnostics.EventLogEntry#Application/{OWA}/3221225559", "System.Diagnostics.EventLogEntry"]


def test_parameters_are_checked_as_powershell_checks_them(tmp_path: Path) -> None:
    session = _session(tmp_path)
    _out, err, _code = _ps(session, "Get-EventLog Application -EntryType Fatal")
    assert ("Cannot validate argument on parameter 'EntryType'. The argument \"Fatal\" does not belong to the set "
            "\"Error,Information,FailureAudit,SuccessAudit,Warning\"") in err
    _out, err, _code = _ps(session, "Get-EventLog Application -Newest many")
    assert "Cannot bind parameter 'Newest'. Cannot convert value \"many\" to type \"System.Int32\"" in err
    _out, err, _code = _ps(session, "Get-EventLog Application -Since 5")
    assert "A parameter cannot be found that matches parameter name 'Since'." in err
    # What the lab does not keep, it says so in its own words.
    for script in ("Get-EventLog System", "Get-EventLog -List", "Get-EventLog Application -ComputerName cas02"):
        _out, err, _code = _ps(session, script)
        assert "owa-lab does not emulate" in err, script


def _enable_im(session: Session, **settings: object) -> None:
    values = {"InstantMessagingEnabled": True, "InstantMessagingType": "Ocs", "InstantMessagingServerName": "ocspool.contoso.lab",
              "InstantMessagingCertificateThumbprint": session.store.host("CAS01")["certificates"][0]["thumbprint"]}
    values.update(settings)
    organisation.apply_seed(session.store, {"virtual_directories": {"CAS01": values}})


def _install_provider(session: Session) -> None:
    with session.store.edit_host("CAS01") as host:
        host.setdefault("products", {})[PACKAGES["cwaowassp"].product_code] = {"DisplayName": PACKAGES["cwaowassp"].display_name}


def _owa_starts(session: Session) -> list[tuple[int, str, str]]:
    """A reset, then OWA's first request: what its new worker wrote (event ID, type, text)."""
    owa_web.stop_workers(session.store, "CAS01")
    before = len(windows.event_records(session.store, "CAS01"))
    owa_web.answer(session.store, "CAS01", "/owa/")
    return [(r["instance_id"] & 0xFFFF, r["entry_type"], r["message"]) for r in windows.event_records(session.store, "CAS01")[before:]]


def test_owa_writes_112_when_its_provider_loads_and_nothing_when_im_is_off(tmp_path: Path) -> None:
    session = _session(tmp_path)
    assert _owa_starts(session) == []
    _enable_im(session)
    _install_provider(session)
    assert _owa_starts(session) == [(112, "Information", "The Instant Messaging Endpoint Manager was successfully initialized.")]
    # A worker that already runs writes nothing more: OWA loads the provider once per worker.
    owa_web.answer(session.store, "CAS01", "/owa/")
    assert len(windows.event_records(session.store, "CAS01")) == 1


@pytest.mark.parametrize("settings, installed, fault, expected", [
    ({}, False, False, (83, "No registry setting for IM Provider.")),
    ({}, True, True, (87, "An exception was thrown while attempting to load the IM provider .dll file. File: C:\\Program Files\\"
                          "Microsoft\\Exchange Server\\V14\\ClientAccess\\OWA\\bin\\Microsoft.Rtc.UCWeb.dll Unable to load")),
    ({"InstantMessagingServerName": None}, True, False, (100, "InstantMessagingServerName) is set to null or empty")),
    ({"InstantMessagingCertificateThumbprint": ""}, True, False, (101, "InstantMessagingCertificateThumbprint) is set to null or empty")),
    ({"InstantMessagingCertificateThumbprint": "AB" * 20}, True, False, (103, "IM Certificate with thumbprint " + "AB" * 20 + " could not be found.")),
    ("expired", True, False, (102, "IM Certificate has expired.")),
])
def test_owa_writes_the_error_that_stopped_its_provider(tmp_path: Path, settings: object, installed: bool, fault: bool,
                                                        expected: tuple[int, str]) -> None:
    session = _session(tmp_path)
    if settings == "expired":
        # The lab's third certificate of each server expired long ago.
        settings = {"InstantMessagingCertificateThumbprint": session.store.host("CAS01")["certificates"][2]["thumbprint"]}
    _enable_im(session, **settings)
    if installed:
        _install_provider(session)
    if fault:
        with session.store.edit("faults.json") as faults:
            faults["CAS01"] = {"im_provider_error": True}
    written = _owa_starts(session)
    assert len(written) == 1 and written[0][0] == expected[0] and written[0][1] == "Error" and expected[1] in written[0][2]
