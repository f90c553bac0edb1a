"""OWA's IM events: the ID table, the options, and the server's answer read strictly and bounded."""

from __future__ import annotations

import base64

import pytest

from ansible_collections.exchange.owa_im.plugins.plugin_utils import _owa_events
from ansible_collections.exchange.owa_im.plugins.plugin_utils._action import ExchangeFailure
from ansible_collections.exchange.owa_im.plugins.plugin_utils._records import parse_records


def answer(*lines: tuple[str, str, str]) -> str:
    """Records as owa_im_events.ps1 writes them: (record, field, text) as strings."""
    return "\r\n".join("OWAIM|%s|%s|string|%s" % (r, f, base64.b64encode(v.encode()).decode()) for r, f, v in lines) + "\r\n"


def event(index: int, event_id: str, message: str = "text", entry_type: str = "Error") -> list[tuple[str, str, str]]:
    name = "event/%d" % index
    return [(name, "event_id", event_id), (name, "entry_type", entry_type), (name, "time", "2026-11-25T14:05:32"),
            (name, "message_length", str(len(message))), (name, "message", message)]


def test_the_table_says_which_ids_are_errors_and_how_sure_it_is_of_each() -> None:
    assert _owa_events.EVENTS[112].level == "information" and 112 not in _owa_events.ERROR_IDS
    assert {83, 87, 100, 101, 102, 103} <= _owa_events.ERROR_IDS
    assert _owa_events.EVENTS[106].level == "warning" and 106 not in _owa_events.ERROR_IDS
    for meaning in _owa_events.EVENTS.values():
        assert meaning.certainty and meaning.meaning and meaning.name
        # Every error says what to do; the success needs nothing done.
        assert bool(meaning.fix) == (meaning.level != "information")
        # Nothing rests on a Microsoft source for Exchange 2010: each entry says so.
        assert "not confirmed for Exchange 2010" in meaning.certainty
    assert _owa_events.event_ids(None) == [str(i) for i in sorted(_owa_events.EVENTS)]


@pytest.mark.parametrize("since, minutes, expected", [
    (None, None, ("worker_start", 0)),
    ("worker_start", None, ("worker_start", 0)),
    ("2026-11-25T14:05", None, ("2026-11-25T14:05:00", 0)),
    ("2026-11-25 14:05:09", None, ("2026-11-25T14:05:09", 0)),
    (None, 90, ("", 90)),
])
def test_since_is_the_worker_start_a_server_time_or_minutes_back(since: str | None, minutes: int | None,
                                                                 expected: tuple[str, int]) -> None:
    assert _owa_events.since_parameter(since, minutes) == expected


@pytest.mark.parametrize("since, minutes, words", [
    ("2026-11-25T14:05:00", 10, "not both"),
    ("yesterday", None, "worker_start or a time"),
    ("2026-13-25T14:05:00", None, "not a valid time"),
    ("2026-11-25T14:05:00Z", None, "worker_start or a time"),
    (None, 0, "between 1 and"),
])
def test_a_bad_since_is_refused_with_the_reason(since: str | None, minutes: int | None, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        _owa_events.since_parameter(since, minutes)


def test_ids_are_event_ids() -> None:
    assert _owa_events.event_ids([87, "83", 87]) == ["83", "87"]
    for bad in ([70000], [-1], ["x"], [True]):
        with pytest.raises(ValueError, match="whole numbers from 0 to 65535"):
            _owa_events.event_ids(bad)


def test_the_answer_is_read_with_the_tables_reading_and_the_text_cut() -> None:
    long_text = "x" * (_owa_events.MAX_MESSAGE_CHARS + 10)
    records = parse_records(answer(("server", "name", "CAS01"), ("events_query", "worker_started", "638680000000000000"),
                                   ("events_query", "now", "2026-11-25T14:07:00"), ("events_query", "after", "2026-11-25T14:05:31"),
                                   *event(0, "87", long_text), *event(1, "112", "loaded", "Information"), *event(2, "4242")))
    result = _owa_events.events_result(records)
    first, second, unknown = result["events"]
    assert first["error"] and first["name"] == "ErrorIMProviderExceptionDuringLoad" and first["message_truncated"]
    assert len(first["message"]) == _owa_events.MAX_MESSAGE_CHARS
    assert second["error"] is False and second["fix"] is None and result["provider_loaded"]
    assert unknown["name"] is None and unknown["error"] is False
    assert result["im_errors"] == [first] and result["worker_started"] is not None and result["after"] == "2026-11-25T14:05:31"


def test_a_record_that_is_not_an_event_is_refused() -> None:
    for bad in ("87; rm", "", "99999"):
        with pytest.raises(_owa_events.EventRecordError):
            _owa_events.parse_events(parse_records(answer(*event(0, bad))))


def test_no_worker_means_no_start_time() -> None:
    result = _owa_events.events_result(parse_records(answer(("events_query", "worker_started", "0"))))
    assert result["worker_started"] is None and result["events"] == [] and result["provider_loaded"] is False


def test_the_failure_is_one_line_with_the_id_the_words_and_the_fix_whatever_the_server_wrote() -> None:
    planted = "Bad\r\n## heading \x1b[31m red"
    errors = _owa_events.parse_events(parse_records(answer(*event(0, "87", planted), *event(1, "83"))))
    message = _owa_events.failure_message("CAS01", errors)
    assert "\n" not in message and "\x1b" not in message and "\r" not in message
    assert message.startswith("CAS01: after the reset OWA answers") and "event 87 (MSExchange OWA ErrorIMProviderExceptionDuringLoad" in message
    assert "Bad  ## heading" in message and "Fix: Install or repair" in message and "1 more IM error event since the reset" in message


def test_a_log_that_cannot_be_read_says_why() -> None:
    records = parse_records(answer(("server", "name", "CAS01"), ("error", "kind", "event_log"),
                                   ("error", "message", "Requested registry access is not allowed."), ("error", "id", "System.Security")))
    with pytest.raises(ExchangeFailure, match="Application log could not be read.*Requested registry access"):
        _owa_events.raise_read_failure(records)
    _owa_events.raise_read_failure(parse_records(answer(("error", "kind", "exchange"))))


def test_the_scripts_bounds_are_sent_and_checked() -> None:
    parameters = _owa_events.script_parameters("worker_start", 0, ["87"], 5)
    assert parameters["MaxEvents"] == 5 and parameters["MaxScan"] == _owa_events.MAX_SCAN
    assert parameters["MaxMessageChars"] == _owa_events.MAX_MESSAGE_CHARS
    with pytest.raises(ValueError, match="max_events"):
        _owa_events.script_parameters("worker_start", 0, ["87"], 0)
