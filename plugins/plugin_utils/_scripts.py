# Copyright: (c) 2026, exchange.owa_im contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The remote scripts: .ps1 files beside this one, and how a script and its parameters travel as data.

Only the small bootstrap goes on the command line; the script, the libraries it uses and every parameter value
go on standard input, base64-encoded, one line each, and are decoded on the server. No value is ever part of a
script's text, and the command line stays the same size whatever a script or a value holds.
"""

from __future__ import annotations

import base64
import os
import pkgutil
import re
import typing as t

SCRIPT_DIRECTORY = "_powershell"
BOOTSTRAP = "bootstrap"
LOADER = "OwaImLoader"

# What each script needs defined before it runs (dot-sourced by the bootstrap, in this order).
LIBRARIES: t.Dict[str, t.Tuple[str, ...]] = {
    "cas_info": ("OwaImRecords", "OwaImExchange", "OwaImComponents", "OwaImServerState", "OwaImNetwork"),
    "owa_virtual_directory": ("OwaImRecords", "OwaImExchange", "OwaImServerState"),
    "owa_virtual_directory_info": ("OwaImRecords", "OwaImExchange", "OwaImServerState"),
    "owa_virtual_directory_backups": ("OwaImRecords", "OwaImServerState"),
    "exchange_certificate_info": ("OwaImRecords", "OwaImExchange"),
    "ocs_components": ("OwaImRecords", "OwaImComponents", "OwaImServerState"),
    "put_file": ("OwaImRecords",),
    "owa_web_config_info": ("OwaImRecords",),
    "owa_web_config": ("OwaImRecords", "OwaImExchange", "OwaImServerState"),
    "iis_restart": ("OwaImRecords", "OwaImExchange", "OwaImServerState"),
    "server_boot_time": ("OwaImRecords",),
    "server_restart": ("OwaImRecords",),
    "exchange_ready": ("OwaImRecords", "OwaImExchange"),
    "owa_im_events": ("OwaImRecords", "OwaImServerState"),
    "owa_mailbox_policy": ("OwaImRecords", "OwaImExchange", "OwaImServerState"),
    "setting_override": ("OwaImRecords", "OwaImExchange", "OwaImServerState"),
    # On a Lync/Skype for Business Front End, where no Exchange snap-in exists; its backups use the state folder's functions.
    "cs_trusted_application": ("OwaImRecords", "OwaImServerState"),
    # On an OCS 2007 R2 server (Windows Server 2008 / 2008 R2, PowerShell 2.0): its backups use the state folder's functions.
    "ocs_host_authorization": ("OwaImRecords", "OwaImServerState"),
}

# Every script above can reach an Exchange 2010 server, whose Windows PowerShell is 2.0: the PowerShell version
# test holds each of these (and the bootstrap and libraries) to 2.0. Scripts only 2013 and later servers receive
# would be listed in POWERSHELL_3_SCRIPTS.
POWERSHELL_2_SCRIPTS = (BOOTSTRAP, LOADER) + tuple(sorted({lib for libs in LIBRARIES.values() for lib in libs})) + tuple(LIBRARIES)
POWERSHELL_3_SCRIPTS: t.Tuple[str, ...] = ()

_PARAMETER_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9]*$")
_COMMENT_LINE = re.compile(r"^\s*#")

Value = t.Union[None, bool, int, str, t.Sequence[str]]


def source(name: str) -> str:
    """The text of ``_powershell/<name>.ps1``, from the installed collection."""
    data = pkgutil.get_data(__name__.rpartition(".")[0], "%s/%s.ps1" % (SCRIPT_DIRECTORY, name))
    if data is None:  # pragma: no cover - a loader without get_data
        with open(os.path.join(os.path.dirname(__file__), SCRIPT_DIRECTORY, name + ".ps1"), "rb") as handle:
            data = handle.read()
    return data.decode("utf-8-sig")


def bootstrap() -> str:
    """The bootstrap as it goes on the command line: without its comment lines, which only cost characters there."""
    return "\n".join(line for line in source(BOOTSTRAP).splitlines() if line.strip() and not _COMMENT_LINE.match(line))


def _data(text: str) -> str:
    return base64.b64encode(text.encode("utf-8")).decode("ascii") if text else "-"


def _line(kind: str, name: str, data: str) -> str:
    return "%s %s %s" % (kind, name, data)


def parameter_line(name: str, value: Value) -> str:
    """One parameter as the bootstrap reads it."""
    if not _PARAMETER_NAME.match(name):
        raise ValueError("a script parameter name must be letters and digits: %r" % name)
    if value is None:
        return _line("null", name, "-")
    if isinstance(value, bool):
        return _line("bool", name, "True" if value else "False")
    if isinstance(value, int):
        return _line("int", name, str(value))
    if isinstance(value, str):
        return _line("string", name, _data(value))
    items = list(value)
    if not all(isinstance(item, str) for item in items):
        raise TypeError("list parameter %s must hold strings" % name)
    # An empty item must stay an item: '-' is empty text inside a list too, and never a base64 character.
    return _line("list", name, ",".join(_data(item) for item in items) if items else "-")


def payload(name: str, parameters: t.Mapping[str, Value], data: t.Optional[t.Tuple[str, t.Iterable[str]]] = None) -> bytes:
    """Standard input for the bootstrap: the libraries, the script, then its parameters.

    ``data`` is (parameter name, lines): after a ``data`` line the script itself reads those lines from standard input,
    one at a time (a file's base64 chunks, for instance), instead of the bootstrap reading them as parameters.
    """
    if name not in LIBRARIES:
        raise KeyError("no remote script named %r" % name)
    loader = [base64.b64encode(source(LOADER).encode("utf-8")).decode("ascii")]
    lines = [_line("library", library, _data(source(library))) for library in LIBRARIES[name]]
    lines.append(_line("script", name, _data(source(name))))
    lines.extend(parameter_line(key, value) for key, value in parameters.items())
    # The count closes what the bootstrap reads itself: a line lost on the way stops it before any script runs.
    lines.append(_line("end", "lines", str(len(lines))))
    lines = loader + lines
    if data is not None:
        data_name, data_lines = data
        if not _PARAMETER_NAME.match(data_name):
            raise ValueError("a script parameter name must be letters and digits: %r" % data_name)
        lines.append(_line("data", data_name, "-"))
        lines.extend(data_lines)
    return ("\r\n".join(lines) + "\r\n").encode("ascii")
