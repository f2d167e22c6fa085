"""sizer calibrate: fit this machine's speed constants to runs you measured, for later estimates."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated, Any

import typer

from sizer.bounds import MAX_BATCH, MAX_CONTEXT
from sizer.cli import options as o
from sizer.cli.output import count, emit, handle_errors, note, warn
from sizer.errors import N_, InputError
from sizer.render.i18n import _, fill, ngettext

FilesArg = Annotated[
    list[Path] | None,
    typer.Argument(
        help="Benchmark outputs: llama-bench (json/jsonl/csv/md), llama-batched-bench, vllm bench serve, "
        "vllm bench latency, ollama."
    ),
]
MAX_FILES = 1000


def _pct(pred: float, meas: float) -> float:
    return round(100 * (pred - meas) / meas, 1)


@handle_errors
def calibrate(
    files: FilesArg = None,
    gpu: o.GpuOpt = None,
    model: Annotated[
        str | None,
        typer.Option("--model", "-m", help="The model of files that do not name it (ollama, llama-batched-bench)."),
    ] = None,
    input_len: Annotated[
        int | None, typer.Option("--input-len", help="vllm bench latency runs: the --input-len they ran with.")
    ] = None,
    output_len: Annotated[
        int | None, typer.Option("--output-len", help="vllm bench latency runs: the --output-len they ran with.")
    ] = None,
    batch_size: Annotated[
        int | None, typer.Option("--batch-size", help="vllm bench latency runs: the --batch-size they ran with.")
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Fit and show, but store nothing.")] = False,
    show_stored: Annotated[bool, typer.Option("--show", help="Show this machine's stored calibration.")] = False,
    reset: Annotated[
        bool, typer.Option("--reset", help="Remove this machine's calibration (of --gpu, or all).")
    ] = False,
    json_out: o.JsonOpt = False,
    lang: o.LangOpt = None,
) -> None:
    """Calibrate estimates on runs you measured on this machine (stored per machine and GPU).

    Reads the outputs of llama-bench (-o json, jsonl, csv or its Markdown table), llama-batched-bench,
    `vllm bench serve --save-result`, `vllm bench latency --output-json` (with --input-len,
    --output-len and --batch-size, which its file does not hold) and `ollama run --verbose`, matches
    each run to a catalog model and GPU, and fits this machine's efficiencies as an overlay on the
    shipped constants: one run moves them a little, many runs a lot. `estimate`, `recommend` and
    `check` then use the overlay for that GPU (--no-calibration ignores it).

    \b
    Examples:
      llama-bench -m Qwen2.5-7B-Instruct-Q4_K_M.gguf -o json > bench.json
      sizer calibrate bench.json
      sizer calibrate run.txt --model llama3.1:8b --gpu "RTX 4090"   # ollama run --verbose output
      sizer calibrate bench.json --dry-run --json
      sizer calibrate latency.json --model Qwen/Qwen3-8B --input-len 256 --output-len 128 --batch-size 8
      sizer calibrate --show
      sizer calibrate --reset
    """
    from sizer.io import calibration as store

    if reset:
        _reset(files, gpu, json_out)
        return
    if show_stored:
        if files:
            raise InputError(N_("--show takes no files"))
        _show(store.all_overlays(), json_out)
        return
    if not files:
        raise InputError(N_("give benchmark files to calibrate on, or --show, or --reset"))
    if len(files) > MAX_FILES:
        raise InputError(N_("at most {most} files, got {got}"), most=MAX_FILES, got=len(files))
    from sizer.io.runs import RunShape

    for name, value, high in (
        ("--input-len", input_len, MAX_CONTEXT),
        ("--output-len", output_len, MAX_CONTEXT),
        ("--batch-size", batch_size, MAX_BATCH),
    ):
        count(name, value, high)
    entries, left = _fit(files, gpu, model, RunShape(input_len, output_len, batch_size))
    unmatched = [{"source": u.run.source, "reason": u.reason} for u in left]
    if not dry_run:
        for entry in entries:
            store.save_overlay(entry)
    if json_out:
        emit(json.dumps({"stored": not dry_run, "overlays": entries, "unmatched": unmatched}, indent=2))
        return
    for u in left:
        why = fill(_(u.template), **dict(u.values))
        note(fill(_("left out {source}: {reason}"), source=u.run.source, reason=why))
    if not entries:
        raise InputError(N_("no run could be matched to a catalog model and GPU; nothing calibrated"))
    _show({e["gpu"]: e for e in entries}, False)
    if dry_run:
        note(_("--dry-run: nothing stored"))


def _reset(files: list[Path] | None, gpu: str | None, json_out: bool) -> None:
    """Remove this machine's overlays (of --gpu, or all) and say how many."""
    from sizer.io import calibration as store

    if files:
        raise InputError(N_("--reset takes no files"))
    gpu_id = None
    if gpu is not None:
        from sizer.io.loaders import load_catalog

        gpu_id = load_catalog(warn=warn).match_gpu(gpu).gpu.id
    removed = store.reset(gpu_id)
    if json_out:
        emit(json.dumps({"removed": removed}))
        return
    template = ngettext(
        "removed {removed} calibration of this machine", "removed {removed} calibrations of this machine", removed
    )
    emit(fill(template, removed=removed))


def _fit(files: list[Path], gpu: str | None, model: str | None, shape: Any) -> tuple[list[dict[str, Any]], list[Any]]:
    from sizer.calibrate.fit import predict
    from sizer.calibrate.user import apply, fit_overlay
    from sizer.io.loaders import load_catalog
    from sizer.io.runs import match, read_runs
    from sizer.models.assumptions import DEFAULT_ASSUMPTIONS

    catalog = load_catalog(warn=warn)
    measured = [run for path in files for run in read_runs(path, model, shape)]
    target, count = None, 1
    if gpu is not None:
        found = catalog.match_gpu(gpu)
        target, count = found.gpu, found.count or 1
    elif any(not run.gpu for run in measured):
        from sizer.cli.hardware import resolve_hardware

        try:
            hw = resolve_hardware(catalog, None, None, None, "llama.cpp")
            if hw.rigs:
                target, count = hw.rigs[0].gpu, 1
        except InputError:
            target = None
    rows, left = match(measured, catalog, target, count)
    by_gpu: dict[str, list[Any]] = {}
    for r in rows:
        by_gpu.setdefault(r.gpu.id, []).append(r)
    today = dt.date.today().isoformat()
    entries = []
    for gpu_id, group in by_gpu.items():
        overlay = fit_overlay(group, DEFAULT_ASSUMPTIONS)
        calibrated = apply(DEFAULT_ASSUMPTIONS, overlay)
        runs = []
        for r in group:
            shipped, mine = predict(r, DEFAULT_ASSUMPTIONS), predict(r, calibrated)
            runs.append(
                {
                    "run": r.label,
                    "kind": r.kind,
                    "model": r.model.id,
                    "quant": r.quant,
                    "measured": round(r.measured, 3),
                    "shipped": round(shipped, 3),
                    "calibrated": round(mine, 3),
                    "shipped_error_pct": _pct(shipped, r.measured),
                    "calibrated_error_pct": _pct(mine, r.measured),
                }
            )
        entries.append(
            {"gpu": gpu_id, "gpu_name": group[0].gpu.name, "date": today, "constants": overlay, "runs": runs}
        )
    return entries, left


def _show(overlays: dict[str, dict[str, Any]], json_out: bool) -> None:
    if json_out:
        emit(json.dumps({"overlays": list(overlays.values())}, indent=2))
        return
    if not overlays:
        emit(_("no calibration on this machine (sizer calibrate FILE... makes one)"))
        return
    lines = []
    for entry in overlays.values():
        runs = entry.get("runs", [])
        template = ngettext(
            "{gpu}: calibrated on {runs} run, {date}", "{gpu}: calibrated on {runs} runs, {date}", len(runs)
        )
        lines.append(
            fill(template, gpu=entry.get("gpu_name", entry["gpu"]), runs=len(runs), date=entry.get("date", "?"))
        )
        for name, x in sorted(entry["constants"].items()):
            lines.append(f"  {name} = {x:.4g}")
        heads = (_("run"), _("measured"), _("shipped"), _("err"), _("calibrated"), _("err"))
        lines.append(f"  {heads[0]:<60} {heads[1]:>10} {heads[2]:>10} {heads[3]:>7} {heads[4]:>10} {heads[5]:>7}")
        for r in runs:
            if not _shown(r):
                continue  # a row of a hand-edited file that lacks its figures
            lines.append(
                f"  {r['run'][:60]:<60} {r['measured']:>10.1f} {r['shipped']:>10.1f} {r['shipped_error_pct']:>6.1f}%"
                f" {r['calibrated']:>10.1f} {r['calibrated_error_pct']:>6.1f}%"
            )
    emit("\n".join(lines))


_FIGURES = ("measured", "shipped", "shipped_error_pct", "calibrated", "calibrated_error_pct")


def _shown(r: Any) -> bool:
    """Whether a stored run has what the --show table prints: its label and five numbers."""
    if not isinstance(r, dict) or not isinstance(r.get("run"), str):
        return False
    return all(isinstance(r.get(k), (int, float)) and not isinstance(r.get(k), bool) for k in _FIGURES)
