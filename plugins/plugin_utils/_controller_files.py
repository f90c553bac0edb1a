# Copyright: (c) 2026, exchange.owa_im contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Files the collection writes on the controller: private, never through a link, named from sanitised host names."""

from __future__ import annotations

import errno
import os
import re
import stat

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


def safe_name(host: str) -> str:
    """An inventory host name as a file-name part: no separators, no glob or shell characters, no leading dot."""
    cleaned = _UNSAFE.sub("_", host or "").lstrip(".")[:100]
    return cleaned or "_"


def private_directory(path: str) -> str:
    """The folder ``path``, made 0700 if missing; refused when it is a link, another user's, or writable by others.

    Raises OSError with a reason a person can act on.
    """
    folder = os.path.abspath(os.path.expanduser(path))
    if os.path.islink(folder):
        raise OSError(errno.ELOOP, "%s is a symbolic link; give the real folder" % folder)
    os.makedirs(folder, mode=0o700, exist_ok=True)
    info = os.lstat(folder)
    if not stat.S_ISDIR(info.st_mode):
        raise OSError(errno.ENOTDIR, "%s is not a folder" % folder)
    if info.st_uid != os.getuid():
        raise OSError(errno.EPERM, "%s belongs to another user (uid %d)" % (folder, info.st_uid))
    if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise OSError(errno.EPERM, "%s is writable by group or others (mode %o); chmod 700 it" % (folder, stat.S_IMODE(info.st_mode)))
    return folder
