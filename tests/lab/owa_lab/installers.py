r"""Windows Installer and setup programs as a CAS sees them: msiexec, .exe installers and .msp patches.

Exit codes are Windows Installer's: 0 success, 1603 fatal error, 1618 another installation is in
progress, 1619 the package could not be opened, 1605 not installed (on removal), 3010 success but a
reboot is required, 1639 bad command line; for patches (msiexec /p), 1635 the update package could
not be opened, 1636 it is no update package, 1642 its target product is not installed. A package's
identity is the file's content, not its name, so a renamed installer still installs what it holds.

A patch applied to a per-machine product is registered where Windows Installer keeps it and
MsiGetPatchInfoEx reads it: UserData\S-1-5-18\Products\<packed product code>\Patches\<packed patch
code>, value State 1 (applied). What the lab does not emulate: patch sequencing and supersedence
(each lab patch stands alone), patch removal (msiexec /uninstall <patch code>), and the new build a
real hotfix gives the product (the builds the OCS 2007 R2 hotfixes bring are not known here, so the
lab's patches leave DisplayVersion as it was).
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from . import files
from .exchange.cmdlets import Session

EXPANDED_FOLDER = "C:\\Web Service Provider Installer Package"
_CODES = uuid.UUID("6f1c0d47-3b44-4f33-9a7e-7c0a0f5f0f11")


# How long owa-lab waits for a process that on Windows would never end before it gives up (see NeverExits).
HUNG_PROCESS_SECONDS = 2.0


class NeverExits(Exception):
    """A program that on Windows would not end: a setup program showing a dialog in a WinRM session, where no desktop
    is seen and no one can click. Windows would wait for it for ever (Start-Process -Wait, cmd.exe, WinRM's Receive);
    owa-lab waits its own bounded time (lab.json ``hung_process_seconds``) and then says so, in its own words."""

    def __init__(self, program: str, reason: str) -> None:
        super().__init__(f"{program}: {reason}")
        self.program = program
        self.reason = reason

    def message(self, seconds: float) -> str:
        return (f"owa-lab: {self.program} had not exited after {seconds:g} s and never will: {self.reason} On Windows this "
                "command would wait for ever; owa-lab ends it here, with exit code 259 (STILL_ACTIVE), which no real server "
                "returns for it.")


def hung_seconds(session: Session) -> float:
    return float(session.store.lab().get("hung_process_seconds", HUNG_PROCESS_SECONDS))


@dataclass(frozen=True)
class Package:
    key: str
    kind: str                      # msi | exe | msp
    display_name: str
    version: str
    requires: tuple[str, ...] = ()
    expands_to: dict[str, str] = field(default_factory=dict)   # file name -> package key
    # A setup .exe's command-line switches (lower case) and which of them need no one at the screen.
    switches: tuple[str, ...] = ()
    unattended: tuple[str, ...] = ()
    # A patch's target: the package whose product it updates (the product codes of its Template summary property).
    patches: str = ""

    @property
    def product_code(self) -> str:
        # Lab-made, stable product codes (not Microsoft's); a patch's is its patch code.
        return "{" + str(uuid.uuid5(_CODES, self.key)).upper() + "}"


PACKAGES = {p.key: p for p in [
    # The Visual C++ 2008 SP1 redistributable (ATL security update build): /q (quiet) and /qb (progress only, unattended)
    # are its switches; /norestart, /log and /passive are the 2010-and-later packages' (see tests/lab/README.md).
    Package("vcredist_x64", "exe", "Microsoft Visual C++ 2008 Redistributable - x64 9.0.30729.4148", "9.0.30729.4148",
            switches=("/q", "/qb"), unattended=("/q", "/qb")),
    Package("ucmaredist", "msi", "Microsoft Office Communications Server 2007 R2, Microsoft Unified Communications Managed API 2.0, Core Redist 64-bit",
            "3.5.6907.0"),
    Package("cwaowassp", "msi", "Microsoft Office Communications Server 2007 R2, Web Service Provider", "3.5.6907.0",
            requires=("vcredist_x64", "ucmaredist")),
    Package("cwaowasspmain", "msi", "Web Service Provider Installer Package", "3.5.6907.0",
            expands_to={"vcredist_x64.exe": "vcredist_x64", "UcmaRedist.msi": "ucmaredist", "CWAOWASSP.msi": "cwaowassp"}),
    # The two hotfixes the field guides apply after the installers (UcmaRedist.msp, CWAOWASSP.msp), as Microsoft's
    # Download Center listed them (ids 7557 and 797); the display names are the lab's own.
    Package("ucmaredist_hotfix", "msp", "Unified Communications Managed API 2.0 Redist (64 Bit) Hotfix KB 2282949", "",
            patches="ucmaredist"),
    Package("cwaowassp_hotfix", "msp", "Office Communications Server 2007 R2 Web Service Provider Hotfix KB 981256", "",
            patches="cwaowassp"),
]}

USERDATA_PRODUCTS = "HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Installer\\UserData\\S-1-5-18\\Products"


def packed_guid(guid: str) -> str:
    """Windows Installer's packed form of a GUID, its registry key names: the first three groups reversed, then the two
    hex digits of each of the last eight bytes swapped ({12345678-ABCD-...} -> 87654321DCBA...)."""
    digits = guid.strip("{}").replace("-", "").upper()
    order = [7, 6, 5, 4, 3, 2, 1, 0, 11, 10, 9, 8, 15, 14, 13, 12] + [i ^ 1 for i in range(16, 32)]
    return "".join(digits[i] for i in order)


def patches_key(product_code: str) -> str:
    return f"{USERDATA_PRODUCTS}\\{packed_guid(product_code)}\\Patches"



def package_at(session: Session, path: str) -> Package | None:
    """The package a file holds, known by its content (a package record, or bytes that start with a package marker)."""
    content = files.read(session, path)
    if isinstance(content, dict) and content.get("package") in PACKAGES:
        return PACKAGES[content["package"]]
    if isinstance(content, dict) and "blob" in content:
        key = files.package_of_bytes((files.content_bytes(session, content) or b"")[:200])
        return PACKAGES.get(key or "")
    return None


def _stamp() -> str:
    now = dt.datetime.now()
    return f"{now:%H:%M:%S}:{now.microsecond // 1000:03d}"


def _installed(session: Session, package: Package) -> bool:
    return package.product_code in session.store.host(session.server).get("products", {})


def _forced_failure(session: Session, file_name: str, package: Package) -> tuple[int, str] | None:
    """A failure the lab was told to produce, by fault switch or seed, for this installer."""
    names = {file_name.lower(), package.key.lower(), package.key.lower() + "." + package.kind}
    fault = session.store.faults(session.server).get("installer_fail")
    if fault and str(fault).lower() in names:
        return 1603, ("Error 1722. There is a problem with this Windows Installer package. A program run as part of the setup "
                      f"did not finish as expected. ({package.display_name})")
    for name, setting in session.store.host(session.server).get("installers", {}).items():
        if name.lower() in names and set(setting) != {"dialog"}:
            return int(setting.get("exit_code", 1603)), str(setting.get("message", "Error 1603. A fatal error occurred during installation."))
    return None


class _Log:
    def __init__(self, session: Session, path: str | None) -> None:
        self.session, self.path, self.lines = session, path, [f"=== Verbose logging started: {dt.datetime.now():%m/%d/%Y  %H:%M:%S} ==="]

    def add(self, text: str) -> None:
        self.lines.append(f"MSI (s) (C8:10) [{_stamp()}]: {text}")

    def close(self, code: int) -> None:
        self.lines.append(f"=== Verbose logging stopped: {dt.datetime.now():%m/%d/%Y  %H:%M:%S} ===")
        if self.path:
            files.write(self.session, self.path, "\r\n".join(self.lines) + "\r\n")
        self.session.store.log(self.session.server, "installer-log", path=self.path, exit_code=code)


def install(session: Session, path: str, log_path: str | None, quiet: bool) -> int:
    """Install the package at ``path``; returns the installer's exit code."""
    log = _Log(session, log_path)
    if files.unc_denied(session, path):
        # Windows Installer opens the package as this session's user, who has no credentials for the file server.
        log.add(f"Note: 1: 1309 2: 5 3: {path}")
        log.add("Product: (unknown) -- Error 1619. This installation package could not be opened. Verify that the package exists "
                "and that you can access it, or contact the application vendor to verify that this is a valid Windows Installer "
                "package.")
        log.close(1619)
        session.store.log(session.server, "install", package=None, file=path, exit_code=1619, reason="second hop")
        return 1619
    package = package_at(session, path)
    if package is None:
        log.add(f"Note: 1: 1309 2: 5 3: {path}")
        log.add("Product: (unknown) -- Error 1619. This installation package could not be opened.")
        log.close(1619)
        return 1619
    if package.kind == "msp":
        # An update package given to /i: Windows Installer cannot open it as an installation database.
        log.add("Product: (unknown) -- Error 1620. This installation package could not be opened. Contact the application vendor to "
                "verify that this is a valid Windows Installer package.")
        log.close(1620)
        return 1620
    return _exclusively(session, log, quiet, package.display_name, lambda: _install(session, package, path, log))


def _exclusively(session: Session, log: _Log, quiet: bool, product: str, work: Any) -> int:
    """Windows Installer's common ground for an installation and a patch: no user interface over WinRM, and one
    installation at a time on a server (1618)."""
    if not quiet:
        # Over WinRM there is no desktop to show a wizard on: it waits for a click that never comes.
        log.add("Note: an interactive user interface was requested in a non-interactive session.")
        log.close(1603)
        return 1603
    host = session.store.host(session.server)
    if float(host.get("msi_busy_until", 0)) > time.time():
        log.add(f"Product: {product} -- Error 1618. Another installation is already in progress.")
        log.close(1618)
        return 1618
    seconds = float(session.store.lab().get("install_seconds", 0.05))
    with session.store.edit_host(session.server) as record:
        record["msi_busy_until"] = time.time() + seconds + 1
    try:
        time.sleep(seconds)
        return int(work())
    finally:
        with session.store.edit_host(session.server) as record:
            record["msi_busy_until"] = 0


def _install(session: Session, package: Package, path: str, log: _Log) -> int:
    file_name = files.normalise(path).rsplit("\\", 1)[-1]
    log.add(f"Original package ==> {files.normalise(path)}")
    if _installed(session, package):
        log.add(f"Product: {package.display_name} -- Configuration completed successfully.")
        log.close(0)
        return 0
    failure = _forced_failure(session, file_name, package)
    missing = [PACKAGES[key].display_name for key in package.requires if not _installed(session, PACKAGES[key])]
    if failure is None and missing:
        failure = 1603, f"Error 25003. Setup requires {missing[0]}. Install it first, then run this setup again."
    if failure is not None and failure[0] not in (0, 3010):
        code, message = failure
        log.add(f"Product: {package.display_name} -- {message}")
        log.add("Note: 1: 1708")
        log.add(f"Product: {package.display_name} -- Installation operation failed.")
        log.add(f"Windows Installer installed the product. Product Name: {package.display_name}. Product Version: {package.version}. "
                f"Product Language: 1033. Manufacturer: Microsoft Corporation. Installation success or error status: {code}.")
        log.close(code)
        session.store.log(session.server, "install", package=package.key, file=file_name, exit_code=code)
        return code
    code = failure[0] if failure else 0
    if package.expands_to:
        folder = EXPANDED_FOLDER
        for name, key in package.expands_to.items():
            files.write(session, f"{folder}\\{name}", {"package": key})
        log.add(f"Product: {package.display_name} -- Files extracted to {folder}.")
    else:
        with session.store.edit_host(session.server) as host:
            host.setdefault("products", {})[package.product_code] = {
                "DisplayName": package.display_name, "DisplayVersion": package.version, "Publisher": "Microsoft Corporation",
                "InstallDate": dt.date.today().strftime("%Y%m%d"), "InstallSource": files.normalise(path).rsplit("\\", 1)[0] + "\\",
                "UninstallString": f"MsiExec.exe /X{package.product_code}"}
        if package.key == "cwaowassp":
            dll = session.version.install_path + "\\ClientAccess\\owa\\bin\\Microsoft.Rtc.UCWeb.dll"
            files.set_registry_value(session, "HKLM\\SYSTEM\\CurrentControlSet\\Services\\MSExchange OWA\\InstantMessaging",
                                     "ImplementationDLLPath", dll)
            files.write(session, dll, {"package": "file"})
    log.add(f"Product: {package.display_name} -- Installation completed successfully.")
    log.add(f"Windows Installer installed the product. Product Name: {package.display_name}. Product Version: {package.version}. "
            f"Product Language: 1033. Manufacturer: Microsoft Corporation. Installation success or error status: {code}.")
    if code == 3010:
        log.add("Windows Installer requires a system restart. Product Name: " + package.display_name + ".")
    log.close(code)
    session.store.log(session.server, "install", package=package.key, file=file_name, exit_code=code)
    return code


# Windows' words for the patch exit codes (System Error Codes 1300-1699, WinError.h).
PATCH_OPEN_FAILED = ("This update package could not be opened. Verify that the update package exists and that you can access it, or "
                     "contact the application vendor to verify that this is a valid Windows Installer update package.")
PATCH_INVALID = "This update package could not be opened. Contact the application vendor to verify that this is a valid Windows Installer update package."
PATCH_TARGET_NOT_FOUND = ("The upgrade cannot be installed by the Windows Installer service because the program to be upgraded may be "
                          "missing, or the upgrade may update a different version of the program. Verify that the program to be upgraded "
                          "exists on your computer and that you have the correct upgrade.")


def applied_patches(session: Session, product_code: str) -> dict[str, dict[str, Any]]:
    """The patch registrations of one product (packed patch code -> values), as the registry holds them."""
    prefix = patches_key(product_code).lower() + "\\"
    return {key.rsplit("\\", 1)[-1]: values for key, values in session.store.host(session.server).get("registry", {}).items()
            if key.lower().startswith(prefix)}


def patch(session: Session, path: str, log_path: str | None, quiet: bool) -> int:
    """msiexec /p: apply the update package at ``path`` to its installed target product; returns the exit code."""
    log = _Log(session, log_path)
    if files.unc_denied(session, path):
        # As for /i: Windows Installer opens the update package as this session's user (the second hop).
        log.add(f"Note: 1: 1309 2: 5 3: {path}")
        log.add(f"Product: (unknown) -- Error 1635. {PATCH_OPEN_FAILED}")
        log.close(1635)
        session.store.log(session.server, "patch", package=None, file=path, exit_code=1635, reason="second hop")
        return 1635
    package = package_at(session, path)
    if package is None or package.kind != "msp":
        code, message = (1635, PATCH_OPEN_FAILED) if package is None else (1636, PATCH_INVALID)
        log.add(f"Note: 1: 1309 2: 5 3: {path}")
        log.add(f"Product: (unknown) -- Error {code}. {message}")
        log.close(code)
        session.store.log(session.server, "patch", package=None if package is None else package.key, file=path, exit_code=code)
        return code
    return _exclusively(session, log, quiet, PACKAGES[package.patches].display_name, lambda: _patch(session, package, path, log))


def _patch(session: Session, package: Package, path: str, log: _Log) -> int:
    file_name = files.normalise(path).rsplit("\\", 1)[-1]
    target = PACKAGES[package.patches]
    log.add(f"Original patch ==> {files.normalise(path)}")
    if not _installed(session, target):
        # The patch's Template summary property names a product this server does not have.
        log.add(f"PATCH SEQUENCER: the product {target.product_code} that {file_name} updates is not installed.")
        log.add(PATCH_TARGET_NOT_FOUND)
        log.close(1642)
        session.store.log(session.server, "patch", package=package.key, file=file_name, exit_code=1642)
        return 1642
    update = f"Update '{package.display_name}'"
    if packed_guid(package.product_code) in applied_patches(session, target.product_code):
        # Applied before: Windows Installer installs the product again with the patches it already has, changing
        # nothing (owa-lab's reading; see tests/lab/tests/test_msi_patches.py).
        log.add(f"Patch {package.product_code} is already applied to product {target.product_code}; reinstalling the product with it.")
        log.add(f"Product: {target.display_name} -- Configuration completed successfully.")
        log.close(0)
        session.store.log(session.server, "patch", package=package.key, file=file_name, exit_code=0, already_applied=True)
        return 0
    failure = _forced_failure(session, file_name, package)
    if failure is not None and failure[0] not in (0, 3010):
        code, message = failure
        log.add(f"Product: {target.display_name} -- {message}")
        log.add(f"Product: {target.display_name} - {update} could not be installed. Error code {code}.")
        log.add(f"Windows Installer installed an update. Product Name: {target.display_name}. Product Version: {target.version}. "
                f"Product Language: 1033. Manufacturer: Microsoft Corporation. Update Name: {package.display_name}. "
                f"Installation success or error status: {code}.")
        log.close(code)
        session.store.log(session.server, "patch", package=package.key, file=file_name, exit_code=code)
        return code
    code = failure[0] if failure else 0
    key = patches_key(target.product_code)
    packed = packed_guid(package.product_code)
    with session.store.edit_host(session.server) as host:
        registry = host.setdefault("registry", {})
        listed = registry.setdefault(key, {}).setdefault("AllPatches", [])
        if packed not in listed:
            listed.append(packed)
        # The values MsiGetPatchInfoEx reads: State 1 = MSIPATCHSTATE_APPLIED (2 superseded, 4 obsoleted).
        registry[f"{key}\\{packed}"] = {"State": 1, "DisplayName": package.display_name, "Installed": dt.date.today().strftime("%Y%m%d"),
                                        "LUAEnabled": 0, "MSI3": 1, "PatchType": 0, "Uninstallable": 0, "MoreInfoURL": ""}
    log.add(f"Product: {target.display_name} - {update} installed successfully.")
    log.add(f"Windows Installer installed an update. Product Name: {target.display_name}. Product Version: {target.version}. "
            f"Product Language: 1033. Manufacturer: Microsoft Corporation. Update Name: {package.display_name}. "
            f"Installation success or error status: {code}.")
    if code == 3010:
        log.add("Windows Installer requires a system restart. Product Name: " + target.display_name + ".")
    log.close(code)
    session.store.log(session.server, "patch", package=package.key, file=file_name, exit_code=code)
    return code


def uninstall(session: Session, target: str, log_path: str | None) -> int:
    log = _Log(session, log_path)
    package = package_at(session, target) or next((p for p in PACKAGES.values() if p.product_code.lower() == target.lower()), None)
    if package is None or not _installed(session, package):
        log.add("Product: -- Error 1605. This action is only valid for products that are currently installed.")
        log.close(1605)
        return 1605
    with session.store.edit_host(session.server) as host:
        host.get("products", {}).pop(package.product_code, None)
        # Windows Installer forgets the product's patch registrations with it.
        prefix = patches_key(package.product_code).lower()
        for key in [k for k in host.get("registry", {}) if k.lower() == prefix or k.lower().startswith(prefix + "\\")]:
            host["registry"].pop(key)
    log.add(f"Product: {package.display_name} -- Removal completed successfully.")
    log.close(0)
    session.store.log(session.server, "uninstall", package=package.key, exit_code=0)
    return 0


def msiexec(session: Session, words: list[str]) -> tuple[int, list[str]]:
    action, target, log_path, quiet = None, None, None, False
    index = 0
    while index < len(words):
        word = words[index].strip('"')
        lowered = word.lower()
        if lowered in ("/i", "/package", "/x", "/uninstall", "/p", "/update") and index + 1 < len(words):
            action = {"/i": "install", "/package": "install", "/x": "uninstall", "/uninstall": "uninstall"}.get(lowered, "patch")
            target = words[index + 1].strip('"')
            index += 2
            continue
        if lowered.startswith("/l") and index + 1 < len(words):
            log_path = words[index + 1].strip('"')
            index += 2
            continue
        if lowered in ("/qn", "/q", "/quiet", "/qn+", "/passive", "/qb", "/qb!", "/qn!"):
            quiet = quiet or lowered not in ("/qb", "/qb!")
        elif lowered in ("/norestart", "/promptrestart", "/forcerestart"):
            pass
        elif "=" in word and not word.startswith("/"):
            pass    # PROPERTY=value
        else:
            return 1639, []
        index += 1
    if action is None or target is None:
        return 1639, []
    if action == "install":
        return install(session, target, log_path, quiet), []
    if action == "patch":
        return patch(session, target, log_path, quiet), []
    return uninstall(session, target, log_path), []


def setup_exe(session: Session, path: str, words: list[str]) -> tuple[int, list[str]]:
    """A setup .exe (vcredist_x64.exe) with the switches its package documents.

    A switch the package does not know gets its usage message box, and no switch at all gets its setup wizard: either
    waits for a click that no one in a WinRM session can give, so the program never ends (NeverExits).
    """
    package = package_at(session, path)
    name = files.normalise(path).rsplit("\\", 1)[-1]
    switches = [w.strip('"').lower() for w in words]
    known = package.switches if package is not None else ()
    unknown = [w for w in switches if w not in known]
    session.store.log(session.server, "setup-exe", file=name, switches=switches, unknown=unknown)
    if unknown:
        raise NeverExits(name, f"it does not know the switch {unknown[0]} and shows its usage message box, which waits for a click "
                               "on a desktop no one sees.")
    if not any(w in package.unattended for w in switches):
        raise NeverExits(name, "without /q or /qb it shows its setup wizard, which waits for a click on a desktop no one sees.")
    for setting_name, setting in session.store.host(session.server).get("installers", {}).items():
        if setting_name.lower() in (name.lower(), package.key.lower()) and setting.get("dialog"):
            # A seed: this setup program stops at a dialog even with its quiet switch (a reboot or files-in-use prompt).
            raise NeverExits(name, f"it waits at a dialog ({setting['dialog']}) on a desktop no one sees.")
    return install(session, path, None, True), []
