"""One command a WinRM shell runs: a command line in, stdout, stderr and an exit code out.

``powershell.exe -EncodedCommand`` runs the PowerShell engine with Exchange's snap-in cmdlets on
offer; other programs (``iisreset``, ``appcmd``, ``cmd /c``) are Windows programs the lab emulates.
Errors reach stderr as CLIXML records, as powershell.exe writes them under WinRM.
"""

from __future__ import annotations

import base64
import datetime as dt
import shlex
import time
from typing import Any
from xml.sax.saxutils import escape

from . import dotnet, lync, network, ocs, windows_security
from .exchange.cmdlets import Session, snapin_cmdlets, types
from .installers import NeverExits, hung_seconds
from .powershell.builtins import core_cmdlets
from .powershell.engine import Engine
from .powershell.formatting import render
from .powershell.values import ParseError, RuntimeError_, to_string
from .windows import find_program, program_name
from .windows_cmdlets import windows_cmdlets

# cmd.exe, which starts every command of a WinRM command shell, takes at most 8,191 characters on its command line
# (Microsoft, "Command prompt (Cmd. exe) command-line string limitation", KB 830473); a longer one never runs.
COMMAND_LINE_LIMIT = 8191
_TOO_LONG = "The command line is too long.\r\n"

_NOT_RECOGNISED = ("'{0}' is not recognized as an internal or external command,\r\n"
                   "operable program or batch file.\r\n")


def split_command_line(line: str) -> list[str]:
    try:
        return shlex.split(line, posix=False)
    except ValueError:
        return line.split()


def codec(codepage: int) -> str:
    """The Python codec of a Windows console code page (65001 is UTF-8; the lab's English servers use 437 otherwise)."""
    return {65001: "utf-8", 1252: "cp1252", 850: "cp850"}.get(codepage, "cp437")


# Under code page 65001, .NET Framework 2.0's Console encodes with Encoding.UTF8, whose preamble is the byte order mark,
# and the StreamWriter over a redirected stream writes that preamble before its first output: powershell.exe 2.0
# (Windows Server 2008 R2) starts what it writes to stdout and stderr with EF BB BF (ansible/ansible#14077;
# dotnet/runtime#28929). .NET 4.x consoles (PowerShell 3.0 and later) write no preamble.
UTF8_BOM = b"\xef\xbb\xbf"


def console_bytes(text: str, codepage: int, ps_version: float) -> bytes:
    """What powershell.exe writes to a redirected stream for ``text`` (nothing written, no preamble)."""
    if not text:
        return b""
    data = text.encode(codec(codepage), errors="replace")
    return UTF8_BOM + data if codepage == 65001 and ps_version < 3 else data


def run(session: Session, command_line: str, stdin: bytes | None = None, codepage: int = 437) -> tuple[bytes, bytes, int]:
    """Run one command line as a WinRM command shell does; ``stdin`` is the piped input, when the client sent one."""
    session.store.log(session.server, "command", command_line=_loggable(command_line), user=session.user, auth=session.auth,
                      length=len(command_line), stdin_bytes=len(stdin) if stdin is not None else None)
    if len(command_line) > COMMAND_LINE_LIMIT:
        session.store.log(session.server, "exit", program="cmd", exit_code=1, seconds=0.0)
        return b"", _TOO_LONG.encode("ascii"), 1
    words = split_command_line(command_line)
    if not words:
        return b"", b"", 0
    name = program_name(words[0])
    started = time.time()
    if name == "powershell":
        stdout, stderr, code = _powershell(session, words[1:], stdin, codepage)
    elif name == "cmd":
        rest = words[1:]
        while rest and rest[0].lower() in ("/c", "/q", "/d", "/s", "/k"):
            rest = rest[1:]
        return run(session, " ".join(rest), stdin, codepage) if rest else (b"", b"", 0)
    elif (program := find_program(session, words[0])) is not None:
        try:
            code, lines = program(session, [w.strip('"') for w in words[1:]])
            stdout, stderr = "".join(line + "\r\n" for line in lines).encode("utf-8"), b""
        except NeverExits as never:
            stdout, stderr, code = b"", _never_exits(session, never), 259
    else:
        stdout, stderr, code = b"", _NOT_RECOGNISED.format(words[0]).encode("utf-8"), 1
    session.store.log(session.server, "exit", program=name, exit_code=code, seconds=round(time.time() - started, 3),
                      stdout_bom=stdout.startswith(UTF8_BOM))
    return stdout, stderr, code


def _never_exits(session: Session, never: NeverExits, waited: bool = False) -> bytes:
    seconds = hung_seconds(session)
    if not waited:
        time.sleep(seconds)
    session.store.log(session.server, "never-exits", program=never.program, reason=never.reason, seconds=seconds)
    return (never.message(seconds) + "\r\n").encode("utf-8")


def _loggable(command_line: str) -> str:
    return command_line if len(command_line) < 4000 else command_line[:4000] + "..."


def _powershell_script(arguments: list[str]) -> str | None:
    index = 0
    while index < len(arguments):
        word = arguments[index].lower().lstrip("-/")
        if word in ("encodedcommand", "enc", "e", "ec") and index + 1 < len(arguments):
            return base64.b64decode(arguments[index + 1]).decode("utf-16-le")
        if word in ("command", "c") and index + 1 < len(arguments):
            return " ".join(a.strip('"') for a in arguments[index + 1:])
        if word in ("executionpolicy", "ep", "inputformat", "outputformat", "windowstyle", "version"):
            index += 2
            continue
        index += 1
    return None


def new_engine(session: Session, clock: Any = None) -> Engine:
    commands = dict(core_cmdlets())
    commands.update(snapin_cmdlets())
    commands.update(windows_cmdlets())
    commands.update(windows_security.cmdlets())
    # Import-Module and Get-Module for the Lync / Skype for Business management module (a Front End's only).
    commands.update(lync.module_cmdlets())
    # Get-WmiObject, Set-WmiInstance and Remove-WmiObject for OCS 2007 R2's Host Authorization (MSFT_SIPRemoteAddressData).
    commands.update(ocs.wmi_cmdlets())
    environment = {"COMPUTERNAME": session.server, "USERNAME": session.user.split("\\")[-1],
                   "USERDOMAIN": "CONTOSO", "ExchangeInstallPath": session.version.install_path + "\\",
                   "windir": "C:\\Windows", "SystemRoot": "C:\\Windows", "TEMP": "C:\\Windows\\TEMP",
                   "ProgramData": "C:\\ProgramData"}
    if session.store.faults(session.server).get("no_exchange_install_path") or session.store.host(session.server).get(
            "exchange_install_path_missing"):
        # A WinRM service started before Exchange setup wrote the variable hands its shells the environment it started
        # with (services inherit services.exe's environment block, which setup does not refresh: KB 821761).
        environment.pop("ExchangeInstallPath")
    engine = Engine(session.version.ps_version, commands, environment, types(), _external_from_powershell(session))
    engine.statics.update(dotnet.statics(session))
    engine.statics.update(network.statics(session))
    engine.statics.update(windows_security.statics(session))
    engine.state["constructors"] = dict(network.constructors(session), **windows_security.constructors())
    engine.state["session"] = session
    engine.state["clock"] = clock or dt.datetime.now
    return engine


def _external_from_powershell(session: Session):
    def external(engine: Engine, name: str, words: list[str]) -> tuple[int, list[Any]] | None:
        program = find_program(session, name)
        if program is None:
            return None
        code, lines = program(session, words)
        return code, list(lines)
    return external


def _input_lines(stdin: bytes | None, codepage: int) -> list[str]:
    """What $input enumerates: the lines of the redirected standard input, read in the console's code page."""
    if not stdin:
        return []
    return stdin.decode(codec(codepage), errors="replace").splitlines()


def _powershell(session: Session, arguments: list[str], stdin: bytes | None = None, codepage: int = 437) -> tuple[bytes, bytes, int]:
    script = _powershell_script(arguments)
    if script is None:
        return b"", b"", 0
    if script == "-":
        message = "owa-lab does not emulate powershell.exe -Command - (a script read line by line from standard input)."
        return b"", _stderr(clixml_errors([message], []), session, codepage), 1
    lines = _input_lines(stdin, codepage)
    session.store.log(session.server, "powershell", script=script, ps_version=session.version.ps_version, input_lines=len(lines))
    engine = new_engine(session)
    try:
        code, output = engine.run(script, lines)
    except NeverExits as never:
        # Start-Process -Wait (or WaitForExit()) on a program that never ends: powershell.exe would never end either.
        return b"", _stderr(_never_exits(session, never, waited=True), session, codepage), 259
    except ParseError as problem:
        return b"", _stderr(clixml_errors([str(problem).replace("\n", "\r\n")], []), session, codepage), 1
    for entry in _cmdlets_ran(engine):
        session.store.log(session.server, "cmdlet", **entry)
    text = render(output)
    errors = [error_view(error) for error in engine.errors]
    stderr = clixml_errors(errors, engine.warnings) if errors or engine.warnings else b""
    return console_bytes(text, codepage, session.version.ps_version), _stderr(stderr, session, codepage), code


def _stderr(data: bytes, session: Session, codepage: int) -> bytes:
    # The CLIXML error records stay as the lab has always sent them (UTF-8); only the preamble follows the console rule.
    return UTF8_BOM + data if data and codepage == 65001 and session.version.ps_version < 3 else data


def _cmdlets_ran(engine: Engine) -> list[dict[str, Any]]:
    return engine.state.get("cmdlet_log", [])


def error_view(error: RuntimeError_) -> str:
    """PowerShell 2.0's default error view."""
    exception = error.exception_type.rsplit(".", 1)[-1]
    target = to_string(error.target)
    prefix = f"{error.command} : " if error.command else ""
    lines = [f"{prefix}{error.message}"]
    if error.position:
        lines.append(error.position)
    lines.append(f"    + CategoryInfo          : {error.category}: ({target}:{'String' if target else 'Object'}) [{error.command}], {exception}")
    lines.append(f"    + FullyQualifiedErrorId : {error.error_id}")
    lines.append(" ")
    return "\r\n".join(lines)


def _clixml_text(text: str) -> str:
    # MS-PSRP 2.2.5.3.2: control characters become _xHHHH_; an underscore is escaped only where it could be read as
    # the start of such an escape, that is before an "x" (Order_Details stays; Order_x0020_ becomes Order_x005F_x0020_).
    out = []
    for index, char in enumerate(text):
        if char in "\r\n\t" or ord(char) < 32 or ord(char) == 0x7F:
            out.append(f"_x{ord(char):04X}_")
        elif char == "_" and text[index + 1:index + 2] in ("x", "X"):
            out.append("_x005F_")
        else:
            out.append(escape(char))
    return "".join(out)


def clixml_errors(errors: list[str], warnings: list[str]) -> bytes:
    parts = ['#< CLIXML\r\n<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04">']
    for warning in warnings:
        parts.append(f'<S S="warning">{_clixml_text(warning)}_x000D__x000A_</S>')
    for error in errors:
        for line in error.split("\r\n"):
            parts.append(f'<S S="Error">{_clixml_text(line)}_x000D__x000A_</S>')
    parts.append("</Objs>")
    return "".join(parts).encode("utf-8")
