"""PowerShell remoting (MS-PSRP) on the lab's CAS servers, driven by pypsrp as Ansible's psrp connection drives it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any, Iterator

import pytest
import yaml
from pypsrp.exceptions import InvalidPSRPOperation, WSManFaultError
from pypsrp.host import PSHost, PSHostUserInterface
from pypsrp.powershell import PowerShell, PSInvocationState, RunspacePool
from pypsrp.wsman import WSMan

PASSWORD = "Lab-Passw0rd!"


class Server:
    def __init__(self, state: Path) -> None:
        self.state = state
        inventory = yaml.safe_load((state / "inventory.yml").read_text())["all"]["children"]["cas_servers"]
        self.vars = inventory["vars"]
        self.host = next(iter(inventory["hosts"].values()))

    def wsman(self, scheme: str = "https", encryption: str = "auto") -> WSMan:
        https = scheme == "https"
        port = self.host["ansible_port"] if https else self.host["owa_lab_http_port"]
        ca = self.vars.get("ansible_psrp_ca_cert") or self.vars.get("ansible_winrm_ca_trust_path")
        return WSMan("127.0.0.1", port=port, username="administrator", password=PASSWORD, ssl=https, auth="ntlm",
                     cert_validation=ca if https else False, encryption=encryption, operation_timeout=10, read_timeout=20)

    def log(self) -> list[dict[str, Any]]:
        out = subprocess.run([sys.executable, "-m", "owa_lab.cli", "--state", str(self.state), "log", "--json"],
                             capture_output=True, text=True, check=True).stdout
        return [json.loads(line) for line in out.splitlines()]


def _lab(state: Path, version: str, connection: str) -> Iterator[Server]:
    subprocess.run([sys.executable, "-m", "owa_lab.cli", "--state", str(state), "up", "--servers", "1", "--version", version,
                    "--password", PASSWORD, "--connection", connection], check=True, capture_output=True)
    try:
        yield Server(state)
    finally:
        subprocess.run([sys.executable, "-m", "owa_lab.cli", "--state", str(state), "down"], capture_output=True)


@pytest.fixture(scope="module")
def lab2016(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from _lab(tmp_path_factory.mktemp("psrp2016"), "2016", "psrp")


@pytest.fixture(scope="module")
def lab2010(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from _lab(tmp_path_factory.mktemp("psrp2010"), "2010sp1", "winrm")


def _host() -> PSHost:
    # Ansible's psrp connection keeps the rc from the host's SetShouldExit in the same way.
    return PSHost(None, None, False, "owa-lab test host", None, PSHostUserInterface(), None)


def _refused(server: Server, monkeypatch: pytest.MonkeyPatch, protocol: str) -> WSManFaultError:
    """The fault a client declaring ``protocol`` (in the Create option and its SESSION_CAPABILITY) gets."""
    import pypsrp.powershell as pypsrp_powershell
    monkeypatch.setattr(pypsrp_powershell, "PROTOCOL_VERSION", protocol)
    with pytest.raises(WSManFaultError) as caught:
        RunspacePool(server.wsman(), host=_host()).open()
    return caught.value


SCRIPT = """param([string]$Name = 'nobody', [int]$Code = 0)
"hello $Name"
$env:COMPUTERNAME
foreach ($line in $input) { "input: $line" }
Write-Error "something failed for $Name"
exit $Code
"""


def test_inventory_uses_psrp(lab2016: Server) -> None:
    assert lab2016.vars["ansible_connection"] == "psrp"
    assert lab2016.vars["ansible_psrp_auth"] == "ntlm"
    assert lab2016.vars["ansible_psrp_protocol"] == "https"
    assert lab2016.vars["ansible_psrp_cert_validation"] == "validate"
    assert Path(lab2016.vars["ansible_psrp_ca_cert"]).is_file()
    assert "ansible_winrm_transport" not in lab2016.vars


def test_script_with_parameters_input_exit_code_and_error(lab2016: Server) -> None:
    host = _host()
    with RunspacePool(lab2016.wsman(), host=host) as pool:
        assert (pool.protocol_version, pool.ps_version) == ("2.3", "2.0")
        ps = PowerShell(pool)
        ps.add_script(SCRIPT, use_local_scope=True).add_parameter("Name", "world").add_parameter("Code", 7)
        output = ps.invoke(input=["first", "second"])
        assert output == ["hello world", "CAS01", "input: first", "input: second"]
        assert host.rc == 7
        assert ps.state == PSInvocationState.COMPLETED
        assert not ps.had_errors  # a non-terminating error leaves the pipeline Completed
        [error] = ps.streams.error
        assert str(error) == "something failed for world"
        assert error.fq_error == "Microsoft.PowerShell.Commands.WriteErrorException"
        assert error.command_name == "Write-Error"
        assert error.message == "NotSpecified: (:) [Write-Error], WriteErrorException"


def test_terminating_error_fails_the_pipeline(lab2016: Server) -> None:
    host = _host()
    with RunspacePool(lab2016.wsman(), host=host) as pool:
        ps = PowerShell(pool)
        ps.add_script("'before'\nthrow 'it broke'\n'after'", use_local_scope=True)
        assert ps.invoke() == ["before"]
        assert ps.state == PSInvocationState.FAILED
        assert ps.had_errors
        assert [str(e) for e in ps.streams.error] == ["it broke"]
        assert host.rc is None  # no exit, no SetShouldExit: Ansible takes 1 from had_errors


def test_runspace_state_persists_but_local_scope_does_not(lab2016: Server) -> None:
    with RunspacePool(lab2016.wsman(), host=_host()) as pool:
        first = PowerShell(pool)
        first.add_script("$env:OWA_LAB_MARK = 'kept'\n$ErrorActionPreference = 'Stop'\n$local = 'gone'\nfunction Get-Mark { 'f' }",
                         use_local_scope=True)
        first.invoke()
        second = PowerShell(pool)
        second.add_script("$env:OWA_LAB_MARK\n$ErrorActionPreference\n[string]($null -eq $local)\n"
                          "try { Get-Mark } catch { 'no Get-Mark' }", use_local_scope=True)
        assert second.invoke() == ["kept", "Continue", "True", "no Get-Mark"]
        # Without local scope a script runs in the global scope, as if dot-sourced: its variables stay.
        third = PowerShell(pool)
        third.add_script("$global_mark = 'stays'", use_local_scope=False)
        third.invoke()
        fourth = PowerShell(pool)
        fourth.add_script("$global_mark", use_local_scope=True)
        assert fourth.invoke() == ["stays"]


def test_message_encryption_over_http(lab2016: Server) -> None:
    host = _host()
    with RunspacePool(lab2016.wsman("http", encryption="always"), host=host) as pool:
        ps = PowerShell(pool)
        ps.add_script(SCRIPT, use_local_scope=True).add_parameter("Code", 3)
        assert ps.invoke(input=["x"]) == ["hello nobody", "CAS01", "input: x"]
        assert host.rc == 3


def test_large_output_spans_several_receives(lab2016: Server) -> None:
    with RunspacePool(lab2016.wsman(), host=_host()) as pool:
        ps = PowerShell(pool)
        ps.add_script("for ($i = 1; $i -le 4000; $i++) { 'line ' + $i + ' ' + ('x' * 100) }", use_local_scope=True)
        output = ps.invoke()
        assert len(output) == 4000 and output[-1].startswith("line 4000 ")


def test_byte_array_input_stays_a_byte_array(lab2016: Server) -> None:
    # bytes sent as pipeline input are serialised as <BA> (byte[]); [string] of a byte[] joins its numbers with spaces.
    with RunspacePool(lab2016.wsman(), host=_host()) as pool:
        ps = PowerShell(pool)
        ps.add_script("foreach ($item in $input) { [string]$item }", use_local_scope=True)
        assert ps.invoke(input=[b"ab c", "ab c"]) == ["97 98 32 99", "ab c"]


def test_command_by_name_with_parameters(lab2016: Server) -> None:
    with RunspacePool(lab2016.wsman(), host=_host()) as pool:
        ps = PowerShell(pool)
        ps.add_cmdlet("Write-Output").add_parameter("InputObject", "from a command")
        assert ps.invoke() == ["from a command"]


def test_log_shows_psrp_pipelines(lab2016: Server) -> None:
    with RunspacePool(lab2016.wsman(), host=_host()) as pool:
        ps = PowerShell(pool)
        ps.add_script("'logged'", use_local_scope=True)
        ps.invoke(input=["one"])
    entries = lab2016.log()
    runs = [e for e in entries if e["event"] == "powershell" and e.get("script") == "'logged'"]
    assert runs and runs[-1]["transport"] == "psrp"
    assert runs[-1]["ps_version"] == 5.1 and runs[-1]["auth"] == "ntlm" and runs[-1]["input_types"] == ["String"]
    assert any(e["event"] == "pipeline-end" and e["pipeline_id"] == runs[-1]["pipeline_id"] and e["state"] == "Completed"
               for e in entries)
    assert any(e["event"] == "psrp-close" and e["shell_id"] == runs[-1]["shell_id"] for e in entries)


def test_protocol_2_0_client_refused_by_a_2_3_server(lab2016: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    # The server's negotiation needs the client's minor protocol version at least its own.
    fault = _refused(lab2016, monkeypatch, "2.0")
    assert fault.code == 2152991685
    assert 'ServerProtocolVersion="2.3"' in fault.message


# ----- Exchange 2010: Windows PowerShell 2.0 (PSRP protocol 2.1) -----------------------------------------------------
def test_powershell_2_server_accepts_pypsrp_at_protocol_2_1(lab2010: Server) -> None:
    host = _host()
    with RunspacePool(lab2010.wsman(), host=host) as pool:
        assert (pool.protocol_version, pool.ps_version) == ("2.1", "2.0")
        ps = PowerShell(pool)
        ps.add_script("$PSVersionTable.PSVersion.Major\nexit 4", use_local_scope=True)
        assert ps.invoke() == [2]
        assert host.rc == 4
        # PowerShell 2.0's language: -in came with 3.0, so the script does not parse.
        ps = PowerShell(pool)
        ps.add_script("'a' -in @('a')", use_local_scope=True)
        ps.invoke()
        assert ps.state == PSInvocationState.FAILED
        assert "Unexpected token '-in'" in str(ps.streams.error[0])


def test_powershell_2_server_refuses_what_needs_protocol_2_2(lab2010: Server) -> None:
    # pypsrp itself refuses stream merges that protocol 2.1 lacks.
    with RunspacePool(lab2010.wsman(), host=_host()) as pool:
        ps = PowerShell(pool)
        ps.add_script("Write-Warning 'w'")
        with pytest.raises(InvalidPSRPOperation, match="minimum version required 2.2"):
            ps.merge_warning("output")


def test_powershell_2_server_refuses_protocol_major_3(lab2010: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    # MS-PSRP 3.2.5.3.1: a protocolversion whose major version is not 2 gets a fault with code 2152991685.
    fault = _refused(lab2010, monkeypatch, "3.0")
    assert fault.code == 2152991685
    assert 'ServerProtocolVersion="2.1"' in fault.message


def test_write_host_reaches_the_client_host(lab2016: Server) -> None:
    host = _host()
    with RunspacePool(lab2016.wsman(), host=host) as pool:
        ps = PowerShell(pool)
        ps.add_script("Write-Host 'to the host'\n'to the output'", use_local_scope=True)
        assert ps.invoke() == ["to the output"]
        assert host.ui.stdout == ["to the host\r\n"]  # pypsrp's WriteLine adds the line break
