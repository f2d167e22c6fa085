"""Every model x quant x GPU x context at once, vectorised with numpy; the formulas of memory and speed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sizer.core.memory import kv_cache_bytes, memory_needed, runtime_context_bytes, usable_bytes_per_gpu, weights
from sizer.core.quant import resolve_quant
from sizer.core.speed import attention_dim, decode_seconds, dequantizes, prefill_seconds, prompt_flops, speed_terms
from sizer.models import Assumptions, Engine, GpuSpec, ModelSpec, Vendor, Workload
from sizer.models.assumptions import DEFAULT_ASSUMPTIONS


@dataclass(frozen=True)
class Sweep:
    """Every model x quant x GPU x context at once (numpy arrays, axes in that order).

    Speeds assume the model sits entirely on the GPUs; `fits` says where it does (for a llama.cpp
    layer split it takes an even split, which `estimate` refines layer by layer).
    """

    models: tuple[str, ...]
    quants: tuple[str, ...]
    gpus: tuple[str, ...]
    contexts: tuple[int, ...]
    total_bytes: Any  # [model, quant, gpu, context], summed over the rig's GPUs
    fits: Any  # [model, quant, gpu, context]
    decode_tokens_per_s: Any  # [model, quant, gpu, context], per sequence
    prefill_tokens_per_s: Any  # [model, quant, gpu, context]


def sweep(
    models: Sequence[ModelSpec],
    gpus: Sequence[GpuSpec],
    quants: Sequence[str],
    contexts: Sequence[int],
    batch: int = 1,
    engine: Engine = Engine.LLAMA_CPP,
    gpu_count: int = 1,
    assumptions: Assumptions = DEFAULT_ASSUMPTIONS,
) -> Sweep:
    """Memory, fit and speed of every combination, vectorised with numpy; same formulas as `estimate`."""
    import numpy as np

    a = assumptions
    fmts = [resolve_quant(q) for q in quants]
    m_count, q_count = len(models), len(fmts)
    weight_bytes = np.empty((m_count, q_count))
    read = np.empty((m_count, q_count))
    active = np.empty((m_count, q_count))
    for i, m in enumerate(models):
        for j, fmt in enumerate(fmts):
            ws = weights(m, fmt)
            weight_bytes[i, j], read[i, j], active[i, j] = ws.total_bytes, ws.read_per_token_bytes, ws.active_params
    kv = np.array([[kv_cache_bytes(m, c, batch) for c in contexts] for m in models], dtype=float)
    overhead = np.array(
        [
            [
                memory_needed(
                    m, Workload(context=c, batch=batch, engine=engine), gpu_count, a, False
                ).per_gpu_overhead_bytes
                for c in contexts
            ]
            for m in models
        ]
    )  # [model, context], without the GPU runtime context (added per GPU vendor below)
    runtime = np.array([runtime_context_bytes(engine, g.vendor is not Vendor.APPLE, a) for g in gpus])
    capacity = np.array([usable_bytes_per_gpu(g, a, engine) for g in gpus], dtype=float)
    layers = np.array([m.layers for m in models], dtype=float)[:, None, None, None]
    attention = np.array([attention_dim(m) for m in models], dtype=float)[:, None, None, None]
    terms = [speed_terms(g, engine, gpu_count, 1, a) for g in gpus]
    bandwidth = np.array([t.bandwidth_bytes_per_s for t in terms])[None, None, :, None]
    flops_per_s = np.array([t.flops_per_s for t in terms])[None, None, :, None]
    # speed_terms counts all-reduces for one layer above; scale to each model's layer count.
    fixed = np.array([t.fixed_s for t in terms])[None, None, :, None]
    fixed = fixed * (layers if engine in (Engine.VLLM, Engine.SGLANG) else 1.0) + layers * a.layer_overhead_s

    stored = weight_bytes[:, :, None] + kv[:, None, :]  # [m, q, c]
    per_gpu = stored[:, :, None, :] / gpu_count + overhead[:, None, None, :] + runtime[None, None, :, None]
    fits = per_gpu <= capacity[None, None, :, None]
    total = stored[:, :, None, :] + gpu_count * (overhead[:, None, None, :] + runtime[None, None, :, None])

    step = decode_seconds(
        read[:, :, None, None] + kv[:, None, None, :],
        bandwidth,
        2.0 * active[:, :, None, None] * batch,
        flops_per_s,
        fixed,
    )
    tokens = np.array(contexts, dtype=float)[None, None, None, :]
    quantized = np.array([dequantizes(f) for f in fmts])[None, :, None, None]
    prompt_rate = flops_per_s * np.where(quantized, a.quantized_prefill_frac, 1.0)
    ubatches = np.ceil(tokens / a.llama_cpp_ubatch)
    prompt_s = prefill_seconds(
        prompt_flops(active[:, :, None, None], layers, attention, tokens),
        prompt_rate,
        ubatches * read[:, :, None, None] / bandwidth,
        ubatches,
        layers,
        a,
    )
    return Sweep(
        models=tuple(m.id for m in models),
        quants=tuple(f.name for f in fmts),
        gpus=tuple(g.id for g in gpus),
        contexts=tuple(contexts),
        total_bytes=total,
        fits=fits,
        decode_tokens_per_s=1.0 / step,
        prefill_tokens_per_s=tokens / prompt_s,
    )
