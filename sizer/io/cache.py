"""A cache of the validated shipped catalogs, so that a command skips parsing their YAML.

An entry is JSON: the validated objects' `model_dump(mode="json", exclude_unset=True)`, validated
again on load like the YAML they came from, so a damaged or edited file yields at worst wrong
numbers, never code run (no pickle). A file's name carries its key, a hash of everything the
entry follows from: the sizer and pydantic versions, the source of the modules that define and
build the entries, and the shipped YAML files. Whatever is wrong with the cache (missing, stale,
corrupt, unreadable or read-only) costs only the parse: reads and writes never raise. The cache
lives in the platform's user cache directory, or in $SIZER_CACHE_DIR.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sizer.constants import CACHE_DIR_ENV
from sizer.errors import InputError

MAX_ENTRY_BYTES = 32 * 2**20  # the catalogs' entry is a few hundred KiB; ignore anything far larger unread
# Entries kept per kind, newest first: a few installs or checkouts of different versions can share
# the directory without rewriting each other's entry on every call, and old ones do not pile up.
KEEP_PER_KIND = 4


def cache_dir() -> Path:
    """$SIZER_CACHE_DIR, else the platform's user cache directory for sizer."""
    override = os.environ.get(CACHE_DIR_ENV)
    if override:
        return Path(override).expanduser()
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("sizer"))


def cache_key(parts: Iterable[bytes]) -> str:
    """A hex digest of `parts`, each length-prefixed so that no two sequences give the same stream."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(len(part).to_bytes(8, "little"))
        digest.update(part)
    return digest.hexdigest()[:32]


def _path(kind: str, key: str) -> Path:
    return cache_dir() / f"{kind}-{key}.json"


def read_bytes(kind: str, key: str) -> bytes | None:
    """The bytes stored for (`kind`, `key`), unparsed; None when there are none, they cannot be
    read or they are far larger than an entry."""
    try:
        with _path(kind, key).open("rb") as file:
            data = file.read(MAX_ENTRY_BYTES + 1)
    except OSError:  # missing or unreadable
        return None
    return data if len(data) <= MAX_ENTRY_BYTES else None


def read_entry(kind: str, key: str) -> Any:
    """The JSON document stored for (`kind`, `key`); None when there is none or it cannot be read."""
    data = read_bytes(kind, key)
    try:
        return None if data is None else json.loads(data)
    except ValueError:  # not UTF-8 or not JSON
        return None


def write_entry(kind: str, key: str, document: Any) -> None:
    """Store `document` as JSON for (`kind`, `key`), atomically (sizer.io.writing, as every file
    sizer writes); of that kind's entries, only the KEEP_PER_KIND newest stay.

    Best effort: a cache directory that cannot be created or written leaves the command as it was.
    """
    from sizer.io.writing import write_text

    path = _path(kind, key)
    try:
        write_text(path, json.dumps(document, ensure_ascii=False, separators=(",", ":"), allow_nan=False))
        entries = sorted(path.parent.glob(f"{kind}-*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in entries[KEEP_PER_KIND:]:
            if old != path:
                old.unlink(missing_ok=True)
    except (InputError, OSError, ValueError, TypeError):
        pass
