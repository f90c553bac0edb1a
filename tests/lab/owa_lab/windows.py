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


def _out_of_service(session: Session, kind: str, seconds: float, pools: tuple[str, ...] | None = None) -> None:
    start = time.time()
    with session.store.edit_host(session.server) as host:
        host["iis_down_until"] = start + seconds
    owa_web.stop_workers(session.store, session.server, pools)
    session.store.log(session.server, f"{kind}-start", seconds=seconds)
    time.sleep(seconds)
    with session.store.edit_host(session.server) as host:
        host["iis_down_until"] = 0
        host.setdefault("iis_history", []).append({"kind": kind, "start": start, "end": time.time()})
    session.store.log(session.server, f"{kind}-end", started=start, seconds=time.time() - start)


def iisreset(session: Session, words: list[str]) -> tuple[int, list[str]]:
    flags = {w.lower() for w in words}
    unknown = flags - {"/noforce", "/restart", "/timeout", "/status", "/stop", "/start"}
    if unknown:
        return 1, ["", f"The parameter '{sorted(unknown)[0]}' is incorrect.", ""]
    if "/status" in flags:
        state = "Running" if iis_available(session) else "Stopped"
        return 0, ["Status for World Wide Web Publishing Service ( W3SVC ) : " + state]
    window = float(session.store.lab().get("iis_reset_seconds", 1.0))
    _out_of_service(session, "iis-reset", window)
    return 0, list(IIS_RESET_STOP)


def appcmd(session: Session, words: list[str]) -> tuple[int, list[str]]:
    lowered = [w.lower() for w in words]
    if len(lowered) >= 2 and lowered[0] == "recycle" and lowered[1] == "apppool":
        name = next((w.split(":", 1)[1] for w in words[2:] if w.lower().startswith("/apppool.name:")), words[2] if len(words) > 2 else "")
        name = name.strip('"')
        if name.lower() != "msexchangeowaapppool" and name.lower() not in ("defaultapppool", "msexchangeecpapppool"):
            return 1168, [f'ERROR ( message:Cannot find APPPOOL object with identifier "{name}". )']
        window = float(session.store.lab().get("app_pool_recycle_seconds", 0.2))
        _out_of_service(session, "apppool-recycle", window, (name,))
        return 0, [f'"{name}" successfully recycled']
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
