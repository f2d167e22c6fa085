"""The only place that formats: rich renderables and JSON for each result type. Builds, never prints.

Capacities show in GiB (labelled GiB), bandwidth in GB/s, compute in TFLOPS.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel
from rich.table import Table
from rich.text import Text

from sizer.models import Estimate, GpuSpec, ModelSpec
from sizer.units import bytes_to_gib


def gib(n_bytes: float) -> str:
    """'12.34 GiB' from bytes."""
    return f"{bytes_to_gib(n_bytes):.2f} GiB"


def tokens(rate: float) -> str:
    return f"{rate:,.1f} tok/s" if rate < 1000 else f"{rate:,.0f} tok/s"


def to_json(obj: BaseModel | Sequence[BaseModel] | dict[str, Any]) -> str:
    """Indented JSON of a result model (bytes stay integers)."""
    if isinstance(obj, BaseModel):
        data: Any = obj.model_dump(mode="json")
    elif isinstance(obj, dict):
        data = {k: v.model_dump(mode="json") if isinstance(v, BaseModel) else v for k, v in obj.items()}
    else:
        data = [o.model_dump(mode="json") for o in obj]
    return json.dumps(data, indent=2)


def estimate_table(est: Estimate, model: ModelSpec, gpu: GpuSpec) -> Table:
    """One estimate, fully broken down."""
    mem = est.memory_bytes
    hardware = f"{est.gpu_count} x {gpu.name}" if est.gpu_count > 1 else gpu.name
    table = Table(title=f"{model.name} on {hardware}", show_header=False, title_justify="left")
    table.add_column("what", style="bold")
    table.add_column("value")
    table.add_row("Model", f"{model.name} ({model.id}), {model.params_total / 1e9:.1f} B parameters")
    table.add_row("Hardware", f"{hardware}, {gpu.vram_gib:g} GiB, {gpu.mem_bandwidth_gb_per_s:g} GB/s each")
    table.add_row("Workload", f"{est.quant}, {est.context:,} tokens x {est.batch} sequence(s), {est.engine.value}")
    table.add_row("Weights", gib(mem.weights))
    table.add_row("KV cache", f"{gib(mem.kv_cache)} ({est.kv_cache_type})")
    table.add_row("Overhead", gib(mem.overhead))
    table.add_row("Total", gib(mem.total))
    table.add_row("Available", gib(est.available_bytes))
    if est.gpu_count > 1:
        table.add_row("Per GPU", ", ".join(gib(b) for b in est.per_gpu_bytes))
    table.add_row("Fits", _fit_text(est))
    if est.offload is not None:
        o = est.offload
        table.add_row("Offload", f"{o.gpu_layers} of {o.total_layers} layers on GPU, {gib(o.cpu_bytes)} in system RAM")
    table.add_row("Decode", tokens(est.decode_tokens_per_s) + " per sequence")
    if est.batch > 1:
        table.add_row("Aggregate", tokens(est.aggregate_tokens_per_s))
    table.add_row("Prompt", tokens(est.prefill_tokens_per_s))
    table.add_row("Limited by", est.limited_by)
    return table


def model_added(model: ModelSpec, path: object) -> str:
    """One line saying what `catalog add` stored and where."""
    weights = ""
    if model.file_weights is not None:
        weights = f", file weights {model.file_weights.quant} {gib(model.file_weights.total_bytes)}"
    return (
        f"added {model.id!r} ({model.name}, {model.arch}, {model.params_total / 1e9:.2f} B parameters{weights}) "
        f"to {path}; use: sizer estimate {model.id} --gpu NAME"
    )


def _fit_text(est: Estimate) -> Text:
    headroom = 1 - max(est.per_gpu_bytes) / (est.available_bytes / est.gpu_count)
    if est.fits:
        return Text(f"yes, {100 * headroom:.0f} % headroom", style="green")
    return Text(f"no, short by {gib(max(est.per_gpu_bytes) - est.available_bytes / est.gpu_count)} per GPU", "red")


def models_table(rows: Sequence[tuple[ModelSpec, int, str]], quant: str, context: int) -> Table:
    """The model catalog: parameters, memory needed at `quant`/`context`, smallest VRAM class."""
    table = Table(title=f"Models (memory at {quant}, {context:,} tokens, llama.cpp)", title_justify="left")
    for col in (
        "id",
        "model",
        "params",
        "active",
        "VRAM needed",
        "smallest GPU class",
        "license",
        "use cases",
    ):
        table.add_column(col, justify="right" if col in {"params", "active", "VRAM needed"} else "left")
    for m, need, vram_class in rows:
        active = f"{m.params_active / 1e9:.1f} B" if m.params_active else ""
        table.add_row(
            m.id,
            m.name,
            f"{m.params_total / 1e9:.1f} B",
            active,
            gib(need),
            vram_class,
            ("" if m.commercial_use else "non-commercial: ") + m.license if m.commercial_use is False else m.license,
            ", ".join(m.use_cases),
        )
    return table


def gpus_table(rows: Sequence[tuple[GpuSpec, str]]) -> Table:
    """The GPU catalog: VRAM, bandwidth, compute, what it suits, price."""
    table = Table(title="GPUs", title_justify="left")
    for col in ("id", "GPU", "VRAM", "bandwidth", "FP16", "TDP", "suited for (Q4_K_M, 4K context)", "price"):
        table.add_column(col, justify="right" if col in {"VRAM", "bandwidth", "FP16", "TDP"} else "left")
    for g, suited in rows:
        price = f"{g.price.amount:,.0f} {g.price.currency.value} ({g.price.kind}, {g.price.date})" if g.price else ""
        vram = "/".join(f"{v:g}" for v in g.memory_options_gib) if g.memory_options_gib else f"{g.vram_gib:g}"
        table.add_row(
            g.id,
            g.name,
            f"{vram} GiB",
            f"{g.mem_bandwidth_gb_per_s:,.0f} GB/s",
            f"{g.fp16_tflops:,.1f} TFLOPS",
            f"{g.tdp_w:,.0f} W",
            suited,
            price,
        )
    return table
