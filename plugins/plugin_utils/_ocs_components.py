# Copyright: (c) 2026, exchange.owa_im contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The OCS 2007 R2 components a CAS needs for OWA IM, how to find them installed, what installers' exit codes mean."""

from __future__ import annotations

import re
import typing as t
from dataclasses import dataclass

from ._records import Records, indexed


@dataclass(frozen=True)
class Component:
    name: str              # as the module reports it
    file_name: str         # the installer in the source folder (or expanded from CWAOWASSPMain.msi)
    kind: str              # exe | msi
    display_name: str      # PowerShell -like pattern for the uninstall entry's DisplayName


# In the order the procedure installs them: the web service provider needs the other two.
COMPONENTS = (
    Component("vcredist", "vcredist_x64.exe", "exe", "Microsoft Visual C++ 2008 Redistributable - x64*"),
    Component("ucma", "UcmaRedist.msi", "msi", "*Unified Communications Managed API 2.0*Core*"),
    Component("web_service_provider", "CWAOWASSP.msi", "msi", "*Office Communications Server 2007 R2, Web Service Provider*"),
)
EXPANDER = "CWAOWASSPMain.msi"

SUCCESS_CODES = (0, 3010, 1641)
REBOOT_CODES = (3010, 1641)
EXIT_CODES = {
    0: "success",
    1603: "a fatal error occurred during installation",
    1605: "the product is not installed",
    1618: "another installation is already in progress; wait for it to finish (or for Windows Update) and run again",
    1619: "the installation package could not be opened; check the source path and the share's permissions",
    1625: "the installation is forbidden by system policy",
    1639: "invalid command line",
    1641: "success; the installer started a reboot",
    3010: "success; a reboot is required to complete the installation",
}

# Characters Windows never allows in a path (beyond the drive colon), plus the quote that would
# break the installer's command line.
_BAD_PATH = re.compile(r'["<>|?*\x00-\x1f]')


class ComponentError(Exception):
    """A component option is unusable."""


def validate_path(value: str, field: str) -> str:
    path = (value or "").strip()
    if not path:
        raise ComponentError("%s must be a folder path such as \\\\fileserver\\ocs or C:\\Install\\OCS; it is empty." % field)
    drive = re.match(r"^[A-Za-z]:\\", path)
    if _BAD_PATH.search(path) or ":" in (path[2:] if drive else path):
        raise ComponentError("%s must be a Windows folder path (a share such as \\\\fileserver\\ocs or a local folder such as "
                             "C:\\Install\\OCS) without quotes, wildcards, <, >, | or control characters; got %r." % (field, value))
    if not (path.startswith("\\\\") or drive):
        raise ComponentError("%s must be an absolute Windows path (\\\\server\\share\\folder or C:\\folder); got %r." % (field, value))
    return path.rstrip("\\") if len(path) > 3 else path


def explain_exit_code(code: int) -> str:
    return EXIT_CODES.get(code, "the installer failed")


def failure_message(server: str, component: str, file_name: str, code: int, log_file: str, log_tail: t.Sequence[str]) -> str:
    lines = [line for line in log_tail if line.strip()][-12:]
    excerpt = ("\nLast lines of %s:\n  %s" % (log_file, "\n  ".join(lines))) if lines else ("\nThe installer left no log at %s." % log_file)
    return "%s: installing %s (%s) failed with exit code %d: %s. The components after it were not installed.%s" % (
        server, component, file_name, code, explain_exit_code(code), excerpt)


def component_states(records: Records, phase: str) -> t.List[t.Dict[str, t.Any]]:
    """The ``before/N`` or ``after/N`` records of the components script, by component."""
    states = []
    for component, record in zip(COMPONENTS, indexed(records, phase)):
        states.append({"name": component.name, "installed": bool(record.get("installed")),
                       "display_name": record.get("DisplayName"), "version": record.get("DisplayVersion")})
    return states


def script_parameters(source: str, expand_directory: str, log_directory: str, check_mode: bool,
                      detect_only: bool = False) -> t.Dict[str, t.Any]:
    """The ocs_components.ps1 parameters: folders and mode, and the components as parallel lists."""
    return {
        "Source": source, "ExpandDirectory": expand_directory, "LogDirectory": log_directory,
        "CheckMode": check_mode, "DetectOnly": detect_only,
        "ComponentNames": [c.name for c in COMPONENTS], "ComponentFiles": [c.file_name for c in COMPONENTS],
        "ComponentKinds": [c.kind for c in COMPONENTS], "ComponentPatterns": [c.display_name for c in COMPONENTS],
        "Expander": EXPANDER, "SuccessCodes": [str(code) for code in SUCCESS_CODES],
    }
