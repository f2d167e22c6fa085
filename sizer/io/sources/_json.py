"""Bounded JSON parsing for untrusted model files: regular files only, a size cap before reading,
a nesting guard."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sizer.bounds import MAX_JSON_BYTES, echo
from sizer.errors import N_, InputError, Message
from sizer.io.files import read_bytes

__all__ = ["MAX_JSON_BYTES", "parse_json", "read_json_file"]


def parse_json(data: bytes, where: str, what: str = "JSON") -> Any:
    """Decode UTF-8 JSON bytes; any problem (encoding, syntax, absurd nesting) is one InputError line."""
    try:
        return json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise InputError(N_("{where}: {what} is not UTF-8 text"), where=where, what=Message(what)) from None
    except RecursionError:
        raise InputError(N_("{where}: {what} is nested too deeply"), where=where, what=Message(what)) from None
    except ValueError as exc:
        raise InputError(
            N_("{where}: {what} is not valid JSON ({detail})"),
            where=where,
            what=Message(what),
            detail=echo(str(exc).splitlines()[0]),
        ) from None


def read_json_file(path: Path, max_bytes: int = MAX_JSON_BYTES, what: str = N_("JSON file")) -> Any:
    """Read a JSON regular file of bounded size (type and size are checked before anything is read)."""
    return parse_json(read_bytes(path, max_bytes, what), str(path))
