# Copyright: (c) 2026, exchange.owa_im contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The connection: one remote PowerShell process per call, through the host's own Ansible connection plugin.

winrm, psrp or any connection whose shell is PowerShell: every documented connection variable (Kerberos with kinit,
CredSSP, certificates, proxies, send_cbt, ...) works unchanged, and a connection that fails raises Ansible's
AnsibleConnectionFailure, so the task is unreachable as everywhere in Ansible.

What the connection settings expose is checked before the first call (connection_exposures), and what a server may
send back is bounded (Limits): a hostile or broken server cannot fill the controller's memory or keep a task forever.
"""

from __future__ import annotations

import contextlib
import dataclasses
import time
import typing as t

from ansible.module_utils.common.text.converters import to_text

from ._scripts import Value, bootstrap, payload

# cmd.exe starts each command of a WinRM command shell and refuses a command line longer than this (KB 830473).
COMMAND_LINE_LIMIT = 8191

# Our scripts answer in kilobytes (a web.config is the largest, read only up to 1 MiB); these bounds are far above
# that and far below what would hurt the controller. Standard error is bounded lower: Ansible's winrm connection
# decodes a CLIXML standard error itself, in time that grows with the square of its length (ansible-core 2.16-2.19,
# shell/powershell.py _parse_clixml copies the rest of the text after each <Objs> document).
OUTPUT_LIMIT = 16 * 1024 * 1024
ERROR_LIMIT = 1024 * 1024
# Longer than the slowest call: ocs_components waits up to installer_timeout (default 1800 s) for each of 3 installers.
CALL_SECONDS = 7200

OUTPUT_LIMIT_VARIABLE = "owa_im_remote_output_limit"
ERROR_LIMIT_VARIABLE = "owa_im_remote_error_limit"
SECONDS_VARIABLE = "owa_im_remote_timeout"


class NotPowerShell(Exception):
    """The task's connection does not reach PowerShell; the message says what to set."""


@dataclasses.dataclass(frozen=True)
class RemoteOutput:
    rc: int
    stdout: str
    stderr: str


@dataclasses.dataclass(frozen=True)
class Limits:
    """How much one remote call may send back on each stream, and for how long, before it is stopped."""

    stdout_bytes: int = OUTPUT_LIMIT
    stderr_bytes: int = ERROR_LIMIT
    seconds: float = CALL_SECONDS


class LimitExceeded(Exception):
    """A remote call sent more than its limit or outlasted its deadline; the call was stopped, its output dropped."""


class _Watch:
    """Counts what one call receives and how long it takes, and stops it at the first limit it crosses."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.deadline = time.monotonic() + limits.seconds
        self.received = {"stdout": 0, "stderr": 0}

    def check_time(self) -> None:
        if time.monotonic() > self.deadline:
            raise LimitExceeded(
                "the remote call did not finish within %s seconds and was stopped. A CAS answers each call in seconds or "
                "minutes (installers within installer_timeout); look at what the server runs, or raise %s if it needs longer."
                % (_number(self.limits.seconds), SECONDS_VARIABLE))

    def count(self, stream: str, size: int) -> None:
        self.received[stream] += size
        limit, variable = ((self.limits.stdout_bytes, OUTPUT_LIMIT_VARIABLE) if stream == "stdout"
                           else (self.limits.stderr_bytes, ERROR_LIMIT_VARIABLE))
        if self.received[stream] > limit:
            raise LimitExceeded(
                "the server sent more than %d bytes on standard %s and the call was stopped: this collection's scripts "
                "answer in kilobytes, so the server is not running them as sent. Look at the server, or raise %s if a "
                "larger answer is expected." % (limit, "output" if stream == "stdout" else "error", variable))


def _number(value: float) -> str:
    return ("%d" % value) if float(value).is_integer() else ("%g" % value)


@contextlib.contextmanager
def _watched(connection: t.Any, watch: _Watch) -> t.Iterator[bool]:
    """Count what ``connection`` receives while the block runs, one receive at a time (so nothing is kept past a limit).

    The winrm connection receives through its method _winrm_get_raw_command_output (ansible-core 2.16-2.19), psrp through
    its runspace pool's WinRS shell (pypsrp); either is wrapped on this connection object only, for this call only.
    A connection we cannot watch is still held to the limits once exec_command returns.
    """
    patched: t.List[t.Tuple[t.Any, str]] = []
    if is_psrp(connection):
        if getattr(connection, "runspace", None) is None and callable(getattr(connection, "_connect", None)):
            connection._connect()
        shell = getattr(getattr(connection, "runspace", None), "shell", None)
        receive = getattr(shell, "receive", None)
        if callable(receive):
            def psrp_receive(*args: t.Any, **kwargs: t.Any) -> t.Any:
                watch.check_time()
                answer = receive(*args, **kwargs)
                # PSRP carries every PowerShell stream inside these messages: they all count as output.
                watch.count("stdout", sum(len(data or b"") for data in answer[2].values()))
                return answer
            shell.receive = psrp_receive
            patched.append((shell, "receive"))
    else:
        raw_output = getattr(connection, "_winrm_get_raw_command_output", None)
        if callable(raw_output):
            def winrm_receive(*args: t.Any, **kwargs: t.Any) -> t.Any:
                watch.check_time()
                stdout, stderr, rc, done = raw_output(*args, **kwargs)
                watch.count("stdout", len(stdout))
                watch.count("stderr", len(stderr))
                return stdout, stderr, rc, done
            connection._winrm_get_raw_command_output = winrm_receive
            patched.append((connection, "_winrm_get_raw_command_output"))
    try:
        yield bool(patched)
    finally:
        for owner, name in patched:
            delattr(owner, name)


# The variables that accept, host by host, a connection setting that exposes the password or the traffic.
ALLOW_BASIC_OVER_HTTP = "owa_im_allow_basic_over_http"
ALLOW_UNENCRYPTED_MESSAGES = "owa_im_allow_unencrypted_messages"
ALLOW_UNVERIFIED_CERTIFICATES = "owa_im_allow_unverified_certificates"

# Authentications that send the password itself (Basic; pywinrm's plaintext and ssl transports are Basic too), and
# those that can seal WinRM messages over HTTP (MS-WSMV 2.2.9.1); certificate authentication needs HTTPS.
_BASIC = frozenset(("basic", "plaintext", "ssl"))
_SEALING = frozenset(("ntlm", "kerberos", "credssp", "negotiate"))
_NOT_VALIDATING = frozenset(("ignore", "false", "no", "off", "0"))


@dataclasses.dataclass(frozen=True)
class Exposure:
    """A connection setting that exposes the password or the traffic, and the variable that accepts it."""

    opt_in: str
    setting: str
    risk: str
    fix: str

    def refusal(self) -> str:
        return "%s %s. %s; or set %s: true for this host to accept that." % (self.setting, self.risk, self.fix, self.opt_in)

    def warning(self) -> str:
        return "%s is true: %s %s." % (self.opt_in, self.setting, self.risk)


@dataclasses.dataclass(frozen=True)
class Transport:
    """What a winrm or psrp connection will do, read from its options as the connection plugin reads them."""

    prefix: str
    https: bool
    scheme_setting: str
    authentications: t.Tuple[str, ...]
    authentication_setting: str
    encryption: str
    encryption_setting: str
    validates_certificate: bool
    validation_setting: str
    delegates: bool
    delegation_setting: str


def _option(connection: t.Any, name: str) -> t.Any:
    get_option = getattr(connection, "get_option", None)
    if not callable(get_option):
        return None
    try:
        return get_option(name)
    except KeyError:
        return None


def _port(value: t.Any) -> t.Optional[int]:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _words(value: t.Any) -> t.Tuple[str, ...]:
    items = value.split(",") if isinstance(value, str) else list(value or [])
    return tuple(str(item).strip().lower() for item in items if item is not None and str(item).strip())


def transport(connection: t.Any) -> t.Optional[Transport]:
    """How ``connection`` authenticates and protects its traffic; None for a connection that is neither winrm nor psrp."""
    port = _port(_option(connection, "port"))
    if is_psrp(connection):
        protocol = _option(connection, "protocol")
        # ansible-core psrp _build_kwargs: https unless the protocol says http or the port is 5985.
        https = protocol == "https" if protocol else port != 5985
        validation = _option(connection, "cert_validation")
        return Transport(
            "ansible_psrp_", https, "ansible_psrp_protocol %s (port %s)" % ("https" if https else "http", port or "default"),
            _words(_option(connection, "auth") or "negotiate"), "ansible_psrp_auth",
            str(_option(connection, "message_encryption") or "auto").lower(), "ansible_psrp_message_encryption",
            validation is not False and str(validation).lower() not in _NOT_VALIDATING, "ansible_psrp_cert_validation",
            bool(_option(connection, "negotiate_delegate")), "ansible_psrp_negotiate_delegate: true")
    if str(getattr(connection, "transport", "") or "").rpartition(".")[2] != "winrm":
        return None
    scheme = _option(connection, "scheme")
    # ansible-core winrm _build_winrm_kwargs: the scheme is http on port 5985 when unset; without a transport it is
    # kerberos for a user@domain, else Basic (ssl over https, plaintext over http).
    https = scheme == "https" if scheme else port != 5985
    user = str(_option(connection, "remote_user") or "")
    authentications = _words(_option(connection, "transport")) or (
        ("kerberos",) if "@" in user else ("ssl",) if https else ("plaintext",))
    extras = _option(connection, "_extras") or {}
    return Transport(
        "ansible_winrm_", https, "ansible_winrm_scheme %s (port %s)" % ("https" if https else "http", port or "default"),
        authentications, "ansible_winrm_transport",
        str(extras.get("ansible_winrm_message_encryption") or "auto").lower(), "ansible_winrm_message_encryption",
        str(extras.get("ansible_winrm_server_cert_validation") or "validate").lower() not in _NOT_VALIDATING,
        "ansible_winrm_server_cert_validation",
        "kerberos" in authentications and str(extras.get("ansible_winrm_kerberos_delegation")).lower() in ("true", "yes", "1", "on"),
        "ansible_winrm_kerberos_delegation: true")


def connection_exposures(connection: t.Any) -> t.List[Exposure]:
    """What this host's connection settings expose, each with the variable that accepts it."""
    found = transport(connection)
    if found is None:
        return []
    exposures = []
    auth = "%s %s" % (found.authentication_setting, ", ".join(found.authentications))
    if not found.https and _BASIC.intersection(found.authentications):
        exposures.append(Exposure(
            ALLOW_BASIC_OVER_HTTP, "%s over %s" % (auth, found.scheme_setting),
            "sends the password with Basic authentication over plain HTTP, readable by anyone on the network path",
            "Use HTTPS (%s: https, port 5986), or ntlm, kerberos or credssp, which never send the password"
            % ("ansible_psrp_protocol" if found.prefix == "ansible_psrp_" else "ansible_winrm_scheme")))
    if not found.https and (found.encryption == "never" or not _SEALING.issuperset(found.authentications)):
        setting = ("%s: never" % found.encryption_setting if found.encryption == "never" else auth)
        exposures.append(Exposure(
            ALLOW_UNENCRYPTED_MESSAGES, "%s over %s" % (setting, found.scheme_setting),
            "sends every script, value and answer unencrypted over plain HTTP, where anyone on the network path can read "
            "and change them (and so run their own PowerShell as your account)",
            "Use HTTPS, or leave %s at auto with ntlm, kerberos or credssp, which encrypt each message over HTTP"
            % found.encryption_setting))
    if found.https and not found.validates_certificate:
        exposures.append(Exposure(
            ALLOW_UNVERIFIED_CERTIFICATES, "%s: ignore" % found.validation_setting,
            "accepts any server certificate, so anyone who can redirect the traffic can pose as the CAS and receive "
            "your credentials and scripts",
            "Trust the CA that issued the CAS's WinRM certificate (%s)"
            % ("ansible_psrp_ca_cert" if found.prefix == "ansible_psrp_" else "ansible_winrm_ca_trust_path")))
    return exposures


def delegation_warning(connection: t.Any) -> t.Optional[str]:
    """A warning when the connection hands the CAS a credential it can reuse anywhere (CredSSP, unconstrained delegation)."""
    found = transport(connection)
    if found is None:
        return None
    if "credssp" in found.authentications:
        setting = "%s credssp" % found.authentication_setting
    elif found.delegates:
        setting = found.delegation_setting
    else:
        return None
    return ("%s gives each CAS a credential of your account that it can reuse against any server of the domain: "
            "whoever controls one CAS while you are connected can act as you. Kerberos constrained delegation limits "
            "that to the services Exchange needs; see docs/security.md of exchange.owa_im." % setting)


def basic_password_problem(connection: t.Any) -> t.Optional[str]:
    """Why Basic authentication cannot send this password, without showing any of it; None when it can or is not used."""
    found = transport(connection)
    if found is None or not found.authentications or not _BASIC.issuperset(found.authentications):
        return None
    password = _option(connection, "remote_password")
    try:
        str(password or "").encode("latin-1")
    except UnicodeEncodeError:
        return ("the password (ansible_password) holds characters that Basic authentication (%s %s) cannot send: it "
                "encodes user:password in Latin-1. Use ntlm, kerberos or credssp, or a password of Latin-1 characters."
                % (found.authentication_setting, ", ".join(found.authentications)))
    return None


def shell_family(connection: t.Any) -> str:
    return str(getattr(getattr(connection, "_shell", None), "SHELL_FAMILY", "") or "")


def is_psrp(connection: t.Any) -> bool:
    return str(getattr(connection, "transport", "") or getattr(connection, "_load_name", "")).endswith("psrp")


def command_line(connection: t.Any) -> str:
    """The command line the winrm connection plugin sends for the bootstrap (its length is what cmd.exe limits)."""
    return connection._shell._encode_script(bootstrap(), as_list=False, strict_mode=False, preserve_rc=False)


def run_script(connection: t.Any, name: str, parameters: t.Mapping[str, Value],
               data: t.Optional[t.Tuple[str, t.Iterable[str]]] = None, limits: Limits = Limits()) -> RemoteOutput:
    """Run script ``name`` with ``parameters`` in one new PowerShell process on the host ``connection`` reaches.

    Raises LimitExceeded when the server sends more than ``limits`` allow or the call outlasts them.
    """
    if shell_family(connection) != "powershell":
        raise NotPowerShell(
            "this task's connection is %r with the %r shell, which does not reach Windows PowerShell on a Client Access server. "
            "Run the task on the CAS hosts with ansible_connection: winrm (or psrp); with delegate_to, delegate to a CAS, not "
            "to localhost." % (getattr(connection, "transport", None) or type(connection).__name__, shell_family(connection) or "unknown"))
    # winrm (every ansible-core from 2.16) encodes the bootstrap it is given into -EncodedCommand, exactly once. psrp
    # runs a script it is given as-is with the input as raw objects, but decodes an already encoded command line and
    # hands the input over as text: lines on 2.19, one string before (the bootstrap splits either into lines).
    command = command_line(connection) if is_psrp(connection) else bootstrap()
    stdin = payload(name, parameters, data).decode("ascii")
    watch = _Watch(limits)
    with _watched(connection, watch) as watching:
        rc, stdout, stderr = connection.exec_command(command, in_data=stdin, sudoable=False)
    if not watching:
        watch.count("stdout", len(stdout))
        watch.count("stderr", len(stderr))
    return RemoteOutput(int(rc), to_text(stdout, errors="surrogate_or_replace"), to_text(stderr, errors="surrogate_or_replace"))
