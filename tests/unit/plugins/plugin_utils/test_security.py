"""Issue #15 on the controller: connection settings that expose the password or the traffic, bounded remote output,
linear CLIXML parsing, no credential in messages, inert Markdown."""

from __future__ import annotations

import re
import threading
import time
import typing as t

import pytest

from ansible_collections.exchange.owa_im.plugins.filter.fqdn_error import fqdn_error
from ansible_collections.exchange.owa_im.plugins.filter.markdown_text import markdown_text
from ansible_collections.exchange.owa_im.plugins.filter.plain_text import plain_text
from ansible_collections.exchange.owa_im.plugins.plugin_utils import _remote
from ansible_collections.exchange.owa_im.plugins.plugin_utils._exchange_errors import without_secrets
from ansible_collections.exchange.owa_im.plugins.plugin_utils._records import clixml_errors


class OptionsConnection:
    """A connection plugin as the action plugins see it: a transport name and its options."""

    def __init__(self, plugin: str, **options: t.Any) -> None:
        self.transport = plugin
        self.options = options

    def get_option(self, name: str) -> t.Any:
        if name not in self.options:
            raise KeyError(name)
        return self.options[name]


def winrm(**options: t.Any) -> OptionsConnection:
    extras = {key: options.pop(key) for key in list(options) if key.startswith("ansible_winrm_")}
    return OptionsConnection("winrm", _extras=extras, **options)


BASIC, UNENCRYPTED, UNVERIFIED = _remote.ALLOW_BASIC_OVER_HTTP, _remote.ALLOW_UNENCRYPTED_MESSAGES, _remote.ALLOW_UNVERIFIED_CERTIFICATES

EXPOSURES = [
    # What Windows does by default (NTLM or Kerberos, messages encrypted over HTTP), and HTTPS with validation: allowed.
    (winrm(transport=["ntlm"], scheme="http", port=5985), set()),
    (winrm(transport=["kerberos"], port=5985), set()),
    (winrm(transport=["credssp"], scheme="http"), set()),
    (winrm(transport=["ntlm"], scheme="https", port=5986), set()),
    (winrm(transport=["basic"], scheme="https"), set()),
    (winrm(transport=["ssl"]), set()),
    (winrm(), set()),  # ansible-core's defaults: port 5986, https, Basic over TLS (ssl)
    # Basic over HTTP: the password readable on the wire, and the messages too.
    (winrm(transport=["plaintext"], port=5985), {BASIC, UNENCRYPTED}),
    (winrm(transport=["ssl"], port=5985), {BASIC, UNENCRYPTED}),
    (winrm(transport=["basic"], scheme="http", port=5986), {BASIC, UNENCRYPTED}),
    (winrm(transport=["ntlm", "basic"], scheme="http"), {BASIC, UNENCRYPTED}),
    (winrm(port=5985, remote_user="administrator"), {BASIC, UNENCRYPTED}),  # no transport: plaintext over http
    (winrm(transport="ntlm,plaintext", scheme="http"), {BASIC, UNENCRYPTED}),
    (winrm(transport=["certificate"], scheme="http"), {UNENCRYPTED}),
    (winrm(transport=["ntlm"], scheme="http", ansible_winrm_message_encryption="never"), {UNENCRYPTED}),
    (winrm(transport=["ntlm"], scheme="https", ansible_winrm_message_encryption="never"), set()),
    (winrm(transport=["ntlm"], scheme="https", ansible_winrm_server_cert_validation="ignore"), {UNVERIFIED}),
    (winrm(transport=["ntlm"], scheme="http", ansible_winrm_server_cert_validation="ignore"), set()),
    (OptionsConnection("psrp", auth="ntlm", protocol="http"), set()),
    (OptionsConnection("psrp", auth="negotiate", port=5985), set()),
    (OptionsConnection("psrp", auth="basic", protocol="http"), {BASIC, UNENCRYPTED}),
    (OptionsConnection("psrp", auth="basic", port=5985), {BASIC, UNENCRYPTED}),
    (OptionsConnection("psrp", auth="basic", protocol="https"), set()),
    (OptionsConnection("psrp", auth="ntlm", protocol="http", message_encryption="never"), {UNENCRYPTED}),
    (OptionsConnection("psrp", auth="ntlm", protocol="https", cert_validation="ignore"), {UNVERIFIED}),
    (OptionsConnection("psrp", auth="ntlm", cert_validation=False), {UNVERIFIED}),
    (OptionsConnection("ssh", port=22), set()),
]


def _exposure_id(value: object) -> str:
    # Sets print in hash order, which differs between processes: xdist workers must agree on every test's name.
    return repr(sorted(value)) if isinstance(value, set) else repr(getattr(value, "options", value))


@pytest.mark.parametrize("connection,expected", EXPOSURES, ids=_exposure_id)
def test_exposures_need_their_opt_in(connection: OptionsConnection, expected: t.Set[str]) -> None:
    exposures = _remote.connection_exposures(connection)
    assert {exposure.opt_in for exposure in exposures} == expected
    for exposure in exposures:
        # The refusal names the connection variable, the safer setting and the opt-in.
        assert re.search(r"ansible_(winrm|psrp)_", exposure.refusal()) and exposure.opt_in + ": true" in exposure.refusal()


@pytest.mark.parametrize("connection,warns", [
    (winrm(transport=["credssp"]), True),
    (winrm(transport=["kerberos"], ansible_winrm_kerberos_delegation=True), True),
    (winrm(transport=["kerberos"], ansible_winrm_kerberos_delegation="yes"), True),
    (winrm(transport=["kerberos"]), False),
    (winrm(transport=["ntlm"], ansible_winrm_kerberos_delegation=True), False),
    (OptionsConnection("psrp", auth="credssp"), True),
    (OptionsConnection("psrp", auth="kerberos", negotiate_delegate=True), True),
    (OptionsConnection("psrp", auth="kerberos"), False),
])
def test_credssp_and_unconstrained_delegation_warn(connection: OptionsConnection, warns: bool) -> None:
    warning = _remote.delegation_warning(connection)
    assert bool(warning) is warns
    if warning:
        assert "docs/security.md" in warning


def test_basic_cannot_send_a_password_beyond_latin_1_and_the_message_shows_none_of_it() -> None:
    password = "Pa\u20acsw\u00f6rd-\u65e5"
    problem = _remote.basic_password_problem(winrm(transport=["basic"], scheme="https", remote_password=password))
    assert problem and "ansible_password" in problem and "ntlm" in problem
    assert not {"\u20ac", "\u00f6", "\u65e5"} & set(problem)
    assert "position" not in problem
    # Latin-1 passwords, and transports that never send the password, are left alone.
    assert _remote.basic_password_problem(winrm(transport=["basic"], remote_password="Passw\u00f6rd")) is None
    assert _remote.basic_password_problem(winrm(transport=["ntlm"], remote_password=password)) is None
    assert _remote.basic_password_problem(winrm(transport=["ntlm", "basic"], remote_password=password)) is None


def test_codec_errors_and_secrets_are_masked_in_messages() -> None:
    secret = "Pa\u20acsw\u00f6rd"
    raw = ""
    try:
        secret.encode("latin-1")
    except UnicodeEncodeError as exc:
        raw = "plaintext: %s; user administrator:%s" % (exc, secret)
    assert raw
    masked = without_secrets(raw, [secret])
    assert "\u20ac" not in masked and "\\u20ac" not in masked and "position" not in masked and secret not in masked
    assert masked.startswith("plaintext: 'latin-1' codec can't encode a character (not shown") and masked.endswith("administrator:********")


# The regex clixml_errors once used, r"<Objs .*?</Objs>" with re.S, rescans to the end of the text from every "<Objs "
# that has no end: 120 KB of such stderr took 8.7 s, 240 KB 35.9 s (issue #15), 2.4 MB would take about an hour.
QUADRATIC_STDERR = "#< CLIXML\r\n" + "<Objs " * 400_000


def test_clixml_parsing_is_linear_on_what_was_quadratic() -> None:
    finished: t.List[float] = []

    def parse() -> None:
        started = time.monotonic()
        clixml_errors(QUADRATIC_STDERR)
        clixml_errors(QUADRATIC_STDERR[:240_000] + "</Objs>")
        clixml_errors(QUADRATIC_STDERR.replace("<Objs ", "</Objs><Objs ", 1000))
        finished.append(time.monotonic() - started)

    worker = threading.Thread(target=parse, daemon=True)
    worker.start()
    # A generous bound on a shared machine: linear parsing takes milliseconds here, the old regex an hour.
    worker.join(timeout=60)
    assert finished, "clixml_errors did not finish 2.4 MB of unterminated <Objs within 60 s"


def test_clixml_errors_reads_every_document_whatever_comes_between() -> None:
    document = ('<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04">'
                '<S S="Error">Boom_x000D__x000A_</S><S S="Error">again</S></Objs>')
    assert clixml_errors("#< CLIXML\r\n" + document + "<Objs " * 1000 + document) == ["Boom", "again", "Boom", "again"]


class RawWinrmConnection:
    """The part of ansible-core's winrm connection the limits watch: output comes in receives of 64 KiB."""

    transport = "winrm"

    def __init__(self, stdout_chunks: int, stderr_chunks: int = 0, delay: float = 0.0) -> None:
        self._shell = type("Shell", (), {"SHELL_FAMILY": "powershell"})()
        self.chunks = [(b"o" * 65536, b"") for _index in range(stdout_chunks)] + [(b"", b"e" * 65536) for _index in range(stderr_chunks)]
        self.delay = delay
        self.received = 0

    def _winrm_get_raw_command_output(self, *args: t.Any) -> t.Tuple[bytes, bytes, int, bool]:
        time.sleep(self.delay)
        stdout, stderr = self.chunks[self.received]
        self.received += 1
        return stdout, stderr, 0, self.received == len(self.chunks)

    def exec_command(self, cmd: str, in_data: t.Optional[str] = None, sudoable: bool = True) -> t.Tuple[int, bytes, bytes]:
        stdout, stderr, rc, done = b"", b"", 0, False
        while not done:
            out, err, rc, done = self._winrm_get_raw_command_output("shell", "command")
            stdout, stderr = stdout + out, stderr + err
        return rc, stdout, stderr


def test_output_is_cut_at_the_limit_while_it_arrives() -> None:
    connection = RawWinrmConnection(stdout_chunks=1000)
    with pytest.raises(_remote.LimitExceeded, match="more than 1048576 bytes on standard output.*owa_im_remote_output_limit"):
        _remote.run_script(connection, "iis_restart", {"Method": "iisreset"}, limits=_remote.Limits(stdout_bytes=1024 * 1024))
    # Stopped at the receive that crossed the limit, not after the whole answer; the wrapper is gone afterwards.
    assert connection.received == 17
    assert "_winrm_get_raw_command_output" not in vars(connection)


def test_standard_error_has_its_own_lower_limit() -> None:
    assert _remote.ERROR_LIMIT < _remote.OUTPUT_LIMIT
    connection = RawWinrmConnection(stdout_chunks=1, stderr_chunks=40)
    with pytest.raises(_remote.LimitExceeded, match="standard error.*owa_im_remote_error_limit"):
        _remote.run_script(connection, "iis_restart", {"Method": "iisreset"})
    assert connection.received == 1 + 17


def test_a_call_that_outlasts_its_deadline_is_stopped() -> None:
    connection = RawWinrmConnection(stdout_chunks=50, delay=0.05)
    with pytest.raises(_remote.LimitExceeded, match="did not finish within 0.2 seconds.*owa_im_remote_timeout"):
        _remote.run_script(connection, "iis_restart", {"Method": "iisreset"}, limits=_remote.Limits(seconds=0.2))
    assert connection.received < 10


def test_within_the_limits_the_output_is_whole() -> None:
    output = _remote.run_script(RawWinrmConnection(stdout_chunks=3), "iis_restart", {"Method": "iisreset"})
    assert len(output.stdout) == 3 * 65536


@pytest.mark.parametrize("value,rendered_text", [
    ("ocs|pool\n## Injected heading", "ocs|pool ## Injected heading"),
    ("[click](http://attacker.example)", "[click](http://attacker.example)"),
    ("<script>alert(1)</script>", "<script>alert(1)</script>"),
    ("<img src=x onerror=alert(1)>", "<img src=x onerror=alert(1)>"),
    ("www.evil.example and admin@evil.example", "www.evil.example and admin@evil.example"),
    ("- item", "- item"),
    ("1. item", "1. item"),
    ("**bold** _em_ `code` ~~gone~~", "**bold** _em_ `code` ~~gone~~"),
    ("CAS01\\owa (Default Web Site)", "CAS01\\owa (Default Web Site)"),
    ("&lt;not an entity&#62;", "&lt;not an entity&#62;"),
    ("a\u202eb\u0007c\r\nd", "a\ufffdb c  d"),
])
def test_markdown_text_renders_as_the_text_itself(value: str, rendered_text: str) -> None:
    markdown_it = pytest.importorskip("markdown_it")
    renderer = markdown_it.MarkdownIt("commonmark").enable(["table", "strikethrough"])
    row = "| a | b |\n|---|---|\n| %s | %s |\n" % (markdown_text(value), markdown_text(value))
    html = renderer.render(row)
    # One table, one body row of exactly two cells, nothing but text in them.
    assert html.count("<td>") == 2 and html.count("<tr>") == 2
    for tag in ("<a", "<h1", "<h2", "<script", "<img", "<em", "<strong", "<code", "<s>", "<ul", "<ol", "<del"):
        assert tag not in html, (value, html)
    cells = re.findall(r"<td>(.*?)</td>", html)
    import html as html_module
    assert [html_module.unescape(cell) for cell in cells] == [rendered_text] * 2
    sentence = renderer.render(markdown_text(value) + "\n")
    assert sentence.startswith("<p>") and "<a" not in sentence and "<h" not in sentence


def test_text_is_one_line_and_capped() -> None:
    assert plain_text("x" * 300) == "x" * 256 + "\u2026"
    assert markdown_text("_" * 10, 4) == "\\_" * 4 + "\u2026"
    assert plain_text(None) == "" and plain_text(True) == "True"
    assert "\n" not in markdown_text("a\nb\u2028c")


@pytest.mark.parametrize("value", ["cas01", "cas01.contoso.lab|x", "cas01.contoso.lab\n## h", "[x](http://x).com", "<script>.com", " cas01.contoso.lab",
                                   "", None])
def test_fqdn_error_names_the_variable(value: t.Any) -> None:
    message = fqdn_error(value, "owa_im_cas_fqdn", "the name OCS knows this CAS by")
    assert message.startswith("owa_im_cas_fqdn must be the name OCS knows this CAS by, a fully qualified domain name")


def test_fqdn_error_accepts_fqdns_and_keeps_the_modules_message() -> None:
    assert fqdn_error("cas01.contoso.lab", "owa_im_cas_fqdn", "x") == "" and fqdn_error("ocspool.contoso.com.", "owa_im_server_name") == ""
    assert fqdn_error("ocspool", "owa_im_server_name").startswith(
        "owa_im_server_name must be the fully qualified domain name of the OCS server or pool")
