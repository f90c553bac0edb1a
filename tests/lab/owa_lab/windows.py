"""Windows as the lab emulates it: external programs (iisreset, appcmd, cmd) and IIS availability."""

from __future__ import annotations

import time
from typing import Any, Callable

from . import installers, owa_web
from .exchange.cmdlets import Session

IIS_RESET_STOP = ["", "Attempting stop...", "Internet services successfully stopped", "Attempting start...",
                  "Internet services successfully restarted", ""]


def iis_available(session: Session) -> bool:
    host = session.store.host(session.server)
    return time.time() >= float(host.get("iis_down_until", 0))


# The services an IIS reset stops and starts again (iisreset's "Internet services"); a Restart-Service W3SVC stops
# W3SVC alone, and an application pool recycle stops no service at all.
IIS_RESET_SERVICES = ("IISADMIN", "WAS", "W3SVC")
# iis_down_until while W3SVC stays stopped (Stop-Service W3SVC) until someone starts it: a time no test reaches.
IIS_STOPPED_UNTIL = 1e12


def _take_down(session: Session, kind: str, until: float, pools: tuple[str, ...] | None, services: tuple[str, ...],
               via: str | None, seconds: float | None) -> float:
    """IIS stops answering (HTTP.sys answers 503) and the pools' worker processes end; returns when that began."""
    start = time.time()
    with session.store.edit_host(session.server) as host:
        host["iis_down_until"] = until
        host["iis_stopped_services"] = list(services)
        host["iis_down_since"] = start
    owa_web.stop_workers(session.store, session.server, pools)
    details: dict[str, Any] = {"seconds": seconds}
    if via:
        details["via"] = via
    session.store.log(session.server, f"{kind}-start", **details)
    return start


def _bring_back(session: Session, kind: str, start: float, via: str | None) -> None:
    with session.store.edit_host(session.server) as host:
        host["iis_down_until"] = 0
        host["iis_stopped_services"] = []
        host.pop("iis_down_since", None)
        host.setdefault("iis_history", []).append({"kind": kind, "start": start, "end": time.time()})
    details: dict[str, Any] = {"via": via} if via else {}
    session.store.log(session.server, f"{kind}-end", started=start, seconds=time.time() - start, **details)


def _out_of_service(session: Session, kind: str, seconds: float, pools: tuple[str, ...] | None = None,
                    services: tuple[str, ...] = IIS_RESET_SERVICES, via: str | None = None) -> None:
    """A reset or recycle window: down for ``seconds`` (the lab's stand-in for the time services take to stop and
    start), then back. Every way of restarting IIS goes through here, so all are logged and recorded alike."""
    start = _take_down(session, kind, time.time() + seconds, pools, services, via, seconds)
    time.sleep(seconds)
    _bring_back(session, kind, start, via)


def reset_seconds(session: Session) -> float:
    return float(session.store.lab().get("iis_reset_seconds", 1.0))


def service_stopped(session: Session, name: str) -> bool:
    """Whether an IIS service (W3SVC, WAS, IISADMIN) is stopped now: inside a reset window that stopped it, or since
    a Stop-Service W3SVC."""
    host = session.store.host(session.server)
    return not iis_available(session) and name.upper() in (s.upper() for s in host.get("iis_stopped_services", []))


def restart_w3svc(session: Session) -> None:
    """Restart-Service W3SVC: the reset window, for W3SVC alone. Stopping W3SVC ends the worker processes of the pools
    it serves (all of the lab's), as iisreset does; it is logged as a reset (iis-reset-start/-end) naming the command."""
    if service_stopped(session, "W3SVC"):
        start_w3svc(session, "Restart-Service W3SVC")
        return
    _out_of_service(session, "iis-reset", reset_seconds(session), services=("W3SVC",), via="Restart-Service W3SVC")


def stop_w3svc(session: Session) -> None:
    """Stop-Service W3SVC: IIS stays out of service until W3SVC is started again."""
    if not service_stopped(session, "W3SVC"):
        _take_down(session, "iis-reset", IIS_STOPPED_UNTIL, None, ("W3SVC",), "Stop-Service W3SVC", None)


def start_w3svc(session: Session, via: str = "Start-Service W3SVC") -> None:
    if service_stopped(session, "W3SVC"):
        host = session.store.host(session.server)
        _bring_back(session, "iis-reset", float(host.get("iis_down_since", time.time())), via)


def iisreset(session: Session, words: list[str]) -> tuple[int, list[str]]:
    flags = {w.lower() for w in words}
    unknown = flags - {"/noforce", "/restart", "/timeout", "/status", "/stop", "/start"}
    if unknown:
        return 1, ["", f"The parameter '{sorted(unknown)[0]}' is incorrect.", ""]
    if "/status" in flags:
        state = "Running" if iis_available(session) else "Stopped"
        return 0, ["Status for World Wide Web Publishing Service ( W3SVC ) : " + state]
    _out_of_service(session, "iis-reset", reset_seconds(session))
    return 0, list(IIS_RESET_STOP)


def _pool_not_found(name: str) -> tuple[int, list[str]]:
    # appcmd's answer for an identifier it does not know, with ERROR_NOT_FOUND (1168) as its exit code.
    return 1168, [f'ERROR ( message:Cannot find APPPOOL object with identifier "{name}". )']


def _known_pool(name: str) -> str | None:
    return next((p for p in owa_web.POOLS if p.lower() == name.lower()), None)


def pool_state(session: Session) -> str:
    """An application pool's state as appcmd lists it. A recycle leaves the pool Started (a new worker takes over);
    while W3SVC is stopped the lab lists every pool as Stopped (its reading: no source says what IIS 7.5 shows then)."""
    return "Stopped" if service_stopped(session, "W3SVC") else "Started"


def _list_apppools(session: Session, words: list[str]) -> tuple[int, list[str]]:
    """appcmd list apppool[s] [<name> | /apppool.name:<name>] [/name:<name>] [/state:<state>]: one line per pool, in
    IIS 7.5's text format, APPPOOL "<name>" (MgdVersion:v2.0,MgdMode:Integrated,state:Started) (Microsoft, "Getting
    Started with AppCmd.exe"). Exchange 2010's pools run .NET 2.0 in integrated mode; 2013 and later run .NET 4."""
    identifier: str | None = None
    filters: dict[str, str] = {}
    for word in words:
        if not word.startswith("/"):
            if identifier is not None:
                return 1, [f"owa-lab does not emulate appcmd with these arguments: {' '.join(words)}"]
            identifier = word.strip('"')
            continue
        key, _sep, value = word[1:].partition(":")
        if key.lower() == "apppool.name":
            identifier = value.strip('"')
        elif key.lower() in ("name", "state"):
            filters[key.lower()] = value.strip('"')
        else:
            return 1, [f"owa-lab does not emulate appcmd list apppool /{key} (it reads an identifier, /name and /state)"]
    if identifier is not None and _known_pool(identifier) is None:
        return _pool_not_found(identifier)
    version = "v2.0" if session.version.ps_version < 3 else "v4.0"
    state = pool_state(session)
    lines = []
    for pool in owa_web.POOLS:
        if identifier is not None and pool.lower() != identifier.lower():
            continue
        if "name" in filters and pool.lower() != filters["name"].lower():
            continue
        if "state" in filters and state.lower() != filters["state"].lower():
            continue
        lines.append(f'APPPOOL "{pool}" (MgdVersion:{version},MgdMode:Integrated,state:{state})')
    if not lines:
        # What appcmd prints, and which exit code it gives, when a query matches nothing is not documented.
        return 1, ["owa-lab does not emulate what appcmd answers when a query matches no application pool"]
    return 0, lines


def appcmd(session: Session, words: list[str]) -> tuple[int, list[str]]:
    lowered = [w.lower() for w in words]
    if len(lowered) >= 2 and lowered[0] == "recycle" and lowered[1] == "apppool":
        name = next((w.split(":", 1)[1] for w in words[2:] if w.lower().startswith("/apppool.name:")), words[2] if len(words) > 2 else "")
        name = name.strip('"')
        pool = _known_pool(name)
        if pool is None:
            return _pool_not_found(name)
        window = float(session.store.lab().get("app_pool_recycle_seconds", 0.2))
        _out_of_service(session, "apppool-recycle", window, (pool,), services=())
        return 0, [f'"{name}" successfully recycled']
    if len(lowered) >= 2 and lowered[0] == "list" and lowered[1] in ("apppool", "apppools"):
        return _list_apppools(session, words[2:])
    if lowered and lowered[0] == "list":
        return 1, [f"owa-lab does not emulate appcmd list {' '.join(words[1:2])} (it lists application pools only)"]
    return 1, ["ERROR ( message:Unknown command. )"]


def shutdown(session: Session, words: list[str]) -> tuple[int, list[str]]:
    """shutdown /r [/t N] [/c "comment"] [/d p:4:2] [/f]: the server goes away after N seconds and boots again."""
    flags = [w.lower() for w in words]
    if "/r" not in flags:
        return 1, ["The lab emulates only restarts (shutdown /r)."]
    delay = 30.0
    if "/t" in flags and flags.index("/t") + 1 < len(words):
        delay = float(words[flags.index("/t") + 1])
    seconds = float(session.store.lab().get("reboot_seconds", 2.0))
    start = time.time() + delay
    previous = boot_time(session)
    with session.store.edit_host(session.server) as host:
        host["down_from"], host["down_until"] = start, start + seconds
        # The new boot time exists only once the server is back; until then Windows reports the old one.
        host["previous_boot_time"] = previous
        host["boot_time"] = start + seconds
    session.store.log(session.server, "reboot-start", at=start, seconds=seconds)
    return 0, []


def boot_time(session: Session) -> float:
    host = session.store.host(session.server)
    if host.get("previous_boot_time") is not None and time.time() < float(host.get("down_until", 0)):
        return float(host["previous_boot_time"])
    return float(host.get("boot_time") or session.store.lab().get("started", 0) or 0)


def hostname(session: Session, words: list[str]) -> tuple[int, list[str]]:
    return 0, [session.server]


def whoami(session: Session, words: list[str]) -> tuple[int, list[str]]:
    return 0, [session.user.lower() if "\\" in session.user else "contoso\\" + session.user.lower()]


PROGRAMS: dict[str, Callable[[Session, list[str]], tuple[int, list[Any]]]] = {
    "iisreset": iisreset,
    "appcmd": appcmd,
    "hostname": hostname,
    "whoami": whoami,
    "msiexec": installers.msiexec,
    "shutdown": shutdown,
}


def find_program(session: Session, word: str) -> Callable[[Session, list[str]], tuple[int, list[Any]]] | None:
    """A program by name (``iisreset``), or an installer by its path (``C:\\x\\vcredist_x64.exe``)."""
    name = program_name(word)
    if name in PROGRAMS:
        return PROGRAMS[name]
    package = installers.package_at(session, word.strip('"'))
    if package is not None and package.kind == "exe":
        return lambda s, words: installers.setup_exe(s, word.strip('"'), words)
    return None


def program_name(word: str) -> str:
    name = word.strip('"').replace("/", "\\").rsplit("\\", 1)[-1].lower()
    return name[:-4] if name.endswith((".exe", ".com", ".cmd", ".bat")) else name


# ----- The Application event log ---------------------------------------------------------------------------------------
# One classic event log per server, kept in the host state (``event_logs``), as Windows keeps it: records in the order
# written, each with its record number (EventLogEntry.Index), the time generated in whole seconds (the EVENTLOGRECORD's
# TimeGenerated is seconds since 1970; .NET's EventLogEntry.TimeGenerated shows it in local time), the full message ID
# (EventLogEntry.InstanceId; EventID is that with the top two bits cleared, and Event Viewer shows the low 16 bits),
# its type, source, category and message text. Windows overwrites the oldest records when the log is full (the
# Application log's default OverwriteAsNeeded); the lab keeps the newest EVENT_LOG_RECORDS. Only the Application log is
# kept: Get-EventLog says in owa-lab's words that it does not emulate any other.
APPLICATION_LOG = "Application"
EVENT_LOG_RECORDS = 2000
# System.Diagnostics.EventLogEntryType.
ENTRY_TYPES = {"Error": 1, "Warning": 2, "Information": 4, "SuccessAudit": 8, "FailureAudit": 16}


def write_event(store: Any, server: str, source: str, instance_id: int, entry_type: str, message: str,
                category: int = 0) -> dict[str, Any]:
    """A record written to ``server``'s Application log now (ReportEvent), as Get-EventLog will read it back."""
    if entry_type not in ENTRY_TYPES:
        raise ValueError(f"not an EventLogEntryType: {entry_type}")
    with store.edit_host(server) as host:
        logs = host.setdefault("event_logs", {})
        records = logs.setdefault(APPLICATION_LOG, [])
        index = int(host.get("event_log_next_index", 1))
        record = {"index": index, "time": int(time.time()), "instance_id": int(instance_id) & 0xFFFFFFFF,
                  "entry_type": entry_type, "source": source, "category": int(category), "message": message}
        records.append(record)
        del records[:-EVENT_LOG_RECORDS]
        host["event_log_next_index"] = index + 1
    store.log(server, "event-log", log=APPLICATION_LOG, source=source, event_id=record["instance_id"] & 0xFFFF,
              entry_type=entry_type)
    return record


def event_records(store: Any, server: str, log: str = APPLICATION_LOG) -> list[dict[str, Any]]:
    """The records of one of ``server``'s logs, oldest first."""
    return list(store.host(server).get("event_logs", {}).get(log, []))
