"""WS-Management's Windows Remote Shell (MS-WSMV): Create, Command, Send, Receive, Signal, Delete."""

from __future__ import annotations

import base64
import threading
import time
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Callable
from xml.sax.saxutils import escape

NS = {
    "s": "http://www.w3.org/2003/05/soap-envelope",
    "a": "http://schemas.xmlsoap.org/ws/2004/08/addressing",
    "w": "http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd",
    "rsp": "http://schemas.microsoft.com/wbem/wsman/1/windows/shell",
    "x": "http://schemas.xmlsoap.org/ws/2004/09/transfer",
    "p": "http://schemas.microsoft.com/wbem/wsman/1/wsman.xsd",
}
SHELL = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell"
ACTIONS = {
    "http://schemas.xmlsoap.org/ws/2004/09/transfer/Create": "create",
    "http://schemas.xmlsoap.org/ws/2004/09/transfer/Delete": "delete",
    f"{SHELL}/Command": "command",
    f"{SHELL}/Send": "send",
    f"{SHELL}/Receive": "receive",
    f"{SHELL}/Signal": "signal",
}
TIMED_OUT = 2150858793
SHELL_NOT_FOUND = 2150858843
DONE = f"{SHELL}/CommandState/Done"
RUNNING = f"{SHELL}/CommandState/Running"


class DropReply(Exception):
    """The command ran, but its reply is lost: the connection is cut where the answer would have gone."""


class Fault(Exception):
    def __init__(self, code: int, subcode: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.subcode = subcode
        self.reason = reason


@dataclass
class Command:
    command_id: str
    line: str
    stdout: bytearray = field(default_factory=bytearray)
    stderr: bytearray = field(default_factory=bytearray)
    exit_code: int | None = None
    done: threading.Event = field(default_factory=threading.Event)
    stdin: bytearray = field(default_factory=bytearray)
    # WINRS_CONSOLEMODE_STDIN=FALSE: stdin is a pipe the client writes with Send; the program reads it to its end.
    piped_stdin: bool = False
    stdin_closed: threading.Event = field(default_factory=threading.Event)
    drop_reply: bool = False


@dataclass
class Shell:
    shell_id: str
    user: str
    auth: str
    commands: dict[str, Command] = field(default_factory=dict)
    codepage: int = 437  # the OEM code page of an English Windows unless WINRS_CODEPAGE says otherwise


Runner = Callable[[Shell, str, bytes | None], tuple[bytes, bytes, int]]


class ShellService:
    """The shells of one server; ``runner`` executes a command line for a shell's user."""

    def __init__(self, machine: str, runner: Runner) -> None:
        self.machine = machine
        self.runner = runner
        self.shells: dict[str, Shell] = {}
        self.lock = threading.Lock()

    def handle(self, body: bytes, user: str, auth: str, before_receive: Callable[[], None] | None = None) -> bytes:
        root = ET.fromstring(body)
        header = root.find("s:Header", NS)
        action = header.findtext("a:Action", default="", namespaces=NS).strip()
        message_id = header.findtext("a:MessageID", default="", namespaces=NS).strip()
        timeout = _duration(header.findtext("w:OperationTimeout", default="PT20S", namespaces=NS))
        selector = header.find("w:SelectorSet/w:Selector[@Name='ShellId']", NS)
        shell_id = selector.text.strip() if selector is not None and selector.text else ""
        body_node = root.find("s:Body", NS)
        kind = ACTIONS.get(action)
        if kind is None:
            raise Fault(2150858771, "w:ActionNotSupported", f"The action {action} is not supported by the service.")
        options = {o.get("Name", "").upper(): (o.text or "").strip() for o in header.findall("w:OptionSet/w:Option", NS)}
        if kind == "create":
            return self._respond("http://schemas.xmlsoap.org/ws/2004/09/transfer/CreateResponse", message_id,
                                 self._create(user, auth, options))
        shell = self._shell(shell_id)
        if kind == "delete":
            with self.lock:
                self.shells.pop(shell.shell_id, None)
            return self._respond("http://schemas.xmlsoap.org/ws/2004/09/transfer/DeleteResponse", message_id, "")
        if kind == "command":
            return self._respond(f"{SHELL}/CommandResponse", message_id, self._command(shell, body_node, options))
        if kind == "send":
            return self._respond(f"{SHELL}/SendResponse", message_id, self._send(shell, body_node))
        if kind == "receive":
            if before_receive is not None:
                before_receive()
            return self._respond(f"{SHELL}/ReceiveResponse", message_id, self._receive(shell, body_node, timeout))
        return self._respond(f"{SHELL}/SignalResponse", message_id, self._signal(shell, body_node))

    def _shell(self, shell_id: str) -> Shell:
        with self.lock:
            shell = self.shells.get(shell_id)
        if shell is None:
            raise Fault(SHELL_NOT_FOUND, "w:InvalidSelectors",
                        f"The request for the Windows Remote Shell with ShellId {shell_id} failed because the shell was not found on "
                        "the server. Possible causes are: the specified ShellId is incorrect or the shell no longer exists on the "
                        "server. Provide the correct ShellId or create a new shell and retry the operation. ")
        return shell

    def _create(self, user: str, auth: str, options: dict[str, str]) -> str:
        shell_id = str(uuid.uuid4()).upper()
        shell = Shell(shell_id, user, auth)
        if options.get("WINRS_CODEPAGE", "").isdigit():
            shell.codepage = int(options["WINRS_CODEPAGE"])
        with self.lock:
            self.shells[shell_id] = shell
        return (f"<x:ResourceCreated><a:Address>http://{escape(self.machine)}/wsman</a:Address><a:ReferenceParameters>"
                f"<w:ResourceURI>http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd</w:ResourceURI>"
                f"<w:SelectorSet><w:Selector Name=\"ShellId\">{shell_id}</w:Selector></w:SelectorSet></a:ReferenceParameters>"
                f"</x:ResourceCreated><rsp:Shell><rsp:ShellId>{shell_id}</rsp:ShellId>"
                f"<rsp:ResourceUri>http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd</rsp:ResourceUri>"
                f"<rsp:Owner>{escape(user)}</rsp:Owner><rsp:InputStreams>stdin</rsp:InputStreams>"
                f"<rsp:OutputStreams>stdout stderr</rsp:OutputStreams></rsp:Shell>")

    def _command(self, shell: Shell, body: ET.Element, options: dict[str, str]) -> str:
        line_node = body.find("rsp:CommandLine", NS)
        command = (line_node.findtext("rsp:Command", default="", namespaces=NS) or "").strip()
        arguments = [a.text or "" for a in line_node.findall("rsp:Arguments", NS)]
        command_line = " ".join([command.strip('"') if " " not in command.strip('"') else command] + arguments).strip()
        command_id = str(uuid.uuid4()).upper()
        record = Command(command_id, command_line, piped_stdin=options.get("WINRS_CONSOLEMODE_STDIN", "TRUE").upper() == "FALSE")
        shell.commands[command_id] = record

        def work() -> None:
            stdin = None
            if record.piped_stdin:
                # The program reads its standard input to the end, which the client marks with End="true".
                record.stdin_closed.wait()
                stdin = bytes(record.stdin)
            try:
                stdout, stderr, code = self.runner(shell, command_line, stdin)
            except DropReply:
                stdout, stderr, code = b"", b"", 0
                record.drop_reply = True
            except Exception as exc:  # the lab must answer, whatever broke inside it
                stdout, stderr, code = b"", f"lab internal error: {exc!r}\r\n".encode(), 1
            record.stdout.extend(stdout)
            record.stderr.extend(stderr)
            record.exit_code = code
            record.done.set()

        threading.Thread(target=work, daemon=True, name=f"command-{command_id[:8]}").start()
        return f"<rsp:CommandResponse><rsp:CommandId>{command_id}</rsp:CommandId></rsp:CommandResponse>"

    def _send(self, shell: Shell, body: ET.Element) -> str:
        for stream in body.findall("rsp:Send/rsp:Stream", NS):
            command = shell.commands.get(stream.get("CommandId", "").upper())
            if command is None:
                continue
            if stream.text:
                command.stdin.extend(base64.b64decode(stream.text))
            if stream.get("End", "").lower() == "true":
                command.stdin_closed.set()
        return "<rsp:SendResponse/>"

    def _receive(self, shell: Shell, body: ET.Element, timeout: float) -> str:
        desired = body.find("rsp:Receive/rsp:DesiredStream", NS)
        command_id = (desired.get("CommandId") if desired is not None else "") or ""
        command = shell.commands.get(command_id.upper())
        if command is None:
            raise Fault(2150858843, "w:InvalidParameter", f"The command {command_id} was not found in shell {shell.shell_id}.")
        if not command.done.wait(timeout):
            raise Fault(TIMED_OUT, "w:TimedOut",
                        "The WS-Management service cannot complete the operation within the time specified in OperationTimeout.  ")
        if command.drop_reply:
            raise DropReply()
        parts = []
        for name, data in (("stdout", command.stdout), ("stderr", command.stderr)):
            if data:
                parts.append(f'<rsp:Stream Name="{name}" CommandId="{command_id}">{base64.b64encode(bytes(data)).decode()}</rsp:Stream>')
            parts.append(f'<rsp:Stream Name="{name}" CommandId="{command_id}" End="true"></rsp:Stream>')
        parts.append(f'<rsp:CommandState CommandId="{command_id}" State="{DONE}"><rsp:ExitCode>{command.exit_code}</rsp:ExitCode></rsp:CommandState>')
        return "<rsp:ReceiveResponse>" + "".join(parts) + "</rsp:ReceiveResponse>"

    def _signal(self, shell: Shell, body: ET.Element) -> str:
        signal = body.find("rsp:Signal", NS)
        command_id = (signal.get("CommandId") if signal is not None else "") or ""
        command = shell.commands.pop(command_id.upper(), None)
        if command is not None:
            command.stdin_closed.set()  # a terminated command reads no more input
        return "<rsp:SignalResponse/>"

    def _respond(self, action: str, relates_to: str, body: str) -> bytes:
        return envelope(action, relates_to, body).encode("utf-8")


def envelope(action: str, relates_to: str, body: str) -> str:
    namespaces = " ".join(f'xmlns:{k}="{v}"' for k, v in NS.items() if k != "p")
    return (f"<s:Envelope xml:lang=\"en-US\" {namespaces}><s:Header><a:Action>{action}</a:Action>"
            f"<a:MessageID>uuid:{str(uuid.uuid4()).upper()}</a:MessageID>"
            f"<a:To>http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</a:To>"
            f"<a:RelatesTo>{escape(relates_to)}</a:RelatesTo></s:Header><s:Body>{body}</s:Body></s:Envelope>")


def fault_envelope(fault: Fault, machine: str) -> bytes:
    body = (f"<s:Fault><s:Code><s:Value>s:Receiver</s:Value><s:Subcode><s:Value>{fault.subcode}</s:Value></s:Subcode></s:Code>"
            f"<s:Reason><s:Text xml:lang=\"en-US\">{escape(fault.reason)}</s:Text></s:Reason><s:Detail>"
            f"<f:WSManFault xmlns:f=\"http://schemas.microsoft.com/wbem/wsman/1/wsmanfault\" Code=\"{fault.code}\" "
            f"Machine=\"{escape(machine)}\"><f:Message>{escape(fault.reason)}</f:Message></f:WSManFault></s:Detail></s:Fault>")
    return envelope("http://schemas.dmtf.org/wbem/wsman/1/wsman/fault", "", body).encode("utf-8")


def _duration(text: str) -> float:
    # xs:duration as WinRM sends it: PT20S, PT20.000S, PT1M
    text = text.strip().upper()
    seconds = 0.0
    number = ""
    for char in text[2:] if text.startswith("PT") else text:
        if char.isdigit() or char == ".":
            number += char
        else:
            value = float(number or 0)
            seconds += value * {"H": 3600, "M": 60, "S": 1}.get(char, 0)
            number = ""
    return seconds or 20.0


def now() -> float:
    return time.time()
