"""Opening untrusted files: regular files only, the size checked before anything is read.

A FIFO would block the read forever, a device (/dev/zero) never ends, and a directory is not a
file; each is refused from `os.stat` before the file is opened. The file is then opened without
blocking and checked again on the descriptor, in case the path was swapped in between.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from sizer.errors import N_, InputError, Message

_KINDS = (
    (stat.S_ISDIR, N_("a directory")),
    (stat.S_ISFIFO, N_("a named pipe")),
    (stat.S_ISCHR, N_("a character device")),
    (stat.S_ISBLK, N_("a block device")),
    (stat.S_ISSOCK, N_("a socket")),
)
# O_NONBLOCK: opening a FIFO that appeared after the stat returns at once instead of waiting for a
# writer. It does nothing to regular files. Windows has neither FIFOs nor the flag.
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0)


def _not_regular(path: Path, mode: int, what: str) -> InputError:
    kind = next((name for test, name in _KINDS if test(mode)), N_("not a regular file"))
    return InputError(
        N_("{path}: {kind}, not a regular file; a {what} must be a file"),
        path=path,
        kind=Message(kind),
        what=Message(what),
    )


def regular_size(path: Path, what: str) -> int:
    """The size in bytes of `path` if it is a regular file (after symlinks); InputError otherwise."""
    try:
        info = path.stat()
    except OSError as exc:
        raise InputError(N_("{path}: cannot read: {reason}"), path=path, reason=exc.strerror or exc) from None
    except ValueError:  # an embedded NUL byte
        raise InputError(N_("{path!r}: not a valid path"), path=path) from None
    if not stat.S_ISREG(info.st_mode):
        raise _not_regular(path, info.st_mode, what)
    return info.st_size


@contextmanager
def open_regular(path: Path, what: str, max_bytes: int | None = None) -> Iterator[tuple[BinaryIO, int]]:
    """A regular file opened for binary reading, and its size (at most `max_bytes` when given).

    `what` names the file in messages ('spec', 'hardware file', 'GGUF file').
    """
    size = regular_size(path, what)
    if max_bytes is not None and size > max_bytes:
        raise InputError(
            N_("{path}: {size} bytes, more than the {most} a {what} may have"),
            path=path,
            size=size,
            most=max_bytes,
            what=Message(what),
        )
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except OSError as exc:
        raise InputError(N_("{path}: cannot read: {reason}"), path=path, reason=exc.strerror or exc) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise _not_regular(path, info.st_mode, what)
        f = os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
    with f:
        yield f, info.st_size


def read_bytes(path: Path, max_bytes: int, what: str) -> bytes:
    """The bytes of a regular file of at most `max_bytes` (refused unread when larger)."""
    try:
        with open_regular(path, what, max_bytes) as (f, size):
            data = f.read(min(size, max_bytes) + 1)  # read(n) allocates n bytes before reading
    except OSError as exc:
        raise InputError(N_("{path}: cannot read: {reason}"), path=path, reason=exc.strerror or exc) from None
    if len(data) > max_bytes:  # it grew after the size was checked
        raise InputError(
            N_("{path}: more than the {most} bytes a {what} may have"), path=path, most=max_bytes, what=Message(what)
        )
    return data
