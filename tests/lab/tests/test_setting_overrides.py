"""Exchange 2016/2019 setting overrides for OWA's IM settings, the VariantConfiguration refresh, and OWA's worker taking
what the last refresh found when it starts.

Sources (tests/lab/README.md, "Setting overrides (Exchange 2016 and later)"): "Configure instant messaging integration
with Outlook on the web in Exchange", the *-SettingOverride and Get-ExchangeDiagnosticInfo references, a Microsoft Q&A
report of ADObjectAlreadyExistsException, and the decompiled Exchange 15.00.1497 classes the module docstring names.
"""

from __future__ import annotations

import base64
import xml.etree.ElementTree as ElementTree
from pathlib import Path
from typing import Any

import pytest

from owa_lab import organisation, owa_web, process, windows
from owa_lab.exchange.cmdlets import Session
from owa_lab.exchange.setting_overrides import HOST_KEY
from owa_lab.exchange.versions import VERSIONS
from owa_lab.installers import PACKAGES
from owa_lab.process import new_engine
from owa_lab.store import Store

SNAPIN = "Add-PSSnapin Microsoft.Exchange.Management.PowerShell.SnapIn\n"
REFRESH = "Get-ExchangeDiagnosticInfo -Server {server} -Process Microsoft.Exchange.Directory.TopologyService -Component VariantConfiguration -Argument Refresh"
NEW_IM = ('New-SettingOverride -Name "{name}" -Component OwaServer -Section IMSettings '
          '-Parameters @("IMServerName={pool}","IMCertificateThumbprint={thumbprint}") -Reason "Configure IM"')


def _store(tmp_path: Path, version: str = "2016", count: int = 2) -> Store:
    store = Store(tmp_path / "state")
    organisation.build(store, count, version)
    return store


def _run(store: Store, script: str, server: str = "CAS01", snapin: str = SNAPIN) -> tuple[list[Any], list[str], list[str]]:
    """(output objects, error messages, warnings) of ``script`` in a fresh PowerShell process on ``server``."""
    version = VERSIONS[str(store.directory()["servers"][server]["version"])]
    engine = new_engine(Session(store, server, version, "ntlm", "administrator"))
    _code, output = engine.run(snapin + script, [])
    return output, [e.message for e in engine.errors], list(engine.warnings)


def _ps(store: Store, script: str, server: str = "CAS01") -> tuple[str, str]:
    """The same through powershell.exe, as a WinRM command line: stdout and stderr text."""
    version = VERSIONS[str(store.directory()["servers"][server]["version"])]
    line = "powershell.exe -EncodedCommand " + base64.b64encode((SNAPIN + script).encode("utf-16-le")).decode()
    out, err, _code = process.run(Session(store, server, version, "ntlm", "administrator"), line, None, 437)
    return out.decode(), err.decode()


def _thumbprint(store: Store, server: str = "CAS01") -> str:
    return store.host(server)["certificates"][0]["thumbprint"]


def _new_im(store: Store, name: str = "IM Override", pool: str = "ocspool.contoso.lab", thumbprint: str | None = None,
            server: str | None = None) -> list[str]:
    script = NEW_IM.format(name=name, pool=pool, thumbprint=thumbprint or _thumbprint(store)) + (f" -Server {server}" if server else "")
    _output, errors, _warnings = _run(store, script)
    return errors


# ----- the cmdlets ---------------------------------------------------------------------------------
def test_new_setting_override_stores_the_override_and_returns_it(tmp_path: Path) -> None:
    store = _store(tmp_path)
    output, errors, _warnings = _run(store, NEW_IM.format(name="IM Override", pool="ocspool.contoso.lab", thumbprint="AB" * 20))
    assert errors == []
    assert output[0].type_name == "Microsoft.Exchange.Data.Directory.SystemConfiguration.ConfigurationSettings.SettingOverride"
    [record] = store.directory()["setting_overrides"]
    assert record["name"] == "IM Override" and record["component"] == "OwaServer" and record["section"] == "IMSettings"
    assert record["parameters"] == ["IMServerName=ocspool.contoso.lab", "IMCertificateThumbprint=" + "AB" * 20]
    assert record["reason"] == "Configure IM" and record["server"] == [] and isinstance(record["WhenCreated"], float)
    assert any(e["event"] == "ad-change" and e["object"] == "SettingOverride IM Override" for e in store.log_entries("CAS01"))


def test_get_setting_override_returns_the_documented_properties(tmp_path: Path) -> None:
    store = _store(tmp_path)
    assert _new_im(store, name="Mailbox01 IM Override", server="CAS02") == []
    output, errors, _warnings = _run(store, """
$o = Get-SettingOverride -Identity 'mailbox01 im override'
$o.Name; $o.ComponentName; $o.SectionName; $o.Reason; $o.Server; $o.Identity
@($o.Parameters).Count; $o.Parameters -is [array]; $o.WhenCreated -is [DateTime]
$o.DistinguishedName
@(Get-SettingOverride).Count
(Get-SettingOverride $o.Guid).Name
""")
    assert errors == []
    assert [str(o) for o in output] == [
        "Mailbox01 IM Override", "OwaServer", "IMSettings", "Configure IM", "CAS02", "Mailbox01 IM Override", "2", "False", "True",
        "CN=Mailbox01 IM Override,CN=Setting Overrides,CN=Global Settings,CN=Contoso,CN=Microsoft Exchange,CN=Services,"
        "CN=Configuration,DC=contoso,DC=lab", "1", "Mailbox01 IM Override"]


def test_get_setting_override_that_does_not_exist_is_exchanges_terminating_not_found(tmp_path: Path) -> None:
    store = _store(tmp_path)
    out, err = _ps(store, "Get-SettingOverride -Identity 'Nope' -ErrorAction SilentlyContinue; 'went on'")
    assert "The operation couldn't be performed because object 'Nope' couldn't be found on 'dc01.contoso.lab'." in err
    assert "ManagementObjectNotFoundException" in err and "went on" in out
    out, err = _ps(store, "try { Get-SettingOverride Nope } catch { 'caught' }")
    assert out.startswith("caught") and err == ""


def test_a_missing_mandatory_parameter_is_refused_as_a_non_interactive_shell_refuses_it(tmp_path: Path) -> None:
    store = _store(tmp_path)
    _output, errors, _warnings = _run(store, "New-SettingOverride -Name x -Component OwaServer -Section IMSettings")
    assert errors == ["Cannot process command because of one or more missing mandatory parameters: Parameters Reason."]
    _output, errors, _warnings = _run(store, "New-SettingOverride x -Component OwaServer -Section IMSettings -Parameters @('IMServerName=a') "
                                             "-Reason ''")
    assert errors == ["Cannot validate argument on parameter 'Reason'. The argument is null or empty. Provide an argument that is not "
                      "null or empty, and then try the command again."]
    _output, errors, _warnings = _run(store, "Set-SettingOverride -Reason r")
    assert errors == ["Cannot process command because of one or more missing mandatory parameters: Identity."]
    assert "setting_overrides" not in store.directory()


def test_a_second_override_of_the_same_name_is_active_directorys_already_exists(tmp_path: Path) -> None:
    store = _store(tmp_path)
    assert _new_im(store) == []
    out, err = _ps(store, NEW_IM.format(name="im override", pool="other.contoso.lab", thumbprint="CD" * 20))
    assert ("Active Directory operation failed on dc01.contoso.lab. The object 'CN=im override,CN=Setting Overrides,CN=Global Settings,"
            "CN=Contoso,CN=Microsoft Exchange,CN=Services,CN=Configuration,DC=contoso,DC=lab' already exists.") in err
    assert "ADObjectAlreadyExistsException" in err
    assert len(store.directory()["setting_overrides"]) == 1


def test_a_parameter_that_is_not_name_equals_value_is_refused_and_force_makes_it_a_warning(tmp_path: Path) -> None:
    store = _store(tmp_path)
    script = "New-SettingOverride -Name bad -Component OwaServer -Section IMSettings -Parameters @('IMServerName') -Reason r"
    _output, errors, _warnings = _run(store, script)
    assert len(errors) == 1 and "Exchange refuses the parameter 'IMServerName' of component OwaServer section IMSettings" in errors[0]
    assert "setting_overrides" not in store.directory()
    _output, errors, warnings = _run(store, script + " -Force")
    assert errors == [] and "not of the form Name=Value" in warnings[0]
    assert [r["name"] for r in store.directory()["setting_overrides"]] == ["bad"]


def test_what_the_lab_does_not_know_it_says(tmp_path: Path) -> None:
    store = _store(tmp_path)
    for script in ("New-SettingOverride -Name a -Component Cafe -Section HttpRequestFiltering -Parameters @('Enabled=False') -Reason r",
                   "New-SettingOverride -Name a -Component OwaServer -Section IMSettings -Parameters @('Enabled=true') -Reason r",
                   "New-SettingOverride -Name a -Component OwaServer -Section IMSettings -Parameters @('IMServerName=a') -Reason r -WhatIf",
                   "Get-ExchangeDiagnosticInfo -Server CAS01 -Process MSExchangeMailboxAssistants -Component VariantConfiguration "
                   "-Argument 'Config,Component=OwaServer'",
                   "Get-ExchangeDiagnosticInfo"):
        _output, errors, _warnings = _run(store, script)
        assert len(errors) == 1 and errors[0].startswith("owa-lab does not emulate"), script


def test_set_setting_override_replaces_the_parameters_and_says_when_nothing_changed(tmp_path: Path) -> None:
    store = _store(tmp_path)
    assert _new_im(store, server="CAS02") == []
    created = store.directory()["setting_overrides"][0]
    _output, errors, warnings = _run(store, "Set-SettingOverride -Identity 'IM Override' -Parameters @('IMCertificateThumbprint=" + "EF" * 20 +
                                            "') -Reason 'New certificate' -Server $null")
    assert errors == [] and warnings == []
    record = store.directory()["setting_overrides"][0]
    # A MultiValuedProperty given whole replaces the stored list: IMServerName is gone.
    assert record["parameters"] == ["IMCertificateThumbprint=" + "EF" * 20] and record["reason"] == "New certificate"
    assert record["server"] == [] and record["WhenChanged"] >= created["WhenChanged"] and record["guid"] == created["guid"]
    _output, errors, warnings = _run(store, "Set-SettingOverride 'IM Override' -Reason 'New certificate'")
    assert errors == [] and warnings == ["The command completed successfully but no settings of 'IM Override' have been modified."]
    _output, errors, _warnings = _run(store, "Set-SettingOverride 'Other' -Reason x")
    assert errors == ["The operation couldn't be performed because object 'Other' couldn't be found on 'dc01.contoso.lab'."]


def test_remove_setting_override_removes_it_with_confirm_false_only(tmp_path: Path) -> None:
    store = _store(tmp_path)
    assert _new_im(store) == []
    _output, errors, _warnings = _run(store, "Remove-SettingOverride -Identity 'IM Override'")
    assert len(errors) == 1 and "owa-lab does not emulate the confirmation prompt of Remove-SettingOverride" in errors[0]
    assert len(store.directory()["setting_overrides"]) == 1
    _output, errors, _warnings = _run(store, "Get-SettingOverride 'IM Override' | Remove-SettingOverride -Confirm:$false")
    assert errors == [] and store.directory()["setting_overrides"] == []
    _output, errors, _warnings = _run(store, "Remove-SettingOverride 'IM Override' -Confirm:$false")
    assert errors == ["The operation couldn't be performed because object 'IM Override' couldn't be found on 'dc01.contoso.lab'."]


def test_exchange_2010_has_no_setting_override_cmdlets(tmp_path: Path) -> None:
    store = _store(tmp_path, "2010sp1", 1)
    _output, errors, _warnings = _run(store, "Get-SettingOverride", snapin="Add-PSSnapin Microsoft.Exchange.Management.PowerShell.E2010\n")
    assert len(errors) == 1 and errors[0].startswith("The term 'Get-SettingOverride' is not recognized as the name of a cmdlet")
    # Get-ExchangeDiagnosticInfo exists on 2010 (its reference's "Applicable" line); the lab does not emulate it there.
    _output, errors, _warnings = _run(store, REFRESH.format(server="CAS01"), snapin="Add-PSSnapin Microsoft.Exchange.Management.PowerShell.E2010\n")
    assert len(errors) == 1 and errors[0].startswith("owa-lab does not emulate Get-ExchangeDiagnosticInfo")


def test_the_cmdlets_need_the_directory_like_every_exchange_cmdlet(tmp_path: Path) -> None:
    store = _store(tmp_path)
    with store.edit("faults.json") as faults:
        faults["CAS01"] = {"ad_write_denied": True}
    assert "Insufficient access rights to perform the operation." in _new_im(store)[0]
    assert "setting_overrides" not in store.directory()


# ----- the refresh ----------------------------------------------------------------------------------
def test_the_refresh_records_what_applies_to_that_server_and_answers_the_overrides(tmp_path: Path) -> None:
    store = _store(tmp_path)
    assert _new_im(store, name="Org", pool="org.contoso.lab") == []
    assert _new_im(store, name="Only CAS02", pool="cas02pool.contoso.lab", server="CAS02") == []
    assert HOST_KEY not in store.host("CAS01")
    output, errors, _warnings = _run(store, REFRESH.format(server="CAS01"))
    assert errors == [] and output[0].type_name == "Microsoft.Exchange.Management.Powershell.Support.ExchangeDiagnosticInfoResult"
    snapshot = store.host("CAS01")[HOST_KEY]
    assert snapshot["settings"] == {"OwaServer": {"IMSettings": {"IMServerName": "org.contoso.lab", "IMCertificateThumbprint": _thumbprint(store)}}}
    assert isinstance(snapshot["refreshed"], float)
    assert {o["name"]: o["status"] for o in snapshot["overrides"]} == {"Org": "Accepted", "Only CAS02": "NotApplicable"}
    assert HOST_KEY not in store.host("CAS02")   # a refresh is per server
    root = ElementTree.fromstring(output[0].properties["Result"])
    overrides = root.find("Components/VariantConfiguration/Overrides")
    assert overrides is not None and overrides.get("Updated")
    statuses = {o.findtext("Name"): o.findtext("Status") for o in overrides.findall("SettingOverride")}
    assert statuses == {"Org": "Accepted", "Only CAS02": "NotApplicable"}
    first = overrides.find("SettingOverride")
    assert first is not None and first.findtext("Name") == "Only CAS02"   # newest first
    assert [p.text for p in first.findall("Parameters/Parameter")][0] == "IMServerName=cas02pool.contoso.lab"
    # The object's ToString() is its Result, as ExchangeDiagnosticInfoResult.ToString() returns it.
    output, errors, _warnings = _run(store, "$d = " + REFRESH.format(server="CAS02") + "; [string]$d -eq $d.Result; $d.Result.StartsWith('<Diagnostics>')")
    assert errors == [] and [str(o) for o in output] == ["True", "True"]


def test_a_server_specific_override_beats_the_organisation_wide_one(tmp_path: Path) -> None:
    store = _store(tmp_path)
    assert _new_im(store, name="CAS02 only", pool="cas02pool.contoso.lab", server="CAS02") == []
    assert _new_im(store, name="Org", pool="org.contoso.lab") == []   # newer, but organisation-wide
    for server in ("CAS01", "CAS02"):
        assert _run(store, REFRESH.format(server=server))[1] == []
    assert store.host("CAS01")[HOST_KEY]["settings"]["OwaServer"]["IMSettings"]["IMServerName"] == "org.contoso.lab"
    assert store.host("CAS02")[HOST_KEY]["settings"]["OwaServer"]["IMSettings"]["IMServerName"] == "cas02pool.contoso.lab"


def test_a_refresh_of_an_unknown_server_is_not_found(tmp_path: Path) -> None:
    store = _store(tmp_path)
    _output, errors, _warnings = _run(store, REFRESH.format(server="CAS09"))
    assert errors == ["The operation couldn't be performed because object 'CAS09' couldn't be found on 'dc01.contoso.lab'."]


def test_a_seed_adds_setting_overrides(tmp_path: Path) -> None:
    store = _store(tmp_path)
    done = organisation.apply_seed(store, {"setting_overrides": [{"name": "Seeded", "parameters": ["IMServerName=seed.contoso.lab"],
                                                                  "reason": "r", "server": "CAS01"}]})
    assert done == ["setting override Seeded"]
    [record] = store.directory()["setting_overrides"]
    assert record["component"] == "OwaServer" and record["section"] == "IMSettings" and record["server"] == ["CAS01"] and record["guid"]
    output, errors, _warnings = _run(store, "(Get-SettingOverride Seeded).Parameters")
    assert errors == [] and [str(o) for o in output] == ["IMServerName=seed.contoso.lab"]


# ----- OWA's worker --------------------------------------------------------------------------------
def _enable_im_2016(store: Store) -> None:
    # The virtual directory's own server name and thumbprint stay empty: Exchange 2016 ignores them.
    organisation.apply_seed(store, {"virtual_directories": {"CAS01": {"InstantMessagingEnabled": True, "InstantMessagingType": "Ocs"}}})
    with store.edit_host("CAS01") as host:
        host.setdefault("products", {})[PACKAGES["cwaowassp"].product_code] = {"DisplayName": PACKAGES["cwaowassp"].display_name}


def _owa_restarts(store: Store) -> list[tuple[int, str]]:
    """A recycle of OWA's pool, then a request: what the new worker wrote (event ID, text)."""
    owa_web.stop_workers(store, "CAS01", (owa_web.OWA_POOL,))
    before = len(windows.event_records(store, "CAS01"))
    owa_web.answer(store, "CAS01", "/owa/")
    return [(r["instance_id"] & 0xFFFF, r["message"]) for r in windows.event_records(store, "CAS01")[before:]]


def test_the_worker_takes_the_im_settings_of_the_last_refresh_when_it_starts(tmp_path: Path) -> None:
    store = _store(tmp_path)
    _enable_im_2016(store)
    # No override yet: the worker finds no server name (the directory's values do not count on 2016).
    assert _owa_restarts(store) == [(100, "Instant Messaging Server Name is null or empty on web.config")]
    # An override without a thumbprint, refreshed: the article's error for a missing thumbprint.
    _run(store, "New-SettingOverride -Name 'IM' -Component OwaServer -Section IMSettings -Parameters @('IMServerName=ocspool.contoso.lab') "
                "-Reason r; " + REFRESH.format(server="CAS01"))
    assert _owa_restarts(store) == [(101, "Instant Messaging Certificate Thumbprint is null or empty on web.config")]
    # The full override, but no refresh: a new worker still has the old snapshot.
    _run(store, f"Set-SettingOverride IM -Parameters @('IMServerName=ocspool.contoso.lab','IMCertificateThumbprint={_thumbprint(store)}')")
    assert _owa_restarts(store)[0][0] == 101
    # A refresh while the worker runs changes nothing for that worker.
    _run(store, REFRESH.format(server="CAS01"))
    owa_web.answer(store, "CAS01", "/owa/")
    assert owa_web.workers(store, "CAS01")[owa_web.OWA_POOL]["im_settings"] == {"IMServerName": "ocspool.contoso.lab"}
    # The next worker takes the refreshed settings and loads the provider.
    assert _owa_restarts(store) == [(112, "The Instant Messaging Endpoint Manager was successfully initialized.")]
    assert owa_web.workers(store, "CAS01")[owa_web.OWA_POOL]["im_settings"]["IMCertificateThumbprint"] == _thumbprint(store)


@pytest.mark.parametrize("im_enabled, im_type", [(False, "Ocs"), (True, "None")])
def test_the_virtual_directory_still_gates_im_on_2016(tmp_path: Path, im_enabled: bool, im_type: str) -> None:
    store = _store(tmp_path)
    _enable_im_2016(store)
    organisation.apply_seed(store, {"virtual_directories": {"CAS01": {"InstantMessagingEnabled": im_enabled, "InstantMessagingType": im_type}}})
    assert _new_im(store) == [] and _run(store, REFRESH.format(server="CAS01"))[1] == []
    assert _owa_restarts(store) == []


def test_exchange_2010_keeps_reading_the_virtual_directory(tmp_path: Path) -> None:
    store = _store(tmp_path, "2010sp1", 1)
    organisation.apply_seed(store, {"virtual_directories": {"CAS01": {
        "InstantMessagingEnabled": True, "InstantMessagingType": "Ocs", "InstantMessagingServerName": None}}})
    written = _owa_restarts(store)
    assert written == [(100, "The Instant Messaging server name (InstantMessagingServerName) is set to null or empty on the OWA Virtual "
                             "Directory object.")]
    assert "im_settings" not in owa_web.workers(store, "CAS01")[owa_web.OWA_POOL]


def test_a_mixed_pool_is_given_per_server_versions() -> None:
    from owa_lab.organisation import parse_mixed
    assert parse_mixed("2010sp3:2,2016:1") == ["2010sp3", "2010sp3", "2016"]
    for bad in ("2010:2", "2016", "2016:0", "2016:x"):
        with pytest.raises(ValueError, match="VERSION:COUNT"):
            parse_mixed(bad)
