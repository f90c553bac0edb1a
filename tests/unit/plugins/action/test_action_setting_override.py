"""setting_override with the remote side mocked: what it sends, how it reads the answer, what it refuses."""

from __future__ import annotations

import typing as t

import pytest

from ansible_collections.exchange.owa_im.plugins.action.setting_override import ActionModule as SettingOverride
from ansible_collections.exchange.owa_im.plugins.plugin_utils import _setting_override
from ansible_collections.exchange.owa_im.plugins.plugin_utils._owa_settings import SettingError
from ansible_collections.exchange.owa_im.tests.unit.plugins.action.test_action_plugins import FakeConnection, make, record

TP = "CDF34A740E9D225A1A06193A9D44B2CE22775308"
SERVER_2016 = [record("server", "name", "EX01"), record("server", "fqdn", "ex01.contoso.com"),
               record("server", "version", "Version 15.1 (Build 2507.6)"), record("server", "now", "2026-11-26T12:00:00")]
WANTED = ["IMCertificateThumbprint=" + TP, "IMServerName=sfbpool.contoso.com"]


def override(kind: str, name: str, parameters: t.List[str], servers: t.Optional[t.List[str]] = None) -> t.List[str]:
    return [record(kind, "Name", name), record(kind, "Identity", name), record(kind, "ComponentName", "OwaServer"),
            record(kind, "SectionName", "IMSettings"), record(kind, "Parameters", parameters), record(kind, "Server", servers or []),
            record(kind, "Reason", "Configure IM"), record(kind, "WhenChanged", "2026-11-26T11:00:00")]


def answer(before: t.List[t.List[str]], action: str, replaces: t.List[str], after: t.Optional[t.List[t.List[str]]] = None,
           refreshed: bool = False, pending: bool = False) -> str:
    lines = list(SERVER_2016)
    for index, fields in enumerate(before):
        lines += [line.replace("OWAIM|before|", "OWAIM|before/%d|" % index) for line in fields]
    lines += [record("change", "action", action), record("change", "replaces", replaces)]
    if refreshed:
        lines.append(record("refresh", "server", "EX01"))
    for index, fields in enumerate(after or []):
        lines += [line.replace("OWAIM|after|", "OWAIM|after/%d|" % index) for line in fields]
    lines += [record("restart_state", "worker_started", "638680000000000000"), record("restart_state", "directory_changed", "0"),
              record("restart_state", "marker", "0"), record("restart_state", "settings_changed", "638680000010000000"),
              record("restart_state", "pending", pending)]
    return "\r\n".join(lines) + "\r\n"


ARGS = {"name": "OWA IM", "parameters": {"imservername": "sfbpool.contoso.com", "IMCertificateThumbprint": TP.lower()}}


def test_create_sends_the_parameters_as_data_and_replaces_an_override_made_by_hand() -> None:
    connection = FakeConnection(answer([override("before", "IM Override", ["IMServerName=old.contoso.com"])], "create", ["IM Override"],
                                       [override("after", "OWA IM", WANTED)], refreshed=True, pending=True))
    result = make(SettingOverride, connection, dict(ARGS)).run(task_vars={"inventory_hostname": "ex01"})
    assert result["changed"] is True and not result.get("failed"), result
    assert result["action"] == "create" and result["replaced"] == ["IM Override"]
    assert result["refreshed"] is True and result["restart_pending"] is True
    assert result["restart_state"]["setting_override_changed"] is not None
    assert result["after"][0]["parameters"] == WANTED
    sent = connection.sent_parameters()
    assert "script:setting_override" in sent and sent["Parameters"] == WANTED and sent["Name"] == "OWA IM"
    assert sent["Present"] == "True" and sent["ReplaceOthers"] == "True" and sent["Refresh"] == "changed" and sent["Server"] == []
    assert "sfbpool" not in connection.calls[0][0]


def test_an_override_as_asked_is_left_alone() -> None:
    connection = FakeConnection(answer([override("before", "OWA IM", [p.lower() for p in WANTED])], "none", []))
    result = make(SettingOverride, connection, dict(ARGS)).run(task_vars={})
    assert result["changed"] is False and result["action"] == "none" and "server_backup_file" not in result


def test_server_and_module_must_agree() -> None:
    connection = FakeConnection(answer([override("before", "OWA IM", WANTED)], "update", []))
    result = make(SettingOverride, connection, dict(ARGS)).run(task_vars={})
    assert result["failed"] and "disagree" in result["msg"]


def test_a_read_back_with_the_wrong_scope_fails() -> None:
    # Asked for the whole organisation over an override of EX02: reading it back still naming EX02 is not as asked.
    connection = FakeConnection(answer([override("before", "OWA IM", WANTED, ["EX02"])], "update", [],
                                       [override("after", "OWA IM", WANTED, ["EX02"])], refreshed=True))
    result = make(SettingOverride, connection, dict(ARGS)).run(task_vars={})
    assert result.get("failed") and "reading setting override OWA IM back does not show it as asked" in result["msg"], result
    connection = FakeConnection(answer([override("before", "OWA IM", WANTED, ["EX02"])], "update", [],
                                       [override("after", "OWA IM", WANTED)], refreshed=True))
    result = make(SettingOverride, connection, dict(ARGS)).run(task_vars={})
    assert result["changed"] is True and not result.get("failed") and result["after"][0]["server"] == [], result


def test_check_mode_predicts_the_overrides_after() -> None:
    connection = FakeConnection(answer([override("before", "IM Override", ["IMServerName=old.contoso.com"])], "create", ["IM Override"]))
    result = make(SettingOverride, connection, dict(ARGS), check_mode=True).run(task_vars={})
    assert result["changed"] is True and [o["name"] for o in result["after"]] == ["OWA IM"]
    assert connection.sent_parameters()["CheckMode"] == "True"


def test_exchange_2010_is_refused_with_the_way_it_takes_its_settings() -> None:
    output = "\r\n".join([record("server", "name", "CAS01"), record("server", "version", "Version 14.3 (Build 123.4)"),
                          record("error", "kind", "no_setting_overrides"), record("error", "message", "")]) + "\r\n"
    result = make(SettingOverride, FakeConnection(output, rc=4), dict(ARGS)).run(task_vars={})
    assert result["failed"] and result["error_kind"] == "wrong_version"
    assert "CAS01 runs Version 14.3 (Build 123.4), where OWA takes no IM settings from setting overrides" in result["msg"]
    assert "exchange.owa_im.owa_virtual_directory" in result["msg"]


@pytest.mark.parametrize(("args", "said"), [
    ({"name": "OWA IM"}, "parameters must name at least one setting"),
    ({"name": "OWA IM", "parameters": {"IMServer": "x.contoso.com"}}, "parameters.IMServer is not a setting of OwaServer/IMSettings"),
    ({"name": "OWA IM", "parameters": {"IMServerName": "sfb pool"}}, "parameters.IMServerName must be the fully qualified domain name"),
    ({"name": "OWA IM", "parameters": {"IMCertificateThumbprint": "12 34"}}, "parameters.IMCertificateThumbprint must be"),
    ({"name": "OWA*", "parameters": {"IMServerName": "a.contoso.com"}}, "without wildcards"),
    ({"name": "OWA IM", "server": ["ex01.contoso.com"], "parameters": {"IMServerName": "a.contoso.com"}}, "give the Exchange server's name (such as EX01)"),
    ({"name": "OWA IM", "state": "absent", "parameters": {"IMServerName": "a.contoso.com"}}, "parameters are for state present"),
    ({"name": "OWA IM", "reason": " ", "parameters": {"IMServerName": "a.contoso.com"}}, "reason must not be empty"),
])
def test_bad_input_reaches_no_server(args: t.Dict[str, t.Any], said: str) -> None:
    connection = FakeConnection("")
    result = make(SettingOverride, connection, args).run(task_vars={})
    assert result["failed"] and said in result["msg"] and "Nothing was sent to the server." in result["msg"], result["msg"]
    assert connection.calls == []


def test_parameters_compare_as_exchange_keeps_them() -> None:
    assert _setting_override.parameter_key(["IMServerName = A.contoso.com", "B=1"]) == _setting_override.parameter_key(["b=1", "imservername=a.contoso.com"])
    assert _setting_override.desired_parameters("Other", "Section", {"Zeta": 1, "alpha": "x"}) == ["alpha=x", "Zeta=1"]
    with pytest.raises(SettingError):
        _setting_override.desired_parameters("OwaServer", "IMSettings", {"IMServerName": "a.contoso.com", "imservername": "b.contoso.com"})
    before = [{"Name": "OWA IM", "Parameters": WANTED, "Server": ["EX02"]}]
    assert _setting_override.expected_action(before, "owa im", WANTED, [], True) == "update"      # another scope
    assert _setting_override.expected_action(before, "OWA IM", WANTED, ["ex02"], True) == "none"
    assert _setting_override.expected_action(before, "OWA IM", [], [], False) == "remove"
    assert _setting_override.expected_action([], "OWA IM", [], [], False) == "none"
