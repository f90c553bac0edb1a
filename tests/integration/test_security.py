"""Issue #15 against the lab: each attack reproduced, and refused (docs/reliability.md, Security).

The hostile server is the lab with values seeded into its directory and files; the hostile network is a relay in front
of a lab port that keeps every byte a client sends and can rewrite what the server answers, as anyone on the path of
a plain HTTP connection can.
"""

from __future__ import annotations

import base64
import html
import json
import re
import socket
import threading
import time
from pathlib import Path
from typing import Any, Callable, Iterator, Optional

import pytest
import yaml

from conftest import LAB_VARS, ROOT, Lab, start_lab

PLAYBOOKS = ROOT / "playbooks"
VDI = "exchange.owa_im.owa_virtual_directory_info"
HOSTILE_NAME = "ocs|pool\n## Injected heading\n[click](http://attacker.example) <script>alert(1)</script> www.evil.example"
HOSTILE_POLICY = "Evil|policy\n# Heading [x](http://x) <img src=x onerror=alert(1)>"
# Both opt-ins Basic over HTTP needs (the password, and the messages, travel in the clear).
CLEAR_TEXT = {"owa_im_allow_basic_over_http": True, "owa_im_allow_unencrypted_messages": True}


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    started = start_lab(tmp_path_factory.mktemp("security-lab"), 2)
    yield started
    started.owa_lab("down")


def text(run: Any) -> str:
    """What ansible-playbook printed, warnings (standard error) included, on one line."""
    return " ".join((run.stdout + run.stderr).split())


def http_vars(port: int, **extra: Any) -> dict[str, Any]:
    """This host's connection as Basic over plain HTTP to ``port``."""
    return dict({"ansible_port": port, "ansible_winrm_scheme": "http", "ansible_winrm_transport": "plaintext"}, **extra)


class Relay:
    """A TCP relay in front of a lab port: it keeps every request byte and may rewrite each response body."""

    def __init__(self, port: int, rewrite: Optional[Callable[[bytes], bytes]] = None) -> None:
        self.target = port
        self.rewrite = rewrite
        self.sent = bytearray()
        self.connections = 0
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self) -> None:
        self.listener.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _address = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    @staticmethod
    def _read(reader: Any) -> Optional[tuple[bytes, bytes]]:
        lines = []
        while True:
            line = reader.readline()
            if not line:
                return None
            lines.append(line)
            if line in (b"\r\n", b"\n"):
                break
        length = 0
        for line in lines[1:]:
            name, _sep, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value.strip())
        return b"".join(lines), reader.read(length) if length else b""

    def _serve(self, client: socket.socket) -> None:
        with client, socket.create_connection(("127.0.0.1", self.target)) as upstream:
            from_client, from_server = client.makefile("rb"), upstream.makefile("rb")
            while True:
                request = self._read(from_client)
                if request is None:
                    return
                self.sent += request[0] + request[1]
                upstream.sendall(request[0] + request[1])
                response = self._read(from_server)
                if response is None:
                    return
                head, body = response
                if self.rewrite is not None:
                    rewritten = self.rewrite(body)
                    if rewritten != body:
                        head = re.sub(rb"(?im)^content-length:[^\r\n]*", b"Content-Length: %d" % len(rewritten), head)
                        body = rewritten
                client.sendall(head + body)


@pytest.fixture
def relay_to(lab: Lab) -> Iterator[Callable[..., Relay]]:
    relays: list[Relay] = []

    def make(rewrite: Optional[Callable[[bytes], bytes]] = None) -> Relay:
        hosts = yaml.safe_load(lab.inventory.read_text())["all"]["children"]["cas_servers"]["hosts"]
        relays.append(Relay(int(hosts["cas01.contoso.lab"]["owa_lab_http_port"]), rewrite))
        return relays[-1]
    yield make
    for relay in relays:
        relay.close()


def with_stderr(stderr: bytes) -> Callable[[bytes], bytes]:
    """A rewrite that puts ``stderr`` into the command's last answer and makes its exit code 1."""
    def rewrite(body: bytes) -> bytes:
        if b"CommandState/Done" not in body:
            return body
        stream = b'<rsp:Stream Name="stderr">' + base64.b64encode(stderr) + b"</rsp:Stream>"
        body = body.replace(b"<rsp:CommandState ", stream + b"<rsp:CommandState ", 1)
        return re.sub(rb"<rsp:ExitCode>\d+</rsp:ExitCode>", b"<rsp:ExitCode>1</rsp:ExitCode>", body)
    return rewrite


def test_basic_over_http_is_refused_before_the_password_leaves(lab: Lab, tmp_path: Path, relay_to: Callable[..., Relay]) -> None:
    relay = relay_to()
    refused = lab.play(tmp_path, {VDI: {}, "vars": http_vars(relay.port)}, "--limit", "cas01.contoso.lab")
    assert refused.returncode != 0
    assert "Refused before connecting to cas01.contoso.lab; nothing was sent." in text(refused)
    assert "owa_im_allow_basic_over_http: true" in text(refused) and "ansible_winrm_transport plaintext" in text(refused)
    assert relay.connections == 0 and not relay.sent
    # What the opt-in accepts, shown on the wire: the password, readable by anyone on the path.
    accepted = lab.play(tmp_path, {VDI: {}, "vars": http_vars(relay.port, **CLEAR_TEXT)}, "--limit", "cas01.contoso.lab")
    assert accepted.returncode == 0, accepted.stdout[-2000:]
    assert "owa_im_allow_basic_over_http is true" in text(accepted)
    credentials = base64.b64encode(("administrator:" + lab.password()).encode()).decode()
    assert ("Authorization: Basic " + credentials).encode() in relay.sent


def test_ntlm_over_http_is_encrypted_and_needs_no_opt_in(lab: Lab, tmp_path: Path, relay_to: Callable[..., Relay]) -> None:
    relay = relay_to()
    run = lab.play(tmp_path, {VDI: {}, "vars": dict(http_vars(relay.port), ansible_winrm_transport="ntlm")}, "--limit",
                   "cas01.contoso.lab")
    assert run.returncode == 0 and "[WARNING]" not in run.stdout + run.stderr, run.stdout[-2000:]
    assert b"multipart/encrypted" in relay.sent and b"OwaImLoader" not in relay.sent and b"param()" not in relay.sent


def test_unverified_certificates_need_their_opt_in(lab: Lab, tmp_path: Path) -> None:
    refused = lab.play(tmp_path, {VDI: {}, "vars": {"ansible_winrm_server_cert_validation": "ignore"}}, "--limit", "cas01.contoso.lab")
    assert refused.returncode != 0 and "owa_im_allow_unverified_certificates: true" in text(refused)
    accepted = lab.play(tmp_path, {VDI: {}, "vars": {"ansible_winrm_server_cert_validation": "ignore",
                                                     "owa_im_allow_unverified_certificates": True}}, "--limit", "cas01.contoso.lab")
    assert accepted.returncode == 0 and "owa_im_allow_unverified_certificates is true" in text(accepted)


def test_a_password_basic_cannot_send_is_refused_without_showing_it(lab: Lab, tmp_path: Path) -> None:
    password = "Gr\u00fc\u00dfe-\u20ac-\u65e5\u672c"
    seen = len(lab.log())
    run = lab.play(tmp_path, {VDI: {}, "vars": {"ansible_winrm_transport": "basic", "ansible_password": password}}, "--limit",
                   "cas01.contoso.lab")
    assert run.returncode != 0 and "Basic authentication (ansible_winrm_transport basic) cannot send" in text(run)
    assert not {"\u20ac", "\u00fc", "\u65e5", "\u672c"} & set(text(run)) and "\\u" not in text(run) and "position" not in text(run)
    assert not [e for e in lab.log()[seen:] if e["event"] == "auth-failure"]


def test_a_password_echoed_by_the_server_is_masked(lab: Lab, tmp_path: Path) -> None:
    # The password put into an option by mistake: Exchange's not-found error repeats it.
    run = lab.play(tmp_path, {"exchange.owa_im.owa_virtual_directory": {"identity": "{{ ansible_password }}", "instant_messaging_enabled": True},
                              "ignore_errors": True}, "--limit", "cas01.contoso.lab")
    result = Lab.result(tmp_path, "cas01.contoso.lab")
    assert result["failed"] and "object '********' couldn't be found" in result["msg"], result
    assert lab.password() not in json.dumps(result) and lab.password() not in text(run)


def test_injected_report_values_stay_text(lab: Lab, tmp_path: Path) -> None:
    lab.seed(tmp_path, {"virtual_directories": {"CAS01": {"InstantMessagingEnabled": True, "InstantMessagingType": "Ocs",
                                                          "InstantMessagingServerName": HOSTILE_NAME}},
                        "owa_mailbox_policies": [{"name": HOSTILE_POLICY, "InstantMessagingEnabled": False}]})
    try:
        run = lab.playbook(PLAYBOOKS / "audit.yml", extra_vars=dict(LAB_VARS, owa_im_audit_directory=str(tmp_path / "audit")))
    finally:
        lab.seed(tmp_path, {"virtual_directories": {"CAS01": {"InstantMessagingEnabled": False, "InstantMessagingType": "None",
                                                              "InstantMessagingServerName": None}},
                            "owa_mailbox_policies": [{"name": HOSTILE_POLICY, "InstantMessagingEnabled": True}]})
    assert run.returncode != 0 and "The pool has drifted" in run.stdout
    report = next((tmp_path / "audit").glob("owa_im_audit-*.md")).read_text()
    # The JSON report keeps the value as the server gave it; the Markdown holds it as text.
    data = json.loads(next((tmp_path / "audit").glob("owa_im_audit-*.json")).read_text())
    assert data["servers"][0]["settings"]["instant_messaging_server_name"] == HOSTILE_NAME
    assert not re.search(r"(?m)^#+ (Injected|Heading)", report) and "<script" not in report and "<img" not in report
    markdown_it = pytest.importorskip("markdown_it")
    rendered = markdown_it.MarkdownIt("commonmark").enable(["table", "strikethrough"]).render(report)
    assert "<a " not in rendered and "<script" not in rendered and "<img" not in rendered
    assert re.findall(r"<h\d>(.*?)</h\d>", rendered) == ["OWA instant messaging audit", "Servers", "Drift",
                                                           "OWA mailbox policies that disable IM"]
    servers_table = rendered.split("<table>")[1]
    rows = re.findall(r"<tr>(.*?)</tr>", servers_table, re.S)
    columns = rows[0].count("<th>")
    assert len(rows) == 3 and columns >= 11 and all(row.count("<td>") == columns for row in rows[1:])
    cells = [html.unescape(cell) for cell in re.findall(r"<td>(.*?)</td>", rows[1])]
    assert cells[2] == HOSTILE_NAME.replace("\n", " ")
    # The console table: one line per server, whatever the value holds.
    assert "\\n## Injected heading" not in run.stdout and "ocs|pool ## Injected heading" in run.stdout


@pytest.mark.parametrize("variable,value,expected", [
    ("owa_im_cas_fqdn", "cas01.contoso.lab\n## Approved by security", "owa_im_cas_fqdn must be the name OCS knows this CAS by"),
    ("owa_im_cas_fqdn", "[cas01](http://attacker.example)", "owa_im_cas_fqdn must be the name OCS knows this CAS by"),
    ("owa_im_cas_fqdn", "cas01", "or set it in this host's variables to the FQDN that subject names"),
    ("owa_im_server_name", "ocspool.contoso.lab|<script>", "owa_im_server_name must be the fully qualified domain name"),
])
def test_notes_names_are_checked_whatever_the_tags(lab: Lab, tmp_path: Path, variable: str, value: str, expected: str) -> None:
    notes = tmp_path / "notes.md"
    seen = len(lab.log())
    run = lab.playbook(PLAYBOOKS / "site.yml", "--tags", "owa_im_host_authorization",
                       extra_vars=dict(LAB_VARS, owa_im_host_authorization_file=str(notes), owa_im_backup_directory=str(tmp_path / "b"),
                                       **{variable: value}))
    assert run.returncode != 0 and expected in text(run), run.stdout[-2000:]
    assert not notes.exists()
    assert not [e for e in lab.log()[seen:] if e["event"] == "powershell"]


def test_the_error_output_that_took_quadratic_time_is_parsed_at_once(lab: Lab, tmp_path: Path, relay_to: Callable[..., Relay]) -> None:
    # 900 KB of unfinished CLIXML documents, as powershell.exe 2.0 starts its standard error under WinRM (a byte order mark,
    # so Ansible's winrm connection leaves it to the module): the regex the module once used needed about 8 minutes.
    stderr = b"\xef\xbb\xbf#< CLIXML\r\n" + b"<Objs " * 150_000
    relay = relay_to(with_stderr(stderr))
    started = time.monotonic()
    run = lab.play(tmp_path, {VDI: {}, "vars": http_vars(relay.port, **CLEAR_TEXT), "ignore_errors": True}, "--limit",
                   "cas01.contoso.lab")
    elapsed = time.monotonic() - started
    result = Lab.result(tmp_path, "cas01.contoso.lab")
    assert result["failed"] and "ended with exit code 1" in result["msg"], result
    assert elapsed < 60, (elapsed, run.stdout[-1000:])


def test_error_output_past_its_limit_is_cut(lab: Lab, tmp_path: Path, relay_to: Callable[..., Relay]) -> None:
    # Many small CLIXML documents: Ansible's own winrm connection decodes them in quadratic time, so standard error has a
    # limit of its own (1 MiB by default) before that happens.
    document = b'<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04"><S S="Error">x</S></Objs>'
    relay = relay_to(with_stderr(b"#< CLIXML\r\n" + document * 40_000))
    started = time.monotonic()
    lab.play(tmp_path, {VDI: {}, "vars": http_vars(relay.port, **CLEAR_TEXT), "ignore_errors": True}, "--limit", "cas01.contoso.lab")
    result = Lab.result(tmp_path, "cas01.contoso.lab")
    assert result["failed"] and result["error_kind"] == "limit_exceeded", result
    assert "more than 1048576 bytes on standard error" in result["msg"] and "owa_im_remote_error_limit" in result["msg"]
    assert time.monotonic() - started < 60


def test_oversized_output_is_cut(lab: Lab, tmp_path: Path) -> None:
    lab.seed(tmp_path, {"virtual_directories": {"CAS02": {"InstantMessagingServerName": "x" * 300_000}}})
    try:
        limited = lab.play(tmp_path, {VDI: {}, "vars": {"owa_im_remote_output_limit": 100_000}, "ignore_errors": True}, "--limit",
                           "cas02.contoso.lab")
        assert limited.returncode == 0, limited.stdout[-2000:]
        result = Lab.result(tmp_path, "cas02.contoso.lab")
        assert result["failed"] and result["error_kind"] == "limit_exceeded"
        assert "cas02.contoso.lab: the server sent more than 100000 bytes on standard output" in result["msg"]
        # The default limit (16 MiB) takes the same answer.
        whole = lab.play(tmp_path, {VDI: {}}, "--limit", "cas02.contoso.lab")
        assert whole.returncode == 0, whole.stdout[-2000:]
        directory = Lab.result(tmp_path, "cas02.contoso.lab")["virtual_directories"][0]
        assert directory["instant_messaging_server_name"] == "x" * 300_000
    finally:
        lab.seed(tmp_path, {"virtual_directories": {"CAS02": {"InstantMessagingServerName": None}}})


def test_a_web_config_too_large_is_not_read(lab: Lab, tmp_path: Path) -> None:
    path = "C:\\Program Files\\Microsoft\\Exchange Server\\V14\\ClientAccess\\Owa\\web.config"
    lab.seed(tmp_path, {"servers": {"CAS02": {"files": {path: "<configuration>" + " " * (2 * 1024 * 1024) + "</configuration>"}}}})
    seen = len(lab.log())
    run = lab.play(tmp_path, {"exchange.owa_im.owa_web_config_info": {}, "ignore_errors": True}, "--limit", "cas02.contoso.lab")
    assert run.returncode == 0, run.stdout[-2000:]
    result = Lab.result(tmp_path, "cas02.contoso.lab")
    assert result["failed"] and "is 2097183 bytes, more than the 1048576 bytes an OWA web.config could be" in result["msg"], result
    assert not [e for e in lab.log()[seen:] if e["event"] == "cmdlet" and e["cmdlet"] == "Get-Content"]


def test_a_call_past_its_deadline_is_stopped(lab: Lab, tmp_path: Path) -> None:
    lab.owa_lab("fault", "--server", "CAS02", "--latency", "8")
    try:
        started = time.monotonic()
        lab.play(tmp_path, {VDI: {}, "ignore_errors": True, "vars": {"owa_im_remote_timeout": 3, "ansible_winrm_operation_timeout_sec": 1,
                                                                     "ansible_winrm_read_timeout_sec": 3}}, "--limit", "cas02.contoso.lab")
        result = Lab.result(tmp_path, "cas02.contoso.lab")
        assert result["failed"] and "did not finish within 3 seconds" in result["msg"] and "owa_im_remote_timeout" in result["msg"]
        assert time.monotonic() - started < 8 + 5
    finally:
        lab.owa_lab("fault", "--server", "CAS02", "--clear")
