"""The Lync Server 2010 or 2013 / Skype for Business Server Front End (owa_lab/lync.py): its module, the topology cmdlets for
OWA's trusted application pool, and Enable-CsTopology.

Sources (tests/lab/README.md, "Lync and Skype for Business Front End (`lync.py`)"): the Skype for Business Server cmdlet
references for New-/Get-/Remove-CsTrustedApplicationPool, New-/Get-CsTrustedApplication, Get-CsSite and Enable-CsTopology.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from owa_lab import cli, lync, organisation
from owa_lab.exchange.cmdlets import Session
from owa_lab.exchange.versions import VERSIONS
from owa_lab.process import new_engine
from owa_lab.store import Store

SFB = "Import-Module SkypeForBusiness\n"
NEW_POOL = ("New-CsTrustedApplicationPool -Identity cas01.contoso.lab -Registrar ocspool.contoso.lab -Site 1 "
            "-RequiresReplication $false -ThrottleAsServer $true -TreatAsAuthenticated $true -ComputerFqdn cas01.contoso.lab | Out-Null\n")
NEW_APP = "New-CsTrustedApplication -ApplicationId OutlookWebApp -TrustedApplicationPoolFqdn cas01.contoso.lab -Port 5199 | Out-Null\n"


def _store(tmp_path: Path, product: str = "sfb2019") -> Store:
    store = Store(tmp_path / "state")
    organisation.build(store, 1, "2016")
    lync.build(store, product)
    return store


def _run(store: Store, script: str, server: str = "FE01") -> tuple[list[Any], list[str], list[str]]:
    """(output objects, error messages, error ids) of ``script`` in a fresh PowerShell process on ``server``."""
    if lync.is_front_end(store, server):
        version = lync.host_version(store, server)
    else:
        version = VERSIONS[str(store.directory()["servers"][server]["version"])]
    engine = new_engine(Session(store, server, version, "ntlm", "administrator"))
    _code, output = engine.run(script, [])
    return output, [e.message for e in engine.errors], [e.error_id for e in engine.errors]


def test_the_module_loads_on_the_front_end_and_the_exchange_snapin_does_not(tmp_path: Path) -> None:
    store = _store(tmp_path)
    out, errors, _ids = _run(store, SFB + "(Get-CsPool | ForEach-Object { $_.Fqdn }) -join ','\n"
                                          "(Get-CsSite | ForEach-Object { [string]$_.SiteId + '=' + $_.Identity }) -join ','")
    assert errors == [] and out == ["ocspool.contoso.lab", "1=Site:Contoso"]
    out, errors, ids = _run(store, "Add-PSSnapin Microsoft.Exchange.Management.PowerShell.SnapIn")
    assert errors == ["The Windows PowerShell snap-in 'Microsoft.Exchange.Management.PowerShell.SnapIn' is not installed on this machine."]
    # Lync Server 2013 has the Lync module, not SkypeForBusiness.
    out, errors, ids = _run(_store(tmp_path / "2013", "lync2013"), SFB + "Import-Module Lync\n(Get-Module -ListAvailable -Name Lync).Name")
    assert out == ["Lync"] and ids == ["Modules_ModuleNotFound,Microsoft.PowerShell.Commands.ImportModuleCommand"]
    assert "no valid module file was found" in errors[0]


def test_a_lync_server_2010_front_end_has_the_lync_module_on_powershell_2(tmp_path: Path) -> None:
    """Lync Server 2010 (Windows Server 2008 R2) has the Lync module and Windows PowerShell 2.0: the same cmdlets
    (Lync Server 2010 cmdlet reference, gg425804 and gg398259), and nothing of PowerShell 3.0."""
    store = _store(tmp_path, "lync2010")
    out, errors, ids = _run(store, SFB + "Import-Module Lync\n(Get-Module -ListAvailable -Name Lync).Name\n" + NEW_POOL + NEW_APP
                            + "(Get-CsTrustedApplication).Identity\n$PSVersionTable.PSVersion.Major")
    assert ids == ["Modules_ModuleNotFound,Microsoft.PowerShell.Commands.ImportModuleCommand"] and len(errors) == 1
    assert out == ["Lync", "cas01.contoso.lab/urn:application:OutlookWebApp", 2]
    _out, errors, _ids = _run(store, "Import-Module Lync\n'x' | ConvertTo-Json")
    assert len(errors) == 1 and "The term 'ConvertTo-Json' is not recognized" in errors[0]


def test_a_cas_has_no_skype_module_and_no_cs_cmdlets(tmp_path: Path) -> None:
    store = _store(tmp_path)
    out, errors, _ids = _run(store, "Import-Module SkypeForBusiness\n@(Get-Module -ListAvailable -Name SkypeForBusiness).Count\nGet-CsPool",
                             server="CAS01")
    assert out == [0] and len(errors) == 2 and "Get-CsPool" in errors[1] and "not recognized" in errors[1]


def test_a_pool_and_its_application_are_pending_until_enable_cs_topology(tmp_path: Path) -> None:
    store = _store(tmp_path)
    out, errors, _ids = _run(store, SFB + NEW_POOL + NEW_APP + "$p = Get-CsTrustedApplicationPool -Identity cas01.contoso.lab\n"
                                                               "$p.Registrar; $p.SiteId; $p.RequiresReplication; $p.Applications\n"
                                                               "(Get-CsTrustedApplication).Identity")
    assert errors == []
    assert out == ["Registrar:ocspool.contoso.lab", "Site:Contoso", False, "urn:application:OutlookWebApp",
                   "cas01.contoso.lab/urn:application:OutlookWebApp"]
    state = store.directory()["lync"]
    assert state["published"] is False and len(state["pending"]) == 2
    _run(store, SFB + "Enable-CsTopology")
    state = store.directory()["lync"]
    assert state["published"] is True and state["pending"] == []


def test_defaults_a_duplicate_and_the_site_rules(tmp_path: Path) -> None:
    store = _store(tmp_path)
    _out, errors, _ids = _run(store, SFB + "New-CsTrustedApplicationPool -Identity ex.contoso.lab -Registrar Registrar:ocspool.contoso.lab -Site Contoso")
    assert errors == []
    record = store.directory()["lync"]["trusted_application_pools"][0]
    assert (record["RequiresReplication"], record["ThrottleAsServer"], record["TreatAsAuthenticated"], record["computers"]) == (
        True, True, True, ["ex.contoso.lab"])
    _out, errors, ids = _run(store, SFB + "New-CsTrustedApplicationPool -Identity EX.contoso.lab -Registrar ocspool.contoso.lab -Site 1")
    assert "already exists" in errors[0] and ids[0].startswith("DuplicateTrustedApplicationPool,")
    for site, said in (("site:Contoso", "Cannot find site"), ("Dublin", "Cannot find site")):
        _out, errors, _ids = _run(store, SFB + f"New-CsTrustedApplicationPool -Identity b.contoso.lab -Registrar ocspool.contoso.lab -Site {site}")
        assert said in errors[0]
    _out, errors, _ids = _run(store, SFB + "New-CsTrustedApplicationPool -Identity c.contoso.lab -Registrar ocspool.contoso.lab")
    assert "Site parameter is required" in errors[0]
    _out, errors, _ids = _run(store, SFB + "New-CsTrustedApplicationPool -Identity d.contoso.lab -Registrar nopool.contoso.lab -Site 1")
    assert "Registrar" in errors[0]
    assert len(store.directory()["lync"]["trusted_application_pools"]) == 1


def test_applications_need_their_pool_and_a_free_port_and_go_with_it(tmp_path: Path) -> None:
    store = _store(tmp_path)
    _out, errors, _ids = _run(store, SFB + NEW_APP)
    assert "Cannot find trusted application pool" in errors[0]
    _out, errors, _ids = _run(store, SFB + NEW_POOL + NEW_APP + NEW_APP
                              + "New-CsTrustedApplication -ApplicationId Other -TrustedApplicationPoolFqdn cas01.contoso.lab -Port 5199")
    assert "already exists" in errors[0] and "Port 5199 is already used" in errors[1]
    out, errors, _ids = _run(store, SFB + "(Get-CsTrustedApplication -Identity cas01.contoso.lab/OutlookWebApp).Port\n"
                                          "Set-CsTrustedApplication -Identity cas01.contoso.lab/urn:application:OutlookWebApp -Port 5200\n"
                                          "(Get-CsTrustedApplication -Identity cas01.contoso.lab/OutlookWebApp).Port\n"
                                          "Remove-CsTrustedApplicationPool -Identity cas01.contoso.lab\n"
                                          "@(Get-CsTrustedApplication).Count")
    assert errors == [] and out == [5199, 5200, 0]
    assert store.directory()["lync"]["trusted_applications"] == []


def test_errors_are_terminating_under_stop_and_what_if_changes_nothing(tmp_path: Path) -> None:
    store = _store(tmp_path)
    out, _errors, _ids = _run(store, SFB + "try { Remove-CsTrustedApplication -Identity x.contoso.lab/OutlookWebApp -ErrorAction Stop; 'no' }"
                                           " catch { 'caught' }\n" + NEW_POOL.replace("| Out-Null", "-WhatIf"))
    assert out[0] == "caught"
    assert store.directory()["lync"]["trusted_application_pools"] == [] and store.directory()["lync"]["published"] is True


@pytest.mark.parametrize("product", sorted(lync.PRODUCTS))
def test_the_inventory_lists_the_front_end_apart_from_the_cas_servers(tmp_path: Path, product: str) -> None:
    store = _store(tmp_path, product)
    with store.edit("lab.json") as lab:
        lab.update(servers=["CAS01"], front_ends=["FE01"], user="administrator", credentials={"administrator": "x"},
                   ports={"CAS01": {"https": 1, "http": 2, "owa": 3}, "FE01": {"https": 4, "http": 5}})
    cli.write_inventory(store, tmp_path / "inventory.yml")
    groups = yaml.safe_load((tmp_path / "inventory.yml").read_text())["all"]["children"]
    assert list(groups) == ["cas_servers", "ocs_front_ends"] and list(groups["cas_servers"]["hosts"]) == ["cas01.contoso.lab"]
    assert groups["ocs_front_ends"]["hosts"]["fe01.contoso.lab"]["ansible_port"] == 4
    assert groups["ocs_front_ends"]["vars"]["owa_lab_front_end_pool"] == "ocspool.contoso.lab"
    assert lync.host_version(store, "FE01").ps_version == lync.PRODUCTS[product].ps_version
