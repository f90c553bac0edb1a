# Copyright: (c) 2026, exchange.owa_im contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Ansible face shared by every module: options, running a remote script, failing with a message that helps."""

from __future__ import annotations

import typing as t

from ansible.module_utils.common.text.converters import to_text
from ansible.plugins.action import ActionBase

from ._exchange_errors import ExchangeError, translate
from ._records import RecordError, Records, clixml_errors, parse_records
from ._remote import NotPowerShell, RemoteOutput, run_script
from ._scripts import Value


class ExchangeFailure(Exception):
    """A failure the task reports with this message and these extra result keys."""

    def __init__(self, message: str, **result: t.Any) -> None:
        super().__init__(message)
        self.result = result


class ExchangeActionBase(ActionBase):
    """Runs on the controller; each module call is one PowerShell process on the CAS, through the host's connection."""

    TRANSFERS_FILES = False
    _supports_check_mode = True
    _supports_async = False
    argument_spec: t.Dict[str, t.Dict[str, t.Any]] = {}
    task_vars: t.Dict[str, t.Any] = {}

    def run(self, tmp: t.Any = None, task_vars: t.Optional[t.Dict[str, t.Any]] = None) -> t.Dict[str, t.Any]:
        result = super().run(tmp, task_vars)
        del tmp
        self.task_vars = task_vars or {}
        _validation, params = self.validate_argument_spec(argument_spec=self.argument_spec)
        try:
            if self._task.become:
                raise ExchangeFailure("exchange.owa_im modules run as the account the connection signs in with; become (runas) is not "
                                      "supported. Remove become from this task and connect as an account with Exchange rights.")
            result.update(self.manage(params))
        except (ExchangeFailure, ExchangeError, NotPowerShell, ValueError) as failure:
            result["failed"] = True
            result["msg"] = to_text(failure)
            result.update(getattr(failure, "result", {}))
            if isinstance(failure, ExchangeError):
                result["error_kind"] = failure.kind
                if failure.exchange_message:
                    result["exchange_message"] = failure.exchange_message
        return result

    def manage(self, params: t.Dict[str, t.Any]) -> t.Dict[str, t.Any]:
        raise NotImplementedError

    @property
    def host_label(self) -> str:
        """How messages name the host before the server has named itself."""
        return str(self.task_vars.get("inventory_hostname") or getattr(self._play_context, "remote_addr", None) or "the server")

    def run_remote(self, script: str, parameters: t.Mapping[str, Value],
                   data: t.Optional[t.Tuple[str, t.Iterable[str]]] = None) -> RemoteOutput:
        return run_script(self._connection, script, parameters, data)

    def run_exchange_script(self, script: str, parameters: t.Mapping[str, Value],
                            on_error: t.Optional[t.Callable[[Records], None]] = None,
                            data: t.Optional[t.Tuple[str, t.Iterable[str]]] = None) -> Records:
        """Run one script in one remote PowerShell process; return its records or raise what went wrong.

        ``on_error`` sees the records of a script that reported an error first, to raise a failure of its own.
        """
        outcome = self.run_remote(script, parameters, data) if data is not None else self.run_remote(script, parameters)
        try:
            records = parse_records(outcome.stdout)
        except RecordError as exc:
            errors = clixml_errors(outcome.stderr)
            raise ExchangeFailure("unexpected output from %s: %s%s" % (self.host_label, exc, ("; stderr: " + " | ".join(errors[:6])) if errors else ""))
        server = records.get("server", {}).get("name") or self.host_label
        if "error" in records:
            if on_error is not None:
                on_error(records)
            raise translate(records["error"], server)
        if outcome.rc != 0:
            errors = clixml_errors(outcome.stderr)
            raise ExchangeFailure("the remote script on %s ended with exit code %d: %s"
                                  % (server, outcome.rc, " | ".join(errors[:8]) or "no error text"))
        return records
