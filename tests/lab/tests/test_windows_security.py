"""NTFS security descriptors as the lab models them: %ProgramData%'s inheritance, explicit ACLs, Get-Acl and Set-Acl,
[IO.File]/[IO.Directory]::GetAccessControl and SetAccessControl."""

from __future__ import annotations

from pathlib import Path

from owa_lab import organisation
from owa_lab.exchange.cmdlets import Session
from owa_lab.exchange.versions import VERSIONS
from owa_lab.process import new_engine
from owa_lab.store import Store

PRIVATE = "O:BAG:SYD:PAI(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)"


def _run(tmp_path: Path, script: str, version: str = "2010sp1") -> tuple[list[str], list[str]]:
    store = Store(tmp_path / "state")
    organisation.build(store, 1, version)
    engine = new_engine(Session(store, "CAS01", VERSIONS[version], "ntlm", "administrator"))
    _code, output = engine.run(script, [])
    return [str(item) for item in output], [error.message for error in engine.errors]


def test_a_folder_made_under_programdata_inherits_users_create_files(tmp_path: Path) -> None:
    out, errors = _run(tmp_path, r"[void][IO.Directory]::CreateDirectory('C:\ProgramData\open'); (Get-Acl 'C:\ProgramData\open').Sddl")
    assert errors == []
    assert out == ["O:BAG:SYD:AI(A;OICIID;FA;;;SY)(A;OICIID;FA;;;BA)(A;ID;GA;;;BA)(A;OICIIOID;GA;;;CO)(A;OICIID;0x1200a9;;;BU)"
                   "(A;CIID;DCLCRPCR;;;BU)"]


def test_a_folder_made_with_a_security_object_keeps_it_and_passes_it_on(tmp_path: Path) -> None:
    out, errors = _run(tmp_path, rf"""
$security = New-Object System.Security.AccessControl.DirectorySecurity
$security.SetSecurityDescriptorSddlForm('{PRIVATE}')
[void][IO.Directory]::CreateDirectory('C:\ProgramData\private', $security)
$stream = [IO.File]::Open('C:\ProgramData\private\a.txt', [IO.FileMode]::CreateNew, [IO.FileAccess]::Write); $stream.Close()
[IO.Directory]::GetAccessControl('C:\ProgramData\private').GetSecurityDescriptorSddlForm('Owner, Group, Access')
[IO.File]::GetAccessControl('C:\ProgramData\private\a.txt').GetSecurityDescriptorSddlForm('Owner, Group, Access')
(Get-Acl 'C:\ProgramData\private').Owner
(Get-Acl 'C:\ProgramData\private').AreAccessRulesProtected
""")
    assert errors == []
    assert out == [PRIVATE, "O:BAG:SYD:AI(A;ID;FA;;;SY)(A;ID;FA;;;BA)", "BUILTIN\\Administrators", "True"]


def test_set_access_control_protects_an_open_folder_and_get_acl_of_nothing_is_powershells_error(tmp_path: Path) -> None:
    out, errors = _run(tmp_path, rf"""
[void][IO.Directory]::CreateDirectory('C:\ProgramData\open')
$acl = [IO.Directory]::GetAccessControl('C:\ProgramData\open')
$acl.SetSecurityDescriptorSddlForm('{PRIVATE}')
[IO.Directory]::SetAccessControl('C:\ProgramData\open', $acl)
(Get-Acl 'C:\ProgramData\open').Sddl
[Security.Principal.WindowsIdentity]::GetCurrent().User.Value
Get-Acl 'C:\ProgramData\nothing'
""")
    assert out == [PRIVATE, "S-1-5-21-3623811015-3361044348-30300820-500"]
    assert errors == ["Cannot find path 'C:\\ProgramData\\nothing' because it does not exist."]


def test_get_acl_takes_literalpath_from_powershell_3_only(tmp_path: Path) -> None:
    _out, errors = _run(tmp_path / "2010", r"Get-Acl -LiteralPath 'C:\ProgramData'")
    assert errors == ["A parameter cannot be found that matches parameter name 'LiteralPath'."]
    out, errors = _run(tmp_path / "2016", r"(Get-Acl -LiteralPath 'C:\ProgramData').Owner", "2016")
    assert errors == [] and out == ["NT AUTHORITY\\SYSTEM"]
