# Copyright: (c) 2026, exchange.owa_im contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the collection keeps on each CAS: whether OWA owes a restart, and the backups written before each change.

Both are read from the server (OwaImServerState.ps1); nothing here trusts what the controller remembers. A backup file
is untrusted input: it is parsed with the strict record parser and restored only onto the server and host it names.
"""

from __future__ import annotations

import datetime as dt
import re
import typing as t

from ansible_collections.exchange.owa_im.plugins.filter.plain_text import plain_text
from ansible_collections.exchange.owa_im.plugins.plugin_utils import (
    _mailbox_policy, _ocs_host_authorization, _owa_settings, _setting_override, _trusted_application)
from ansible_collections.exchange.owa_im.plugins.plugin_utils._records import RecordError, parse_records

# .NET DateTime ticks: 100 ns since 0001-01-01.
_TICKS_PER_MICROSECOND = 10
_EPOCH = dt.datetime(1, 1, 1)

# <SERVER>-<yyyyMMddTHHmmss><7 digits of the second>Z.owaim, as Write-OwaImBackup names them; NetBIOS names only.
BACKUP_NAME = re.compile(r"^(?P<server>[A-Za-z0-9][A-Za-z0-9-]{0,14})-(?P<stamp>\d{8}T\d{6})(?P<fraction>\d{7})Z\.owaim$")
BACKUP_FORMAT = "1"


class BackupRefused(ValueError):
    """A backup file that must not be restored here; the message says why."""


def ticks_to_iso(ticks: t.Any) -> t.Optional[str]:
    """Server-local .NET ticks as ISO 8601 text (no zone: the server's local time), None for 0 or nothing."""
    try:
        value = int(ticks or 0)
    except (TypeError, ValueError):
        return None
    if value <= 0:
        return None
    return (_EPOCH + dt.timedelta(microseconds=value // _TICKS_PER_MICROSECOND)).isoformat(timespec="milliseconds")


def restart_state(records: t.Mapping[str, t.Any]) -> t.Dict[str, t.Any]:
    """The ``restart_state`` record: whether OWA owes a restart, and the server's facts it was decided from."""
    state = records.get("restart_state") or {}
    folder = records.get("state_folder") or {}
    changed = [ticks_to_iso(state.get(name)) for name in ("directory_changed", "marker", "settings_changed")]
    return {
        "pending": bool(state.get("pending")),
        "worker_started": ticks_to_iso(state.get("worker_started")),
        "virtual_directory_changed": changed[0],
        "last_change_marker": changed[1],
        # Exchange 2016 and later: the newest change of the IM setting overrides that apply to this server.
        "setting_override_changed": changed[2],
        # A marker another account owns or may write is ignored (the server says whose), and so is not a fact here.
        "marker_refused": _capped(folder.get("marker_refused")),
    }


def _capped(value: t.Any, limit: int = 300) -> t.Optional[str]:
    return None if value is None else plain_text(value, limit)


# Who may own the collection's files on a CAS: Administrators and SYSTEM (SDDL aliases and SIDs); the account that ran
# the script is added by the caller (the owner under the "Object creator" default-owner policy).
TRUSTED_OWNERS = frozenset(("BA", "SY", "S-1-5-32-544", "S-1-5-18"))


def sddl_owner(sddl: str) -> str:
    """``O:BAG:SYD:...`` -> ``BA``."""
    match = re.match(r"O:([A-Z]{2}|S-[0-9-]+)", sddl or "")
    return match.group(1) if match else ""


# Rights that let one change a file or folder or what it holds (SDDL two-letter codes, and the same bits of a hex mask):
# for files and folders DC LC RP DT CR are write data / add file, append / add folder, write EA, delete child, write
# attributes; SD WD WO delete, write DAC, write owner; generic and file all or write.
_WRITE_CODES = frozenset(("DC", "LC", "RP", "DT", "CR", "SD", "WD", "WO", "GA", "GW", "FA", "FW", "KA", "KW"))
_WRITE_MASK = 0x500D0156


def write_rights(rights: str) -> bool:
    """Whether an ACE's rights field grants any way to write."""
    if rights.lower().startswith("0x"):
        try:
            return bool(int(rights, 16) & _WRITE_MASK)
        except ValueError:
            return True
    return any(rights[i:i + 2] in _WRITE_CODES for i in range(0, len(rights) - 1, 2))


def sddl_others(sddl: str) -> t.List[str]:
    """The accounts an allow entry of the DACL lets write, besides SYSTEM and Administrators (reading is no way in)."""
    if "D:" not in (sddl or ""):
        return ["Everyone (no DACL)"]
    dacl = sddl.split("D:", 1)[1].split("S:", 1)[0]
    others = []
    for ace in re.findall(r"\(([^)]*)\)", dacl):
        fields = ace.split(";")
        # An inherit-only entry (IO) grants nothing on this object itself, only on what is created inside.
        if (len(fields) >= 6 and fields[0] == "A" and "IO" not in fields[1] and write_rights(fields[2])
                and fields[5] not in TRUSTED_OWNERS and fields[5] not in others):
            others.append(fields[5])
    return others


def untrusted_reason(sddl: t.Optional[str], me: t.Optional[str]) -> t.Optional[str]:
    """Why a file or folder with this security descriptor may have been written by someone else, or None."""
    if sddl is None:
        return "its owner could not be read"
    owner = sddl_owner(sddl)
    if owner not in TRUSTED_OWNERS and owner != (me or ""):
        return "it is owned by %s, not by Administrators, SYSTEM or the account that reads it" % (owner or "nobody")
    others = sddl_others(sddl)
    if others:
        return "%s may write it (its ACL grants access to %s)" % (others[0], ", ".join(others))
    return None


# The folder (under %ProgramData%\exchange.owa_im) each kind of backup is written to, and the kind's name.
BACKUP_FOLDERS = {
    "backups": "virtual_directory",
    "web-config-backups": "web_config",
    "setting-override-backups": "setting_override",
    "mailbox-policy-backups": "mailbox_policy",
    # On a Lync / Skype for Business Front End and on an OCS 2007 R2 server.
    "trusted-application-backups": "trusted_application",
    "host-authorization-backups": "host_authorization",
}
# The kinds whose module records an object it creates as one that did not exist, so that a rollback removes it.
CREATABLE_KINDS = ("setting_override", "trusted_application", "host_authorization")
# The two Exchange 2013 web.config keys and their option names in exchange.owa_im.owa_web_config.
WEB_CONFIG_KEYS = {"IMServerName": "im_server_name", "IMCertificateThumbprint": "im_certificate_thumbprint"}
_MAX_IDENTITY = 400


def _virtual_directory_settings(identity: str, raw: t.Mapping[str, t.Any], server: str) -> t.Dict[str, t.Any]:
    if identity.split("\\", 1)[0].lower() != server.lower() or "\\" not in identity:
        raise BackupRefused("its virtual directory %r is not on %s" % (identity, server))
    unknown = set(raw) - set(_owa_settings.PROPERTIES.values())
    if unknown:
        raise BackupRefused("it holds properties a backup never holds: %s" % ", ".join(sorted(unknown)))
    settings = _owa_settings.as_options(raw)
    try:
        # The same checks as a user's values: a planted server name or thumbprint must be well formed to be restored.
        _owa_settings.desired_settings({k: ("" if v is None else v) for k, v in settings.items()
                                        if k != "instant_messaging_enabled"})
    except _owa_settings.SettingError as exc:
        raise BackupRefused("a value in it is not valid: %s" % exc)
    return settings


def _web_config_settings(identity: str, raw: t.Mapping[str, t.Any], server: str) -> t.Dict[str, t.Any]:
    # A local path of this server's OWA web.config (drive letter, no share, no device path).
    if not re.match(r"^[A-Za-z]:\\[^\x00-\x1f<>\"|?*]*\\web\.config$", identity, re.IGNORECASE) or "\\..\\" in identity:
        raise BackupRefused("its file %r is not a web.config on a local drive of %s" % (identity, server))
    unknown = set(raw) - set(WEB_CONFIG_KEYS)
    if unknown:
        raise BackupRefused("it holds keys a backup never holds: %s" % ", ".join(sorted(unknown)))
    settings: t.Dict[str, t.Any] = {}
    try:
        for key, option in WEB_CONFIG_KEYS.items():
            value = raw.get(key)
            if value is not None and key == "IMServerName":
                value = _owa_settings.validate_server_name(str(value), option)
            elif value is not None:
                value = _owa_settings.normalise_thumbprint(str(value), option)
            settings[option] = value
    except _owa_settings.SettingError as exc:
        raise BackupRefused("a value in it is not valid: %s" % exc)
    return settings


def _setting_override_settings(identity: str, raw: t.Mapping[str, t.Any], server: str) -> t.Dict[str, t.Any]:
    # An override is restored by its name; what Exchange shows as its Identity is not relied on.
    name = str(raw.get("Name") or "")
    if not name.strip() or name != name.strip() or any(c in name for c in "*?[") or any(ord(c) < 32 for c in name):
        raise BackupRefused("its override's name %r is not one an override can have" % name[:80])
    unknown = set(raw) - set(_setting_override.OVERRIDE_PROPERTIES)
    if unknown:
        raise BackupRefused("it holds properties a backup never holds: %s" % ", ".join(sorted(unknown)))
    component, section = str(raw.get("ComponentName") or ""), str(raw.get("SectionName") or "")
    try:
        servers = _setting_override.validate_servers([s for s in raw.get("Server") or [] if s])
        if any(s.lower() != server.lower() for s in servers):
            # An override of other servers is theirs to restore (from their own backups), not this one's.
            raise BackupRefused("its override applies to %s, not only to %s" % (", ".join(servers), server))
        if not re.match(r"^[A-Za-z][A-Za-z0-9_.]*$", component) or not re.match(r"^[A-Za-z][A-Za-z0-9_.]*$", section):
            raise BackupRefused("its component %r or section %r is not a name Exchange uses" % (component, section))
        parameters = _setting_override.parameters_as_dict(raw.get("Parameters"))
        _setting_override.desired_parameters(component, section, parameters)
    except _owa_settings.SettingError as exc:
        raise BackupRefused("a value in it is not valid: %s" % exc)
    reason = str(raw.get("Reason") or "").strip() or "restored by exchange.owa_im.rollback"
    return {"name": name, "component": component, "section": section, "parameters": parameters, "server": servers,
            "reason": plain_text(reason, 500)}


def _mailbox_policy_settings(identity: str, raw: t.Mapping[str, t.Any], server: str) -> t.Dict[str, t.Any]:
    unknown = set(raw) - set(_mailbox_policy.READ_PROPERTIES)
    if unknown:
        raise BackupRefused("it holds properties a backup never holds: %s" % ", ".join(sorted(unknown)))
    try:
        _mailbox_policy.validate_name(raw.get("Name"))
        settings = _mailbox_policy.as_options(raw)
        if settings.get("instant_messaging_type") is not None:
            settings["instant_messaging_type"] = _owa_settings.normalise_type(settings["instant_messaging_type"])
        if not isinstance(settings.get("instant_messaging_enabled"), bool):
            raise BackupRefused("its InstantMessagingEnabled is %r, not True or False" % settings.get("instant_messaging_enabled"))
    except _owa_settings.SettingError as exc:
        raise BackupRefused("a value in it is not valid: %s" % exc)
    settings["name"] = str(raw.get("Name"))
    return settings


def _trusted_identity(identity: str) -> t.Tuple[str, t.Optional[str]]:
    """A trusted application backup names a pool (its FQDN) or an application (<pool FQDN>/urn:application:<id>)."""
    pool, _sep, application = identity.partition("/")
    try:
        pool = _trusted_application.check_fqdn("pool", pool)
        if _sep:
            application = _trusted_application.desired({"pool_fqdn": pool, "application_id": application, "port": 1,
                                                        "state": "absent"})["application_id"]
    except _owa_settings.SettingError as exc:
        raise BackupRefused("its identity %r is not a trusted application pool or application: %s" % (identity[:120], exc))
    return pool, (application if _sep else None)


def _trusted_application_settings(identity: str, raw: t.Mapping[str, t.Any], server: str) -> t.Dict[str, t.Any]:
    pool, application = _trusted_identity(identity)
    allowed = _trusted_application.APPLICATION_BACKUP_PROPERTIES if application else _trusted_application.POOL_BACKUP_PROPERTIES
    unknown = set(raw) - set(allowed)
    if unknown:
        raise BackupRefused("it holds properties a backup never holds: %s" % ", ".join(sorted(unknown)))
    if application is not None:
        # Written as text, as every number in the records.
        port_text = str(raw.get("Port") or "")
        if not re.match(r"^[0-9]{1,5}$", port_text) or not 1 <= int(port_text) <= 65535:
            raise BackupRefused("its Port %r is not a TCP port" % port_text[:20])
        port = int(port_text)
        if str(raw.get("TrustedApplicationPoolFqdn") or "").lower() != pool:
            raise BackupRefused("its application lives in %r, not in %s" % (str(raw.get("TrustedApplicationPoolFqdn"))[:120], pool))
        recorded = str(raw.get("ApplicationId") or "")
        if recorded.lower() not in (application.lower(), (_trusted_application.APPLICATION_PREFIX + application).lower()):
            raise BackupRefused("its application is %r, not %s" % (recorded[:120], application))
        return {"pool_fqdn": pool, "application_id": application, "port": port}
    if str(raw.get("PoolFqdn") or "").lower() != pool:
        raise BackupRefused("its pool is %r, not %s" % (str(raw.get("PoolFqdn"))[:120], pool))
    registrar = str(raw.get("Registrar") or "")
    site = str(raw.get("SiteId") or "")
    registrar = registrar[len("registrar:"):] if registrar.lower().startswith("registrar:") else registrar
    site = site[len("site:"):] if site.lower().startswith("site:") else site
    try:
        registrar = _trusted_application.check_fqdn("registrar", registrar)
    except _owa_settings.SettingError as exc:
        raise BackupRefused("a value in it is not valid: %s" % exc)
    if not re.match(r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$", site):
        raise BackupRefused("its site %r is not a Lync site's name or SiteId" % site[:80])
    return {"pool_fqdn": pool, "registrar": registrar, "site": site}


def _host_authorization_settings(identity: str, raw: t.Mapping[str, t.Any], server: str) -> t.Dict[str, t.Any]:
    unknown = set(raw) - set(_ocs_host_authorization.PROPERTIES)
    if unknown:
        raise BackupRefused("it holds properties a backup never holds: %s" % ", ".join(sorted(unknown)))
    if str(raw.get("Server") or "").lower() != identity.lower():
        raise BackupRefused("its entry names %r, not %s" % (str(raw.get("Server"))[:120], identity))
    flags = {option: raw.get(name) for option, name in _ocs_host_authorization.FLAGS}
    try:
        wanted = _ocs_host_authorization.desired(dict(flags, servers=[identity], backend=raw.get("Backend")))
    except _owa_settings.SettingError as exc:
        raise BackupRefused("a value in it is not valid: %s" % exc)
    return dict(flags, server=wanted["servers"][0], backend=wanted["backend"])


def _host_authorization_identity(identity: str) -> None:
    try:
        _ocs_host_authorization.desired({"servers": [identity], "outbound_only": False, "throttle_as_server": True,
                                         "treat_as_authenticated": True})
    except _owa_settings.SettingError as exc:
        raise BackupRefused("its identity %r is not a server's FQDN: %s" % (identity[:120], exc))


_SETTINGS_READERS = {
    "virtual_directory": _virtual_directory_settings,
    "web_config": _web_config_settings,
    "setting_override": _setting_override_settings,
    "mailbox_policy": _mailbox_policy_settings,
    "trusted_application": _trusted_application_settings,
    "host_authorization": _host_authorization_settings,
}
# What names an object that did not exist is checked too, since removing it is what restoring such a backup does.
_IDENTITY_CHECKS: t.Dict[str, t.Callable[[str], t.Any]] = {
    "trusted_application": _trusted_identity,
    "host_authorization": _host_authorization_identity,
}


def parse_backup(name: str, content: t.Optional[str], length: int, max_bytes: int, inventory_host: str,
                 server: str, kind: str = "virtual_directory") -> t.Dict[str, t.Any]:
    """One backup file of ``server`` as a dict, or BackupRefused saying why it is not this host's own."""
    match = BACKUP_NAME.match(name)
    if match is None:
        raise BackupRefused("its name is not <server>-<UTC time>Z.owaim")
    if match.group("server").lower() != server.lower():
        raise BackupRefused("its name names server %s, not %s" % (match.group("server"), server))
    if content is None or length > max_bytes:
        raise BackupRefused("it holds %d bytes, more than the %d a backup can hold" % (length, max_bytes))
    try:
        records = parse_records(content)
    except RecordError as exc:
        raise BackupRefused("it is not a backup this collection wrote: %s" % exc)
    head = records.get("backup") or {}
    if head.get("format") != BACKUP_FORMAT:
        raise BackupRefused("its format is %r, not %s" % (head.get("format"), BACKUP_FORMAT))
    if str(head.get("server") or "").lower() != server.lower():
        raise BackupRefused("it was taken on %r, not on %s" % (head.get("server"), server))
    if str(head.get("host") or "") != inventory_host:
        raise BackupRefused("it was taken for inventory host %r, not %r" % (head.get("host"), inventory_host))
    identity = str(head.get("identity") or "")
    if not identity.strip() or len(identity) > _MAX_IDENTITY or any(ord(c) < 32 for c in identity):
        raise BackupRefused("its identity %r is empty, longer than %d characters or holds control characters" % (identity[:80], _MAX_IDENTITY))
    # Older backups have no "existed": they were all of something that existed. Only a setting override is created
    # (and so recorded as not existing); undoing its creation removes it.
    existed = head.get("existed") is not False
    if not existed and kind not in CREATABLE_KINDS:
        raise BackupRefused("it records a %s that did not exist, which only setting override, trusted application and Host "
                            "Authorization backups do" % kind.replace("_", " "))
    raw = records.get("settings") or {}
    if not existed and raw:
        raise BackupRefused("it records a %s that did not exist, yet holds settings" % kind.replace("_", " "))
    if kind in _IDENTITY_CHECKS:
        _IDENTITY_CHECKS[kind](identity)
    settings = _SETTINGS_READERS[kind](identity, raw, server) if existed else None
    if kind in ("setting_override", "mailbox_policy") and settings is not None:
        # Restored by the name the backup's checked settings hold, not by the form of Exchange's Identity.
        identity = settings["name"]
    stamp = match.group("stamp") + "." + match.group("fraction")[:6]
    return {
        "kind": kind,
        "file": name,
        "taken_at": dt.datetime.strptime(stamp, "%Y%m%dT%H%M%S.%f").isoformat() + "Z",
        "run": head.get("run") or None,
        "host": inventory_host,
        "server": server,
        "identity": identity,
        "existed": existed,
        "settings": settings,
    }


def read_backups(records: t.Mapping[str, t.Any], files: t.Sequence[t.Mapping[str, t.Any]], inventory_host: str,
                 max_bytes: int) -> t.Tuple[t.List[t.Dict[str, t.Any]], t.List[t.Dict[str, str]]]:
    """The server's backups of every kind, oldest first, and the files refused with their reasons."""
    server = str((records.get("server") or {}).get("name") or "")
    me = (records.get("server") or {}).get("account_sid")
    root = untrusted_reason((records.get("listing") or {}).get("folder_sddl"), me)
    usable: t.List[t.Dict[str, t.Any]] = []
    refused: t.List[t.Dict[str, str]] = []
    for entry in files:
        name = str(entry.get("name") or "")
        folder_name = str(entry.get("folder") or "backups")
        try:
            if folder_name not in BACKUP_FOLDERS:
                raise BackupRefused("its folder %r is not one the collection writes backups to" % folder_name[:80])
            reason = untrusted_reason(entry.get("sddl"), me)
            if reason:
                raise BackupRefused(reason)
            folder = root or untrusted_reason((records.get("folder/" + folder_name) or {}).get("sddl"), me)
            if folder:
                raise BackupRefused("its folder is not private: " + folder)
            length = int(entry.get("length") or 0)
            usable.append(dict(parse_backup(name, entry.get("content"), length, max_bytes, inventory_host, server, BACKUP_FOLDERS[folder_name]),
                               folder=folder_name))
        except (BackupRefused, ValueError) as exc:
            refused.append({"file": plain_text(name, 200), "folder": plain_text(folder_name, 80), "reason": plain_text(str(exc), 500)})
    usable.sort(key=lambda backup: backup["taken_at"])
    return usable, refused


def rollback_choice(backups: t.Sequence[t.Mapping[str, t.Any]], since: t.Optional[str]) -> t.Optional[t.Mapping[str, t.Any]]:
    """The backup that returns a server to how it was at ``since`` (UTC, ISO 8601 or a prefix such as 20261125T0239).

    A backup holds the settings just before a change: the oldest one taken after ``since`` holds them as they were
    then. None when the server has not changed since.
    """
    if since is None:
        return None
    moment = normalise_moment(since)
    later = [b for b in backups if _compact(b["taken_at"]) > moment]
    return min(later, key=lambda b: b["taken_at"]) if later else None


def newest_run_start(pool: t.Sequence[t.Sequence[t.Mapping[str, t.Any]]]) -> t.Optional[str]:
    """When the newest run that changed any server of the pool began (its first backup, less a microsecond)."""
    backups = [b for server in pool for b in server]
    if not backups:
        return None
    newest = max(backups, key=lambda b: b["taken_at"])
    same_run = [b for b in backups if newest.get("run") and b.get("run") == newest.get("run")] or [newest]
    first = dt.datetime.strptime(min(b["taken_at"] for b in same_run), "%Y-%m-%dT%H:%M:%S.%fZ")
    return (first - dt.timedelta(microseconds=1)).strftime("%Y%m%dT%H%M%S.%f")


def _compact(iso: str) -> str:
    return iso.replace("-", "").replace(":", "").rstrip("Z")


_MOMENT = re.compile(r"^\d{8}(T\d{0,6}(\.\d{1,6})?)?$")


def normalise_moment(text: str) -> str:
    """``2026-11-25T02:39`` or ``20261125T0239`` as ``20261125T0239`` and so on; a prefix means the end of that period."""
    compact = _compact(str(text).strip().rstrip("\uffff"))
    if not _MOMENT.match(compact):
        raise ValueError("owa_im_rollback_to must be a UTC time such as 20261125T0239 or 2026-11-25T02:39:00; got %r" % text)
    # "up to the end of that minute": every later character is as large as it can be.
    return compact + "\uffff" if len(compact) < len("20261125T023959.999999") else compact


def state_failure(records: t.Mapping[str, t.Any]) -> t.Optional[str]:
    """The message for a failure to write the backup or the change marker on the server (nothing was changed), else None."""
    error = records.get("error") or {}
    server = (records.get("server") or {}).get("name") or "the server"
    if error.get("kind") == "backup_failed":
        return ("%s: the backup of the settings this change replaces could not be written under %%ProgramData%%\\exchange.owa_im "
                "(Windows said: %s); nothing was changed. Free the disk or fix the folder's permissions, then run again."
                % (server, str(error.get("message") or "no reason")[:500]))
    if error.get("kind") == "marker_failed":
        return ("%s: the time of this change could not be recorded in %%ProgramData%%\\exchange.owa_im (Windows said: %s); nothing was "
                "changed. Free the disk or fix the folder's permissions, then run again." % (server, str(error.get("message") or "no reason")[:500]))
    return None


# The order a rollback restores a server's backups in: the policies and the virtual directory before the settings OWA
# reads through them; overrides to remove before those to put back, so no two overrides apply at once.
KIND_ORDER = ("mailbox_policy", "virtual_directory", "web_config", "setting_override", "trusted_application", "host_authorization")


# Objects of the organisation rather than of one server: a mailbox policy, a setting override (one of the whole
# organisation is backed up by whichever server changed it; one of a server only ever by that server). Their backups
# are compared across the pool, so that one object returns to one state, from the host holding that backup.
POOL_WIDE_KINDS = ("mailbox_policy", "setting_override")


def _restore_order(backup: t.Mapping[str, t.Any]) -> t.Tuple[int, bool, str]:
    return KIND_ORDER.index(backup.get("kind") or "virtual_directory"), bool(backup.get("existed", True)), str(backup.get("identity") or "").lower()


def rollback_choices(per_host: t.Mapping[str, t.Sequence[t.Mapping[str, t.Any]]], since: t.Optional[str]) -> t.Dict[str, t.List[t.Dict[str, t.Any]]]:
    """Per host, the backups that return what it backed up (its virtual directory and web.config; the overrides and
    policies it changed) to how they were at ``since``, in the order to restore them; objects unchanged since are left
    out. An object of the organisation is restored once, from the oldest backup after ``since`` any host holds."""
    groups: t.Dict[t.Tuple[str, ...], t.List[t.Tuple[str, t.Mapping[str, t.Any]]]] = {}
    for host, backups in per_host.items():
        for backup in backups:
            kind = str(backup.get("kind") or "virtual_directory")
            key = (kind, str(backup.get("identity") or "").lower())
            groups.setdefault(key if kind in POOL_WIDE_KINDS else key + (host,), []).append((host, backup))
    chosen: t.Dict[str, t.List[t.Dict[str, t.Any]]] = {host: [] for host in per_host}
    for members in groups.values():
        choice = rollback_choice([backup for _host, backup in members], since)
        if choice is not None:
            holder = next(host for host, backup in members if backup is choice)
            chosen[holder].append(dict(choice))
    return {host: sorted(backups, key=_restore_order) for host, backups in chosen.items()}


def rollback_plan(hosts: t.Sequence[t.Mapping[str, t.Any]], to: t.Optional[str] = None) -> t.Dict[str, t.Any]:
    """For the pool: the moment to return to and, per host, the backups that do it (none: unchanged since).

    ``hosts``: each host's variables holding ``owa_im_backups`` (owa_virtual_directory_backup_info's result). Without
    ``to``, the moment is just before the newest run that changed any of them: that run is undone on every server.
    ``restores`` lists each host's backups to restore, of every kind, in the order to restore them.
    """
    per_host = {str(h.get("inventory_hostname")): list((h.get("owa_im_backups") or {}).get("backups") or []) for h in hosts}
    moment = normalise_moment(to) if to else newest_run_start(list(per_host.values()))
    restores = rollback_choices(per_host, moment) if moment else {host: [] for host in per_host}
    return {
        "moment": moment.rstrip("\uffff") if moment else None,
        "restores": restores,
        "backups": {host: [{"taken_at": b["taken_at"], "run": b.get("run"), "file": b["file"], "kind": b.get("kind", "virtual_directory"),
                            "identity": b.get("identity")} for b in backups]
                    for host, backups in per_host.items()},
    }
