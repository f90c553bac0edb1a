"""ocs_host_authorization with the remote side mocked: what it sends, how it reads the answer, what it refuses."""

from __future__ import annotations

import typing as t

import pytest

from ansible_collections.exchange.owa_im.plugins.action.ocs_host_authorization import ActionModule as OcsHostAuthorization
from ansible_collections.exchange.owa_im.plugins.plugin_utils import _ocs_host_authorization, _scripts

from ansible_collections.exchange.owa_im.tests.unit.plugins.action.test_action_plugins import FakeConnection, make, record

SERVER = [record("server", "name", "FE01")]
GOOD = {"InstanceID": "{11111111-2222-3333-4444-555555555555}", "Backend": "(local)\\rtc", "Server": "cas01.contoso.lab",
        "OutboundOnly": False, "ThrottleAsServer": True, "TreatAsAuthenticated": True}
NEW = dict(GOOD, InstanceID="{66666666-2222-3333-4444-555555555555}", Server="cas02.contoso.lab")
ARGS = {"servers": ["CAS01.contoso.lab", "cas02.contoso.lab", "cas01.contoso.lab"]}


def answer(before: t.Sequence[dict], actions: t.Sequence[t.Tuple[str, str, str]], after: t.Optional[t.Sequence[dict]] = None,
           extra: t.Sequence[str] = ()) -> str:
    lines = list(SERVER) + list(extra)
    for index, entry in enumerate(before):
        lines += [record("before/%d" % index, k, v) for k, v in entry.items()]
    for index, (action, server, instance) in enumerate(actions):
        lines += [record("change/%d" % index, "action", action), record("change/%d" % index, "server", server),
                  record("change/%d" % index, "instance_id", instance)]
    if after is not None:
        lines += [record("done/%d" % index, "action", a[0]) for index, a in enumerate(actions)]
        for index, entry in enumerate(after):
            lines += [record("after/%d" % index, k, v) for k, v in entry.items()]
    return "\r\n".join(lines) + "\r\n"


def test_a_missing_entry_is_created_with_the_owa_flags() -> None:
    connection = FakeConnection(answer([GOOD], [("create", "cas02.contoso.lab", "")], [GOOD, NEW]))
    result = make(OcsHostAuthorization, connection, dict(ARGS)).run(task_vars={"inventory_hostname": "fe01.contoso.lab"})
    assert result["changed"] is True and not result.get("failed"), result
    assert result["servers"] == ["cas01.contoso.lab", "cas02.contoso.lab"] and result["front_end"] == "FE01"
    assert result["actions"] == [{"action": "create", "server": "cas02.contoso.lab", "instance_id": ""}]
    assert result["after"][1]["instance_id"] == NEW["InstanceID"] and "server_backup_file" not in result
    assert result["diff"]["after"]["entries"] == result["after"]
    sent = connection.sent_parameters()
    assert "script:ocs_host_authorization" in sent and "library:OwaImServerState" in sent and "library:OwaImExchange" not in sent
    assert sent["Servers"] == ["cas01.contoso.lab", "cas02.contoso.lab"] and sent["Present"] == "True"
    assert (sent["OutboundOnly"], sent["ThrottleAsServer"], sent["TreatAsAuthenticated"]) == ("False", "True", "True")
    assert sent["Backend"] == "(local)\\rtc" and sent["CheckMode"] == "False" and sent["BackupHost"] == "fe01.contoso.lab"
    assert sent["EntryProperties"] == list(_ocs_host_authorization.PROPERTIES)
    # The server names travel as data, never on the command line.
    assert "cas02.contoso.lab" not in connection.calls[0][0]


def test_entries_as_asked_are_no_change() -> None:
    result = make(OcsHostAuthorization, FakeConnection(answer([GOOD, NEW], [])), dict(ARGS)).run(task_vars={})
    assert result["changed"] is False and result["actions"] == [] and result["after"] == result["before"]


def test_check_mode_predicts_an_update_and_a_creation() -> None:
    wrong = dict(GOOD, TreatAsAuthenticated=False)
    actions = [("update", "cas01.contoso.lab", GOOD["InstanceID"]), ("create", "cas02.contoso.lab", "")]
    connection = FakeConnection(answer([wrong], actions))
    result = make(OcsHostAuthorization, connection, dict(ARGS), check_mode=True).run(task_vars={})
    assert result["changed"] is True and result["before"][0]["treat_as_authenticated"] is False
    assert result["after"][0]["treat_as_authenticated"] is True and result["after"][1]["instance_id"] is None
    assert connection.sent_parameters()["CheckMode"] == "True"


def test_absent_removes_every_entry_of_the_servers_and_reports_the_backup() -> None:
    backup = "C:\\ProgramData\\exchange.owa_im\\host-authorization-backups\\FE01-20261125T0239001234567Z.owaim"
    actions = [("remove", "cas01.contoso.lab", GOOD["InstanceID"]), ("remove", "cas02.contoso.lab", NEW["InstanceID"])]
    stdout = answer([GOOD, NEW], actions, [], extra=[record("server_backup", "path", backup)])
    result = make(OcsHostAuthorization, FakeConnection(stdout), dict(ARGS, state="absent")).run(task_vars={})
    assert result["changed"] is True and result["after"] == [] and result["server_backup_file"] == backup
    assert [a["action"] for a in _ocs_host_authorization.planned([GOOD, NEW], _ocs_host_authorization.desired(
        {"servers": ARGS["servers"], "state": "absent", "outbound_only": False, "throttle_as_server": True,
         "treat_as_authenticated": True}))] == ["remove", "remove"]


def test_a_null_or_missing_flag_reads_as_false_as_the_script_casts_it() -> None:
    # [bool]$null is False in PowerShell: an entry whose OutboundOnly is null is as asked, not a disagreement.
    null_flag = dict(GOOD, OutboundOnly=None)
    missing_flag = {k: v for k, v in NEW.items() if k != "OutboundOnly"}
    result = make(OcsHostAuthorization, FakeConnection(answer([null_flag, missing_flag], [])), dict(ARGS)).run(task_vars={})
    assert result["changed"] is False and not result.get("failed") and result["actions"] == [], result
    # A null flag where true is asked is an update, on both sides.
    null_treat = dict(GOOD, TreatAsAuthenticated=None)
    actions = [("update", "cas01.contoso.lab", GOOD["InstanceID"])]
    result = make(OcsHostAuthorization, FakeConnection(answer([null_treat, NEW], actions)), dict(ARGS), check_mode=True).run(task_vars={})
    assert result["changed"] is True and not result.get("failed") and result["after"][0]["treat_as_authenticated"] is True, result


def test_a_server_that_disagrees_with_the_controller_fails() -> None:
    result = make(OcsHostAuthorization, FakeConnection(answer([GOOD, NEW], [("create", "cas01.contoso.lab", "")])), dict(ARGS)).run(task_vars={})
    assert result["failed"] and "disagree" in result["msg"]


def test_a_read_back_that_lacks_the_change_fails() -> None:
    stdout = answer([GOOD], [("create", "cas02.contoso.lab", "")], [GOOD])
    result = make(OcsHostAuthorization, FakeConnection(stdout), dict(ARGS)).run(task_vars={})
    assert result["failed"] and "cas02.contoso.lab has no entry with the flags asked for" in result["msg"]


@pytest.mark.parametrize(("kind", "message", "said"), [
    ("not_ocs", "Invalid class ", "FE01 has no OCS 2007 R2 Host Authorization"),
    ("not_ocs", "Invalid class ", "(cs_trusted_application; in the role owa_im_server_product: lync). Nothing was changed."),
    ("backup_failed", "disk full", "the backup of the settings this change replaces could not be written"),
])
def test_refusals_say_why(kind: str, message: str, said: str) -> None:
    stdout = "\r\n".join(SERVER + [record("error", "kind", kind), record("error", "message", message)]) + "\r\n"
    result = make(OcsHostAuthorization, FakeConnection(stdout, rc=3 if kind == "not_ocs" else 10), dict(ARGS)).run(task_vars={})
    assert result["failed"] and said in result["msg"], result["msg"]


@pytest.mark.parametrize(("args", "said"), [
    ({"servers": ["cas01"]}, "servers must hold fully qualified domain names"),
    ({"servers": ["10.0.0.5"]}, "servers must hold fully qualified domain names"),
    ({"servers": []}, "servers must list at least one"),
    ({"servers": ["cas01.contoso.lab"], "backend": "x'y"}, "backend must be (local)\\rtc"),
])
def test_bad_input_reaches_no_server(args: t.Dict[str, t.Any], said: str) -> None:
    connection = FakeConnection("")
    result = make(OcsHostAuthorization, connection, args).run(task_vars={})
    assert result["failed"] and said in result["msg"] and "Nothing was sent to the server." in result["msg"]
    assert connection.calls == []


def test_the_script_is_held_to_powershell_2() -> None:
    assert "ocs_host_authorization" in _scripts.POWERSHELL_2_SCRIPTS
