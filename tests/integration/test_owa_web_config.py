"""owa_web_config against the lab: Exchange 2013's OWA web.config keys set, left alone, previewed, removed; every other byte
kept; the old file backed up on the server before the write; refused on Exchange 2010; OWA's new worker takes the keys."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest
from owa_lab import files, owa_web
from owa_lab.store import Store

from conftest import Lab, start_lab

HOST = "cas01.contoso.lab"
WEB_CONFIG = "C:\\Program Files\\Microsoft\\Exchange Server\\V15\\ClientAccess\\Owa\\web.config"
BACKUPS = "C:\\ProgramData\\exchange.owa_im\\web-config-backups\\"
# CRLF, a byte order mark, tabs, a non-ASCII value, an entity and a commented-out key: all of it must survive the edit.
ORIGINAL = ("\ufeff<?xml version=\"1.0\" encoding=\"utf-8\"?>\r\n<configuration>\r\n\t<appSettings>\r\n"
            "\t\t<!-- <add key=\"IMServerName\" value=\"old.commented\"/> -->\r\n"
            "\t\t<add key=\"owa.MailboxServerVersionCheck\" value=\"true\"/>\r\n"
            "\t\t<add key=\"Caf\u00e9\" value=\"a &amp; b\"/>\r\n\t</appSettings>\r\n"
            "\t<system.web><compilation debug=\"false\" /></system.web>\r\n</configuration>").encode("utf-8")
POOL = "pool.contoso.lab"


@pytest.fixture(scope="module")
def lab2013(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    started = start_lab(tmp_path_factory.mktemp("lab"), 1, "--version", "2013")
    yield started
    started.owa_lab("down")


def _put(lab: Lab, data: bytes) -> None:
    with Store(lab.state).edit_host("CAS01") as host:
        host["files"][WEB_CONFIG] = {"text": data.decode("latin-1"), "encoding": "latin-1"}


def _bytes(lab: Lab, path: str = WEB_CONFIG) -> bytes:
    data = files.host_file_bytes(Store(lab.state), "CAS01", path)
    assert data is not None, path
    return data


def _task(lab: Lab, **options: str) -> dict:
    return {"exchange.owa_im.owa_web_config": dict({"im_server_name": POOL, "im_certificate_thumbprint": lab.thumbprint("CAS01")}, **options)}


def test_the_keys_are_set_once_with_every_other_byte_kept_and_a_backup_first(lab2013: Lab, tmp_path: Path) -> None:
    _put(lab2013, ORIGINAL)
    thumbprint = lab2013.thumbprint("CAS01")
    check = lab2013.play(tmp_path, _task(lab2013), "--check", "--diff")
    assert check.returncode == 0, check.stdout[-3000:]
    previewed = lab2013.result(tmp_path, HOST)
    assert previewed["changed"] is True and previewed["after"] == {"im_certificate_thumbprint": thumbprint, "im_server_name": POOL}
    assert previewed["before"] == {"im_certificate_thumbprint": None, "im_server_name": None}
    assert "im_server_name" in check.stdout     # the diff
    assert _bytes(lab2013) == ORIGINAL and "server_backup_file" not in previewed

    first = lab2013.play(tmp_path, _task(lab2013))
    assert first.returncode == 0, first.stdout[-3000:]
    result = lab2013.result(tmp_path, HOST)
    assert result["changed"] is True and result["after"] == previewed["after"] and result["path"] == WEB_CONFIG
    assert result["encoding"] == "utf-8" and result["byte_order_mark"] is True and result["restart_pending"] is True
    assert any("cumulative update replaces OWA's web.config" in w for w in result["warnings"])
    # The two new lines, with the file's CRLF and the indentation of the <add> line before them; nothing else moved.
    added = (f'\t\t<add key="IMCertificateThumbprint" value="{thumbprint}"/>\r\n\t\t<add key="IMServerName" value="{POOL}"/>\r\n').encode()
    now = _bytes(lab2013)
    assert added in now and now.replace(added, b"") == ORIGINAL
    # The old file, byte for byte, on the server's disk before web.config was written.
    backup = result["server_backup_file"]
    assert backup.startswith(BACKUPS) and backup.endswith("Z.config") and _bytes(lab2013, backup) == ORIGINAL
    events = lab2013.log()
    writes = [e.get("path", "").lower() for e in events if e["event"] == "file-write"]
    assert writes.index(backup.lower()) < writes.index(WEB_CONFIG.lower())

    again = lab2013.play(tmp_path, _task(lab2013))
    assert again.returncode == 0
    assert lab2013.result(tmp_path, HOST)["changed"] is False and _bytes(lab2013) == now


def test_values_are_replaced_in_place_then_removed(lab2013: Lab, tmp_path: Path) -> None:
    original = (b'<configuration>\n  <appSettings>\n    <add key="IMServerName" value="old.contoso.lab" />\n'
                b'    <add key="A" value="1" />\n    <add key="IMCertificateThumbprint" value="AB" />\n  </appSettings>\n</configuration>\n')
    _put(lab2013, original)
    run = lab2013.play(tmp_path, _task(lab2013))
    assert run.returncode == 0, run.stdout[-3000:]
    result = lab2013.result(tmp_path, HOST)
    assert result["changes"] == {"im_certificate_thumbprint": "replace", "im_server_name": "replace"}
    assert result["encoding"] == "utf-8" and result["byte_order_mark"] is False
    assert _bytes(lab2013) == original.replace(b"old.contoso.lab", POOL.encode()).replace(b'"AB"', b'"%s"' % lab2013.thumbprint("CAS01").encode())

    removed = lab2013.play(tmp_path, {"exchange.owa_im.owa_web_config": {"state": "absent"}}, "--diff")
    assert removed.returncode == 0, removed.stdout[-3000:]
    assert lab2013.result(tmp_path, HOST)["after"] == {"im_certificate_thumbprint": None, "im_server_name": None}
    assert _bytes(lab2013) == b'<configuration>\n  <appSettings>\n    <add key="A" value="1" />\n  </appSettings>\n</configuration>\n'


@pytest.mark.parametrize(("content", "said"), [
    (b'<configuration>\n  <appSettings>\n    <add key="IMServerName" value="a.contoso.lab"/>\n    <add key="imservername" value="b"/>\n'
     b'  </appSettings>\n</configuration>\n', "holds the key IMServerName more than once"),
    (b'<configuration>\n  <system.web />\n</configuration>\n', "has no single <appSettings> element"),
])
def test_a_file_it_cannot_edit_safely_is_refused_unchanged(lab2013: Lab, tmp_path: Path, content: bytes, said: str) -> None:
    _put(lab2013, content)
    before = len([e for e in lab2013.log() if e["event"] == "file-write"])
    run = lab2013.play(tmp_path, _task(lab2013))
    assert run.returncode != 0 and said in " ".join(run.stdout.split()), run.stdout[-2000:]
    assert "Nothing was changed." in " ".join(run.stdout.split())
    assert _bytes(lab2013) == content and len([e for e in lab2013.log() if e["event"] == "file-write"]) == before


def test_owa_takes_the_keys_when_its_pool_is_recycled(lab2013: Lab, tmp_path: Path) -> None:
    _put(lab2013, ORIGINAL)
    store = Store(lab2013.state)
    with store.edit_directory() as directory:
        for vdir in directory["owa_virtual_directories"]:
            vdir.update(InstantMessagingEnabled=True, InstantMessagingType="Ocs")
    # The virtual directory's own two values are not what OWA 2013 reads.
    assert owa_web.im_provider_event(store, "CAS01")[0] == owa_web.IM_SERVER_NAME_EMPTY
    run = lab2013.play(tmp_path, _task(lab2013))
    assert run.returncode == 0, run.stdout[-3000:]
    assert lab2013.result(tmp_path, HOST)["restart_pending"] is True
    recycle = {"exchange.owa_im.iis_restart": {"method": "recycle_app_pool", "when_pending": True, "wait_url": "{{ owa_im_owa_url }}",
                                               "wait_ca_path": "{{ owa_lab_ca }}", "check_im_events": True}}
    restarted = lab2013.play(tmp_path, recycle)
    assert restarted.returncode == 0, restarted.stdout[-3000:]
    result = lab2013.result(tmp_path, HOST)
    assert result["changed"] is True and result["im_provider_loaded"] is True, result
    assert owa_web.web_config_im_settings(store, "CAS01") == {"IMServerName": POOL, "IMCertificateThumbprint": lab2013.thumbprint("CAS01")}
    # Owed no more: a second run of the same recycle does nothing.
    assert lab2013.play(tmp_path, recycle).returncode == 0
    assert lab2013.result(tmp_path, HOST)["changed"] is False


def test_exchange_2010_is_refused_and_nothing_changes(lab: Lab, tmp_path: Path) -> None:
    path = "C:\\Program Files\\Microsoft\\Exchange Server\\V14\\ClientAccess\\Owa\\web.config"
    before = lab.host("CAS01")["files"][path]
    run = lab.play(tmp_path, {"exchange.owa_im.owa_web_config": {"im_server_name": POOL, "im_certificate_thumbprint": lab.thumbprint("CAS01")}},
                   "--limit", HOST)
    assert run.returncode != 0
    said = " ".join(run.stdout.split())
    assert "OWA reads IMServerName and IMCertificateThumbprint from web.config on Exchange 2013 only" in said, said[-2000:]
    assert "Nothing was changed." in said
    assert lab.host("CAS01")["files"][path] == before
    assert not [e for e in lab.log() if e["event"] == "file-write" and "web-config-backups" in e.get("path", "")]
