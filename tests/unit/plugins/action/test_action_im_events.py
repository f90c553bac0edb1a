"""iis_restart's IM check after the reset and its halt, and owa_im_event_info, with the remote side mocked."""

from __future__ import annotations

import typing as t

import pytest

from ansible import constants as C
from ansible_collections.exchange.owa_im.plugins.action.iis_restart import ActionModule as IisRestart
from ansible_collections.exchange.owa_im.plugins.action.owa_im_event_info import ActionModule as EventInfo
from ansible_collections.exchange.owa_im.plugins.plugin_utils import _owa_probe
from ansible_collections.exchange.owa_im.tests.unit.plugins.action.test_action_plugins import FakeConnection, make, record

SERVER = [record("server", "name", "CAS01")]
RESET = SERVER + [record("restart", "started", "2026-11-25T14:05:31"), record("restart", "exit_code", "0"),
                  record("restart", "output", ["Internet services successfully restarted"])]
PROVIDER_FAILED = ("An exception was thrown while attempting to load the IM provider .dll file. File: C:\\Program Files\\Microsoft\\"
                   "Exchange Server\\V14\\ClientAccess\\OWA\\bin\\Microsoft.Rtc.UCWeb.dll Unable to load one or more of the requested types.")


def events(*found: t.Tuple[str, str, str], worker: str = "638680000000000000") -> t.List[str]:
    lines = SERVER + [record("events_query", "worker_started", worker), record("events_query", "now", "2026-11-25T14:05:40"),
                      record("events_query", "after", "2026-11-25T14:05:31")]
    for index, (event_id, entry_type, text) in enumerate(found):
        name = "event/%d" % index
        lines += [record(name, "event_id", event_id), record(name, "entry_type", entry_type), record(name, "time", "2026-11-25T14:05:33"),
                  record(name, "message_length", str(len(text))), record(name, "message", text)]
    return lines


class Connection(FakeConnection):
    """Answers each remote process in turn."""

    def __init__(self, *answers: t.List[str]) -> None:
        super().__init__("")
        self.answers = ["\r\n".join(lines) + "\r\n" for lines in answers]

    def exec_command(self, cmd: str, in_data: t.Optional[str] = None, sudoable: bool = True) -> t.Tuple[int, bytes, bytes]:
        self.calls.append((cmd, in_data or ""))
        return 0, self.answers[len(self.calls) - 1].encode("utf-8"), b""

    def parameters(self, call: int) -> t.Dict[str, t.Any]:
        calls, self.calls = self.calls, self.calls[: call + 1]
        try:
            return self.sent_parameters()
        finally:
            self.calls = calls


@pytest.fixture(autouse=True)
def answering_owa(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_owa_probe, "wait_until_answering", lambda *args, **kwargs: {"status": 302})


def restart(connection: Connection, tmp_path: t.Any, monkeypatch: pytest.MonkeyPatch, host: str = "cas01", **args: t.Any) -> t.Dict[str, t.Any]:
    monkeypatch.setattr(C, "DEFAULT_LOCAL_TMP", str(tmp_path))
    plugin = make(IisRestart, connection, dict({"wait_url": "https://cas01.contoso.com/owa/", "check_im_events": True}, **args))
    plugin._task._uuid = "0242ac11-0002-task"
    return plugin.run(task_vars={"inventory_hostname": host})


def test_an_im_error_after_the_reset_fails_the_server_with_the_events_words(tmp_path: t.Any, monkeypatch: pytest.MonkeyPatch) -> None:
    connection = Connection(RESET, events(("87", "Error", PROVIDER_FAILED)))
    result = restart(connection, tmp_path, monkeypatch)
    assert result["failed"] and result["rc"] == 0 and result["im_provider_loaded"] is False
    assert "OWA logged event 87 (MSExchange OWA ErrorIMProviderExceptionDuringLoad, Error)" in result["msg"]
    assert "Unable to load one or more of the requested types" in result["msg"] and "Fix: Install or repair" in result["msg"]
    assert result["im_events"][0]["event_id"] == 87
    # The second process reads the IM events from the server's own clock at the start of the reset.
    sent = connection.parameters(1)
    assert "script:owa_im_events" in sent and sent["Since"] == "2026-11-25T14:05:31" and "87" in sent["EventIds"]


def test_the_provider_loaded_passes_and_the_events_come_back(tmp_path: t.Any, monkeypatch: pytest.MonkeyPatch) -> None:
    result = restart(Connection(RESET, events(("112", "Information", "loaded"))), tmp_path, monkeypatch)
    assert not result.get("failed") and result["im_provider_loaded"] is True and result["im_events"][0]["event_id"] == 112
    assert "warnings" not in result


def test_a_warning_event_and_no_worker_are_said(tmp_path: t.Any, monkeypatch: pytest.MonkeyPatch) -> None:
    result = restart(Connection(RESET, events(("106", "Warning", "expires soon"))), tmp_path, monkeypatch)
    assert not result.get("failed") and "event 106" in result["warnings"][0]
    result = restart(Connection(RESET, events(worker="0")), tmp_path, monkeypatch, wait_url=None)
    assert not result.get("failed") and "OWA has not started since the reset" in result["warnings"][0]


def test_without_check_im_events_one_process_only(tmp_path: t.Any, monkeypatch: pytest.MonkeyPatch) -> None:
    connection = Connection(RESET)
    result = restart(connection, tmp_path, monkeypatch, check_im_events=False)
    assert not result.get("failed") and len(connection.calls) == 1 and "im_events" not in result


def test_a_server_that_sent_no_reset_time_cannot_be_checked(tmp_path: t.Any, monkeypatch: pytest.MonkeyPatch) -> None:
    connection = Connection([line for line in RESET if "|started|" not in line])
    result = restart(connection, tmp_path, monkeypatch)
    assert result["failed"] and "did not say when its reset started" in result["msg"] and len(connection.calls) == 1


def test_after_one_server_failed_the_task_resets_no_other(tmp_path: t.Any, monkeypatch: pytest.MonkeyPatch) -> None:
    first = restart(Connection(RESET, events(("87", "Error", PROVIDER_FAILED))), tmp_path, monkeypatch, halt_on_failure=True)
    assert first["failed"]
    untouched = Connection()
    second = restart(untouched, tmp_path, monkeypatch, host="cas02", halt_on_failure=True)
    assert second["failed"] and untouched.calls == []
    assert second["msg"].startswith("cas02 was not reset: cas01 failed earlier in this task") and "event 87" in second["msg"]
    # Without halt_on_failure the task goes on, as Ansible's own throttle does.
    other = restart(Connection(RESET, events()), tmp_path, monkeypatch, host="cas03", halt_on_failure=False)
    assert not other.get("failed")


def test_check_mode_reads_no_events(tmp_path: t.Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(C, "DEFAULT_LOCAL_TMP", str(tmp_path))
    connection = Connection(SERVER + [record("restart_state", "pending", True)])
    plugin = make(IisRestart, connection, {"check_im_events": True, "when_pending": True, "halt_on_failure": True}, check_mode=True)
    result = plugin.run(task_vars={})
    assert not result.get("failed") and len(connection.calls) == 1 and list(tmp_path.iterdir()) == []


def test_event_info_checks_its_options_before_the_server_is_asked() -> None:
    for args, words in (({"since": "2026-11-25T14:05", "minutes_back": 5}, "not both"), ({"since": "now"}, "worker_start or a time"),
                        ({"ids": [70000]}, "65535"), ({"max_events": 0}, "max_events"), ({"query": "events[?"}, "JMESPath")):
        connection = Connection()
        result = make(EventInfo, connection, args).run(task_vars={})
        assert result["failed"] and words in result["msg"] and connection.calls == [], (args, result["msg"])


def test_event_info_returns_the_events_and_the_query() -> None:
    connection = Connection(events(("87", "Error", PROVIDER_FAILED), ("112", "Information", "loaded")))
    result = make(EventInfo, connection, {"ids": [87, 112], "query": "im_errors[].event_id"}).run(task_vars={})
    assert not result.get("failed") and result["changed"] is False and result["query_result"] == [87]
    assert result["provider_loaded"] is True and result["worker_started"] is not None
    sent = connection.sent_parameters()
    assert sent["Since"] == "worker_start" and sent["EventIds"] == ["87", "112"] and sent["MaxEvents"] == "50"


def test_event_info_reports_a_log_it_cannot_read() -> None:
    connection = Connection(SERVER + [record("error", "kind", "event_log"), record("error", "message", "Access is denied")])
    result = make(EventInfo, connection, {"minutes_back": 30}).run(task_vars={})
    assert result["failed"] and "Application log could not be read" in result["msg"] and "Access is denied" in result["msg"]


def test_the_old_workers_shutdown_complaints_are_warnings(tmp_path: t.Any, monkeypatch: pytest.MonkeyPatch) -> None:
    result = restart(Connection(RESET, events(("77", "Error", "terminate failed"), ("112", "Information", "loaded"))), tmp_path, monkeypatch)
    assert not result.get("failed") and result["im_provider_loaded"] is True
    assert "event 77" in result["warnings"][0]
