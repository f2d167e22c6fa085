"""sizer check: does each hardware offer of a procurement spec meet every workload? Exit 1 if not."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from sizer.cli import options as o
from sizer.cli.output import choose_format, emit, handle_errors, show, warn
from sizer.errors import N_, InputError, SizerError

FORMATS = ("text", "json", "junit", "github")


@handle_errors
def check(
    specs: Annotated[list[Path], typer.Argument(help="Procurement spec files (YAML).")],
    output_format: Annotated[str | None, o.format_option(*FORMATS)] = None,
    hardware: o.HardwareOpt = None,
    json_out: o.JsonOpt = False,
    no_calibration: o.NoCalibrationOpt = False,
    lang: o.LangOpt = None,
) -> None:
    """Check procurement specs: does each hardware offer meet every workload? Exit 1 if not.

    \b
    Exit codes: 0 every requirement met, 1 some not met, 2 a spec unreadable or invalid.
    Examples:
      sizer check spec.yaml
      sizer check offers/*.yaml --format junit > sizer-report.xml
      sizer check spec.yaml --format github
      sizer check spec.yaml --hardware delivered.json   # acceptance test of the machine delivered
    """
    from sizer.io.loaders import load_catalog, load_spec
    from sizer.io.weights_cache import remembered_weights

    chosen = choose_format(output_format, json_out, FORMATS)
    catalog = load_catalog(warn=warn)
    loaded = [(str(path), *load_spec(path)) for path in specs]  # every spec valid before any is checked
    delivered = _delivered(catalog, hardware)
    calibrated, used = _calibrations(catalog, loaded, delivered, no_calibration)
    with remembered_weights():
        reports = _checked(loaded, catalog, delivered, calibrated)
    _print(chosen, reports, used)
    raise typer.Exit(0 if all(r.passed for _, r, _ in reports) else 1)


def _checked(loaded: list[Any], catalog: Any, delivered: Any, calibrated: dict[str, Any]) -> list[Any]:
    """(origin, report, lines) of every spec, in order."""
    from sizer.core.spec import check as run_check
    from sizer.io.loaders import load_cost_settings, load_interconnects

    reports = []
    for origin, spec, lines in loaded:
        try:
            rates = load_cost_settings().exchange_rates  # the dated rate every amount converts at
            links = load_interconnects()  # the link between an offer's nodes
            report = run_check(
                spec, catalog, delivered=delivered, rates=rates, interconnects=links, calibrated=calibrated
            )
            reports.append((origin, report, lines))
        except SizerError as err:  # a name in the spec that resolves to nothing: the spec is invalid
            raise InputError(N_("{origin}: {error}"), origin=origin, error=err) from None
    return reports


def _delivered(catalog: Any, hardware: Path | None) -> list[tuple[str, Any, int]] | None:
    """The GPUs of a delivered machine's hardware file, for an acceptance test (None: check the offers)."""
    if hardware is None:
        return None
    from sizer.cli.hardware import resolve_hardware

    target = resolve_hardware(catalog, None, None, hardware, None, skip_unknown=True)
    if not target.rigs:
        raise InputError(N_("{path}: no GPU to check"), path=str(hardware))
    return [(f"{r.count} x {r.gpu.name} ({hardware.name})", r.gpu, r.count) for r in target.rigs]


def _calibrations(
    catalog: Any, loaded: list[Any], delivered: list[tuple[str, Any, int]] | None, off: bool
) -> tuple[dict[str, Any], list[tuple[str, Any]]]:
    """The user's calibration: constants per GPU id (for every GPU with an overlay, the other GPUs
    suggested included), and (GPU name, Calibration) for the GPUs the specs offer or were delivered."""
    from sizer.cli.calibration import calibrations
    from sizer.errors import SizerError
    from sizer.models.assumptions import DEFAULT_ASSUMPTIONS

    offered = [gpu for _, gpu, _ in delivered] if delivered is not None else []
    for _, spec, _ in loaded if delivered is None else ():
        for _, offer in spec.all_offers:
            for line in offer.gpus:
                try:
                    offered.append(catalog.gpu(line.name))
                except SizerError:  # run_check names the unknown GPU with its spec
                    continue
    ids = [g.id for g in catalog.gpus] + [g.id for g in offered]
    found = calibrations(DEFAULT_ASSUMPTIONS, ids, off)
    names = {g.id: g.name for g in offered}
    used = [(names[gpu_id], found[gpu_id][1]) for gpu_id in names if gpu_id in found]
    return {gpu_id: a for gpu_id, (a, _) in found.items()}, used


def _print(chosen: str, reports: list[tuple[str, Any, dict[str, int]]], used: list[tuple[str, Any]]) -> None:
    if chosen == "json":
        from sizer.render.json import to_json

        passed = all(r.passed for _, r, _ in reports)
        specs = [{"file": o, **r.model_dump(mode="json")} for o, r, _ in reports]
        emit(to_json({"passed": passed, "specs": specs, "calibration": [c.model_dump(mode="json") for _, c in used]}))
    elif chosen == "junit":
        from sizer.render.junit import check_junit

        emit(check_junit([(o, r) for o, r, _ in reports]))
    elif chosen == "github":
        from sizer.render.github import check_github

        emit(check_github(reports))
    else:
        from sizer.cli.calibration import say_calibrated
        from sizer.render.text import check_text

        for origin, report, _ in reports:
            show(check_text(report, origin))
        for name, calibration in used:
            say_calibrated(calibration, name)
