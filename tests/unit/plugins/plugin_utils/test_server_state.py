"""What the collection keeps on each CAS: the restart decision's facts, and backups as untrusted input."""

from __future__ import annotations

import base64
import os
import stat
from pathlib import Path
import typing as t

import pytest

from ansible_collections.exchange.owa_im.plugins.plugin_utils import _controller_files, _owa_probe, _server_state

SERVER = "CAS01"
HOST = "cas01.contoso.com"
NAME = "CAS01-20261125T0230001234567Z.owaim"


def line(record: str, field: str, value: t.Any) -> str:
    kind, text = ("null", "") if value is None else (("bool", str(value)) if isinstance(value, bool) else ("string", str(value)))
    return "OWAIM|%s|%s|%s|%s" % (record, field, kind, base64.b64encode(text.encode()).decode())


def backup_text(**overrides: t.Any) -> str:
    head = {"format": "1", "host": HOST, "server": SERVER, "identity": "CAS01\\owa (Default Web Site)", "taken_at": "2026-11-25T02:30:00Z",
            "run": "2026-11-25T02:29:50Z"}
    settings = {"InstantMessagingEnabled": False, "InstantMessagingType": "None", "InstantMessagingServerName": None,
                "InstantMessagingCertificateThumbprint": None}
    for key, value in overrides.items():
        (settings if key.startswith("InstantMessaging") else head)[key] = value
    return "\r\n".join([line("backup", k, v) for k, v in head.items()] + [line("settings", k, v) for k, v in settings.items()]) + "\r\n"


def parse(name: str = NAME, **overrides: t.Any) -> t.Dict[str, t.Any]:
    text = backup_text(**overrides)
    return _server_state.parse_backup(name, text, len(text), 65536, HOST, SERVER)


def test_a_backup_of_this_host_is_read_with_its_time_to_the_microsecond() -> None:
    backup = parse()
    assert backup["taken_at"] == "2026-11-25T02:30:00.123456Z" and backup["run"] == "2026-11-25T02:29:50Z"
    assert backup["settings"] == {"instant_messaging_enabled": False, "instant_messaging_type": "None",
                                  "instant_messaging_server_name": None, "instant_messaging_certificate_thumbprint": None}


@pytest.mark.parametrize("name,overrides,reason", [
    ("cas01-old.owaim", {}, "its name is not"),
    ("CAS02-20261125T0230001234567Z.owaim", {}, "names server CAS02"),
    (NAME, {"server": "CAS02"}, "taken on 'CAS02'"),
    (NAME, {"host": "cas02.contoso.com"}, "for inventory host 'cas02.contoso.com'"),
    (NAME, {"identity": "CAS02\\owa (Default Web Site)"}, "is not on CAS01"),
    (NAME, {"format": "2"}, "its format"),
    (NAME, {"InstantMessagingServerName": "evil.example.com; rm"}, "a value in it is not valid"),
    (NAME, {"InstantMessagingCertificateThumbprint": "XYZ"}, "a value in it is not valid"),
])
def test_a_backup_that_is_not_this_hosts_own_is_refused_with_the_reason(name: str, overrides: t.Dict[str, t.Any], reason: str) -> None:
    with pytest.raises(_server_state.BackupRefused, match=reason.replace("(", r"\(").replace("'", "'")):
        parse(name, **overrides)


def test_a_planted_file_cannot_add_records_of_its_own_or_be_too_large() -> None:
    text = backup_text() + "not a record\r\n"
    with pytest.raises(_server_state.BackupRefused, match="not a backup this collection wrote"):
        _server_state.parse_backup(NAME, text, len(text), 65536, HOST, SERVER)
    with pytest.raises(_server_state.BackupRefused, match="more than the 256"):
        _server_state.parse_backup(NAME, None, 10_000, 256, HOST, SERVER)
    with pytest.raises(_server_state.BackupRefused, match="properties a backup never holds"):
        _server_state.parse_backup(NAME, backup_text() + line("settings", "ExternalUrl", "x") + "\r\n", 900, 65536, HOST, SERVER)


def test_read_backups_keeps_the_good_oldest_first_and_lists_the_refused() -> None:
    newer = "CAS01-20261126T0100000000000Z.owaim"
    own = "O:BAG:SYD:AI(A;ID;FA;;;SY)(A;ID;FA;;;BA)"
    files = [{"name": newer, "length": "600", "content": backup_text(), "sddl": own}, {"name": NAME, "length": "600", "content": backup_text(), "sddl": own},
             {"name": "CAS01-20261126T0100000000001Z.owaim", "length": "600", "content": backup_text(host="other"), "sddl": own}]
    listing = {"folder_sddl": "O:BAG:SYD:PAI(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)"}
    usable, refused = _server_state.read_backups({"server": {"name": SERVER}, "listing": listing, "folder/backups": {"sddl": own}}, files, HOST, 65536)
    assert [b["file"] for b in usable] == [NAME, newer] and {b["kind"] for b in usable} == {"virtual_directory"}
    assert refused == [{"file": "CAS01-20261126T0100000000001Z.owaim", "folder": "backups",
                        "reason": "it was taken for inventory host 'other', not 'cas01.contoso.com'"}]


def backups(*stamps_and_runs: t.Tuple[str, str]) -> t.List[t.Dict[str, t.Any]]:
    return [{"taken_at": stamp, "run": run, "file": stamp} for stamp, run in stamps_and_runs]


def test_rollback_returns_each_server_to_one_moment() -> None:
    cas01 = backups(("2026-11-25T02:30:00.000001Z", "run1"), ("2026-11-26T01:00:00.000001Z", "run2"))
    cas02 = backups(("2026-11-25T02:30:01.000001Z", "run1"))
    # Default: just before the newest run (run2, which changed only CAS01).
    moment = _server_state.newest_run_start([cas01, cas02])
    assert moment == "20261126T010000.000000"
    assert _server_state.rollback_choice(cas01, moment)["run"] == "run2"
    assert _server_state.rollback_choice(cas02, moment) is None
    # Before the first run: every server's oldest backup.
    assert _server_state.rollback_choice(cas01, "20261125T0229")["run"] == "run1"
    assert _server_state.rollback_choice(cas02, "2026-11-25T02:29")["run"] == "run1"
    # A shortened time means the end of that period: a backup in that minute is at or before it.
    assert _server_state.rollback_choice(cas02, "20261125T0230") is None


def test_rollback_plan_and_a_bad_moment() -> None:
    hosts = [{"inventory_hostname": "cas01", "owa_im_backups": {"backups": backups(("2026-11-25T02:30:00.000001Z", "r"))}},
             {"inventory_hostname": "cas02"}]
    plan = _server_state.rollback_plan(hosts)
    assert [b["run"] for b in plan["restores"]["cas01"]] == ["r"] and plan["restores"]["cas02"] == []
    assert _server_state.rollback_plan([{"inventory_hostname": "cas02"}])["moment"] is None
    with pytest.raises(ValueError, match="owa_im_rollback_to must be a UTC time"):
        _server_state.rollback_plan(hosts, "yesterday")


def test_restart_state_turns_ticks_into_times() -> None:
    ticks = 638680000000000000  # 2024-11-... in .NET ticks
    state = _server_state.restart_state({"restart_state": {"pending": True, "worker_started": "0", "directory_changed": str(ticks),
                                                           "marker": "bad"}})
    assert state["pending"] is True and state["worker_started"] is None and state["last_change_marker"] is None
    assert state["virtual_directory_changed"].startswith("2024-")


def test_state_failures_say_nothing_was_changed() -> None:
    message = _server_state.state_failure({"server": {"name": "CAS01"}, "error": {"kind": "backup_failed", "message": "disk full"}})
    assert message is not None and "nothing was changed" in message and "disk full" in message
    assert _server_state.state_failure({"error": {"kind": "exchange"}}) is None


@pytest.mark.parametrize("host,expected", [("cas01.contoso.com", "cas01.contoso.com"), ("../../etc/x", "_.._etc_x"),
                                           ("cas*[01]", "cas__01_"), ("", "_"), (".hidden", "hidden")])
def test_host_names_become_safe_file_names(host: str, expected: str) -> None:
    assert _controller_files.safe_name(host) == expected


def test_private_directory_is_made_0700_and_refuses_links_and_open_folders(tmp_path: t.Any) -> None:
    made = _controller_files.private_directory(str(tmp_path / "a" / "b"))
    assert stat.S_IMODE(os.stat(made).st_mode) == 0o700
    os.symlink(made, tmp_path / "link")
    with pytest.raises(OSError, match="symbolic link"):
        _controller_files.private_directory(str(tmp_path / "link"))
    open_folder = tmp_path / "open"
    open_folder.mkdir(mode=0o777)
    os.chmod(open_folder, 0o777)
    with pytest.raises(OSError, match="writable by group or others"):
        _controller_files.private_directory(str(open_folder))


def test_the_owa_probe_waits_for_an_answer_and_gives_up_with_the_last_one(monkeypatch: pytest.MonkeyPatch) -> None:
    answers = iter([(None, "Connection refused"), (503, "HTTP 503"), (302, "HTTP 302")])
    monkeypatch.setattr(_owa_probe, "probe", lambda url, context, timeout: next(answers))
    now = [0.0]
    result = _owa_probe.wait_until_answering("https://cas01/owa/", 30, clock=lambda: now[0], sleep=lambda s: now.__setitem__(0, now[0] + s))
    assert result["status"] == 302 and result["attempts"] == 3
    monkeypatch.setattr(_owa_probe, "probe", lambda url, context, timeout: (503, "HTTP 503"))
    with pytest.raises(_owa_probe.ProbeError, match=r"did not answer within 5 s after the reset \(last: HTTP 503\)"):
        _owa_probe.wait_until_answering("https://cas01/owa/", 5, clock=lambda: now[0], sleep=lambda s: now.__setitem__(0, now[0] + s))
    with pytest.raises(_owa_probe.ProbeError, match="must be an http"):
        _owa_probe.wait_until_answering("cas01/owa", 5)
    assert [_owa_probe.answers(code) for code in (200, 302, 401, 404, 503)] == [True, True, True, False, False]


def test_a_name_the_controller_cannot_resolve_fails_at_once() -> None:
    with pytest.raises(_owa_probe.ProbeError, match="cannot resolve cas01.invalid"):
        _owa_probe.wait_until_answering("https://cas01.invalid/owa/", 300)


PRIVATE = "O:BAG:SYD:PAI(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)"
ME = "S-1-5-21-1-2-3-500"


@pytest.mark.parametrize("sddl,reason", [
    (PRIVATE, None),
    ("O:SYG:SYD:AI(A;ID;FA;;;SY)(A;ID;FA;;;BA)", None),
    ("O:S-1-5-32-544G:SYD:(A;;FA;;;S-1-5-18)", None),
    ("O:%sG:SYD:AI(A;ID;FA;;;SY)(A;ID;FA;;;BA)" % ME, None),                 # "Object creator" owner policy
    ("O:BAG:SYD:AI(A;OICIIOID;GA;;;CO)(A;OICIID;FA;;;BA)", None),            # inherit-only: nothing on the object itself
    ("O:S-1-5-21-1-2-3-1107G:SYD:(A;;FA;;;BA)", "it is owned by S-1-5-21-1-2-3-1107, not by Administrators"),
    ("O:BAG:SYD:AI(A;CIID;DCLCRPCR;;;BU)(A;ID;FA;;;BA)", "BU may write it (its ACL grants access to BU)"),
    ("O:BAG:SYD:AI(A;ID;FA;;;BA)(A;ID;0x1200a9;;;BU)", None),                 # read and execute only: no way in
    ("O:BAG:SYD:AI(A;ID;FA;;;BA)(A;ID;FRFX;;;BU)", None),
    ("O:BAG:SYD:AI(A;ID;FA;;;BA)(A;ID;0x100116;;;BU)", "BU may write it"),    # write data among other bits
    ("O:BAG:SYD:AI(A;ID;FA;;;BA)(A;;WD;;;AU)", "AU may write it"),            # write DAC: it can grant itself the rest
    ("O:BAG:SY", "Everyone (no DACL) may write it"),
    (None, "its owner could not be read"),
])
def test_who_may_have_written_a_file(sddl, reason) -> None:
    found = _server_state.untrusted_reason(sddl, ME)
    assert (found is None) if reason is None else (found is not None and found.startswith(reason))


def test_a_file_someone_else_owns_is_refused_for_that_before_its_folder() -> None:
    listing = {"folder_sddl": "O:BAG:SYD:AI(A;CIID;DCLCRPCR;;;BU)"}
    records = {"server": {"name": "CAS01", "account_sid": ME}, "listing": listing, "folder/backups": {"sddl": PRIVATE}}
    files = [{"name": "CAS01-20261126T1000000000000Z.owaim", "length": "10", "content": "", "sddl": "O:S-1-5-21-9G:SYD:(A;;FA;;;BA)"},
             {"name": "CAS01-20261126T1000000000001Z.owaim", "length": "10", "content": "", "sddl": PRIVATE}]
    usable, refused = _server_state.read_backups(records, files, "cas01.contoso.lab", 65536)
    assert usable == []
    assert refused[0]["reason"].startswith("it is owned by S-1-5-21-9")
    assert refused[1]["reason"] == "its folder is not private: BU may write it (its ACL grants access to BU)"


def test_a_refused_marker_is_reported_and_capped() -> None:
    state = _server_state.restart_state({"restart_state": {"pending": False}, "state_folder": {"marker_refused": "x" * 1000}})
    assert state["marker_refused"] == "x" * 300 + "…" and _server_state.restart_state({})["marker_refused"] is None


def kind_backup(kind: str, identity: str, settings: t.Optional[t.Dict[str, t.Any]], existed: t.Optional[bool] = None,
                name: str = NAME, **head_overrides: t.Any) -> t.Dict[str, t.Any]:
    head = {"format": "1", "host": HOST, "server": SERVER, "identity": identity, "taken_at": "2026-11-25T02:30:00Z", "run": "r1"}
    if existed is not None:
        head["existed"] = existed
    head.update(head_overrides)
    text = "\r\n".join([line("backup", k, v) for k, v in head.items()] + [line("settings", k, v) for k, v in (settings or {}).items()])
    return _server_state.parse_backup(name, text, len(text), 65536, HOST, SERVER, kind)


OVERRIDE = {"Name": "OWA IM CAS01", "Identity": "OWA IM CAS01", "ComponentName": "OwaServer", "SectionName": "IMSettings",
            "Parameters": None, "Server": None, "Reason": "by hand", "WhenChanged": "2026-11-20T10:00:00"}


def override_backup(settings: t.Dict[str, t.Any], parameters: t.List[str], servers: t.List[str]) -> t.Dict[str, t.Any]:
    head = {"format": "1", "host": HOST, "server": SERVER, "identity": settings["Identity"], "taken_at": "x", "run": "r1"}
    rest = {k: v for k, v in settings.items() if k not in ("Parameters", "Server")}
    text = "\r\n".join([line("backup", k, v) for k, v in head.items()] + [line("settings", k, v) for k, v in rest.items()]) + "\r\n"
    text += "OWAIM|settings|Parameters|list|%s\r\n" % base64.b64encode("\n".join(parameters).encode()).decode()
    text += "OWAIM|settings|Server|list|%s\r\n" % base64.b64encode("\n".join(servers).encode()).decode()
    return _server_state.parse_backup(NAME, text, len(text), 65536, HOST, SERVER, "setting_override")


def test_a_setting_override_backup_is_read_as_the_module_options_that_put_it_back() -> None:
    backup = override_backup(OVERRIDE, ["IMServerName=pool.contoso.com", "IMCertificateThumbprint=" + "AB" * 20], ["CAS01"])
    assert backup["kind"] == "setting_override" and backup["existed"] is True and backup["identity"] == "OWA IM CAS01"
    assert backup["settings"] == {"name": "OWA IM CAS01", "component": "OwaServer", "section": "IMSettings", "server": ["CAS01"],
                                  "parameters": {"IMServerName": "pool.contoso.com", "IMCertificateThumbprint": "AB" * 20}, "reason": "by hand"}
    # One of the whole organisation is restored from the server that backed it up.
    assert override_backup(OVERRIDE, ["IMServerName=pool.contoso.com"], [])["settings"]["server"] == []


@pytest.mark.parametrize("parameters,servers,reason", [
    (["IMServerName=pool.contoso.com"], ["CAS02"], "applies to CAS02, not only to CAS01"),
    (["IMServerName=pool.contoso.com"], ["CAS01", "CAS02"], "applies to CAS01, CAS02"),
    (["IMServerName=evil.example.com; rm"], [], "a value in it is not valid"),
    (["Planted=1"], [], "a value in it is not valid"),
])
def test_a_setting_override_backup_for_other_servers_or_with_bad_values_is_refused(parameters, servers, reason) -> None:
    with pytest.raises(_server_state.BackupRefused, match=reason):
        override_backup(OVERRIDE, parameters, servers)


def test_an_override_the_run_created_is_recorded_as_one_that_did_not_exist() -> None:
    backup = kind_backup("setting_override", "OWA IM CAS01", None, existed=False)
    assert backup["existed"] is False and backup["settings"] is None
    with pytest.raises(_server_state.BackupRefused, match="yet holds settings"):
        kind_backup("setting_override", "OWA IM CAS01", {"Name": "OWA IM CAS01"}, existed=False)
    # Only overrides are ever created; a virtual directory "that did not exist" is a planted file.
    with pytest.raises(_server_state.BackupRefused, match="which only setting override, trusted application and Host Authorization backups do"):
        kind_backup("virtual_directory", "CAS01\\owa (Default Web Site)", None, existed=False)


def test_a_web_config_backup_holds_the_two_keys_or_none() -> None:
    path = "C:\\Program Files\\Microsoft\\Exchange Server\\V15\\ClientAccess\\Owa\\web.config"
    backup = kind_backup("web_config", path, {"IMServerName": "pool.contoso.com", "IMCertificateThumbprint": None})
    assert backup["settings"] == {"im_server_name": "pool.contoso.com", "im_certificate_thumbprint": None}
    with pytest.raises(_server_state.BackupRefused, match="is not a web.config on a local drive"):
        kind_backup("web_config", "\\\\evil\\share\\web.config", {"IMServerName": None})
    with pytest.raises(_server_state.BackupRefused, match="keys a backup never holds"):
        kind_backup("web_config", path, {"IMPoolName": "x"})
    with pytest.raises(_server_state.BackupRefused, match="a value in it is not valid"):
        kind_backup("web_config", path, {"IMCertificateThumbprint": "XYZ"})


def test_a_mailbox_policy_backup_is_read_with_its_type_as_the_module_takes_it() -> None:
    policy = {"Name": "Default", "Identity": "Default", "IsDefault": True, "InstantMessagingEnabled": False, "InstantMessagingType": "None"}
    backup = kind_backup("mailbox_policy", "Default", policy)
    assert backup["settings"] == {"name": "Default", "instant_messaging_enabled": False, "instant_messaging_type": "None"}
    with pytest.raises(_server_state.BackupRefused, match="not True or False"):
        kind_backup("mailbox_policy", "Default", {"Name": "Default", "InstantMessagingEnabled": "yes"})
    with pytest.raises(_server_state.BackupRefused, match="a value in it is not valid"):
        kind_backup("mailbox_policy", "Default", {"Name": "De*", "InstantMessagingEnabled": True})


def test_a_file_in_a_folder_the_collection_does_not_write_is_refused() -> None:
    records = {"server": {"name": SERVER}, "listing": {"folder_sddl": PRIVATE}}
    files = [{"name": NAME, "folder": "..\\elsewhere", "length": "600", "content": backup_text(), "sddl": PRIVATE}]
    usable, refused = _server_state.read_backups(records, files, HOST, 65536)
    assert usable == [] and "is not one the collection writes backups to" in refused[0]["reason"]


def test_rollback_restores_each_thing_a_server_backed_up_removing_what_the_run_created() -> None:
    def entry(kind: str, identity: str, stamp: str, run: str, existed: bool = True) -> t.Dict[str, t.Any]:
        return {"kind": kind, "identity": identity, "taken_at": stamp, "run": run, "file": stamp + identity, "existed": existed}
    cas01 = [entry("virtual_directory", "CAS01\\owa (Default Web Site)", "2026-11-25T02:30:00.000001Z", "run1"),
             entry("setting_override", "OWA IM CAS01", "2026-11-25T02:30:00.000002Z", "run1", existed=False),
             entry("setting_override", "By hand", "2026-11-25T02:30:00.000003Z", "run1"),
             entry("setting_override", "OWA IM CAS01", "2026-11-26T02:30:00.000002Z", "run2"),
             entry("mailbox_policy", "Default", "2026-11-25T02:30:00.000004Z", "run1")]
    plan = _server_state.rollback_plan([{"inventory_hostname": "cas01", "owa_im_backups": {"backups": cas01}}], "20261125T0229")
    chosen = plan["restores"]["cas01"]
    # Policies, then the virtual directory, then overrides: the one to remove before the one to put back.
    assert [(b["kind"], b["identity"], b["existed"]) for b in chosen] == [
        ("mailbox_policy", "Default", True), ("virtual_directory", "CAS01\\owa (Default Web Site)", True),
        ("setting_override", "OWA IM CAS01", False), ("setting_override", "By hand", True)]
    # Undoing run2 alone puts back the override as run1 left it (its backup from run2), nothing else.
    plan = _server_state.rollback_plan([{"inventory_hostname": "cas01", "owa_im_backups": {"backups": cas01}}])
    assert [(b["identity"], b["run"]) for b in plan["restores"]["cas01"]] == [("OWA IM CAS01", "run2")]


def test_an_override_backup_is_known_by_its_name_whatever_exchange_shows_as_its_identity() -> None:
    shown = dict(OVERRIDE, Identity="CN=OWA IM CAS01,CN=Overrides,CN=Global Settings,CN=Contoso")
    backup = override_backup(dict(shown, Name="OWA IM CAS01"), ["IMServerName=pool.contoso.com"], [])
    assert backup["identity"] == "OWA IM CAS01" and backup["settings"]["name"] == "OWA IM CAS01"
    with pytest.raises(_server_state.BackupRefused, match="not one an override can have"):
        override_backup(dict(OVERRIDE, Name="OWA*"), ["IMServerName=pool.contoso.com"], [])


def test_an_object_of_the_organisation_returns_to_one_state_from_the_host_that_holds_its_oldest_backup() -> None:
    def policy(stamp: str, run: str) -> t.Dict[str, t.Any]:
        return {"kind": "mailbox_policy", "identity": "Contractors", "taken_at": stamp, "run": run, "file": stamp, "existed": True,
                "settings": {"name": "Contractors", "instant_messaging_enabled": run == "run2"}}
    hosts = [{"inventory_hostname": "cas01", "owa_im_backups": {"backups": [policy("2026-11-25T02:30:00.000001Z", "run1")]}},
             {"inventory_hostname": "cas02", "owa_im_backups": {"backups": [policy("2026-11-26T02:30:00.000001Z", "run2")]}}]
    # Before run1: the policy as run1 found it, restored once, by cas01; cas02 leaves it alone.
    plan = _server_state.rollback_plan(hosts, "20261125T0229")
    assert [b["run"] for b in plan["restores"]["cas01"]] == ["run1"] and plan["restores"]["cas02"] == []
    # Undoing run2 alone: from cas02, as run2 found it.
    plan = _server_state.rollback_plan(hosts)
    assert plan["restores"]["cas01"] == [] and [b["run"] for b in plan["restores"]["cas02"]] == ["run2"]


def test_a_web_config_path_that_climbs_out_of_its_folder_is_refused() -> None:
    with pytest.raises(_server_state.BackupRefused, match="is not a web.config on a local drive"):
        kind_backup("web_config", "C:\\Owa\\..\\..\\Windows\\web.config", {"IMServerName": None})


# ----- the IM server's backups: trusted application pools (Lync, Skype for Business) and Host Authorization (OCS) ------
POOL = {"PoolFqdn": "cas01.contoso.com", "Registrar": "Registrar:lyncpool.contoso.com", "SiteId": "Site:Redmond",
        "RequiresReplication": False, "ThrottleAsServer": True, "TreatAsAuthenticated": True, "OutboundOnly": False,
        "Computers": "cas01.contoso.com", "Applications": "urn:application:OutlookWebApp"}
APP = {"Identity": "cas01.contoso.com/urn:application:OutlookWebApp", "ApplicationId": "urn:application:OutlookWebApp",
       "TrustedApplicationPoolFqdn": "cas01.contoso.com", "Port": "5199", "Protocol": "Mtls", "LegacyApplicationName": None}
ENTRY = {"InstanceID": "{2D3B4C5D-0000-0000-0000-000000000001}", "Backend": "(local)\\rtc", "Server": "cas01.contoso.com",
         "OutboundOnly": False, "ThrottleAsServer": True, "TreatAsAuthenticated": True}


def test_a_trusted_application_pool_and_its_application_are_read_as_what_recreating_them_takes() -> None:
    pool = kind_backup("trusted_application", "CAS01.contoso.com", POOL)
    assert pool["settings"] == {"pool_fqdn": "cas01.contoso.com", "registrar": "lyncpool.contoso.com", "site": "Redmond"}
    app = kind_backup("trusted_application", APP["Identity"], APP)
    assert app["settings"] == {"pool_fqdn": "cas01.contoso.com", "application_id": "OutlookWebApp", "port": 5199}
    created = kind_backup("trusted_application", "cas01.contoso.com/urn:application:OutlookWebApp", None, existed=False)
    assert created["existed"] is False and created["settings"] is None


@pytest.mark.parametrize(("identity", "settings", "existed", "reason"), [
    ("cas01.contoso.com", dict(POOL, Planted="x"), None, "properties a backup never holds: Planted"),
    ("cas01.contoso.com", dict(POOL, Registrar="Registrar:evil;pool"), None, "registrar must be a fully qualified domain name"),
    ("cas01.contoso.com", dict(POOL, SiteId="Site:$(calc)"), None, "is not a Lync site's name or SiteId"),
    (APP["Identity"], dict(APP, Port="99999"), None, "Port '99999' is not a TCP port"),
    (APP["Identity"], dict(APP, TrustedApplicationPoolFqdn="other.contoso.com"), None, "lives in 'other.contoso.com'"),
    (APP["Identity"], dict(APP, ApplicationId="urn:application:Other"), None, "its application is 'urn:application:Other'"),
    ("cas01.contoso.com", dict(POOL, PoolFqdn="other.contoso.com"), None, "its pool is 'other.contoso.com'"),
    ("not a name/urn:application:x", None, False, "is not a trusted application pool or application"),
    ("cas01.contoso.com/urn:application:bad id", None, False, "is not a trusted application pool or application"),
])
def test_a_trusted_application_backup_that_is_not_one_is_refused(identity: str, settings: t.Optional[t.Dict[str, t.Any]],
                                                                 existed: t.Optional[bool], reason: str) -> None:
    with pytest.raises(_server_state.BackupRefused) as raised:
        kind_backup("trusted_application", identity, settings, existed=existed)
    assert reason in str(raised.value), str(raised.value)


def test_a_host_authorization_entry_is_read_with_its_flags_and_backend() -> None:
    entry = kind_backup("host_authorization", "cas01.contoso.com", ENTRY)
    assert entry["settings"] == {"server": "cas01.contoso.com", "backend": "(local)\\rtc", "outbound_only": False,
                                 "throttle_as_server": True, "treat_as_authenticated": True}
    assert kind_backup("host_authorization", "cas02.contoso.com", None, existed=False)["existed"] is False
    for identity, settings, existed, reason in (("cas01.contoso.com", dict(ENTRY, Server="cas02.contoso.com"), None, "names 'cas02.contoso.com'"),
                                                ("cas01.contoso.com", dict(ENTRY, ThrottleAsServer="yes"), None, "a value in it is not valid"),
                                                ("cas01.contoso.com", dict(ENTRY, Backend="x'y"), None, "a value in it is not valid"),
                                                ("10.0.0.5", None, False, "is not a server's FQDN")):
        with pytest.raises(_server_state.BackupRefused) as raised:
            kind_backup("host_authorization", identity, settings, existed=existed)
        assert reason in str(raised.value), str(raised.value)


def test_the_ps1_backs_up_exactly_the_properties_the_controller_reads_back() -> None:
    from ansible_collections.exchange.owa_im.plugins.plugin_utils import _trusted_application
    script = (Path(_server_state.__file__).parent / "_powershell" / "cs_trusted_application.ps1").read_text()
    for variable, properties in (("$owaImPoolBackupProperties", _trusted_application.POOL_BACKUP_PROPERTIES),
                                 ("$owaImAppBackupProperties", _trusted_application.APPLICATION_BACKUP_PROPERTIES)):
        assignment = script[script.index(variable + " = @("):]
        listed = assignment[len(variable + " = @("):assignment.index(")")]
        assert [name.strip().strip("'") for name in listed.replace("\n", " ").split(",")] == list(properties), variable


def test_the_im_servers_trust_returns_after_the_client_access_servers_within_a_host() -> None:
    backups = [{"kind": "trusted_application", "identity": "a.contoso.com", "existed": False, "taken_at": "2026-11-25T02:30:00.000001Z"},
               {"kind": "virtual_directory", "identity": "CAS01\\owa", "existed": True, "taken_at": "2026-11-25T02:30:00.000002Z"}]
    chosen = _server_state.rollback_choices({"h": backups}, "20261125T0229")["h"]
    assert [b["kind"] for b in chosen] == ["virtual_directory", "trusted_application"]
