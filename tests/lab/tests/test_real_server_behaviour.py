"""The lab behaves as a real Exchange 2010 server does where issue #14 found the collection too trusting.

These run one command at a time through the lab's own entry point (owa_lab.process.run: a command line, its standard
input and the shell's code page, as the WinRM shell hands them over), on a lab state built in a temporary folder; the
source of each behaviour is in tests/lab/README.md and docs/verified_on_paper.md.
"""

from __future__ import annotations

import base64
import hashlib
import time
from pathlib import Path

import pytest

from owa_lab import files, organisation, process
from owa_lab.exchange.cmdlets import Session
from owa_lab.exchange.versions import VERSIONS
from owa_lab.store import Store

SNAPIN = "Add-PSSnapin Microsoft.Exchange.Management.PowerShell.E2010\n"


def _session(tmp_path: Path, version: str = "2010sp1", auth: str = "ntlm") -> Session:
    store = Store(tmp_path / "state")
    organisation.build(store, 1, version)
    with store.edit("lab.json") as lab:
        lab["hung_process_seconds"] = 0.2
    return Session(store, "CAS01", VERSIONS[version], auth, "administrator")


def _ps(session: Session, script: str, codepage: int = 437, stdin: bytes | None = None) -> tuple[bytes, bytes, int]:
    line = "powershell.exe -EncodedCommand " + base64.b64encode(script.encode("utf-16-le")).decode()
    return process.run(session, line, stdin, codepage)


def test_powershell_2_writes_a_byte_order_mark_under_code_page_65001(tmp_path: Path) -> None:
    session = _session(tmp_path)
    out, err, code = _ps(session, "'hi'; Write-Error 'bad'", 65001)
    assert out == b"\xef\xbb\xbfhi\r\n" and err.startswith(b"\xef\xbb\xbf#< CLIXML")
    out, _err, _code = _ps(session, "'hi'", 437)
    assert out == b"hi\r\n"
    later = _session(tmp_path / "2016", "2016")
    assert _ps(later, "'hi'", 65001)[0] == b"hi\r\n"   # .NET 4 consoles write no preamble
    assert _ps(session, "$null", 65001)[0] == b""       # nothing written, no preamble


def test_unc_paths_are_out_of_reach_without_delegation(tmp_path: Path) -> None:
    session = _session(tmp_path)
    share = organisation.SHARE + "\\CWAOWASSPMain.msi"
    out, _err, _code = _ps(session, f"Test-Path '{share}'; try {{ Get-Item -LiteralPath '{organisation.SHARE}' -ErrorAction Stop }} "
                                    f"catch {{ $_.Exception.GetType().FullName; $_.Exception.Message }}")
    assert out.decode().split("\r\n")[:3] == ["False", "System.UnauthorizedAccessException", "Access is denied"]
    _out, err, _code = _ps(session, f"Get-Content '{share}'")
    assert b"is denied." in err
    assert process.run(session, f"msiexec /i {share} /qn", None, 437)[2] == 1619
    # The same share from a session that delegates (Kerberos with a forwarded ticket, CredSSP) is read; from Kerberos
    # without a delegated ticket it is not (the listener's session_auth names these logons).
    for auth, reached in (("kerberos-delegated", b"True\r\n"), ("credssp", b"True\r\n"), ("kerberos", b"False\r\n")):
        assert _ps(Session(session.store, "CAS01", session.version, auth, "administrator"), f"Test-Path '{share}'")[0] == reached, auth


def test_vcredist_2008_knows_q_and_qb_and_never_ends_on_anything_else(tmp_path: Path) -> None:
    session = _session(tmp_path)
    files.write(session, "C:\\i\\vcredist_x64.exe", {"package": "vcredist_x64"})
    started = time.time()
    out, err, code = process.run(session, '"C:\\i\\vcredist_x64.exe" /q /norestart /log "C:\\v.log"', None, 437)
    assert code == 259 and b"does not know the switch /norestart" in err and b"owa-lab" in err
    assert time.time() - started < 5
    out, err, code = _ps(session, "$p = Start-Process -FilePath 'C:\\i\\vcredist_x64.exe' -ArgumentList '/passive' -PassThru; "
                                  "$p.WaitForExit(600000); $p.HasExited; $p.Kill(); $p.HasExited; $p.ExitCode")
    assert out.decode().split("\r\n")[:4] == ["False", "False", "True", "-1"]
    _out, err, code = _ps(session, "Start-Process -FilePath 'C:\\i\\vcredist_x64.exe' -Wait")   # the wizard
    assert code == 259 and b"setup wizard" in err
    assert process.run(session, '"C:\\i\\vcredist_x64.exe" /q', None, 437)[2] == 0
    names = [p["DisplayName"] for p in session.store.host("CAS01")["products"].values()]
    assert names == ["Microsoft Visual C++ 2008 Redistributable - x64 9.0.30729.4148"]


def test_certificate_domains_is_enumerable_but_not_an_array_and_services_a_flags_enum(tmp_path: Path) -> None:
    session = _session(tmp_path)
    out, _err, code = _ps(session, SNAPIN + "$c = @(Get-ExchangeCertificate)[0]; $c.CertificateDomains -is [array]; "
                                            "$c.CertificateDomains -is [Collections.IEnumerable]; @($c.CertificateDomains).Count; "
                                            "[string]$c.Services; $c.Services -is [Collections.IEnumerable]")
    assert code == 0 and out.decode().split("\r\n")[:5] == ["False", "True", "2", "IMAP, POP, IIS, SMTP", "False"]


def test_exchange_not_found_is_terminating(tmp_path: Path) -> None:
    session = _session(tmp_path)
    out, _err, code = _ps(session, SNAPIN + "try { Get-ExchangeCertificate -Thumbprint ABCD -ErrorAction SilentlyContinue; 'not here' } "
                                            "catch { $_.Exception.GetType().FullName; $_.Exception.Message }")
    lines = out.decode().split("\r\n")
    assert lines[0] == "System.InvalidOperationException" and "The certificate with thumbprint ABCD was not found." in lines[1]
    out, _err, _code = _ps(session, SNAPIN + "try { Get-OwaVirtualDirectory -Identity 'CAS01\\nothing' -ErrorAction SilentlyContinue } "
                                            "catch { $_.Exception.GetType().FullName }")
    assert out.decode().startswith("Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException")


def test_parameters_per_version(tmp_path: Path) -> None:
    sp1 = _session(tmp_path)
    _out, err, code = _ps(sp1, SNAPIN + "Get-OwaVirtualDirectory -ADPropertiesOnly")
    assert code == 1 and b"A parameter cannot be found that matches parameter name 'ADPropertiesOnly'" in err
    out, _err, _code = _ps(sp1, SNAPIN + "(Get-Command Get-OwaVirtualDirectory).Parameters.ContainsKey('ADPropertiesOnly')")
    assert out == b"False\r\n"
    assert _ps(sp1, SNAPIN + "Set-OwaVirtualDirectory 'owa (Default Web Site)' -InstantMessagingType Msn")[2] == 0
    sp3 = _session(tmp_path / "sp3", "2010sp3")
    assert _ps(sp3, SNAPIN + "@(Get-OwaVirtualDirectory -ADPropertiesOnly).Count")[0] == b"1\r\n"
    assert b"ShowMailboxVirtualDirectories" in _ps(sp3, SNAPIN + "Get-OwaVirtualDirectory -ShowMailboxVirtualDirectories")[1]


def test_get_content_reads_bom_less_files_as_ansi(tmp_path: Path) -> None:
    session = _session(tmp_path)
    files.write(session, "C:\\t\\plain.txt", "Zürich")
    files.write(session, "C:\\t\\bom.txt", {"text": "\ufeffZürich", "encoding": "utf-8"})
    out, _err, _code = _ps(session, "Get-Content 'C:\\t\\plain.txt'; Get-Content 'C:\\t\\plain.txt' -Encoding UTF8; Get-Content 'C:\\t\\bom.txt'",
                           65001)
    assert out.decode("utf-8").lstrip("\ufeff").split("\r\n")[:3] == ["ZÃ¼rich", "Zürich", "Zürich"]


def test_exchange_install_path_can_be_missing_and_the_registry_still_knows(tmp_path: Path) -> None:
    session = _session(tmp_path)
    with session.store.edit_host("CAS01") as host:
        host["exchange_install_path_missing"] = True
    out, err, _code = _ps(session, "[string]$env:ExchangeInstallPath; "
                                   "(Get-ItemProperty 'HKLM:\\SOFTWARE\\Microsoft\\ExchangeServer\\v14\\Setup').MsiInstallPath; "
                                   "Join-Path $env:ExchangeInstallPath 'x'")
    assert out.decode().split("\r\n")[:2] == ["", "C:\\Program Files\\Microsoft\\Exchange Server\\V14\\"]
    assert b"Cannot bind argument to parameter 'Path' because it is null." in err


def test_dot_sourcing_keeps_the_callers_input_and_a_broken_foreach_leaves_the_rest(tmp_path: Path) -> None:
    session = _session(tmp_path)
    script = (". { param() }\n$first = $null\nforeach ($l in $input) { $first = $l; break }\n$first\n"
              "& { param($Rest) foreach ($r in $Rest) { \"rest: $r\" } } $input")
    out, _err, _code = _ps(session, script, stdin=b"a\r\nb\r\nc\r\n")
    assert out.decode().split("\r\n")[:3] == ["a", "rest: b", "rest: c"]


def test_file_writes_and_sha1_through_dotnet(tmp_path: Path) -> None:
    session = _session(tmp_path)
    data = b"x" * 100_000
    chunk = base64.b64encode(data).decode()
    # The data on standard input: a command line that long would meet cmd.exe's 8,191 characters.
    script = ("[void][IO.Directory]::CreateDirectory('C:\\s'); $f = [IO.File]::Open('C:\\s\\a.part', [IO.FileMode]::Create, "
              "[IO.FileAccess]::Write); foreach ($l in $input) { $b = [Convert]::FromBase64String($l); $f.Write($b, 0, $b.Length) }; $f.Close(); "
              "$r = [IO.File]::OpenRead('C:\\s\\a.part'); [BitConverter]::ToString([Security.Cryptography.SHA1]::Create().ComputeHash($r)); "
              "$r.Close(); [IO.File]::Move('C:\\s\\a.part', 'C:\\s\\a.bin'); Test-Path 'C:\\s\\a.bin'")
    out, err, code = _ps(session, script, stdin=chunk.encode("ascii") + b"\r\n")
    digest = "-".join(f"{b:02X}" for b in hashlib.sha1(data).digest())
    assert code == 0 and out.decode().split("\r\n")[:2] == [digest, "True"], err
    assert files.read_bytes(session, "C:\\s\\a.bin") == data


@pytest.mark.parametrize("version", ["2010sp1", "2016"])
def test_uploaded_package_bytes_are_known_by_content(tmp_path: Path, version: str) -> None:
    session = _session(tmp_path, version)
    files.write_bytes(session, "C:\\u\\renamed.msi", files.package_bytes("ucmaredist"))
    assert process.run(session, 'msiexec /i "C:\\u\\renamed.msi" /qn', None, 437)[2] == 0


def test_cmd_refuses_a_command_line_over_8191_characters(tmp_path: Path) -> None:
    """KB 830473: cmd.exe, which starts every command of a WinRM command shell, takes at most 8,191 characters."""
    session = _session(tmp_path)
    prefix = "powershell.exe -NoProfile -EncodedCommand "
    script = base64.b64encode("'ok'".encode("utf-16-le")).decode("ascii")
    padding = " " * (8191 - len(prefix) - len(script))
    out, err, code = process.run(session, prefix + script + padding)
    assert (code, out.strip()) == (0, b"ok")
    out, err, code = process.run(session, prefix + script + padding + " ")
    assert (code, out, err) == (1, b"", b"The command line is too long.\r\n")
