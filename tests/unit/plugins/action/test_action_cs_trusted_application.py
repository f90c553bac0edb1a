"""cs_trusted_application with the remote side mocked: what it sends, how it reads the answer, what it refuses."""

from __future__ import annotations

import re
import typing as t

import pytest

from ansible_collections.exchange.owa_im.plugins.action.cs_trusted_application import ActionModule as CsTrustedApplication
from ansible_collections.exchange.owa_im.plugins.plugin_utils import _trusted_application

from ansible_collections.exchange.owa_im.tests.unit.plugins.action.test_action_plugins import FakeConnection, make, record

SERVER = [record("server", "name", "FE01"), record("server", "module", "SkypeForBusiness"),
          record("site", "identity", "Site:Contoso"), record("site", "site_id", "1")]
POOL = {"exists": True, "PoolFqdn": "cas01.contoso.lab", "Registrar": "Registrar:ocspool.contoso.lab", "SiteId": "Site:Contoso",
        "RequiresReplication": False, "ThrottleAsServer": True, "TreatAsAuthenticated": True, "Applications": ["urn:application:OutlookWebApp"]}
APP = {"exists": True, "Identity": "cas01.contoso.lab/urn:application:OutlookWebApp", "ApplicationId": "urn:application:OutlookWebApp",
       "Port": "5199"}
NONE = {"exists": False}
ARGS = {"pool_fqdn": "CAS01.contoso.lab", "registrar": "ocspool.contoso.lab"}
BACKUPS = "C:\\ProgramData\\exchange.owa_im\\trusted-application-backups\\"


def answer(before: t.Tuple[dict, dict], actions: t.Sequence[str], after: t.Optional[t.Tuple[dict, dict]] = None,
           backups: t.Sequence[str] = ()) -> str:
    lines = list(SERVER)
    for name, fields in (("before_pool", before[0]), ("before_application", before[1])):
        lines += [record(name, k, v) for k, v in fields.items()]
    lines += [record("change", a, True) for a in actions]
    lines += [record("server_backup", "path", path) for path in backups]
    if after is not None:
        lines += [record("done", a, True) for a in actions]
        for name, fields in (("after_pool", after[0]), ("after_application", after[1])):
            lines += [record(name, k, v) for k, v in fields.items()]
    return "\r\n".join(lines) + "\r\n"


def test_a_new_pool_and_application_are_created_and_published() -> None:
    actions = ["new_pool", "new_application", "enable_topology"]
    backups = [BACKUPS + "FE01-20261125T0239001234567Z.owaim", BACKUPS + "FE01-20261125T0239001334567Z.owaim"]
    connection = FakeConnection(answer((NONE, NONE), actions, (POOL, APP), backups))
    result = make(CsTrustedApplication, connection, dict(ARGS, change_id="wave-1")).run(task_vars={"inventory_hostname": "fe01.contoso.lab"})
    assert result["changed"] is True and not result.get("failed"), result
    assert result["actions"] == actions and result["published"] is True and result["module"] == "SkypeForBusiness"
    assert result["before"] == {"pool": None, "application": None} and result["after"]["application"]["port"] == 5199
    assert result["diff"]["after_header"] == "cas01.contoso.lab/urn:application:OutlookWebApp"
    # The last of the backups the Front End wrote before the change (here: the records of a pool and an application created).
    assert result["server_backup_file"] == backups[-1]
    sent = connection.sent_parameters()
    assert "script:cs_trusted_application" in sent and "library:OwaImRecords" in sent and "library:OwaImExchange" not in sent
    assert "library:OwaImServerState" in sent
    assert (sent["PoolFqdn"], sent["Registrar"], sent["Site"], sent["ApplicationId"], sent["Port"], sent["State"], sent["Publish"]) == (
        "cas01.contoso.lab", "ocspool.contoso.lab", "", "OutlookWebApp", "5199", "present", "True")
    assert (sent["BackupHost"], sent["Run"], sent["CheckMode"]) == ("fe01.contoso.lab", "wave-1", "False")
    assert "cas01.contoso.lab" not in connection.calls[0][0]


def test_without_change_id_the_run_is_the_current_utc_time_and_the_host_the_connection() -> None:
    connection = FakeConnection(answer((POOL, APP), []))
    result = make(CsTrustedApplication, connection, dict(ARGS)).run(task_vars={})
    assert result["changed"] is False and "server_backup_file" not in result
    sent = connection.sent_parameters()
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", sent["Run"]) and sent["BackupHost"]


def test_delegated_the_backups_name_the_front_end_host_that_alone_restores_them() -> None:
    # The role runs the task from a CAS host, delegated to the Front End: the backups there belong to the Front End's host.
    connection = FakeConnection(answer((NONE, NONE), ["new_pool", "new_application", "enable_topology"], (POOL, APP),
                                       [BACKUPS + "FE01-20261125T0239001234567Z.owaim"]))
    plugin = make(CsTrustedApplication, connection, dict(ARGS))
    plugin._task.delegate_to = "fe01.contoso.lab"
    plugin.run(task_vars={"inventory_hostname": "cas01.contoso.lab"})
    assert connection.sent_parameters()["BackupHost"] == "fe01.contoso.lab"


@pytest.mark.parametrize(("keep_pool", "expected"), [(False, ["remove_application", "remove_pool", "enable_topology"]),
                                                     (True, ["remove_application", "enable_topology"])])
def test_keep_pool_leaves_a_pool_that_existed_before_its_application(keep_pool: bool, expected: t.List[str]) -> None:
    wanted = _trusted_application.desired({"pool_fqdn": "cas01.contoso.lab", "state": "absent", "keep_pool": keep_pool,
                                           "application_id": "OutlookWebApp", "port": 5199})
    pool = {"exists": True, "Applications": ["urn:application:OutlookWebApp"]}
    assert _trusted_application.planned(pool, {"exists": True, "Port": 5199}, wanted) == expected


def test_nothing_to_do_is_no_change_and_no_publish() -> None:
    result = make(CsTrustedApplication, FakeConnection(answer((POOL, APP), [])), dict(ARGS)).run(task_vars={})
    assert result["changed"] is False and result["actions"] == [] and result["published"] is False
    assert result["after"] == result["before"]


def test_check_mode_predicts_and_asks_for_nothing() -> None:
    connection = FakeConnection(answer((NONE, NONE), ["new_pool", "new_application", "enable_topology"]))
    result = make(CsTrustedApplication, connection, dict(ARGS, site="site:Contoso"), check_mode=True).run(task_vars={})
    assert result["changed"] is True and result["after"]["pool"]["registrar"] == "Registrar:ocspool.contoso.lab"
    assert result["after"]["pool"]["site"] == "Site:Contoso" and result["after"]["application"]["port"] == 5199
    sent = connection.sent_parameters()
    assert sent["CheckMode"] == "True" and sent["Site"] == "Contoso" and "server_backup_file" not in result


def test_absent_keeps_a_pool_other_applications_use_and_publish_false_warns() -> None:
    pool = dict(POOL, Applications=["urn:application:OutlookWebApp", "urn:application:other"])
    backups = [BACKUPS + "FE01-20261125T0239001234567Z.owaim", BACKUPS + "FE01-20261125T0239001334567Z.owaim"]
    connection = FakeConnection(answer((pool, APP), ["remove_application"], (dict(pool, Applications=["urn:application:other"]), NONE),
                                       backups))
    result = make(CsTrustedApplication, connection, {"pool_fqdn": "cas01.contoso.lab", "state": "absent", "publish": False}).run(task_vars={})
    assert result["changed"] is True and result["actions"] == ["remove_application"] and result["after"]["application"] is None
    assert any("Enable-CsTopology" in w for w in result["warnings"]) and result["server_backup_file"] == backups[-1]


def test_a_server_that_disagrees_with_the_controller_fails() -> None:
    result = make(CsTrustedApplication, FakeConnection(answer((POOL, APP), ["set_port", "enable_topology"])), dict(ARGS)).run(task_vars={})
    assert result["failed"] and "disagree" in result["msg"]


@pytest.mark.parametrize(("kind", "extra", "said"), [
    ("registrar_missing", [record("topology", "pools", "ocspool.contoso.lab")], "has no pool ocspool.contoso.lab with a Registrar"),
    ("site_missing", [record("topology", "sites", "Site:Contoso (SiteId 1)")], "Its sites: Site:Contoso (SiteId 1)"),
    ("pool_differs", [], "exists with another registrar Registrar:x"),
    ("not_front_end", [], "is not a Lync Server or Skype for Business Server Front End"),
    ("not_front_end", [], "(ocs_host_authorization; in the role owa_im_server_product: ocs2007r2). Nothing was changed."),
])
def test_refusals_say_why_and_change_nothing(kind: str, extra: t.List[str], said: str) -> None:
    message = "registrar Registrar:x" if kind == "pool_differs" else "x"
    stdout = "\r\n".join(SERVER + extra + [record("error", "kind", kind), record("error", "message", message)]) + "\r\n"
    result = make(CsTrustedApplication, FakeConnection(stdout, rc=4), dict(ARGS)).run(task_vars={})
    assert result["failed"] and said in result["msg"], result["msg"]


def test_a_backup_that_cannot_be_written_fails_and_says_nothing_was_changed() -> None:
    stdout = answer((POOL, APP), ["remove_application", "remove_pool", "enable_topology"]).rstrip("\r\n").split("\r\n")
    stdout += [record("error", "kind", "backup_failed"), record("error", "message", "There is not enough space on the disk.")]
    result = make(CsTrustedApplication, FakeConnection("\r\n".join(stdout) + "\r\n", rc=10),
                  {"pool_fqdn": "cas01.contoso.lab", "state": "absent"}).run(task_vars={})
    assert result["failed"] and "FE01: the backup of the settings this change replaces could not be written" in result["msg"], result["msg"]
    assert "There is not enough space on the disk." in result["msg"] and "nothing was changed" in result["msg"]
    assert "server_backup_file" not in result


@pytest.mark.parametrize(("args", "said"), [
    ({"pool_fqdn": "cas01"}, "pool_fqdn must be a fully qualified domain name"),
    ({"pool_fqdn": "cas01.contoso.lab"}, "registrar (the Front End pool's FQDN) is required"),
    (dict(ARGS, port=70000), "port must be a TCP port"),
    (dict(ARGS, application_id="Outlook Web App"), "application_id must be an application name"),
])
def test_bad_input_reaches_no_server(args: t.Dict[str, t.Any], said: str) -> None:
    connection = FakeConnection("")
    result = make(CsTrustedApplication, connection, args).run(task_vars={})
    assert result["failed"] and said in result["msg"] and "Nothing was sent to the server." in result["msg"]
    assert connection.calls == []


def test_the_plan_follows_the_state() -> None:
    wanted = _trusted_application.desired(dict(ARGS, application_id="urn:application:OutlookWebApp", port=5199, state="present", publish=True))
    assert wanted["application_id"] == "OutlookWebApp"
    assert _trusted_application.planned(POOL, dict(APP, Port="5200"), wanted) == ["set_port", "enable_topology"]
    absent = dict(wanted, state="absent")
    assert _trusted_application.planned(POOL, APP, absent) == ["remove_application", "remove_pool", "enable_topology"]
    assert _trusted_application.planned(NONE, NONE, absent) == []
