"""msiexec /p: the lab applies a Windows Installer update package (.msp) to its installed target product only, registers
it where Windows Installer does, and answers what it cannot do with Windows Installer's exit codes.

Sources: Windows Installer's exit codes and their words are WinError.h's (Microsoft, "System Error Codes (1300-1699)":
1635 ERROR_PATCH_PACKAGE_OPEN_FAILED, 1636 ERROR_PATCH_PACKAGE_INVALID, 1642 ERROR_PATCH_TARGET_NOT_FOUND); a patch
applies to the installed products its Template summary property names (Heath Stewart, "Patch Applicability", Windows
Installer team blog, 2009); a per-machine product's patches are registered under UserData\\S-1-5-18\\Products\\<packed
product code>\\Patches\\<packed patch code> with State 1 when applied, the key MsiGetPatchInfoEx reads (Wine's msi
conformance tests, test_MsiGetPatchInfoEx, which run against Windows). Applying a patch that is already applied again
ends with 0 and changes nothing: the lab's reading of reports that re-running an applied .msp reinstalls it without an
error (Esri/arcgis-powershell-dsc#149); not checked on a Windows server.
"""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from owa_lab import installers, organisation, process
from owa_lab.exchange.cmdlets import Session
from owa_lab.exchange.versions import VERSIONS
from owa_lab.store import Store

FOLDER = "C:\\Install"
USERDATA = "HKLM:\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Installer\\UserData\\S-1-5-18\\Products"


def _session(tmp_path: Path, auth: str = "ntlm") -> Session:
    store = Store(tmp_path / "state")
    organisation.build(store, 1, "2010sp1")
    with store.edit_host("CAS01") as host:
        for name, key in {"UcmaRedist.msi": "ucmaredist", "CWAOWASSP.msi": "cwaowassp", "vcredist_x64.exe": "vcredist_x64",
                          **organisation.HOTFIXES}.items():
            host.setdefault("files", {})[f"{FOLDER}\\{name}"] = {"package": key}
    return Session(store, "CAS01", VERSIONS["2010sp1"], auth, "administrator")


def _run(session: Session, line: str) -> int:
    return process.run(session, line, None, 437)[2]


def _ps(session: Session, script: str) -> str:
    line = "powershell.exe -EncodedCommand " + base64.b64encode(script.encode("utf-16-le")).decode()
    out, err, code = process.run(session, line, None, 437)
    assert code == 0, err.decode(errors="replace")
    return out.decode()


def _log(session: Session, path: str) -> str:
    return _ps(session, f"Get-Content '{path}'")


def _patch_keys(session: Session) -> dict[str, dict[str, object]]:
    return {k: v for k, v in session.store.host("CAS01").get("registry", {}).items() if "\\Installer\\UserData\\" in k}


def test_packed_guid_is_windows_installers() -> None:
    # Office 2007's product code and the key name Windows Installer gives it, as every Office 2007 registry shows.
    assert installers.packed_guid("{90120000-0030-0000-0000-0000000FF1CE}") == "00002109030000000000000000F01FEC"


def test_a_patch_whose_product_is_missing_ends_with_1642_and_windows_words(tmp_path: Path) -> None:
    session = _session(tmp_path)
    assert _run(session, f'msiexec /p "{FOLDER}\\UcmaRedist.msp" /qn /norestart /l*v C:\\Windows\\Temp\\p.log') == 1642
    assert installers.PATCH_TARGET_NOT_FOUND in _log(session, "C:\\Windows\\Temp\\p.log").replace("\r\n", " ")
    assert _patch_keys(session) == {}
    entry = [e for e in session.store.log_entries("CAS01") if e["event"] == "patch"][-1]
    assert entry["exit_code"] == 1642 and entry["package"] == "ucmaredist_hotfix"


def test_a_patch_applies_to_its_installed_product_and_is_registered_as_windows_installer_does(tmp_path: Path) -> None:
    session = _session(tmp_path)
    assert _run(session, f'msiexec /i "{FOLDER}\\UcmaRedist.msi" /qn') == 0
    # The web service provider's hotfix needs its own product, not UCMA's.
    assert _run(session, f'msiexec /update "{FOLDER}\\CWAOWASSP.msp" /qn') == 1642
    assert _run(session, f'msiexec /p "{FOLDER}\\UcmaRedist.msp" /qn /norestart /l*v C:\\Windows\\Temp\\u.log') == 0
    product = installers.PACKAGES["ucmaredist"].product_code
    patch = installers.PACKAGES["ucmaredist_hotfix"].product_code
    key = f"{installers.patches_key(product)}\\{installers.packed_guid(patch)}"
    assert _patch_keys(session)[key]["State"] == 1
    # PowerShell 2.0 reads it as any registry value, by the product's packed code (the uninstall key's name, packed).
    packed = installers.packed_guid(product)
    seen = _ps(session, f"Get-ItemProperty -Path '{USERDATA}\\{packed}\\Patches\\*' | "
                        "ForEach-Object { $_.PSChildName; [string]$_.State; $_.DisplayName }").split("\r\n")
    assert seen[:3] == [installers.packed_guid(patch), "1", installers.PACKAGES["ucmaredist_hotfix"].display_name]
    assert f"Product Name: {installers.PACKAGES['ucmaredist'].display_name}" in _log(session, "C:\\Windows\\Temp\\u.log")
    # The product itself is as it was: the lab does not know the build a real hotfix brings.
    assert session.store.host("CAS01")["products"][product]["DisplayVersion"] == installers.PACKAGES["ucmaredist"].version


def test_applying_an_applied_patch_again_changes_nothing_and_ends_with_0(tmp_path: Path) -> None:
    session = _session(tmp_path)
    assert _run(session, f'msiexec /i "{FOLDER}\\UcmaRedist.msi" /qn') == 0
    assert _run(session, f'msiexec /p "{FOLDER}\\UcmaRedist.msp" /qn') == 0
    before = _patch_keys(session)
    assert _run(session, f'msiexec /p "{FOLDER}\\UcmaRedist.msp" /qn /l*v C:\\Windows\\Temp\\again.log') == 0
    assert _patch_keys(session) == before
    assert "is already applied" in _log(session, "C:\\Windows\\Temp\\again.log")
    assert [e.get("already_applied") for e in session.store.log_entries("CAS01") if e["event"] == "patch"] == [None, True]


def test_removing_the_product_forgets_its_patches(tmp_path: Path) -> None:
    session = _session(tmp_path)
    assert _run(session, f'msiexec /i "{FOLDER}\\UcmaRedist.msi" /qn') == 0
    assert _run(session, f'msiexec /p "{FOLDER}\\UcmaRedist.msp" /qn') == 0
    assert _run(session, f'msiexec /x "{FOLDER}\\UcmaRedist.msi" /qn') == 0
    assert _patch_keys(session) == {}
    assert _run(session, f'msiexec /p "{FOLDER}\\UcmaRedist.msp" /qn') == 1642


@pytest.mark.parametrize("line, code", [
    # From an NTLM session the share is out of reach (the second hop): the update package cannot be opened.
    (f'msiexec /p "{organisation.SHARE}\\UcmaRedist.msp" /qn', 1635),
    (f'msiexec /p "{FOLDER}\\nothing.msp" /qn', 1635),
    # An installation package given as an update package, and the other way round.
    (f'msiexec /p "{FOLDER}\\UcmaRedist.msi" /qn', 1636),
    (f'msiexec /i "{FOLDER}\\UcmaRedist.msp" /qn', 1620),
    # Without /qn Windows Installer would show its wizard to no one; as for /i, the lab ends it with 1603.
    (f'msiexec /p "{FOLDER}\\UcmaRedist.msp"', 1603),
    ("msiexec /p", 1639),
])
def test_what_msiexec_p_refuses(tmp_path: Path, line: str, code: int) -> None:
    session = _session(tmp_path)
    assert _run(session, f'msiexec /i "{FOLDER}\\UcmaRedist.msi" /qn') == 0
    assert _run(session, line) == code
    assert _patch_keys(session) == {}


def test_the_share_holds_the_hotfixes_for_a_session_that_delegates(tmp_path: Path) -> None:
    session = _session(tmp_path, auth="credssp")
    assert _run(session, f'msiexec /i "{FOLDER}\\UcmaRedist.msi" /qn') == 0
    assert _run(session, f'msiexec /p "{organisation.SHARE}\\UcmaRedist.msp" /qn') == 0
    assert {organisation.SHARE + "\\" + name for name in organisation.CONTROLLER_INSTALLERS} <= set(session.store.directory()["shares"])


@pytest.mark.parametrize("how", ["fault", "seed"])
def test_a_patch_fails_as_the_installers_do_by_fault_or_seed(tmp_path: Path, how: str) -> None:
    session = _session(tmp_path)
    assert _run(session, f'msiexec /i "{FOLDER}\\CWAOWASSP.msi" /qn') == 1603   # its prerequisites are missing
    for name in ("vcredist_x64.exe", "UcmaRedist.msi", "CWAOWASSP.msi"):
        command = f'"{FOLDER}\\{name}" /q' if name.endswith(".exe") else f'msiexec /i "{FOLDER}\\{name}" /qn'
        assert _run(session, command) == 0
    if how == "fault":
        session.store.write("faults.json", {"CAS01": {"installer_fail": "CWAOWASSP.msp"}})
        expected = 1603
    else:
        organisation.apply_seed(session.store, {"servers": {"CAS01": {"installers": {"CWAOWASSP.msp": {"exit_code": 1638}}}}})
        expected = 1638
    assert _run(session, f'msiexec /p "{FOLDER}\\CWAOWASSP.msp" /qn /l*v C:\\Windows\\Temp\\w.log') == expected
    assert f"Installation success or error status: {expected}." in _log(session, "C:\\Windows\\Temp\\w.log")
    assert _patch_keys(session) == {}
