"""migrate_rtm's second migration, against mixed 2013 and 2016 labs: the Exchange 2013 servers' web.config IM values
(IMServerName, IMCertificateThumbprint) are read and left as they are; each 2016 server gets them in a setting override
of its own through the role when all 2013 servers agree and it holds that certificate, and is reported as not mapped,
unchanged, when they disagree, when none has values, or when the certificate is not one of its own.
The first migration (Exchange 2010 RTM) is tested in test_playbooks.py."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from owa_lab.files import host_file_bytes
from owa_lab.store import Store

from conftest import ROOT, Lab, lab_vars, start_lab

PLAYBOOKS = ROOT / "playbooks"
WEB_CONFIG_2013 = "C:\\Program Files\\Microsoft\\Exchange Server\\V15\\ClientAccess\\Owa\\web.config"
# What the lab logs when a server is changed or restarted in any way.
CHANGES = {"file-write", "acl-set", "ad-change", "iis-reset-start", "apppool-recycle-start", "variant-configuration-refresh",
           "install", "msiexec", "reboot-start"}


def _mixed(tmp_path: Path, spec: str, *extra: str) -> Lab:
    return start_lab(tmp_path / "lab", 0, "--mixed", spec, *extra)


def _migrate(lab: Lab, work: Path, **extra: Any):
    return lab.playbook(PLAYBOOKS / "migrate_rtm.yml", extra_vars={"owa_im_backup_directory": str(work / "backups"),
                                                                    "owa_im_host_authorization_file": str(work / "notes.md"), **extra})


def _report(stdout: str) -> dict[str, Any]:
    """The post_tasks report (the debug task's msg)."""
    text = stdout.split("TASK [Report the servers that were mapped and those that could not be]")[1]
    return json.loads(text[text.index("=> ") + 3:text.index("\n}\n") + 2])["msg"]


def _web_config(lab: Lab, server: str) -> bytes:
    data = host_file_bytes(Store(lab.state), server, WEB_CONFIG_2013)
    assert data is not None, server
    return data


def _config(server_name: str, thumbprint: str) -> str:
    return ('<?xml version="1.0" encoding="utf-8"?>\n<configuration>\n  <appSettings>\n'
            '    <add key="owa.MailboxServerVersionCheck" value="true" />\n'
            f'    <add key="IMServerName" value="{server_name}" />\n'
            f'    <add key="IMCertificateThumbprint" value="{thumbprint}" />\n'
            '  </appSettings>\n</configuration>\n')


def _im_overrides(lab: Lab) -> dict[str, dict]:
    return {o["name"]: o for o in lab.directory().get("setting_overrides", [])
            if o["component"] == "OwaServer" and o["section"] == "IMSettings"}


def _changes_since(lab: Lab, mark: int) -> list[dict]:
    return [e for e in lab.log()[mark:] if e["event"] in CHANGES]


def test_2016_servers_take_what_the_2013_servers_agree_on_then_nothing_changes(tmp_path: Path) -> None:
    """Two 2013 servers configured by the role (web.config) and two new 2016 servers with nothing, one shared SAN
    certificate imported on all four."""
    lab = _mixed(tmp_path, "2013:2,2016:2", "--shared-certificate", "mail.contoso.lab")
    try:
        site = lab.playbook(PLAYBOOKS / "site.yml", "--limit", "cas01.contoso.lab,cas02.contoso.lab", extra_vars=lab_vars(tmp_path))
        assert site.returncode == 0, site.stdout[-3000:]
        shared = lab.thumbprint("CAS01").upper()
        before = {s: _web_config(lab, s) for s in ("CAS01", "CAS02")}
        assert all(b'key="IMServerName" value="ocspool.contoso.lab"' in b and shared.encode() in b for b in before.values())
        vdirs_2013 = {s: lab.vdir(s) for s in ("CAS01", "CAS02")}
        assert _im_overrides(lab) == {}
        mark = len(lab.log())

        run = _migrate(lab, tmp_path)
        assert run.returncode == 0, run.stdout[-4000:]
        report = _report(run.stdout)
        assert report["mapped"] == ["cas03.contoso.lab", "cas04.contoso.lab"] and report["not_mapped"] == {}, report
        assert sorted(report["exchange_2013_read_only"]) == ["cas01.contoso.lab", "cas02.contoso.lab"]
        assert report["exchange_2013_read_only"]["cas01.contoso.lab"] == f"IMServerName ocspool.contoso.lab, IMCertificateThumbprint {shared}"
        overrides = _im_overrides(lab)
        assert sorted(overrides) == ["OWA IM CAS03", "OWA IM CAS04"]
        for server in ("CAS03", "CAS04"):
            override = overrides[f"OWA IM {server}"]
            assert override["server"] == [server]
            assert sorted(override["parameters"]) == [f"IMCertificateThumbprint={shared}", "IMServerName=ocspool.contoso.lab"]
            vdir = lab.vdir(server)
            assert vdir["InstantMessagingEnabled"] is True and vdir["InstantMessagingType"] == "Ocs"
            # OWA restarted after the refresh and took the override's values.
            assert lab.host(server)["workers"]["MSExchangeOWAAppPool"]["im_settings"] == {
                "IMServerName": "ocspool.contoso.lab", "IMCertificateThumbprint": shared}
        changes = _changes_since(lab, mark)
        # The 2013 servers: read only, the file byte for byte as it was, nothing written, nothing reset.
        assert [e for e in changes if e["server"] in ("CAS01", "CAS02")] == []
        assert {s: _web_config(lab, s) for s in ("CAS01", "CAS02")} == before
        assert {s: lab.vdir(s) for s in ("CAS01", "CAS02")} == vdirs_2013
        # Each 2016 server reset once, after its override.
        for server in ("CAS03", "CAS04"):
            assert len([e for e in changes if e["server"] == server and e["event"] == "iis-reset-start"]) == 1, server

        mark = len(lab.log())
        again = _migrate(lab, tmp_path)
        assert again.returncode == 0, again.stdout[-3000:]
        recap = again.stdout.split("PLAY RECAP")[-1]
        assert recap.count("changed=0") == 4, recap
        assert _changes_since(lab, mark) == []
        assert _report(again.stdout)["mapped"] == ["cas03.contoso.lab", "cas04.contoso.lab"]
    finally:
        lab.owa_lab("down")


def test_2013_servers_without_values_or_disagreeing_map_no_2016_server(tmp_path: Path) -> None:
    lab = _mixed(tmp_path, "2013:2,2016:1", "--shared-certificate", "mail.contoso.lab")
    try:
        shared = lab.thumbprint("CAS01").upper()
        mark = len(lab.log())
        # Nothing configured yet on the 2013 servers.
        run = _migrate(lab, tmp_path)
        assert run.returncode == 0, run.stdout[-4000:]
        report = _report(run.stdout)
        assert report["mapped"] == []
        assert report["not_mapped"]["cas03.contoso.lab"].startswith(
            "no Exchange 2013 server of the play has IM values (IMServerName, IMCertificateThumbprint) in its OWA web.config "
            "(2013 servers read: cas01.contoso.lab, cas02.contoso.lab)"), report

        # One 2013 server names another pool.
        lab.seed(tmp_path, {"servers": {"CAS01": {"files": {WEB_CONFIG_2013: _config("ocspool.contoso.lab", shared)}},
                                        "CAS02": {"files": {WEB_CONFIG_2013: _config("other.contoso.lab", shared.lower())}}}})
        before = {s: _web_config(lab, s) for s in ("CAS01", "CAS02")}
        run = _migrate(lab, tmp_path)
        assert run.returncode == 0, run.stdout[-4000:]
        report = _report(run.stdout)
        assert report["mapped"] == []
        assert report["not_mapped"] == {"cas03.contoso.lab": (
            "the Exchange 2013 servers of the play disagree on the IM server and certificate in their OWA web.config "
            f"(cas01.contoso.lab ocspool.contoso.lab {shared}; cas02.contoso.lab other.contoso.lab {shared}); make them agree, or "
            "limit the play (--limit) to the 2013 servers whose values are meant and the 2016 servers")}, report
        assert _im_overrides(lab) == {}
        assert _changes_since(lab, mark) == []
        assert {s: _web_config(lab, s) for s in ("CAS01", "CAS02")} == before
        assert not lab.vdir("CAS03")["InstantMessagingEnabled"]

        # Limited to the 2013 server whose values are meant, the 2016 server is mapped; CAS02 is not touched.
        limited = lab.playbook(PLAYBOOKS / "migrate_rtm.yml", "--limit", "cas01.contoso.lab,cas03.contoso.lab", extra_vars={
            "owa_im_backup_directory": str(tmp_path / "backups"), "owa_im_host_authorization_file": str(tmp_path / "notes.md")})
        assert limited.returncode == 0, limited.stdout[-4000:]
        assert _report(limited.stdout)["mapped"] == ["cas03.contoso.lab"]
        assert sorted(_im_overrides(lab)["OWA IM CAS03"]["parameters"]) == [f"IMCertificateThumbprint={shared}",
                                                                           "IMServerName=ocspool.contoso.lab"]
        assert [e for e in _changes_since(lab, mark) if e["server"] != "CAS03"] == []
        assert {s: _web_config(lab, s) for s in ("CAS01", "CAS02")} == before
    finally:
        lab.owa_lab("down")


def test_a_2016_server_without_the_2013_certificate_is_not_mapped_until_it_has_one_of_its_own(tmp_path: Path) -> None:
    """Each server with a certificate of its own: the 2013 server's thumbprint is not on the 2016 server."""
    lab = _mixed(tmp_path, "2013:1,2016:1")
    try:
        thumbprint_2013 = lab.thumbprint("CAS01").upper()
        lab.seed(tmp_path, {"servers": {"CAS01": {"files": {WEB_CONFIG_2013: _config("ocspool.contoso.lab", thumbprint_2013)}}}})
        before = _web_config(lab, "CAS01")
        mark = len(lab.log())
        run = _migrate(lab, tmp_path)
        assert run.returncode == 0, run.stdout[-4000:]
        report = _report(run.stdout)
        assert report["mapped"] == []
        reason = report["not_mapped"]["cas02.contoso.lab"]
        assert reason.startswith(f"the certificate the Exchange 2013 servers use for IM (IMCertificateThumbprint) {thumbprint_2013} is not "
                                 "among this server's Exchange certificates: an Exchange 2016 or later server presents a certificate of "
                                 "its own; import that certificate with its private key on this server"), reason
        assert "set owa_im_certificate_thumbprint for this host" in reason and "owa_im_discover_certificate: true" in reason
        assert _im_overrides(lab) == {}
        assert _changes_since(lab, mark) == []

        # What the reason says: let the role take the certificate the 2016 server's IIS uses.
        run = _migrate(lab, tmp_path, owa_im_discover_certificate=True)
        assert run.returncode == 0, run.stdout[-4000:]
        assert _report(run.stdout)["mapped"] == ["cas02.contoso.lab"]
        own = lab.thumbprint("CAS02").upper()
        assert own != thumbprint_2013
        assert sorted(_im_overrides(lab)["OWA IM CAS02"]["parameters"]) == [f"IMCertificateThumbprint={own}", "IMServerName=ocspool.contoso.lab"]
        assert [e for e in _changes_since(lab, mark) if e["server"] == "CAS01"] == []
        assert _web_config(lab, "CAS01") == before
    finally:
        lab.owa_lab("down")
