"""A CAS's WinRM listener: HTTP(S); NTLM, Kerberos, CredSSP or Basic authentication; WinRM message encryption.

pyspnego's acceptors authenticate: NTLM against the lab's user file, Kerberos with gssapi against the realm's keytab
(owa_lab.kerberos; each server accepts tickets for its own HTTP SPN only), CredSSP (MS-CSSP) with its TLS channel and
an inner NTLM or Kerberos exchange, once the service allows it (Enable-WSManCredSSP -Role Server). After the
handshake the same context seals and unseals messages when the client encrypts over HTTP (MS-WSMV 2.2.9.1).
How a session authenticated decides what it can reach beyond the server (the second hop): see ``session_auth``.
"""

from __future__ import annotations

import base64
import http.server
import os
import socket
import ssl
import struct
import sys
import threading
import time
from typing import Any

import spnego
from spnego import ContextReq

from .exchange.cmdlets import Session
from .kerberos import SERVICE_CLASSES
from .exchange.versions import ExchangeVersion, VERSIONS
from . import lync, ocs
from .process import run as run_command_line
from .psrp import PsrpService, is_psrp
from .store import Store
from .windows import iis_available
from .wsman import DropReply, Fault, ShellService, fault_envelope

BOUNDARY = b"--Encrypted Boundary"
# MS-WSMV 2.2.9.1: the protocol of an encrypted message names how the session authenticated.
PROTOCOLS = {"negotiate": b"application/HTTP-SPNEGO-session-encrypted", "kerberos": b"application/HTTP-Kerberos-session-encrypted",
             "credssp": b"application/HTTP-CredSSP-session-encrypted"}
# MS-WSMV 2.2.9.1.3: CredSSP encrypts at most 16 KiB per part; a longer message is multipart/x-multi-encrypted.
CREDSSP_CHUNK = 16384
KRB5_OID_DER = bytes.fromhex("06092a864886f712010202")  # 1.2.840.113554.1.2.2, the Kerberos V5 GSS-API mechanism


def session_auth(scheme: str, context: Any) -> str:
    """How a completed WinRM logon is known to the server's processes (the Session's ``auth``).

    What each can reach beyond the server: an NTLM network logon holds no credential to pass on; Kerberos holds one only
    when the client delegated its TGT (a forwardable ticket forwarded: the context's delegate flag, GSS_C_DELEG_FLAG),
    "kerberos-delegated", else "kerberos"; CredSSP always has the user's password (MS-CSSP 3.1.5: TSCredentials).
    """
    if scheme == "credssp":
        return "credssp"
    if context.negotiated_protocol == "kerberos":
        if context.context_attr & ContextReq.delegate:
            return "kerberos-delegated"
        # Kerberos-only constrained delegation takes the user's ticket to this server as its evidence, and the KDC
        # accepts only a forwardable one (MS-SFU 3.2.5.2.2): kinit -f, or forwardable = true in krb5.conf.
        return "kerberos-forwardable" if _ticket_forwardable(context) else "kerberos"
    return "ntlm"


# MIT's GSS_KRB5_GET_TKT_FLAGS_OID: the accepted ticket's flags, a krb5_flags in host byte order; TKT_FLG_FORWARDABLE.
_TICKET_FLAGS_OID = "1.2.840.113554.1.2.2.5.1"
_FORWARDABLE = 0x40000000


def _ticket_forwardable(context: Any) -> bool:
    import gssapi
    import gssapi.raw
    inner = getattr(context, "_context", None)
    if inner is None:
        return False
    try:
        buffers = gssapi.raw.inquire_sec_context_by_oid(inner, gssapi.OID.from_int_seq(_TICKET_FLAGS_OID))
    except gssapi.exceptions.GSSError:
        return False
    return bool(buffers) and len(buffers[0]) >= 4 and bool(int.from_bytes(buffers[0][:4], sys.byteorder) & _FORWARDABLE)


def host_fqdn(store: Store, name: str) -> str:
    """A CAS's FQDN, or a Lync/Skype for Business Front End's (which is no Exchange server)."""
    servers = store.directory()["servers"]
    if name not in servers and ocs.is_ocs_server(store, name):
        return ocs.host_fqdn(store, name)
    return servers[name]["fqdn"] if name in servers else lync.host_fqdn(store, name)


def host_version(store: Store, name: str) -> ExchangeVersion:
    # One read of the directory for a CAS, the common case (every command a module sends goes through here).
    servers = store.directory()["servers"]
    if name not in servers and ocs.is_ocs_server(store, name):
        return ocs.host_version(store, name)
    return VERSIONS[servers[name]["version"]] if name in servers else lync.host_version(store, name)


class CasServer:
    """One Client Access server of the lab: its shells and its listeners."""

    def __init__(self, store: Store, name: str, credentials: dict[str, str]) -> None:
        self.store = store
        self.name = name
        self.credentials = credentials
        self.fqdn = host_fqdn(store, name)
        # The WinRM service's authentication settings (winrm get winrm/config/service/auth): Kerberos needs the realm,
        # CredSSP is off unless Enable-WSManCredSSP -Role Server ran (MS-WSMV 2.2.4.34, ServiceAuthType: default false).
        service_auth = store.lab().get("winrm_service_auth", {})
        self.kerberos = bool(service_auth.get("kerberos"))
        self.credssp = bool(service_auth.get("credssp"))
        self.shells = ShellService(name, self._run)
        self.psrp = PsrpService(name, self._psrp_session)  # PowerShell remoting (MS-PSRP) on the same endpoint
        self.listeners: list[_Listener] = []

    def _run(self, shell: Any, command_line: str, stdin: bytes | None = None) -> tuple[bytes, bytes, int]:
        version = host_version(self.store, self.name)
        faults = self.store.faults(self.name)
        latency = float(faults.get("latency_seconds", 0) or 0)
        if latency:
            time.sleep(latency)
        restart_before = self.store.host(self.name).get("down_from")
        result = run_command_line(Session(self.store, self.name, version, shell.auth, shell.user), command_line,
                                  stdin=stdin, codepage=shell.codepage)
        if faults.get("drop_reply_after_shutdown") and self.store.host(self.name).get("down_from") != restart_before:
            # The restart was accepted (shutdown.exe exited 0) but its answer never reaches the client.
            self.store.log(self.name, "reply-dropped", reason="restart under way")
            raise DropReply()
        return result

    def _psrp_session(self, user: str, auth: str) -> Session:
        version = host_version(self.store, self.name)
        return Session(self.store, self.name, version, auth, user)

    def listen(self, port: int, context: ssl.SSLContext | None) -> int:
        listener = _Listener(self, port, context)
        self.listeners.append(listener)
        return listener.port

    def watch_faults(self) -> None:
        # A switched-on fault, or a reboot in progress (shutdown /r), refuses connections.
        refuse = bool(self.store.faults(self.name).get("refuse_connections"))
        host = self.store.host(self.name)
        refuse = refuse or float(host.get("down_from", 0)) <= time.time() < float(host.get("down_until", 0))
        for listener in self.listeners:
            listener.set_refusing(refuse)

    def close(self) -> None:
        for listener in self.listeners:
            listener.close()


class _Listener:
    def __init__(self, server: CasServer, port: int, context: ssl.SSLContext | None) -> None:
        self.server = server
        self.context = context
        self.port = port
        self.httpd: _HTTPServer | None = None
        self.lock = threading.Lock()
        self._start()

    def _start(self) -> None:
        httpd = _HTTPServer(("127.0.0.1", self.port), _Handler)
        httpd.cas = self.server
        httpd.tls = self.context
        self.port = httpd.server_address[1]
        self.httpd = httpd
        threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True,
                         name=f"{self.server.name}-{self.port}").start()

    def set_refusing(self, refuse: bool) -> None:
        with self.lock:
            if refuse and self.httpd is not None:
                self.httpd.shutdown()
                self.httpd.server_close()
                self.httpd = None
            elif not refuse and self.httpd is None:
                self._start()

    def close(self) -> None:
        self.set_refusing(True)


class _HTTPServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128
    cas: CasServer
    tls: ssl.SSLContext | None

    def get_request(self) -> tuple[socket.socket, Any]:
        sock, address = super().get_request()
        if self.tls is not None:
            sock.settimeout(30)
            sock = self.tls.wrap_socket(sock, server_side=True)
            sock.settimeout(None)
        return sock, address


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "Microsoft-HTTPAPI/2.0"
    server: _HTTPServer

    def setup(self) -> None:
        super().setup()
        self.context: Any = None
        self.scheme: str = ""  # the HTTP authentication scheme of this connection's logon, lower case
        self.user: str | None = None
        self.auth: str = ""
        self.reply_token: str | None = None  # the acceptor's last token, sent with the next answer (mutual authentication)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        return

    def _send(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None, close: bool = False) -> None:
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        if self.reply_token is not None and status != 401:
            # Kerberos mutual authentication: the AP-REP comes back with the answer that completes the logon (RFC 4559).
            self.send_header("WWW-Authenticate", self.reply_token)
            self.reply_token = None
        self.send_header("Content-Length", str(len(body)))
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if body:
            self.wfile.write(body)

    def do_GET(self) -> None:
        # /owa answers while IIS runs; a reset window makes it unavailable, as on a real CAS.
        if self.path.lower().startswith("/owa"):
            if iis_available(self._session_stub()):
                self._send(200, b"Outlook Web App", {"Content-Type": "text/html"})
            else:
                self._send(503, b"Service Unavailable", {"Content-Type": "text/html"})
            return
        self._send(404)

    def _session_stub(self) -> Session:
        cas = self.server.cas
        return Session(cas.store, cas.name, VERSIONS["2010sp1"], "", "")

    def do_POST(self) -> None:
        cas = self.server.cas
        length = int(self.headers.get("Content-Length", "0") or 0)
        body = self.rfile.read(length) if length else b""
        faults = cas.store.faults(cas.name)
        stall = float(faults.get("stall_seconds", 0) or 0)
        if stall:
            # A server that stops answering (hung IIS/WinRM service): the client's read timeout must fire.
            time.sleep(stall)
        if faults.get("http_500"):
            self._send(500, b"", {"Content-Type": "application/soap+xml;charset=UTF-8"})
            return
        if not self._authenticate(body):
            return
        content_type = self.headers.get("Content-Type", "")
        encrypted = content_type.startswith(("multipart/encrypted", "multipart/x-multi-encrypted"))
        if encrypted:
            try:
                if f'protocol="{self._protocol().decode()}"' not in content_type:
                    raise ValueError("encrypted with another protocol than the session authenticated with")
                body = self._unseal(body)
            except Exception:
                self._send(400, close=True)
                return
        if not body:
            self._send(200, b"")
            return
        drop = bool(faults.get("drop_mid_command"))

        def before_receive() -> None:
            if drop:
                raise _DropConnection()

        try:
            service = cas.psrp if is_psrp(body) else cas.shells
            reply = service.handle(body, self.user or "", self.auth, before_receive)
            status = 200
        except Fault as fault:
            reply, status = fault_envelope(fault, cas.name), 500
        except (_DropConnection, DropReply) as dropped:
            # Let the command finish on the server, as a real one would, then cut the connection.
            if isinstance(dropped, _DropConnection):
                time.sleep(0.3)
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        if encrypted:
            kind = "multipart/x-multi-encrypted" if self.scheme == "credssp" and len(reply) > CREDSSP_CHUNK else "multipart/encrypted"
            self._send(status, self._seal(reply), {
                "Content-Type": f'{kind};protocol="{self._protocol().decode()}";boundary="Encrypted Boundary"'})
        else:
            self._send(status, reply, {"Content-Type": "application/soap+xml;charset=UTF-8"})

    # ----- authentication ------------------------------------------------------------------------
    def _challenge(self, close: bool = False) -> None:
        # A 401 names every scheme the service accepts, one header each, as WinRM answers.
        cas = self.server.cas
        self.send_response(401)
        self.send_header("WWW-Authenticate", "Negotiate")
        if cas.kerberos:
            self.send_header("WWW-Authenticate", "Kerberos")
        if cas.credssp:
            self.send_header("WWW-Authenticate", "CredSSP")
        self.send_header("WWW-Authenticate", "Basic realm=\"WSMAN\"")
        self.send_header("Content-Length", "0")
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()

    def _authenticate(self, body: bytes) -> bool:
        cas = self.server.cas
        header = self.headers.get("Authorization", "")
        if not header:
            if self.user is not None:
                return True
            self._challenge()
            return False
        scheme, _, value = header.partition(" ")
        scheme_lower = scheme.lower()
        if scheme_lower == "basic":
            try:
                user, _, password = base64.b64decode(value).decode("utf-8").partition(":")
            except ValueError:
                self._challenge()
                return False
            expected = cas.credentials.get(user.split("\\")[-1].lower())
            if expected is None or expected != password:
                cas.store.log(cas.name, "auth-failure", user=user, auth="basic")
                self._send(401, b"", {"WWW-Authenticate": "Basic realm=\"WSMAN\""}, close=True)
                return False
            self.user, self.auth, self.scheme = user, "basic", "basic"
            return True
        if scheme_lower not in ("negotiate", "ntlm", "kerberos", "credssp"):
            self._challenge()
            return False
        try:
            token = base64.b64decode(value.strip())
            if self.context is None or self.context.complete or self.scheme != scheme_lower:
                self.context, out = self._accept(scheme_lower, token)
                self.scheme = scheme_lower
            else:
                out = self.context.step(token)
            if self.context.complete and scheme_lower == "credssp" and self.context.get_extra_info("client_credential") is None:
                raise ValueError("the CredSSP client sent no credentials")  # a failed inner logon ends without them
        except Exception as error:
            cas.store.log(cas.name, "auth-failure", auth=scheme_lower, reason=str(error)[:300])
            self.context = None
            self._challenge(close=True)
            return False
        if not self.context.complete:
            # CredSSP's TLS handshake may have nothing to send yet; the client still waits for a CredSSP header.
            self._send(401, b"", {"WWW-Authenticate": f"{scheme} {base64.b64encode(out or b'').decode()}".strip()})
            return False
        if out:
            self.reply_token = f"{scheme} {base64.b64encode(out).decode()}"
        self.user = self.context.client_principal or "administrator"
        self.auth = session_auth(scheme_lower, self.context)
        return True

    def _accept(self, scheme: str, token: bytes) -> tuple[Any, bytes | None]:
        """A new acceptor stepped with the first token of a logon; ValueError when the service does not take it."""
        cas = self.server.cas
        if scheme == "credssp":
            if not cas.credssp:
                raise ValueError("CredSSP is not enabled on the WinRM service (Enable-WSManCredSSP -Role Server)")
            context = spnego.server(protocol="credssp", hostname=cas.fqdn, service="HTTP")
            return context, context.step(token)
        if token.startswith(b"NTLMSSP\x00") and scheme != "kerberos":
            context = spnego.server(protocol="ntlm")
            return context, context.step(token)
        if token[:1] == b"\x60" and KRB5_OID_DER in token[:20]:
            if not cas.kerberos:
                raise ValueError("a Kerberos ticket, but the lab has no realm (owa-lab up --auth kerberos)")
            # A ticket for one of this server's own SPNs only, as a computer account holds only its own keys: HTTP/
            # (pywinrm asks for it) or WSMAN/ (pypsrp's default service).
            errors: list[Exception] = []
            for service in SERVICE_CLASSES:
                context = spnego.server(protocol="kerberos", credentials=spnego.CredentialCache(username=f"{service}@{cas.fqdn}"))
                try:
                    return context, context.step(token)
                except Exception as error:  # gssapi's failures are not all SpnegoError
                    errors.append(error)
            raise errors[0]
        raise ValueError("a token the lab does not accept (SPNEGO-wrapped Negotiate is not emulated)")

    def _protocol(self) -> bytes:
        return PROTOCOLS.get(self.scheme, PROTOCOLS["negotiate"])

    # ----- message encryption (MS-WSMV 2.2.9.1) --------------------------------------------------
    def _unseal(self, body: bytes) -> bytes:
        parts = [p for p in body.split(BOUNDARY + b"\r\n") if p]
        message = b""
        for index in range(0, len(parts), 2):
            header, payload = parts[index], parts[index + 1]
            expected = int(header.split(b"Length=")[1].split(b"\r\n")[0])
            if payload.endswith(BOUNDARY + b"--\r\n"):
                payload = payload[: -len(BOUNDARY + b"--\r\n")]
            payload = payload.replace(b"\tContent-Type: application/octet-stream\r\n", b"", 1)
            signature_length = struct.unpack("<i", payload[:4])[0]
            signature = payload[4:4 + signature_length]
            sealed = payload[4 + signature_length:]
            plain = self.context.unwrap_winrm(signature, sealed)
            if len(plain) != expected:
                raise ValueError("encrypted length mismatch")
            message += plain
        return message

    def _seal(self, message: bytes) -> bytes:
        size = CREDSSP_CHUNK if self.scheme == "credssp" else max(len(message), 1)
        sealed = b""
        for start in range(0, max(len(message), 1), size):
            chunk = message[start:start + size]
            wrapped = self.context.wrap_winrm(chunk)
            stream = struct.pack("<i", len(wrapped.header)) + wrapped.header + wrapped.data
            sealed += (BOUNDARY + b"\r\n\tContent-Type: " + self._protocol() + b"\r\n\tOriginalContent: type=application/soap+xml;charset=UTF-8;Length="
                       + str(len(chunk)).encode() + b"\r\n" + BOUNDARY + b"\r\n\tContent-Type: application/octet-stream\r\n" + stream)
        return sealed + BOUNDARY + b"--\r\n"


class _DropConnection(Exception):
    pass


def ntlm_user_file(path: str, credentials: dict[str, str]) -> None:
    """pyspnego's NTLM acceptor reads users from NTLM_USER_FILE; an empty domain matches a bare name."""
    with open(path, "w", encoding="utf-8") as handle:
        for user, password in credentials.items():
            handle.write(f":{user}:{password}\n")
            handle.write(f"CONTOSO:{user}:{password}\n")
    os.chmod(path, 0o600)
    os.environ["NTLM_USER_FILE"] = path
