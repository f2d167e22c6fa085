"""The user's calibration overlay applied to a command's assumptions (estimate, recommend, check)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def _used(gpu_id: str, entry: dict[str, Any]) -> Any:
    from sizer.models.results import Calibration

    return Calibration(
        gpu=gpu_id,
        runs=len(entry.get("runs", [])),
        date=str(entry.get("date", "")),
        constants={k: float(v) for k, v in entry["constants"].items()},
    )


def calibrated(a: Any, gpu: Any, off: bool = False) -> tuple[Any, Any]:
    """`a` with this machine's overlay for `gpu` (sizer calibrate), and the Calibration it used (or None).

    `off` (--no-calibration): `a` as it is.
    """
    found = calibrations(a, [gpu.id], off)
    return found.get(gpu.id, (a, None))


def calibrations(a: Any, gpu_ids: Iterable[str], off: bool = False) -> dict[str, tuple[Any, Any]]:
    """For each of the GPUs (by id) that has an overlay on this machine: `a` with it, and the
    Calibration it used; the file is read once. `off` (--no-calibration): none."""
    if off:
        return {}
    from sizer.io.calibration import load_overlays

    found = {gpu_id: entry for gpu_id, entry in load_overlays(gpu_ids).items() if entry["constants"]}
    if not found:  # most machines: no overlay, and no need to import the fitting code
        return {}
    from sizer.calibrate.user import apply

    return {gpu_id: (apply(a, entry["constants"]), _used(gpu_id, entry)) for gpu_id, entry in found.items()}


def calibrated_options(options: Iterable[Any], off: bool = False) -> list[Any]:
    """recommend's hardware options, each GPU with an overlay on this machine carrying its own
    constants and the Calibration they came from (the core sizes it with them)."""
    from sizer.models.assumptions import DEFAULT_ASSUMPTIONS

    options = list(options)
    found = calibrations(DEFAULT_ASSUMPTIONS, [o.gpu.id for o in options], off)
    return [
        o.model_copy(update={"assumptions": found[o.gpu.id][0], "calibration": found[o.gpu.id][1]})
        if o.gpu.id in found
        else o
        for o in options
    ]


def calibrated_line(calibration: Any) -> str:
    """The sentence that says a calibration applied."""
    from sizer.render.i18n import fill, ngettext

    template = ngettext(
        "calibrated on {runs} run of yours, {date} (--no-calibration: the shipped constants)",
        "calibrated on {runs} runs of yours, {date} (--no-calibration: the shipped constants)",
        calibration.runs,
    )
    return fill(template, runs=calibration.runs, date=calibration.date)


def say_calibrated(calibration: Any, gpu_name: str | None = None) -> None:
    """The line under a text result that says a calibration applied (`gpu_name`: where a result
    spans GPUs, the one it applied to)."""
    if calibration is None:
        return
    from sizer.cli.output import emit

    line = calibrated_line(calibration)
    emit(f"{gpu_name}: {line}" if gpu_name else line)
