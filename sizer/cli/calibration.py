"""The user's calibration overlay applied to a command's assumptions (estimate; recommend and check later)."""

from __future__ import annotations

from typing import Any


def calibrated(a: Any, gpu: Any, off: bool = False) -> tuple[Any, Any]:
    """`a` with this machine's overlay for `gpu` (sizer calibrate), and the Calibration it used (or None).

    `off` (--no-calibration): `a` as it is.
    """
    if off:
        return a, None
    from sizer.calibrate.user import apply
    from sizer.io.calibration import load_overlay
    from sizer.models.results import Calibration

    entry = load_overlay(gpu.id)
    if not entry or not entry["constants"]:
        return a, None
    used = Calibration(
        gpu=gpu.id,
        runs=len(entry.get("runs", [])),
        date=str(entry.get("date", "")),
        constants={k: float(v) for k, v in entry["constants"].items()},
    )
    return apply(a, entry["constants"]), used


def say_calibrated(calibration: Any) -> None:
    """The line under a text estimate that says a calibration applied."""
    if calibration is None:
        return
    from sizer.cli.output import emit

    emit(
        f"calibrated on {calibration.runs} runs of yours, {calibration.date} (--no-calibration: the shipped constants)"
    )
