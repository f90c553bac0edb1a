# Copyright: (c) 2026, exchange.owa_im contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Once one server of a rolling reset failed, the servers the same task has not reset yet are left alone.

Why a file: a throttled task (``throttle: 1``) still runs on every host of the play, one after the other, and
``any_errors_fatal`` stops the play only after the task has run everywhere (ansible-core's linear strategy checks it
when the task is done on all hosts). So a server that does not answer after its reset, or whose OWA logged an IM error,
would not keep the next server from being reset. Each host's task runs in its own worker process, forked from
ansible-playbook; the one thing they share is the controller's disk. The marker lives in ansible-playbook's own
temporary folder for this run (``DEFAULT_LOCAL_TMP``, made at start and removed at exit, shared by its workers) and is
named after the task, so it stops the rest of this task in this run only, and a later run starts clean.
"""

from __future__ import annotations

import errno
import os
import re
import typing as t

_UNSAFE = re.compile(r"[^A-Za-z0-9-]")
_MAX_REASON = 2000


def marker_path(local_tmp: str, task_uuid: str) -> str:
    """The marker of one task of this run, in ansible-playbook's temporary folder."""
    return os.path.join(local_tmp, "exchange.owa_im-reset-halt-%s" % (_UNSAFE.sub("", str(task_uuid))[:64] or "task"))


def record_failure(path: str, host: str, reason: str) -> None:
    """Say which host failed first and why; a later failure leaves the first one's words."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as exc:
        if exc.errno == errno.EEXIST:
            return
        raise
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write("%s\n%s\n" % (host.replace("\n", " ")[:200], reason.replace("\n", " ")[:_MAX_REASON]))


def earlier_failure(path: str) -> t.Optional[t.Tuple[str, str]]:
    """(host, reason) of the first failure of this task, or None when none failed."""
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            lines = handle.read(_MAX_REASON + 400).split("\n")
    except FileNotFoundError:
        return None
    return (lines[0] or "another server", lines[1] if len(lines) > 1 else "")
