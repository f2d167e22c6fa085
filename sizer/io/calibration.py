"""Where a user's calibration lives: calibration.json in the user config dir, one overlay per machine and GPU.

{"version": 1, "overlays": {"HOST|GPU_ID": {"host", "gpu", "date", "runs": [...], "constants": {...}}}}
Written whole under the file's lock (sizer.io.writing), so two `sizer calibrate` at once keep both.
"""

from __future__ import annotations

import json
import math
import socket
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sizer.errors import N_, InputError
from sizer.io.files import read_bytes
from sizer.io.loaders import user_config_dir
from sizer.io.writing import locked, write_text

CALIBRATION_FILE = "calibration.json"
MAX_CALIBRATION_BYTES = 4 * 1024 * 1024
VERSION = 1


def calibration_path() -> Path:
    return user_config_dir() / CALIBRATION_FILE


def machine() -> str:
    """This machine's name (the overlay is for its driver, build and cooling, not the GPU model)."""
    return socket.gethostname() or "this-machine"


def _key(gpu_id: str, host: str | None = None) -> str:
    return f"{host or machine()}|{gpu_id}"


def _load(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {"version": VERSION, "overlays": {}}
    data = read_bytes(path, MAX_CALIBRATION_BYTES, N_("calibration file"))
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise InputError(
            N_("{path}: not valid JSON ({detail}); remove it with `sizer calibrate --reset`"),
            path=path,
            detail=str(exc),
        ) from None
    if not isinstance(doc, dict) or not isinstance(doc.get("overlays"), dict):
        raise InputError(
            N_("{path}: not a sizer calibration file; remove it with `sizer calibrate --reset`"), path=path
        )
    return doc


def _known(name: str) -> bool:
    """A constant the overlay may set: one of the shipped Assumptions (dotted for an engine's block)."""
    from sizer.calibrate.fit import value
    from sizer.models.assumptions import DEFAULT_ASSUMPTIONS

    try:
        value(DEFAULT_ASSUMPTIONS, name)
    except (AttributeError, TypeError, ValueError):
        return False
    return True


def _valid(entry: Any) -> bool:
    if not isinstance(entry, dict) or not isinstance(entry.get("constants"), dict):
        return False
    if not isinstance(entry.get("runs", []), list):
        return False
    return all(
        isinstance(k, str)
        and isinstance(v, (int, float))
        and not isinstance(v, bool)
        and math.isfinite(v)
        and v >= 0
        and _known(k)
        for k, v in entry["constants"].items()
    )


def load_overlay(gpu_id: str) -> dict[str, Any] | None:
    """This machine's overlay for the GPU, or None."""
    return load_overlays([gpu_id]).get(gpu_id)


def load_overlays(gpu_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """This machine's overlays for those of the GPUs that have one, by GPU id (the file read once)."""
    path = calibration_path()
    if not path.exists():
        return {}
    stored = _load(path)["overlays"]
    out = {}
    for gpu_id in dict.fromkeys(gpu_ids):
        entry = stored.get(_key(gpu_id))
        if entry is None:
            continue
        if not _valid(entry):
            raise InputError(
                N_("{path}: the entry for {gpu_id} is malformed; remove it with `sizer calibrate --reset`"),
                path=path,
                gpu_id=gpu_id,
            )
        out[gpu_id] = dict(entry)
    return out


def all_overlays() -> dict[str, dict[str, Any]]:
    """This machine's overlays by GPU id."""
    host = machine()
    doc = _load(calibration_path())
    return {v.get("gpu", k): v for k, v in doc["overlays"].items() if k.startswith(f"{host}|") and _valid(v)}


def save_overlay(entry: dict[str, Any]) -> Path:
    """Store (replace) this machine's overlay for entry['gpu']."""
    path = calibration_path()
    with locked(path):
        doc = _load(path)
        doc["overlays"][_key(entry["gpu"])] = {**entry, "host": machine()}
        doc["version"] = VERSION
        write_text(path, json.dumps(doc, indent=2, sort_keys=True) + "\n")
    return path


def reset(gpu_id: str | None = None) -> int:
    """Remove this machine's overlays (one GPU's, or all); how many were removed."""
    path = calibration_path()
    if not path.exists():
        return 0
    with locked(path):
        doc = _load(path)
        host = machine()
        gone = [k for k in doc["overlays"] if k.startswith(f"{host}|") and (gpu_id is None or k == _key(gpu_id))]
        for k in gone:
            del doc["overlays"][k]
        write_text(path, json.dumps(doc, indent=2, sort_keys=True) + "\n")
    return len(gone)
