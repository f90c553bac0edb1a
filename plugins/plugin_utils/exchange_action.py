# Copyright: (c) 2026, exchange.owa_im contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Ansible face shared by every module: options, connection variables, running, failing."""

from __future__ import annotations

import typing as t

from ansible.module_utils.common.text.converters import to_text
from ansible.plugins.action import ActionBase

from ansible_collections.exchange.owa_im.plugins.module_utils.option_specs import WINRM_OPTION_SPEC as WINRM_OPTIONS
from ansible_collections.exchange.owa_im.plugins.module_utils.exchange_errors import ExchangeError, clixml_errors, translate
from ansible_collections.exchange.owa_im.plugins.module_utils.powershell_script import encode_command
from ansible_collections.exchange.owa_im.plugins.module_utils.result_records import RecordError, Records, parse_records
from ansible_collections.exchange.owa_im.plugins.module_utils.winrm_transport import ConnectionFailure, WinRMSettings, run_command


_TRANSPORT_ALIASES = {"plaintext": "basic", "ssl": "basic"}


class ExchangeFailure(Exception):
    """A failure the task reports with this message and these extra result keys."""

    def __init__(self, message: str, **result: t.Any) -> None:
        super().__init__(message)
        self.result = result


def _boolean(value: t.Any) -> bool:
    return str(value).strip().lower() in ("1", "true", "yes", "on", "y")


class ExchangeActionBase(ActionBase):
    """Runs on the controller; reaches the CAS with pywinrm, never through a module on the server."""

    TRANSFERS_FILES = False
    _requires_connection = False
    _supports_check_mode = True
    _supports_async = False
    argument_spec: t.Dict[str, t.Dict[str, t.Any]] = {}
    task_vars: t.Dict[str, t.Any] = {}

    def run(self, tmp: t.Any = None, task_vars: t.Optional[t.Dict[str, t.Any]] = None) -> t.Dict[str, t.Any]:
        result = super().run(tmp, task_vars)
        self.task_vars = task_vars or {}
        spec = dict(self.argument_spec)
        spec.update(WINRM_OPTIONS)
        validation, params = self.validate_argument_spec(argument_spec=spec)
        try:
            settings = self.winrm_settings(params)
            result.update(self.manage(params, settings))
        except (ExchangeFailure, ConnectionFailure, ExchangeError, ValueError) as failure:
            result["failed"] = True
            result["msg"] = to_text(failure)
            result.update(getattr(failure, "result", {}))
            if isinstance(failure, ExchangeError):
                result["error_kind"] = failure.kind
                if failure.exchange_message:
                    result["exchange_message"] = failure.exchange_message
        return result

    def manage(self, params: t.Dict[str, t.Any], settings: WinRMSettings) -> t.Dict[str, t.Any]:
        raise NotImplementedError

    # ----- connection ------------------------------------------------------------------------------
    def _connection_values(self) -> t.Dict[str, t.Any]:
        """What the host's own winrm connection would use: its options and ansible_winrm_* extras."""
        connection = self._connection
        if getattr(connection, "transport", "") != "winrm" and not getattr(connection, "_load_name", "").endswith("winrm"):
            return {}
        values: t.Dict[str, t.Any] = {}

        def option(name: str) -> t.Any:
            try:
                return connection.get_option(name)
            except KeyError:
                return None

        transport = option("transport")
        if isinstance(transport, list):
            transport = transport[0] if transport else None
        values.update(host=option("remote_addr"), port=option("port"), user=option("remote_user"),
                      password=option("remote_password"), transport=transport, scheme=option("scheme"),
                      path=option("path"), connection_timeout=option("connection_timeout"))
        extras = option("_extras") or {}
        for key in ("server_cert_validation", "ca_trust_path", "kerberos_delegation", "message_encryption", "cert_pem", "cert_key_pem"):
            if "ansible_winrm_%s" % key in extras:
                values[key] = extras["ansible_winrm_%s" % key]
        return {k: v for k, v in values.items() if v is not None}

    def winrm_settings(self, params: t.Mapping[str, t.Any]) -> WinRMSettings:
        values = self._connection_values()
        for option in WINRM_OPTIONS:
            if params.get(option) is not None:
                values[option[len("winrm_"):]] = params[option]
        if not values.get("host"):
            raise ExchangeFailure("no Client Access server to connect to: run the task on a host whose ansible_connection is "
                                  "winrm, or set winrm_host (with winrm_user and winrm_password) when delegating to localhost.")
        scheme = values.get("scheme") or ("http" if values.get("port") == 5985 else "https")
        transport = str(values.get("transport") or "ntlm").lower()
        transport = _TRANSPORT_ALIASES.get(transport, transport)
        if transport in ("ntlm", "basic", "credssp") and not (values.get("user") and values.get("password")):
            missing = "ansible_user (or winrm_user)" if not values.get("user") else "ansible_password (or winrm_password)"
            raise ExchangeFailure("no credentials for %s over %s: %s is empty. Set ansible_user and ansible_password (or winrm_user "
                                  "and winrm_password) for the Client Access servers." % (values["host"], transport, missing))
        return WinRMSettings(
            host=str(values["host"]), port=int(values.get("port") or (5985 if scheme == "http" else 5986)),
            user=values.get("user"), password=values.get("password"), transport=transport, scheme=scheme,
            path=values.get("path") or "/wsman",
            server_cert_validation=str(values.get("server_cert_validation") or "validate"),
            ca_trust_path=values.get("ca_trust_path"), kerberos_delegation=_boolean(values.get("kerberos_delegation", False)),
            message_encryption=str(values.get("message_encryption") or "auto"),
            connection_timeout=int(values.get("connection_timeout") or 60),
            cert_pem=values.get("cert_pem"), cert_key_pem=values.get("cert_key_pem"))

    # ----- running -------------------------------------------------------------------------------
    def run_exchange_script(self, settings: WinRMSettings, script: str,
                            on_error: t.Optional[t.Callable[[Records], None]] = None) -> Records:
        """Run one script in one remote PowerShell process; return its records or raise what went wrong.

        ``on_error`` sees the records of a script that reported an error first, to raise a failure of its own.
        """
        outcome = run_command(settings, encode_command(script))
        try:
            records = parse_records(outcome.stdout)
        except RecordError as exc:
            errors = clixml_errors(outcome.stderr)
            raise ExchangeFailure("unexpected output from %s: %s%s" % (settings.host, exc, ("; stderr: " + " | ".join(errors[:6])) if errors else ""))
        server = records.get("server", {}).get("name") or settings.host
        if "error" in records:
            if on_error is not None:
                on_error(records)
            raise translate(records["error"], server)
        if outcome.exit_code != 0:
            errors = clixml_errors(outcome.stderr)
            raise ExchangeFailure("the remote script on %s ended with exit code %d: %s"
                                  % (server, outcome.exit_code, " | ".join(errors[:8]) or "no error text"))
        return records
