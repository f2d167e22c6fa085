"""sizer catalog models | gpus | add | repair: the shipped catalogs, and models of your own."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from sizer.bounds import MAX_CONTEXT
from sizer.cli import options as o
from sizer.cli.output import choose_format, count, emit, handle_errors, show, warn
from sizer.errors import N_, InputError

FORMATS = ("text", "json", "markdown")


def _width(chosen: str) -> int:
    """The terminal's width for text (fewer columns when narrow); Markdown keeps every column."""
    from sizer.cli.output import console

    return int(console().width) if chosen == "text" else 10_000


def _table_out(chosen: str, table: Any) -> None:
    if chosen == "markdown":
        from sizer.render.markdown import from_table

        emit(from_table(table))
    else:
        show(table)


@handle_errors
def models(
    quant: o.QuantOpt = "Q4_K_M",
    context: o.ContextOpt = 4096,
    output_format: Annotated[str | None, o.format_option(*FORMATS)] = None,
    json_out: o.JsonOpt = False,
    lang: o.LangOpt = None,
) -> None:
    """List the models: parameters, memory needed at a quant and context, smallest GPU that holds it.

    \b
    Examples:
      sizer catalog models
      sizer catalog models --quant Q8_0 --context 8192 --json
    """
    from sizer.core.recommend import model_memory, smallest_gpu_class
    from sizer.io.loaders import load_catalog
    from sizer.models import Workload

    chosen = choose_format(output_format, json_out, FORMATS)
    count("--context", context, MAX_CONTEXT)
    catalog = load_catalog(warn=warn)
    workload = Workload(quant=quant, context=context)
    rows = []
    for m in sorted(catalog.models, key=lambda m: (m.params_total, m.id)):
        need = model_memory(m, workload)
        rows.append((m, need, smallest_gpu_class(catalog, need)))
    if chosen == "json":
        from sizer.core.quality import QualityTable
        from sizer.models.catalog import SCORED_USE_CASES
        from sizer.render.json import to_json

        table = QualityTable(catalog.models, catalog.quant_losses)

        def entry(m: Any, need: int, cls: str) -> dict[str, Any]:
            # `quality`: the score per use case (sizer's 0-100 scale, as published weights);
            # `quality_mmlu`: the catalog's older single MMLU figure; `quality_by_use_case`: the raw scores.
            dumped = m.model_dump(mode="json")
            scores = [s.model_dump(mode="json") for s in table.scores(m, SCORED_USE_CASES)]
            return {
                **dumped,
                "quality": scores,
                "quality_mmlu": dumped["quality"],
                "memory_bytes_total": need,
                "smallest_gpu_class": cls,
            }

        emit(to_json({"quant": quant, "context": context, "models": [entry(m, n, c) for m, n, c in rows]}))
        return
    from sizer.render.text import models_table

    _table_out(chosen, models_table(rows, quant, context, _width(chosen)))


@handle_errors
def gpus(
    vendor: Annotated[
        str | None, typer.Option("--vendor", help="Only this vendor's GPUs: nvidia, amd, intel or apple.")
    ] = None,
    output_format: Annotated[str | None, o.format_option(*FORMATS)] = None,
    json_out: o.JsonOpt = False,
    lang: o.LangOpt = None,
) -> None:
    """List the GPUs: memory, bandwidth, compute, the largest catalog model each holds, price.

    \b
    Examples:
      sizer catalog gpus
      sizer catalog gpus --vendor amd
      sizer catalog gpus --format markdown
      sizer catalog gpus --json
    """
    from sizer.core.recommend import largest_fitting_model
    from sizer.io.loaders import load_catalog
    from sizer.models import Vendor, Workload
    from sizer.render.i18n import _, fill

    chosen = choose_format(output_format, json_out, FORMATS)
    vendors = [v.value for v in Vendor]
    if vendor is not None and vendor.strip().lower() not in vendors:
        raise InputError(
            N_("unknown vendor {vendor}; choose {choices}"), vendor=repr(vendor), choices=", ".join(vendors)
        )
    catalog = load_catalog(warn=warn)
    workload = Workload()
    rows = []
    for g in sorted(catalog.gpus, key=lambda g: (g.vendor.value, g.vram_gib, g.id)):
        if vendor is not None and g.vendor.value != vendor.strip().lower():
            continue
        best = largest_fitting_model(catalog, g, workload)
        rows.append((g, best))

    def suited(best: Any) -> str:
        return fill(_("models up to {name}"), name=best.name) if best else _("nothing in the catalog")

    if chosen == "json":
        from sizer.render.i18n import english
        from sizer.render.json import to_json

        with english():  # JSON is locale-free
            gpus = [{**g.model_dump(mode="json"), "suited_for": suited(best)} for g, best in rows]
        emit(to_json({"gpus": gpus}))
        return
    from sizer.render.text import gpus_table

    _table_out(chosen, gpus_table([(g, suited(best)) for g, best in rows], _width(chosen)))


@handle_errors
def add(
    source: Annotated[
        str, typer.Argument(help="Hugging Face repo (org/name[@revision]), model directory or .gguf file.")
    ],
    model_id: Annotated[
        str | None, typer.Option("--id", help="Id to store it under (default: a slug of the source).")
    ] = None,
    output_format: Annotated[str | None, o.format_option("text", "json")] = None,
    json_out: o.JsonOpt = False,
    lang: o.LangOpt = None,
) -> None:
    """Add a model from the Hub, a model directory or a GGUF file to your catalog, usable by name afterwards.

    \b
    Examples:
      sizer catalog add Qwen/Qwen2.5-7B-Instruct
      sizer catalog add ./Meta-Llama-3.1-8B-Instruct-Q4_K_M.gguf --id my-llama
      sizer catalog add ~/models/phi-4 --json
    """
    from sizer.io.loaders import save_user_model
    from sizer.io.sources import read_source

    chosen = choose_format(output_format, json_out, ("text", "json"))
    spec = read_source(source, warn=warn)
    if model_id is not None:
        spec = _with_id(spec, model_id)
    path = save_user_model(spec)
    if chosen == "json":
        from sizer.render.json import to_json

        emit(to_json({"path": str(path), "model": spec}))
    else:
        from sizer.render.text import model_added

        emit(model_added(spec, path))


@handle_errors
def repair(
    output_format: Annotated[str | None, o.format_option("text", "json")] = None,
    json_out: o.JsonOpt = False,
    lang: o.LangOpt = None,
) -> None:
    """Move a user catalog that does not load aside (models.yaml.bad-DATE), so commands use it no longer.

    The moved file keeps your entries: fix it and move it back, or add the models again.

    \b
    Examples:
      sizer catalog repair
      sizer catalog repair --json
    """
    import datetime as dt

    from sizer.io.loaders import repair_user_catalog, user_models_path
    from sizer.render.i18n import _, fill

    chosen = choose_format(output_format, json_out, ("text", "json"))
    path = user_models_path()
    done = repair_user_catalog(dt.datetime.now())
    if chosen == "json":
        from sizer.render.json import to_json

        moved, problem = done if done else (None, None)
        emit(to_json({"path": str(path), "moved_to": str(moved) if moved else None, "problem": problem}))
    elif done is None:
        fine = (
            _("{path}: loads; nothing to repair") if path.exists() else _("{path}: does not exist; nothing to repair")
        )
        emit(fill(fine, path=path))
    else:
        moved = done[0]
        emit(
            fill(
                _("moved {path} aside to {moved}: it does not load; `sizer catalog add` starts a new one"),
                path=path,
                moved=moved,
            )
        )


def _with_id(spec: Any, model_id: str) -> Any:
    from pydantic import ValidationError

    from sizer.models import ModelSpec

    try:
        return ModelSpec.model_validate({**spec.model_dump(), "id": model_id})
    except ValidationError:
        raise InputError(N_("--id {id}: use lower-case letters, digits, '.', '_' and '-'"), id=repr(model_id)) from None
