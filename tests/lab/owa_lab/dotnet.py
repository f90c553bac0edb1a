"""The few .NET Framework static members a script reaches a lab server's disk with: [IO.File], [IO.Directory],
[Security.Cryptography.SHA1], [BitConverter], and the FileStream objects they return. [IO.File]::ReadAllBytes and
WriteAllBytes take and give a file's bytes whole (byte[]); WriteAllBytes replaces what the file held (FileMode.Create).

Each member behaves as its .NET 2.0 documentation says for the cases the lab models (a missing file, a share this
session cannot reach, a file that already exists where Move puts one); any other member is refused by the engine as
"doesn't contain a method named". Errors are the PowerShell form of a .NET exception in a method call:
'Exception calling "Open" with "3" argument(s): "<the exception's message>"'.
"""

from __future__ import annotations

import hashlib
from typing import Any, Callable

from . import files, windows_security
from .exchange.cmdlets import Session
from .powershell.values import PSEnum, PSObject, RuntimeError_, to_number, to_string

FILE_MODE = {"CreateNew": 1, "Create": 2, "Open": 3, "OpenOrCreate": 4, "Truncate": 5, "Append": 6}
FILE_ACCESS = {"Read": 1, "Write": 2, "ReadWrite": 3}
SEEK_ORIGIN = {"Begin": 0, "Current": 1, "End": 2}


def _call_error(method: str, args: int, message: str, exception: str) -> RuntimeError_:
    return RuntimeError_(f'Exception calling "{method}" with "{args}" argument(s): "{message}"', error_id=exception.rsplit(".", 1)[-1],
                         category="NotSpecified", exception_type="System.Management.Automation.MethodInvocationException")


def _denied(method: str, args: int, path: str) -> RuntimeError_:
    return _call_error(method, args, f"Access to the path '{path}' is denied.", "System.UnauthorizedAccessException")


def _missing(method: str, args: int, path: str) -> RuntimeError_:
    return _call_error(method, args, f"Could not find file '{path}'.", "System.IO.FileNotFoundException")


def _enum_name(value: Any, table: dict[str, int]) -> str:
    if isinstance(value, PSEnum):
        return value.name
    text = to_string(value)
    if text.isdigit():
        return next((k for k, v in table.items() if v == int(text)), text)
    return next((k for k in table if k.lower() == text.lower()), text)


class _Stream:
    """A FileStream over a lab file: reads see the bytes at open time; writes land on the disk at Close/Dispose."""

    def __init__(self, session: Session, path: str, data: bytes, writable: bool) -> None:
        self.session, self.path, self.data, self.writable = session, path, bytearray(data), writable
        self.position = 0
        self.closed = False
        self.dirty = False

    def write(self, buffer: Any, offset: Any, count: Any) -> None:
        chunk = bytes(buffer)[int(to_number(offset)):int(to_number(offset)) + int(to_number(count))]
        self.data[self.position:self.position + len(chunk)] = chunk
        self.position += len(chunk)
        self.dirty = True

    def seek(self, offset: Any, origin: Any) -> int:
        base = {"Begin": 0, "Current": self.position, "End": len(self.data)}[_enum_name(origin, SEEK_ORIGIN)]
        self.position = base + int(to_number(offset))
        return self.position

    def close(self) -> None:
        if not self.closed and self.writable and self.dirty:
            files.write_bytes(self.session, self.path, bytes(self.data))
        self.closed = True

    def as_object(self) -> PSObject:
        stream = PSObject("System.IO.FileStream", {"Name": self.path, "CanRead": not self.writable, "CanWrite": self.writable},
                          text="System.IO.FileStream", methods={
                              "Write": self.write, "Seek": self.seek, "Close": self.close, "Dispose": self.close,
                              "Flush": lambda *a: None})
        stream.methods["__stream__"] = self

        # Length and Position change as it is written: refresh them on every member access through the methods table.
        def refresh() -> None:
            stream.properties["Length"] = len(self.data)
            stream.properties["Position"] = self.position
        for name in ("Write", "Seek", "Close", "Dispose"):
            inner = stream.methods[name]
            stream.methods[name] = (lambda f: lambda *a: (lambda r: (refresh(), r)[1])(f(*a)))(inner)
        refresh()
        return stream


def _open(session: Session, path: Any, mode: Any = "Open", access: Any = None) -> PSObject:
    text = to_string(path)
    argc = 3 if access is not None else 2
    mode_name = _enum_name(mode, FILE_MODE)
    access_name = _enum_name(access, FILE_ACCESS) if access is not None else ("Write" if mode_name == "Append" else "ReadWrite")
    if files.unc_denied(session, text):
        raise _denied("Open", argc, text)
    existing = files.read_bytes(session, text)
    if mode_name in ("Open", "Truncate", "Append") and existing is None and mode_name != "Append":
        raise _missing("Open", argc, text)
    if mode_name == "CreateNew" and existing is not None:
        raise _call_error("Open", argc, f"The file '{text}' already exists.", "System.IO.IOException")
    if not files.is_folder(session, text.rsplit("\\", 1)[0]) and existing is None:
        raise _call_error("Open", argc, f"Could not find a part of the path '{text}'.", "System.IO.DirectoryNotFoundException")
    data = b"" if mode_name in ("Create", "CreateNew", "Truncate") or existing is None else existing
    stream = _Stream(session, text, data, access_name != "Read")
    if mode_name == "Append":
        stream.position = len(stream.data)
    if stream.writable and existing is None:
        files.write_bytes(session, text, b"")
    return stream.as_object()


def _open_read(session: Session, path: Any) -> PSObject:
    text = to_string(path)
    if files.unc_denied(session, text):
        raise _denied("OpenRead", 1, text)
    data = files.read_bytes(session, text)
    if data is None:
        raise _missing("OpenRead", 1, text)
    return _Stream(session, text, data, False).as_object()


def _read_all_bytes(session: Session, path: Any) -> bytes:
    text = to_string(path)
    if files.unc_denied(session, text):
        raise _denied("ReadAllBytes", 1, text)
    data = files.read_bytes(session, text)
    if data is None:
        raise _missing("ReadAllBytes", 1, text)
    return data


def _write_all_bytes(session: Session, path: Any, data: Any) -> None:
    text = to_string(path)
    if files.unc_denied(session, text):
        raise _denied("WriteAllBytes", 2, text)
    if data is None:
        raise _call_error("WriteAllBytes", 2, "Value cannot be null.\r\nParameter name: bytes", "System.ArgumentNullException")
    if files.read(session, text) is None and not files.is_folder(session, text.rsplit("\\", 1)[0]):
        raise _call_error("WriteAllBytes", 2, f"Could not find a part of the path '{text}'.", "System.IO.DirectoryNotFoundException")
    files.write_bytes(session, text, bytes(data) if isinstance(data, (bytes, bytearray)) else bytes(int(to_number(b)) for b in data))


def _delete(session: Session, path: Any) -> None:
    text = to_string(path)
    if files.unc_denied(session, text):
        raise _denied("Delete", 1, text)
    files.remove(session, text)


def _move(session: Session, source: Any, target: Any) -> None:
    src, dst = to_string(source), to_string(target)
    data = files.read(session, src)
    if data is None:
        raise _missing("Move", 2, src)
    if files.read(session, dst) is not None:
        raise _call_error("Move", 2, "Cannot create a file when that file already exists.\r\n", "System.IO.IOException")
    files.write(session, dst, data)
    files.remove(session, src)


def _create_directory(session: Session, path: Any, security: Any = None) -> PSObject:
    text = files.normalise(to_string(path))
    if files.unc_denied(session, text):
        raise _denied("CreateDirectory", 1 if security is None else 2, text)
    existed = files.is_folder(session, text)
    files.make_folder(session, text)
    # The security object applies to a folder this call creates, not to one that was there (.NET's CreateDirectory).
    sddl = windows_security.security_sddl(security)
    if sddl and not existed:
        windows_security.set_sddl(session, text, sddl)
    return PSObject("System.IO.DirectoryInfo", {"FullName": text, "Name": text.rsplit("\\", 1)[-1]}, text=text.rsplit("\\", 1)[-1])


def _sha1() -> PSObject:
    def compute(source: Any) -> bytes:
        if isinstance(source, PSObject) and "__stream__" in source.methods:
            stream: _Stream = source.methods["__stream__"]
            data = bytes(stream.data[stream.position:])
            stream.position = len(stream.data)
            return hashlib.sha1(data).digest()
        return hashlib.sha1(bytes(source)).digest()
    return PSObject("System.Security.Cryptography.SHA1CryptoServiceProvider", {"HashSize": 160}, methods={"ComputeHash": compute})


def _bit_converter_to_string(data: Any) -> str:
    return "-".join(f"{b:02X}" for b in bytes(data))


def statics(session: Session) -> dict[tuple[str, str], Callable[..., Any]]:
    """What Engine.statics holds for a lab server's PowerShell."""
    enum = {
        "io.filemode": ("System.IO.FileMode", FILE_MODE), "io.fileaccess": ("System.IO.FileAccess", FILE_ACCESS),
        "io.seekorigin": ("System.IO.SeekOrigin", SEEK_ORIGIN),
    }
    table: dict[tuple[str, str], Callable[..., Any]] = {
        ("io.file", "open"): lambda *a: _open(session, *a),
        ("io.file", "openread"): lambda p: _open_read(session, p),
        ("io.file", "delete"): lambda p: _delete(session, p),
        ("io.file", "readallbytes"): lambda p: _read_all_bytes(session, p),
        ("io.file", "writeallbytes"): lambda p, d: _write_all_bytes(session, p, d),
        ("io.file", "move"): lambda a, b: _move(session, a, b),
        ("io.file", "exists"): lambda p: (not files.unc_denied(session, to_string(p))) and files.read(session, to_string(p)) is not None,
        ("io.directory", "createdirectory"): lambda p, s=None: _create_directory(session, p, s),
        ("security.cryptography.sha1", "create"): _sha1,
        ("bitconverter", "tostring"): _bit_converter_to_string,
    }
    for key, (type_name, names) in enum.items():
        for name in names:
            table[(key, name.lower())] = (lambda t, n, v: lambda: PSEnum(t, n, v))(type_name, names, name)
    return table
