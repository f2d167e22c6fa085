"""Every file sizer writes goes through here: an exclusive lock, a unique temporary file beside the
target, fsync, and an atomic replace.

Two sizer processes that change the same file at once (two `catalog add` in a script) take the
lock in turn, so neither loses the other's entry; a reader sees the old file or the new one, never
half of one; a crash or a full disk leaves the old file as it was. A symlinked target is followed
(the link stays and the file it points to is replaced), the target keeps its permission bits, and
a file its owner made read-only is refused rather than replaced.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

from sizer.errors import N_, InputError

# Writers hold the lock for the milliseconds a read-modify-write takes; waiting 30 s means another
# process is stuck, and saying so beats waiting forever.
LOCK_TIMEOUT_S = 30.0
# Permission bits of a new file when the process umask cannot be read (the usual umask 022).
_DEFAULT_UMASK = 0o022


def real_target(path: Path) -> Path:
    """The file a write to `path` changes: symlinks followed (a dangling link names the file to create)."""
    return Path(os.path.realpath(path))


def lock_path(path: Path) -> Path:
    """The lock file of `path`: beside the real target, so two links to one file share one lock."""
    target = real_target(path)
    return target.with_name(target.name + ".lock")


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold the exclusive lock of `path` (its `.lock` file) for a read-modify-write of it."""
    from filelock import FileLock, Timeout

    lock_file = lock_path(path)
    try:
        lock_file.parent.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(lock_file), timeout=LOCK_TIMEOUT_S)
        lock.acquire()
    except Timeout:
        raise InputError(
            N_(
                "{path}: another process has held {lock} for {seconds:g} s; try again when it is "
                "done (or delete the lock file if no sizer is running)"
            ),
            path=path,
            lock=lock_file.name,
            seconds=LOCK_TIMEOUT_S,
        ) from None
    except OSError as exc:
        raise InputError(
            N_("{path}: cannot lock for writing: {reason}"), path=path, reason=exc.strerror or exc
        ) from None
    try:
        yield
    finally:
        lock.release()


def _umask() -> int:
    """The process umask, read without changing it (os.umask would, for every thread at once)."""
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    return _DEFAULT_UMASK


def _existing_mode(target: Path, path: Path) -> int | None:
    """Permission bits of the file being replaced (None: there is none yet); refuses a read-only file."""
    try:
        st = target.stat()
    except FileNotFoundError:
        return None
    if not stat.S_ISREG(st.st_mode):
        raise InputError(N_("{path}: not a regular file; sizer writes only regular files"), path=path)
    mode = stat.S_IMODE(st.st_mode)
    if not mode & stat.S_IWUSR:
        raise InputError(
            N_("{path}: the file is read-only, so sizer leaves it as it is; make it writable (chmod u+w)"), path=path
        )
    return mode


def _fsync_directory(directory: Path) -> None:
    """Make the rename itself durable (POSIX; Windows cannot open a directory and needs no such step)."""
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_text(path: Path, text: str) -> Path:
    """Replace the file at `path` (through a symlink) with `text` in UTF-8, atomically; returns `path`.

    Take `locked(path)` around a read-modify-write. A read-only target, a directory or a write
    that fails (disk full, no permission) is one InputError line, and the old file stays.
    """
    target = real_target(path)
    try:
        mode = _existing_mode(target, path)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as exc:
        raise InputError(N_("{path}: cannot write: {reason}"), path=path, reason=exc.strerror or exc) from None
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        # mkstemp creates 0600; keep the replaced file's bits, or give a new file what open() would.
        tmp.chmod(mode if mode is not None else 0o666 & ~_umask())
        tmp.replace(target)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise InputError(N_("{path}: cannot write: {reason}"), path=path, reason=exc.strerror or exc) from None
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    _fsync_directory(target.parent)
    return path


def write_file(path: Path, text: str) -> Path:
    """`write_text` for a file sizer writes whole (a report, a manifest): no read-modify-write, so no
    lock and no `.lock` file left beside it; of two writers at once the last one's file stands, whole."""
    return write_text(path, text)
