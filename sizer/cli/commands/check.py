"""sizer check: does each hardware offer of a procurement spec meet every workload? Exit 1 if not."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from sizer.cli import options as o
from sizer.cli.output import choose_format, emit, handle_errors, show, warn
from sizer.errors import InputError, SizerError

FORMATS = ("text", "json", "junit", "github")


@handle_errors
def check(
    specs: Annotated[list[Path], typer.Argument(help="Procurement spec files (YAML).")],
    output_format: Annotated[str | None, o.format_option(*FORMATS)] = None,
    hardware: o.HardwareOpt = None,
    json_out: o.JsonOpt = False,
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
    from sizer.core.spec import check as run_check
    from sizer.io.loaders import load_catalog, load_cost_settings, load_spec

    chosen = choose_format(output_format, json_out, FORMATS)
    catalog = load_catalog(warn=warn)
    loaded = [(str(path), *load_spec(path)) for path in specs]  # every spec valid before any is checked
    delivered = _delivered(catalog, hardware)
    reports = []
    for origin, spec, lines in loaded:
        try:
            rates = load_cost_settings().exchange_rates  # the dated rate every amount converts at
            reports.append((origin, run_check(spec, catalog, delivered=delivered, rates=rates), lines))
        except SizerError as err:  # a name in the spec that resolves to nothing: the spec is invalid
            raise InputError(f"{origin}: {err}") from None
    _print(chosen, reports)
    raise typer.Exit(0 if all(r.passed for _, r, _ in reports) else 1)


def _delivered(catalog: Any, hardware: Path | None) -> list[tuple[str, Any, int]] | None:
    """The GPUs of a delivered machine's hardware file, for an acceptance test (None: check the offers)."""
    if hardware is None:
        return None
    from sizer.cli.hardware import resolve_hardware

    target = resolve_hardware(catalog, None, None, hardware, None, skip_unknown=True)
    if not target.rigs:
        raise InputError(f"{hardware}: no GPU to check")
    return [(f"{r.count} x {r.gpu.name} ({hardware.name})", r.gpu, r.count) for r in target.rigs]


def _print(chosen: str, reports: list[tuple[str, Any, dict[str, int]]]) -> None:
    if chosen == "json":
        from sizer.render.json import to_json

        passed = all(r.passed for _, r, _ in reports)
        emit(to_json({"passed": passed, "specs": [{"file": o, **r.model_dump(mode="json")} for o, r, _ in reports]}))
    elif chosen == "junit":
        from sizer.render.junit import check_junit

        emit(check_junit([(o, r) for o, r, _ in reports]))
    elif chosen == "github":
        from sizer.render.github import check_github

        emit(check_github(reports))
    else:
        from sizer.render.text import check_text

        for origin, report, _ in reports:
            show(check_text(report, origin))
