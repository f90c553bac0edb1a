"""Each server's files and registry, and the organisation's file shares.

Paths are case-insensitive, as on Windows. A UNC path (``\\\\fs01\\ocs\\...``) is a file share every
server sees (kept in the shared store); any other path is that server's own disk. A file holds text,
or a package record (``{"package": "ucmaredist"}``) standing for an installer's bytes.
"""

from __future__ import annotations

import fnmatch
import hashlib
from typing import Any

from . import kerberos
from .exchange.cmdlets import Session

UNINSTALL_KEY = "HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall"
# Folders every Windows server has, so Test-Path on them holds before any file is written there.
STANDARD_FOLDERS = ("C:\\", "C:\\Windows", "C:\\Windows\\Temp", "C:\\Windows\\System32", "C:\\Program Files", "C:\\ProgramData", "C:\\Temp")


def normalise(path: str) -> str:
    text = path.strip().strip('"').replace("/", "\\")
    if text.lower().startswith("filesystem::"):
        text = text[len("filesystem::"):]
    while text.endswith("\\") and len(text) > 3:
        text = text[:-1]
    return text


def is_unc(path: str) -> bool:
    return normalise(path).startswith("\\\\")


def unc_denied(session: Session, path: str) -> bool:
    """A share this session cannot reach (the second hop): an NTLM network logon holds no password or ticket to sign in
    elsewhere with, nor does a Kerberos logon whose client delegated no ticket, unless the CAS may delegate to the file
    server's CIFS service (constrained delegation); Kerberos with a delegated ticket and CredSSP can. See the listener's
    session_auth, kerberos.may_delegate and tests/lab/README.md, "The second hop"."""
    if not is_unc(path):
        return False
    host = normalise(path)[2:].split("\\", 1)[0]
    domain = session.store.directory()["organisation"]["domain"]
    return not kerberos.may_delegate(session.store, session.server, session.auth.lower(), kerberos.service_name("cifs", host, domain))


# ----- file bytes --------------------------------------------------------------------------------
PACKAGE_MARKER = b"owa-lab installer package: "


def package_bytes(key: str, size: int = 200 * 1024) -> bytes:
    """The bytes the lab stands for installer package ``key`` with: a marker line, then filler (not a real MSI)."""
    head = PACKAGE_MARKER + key.encode("ascii") + b"\r\n"
    filler = hashlib.sha256(key.encode()).digest() * (size // 32 + 1)
    return head + filler[: max(size - len(head), 0)]


def package_of_bytes(data: bytes) -> str | None:
    if data.startswith(PACKAGE_MARKER):
        return data[len(PACKAGE_MARKER):data.find(b"\r\n")].decode("ascii", "replace")
    return None


def _blob_path(session: Session, digest: str) -> Any:
    return session.store.path("blobs", digest)


def write_bytes(session: Session, path: str, data: bytes) -> None:
    """A file of bytes (what [IO.File] writes); kept beside the state, named by its SHA-1."""
    digest = hashlib.sha1(data).hexdigest()
    target = _blob_path(session, digest)
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.exists():
        target.write_bytes(data)
    write(session, path, {"blob": digest, "size": len(data)})


def read_bytes(session: Session, path: str) -> bytes | None:
    """A file's bytes: text is UTF-8 (with the BOM its record names, if any), a package record its package's bytes."""
    return content_bytes(session, read(session, path))


def content_bytes(session: Session, content: Any) -> bytes | None:
    if content is None:
        return None
    if isinstance(content, str):
        return content.encode("utf-8")
    if isinstance(content, dict) and "blob" in content:
        return _blob_path(session, content["blob"]).read_bytes()
    if isinstance(content, dict) and "package" in content:
        return package_bytes(str(content["package"]))
    if isinstance(content, dict) and "text" in content:
        return str(content["text"]).encode(str(content.get("encoding", "utf-8")))
    return b""


def host_file_bytes(store: Any, server: str, path: str) -> bytes | None:
    """A file's bytes on ``server``'s own disk, read from the store without a PowerShell session (what a service such as
    OWA's worker reads); None when there is no such file."""
    table = store.host(server).get("files", {})
    key = _find(table, path)
    content = None if key is None else table[key]
    if isinstance(content, dict) and "blob" in content:
        return store.path("blobs", content["blob"]).read_bytes()
    if isinstance(content, dict) and "package" in content:
        return package_bytes(str(content["package"]))
    if isinstance(content, dict) and "text" in content:
        return str(content["text"]).encode(str(content.get("encoding", "utf-8")))
    return None if content is None else str(content).encode("utf-8")


def remove(session: Session, path: str) -> None:
    if is_unc(path):
        with session.store.edit_directory() as directory:
            directory.setdefault("shares", {}).pop(_find(directory.get("shares", {}), path) or "", None)
        return
    with session.store.edit_host(session.server) as host:
        host.setdefault("files", {}).pop(_find(host.get("files", {}), path) or "", None)


def make_folder(session: Session, path: str) -> None:
    with session.store.edit_host(session.server) as host:
        folders = host.setdefault("folders", [])
        if normalise(path).lower() not in (f.lower() for f in folders):
            folders.append(normalise(path))


def _table(session: Session, path: str) -> dict[str, Any]:
    if is_unc(path):
        return session.store.directory().get("shares", {})
    return session.store.host(session.server).get("files", {})


def _find(table: dict[str, Any], path: str) -> str | None:
    wanted = normalise(path).lower()
    return next((key for key in table if normalise(key).lower() == wanted), None)


def read(session: Session, path: str) -> Any:
    table = _table(session, path)
    key = _find(table, path)
    return None if key is None else table[key]


def write(session: Session, path: str, content: Any) -> None:
    if is_unc(path):
        with session.store.edit_directory() as directory:
            shares = directory.setdefault("shares", {})
            shares.pop(_find(shares, path) or "", None)
            shares[normalise(path)] = content
        return
    with session.store.edit_host(session.server) as host:
        files = host.setdefault("files", {})
        files.pop(_find(files, path) or "", None)
        files[normalise(path)] = content
    # In the log, so that what a script wrote can be ordered against what it changed (a backup before the change).
    session.store.log(session.server, "file-write", path=normalise(path))


def append(session: Session, path: str, lines: list[str]) -> None:
    existing = read(session, path)
    text = existing if isinstance(existing, str) else ""
    write(session, path, text + "".join(line + "\r\n" for line in lines))


def is_folder(session: Session, path: str) -> bool:
    wanted = normalise(path).lower()
    if not is_unc(path) and any(wanted == folder.lower() for folder in STANDARD_FOLDERS):
        return True
    if not is_unc(path) and wanted == session.version.install_path.lower():
        return True
    if not is_unc(path) and any(wanted == normalise(f).lower() for f in session.store.host(session.server).get("folders", [])):
        return True
    prefix = wanted + "\\"
    return any(normalise(key).lower().startswith(prefix) for key in _table(session, path))


# ----- the registry ----------------------------------------------------------------------------
def registry_path(path: str) -> str | None:
    """``HKLM:\\x``, ``Registry::HKEY_LOCAL_MACHINE\\x`` -> ``HKLM\\x``; None for a non-registry path."""
    text = path.strip().strip('"').replace("/", "\\")
    lowered = text.lower()
    for prefix in ("microsoft.powershell.core\\registry::", "registry::"):
        if lowered.startswith(prefix):
            text = text[len(prefix):]
            lowered = text.lower()
    for long, short in (("hkey_local_machine", "HKLM"), ("hklm:", "HKLM"), ("hkey_current_user", "HKCU"), ("hkcu:", "HKCU")):
        if lowered.startswith(long):
            rest = text[len(long):].lstrip("\\")
            return short + ("\\" + rest if rest else "")
    return None


def registry_keys(session: Session) -> dict[str, dict[str, Any]]:
    """Every key with values: the server's own, plus the uninstall entries of its installed products."""
    host = session.store.host(session.server)
    keys = {key: dict(values) for key, values in host.get("registry", {}).items()}
    for code, product in host.get("products", {}).items():
        keys[f"{UNINSTALL_KEY}\\{code}"] = dict(product)
    return keys


def match_keys(session: Session, path: str) -> list[tuple[str, dict[str, Any]]]:
    wanted = registry_path(path)
    if wanted is None:
        return []
    keys = registry_keys(session)
    matched = [(key, values) for key, values in sorted(keys.items()) if fnmatch.fnmatchcase(key.lower(), wanted.lower())]
    if matched or any(ch in wanted for ch in "*?"):
        return matched
    # A key with no values of its own still exists when it has subkeys.
    if any(key.lower().startswith(wanted.lower() + "\\") for key in keys) or wanted.lower() == UNINSTALL_KEY.lower():
        return [(wanted, {})]
    return []


def set_registry_value(session: Session, key: str, name: str, value: Any) -> None:
    with session.store.edit_host(session.server) as host:
        host.setdefault("registry", {}).setdefault(key, {})[name] = value
