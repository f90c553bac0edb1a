"""The lab's network as a CAS's PowerShell sees it: DNS, outbound TCP, Windows Firewall's inbound rules, and faults."""

from __future__ import annotations

from pathlib import Path

from owa_lab import organisation
from owa_lab.exchange.cmdlets import Session
from owa_lab.exchange.versions import VERSIONS
from owa_lab.process import new_engine
from owa_lab.store import Store

CONNECT = r"""
foreach ($port in @(5061, 5075)) {
    $client = New-Object System.Net.Sockets.TcpClient
    try {
        $pending = $client.BeginConnect('{name}', $port, $null, $null)
        if ($pending.AsyncWaitHandle.WaitOne(300, $false)) { $client.EndConnect($pending); "$port connected " + $client.Connected }
        else { "$port no answer" }
    }
    catch { "$port " + $_.Exception.Message }
    finally { $client.Close() }
}
"""
FIREWALL = r"""
$policy = New-Object -ComObject HNetCfg.FwPolicy2
$policy.CurrentProfileTypes
$policy.FirewallEnabled(1)
@($policy.Rules | Where-Object { $_.LocalPorts -eq '5075' -and $_.Direction -eq 1 -and $_.Enabled }) | ForEach-Object { $_.Name }
"""


def _session(tmp_path: Path, faults: dict | None = None) -> Session:
    store = Store(tmp_path / "state")
    organisation.build(store, 2, "2010sp1")
    if faults:
        store.write("faults.json", {"CAS01": faults})
    return Session(store, "CAS01", VERSIONS["2010sp1"], "ntlm", "administrator")


def _run(session: Session, script: str) -> list[str]:
    engine = new_engine(session)
    code, output = engine.run(script, [])
    assert code == 0 and not engine.errors, [e.message for e in engine.errors]
    return [str(item) for item in output]


def test_the_zone_resolves_the_organisations_names_and_nothing_else(tmp_path: Path) -> None:
    session = _session(tmp_path)
    script = ("foreach ($n in @('ocspool.contoso.lab', 'CAS02.contoso.lab.', 'dc01.contoso.lab', 'ocs.example.com')) { "
              "try { [string]([System.Net.Dns]::GetHostAddresses($n))[0] } catch { $_.Exception.Message } }")
    assert _run(session, script) == ["10.0.1.10", "10.0.0.2", "10.0.0.250",
                                     'Exception calling "GetHostAddresses" with "1" argument(s): "No such host is known"']


def test_the_pool_listens_on_sip_ports_only(tmp_path: Path) -> None:
    lines = _run(_session(tmp_path), CONNECT.replace("{name}", "ocspool.contoso.lab"))
    assert lines == ["5061 connected True", '5075 Exception calling "EndConnect" with "1" argument(s): "No connection could be made '
                     'because the target machine actively refused it 10.0.1.10:5075"']


def test_a_blocked_port_never_answers_and_an_unresolvable_name_fails_to_connect(tmp_path: Path) -> None:
    blocked = _run(_session(tmp_path / "a", {"blocked_ports": "5061"}), CONNECT.replace("{name}", "ocspool.contoso.lab"))
    assert blocked[0] == "5061 no answer"
    unresolved = _run(_session(tmp_path / "b", {"unresolvable": "ocspool.contoso.lab"}), CONNECT.replace("{name}", "ocspool.contoso.lab"))
    assert unresolved[0] == '5061 Exception calling "BeginConnect" with "4" argument(s): "No such host is known"'


def test_the_firewall_has_the_connect_back_rule_until_the_fault_takes_it(tmp_path: Path) -> None:
    assert _run(_session(tmp_path / "a"), FIREWALL) == ["1", "True", "OCS connect-back to OWA (TCP 5075)"]
    assert _run(_session(tmp_path / "b", {"no_connect_back_rule": True}), FIREWALL) == ["1", "True"]


def test_a_com_class_the_lab_lacks_says_so_in_its_own_words(tmp_path: Path) -> None:
    engine = new_engine(_session(tmp_path))
    _code, _output = engine.run("New-Object -ComObject WScript.Shell", [])
    assert any("owa-lab does not emulate the COM class WScript.Shell" in e.message for e in engine.errors)
