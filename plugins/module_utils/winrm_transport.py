# Copyright: (c) 2026, exchange.owa_im contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The WinRM transport: one pywinrm shell, one remote process per call, transport errors explained."""

from __future__ import annotations

import dataclasses
import typing as t

try:
    import requests
    import winrm
    from winrm.exceptions import InvalidCredentialsError, WinRMError, WinRMOperationTimeoutError, WinRMTransportError
    HAS_WINRM = True
    WINRM_IMPORT_ERROR = None
except ImportError as exc:  # reported as a task failure, not a traceback
    HAS_WINRM = False
    WINRM_IMPORT_ERROR = str(exc)


class ConnectionFailure(Exception):
    """The CAS could not be reached or would not let us in; the message says what to do."""


@dataclasses.dataclass(frozen=True)
class WinRMSettings:
    host: str
    port: int = 5986
    user: t.Optional[str] = None
    password: t.Optional[str] = dataclasses.field(default=None, repr=False)
    transport: str = "ntlm"
    scheme: str = "https"
    path: str = "/wsman"
    server_cert_validation: str = "validate"
    ca_trust_path: t.Optional[str] = None
    kerberos_delegation: bool = False
    message_encryption: str = "auto"
    connection_timeout: int = 60
    cert_pem: t.Optional[str] = None
    cert_key_pem: t.Optional[str] = None

    @property
    def endpoint(self) -> str:
        host = "[%s]" % self.host if ":" in self.host and not self.host.startswith("[") else self.host
        return "%s://%s:%d%s" % (self.scheme, host, self.port, self.path)


@dataclasses.dataclass
class CommandResult:
    exit_code: int
    stdout: str
    stderr: str


def _protocol(settings: WinRMSettings) -> "winrm.Protocol":
    transport = "certificate" if settings.transport == "certificate" else settings.transport
    kwargs: t.Dict[str, t.Any] = dict(
        endpoint=settings.endpoint, transport=transport, username=settings.user, password=settings.password,
        server_cert_validation=settings.server_cert_validation, kerberos_delegation=settings.kerberos_delegation,
        # As Ansible's winrm connection does: the server answers a long poll within the operation timeout, so a
        # read that takes longer than that (plus a second) means the server stopped answering.
        message_encryption=settings.message_encryption, operation_timeout_sec=settings.connection_timeout,
        read_timeout_sec=settings.connection_timeout + 1,
    )
    if settings.ca_trust_path:
        kwargs["ca_trust_path"] = settings.ca_trust_path
    if settings.cert_pem:
        kwargs["cert_pem"] = settings.cert_pem
        kwargs["cert_key_pem"] = settings.cert_key_pem
    return winrm.Protocol(**kwargs)


def run_command(settings: WinRMSettings, command_line: str) -> CommandResult:
    """Run one command line in a new WinRM shell and return its exit code, stdout and stderr."""
    if not HAS_WINRM:
        raise ConnectionFailure("pywinrm is not installed on the Ansible controller (%s): pip install pywinrm" % WINRM_IMPORT_ERROR)
    where = "%s (%s)" % (settings.host, settings.endpoint)
    try:
        protocol = _protocol(settings)
        shell_id = protocol.open_shell(codepage=65001)
        try:
            command_id = protocol.run_command(shell_id, command_line)
            stdout, stderr, code = _receive(protocol, shell_id, command_id)
            protocol.cleanup_command(shell_id, command_id)
        finally:
            try:
                protocol.close_shell(shell_id)
            except Exception:  # the result is what matters; a failed close leaves only an idle shell
                pass
    except InvalidCredentialsError as exc:
        if "requires a" in str(exc) or "cert_" in str(exc):
            # pywinrm refuses before sending anything: no credentials (or certificate files) to send.
            raise ConnectionFailure("no credentials for %s over %s: %s. Set ansible_user and ansible_password (or winrm_user and "
                                    "winrm_password), or winrm_cert_pem and winrm_cert_key_pem for certificate authentication."
                                    % (where, settings.transport, _first_line(exc)))
        raise ConnectionFailure("%s rejected the credentials (HTTP 401) for user %r over %s. Check ansible_user/ansible_password "
                                "(or winrm_user/winrm_password) and that the account may use WinRM on the server."
                                % (where, settings.user, settings.transport))
    except requests.exceptions.SSLError as exc:
        raise ConnectionFailure("TLS to %s failed: %s. Give the CA that issued the server's certificate with "
                                "ansible_winrm_ca_trust_path, or check that the certificate names the host you connect to."
                                % (where, _first_line(exc)))
    except requests.exceptions.ConnectTimeout:
        raise ConnectionFailure("connecting to %s timed out after %d s: is the host up and is WinRM reachable through the firewall?"
                                % (where, settings.connection_timeout))
    except requests.exceptions.ConnectionError as exc:
        text = str(exc)
        if "refused" in text.lower():
            raise ConnectionFailure("%s refused the connection: WinRM is not listening on port %d. Run 'winrm quickconfig' "
                                    "(and for HTTPS, create an HTTPS listener) on the server." % (where, settings.port))
        raise ConnectionFailure("the connection to %s broke before the command finished (%s). The command may have completed on "
                                "the server; re-run the task, which reads the state before changing anything." % (where, _first_line(exc)))
    except requests.exceptions.ReadTimeout:
        raise ConnectionFailure("%s did not answer within %d s; raise winrm_connection_timeout (ansible_winrm_connection_timeout) "
                                "if the server is slow to load the Exchange snap-in." % (where, settings.connection_timeout + 1))
    except WinRMTransportError as exc:
        raise ConnectionFailure("%s answered HTTP %s: %s. Check the WinRM service on the server (winrm enumerate "
                                "winrm/config/listener)." % (where, exc.code, _first_line(exc.message) or "no message"))
    except WinRMError as exc:
        if "is not installed" in str(exc):
            extra = "credssp" if "credssp" in str(exc) else "kerberos"
            raise ConnectionFailure("the %s transport needs a Python package the Ansible controller lacks (%s): pip install "
                                    "'pywinrm[%s]' in the Python that runs Ansible." % (settings.transport, _first_line(exc), extra))
        raise ConnectionFailure("WinRM error from %s: %s" % (where, _first_line(exc)))
    return CommandResult(code, stdout.decode("utf-8", errors="replace"), stderr.decode("utf-8", errors="replace"))


def _receive(protocol: "winrm.Protocol", shell_id: str, command_id: str) -> t.Tuple[bytes, bytes, int]:
    stdout, stderr = b"", b""
    while True:
        try:
            out, err, code, done = protocol.get_command_output_raw(shell_id, command_id)
        except WinRMOperationTimeoutError:
            continue  # the command is still running; WinRM asks us to poll again
        stdout += out
        stderr += err
        if done:
            return stdout, stderr, code


def _first_line(value: t.Any) -> str:
    text = str(value).strip()
    return text.splitlines()[0][:300] if text else ""
