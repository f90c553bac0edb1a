# Copyright: (c) 2026, exchange.owa_im contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The OCS 2007 R2 components a CAS needs for OWA IM and the hotfixes for two of them, how to find them installed, what
installers' exit codes mean."""

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
    minimum_version: str = ""   # the lowest DisplayVersion that counts as installed ("" for any)


# In the order the procedure installs them: the web service provider needs the other two. The Visual C++ 2008 x64
# redistributable must be SP1 (DisplayVersion 9.0.30729, "... - x64 9.0.30729.17"; its ATL and MFC security updates are
# 9.0.30729.4148 and 9.0.30729.6161); the RTM one ("... - x64 9.0.21022") matches the name but is not enough.
COMPONENTS = (
    Component("vcredist", "vcredist_x64.exe", "exe", "Microsoft Visual C++ 2008 Redistributable - x64*", "9.0.30729"),
    Component("ucma", "UcmaRedist.msi", "msi", "*Unified Communications Managed API 2.0*Core*"),
    Component("web_service_provider", "CWAOWASSP.msi", "msi", "*Office Communications Server 2007 R2, Web Service Provider*"),
)
EXPANDER = "CWAOWASSPMain.msi"


@dataclass(frozen=True)
class Hotfix:
    name: str              # as the module reports it, after the components
    file_name: str         # the update package (.msp) in the source folder
    component: str         # the component whose product it patches
    knowledge_base: str    # Microsoft's article, as the Download Center names the hotfix


# Applied after the three installers, in this order (see the module's documentation for the sources and where the
# guides differ). Each patches one product: msiexec /p needs that product installed, else Windows Installer ends with
# 1642. Detected as a patch Windows Installer registered as applied (State 1) to that product, whatever its patch code:
# the hotfixes are cumulative, so a later one that replaces these (marking them superseded) counts as well.
HOTFIXES = (
    Hotfix("ucma_hotfix", "UcmaRedist.msp", "ucma", "KB 2282949"),
    Hotfix("web_service_provider_hotfix", "CWAOWASSP.msp", "web_service_provider", "KB 981256"),
)

# What the script does with a hotfix a server needs: apply it (its .msp must be there), apply it when its .msp is
# there, or leave it alone.
HOTFIX_REQUIRED, HOTFIX_AVAILABLE, HOTFIX_SKIP = "required", "available", "skip"


def hotfix_mode(option: t.Optional[bool]) -> str:
    """The module's ``hotfixes`` option as the script's mode: true requires them, false skips them, unset applies those found."""
    if option is None:
        return HOTFIX_AVAILABLE
    return HOTFIX_REQUIRED if option else HOTFIX_SKIP


def _component_index(name: str) -> int:
    return [c.name for c in COMPONENTS].index(name)


SUCCESS_CODES = (0, 3010, 1641)
# How long one installer may run before the module stops it (seconds): a setup program showing a dialog in a WinRM
# session would otherwise keep the task waiting for ever.
INSTALLER_TIMEOUT = 1800
REBOOT_CODES = (3010, 1641)
EXIT_CODES = {
    0: "success",
    1603: "a fatal error occurred during installation",
    1605: "the product is not installed",
    1618: "another installation is already in progress; wait for it to finish (or for Windows Update) and run again",
    1619: "the installation package could not be opened; check the source path and the share's permissions",
    1625: "the installation is forbidden by system policy",
    1635: "the update package could not be opened; check the source path and the share's permissions",
    1636: "the file is not a Windows Installer update package",
    1639: "invalid command line",
    1641: "success; the installer started a reboot",
    1642: ("the product the update patches is not installed, or is another version of it (Windows Installer: \"the program to be "
           "upgraded may be missing, or the upgrade may update a different version of the program\")"),
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


def version_tuple(text: t.Optional[str]) -> t.Optional[t.Tuple[int, ...]]:
    """A DisplayVersion as System.Version compares it (a missing part is -1), or None when it is not a version."""
    parts = (text or "").strip().split(".")
    if not 2 <= len(parts) <= 4 or not all(p.isdigit() for p in parts):
        return None
    return tuple(int(p) for p in parts) + (-1,) * (4 - len(parts))


def version_at_least(version: t.Optional[str], minimum: str) -> bool:
    if not minimum:
        return True
    have, need = version_tuple(version), version_tuple(minimum)
    return have is not None and need is not None and have >= need


def is_unc(path: str) -> bool:
    return (path or "").startswith("\\\\")


def source_missing_message(server: str, source: str, windows_said: str) -> str:
    names = ", ".join(c.file_name for c in COMPONENTS)
    message = ("%s: components are missing and the source %r holds neither their installers (%s) nor %s to expand them from."
               % (server, source or "(none given)", names, EXPANDER))
    if is_unc(source):
        message += (" %s is a share: from a WinRM session authenticated with NTLM, Basic, or Kerberos without delegation the server has no credentials to pass "
                    "on to the file server (the second hop), so Test-Path finds nothing there and msiexec cannot open the "
                    "package (1619) even when the files are present%s. Either connect with credentials the server can delegate "
                    "(ansible_winrm_transport: kerberos with ansible_winrm_kerberos_delegation: true, or credssp), or copy the "
                    "installers to the server: controller_source sends them from a folder on the Ansible controller, or give "
                    "source as a local folder of the server." % (source, ("; Windows said: %s" % windows_said) if windows_said else ""))
    else:
        message += " Set source to the folder that holds them, or controller_source to such a folder on the Ansible controller."
        if windows_said:
            message += " Windows said: %s" % windows_said
    return message


def hotfix_missing_message(server: str, source: str, missing: t.Sequence[str], windows_said: str) -> str:
    wanted = [h for h in HOTFIXES if h.file_name in missing] or list(HOTFIXES)
    message = ("%s: the hotfixes %s are not applied and %s holds no %s. Put the update packages there (%s), or set hotfixes: false "
               "(the role's owa_im_component_hotfixes) to leave them alone. Nothing was installed."
               % (server, ", ".join(h.name for h in wanted), repr(source) if source else "the source",
                  " or ".join(h.file_name for h in wanted),
                  "; ".join("%s: %s" % (h.file_name, h.knowledge_base) for h in wanted)))
    if is_unc(source):
        message += (" %s is a share: from a WinRM session authenticated with NTLM, Basic, or Kerberos without delegation the "
                    "server cannot read it (the second hop)%s; use Kerberos with delegation, CredSSP, controller_source or a "
                    "local folder." % (source, ("; Windows said: %s" % windows_said) if windows_said else ""))
    elif windows_said:
        message += " Windows said: %s" % windows_said
    return message


def explain_exit_code(code: int) -> str:
    return EXIT_CODES.get(code, "the installer failed")


def failure_message(server: str, component: str, file_name: str, code: int, log_file: str, log_tail: t.Sequence[str],
                    verb: str = "installing", after: str = "The components after it were not installed.") -> str:
    lines = [line for line in log_tail if line.strip()][-12:]
    if not log_file:
        excerpt = "\n%s takes no log switch; look for its setup log in the server's %%TEMP%%." % file_name
    elif lines:
        excerpt = "\nLast lines of %s:\n  %s" % (log_file, "\n  ".join(lines))
    else:
        excerpt = "\nThe installer left no log at %s." % log_file
    return "%s: %s %s (%s) failed with exit code %d: %s. %s%s" % (
        server, verb, component, file_name, code, explain_exit_code(code), after, excerpt)


def component_states(records: Records, phase: str) -> t.List[t.Dict[str, t.Any]]:
    """The ``before/N`` or ``after/N`` records of the components script, by component, then the hotfixes.

    A hotfix is reported when its product's record carries the patches applied to it (what OwaImComponents.ps1 writes
    since it detects them); it is applied when that product is installed and has an applied patch.
    """
    states = []
    found = indexed(records, phase)
    for component, record in zip(COMPONENTS, found):
        # The version rule holds here too, whatever script reported the record.
        installed = bool(record.get("installed")) and version_at_least(record.get("DisplayVersion"), component.minimum_version)
        state = {"name": component.name, "installed": installed,
                 "display_name": record.get("DisplayName") if installed else None,
                 "version": record.get("DisplayVersion") if installed else None}
        older = list(record.get("older") or [])
        if not installed and bool(record.get("installed")):
            older.append(record.get("DisplayVersion"))
        if older:
            state["older_versions"] = [v for v in older if v]
            state["minimum_version"] = component.minimum_version
        states.append(state)
    products = list(states)
    for hotfix in HOTFIXES:
        index = _component_index(hotfix.component)
        if index >= len(found) or "patches" not in found[index]:
            continue
        record, product = found[index], products[index]
        codes = [code for code in record.get("patches") or [] if code] if product["installed"] else []
        names = [name for name in record.get("patch_names") or [] if name] if codes else []
        states.append({"name": hotfix.name, "installed": bool(codes), "display_name": names[0] if names else None, "version": None,
                       "applies_to": hotfix.component, "knowledge_base": hotfix.knowledge_base, "patch_codes": codes})
    return states


def hotfix_states(states: t.Sequence[t.Dict[str, t.Any]]) -> t.List[t.Dict[str, t.Any]]:
    names = [h.name for h in HOTFIXES]
    return [s for s in states if s["name"] in names]


def script_parameters(source: str, expand_directory: str, log_directory: str, check_mode: bool,
                      detect_only: bool = False, installer_timeout: int = INSTALLER_TIMEOUT, staging_directory: str = "",
                      staging_files: t.Sequence[str] = (), hotfix_mode: str = HOTFIX_SKIP) -> t.Dict[str, t.Any]:
    """The ocs_components.ps1 parameters: folders and mode, and the components and hotfixes as parallel lists."""
    return {
        "Source": source, "ExpandDirectory": expand_directory, "LogDirectory": log_directory,
        "CheckMode": check_mode, "DetectOnly": detect_only,
        "ComponentNames": [c.name for c in COMPONENTS], "ComponentFiles": [c.file_name for c in COMPONENTS],
        "ComponentKinds": [c.kind for c in COMPONENTS], "ComponentPatterns": [c.display_name for c in COMPONENTS],
        "ComponentMinimumVersions": [c.minimum_version for c in COMPONENTS],
        "Expander": EXPANDER, "SuccessCodes": [str(code) for code in SUCCESS_CODES],
        "InstallerTimeout": int(installer_timeout), "StagingDirectory": staging_directory, "StagingFiles": list(staging_files),
        "HotfixMode": hotfix_mode, "HotfixNames": [h.name for h in HOTFIXES], "HotfixFiles": [h.file_name for h in HOTFIXES],
        "HotfixTargets": [str(_component_index(h.component)) for h in HOTFIXES],
    }


# ----- controller_source: sending the installers from the controller -----------------------------------------------
# One chunk is one stdin line the server decodes at a time; one segment is one remote process (at most this much of a
# file travels, and is held by the controller as base64, per call).
CHUNK_BYTES = 48 * 1024
SEGMENT_BYTES = 8 * 1024 * 1024


def needed_uploads(missing: t.Sequence[Component], available: t.Collection[str]) -> t.List[str]:
    """Which files of a controller folder the missing components need: their own installers, else CWAOWASSPMain.msi."""
    wanted: t.List[str] = []
    lower = {name.lower(): name for name in available}
    for component in missing:
        own = lower.get(component.file_name.lower())
        if own is not None:
            wanted.append(own)
        elif EXPANDER.lower() in lower:
            if lower[EXPANDER.lower()] not in wanted:
                wanted.append(lower[EXPANDER.lower()])
        else:
            raise ComponentError("controller_source holds neither %s nor %s, which %s needs." % (component.file_name, EXPANDER, component.name))
    return wanted


def needed_hotfix_uploads(missing: t.Sequence[Hotfix], available: t.Collection[str], mode: str) -> t.Tuple[t.List[str], t.List[str]]:
    """Which .msp files of a controller folder the missing hotfixes need, and the files of those it lacks.

    With the hotfixes required, a lacking file is an error (before anything is sent or installed).
    """
    if mode == HOTFIX_SKIP:
        return [], []
    lower = {name.lower(): name for name in available}
    wanted = [lower[h.file_name.lower()] for h in missing if h.file_name.lower() in lower]
    absent = [h.file_name for h in missing if h.file_name.lower() not in lower]
    if absent and mode == HOTFIX_REQUIRED:
        lacking = [h for h in missing if h.file_name in absent]
        raise ComponentError("controller_source holds no %s, which %s needs (%s); put it there, or set hotfixes: false (the role's "
                             "owa_im_component_hotfixes) to leave the hotfixes alone." % (
                                 " or ".join(absent), " and ".join(h.name for h in lacking),
                                 "; ".join("%s: %s" % (h.file_name, h.knowledge_base) for h in lacking)))
    return wanted, absent
