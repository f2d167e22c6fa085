"""Bounded JSON parsing for untrusted model files: a size cap before reading, a nesting guard."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sizer.errors import InputError
from sizer.units import MiB

MAX_JSON_BYTES = 16 * MiB  # config.json and index files are kilobytes; refuse larger unread


def parse_json(data: bytes, where: str, what: str = "JSON") -> Any:
    """Decode UTF-8 JSON bytes; any problem (encoding, syntax, absurd nesting) is one InputError line."""
    try:
        return json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise InputError(f"{where}: {what} is not UTF-8 text") from None
    except RecursionError:
        raise InputError(f"{where}: {what} is nested too deeply") from None
    except ValueError as exc:
        raise InputError(f"{where}: {what} is not valid JSON ({str(exc).splitlines()[0]})") from None


def read_json_file(path: Path, max_bytes: int = MAX_JSON_BYTES) -> Any:
    """Read a JSON file of bounded size (the size is checked before anything is read)."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise InputError(f"{path}: {size} bytes, more than the {max_bytes} a JSON file here may have")
        with path.open("rb") as f:
            data = f.read(max_bytes + 1)
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    return parse_json(data, str(path))
