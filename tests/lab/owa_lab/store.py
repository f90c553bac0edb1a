"""The lab's state on disk: the shared Active Directory, each server's own state, faults and the log.

Every server process of the lab reads and writes here under one file lock, so a change made
through one CAS is seen from all of them, as Active Directory makes it in a real organisation.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any


_LOCKS: dict[str, "_ReentrantFileLock"] = {}
_LOCKS_GUARD = threading.Lock()


class _ReentrantFileLock:
    """One writer at a time across the lab's processes and threads; nested use in a thread is fine."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.thread_lock = threading.RLock()
        self.depth = 0
        self.handle: Any = None

    def __enter__(self) -> None:
        self.thread_lock.acquire()
        if self.depth == 0:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.handle = open(self.path, "a+")
            fcntl.flock(self.handle, fcntl.LOCK_EX)
        self.depth += 1

    def __exit__(self, *exc: object) -> None:
        self.depth -= 1
        if self.depth == 0:
            fcntl.flock(self.handle, fcntl.LOCK_UN)
            self.handle.close()
            self.handle = None
        self.thread_lock.release()


class Store:
    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)
        key = str(self.root.resolve())
        with _LOCKS_GUARD:
            self._lock = _LOCKS.setdefault(key, _ReentrantFileLock(self.root / ".lock"))

    # ----- files ---------------------------------------------------------------------------------
    def path(self, *parts: str) -> Path:
        return self.root.joinpath(*parts)

    @contextlib.contextmanager
    def _locked(self, exclusive: bool) -> Iterator[None]:
        with self._lock:
            yield

    def _load(self, name: str) -> Any:
        try:
            return json.loads(self.path(name).read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}

    def _save(self, name: str, data: Any) -> None:
        target = self.path(name)
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_suffix(".tmp")
        temporary.write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")
        temporary.replace(target)

    def read(self, name: str) -> Any:
        with self._locked(False):
            return self._load(name)

    @contextlib.contextmanager
    def edit(self, name: str) -> Iterator[Any]:
        with self._locked(True):
            data = self._load(name)
            yield data
            self._save(name, data)

    def write(self, name: str, data: Any) -> None:
        with self._locked(True):
            self._save(name, data)

    # ----- named parts ---------------------------------------------------------------------------
    def directory(self) -> dict[str, Any]:
        return self.read("directory.json")

    def edit_directory(self) -> contextlib.AbstractContextManager[dict[str, Any]]:
        return self.edit("directory.json")

    def host(self, server: str) -> dict[str, Any]:
        return self.read(f"hosts/{server.upper()}.json")

    def edit_host(self, server: str) -> contextlib.AbstractContextManager[dict[str, Any]]:
        return self.edit(f"hosts/{server.upper()}.json")

    def faults(self, server: str) -> dict[str, Any]:
        data = self.read("faults.json")
        merged = dict(data.get("*", {}))
        merged.update(data.get(server.upper(), {}))
        return merged

    def lab(self) -> dict[str, Any]:
        return self.read("lab.json")

    # ----- the log -------------------------------------------------------------------------------
    def log(self, server: str, event: str, **details: Any) -> None:
        entry = {"time": time.time(), "server": server.upper(), "event": event}
        entry.update(details)
        line = json.dumps(entry, sort_keys=True, default=str) + "\n"
        log_dir = self.path("log")
        log_dir.mkdir(parents=True, exist_ok=True)
        # O_APPEND keeps concurrent writers' lines whole.
        fd = os.open(log_dir / f"{server.upper()}.jsonl", os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line.encode("utf-8"))
        finally:
            os.close(fd)

    def log_entries(self, server: str | None = None) -> list[dict[str, Any]]:
        log_dir = self.path("log")
        if not log_dir.is_dir():
            return []
        files = [log_dir / f"{server.upper()}.jsonl"] if server else sorted(log_dir.glob("*.jsonl"))
        entries: list[dict[str, Any]] = []
        for file in files:
            if file.exists():
                entries.extend(json.loads(line) for line in file.read_text(encoding="utf-8").splitlines() if line.strip())
        return sorted(entries, key=lambda e: e["time"])
