"""Who owns a file or folder and who may write it: NTFS security descriptors, as far as SDDL carries them.

The lab keeps a security descriptor (SDDL, "Security Descriptor String Format", Windows documentation) for the paths
that were given one explicitly (``[IO.Directory]::CreateDirectory(path, DirectorySecurity)``, ``Set-Acl``, a seed);
every other path inherits from its folder, as NTFS does: an ACE with OI reaches files, CI folders, IO ones apply to
children only, and CREATOR OWNER becomes the owner's own entry. %ProgramData% carries Windows' default ACL (SYSTEM and
Administrators full control; Users read and execute, and create files and folders; CREATOR OWNER full control of what
it creates), which is why a folder made there without an ACL of its own is writable by every local user.

Owners: what a lab session creates belongs to BUILTIN\\Administrators, the owner Windows gives objects created by
members of the Administrators group under the policy "System objects: Default owner for objects created by members of
the Administrators group" set to "Administrators group"; under its other value, "Object creator", the user would own
them (the collection accepts both). A seed may give any owner.

Emulated: Get-Acl (Sddl, Owner, AreAccessRulesProtected, Get/SetSecurityDescriptorSddlForm), Set-Acl -AclObject, New-Object
System.Security.AccessControl.DirectorySecurity, [IO.Directory]::CreateDirectory with a DirectorySecurity (see dotnet.py)
and [Security.Principal.WindowsIdentity]::GetCurrent(). Not emulated: access checks against the ACL (every lab session
is an administrator), audit ACEs (SACL), the Access list of FileSystemAccessRule objects, AddAccessRule.
"""

from __future__ import annotations

import re
from typing import Any, Callable

from . import files
from .exchange.cmdlets import Session, session_of
from .powershell.engine import Cmdlet, Invocation, Param
from .powershell.values import PSObject, RuntimeError_, to_string

PROGRAM_DATA = "C:\\ProgramData"
# icacls C:\ProgramData on Windows Server 2008 R2: SYSTEM (OI)(CI)(F), Administrators (OI)(CI)(F), CREATOR OWNER
# (OI)(CI)(IO)(F), Users (OI)(CI)(RX), Users (CI)(WD,AD,WEA,WA); protected from its parent.
PROGRAM_DATA_SDDL = "O:SYG:SYD:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)(A;OICIIO;GA;;;CO)(A;OICI;0x1200a9;;;BU)(A;CI;DCLCRPCR;;;BU)"
# The system drive's root (icacls C:\ on Windows Server 2008 R2): Users read and execute everywhere, create folders
# (CI)(AD) and create files in subfolders (CI)(IO)(WD): what a local user can plant under C:\.
ROOT = "C:\\"
ROOT_SDDL = "O:SYG:SYD:PAI(A;OICI;FA;;;BA)(A;OICI;FA;;;SY)(A;OICIIO;GA;;;CO)(A;OICI;0x1200a9;;;BU)(A;CI;LC;;;BU)(A;CIIO;DC;;;BU)"
# Windows' own trees keep protected ACLs of their own (TrustedInstaller's, simplified here): Users read only.
PROTECTED_TREES = ("C:\\Windows", "C:\\Program Files", "C:\\Program Files (x86)")
OTHER_SDDL = "O:SYG:SYD:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)(A;OICI;0x1200a9;;;BU)"
CREATOR_OWNER = "BA"
# The lab's administrator (a domain account, RID 500).
ADMINISTRATOR_SID = "S-1-5-21-3623811015-3361044348-30300820-500"
ACCOUNT_NAMES = {"SY": "NT AUTHORITY\\SYSTEM", "BA": "BUILTIN\\Administrators", "BU": "BUILTIN\\Users", "CO": "CREATOR OWNER",
                 "S-1-5-18": "NT AUTHORITY\\SYSTEM", "S-1-5-32-544": "BUILTIN\\Administrators", "S-1-5-32-545": "BUILTIN\\Users",
                 ADMINISTRATOR_SID: "CONTOSO\\Administrator"}

_ACE = re.compile(r"\(([^)]*)\)")


def parse(sddl: str) -> dict[str, Any]:
    """``O:..G:..D:<flags>(ace)(ace)`` -> owner, group, DACL flags and ACEs (each a list of its six fields)."""
    owner = re.search(r"O:([A-Z]{2}|S-[0-9-]+)", sddl)
    group = re.search(r"G:([A-Z]{2}|S-[0-9-]+)", sddl)
    dacl = sddl[sddl.index("D:") + 2:] if "D:" in sddl else ""
    flags = dacl[:dacl.index("(")] if "(" in dacl else dacl
    return {"owner": owner.group(1) if owner else None, "group": group.group(1) if group else None, "flags": flags,
            "aces": [ace.split(";") for ace in _ACE.findall(dacl)], "has_dacl": "D:" in sddl}


def render(owner: str | None, group: str | None, flags: str, aces: list[list[str]]) -> str:
    text = (f"O:{owner}" if owner else "") + (f"G:{group}" if group else "")
    return text + "D:" + flags + "".join("(" + ";".join(ace) + ")" for ace in aces)


def _explicit(session: Session, path: str) -> str | None:
    table = session.store.host(session.server).get("security", {})
    wanted = files.normalise(path).lower()
    return next((sddl for key, sddl in table.items() if files.normalise(key).lower() == wanted), None)


def _parent(path: str) -> str | None:
    text = files.normalise(path)
    if len(text) <= 3 or "\\" not in text.rstrip("\\"):
        return None
    parent = text.rsplit("\\", 1)[0]
    return parent + "\\" if len(parent) == 2 and parent.endswith(":") else parent


def _inherited(parent: dict[str, Any], owner: str, folder: bool) -> list[list[str]]:
    """The ACEs a child gets from its folder's inheritable ones."""
    aces: list[list[str]] = []
    for kind, flags, rights, object_guid, inherit_guid, sid in parent["aces"]:
        if "NP" in flags and not folder:
            continue
        reaches_files, reaches_folders = "OI" in flags, "CI" in flags
        if not (reaches_folders if folder else reaches_files):
            if folder and reaches_files:
                # Carried on, inherit-only, for the files below.
                aces.append([kind, "OIIOID", rights, object_guid, inherit_guid, sid])
            continue
        if sid == "CO":
            aces.append([kind, "ID", rights, object_guid, inherit_guid, owner])
            if folder:
                aces.append([kind, "OICIIOID", rights, object_guid, inherit_guid, "CO"])
            continue
        child = ("OICI" if folder and reaches_files else "CI" if folder else "") if "NP" not in flags else ""
        aces.append([kind, child + "ID", rights, object_guid, inherit_guid, sid])
    return aces


def sddl_of(session: Session, path: str) -> str:
    """The security descriptor ``path`` has: its own where one was set, else what it inherits."""
    explicit = _explicit(session, path)
    text = files.normalise(path)
    if text.lower() == PROGRAM_DATA.lower():
        return explicit or PROGRAM_DATA_SDDL
    if text.lower() == ROOT.lower():
        return explicit or ROOT_SDDL
    if any(text.lower() == tree.lower() or text.lower().startswith(tree.lower() + "\\") for tree in PROTECTED_TREES):
        return explicit or OTHER_SDDL
    parent_path = _parent(text)
    folder = files.is_folder(session, text) and files.read(session, text) is None
    if explicit is not None:
        mine = parse(explicit)
        if "P" in mine["flags"] or parent_path is None:
            return explicit
        # Not protected: its own ACEs, then what the folder passes on.
        inherited = _inherited(parse(sddl_of(session, parent_path)), mine["owner"] or CREATOR_OWNER, folder)
        own = [ace for ace in mine["aces"] if "ID" not in ace[1]]
        return render(mine["owner"], mine["group"], mine["flags"], own + inherited)
    if parent_path is None or not text.lower().startswith("c:\\"):
        return OTHER_SDDL
    return render(CREATOR_OWNER, "SY", "AI", _inherited(parse(sddl_of(session, parent_path)), CREATOR_OWNER, folder))


def set_sddl(session: Session, path: str, sddl: str) -> None:
    """What Set-Acl or CreateDirectory with a security object writes; an SDDL without an owner keeps the old one."""
    new = parse(sddl)
    old = parse(sddl_of(session, path))
    owner = new["owner"] or old["owner"]
    text = render(owner, new["group"] or old["group"], new["flags"] if new["has_dacl"] else old["flags"],
                  [a for a in (new["aces"] if new["has_dacl"] else old["aces"]) if "ID" not in a[1]])
    with session.store.edit_host(session.server) as host:
        table = host.setdefault("security", {})
        for key in [k for k in table if files.normalise(k).lower() == files.normalise(path).lower()]:
            del table[key]
        table[files.normalise(path)] = text
    session.store.log(session.server, "acl-set", path=files.normalise(path), sddl=text)


def _security_object(type_name: str, path: str | None, sddl: str) -> PSObject:
    state = {"sddl": sddl}

    def properties() -> dict[str, Any]:
        parsed = parse(state["sddl"]) if state["sddl"] else {"owner": None, "flags": ""}
        return {"Sddl": state["sddl"], "Owner": ACCOUNT_NAMES.get(parsed["owner"] or "", parsed["owner"]),
                "AreAccessRulesProtected": "P" in parsed["flags"],
                "Path": f"Microsoft.PowerShell.Core\\FileSystem::{path}" if path else None}

    def set_form(text: Any, _sections: Any = None) -> None:
        state["sddl"] = to_string(text)
        for key, value in properties().items():
            security.properties[key] = value

    # "__sddl__" is no member a script can call (PowerShell names cannot start a method call with it); CreateDirectory
    # and Set-Acl read the descriptor through it.
    security = PSObject(type_name, properties(), text=type_name, methods={
        "SetSecurityDescriptorSddlForm": set_form,
        "GetSecurityDescriptorSddlForm": lambda _sections=None: state["sddl"],
        "__sddl__": lambda: state["sddl"]})
    return security


def security_sddl(value: Any) -> str | None:
    """The SDDL a DirectorySecurity or FileSecurity object holds (for CreateDirectory and Set-Acl)."""
    if isinstance(value, PSObject) and "__sddl__" in value.methods:
        return value.methods["__sddl__"]()
    return None


def get_acl(inv: Invocation) -> list[Any]:
    session = session_of(inv)
    value = inv.get("LiteralPath") if inv.has("LiteralPath") else inv.get("Path")
    results = []
    for item in value if isinstance(value, list) else [value]:
        path = files.normalise(to_string(item))
        is_file = files.read(session, path) is not None
        if not is_file and not files.is_folder(session, path):
            inv.error(RuntimeError_(f"Cannot find path '{path}' because it does not exist.",
                                    error_id="PathNotFound,Microsoft.PowerShell.Commands.GetAclCommand", category="ObjectNotFound",
                                    exception_type="System.Management.Automation.ItemNotFoundException", target=path))
            continue
        kind = "System.Security.AccessControl.FileSecurity" if is_file else "System.Security.AccessControl.DirectorySecurity"
        results.append(_security_object(kind, path, sddl_of(session, path)))
    return results


def set_acl(inv: Invocation) -> list[Any]:
    session = session_of(inv)
    sddl = security_sddl(inv.get("AclObject"))
    if sddl is None:
        raise inv.engine.lab_gap("Set-Acl with anything but a security object from Get-Acl or New-Object")
    value = inv.get("LiteralPath") if inv.has("LiteralPath") else inv.get("Path")
    for item in value if isinstance(value, list) else [value]:
        path = files.normalise(to_string(item))
        if files.read(session, path) is None and not files.is_folder(session, path):
            inv.error(RuntimeError_(f"Cannot find path '{path}' because it does not exist.",
                                    error_id="PathNotFound,Microsoft.PowerShell.Commands.SetAclCommand", category="ObjectNotFound",
                                    exception_type="System.Management.Automation.ItemNotFoundException", target=path))
            continue
        set_sddl(session, path, sddl)
    return []


def cmdlets() -> dict[str, Cmdlet]:
    # Windows PowerShell 2.0's Get-Acl and Set-Acl take -Path only (TechNet dd347635, dd315261); -LiteralPath came in 3.0.
    path = [Param("Path", position=0), Param("LiteralPath", aliases=("PSPath",), min_version=3.0)]
    found = [Cmdlet("Get-Acl", path + [Param("Audit", "switch"), Param("Filter"), Param("Include"), Param("Exclude")], get_acl),
             Cmdlet("Set-Acl", path + [Param("AclObject", position=1), Param("Passthru", "switch"), Param("Filter")], set_acl)]
    return {c.name: c for c in found}


def constructors() -> dict[str, Callable[[], PSObject]]:
    make = lambda: _security_object("System.Security.AccessControl.DirectorySecurity", None, "")  # noqa: E731
    return {"system.security.accesscontrol.directorysecurity": make, "security.accesscontrol.directorysecurity": make}


def _access_control(session: Session, kind: str, method: str, path: Any) -> PSObject:
    """[IO.File]::GetAccessControl / [IO.Directory]::GetAccessControl (.NET 2.0): the path is taken literally."""
    text = files.normalise(to_string(path))
    is_file = files.read(session, text) is not None
    if (kind == "file" and not is_file) or (kind == "directory" and not files.is_folder(session, text)):
        exception = "System.IO.FileNotFoundException" if kind == "file" else "System.IO.DirectoryNotFoundException"
        words = f"Could not find file '{text}'." if kind == "file" else f"Could not find a part of the path '{text}'."
        raise RuntimeError_(f'Exception calling "{method}" with "1" argument(s): "{words}"', error_id=exception.rsplit(".", 1)[-1],
                            category="NotSpecified", exception_type="System.Management.Automation.MethodInvocationException")
    type_name = "System.Security.AccessControl.FileSecurity" if kind == "file" else "System.Security.AccessControl.DirectorySecurity"
    return _security_object(type_name, text, sddl_of(session, text))


def _set_access_control(session: Session, path: Any, security: Any) -> None:
    sddl = security_sddl(security)
    if sddl is None:
        raise RuntimeError_("owa-lab does not emulate SetAccessControl with anything but a security object of the lab's.",
                            error_id="OwaLabNotEmulated", category="NotImplemented")
    set_sddl(session, files.normalise(to_string(path)), sddl)


def statics(session: Session) -> dict[tuple[str, str], Callable[..., Any]]:
    def current() -> PSObject:
        user = PSObject("System.Security.Principal.SecurityIdentifier", {"Value": ADMINISTRATOR_SID}, text=ADMINISTRATOR_SID)
        return PSObject("System.Security.Principal.WindowsIdentity", {"User": user, "Name": "CONTOSO\\" + session.user.split("\\")[-1]})
    return {("security.principal.windowsidentity", "getcurrent"): current,
            ("io.file", "getaccesscontrol"): lambda p, _sections=None: _access_control(session, "file", "GetAccessControl", p),
            ("io.directory", "getaccesscontrol"): lambda p, _sections=None: _access_control(session, "directory", "GetAccessControl", p),
            ("io.file", "setaccesscontrol"): lambda p, s: _set_access_control(session, p, s),
            ("io.directory", "setaccesscontrol"): lambda p, s: _set_access_control(session, p, s)}
