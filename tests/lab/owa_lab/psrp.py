"""PowerShell Remoting Protocol (MS-PSRP) over WS-Management, on a CAS's WinRM listener.

A client such as pypsrp (Ansible's ``psrp`` connection) creates a RunspacePool with a WS-Management Create
whose ResourceURI is ``http://schemas.microsoft.com/powershell/Microsoft.PowerShell``; the Create carries the
SESSION_CAPABILITY and INIT_RUNSPACEPOOL messages in ``creationXml``. Each pipeline is a Command whose argument
holds CREATE_PIPELINE; its input comes with Send (PIPELINE_INPUT, END_OF_PIPELINE_INPUT), its output, errors,
host calls and state go back in Receive responses. Signal stops or ends a pipeline, Delete closes the pool.

The PSRP message layer (fragments, CLIXML) is psrpcore's sans-IO ServerRunspacePool/ServerPipeline; the
WS-Management layer and the PowerShell that runs are the lab's own. One RunspacePool is one PowerShell process:
one engine keeps its state (loaded snap-ins, the environment, $Error) across the pipelines of the pool, and a
script sent with UseLocalScope runs in a scope of its own, as PowerShell.AddScript(script, true) does.
"""

from __future__ import annotations

import base64
import threading
import time
import uuid
import xml.etree.ElementTree as ET
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Callable
from xml.sax.saxutils import escape

from psrpcore import ServerPipeline, ServerRunspacePool
from psrpcore import types as ps
from psrpcore._payload import PSRPPayload, StreamType
from psrpcore._pipeline import PowerShell as PipelineMetadata

from . import process
from .exchange.cmdlets import Session
from .powershell import source
from .powershell.builtins import _HostText
from .powershell.engine import Engine, Function
from .powershell.values import (
    CIDict, ExitScript, FlowBreak, FlowContinue, ParseError, PSObject, RuntimeError_, to_string, type_name_of,
)
from .wsman import DONE, NS, RUNNING, SHELL, SHELL_NOT_FOUND, TIMED_OUT, Fault, _duration, envelope

RESOURCE_PREFIX = "http://schemas.microsoft.com/powershell/"
ENDPOINT = RESOURCE_PREFIX + "Microsoft.PowerShell"
# MS-PSRP 3.2.5.3.2: the fault a server sends when it does not accept the client's protocol version.
PROTOCOL_VERSION_FAULT = 2152991685
# The PowerShell remoting protocol each Windows PowerShell speaks (MS-PSRP 2.2.2.1; psrpcore's ProtocolVersion:
# 2.1 shipped with PowerShell 2.0, 2.2 with 3.0, 2.3 with 5.x) and the build it names in a version fault.
PROTOCOLS = {2.0: ("2.1", "6.1.7601.17514"), 3.0: ("2.2", "6.2.9200.16398"), 4.0: ("2.2", "6.3.9600.16406"),
             5.1: ("2.3", "10.0.14393.0")}
FRAGMENT_BYTES = 32768  # the largest PSRP fragment the lab writes; a Receive carries as many as MaxEnvelopeSize allows
CTRL_C = "powershell/signal/crtl_c"  # sic: the signal URI PowerShell uses (MS-PSRP 3.1.5.3.10)
_KEEP_GLOBAL = ("Error", "LASTEXITCODE")  # what a pipeline in local scope still changes in the global scope

SessionFactory = Callable[[str, str], Session]
_HEADER_FIELDS = {"action": "a:Action", "message_id": "a:MessageID", "resource_uri": "w:ResourceURI",
                  "timeout": "w:OperationTimeout", "envelope_size": "w:MaxEnvelopeSize"}


def is_psrp(body: bytes) -> bool:
    """Whether a WS-Management request addresses a PowerShell endpoint (its ResourceURI header)."""
    try:
        root = ET.fromstring(body)
    except ET.ParseError:
        return False
    uri = root.findtext("s:Header/w:ResourceURI", default="", namespaces=NS).strip()
    return uri.lower().startswith(RESOURCE_PREFIX)


@dataclass
class _Pipeline:
    command_id: str
    server: ServerPipeline
    metadata: PipelineMetadata | None = None
    input: list[Any] = field(default_factory=list)
    started: bool = False
    finished: bool = False
    outbox: deque[bytes] = field(default_factory=deque)


@dataclass
class _Pool:
    shell_id: str
    resource_uri: str
    session: Session
    server: ServerRunspacePool
    lock: threading.Condition = field(default_factory=lambda: threading.Condition(threading.RLock()))
    run_lock: threading.Lock = field(default_factory=threading.Lock)  # one runspace: pipelines run one at a time
    outbox: deque[bytes] = field(default_factory=deque)
    pipelines: dict[str, _Pipeline] = field(default_factory=dict)
    engine: Engine | None = None
    closed: bool = False


class PsrpService:
    """The RunspacePools of one server, behind its WS-Management listener."""

    def __init__(self, machine: str, session_for: SessionFactory) -> None:
        self.machine = machine
        self.session_for = session_for
        self.pools: dict[str, _Pool] = {}
        self.lock = threading.Lock()

    # ----- WS-Management -----------------------------------------------------------------------
    def handle(self, body: bytes, user: str, auth: str, before_receive: Callable[[], None] | None = None) -> bytes:
        root = ET.fromstring(body)
        header = root.find("s:Header", NS)
        fields = {name: (header.findtext(path, default="", namespaces=NS) or "").strip() for name, path in _HEADER_FIELDS.items()}
        action, message_id, resource_uri = fields["action"], fields["message_id"], fields["resource_uri"]
        timeout = _duration(fields["timeout"] or "PT20S")
        envelope_size = int(fields["envelope_size"] or 153600)
        selector = header.find("w:SelectorSet/w:Selector[@Name='ShellId']", NS)
        shell_id = (selector.text or "").strip().upper() if selector is not None else ""
        options = {o.get("Name", "").lower(): ((o.text or "").strip(), o.get("MustComply", "false").lower() == "true")
                   for o in header.findall("w:OptionSet/w:Option", NS)}
        body_node = root.find("s:Body", NS)
        if action == "http://schemas.xmlsoap.org/ws/2004/09/transfer/Create":
            return self._respond("http://schemas.xmlsoap.org/ws/2004/09/transfer/CreateResponse", message_id,
                                 self._create(user, auth, resource_uri, options, body_node))
        pool = self._pool(shell_id)
        if action == "http://schemas.xmlsoap.org/ws/2004/09/transfer/Delete":
            self._delete(pool)
            return self._respond("http://schemas.xmlsoap.org/ws/2004/09/transfer/DeleteResponse", message_id, "")
        if action == f"{SHELL}/Command":
            return self._respond(f"{SHELL}/CommandResponse", message_id, self._command(pool, body_node))
        if action == f"{SHELL}/Send":
            return self._respond(f"{SHELL}/SendResponse", message_id, self._send(pool, body_node))
        if action == f"{SHELL}/Receive":
            if before_receive is not None:
                before_receive()
            return self._respond(f"{SHELL}/ReceiveResponse", message_id, self._receive(pool, body_node, timeout, envelope_size))
        if action == f"{SHELL}/Signal":
            return self._respond(f"{SHELL}/SignalResponse", message_id, self._signal(pool, body_node))
        # Disconnect, Reconnect and Connect (MS-PSRP 3.1.4.10) need a pool that outlives its client's connection.
        raise Fault(2150858771, "w:ActionNotSupported",
                    f"The action {action} is not supported by the service. (owa-lab does not emulate disconnected "
                    "PowerShell sessions: Disconnect, Reconnect and Connect.)")

    def _pool(self, shell_id: str) -> _Pool:
        with self.lock:
            pool = self.pools.get(shell_id)
        if pool is None:
            raise Fault(SHELL_NOT_FOUND, "w:InvalidSelectors",
                        f"The request for the Windows Remote Shell with ShellId {shell_id} failed because the shell was not found on "
                        "the server. Possible causes are: the specified ShellId is incorrect or the shell no longer exists on the "
                        "server. Provide the correct ShellId or create a new shell and retry the operation. ")
        return pool

    def _respond(self, action: str, relates_to: str, body: str) -> bytes:
        return envelope(action, relates_to, body).encode("utf-8")

    # ----- Create: a RunspacePool (MS-PSRP 3.2.5.3.1) ------------------------------------------
    def _create(self, user: str, auth: str, resource_uri: str, options: dict[str, tuple[str, bool]], body: ET.Element) -> str:
        if resource_uri.lower() != ENDPOINT.lower():
            name = resource_uri[len(RESOURCE_PREFIX):]
            raise Fault(2150858770, "w:InvalidResourceURI",
                        f"The WS-Management service cannot process the request. Cannot find the {name} session configuration in "
                        f"the WSMan: drive on the {self.machine} computer. (owa-lab emulates only the Microsoft.PowerShell "
                        "endpoint.)")
        session = self.session_for(user, auth)
        protocol, build = PROTOCOLS.get(session.version.ps_version, PROTOCOLS[5.1])
        requested = options.get("protocolversion", ("", False))[0]
        if not requested or requested.split(".")[0] != "2":
            # The server checks only that the option is there and that its major version is 2 (MS-PSRP 3.2.5.3.1).
            detail = ("The protocolversion option is missing." if not requested
                      else f"The client's protocol version {requested} is not supported by this server.")
            raise Fault(PROTOCOL_VERSION_FAULT, "w:InternalError",
                        f'<PSProtocolVersionError ServerProtocolVersion="{protocol}" ServerBuildVersion="{build}">{detail}'
                        "</PSProtocolVersionError>")
        shell = body.find("rsp:Shell", NS)
        creation = shell.find("{http://schemas.microsoft.com/powershell}creationXml") if shell is not None else None
        if creation is None or not (creation.text or "").strip():
            raise Fault(2150858882, "w:InvalidParameter", "The WS-Management service cannot process the request: a PowerShell "
                                                          "RunspacePool needs creationXml with SESSION_CAPABILITY and INIT_RUNSPACEPOOL.")
        shell_id = (shell.get("ShellId") or str(uuid.uuid4())).upper()
        server = ServerRunspacePool(application_private_data=_private_data(session.version.ps_version, protocol, build))
        server.our_capability.protocolversion = ps.PSVersion(protocol)
        pool = _Pool(shell_id, resource_uri, session, server)
        with pool.lock:
            server.receive_data(PSRPPayload(base64.b64decode(creation.text), StreamType.default, None))
            while (event := server.next_event()) is not None:
                if type(event).__name__ == "SessionCapabilityEvent":
                    _check_client_capability(event, protocol, build)
                    if str(event.protocol_version) == "2.0" and protocol == "2.1":
                        # A PowerShell 2.0 server steps down to a Windows 7 RC client's 2.0 (RunServerNegotiationAlgorithm).
                        server.our_capability.protocolversion = ps.PSVersion("2.0")
            self._drain(pool)
        with self.lock:
            self.pools[shell_id] = pool
        session.store.log(session.server, "psrp-open", shell_id=shell_id, user=user, auth=auth, protocol_version=protocol,
                          client_protocol_version=requested)
        idle = (shell.findtext("rsp:IdleTimeOut", default="", namespaces=NS) if shell is not None else "") or "PT7200.000S"
        return (f"<x:ResourceCreated><a:Address>http://{escape(self.machine)}/wsman</a:Address><a:ReferenceParameters>"
                f"<w:ResourceURI>{escape(resource_uri)}</w:ResourceURI>"
                f"<w:SelectorSet><w:Selector Name=\"ShellId\">{shell_id}</w:Selector></w:SelectorSet></a:ReferenceParameters>"
                f"</x:ResourceCreated><rsp:Shell><rsp:ShellId>{shell_id}</rsp:ShellId><rsp:Name>WinRM1</rsp:Name>"
                f"<rsp:ResourceUri>{escape(resource_uri)}</rsp:ResourceUri><rsp:Owner>{escape(user)}</rsp:Owner>"
                f"<rsp:IdleTimeOut>{escape(idle)}</rsp:IdleTimeOut><rsp:InputStreams>stdin pr</rsp:InputStreams>"
                f"<rsp:OutputStreams>stdout</rsp:OutputStreams></rsp:Shell>")

    # ----- Command: a pipeline (MS-PSRP 3.2.5.3.3) ---------------------------------------------
    def _command(self, pool: _Pool, body: ET.Element) -> str:
        line = body.find("rsp:CommandLine", NS)
        command_id = ((line.get("CommandId") if line is not None else None) or str(uuid.uuid4())).upper()
        arguments = [a.text or "" for a in line.findall("rsp:Arguments", NS)] if line is not None else []
        with pool.lock:
            pipeline = _Pipeline(command_id, ServerPipeline(pool.server, uuid.UUID(command_id)))
            pool.pipelines[command_id] = pipeline
            for argument in arguments:
                pool.server.receive_data(PSRPPayload(base64.b64decode(argument), StreamType.default, uuid.UUID(command_id)))
            self._events(pool)
        return f"<rsp:CommandResponse><rsp:CommandId>{command_id}</rsp:CommandId></rsp:CommandResponse>"

    # ----- Send: input and host responses (MS-PSRP 3.2.5.3.5) ----------------------------------
    def _send(self, pool: _Pool, body: ET.Element) -> str:
        with pool.lock:
            for stream in body.findall("rsp:Send/rsp:Stream", NS):
                kind = StreamType.prompt_response if stream.get("Name", "") == "pr" else StreamType.default
                if stream.text:
                    pool.server.receive_data(PSRPPayload(base64.b64decode(stream.text), kind, None))
            self._events(pool)
        return "<rsp:SendResponse/>"

    def _events(self, pool: _Pool) -> None:
        """Act on every whole PSRP message received so far (the pool's lock is held)."""
        server = pool.server
        while (event := server.next_event()) is not None:
            name = type(event).__name__
            pipeline = pool.pipelines.get(str(event.pipeline_id).upper()) if event.pipeline_id else None
            if name == "CreatePipelineEvent" and pipeline is not None:
                pipeline.metadata = event.pipeline
                if pipeline.metadata.no_input:
                    self._start(pool, pipeline)
            elif name == "PipelineInputEvent" and pipeline is not None:
                pipeline.input.append(event.data)
            elif name == "EndOfPipelineInputEvent" and pipeline is not None:
                self._start(pool, pipeline)
            elif name in ("SetMaxRunspacesEvent", "SetMinRunspacesEvent"):
                # One runspace serves the pool whatever its bounds; the lab accepts any.
                server.runspace_availability_response(event.ci, True)
            elif name == "GetAvailableRunspacesEvent":
                server.runspace_availability_response(event.ci, 0 if any(p.started and not p.finished
                                                                          for p in pool.pipelines.values()) else 1)
            elif name == "ResetRunspaceStateEvent":
                pool.engine = None  # a new runspace state: the next pipeline starts from a fresh engine
                server.runspace_availability_response(event.ci, True)
            # PUBLIC_KEY is answered by psrpcore itself; host responses need no action (the lab makes only void calls).
        self._drain(pool)

    def _start(self, pool: _Pool, pipeline: _Pipeline) -> None:
        if pipeline.started or pipeline.metadata is None:
            return
        pipeline.started = True
        threading.Thread(target=self._run, args=(pool, pipeline), daemon=True, name=f"psrp-{pipeline.command_id[:8]}").start()

    # ----- Receive (MS-PSRP 3.2.5.3.8) ----------------------------------------------------------
    def _receive(self, pool: _Pool, body: ET.Element, timeout: float, envelope_size: int) -> str:
        desired = body.find("rsp:Receive/rsp:DesiredStream", NS)
        command_id = ((desired.get("CommandId") if desired is not None else "") or "").upper()
        budget = max(FRAGMENT_BYTES, (envelope_size - 2048) * 3 // 4)
        deadline = time.monotonic() + timeout
        with pool.lock:
            if command_id:
                pipeline = pool.pipelines.get(command_id)
                if pipeline is None:
                    raise Fault(SHELL_NOT_FOUND, "w:InvalidParameter",
                                f"The command {command_id} was not found in shell {pool.shell_id}.")
                outbox = pipeline.outbox
                while not outbox and not pipeline.finished:
                    if not pool.lock.wait(max(0.0, deadline - time.monotonic())) and time.monotonic() >= deadline:
                        break
            else:
                pipeline = None
                outbox = pool.outbox
                while not outbox and not pool.closed:
                    if not pool.lock.wait(max(0.0, deadline - time.monotonic())) and time.monotonic() >= deadline:
                        break
            data = bytearray()
            while outbox and (not data or len(data) + len(outbox[0]) <= budget):
                data += outbox.popleft()
            if not data and (pipeline is None or not pipeline.finished):
                raise Fault(TIMED_OUT, "w:TimedOut",
                            "The WS-Management service cannot complete the operation within the time specified in OperationTimeout.  ")
            attribute = f' CommandId="{command_id}"' if command_id else ""
            parts = [f'<rsp:Stream Name="stdout"{attribute}>{base64.b64encode(bytes(data)).decode()}</rsp:Stream>'] if data else []
            if pipeline is not None:
                state = DONE if pipeline.finished and not outbox else RUNNING
                parts.append(f'<rsp:CommandState CommandId="{command_id}" State="{state}"/>')
        return "<rsp:ReceiveResponse>" + "".join(parts) + "</rsp:ReceiveResponse>"

    # ----- Signal and Delete --------------------------------------------------------------------
    def _signal(self, pool: _Pool, body: ET.Element) -> str:
        signal = body.find("rsp:Signal", NS)
        command_id = ((signal.get("CommandId") if signal is not None else "") or "").upper()
        code = (signal.findtext("rsp:Code", default="", namespaces=NS) if signal is not None else "").strip()
        with pool.lock:
            pipeline = pool.pipelines.get(command_id)
            if pipeline is not None and not code.endswith(CTRL_C):
                # terminate: the client is done with the pipeline (MS-PSRP 3.1.5.3.10).
                pool.pipelines.pop(command_id, None)
            # Ctrl+C on a pipeline still running: the lab's engine cannot be interrupted, so the pipeline runs to its
            # end and reports that end (owa-lab does not emulate stopping a running pipeline).
        return "<rsp:SignalResponse/>"

    def _delete(self, pool: _Pool) -> None:
        with self.lock:
            self.pools.pop(pool.shell_id, None)
        with pool.lock:
            pool.closed = True
            pool.lock.notify_all()
        pool.session.store.log(pool.session.server, "psrp-close", shell_id=pool.shell_id)

    def _drain(self, pool: _Pool) -> None:
        """Move what psrpcore queued into the outbox of the pool or of the pipeline it is for (the lock is held)."""
        while (payload := pool.server.data_to_send(FRAGMENT_BYTES)) is not None:
            if payload.pipeline_id is None:
                pool.outbox.append(payload.data)
            else:
                pipeline = pool.pipelines.get(str(payload.pipeline_id).upper())
                if pipeline is not None:
                    pipeline.outbox.append(payload.data)
        pool.lock.notify_all()

    # ----- running a pipeline ------------------------------------------------------------------
    def _run(self, pool: _Pool, pipeline: _Pipeline) -> None:
        with pool.run_lock:
            try:
                self._run_pipeline(pool, pipeline)
            except Exception as exc:  # the lab must answer, whatever broke inside it
                with pool.lock:
                    if pipeline.server.state == ps.PSInvocationState.NotStarted:
                        pipeline.server.start()
                    if pipeline.server.state == ps.PSInvocationState.Running:
                        pipeline.server._change_state(ps.PSInvocationState.Failed, _error_record(RuntimeError_(
                            f"lab internal error: {exc!r}", error_id="LabInternalError")))
                    pipeline.finished = True
                    self._drain(pool)

    def _run_pipeline(self, pool: _Pool, pipeline: _Pipeline) -> None:
        session = pool.session
        metadata = pipeline.metadata
        with pool.lock:
            pipeline.server.start()
            self._drain(pool)
        latency = float(session.store.faults(session.server).get("latency_seconds", 0) or 0)
        if latency:
            time.sleep(latency)  # 'owa-lab fault --latency' slows every pipeline as it slows every WinRM command
        if pool.engine is None:
            pool.engine = process.new_engine(session)
        engine = pool.engine
        engine.errors, engine.warnings, engine.success = [], [], True
        engine.state["cmdlet_log"] = []
        commands = metadata.commands
        local = bool(commands) and all(c.use_local_scope for c in commands if c.is_script)
        script = "\n".join(c.command_text for c in commands) if len(commands) != 1 else commands[0].command_text
        input_objects = [_from_client(item) for item in pipeline.input]
        session.store.log(session.server, "powershell", transport="psrp", script=script, ps_version=session.version.ps_version,
                          input_lines=len(input_objects), input_types=sorted({_type_label(o) for o in input_objects}),
                          user=session.user, auth=session.auth, shell_id=pool.shell_id,
                          pipeline_id=pipeline.command_id, commands=len(commands), local_scope=local)
        started = time.time()
        saved_globals = engine.globals.variables.items()
        output: list[Any] = []
        exit_code: int | None = None
        terminating: RuntimeError_ | None = None
        try:
            if metadata.is_nested:
                raise RuntimeError_("owa-lab does not emulate nested PowerShell pipelines.", error_id="LabNotEmulated",
                                    category="NotImplemented")
            data = input_objects
            for index, command in enumerate(commands):
                data = self._invoke(engine, command, data if index == 0 or not commands[index - 1].end_of_statement else [])
                if command.end_of_statement:
                    output.extend(data)
                    data = []
        except ExitScript as exit_:
            exit_code = int(exit_.code)
            output.extend(getattr(exit_, "partial", []))
        except RuntimeError_ as error:
            terminating = error
            output.extend(getattr(error, "partial", []))
        except ParseError as problem:
            terminating = RuntimeError_(str(problem), error_id="ParseException", category="ParserError",
                                        exception_type="System.Management.Automation.ParseException")
        except (FlowBreak, FlowContinue) as flow:
            output.extend(getattr(flow, "partial", []))
        finally:
            if local:
                kept = [(name, engine.globals.variables.get(name)) for name in _KEEP_GLOBAL]
                engine.globals.variables = CIDict(saved_globals + kept)
        for entry in engine.state.get("cmdlet_log", []):
            session.store.log(session.server, "cmdlet", **entry)
        with pool.lock:
            server = pipeline.server
            # Host calls go to the pipeline's host, or to the pool's when the pipeline uses it (RUNSPACEPOOL_HOST_CALL).
            host = pool.server if metadata.host.UseRunspaceHost else server
            for value in output:
                if isinstance(value, _HostText):
                    # Write-Host writes to the host: over PSRP a void WriteLine call on the client's host UI.
                    host.host_call(ps.HostMethodIdentifier.WriteLine2, [str(value)])
                else:
                    server.write_output(_to_client(value))
            for warning in engine.warnings:
                server.write_warning(str(warning))
            for error in engine.errors:
                record = _error_record(error)
                server.write_error(record.Exception, record.CategoryInfo, record.TargetObject, record.FullyQualifiedErrorId,
                                   invocation_info=record.InvocationInfo)
            if exit_code is not None:
                # 'exit' tells the host to exit (PSHost.SetShouldExit); over PSRP that is a void host call to the
                # client's host, on the pipeline's host unless the pipeline uses the pool's (MS-PSRP 2.2.2.27).
                host.host_call(ps.HostMethodIdentifier.SetShouldExit, [exit_code])
            if terminating is not None:
                server._change_state(ps.PSInvocationState.Failed, _error_record(terminating))
            else:
                server.complete()
            pipeline.finished = True
            self._drain(pool)
        state = "Failed" if terminating is not None else "Completed"
        session.store.log(session.server, "pipeline-end", transport="psrp", pipeline_id=pipeline.command_id, state=state,
                          exit_code=exit_code, errors=len(engine.errors) + (terminating is not None),
                          outputs=len(output), seconds=round(time.time() - started, 3))

    def _invoke(self, engine: Engine, command: Any, pipeline_input: list[Any]) -> list[Any]:
        """One command of a pipeline: a script (AddScript) or a command by name (AddCommand), with its parameters."""
        arguments = [(f"-{name}" if name else "", _from_client(value)) for name, value in command.parameters]
        if command.is_script:
            engine.source = source.normalise(command.command_text)
            tree = engine.parse(engine.source)
            block = Function("<ScriptBlock>", engine.parameters(tree.root_node), tree.root_node)
            block.tree = tree  # the nodes live only as long as their tree
            # A script in local scope runs in a child scope of the global one; otherwise it runs in the global
            # scope itself, as a dot-sourced script does.
            return engine.call_function(block, arguments, pipeline_input, dot_source=not command.use_local_scope)
        name = command.command_text
        function = engine.scope.function(name)
        if function is not None:
            return engine.call_function(function, arguments, pipeline_input)
        cmdlet = engine.commands.get(name)
        if cmdlet is None:
            return engine.external_command(name, arguments)
        invocation = engine.bind(cmdlet, arguments, pipeline_input)
        engine.state.setdefault("cmdlet_log", []).append({"cmdlet": cmdlet.name, "parameters": {
            key: to_string(value)[:200] for key, value in invocation.args.items()}, "pipeline_input": len(pipeline_input)})
        return list(cmdlet.handler(invocation))


# ----- what the client sends, what it receives ------------------------------------------------------
def _check_client_capability(event: Any, protocol: str, build: str) -> None:
    """The server's negotiation: the client's protocol must have the server's major version and at least its minor."""
    theirs = [int(x) for x in str(event.protocol_version).split(".")[:2]]
    ours = [int(x) for x in protocol.split(".")]
    if theirs == [2, 0] and ours == [2, 1]:
        return
    if theirs[0] != ours[0] or theirs[1] < ours[1]:
        raise Fault(PROTOCOL_VERSION_FAULT, "w:InternalError",
                    f'<PSProtocolVersionError ServerProtocolVersion="{protocol}" ServerBuildVersion="{build}">The server does not '
                    f"support the protocolversion {event.protocol_version} negotiated by the client.</PSProtocolVersionError>")


def _private_data(ps_version: float, protocol: str, build: str) -> dict[str, Any]:
    table: dict[str, Any] = {
        "PSVersion": ps.PSVersion(f"{ps_version:.1f}" if ps_version < 5 else build.replace("10.0.", "5.1.", 1)),
        "PSRemotingProtocolVersion": ps.PSVersion(protocol),
        "SerializationVersion": ps.PSVersion("1.1.0.1"),
        "BuildVersion": ps.PSVersion(build),
        "CLRVersion": ps.PSVersion("2.0.50727.5485" if ps_version < 3 else "4.0.30319.42000"),
        "WSManStackVersion": ps.PSVersion("2.0" if ps_version < 3 else "3.0"),
    }
    if ps_version >= 5:
        table["PSEdition"] = "Desktop"
    return {"PSVersionTable": table}


def _from_client(value: Any) -> Any:
    """A deserialised CLIXML value as the lab's engine holds values."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)  # a byte[] stays a byte[]: [string] of it is its numbers joined by spaces
    if isinstance(value, str):
        return str(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, dict):
        return CIDict((str(k), _from_client(v)) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return [_from_client(v) for v in value]
    if isinstance(value, ps.PSObject):
        properties = {p.name: _from_client(p.get_value(value)) for p in value.PSObject.extended_properties}
        properties.update({p.name: _from_client(p.get_value(value)) for p in value.PSObject.adapted_properties})
        type_names = list(value.PSObject.type_names) or ["System.Management.Automation.PSCustomObject"]
        obj = PSObject(type_names[0].removeprefix("Deserialized."), properties, text=value.PSObject.to_string)
        return obj
    return to_string(value)


def _type_label(value: Any) -> str:
    """How the log names an input object's .NET type (a byte[] is what bytes sent as pipeline input arrive as)."""
    if isinstance(value, bytes):
        return "byte[]"
    return type_name_of(value).rsplit(".", 1)[-1]


def _to_client(value: Any) -> Any:
    """An output object as it goes on the wire: strings, numbers and booleans as themselves, anything else as
    its string form (owa-lab does not emulate the serialisation of complex objects; see tests/lab/README.md)."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return value if -2**63 <= value < 2**63 else str(value)
    if isinstance(value, float):
        return ps.PSDouble(value)
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    return to_string(value)


class _CategoryInfo(ps.ErrorCategoryInfo):
    def __str__(self) -> str:  # PowerShell's ErrorCategoryInfo.GetMessage: "Category: (Target:Type) [Activity], Reason"
        return f"{self.Category.name}: ({self.TargetName or ''}:{self.TargetType or ''}) [{self.Activity or ''}], {self.Reason or ''}"


def _error_record(error: RuntimeError_) -> ps.ErrorRecord:
    exception = ps.NETException(Message=error.message)
    type_names = [error.exception_type]
    if error.exception_type != "System.Exception":
        type_names += ["System.SystemException", "System.Exception"]
    exception.PSObject.type_names = type_names + ["System.Object"]
    category = getattr(ps.ErrorCategory, error.category, ps.ErrorCategory.NotSpecified)
    target = to_string(error.target) if error.target is not None else None
    info = _CategoryInfo(Category=category, Activity=error.command or None,
                         Reason=error.exception_type.rsplit(".", 1)[-1],
                         TargetName=target or None,
                         TargetType=type_name_of(error.target).rsplit(".", 1)[-1] if error.target is not None else None)
    invocation = None
    if error.command or error.position:
        invocation = ps.InvocationInfo(
            MyCommand=ps.PSCustomObject(Name=error.command, CommandType=ps.CommandTypes.Cmdlet, Definition=error.command)
            if error.command else None,
            InvocationName=error.command or "", PositionMessage=error.position or "", BoundParameters={},
            UnboundArguments=[], CommandOrigin=ps.CommandOrigin.Internal, ExpectingInput=False, HistoryId=1,
            Line="", OffsetInLine=0, PipelineLength=1, PipelinePosition=1, PSScriptRoot="", PSCommandPath=None,
            ScriptLineNumber=0, ScriptName="")
    record = ps.ErrorRecord(Exception=exception, CategoryInfo=info, TargetObject=target,
                            FullyQualifiedErrorId=error.error_id, InvocationInfo=invocation)
    record.serialize_extended_info = invocation is not None
    return record
