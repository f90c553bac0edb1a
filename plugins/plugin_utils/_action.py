# Copyright: (c) 2026, exchange.owa_im contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Ansible face shared by every module: options, running a remote script, failing with a message that helps."""

from __future__ import annotations

import typing as t

from ansible.errors import AnsibleError
from ansible.module_utils.common.parameters import remove_values
from ansible.module_utils.common.text.converters import to_text
from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.action import ActionBase

from . import _remote
from ._exchange_errors import ExchangeError, translate, without_secrets
from ._records import RecordError, Records, clixml_errors, parse_records
from ._remote import LimitExceeded, Limits, NotPowerShell, RemoteOutput, run_script
from ._scripts import Value


class ExchangeFailure(Exception):
    """A failure the task reports with this message and these extra result keys."""

    def __init__(self, message: str, **result: t.Any) -> None:
        super().__init__(message)
        self.result = result


def settled_settings(before: t.Mapping[str, t.Any], after: t.Mapping[str, t.Any], changes: t.Mapping[str, t.Any],
                     desired: t.Mapping[str, t.Any], check_mode: bool,
                     differences: t.Callable[[t.Mapping[str, t.Any], t.Mapping[str, t.Any]], t.Mapping[str, t.Any]],
                     what: str) -> t.Dict[str, t.Any]:
    """The settings after a change the server decided and made: predicted in check mode, else as read back.

    The server compares in PowerShell and the controller in Python; when they disagree, or the read-back still differs
    from what was asked, something is off and the task fails rather than report a change it cannot vouch for.
    """
    expected = differences(before, desired)
    if set(expected) != set(changes):
        raise ExchangeFailure("the server and the module disagree on what differs (%s vs %s); nothing further was done"
                              % (sorted(changes), sorted(expected)))
    if check_mode:
        predicted = dict(before)
        predicted.update(changes)
        return predicted
    still = differences(after, desired)
    if still:
        raise ExchangeFailure("Exchange accepted the change but reading %s back shows %s still differ" % (what, ", ".join(sorted(still))),
                              set_parameters=dict(changes))
    return dict(after)


class ExchangeActionBase(ActionBase):
    """Runs on the controller; each module call is one PowerShell process on the CAS, through the host's connection."""

    TRANSFERS_FILES = False
    _supports_check_mode = True
    _supports_async = False
    argument_spec: t.Dict[str, t.Dict[str, t.Any]] = {}
    task_vars: t.Dict[str, t.Any] = {}
    limits: Limits = Limits()

    def run(self, tmp: t.Any = None, task_vars: t.Optional[t.Dict[str, t.Any]] = None) -> t.Dict[str, t.Any]:
        result = super().run(tmp, task_vars)
        del tmp
        self.task_vars = task_vars or {}
        _validation, params = self.validate_argument_spec(argument_spec=self.argument_spec)
        secrets = self.secrets(params)
        connection_error: t.Optional[AnsibleError] = None
        warnings: t.List[str] = []
        try:
            if self._task.become:
                raise ExchangeFailure("exchange.owa_im modules run as the account the connection signs in with; become (runas) is not "
                                      "supported. Remove become from this task and connect as an account with Exchange rights.")
            self.limits = self.remote_limits()
            warnings = self.connection_warnings()
            result.update(self.manage(params))
        except (ExchangeFailure, ExchangeError, NotPowerShell, LimitExceeded, ValueError) as failure:
            result["failed"] = True
            result["msg"] = to_text(failure)
            result.update(getattr(failure, "result", {}))
            if isinstance(failure, ExchangeError):
                result["error_kind"] = failure.kind
                if failure.exchange_message:
                    result["exchange_message"] = failure.exchange_message
            if isinstance(failure, LimitExceeded):
                result.update(msg="%s: %s" % (self.host_label, failure), error_kind="limit_exceeded")
        except AnsibleError as error:
            # The connection plugin's own failures (unreachable among them) stay what they are, without a credential.
            redacted = without_secrets(to_text(error), secrets)
            if redacted == to_text(error):
                raise
            connection_error = type(error)(redacted)
        if connection_error is not None:
            # Raised outside the except block, so the original exception (and its message) is no part of this one.
            raise connection_error
        if warnings:
            result["warnings"] = list(result.get("warnings") or []) + warnings
        if "msg" in result:
            result["msg"] = without_secrets(to_text(result["msg"]), secrets)
        # As AnsibleModule does for modules: no value of a no_log option, nor the connection's password, in the result.
        return remove_values(result, secrets) if secrets else result

    def secrets(self, params: t.Mapping[str, t.Any]) -> t.List[str]:
        """The values this task's result and messages must never show: no_log options and the connection's password."""
        found = [to_text(params[name]) for name, spec in self.argument_spec.items()
                 if spec.get("no_log") and params.get(name) not in (None, "")]
        get_option = getattr(self._connection, "get_option", None)
        if callable(get_option):
            try:
                password = get_option("remote_password")
            except KeyError:
                password = None
            if password:
                found.append(to_text(password))
        return found

    def variable(self, name: str, default: t.Any) -> t.Any:
        """A host variable the collection reads itself (the action plugin receives it untemplated)."""
        value = self.task_vars.get(name, default)
        if isinstance(value, str) and ("{{" in value or "{%" in value):
            value = self._templar.template(value)
        return value

    def opted_in(self, name: str) -> bool:
        value = self.variable(name, False)
        try:
            return boolean(value, strict=True)
        except TypeError:
            raise ExchangeFailure("%s must be true or false; got %r. Nothing was sent to the server." % (name, value))

    def remote_limits(self) -> Limits:
        """The limits of each remote call: owa_im_remote_output_limit, owa_im_remote_error_limit, owa_im_remote_timeout."""
        def positive(name: str, default: int) -> int:
            value = self.variable(name, default)
            try:
                number = int(value) if not isinstance(value, bool) else 0
            except (TypeError, ValueError):
                number = 0
            if number < 1:
                raise ExchangeFailure("%s must be a whole number of 1 or more (default %d); got %r. Nothing was sent to the server."
                                      % (name, default, value))
            return number
        return Limits(positive(_remote.OUTPUT_LIMIT_VARIABLE, _remote.OUTPUT_LIMIT), positive(_remote.ERROR_LIMIT_VARIABLE, _remote.ERROR_LIMIT),
                      positive(_remote.SECONDS_VARIABLE, _remote.CALL_SECONDS))

    def connection_warnings(self) -> t.List[str]:
        """Refuse a connection that exposes the password or the traffic unless its opt-in is set; warn when it is."""
        problem = _remote.basic_password_problem(self._connection)
        if problem:
            raise ExchangeFailure("Refused before connecting to %s: %s" % (self.host_label, problem))
        exposures = _remote.connection_exposures(self._connection)
        refused = [exposure for exposure in exposures if not self.opted_in(exposure.opt_in)]
        if refused:
            raise ExchangeFailure("Refused before connecting to %s; nothing was sent. %s" % (
                self.host_label, " ".join(exposure.refusal() for exposure in refused)))
        warnings = [exposure.warning() for exposure in exposures]
        delegation = _remote.delegation_warning(self._connection)
        return warnings + ([delegation] if delegation else [])

    def manage(self, params: t.Dict[str, t.Any]) -> t.Dict[str, t.Any]:
        raise NotImplementedError

    @property
    def host_label(self) -> str:
        """How messages name the host before the server has named itself."""
        return str(self.task_vars.get("inventory_hostname") or getattr(self._play_context, "remote_addr", None) or "the server")

    def backup_host(self) -> str:
        """The inventory host whose server the task reaches, recorded in the backups it writes there and checked in those
        it reads: the delegated host when the task is delegated (the role reaches the Front End so), since only that host
        restores them."""
        return str(self._task.delegate_to or self.task_vars.get("inventory_hostname") or self.host_label)

    def run_remote(self, script: str, parameters: t.Mapping[str, Value],
                   data: t.Optional[t.Tuple[str, t.Iterable[str]]] = None) -> RemoteOutput:
        return run_script(self._connection, script, parameters, data, self.limits)

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
