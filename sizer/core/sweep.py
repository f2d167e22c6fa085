"""Every model x quant x GPU x context at once, vectorised with numpy; the formulas of memory and speed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sizer.core.memory import weights
from sizer.core.quant import resolve_quant
from sizer.core.speed import attention_dim, decode_seconds, dequantizes, fixed_step_s, prefill_seconds, prompt_flops
from sizer.engines import engine_for
from sizer.engines.base import kv_need
from sizer.models import Assumptions, Engine, GpuSpec, KvCacheType, ModelSpec, Vendor, Workload
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
    kv_cache_type: KvCacheType = "f16",
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
    runtime = engine_for(engine)
    # KV cache and the engine's scratch per GPU, [model, context]; the GPU runtime's own context
    # is added per GPU vendor below.
    loads = [Workload(context=c, batch=batch, engine=engine, kv_cache_type=kv_cache_type) for c in contexts]
    kv = np.array([[kv_need(runtime, m, w, a) for w in loads] for m in models], dtype=float)
    overhead = np.array([[runtime.overhead_bytes_per_gpu(m, w, gpu_count, a) for w in loads] for m in models])
    runtime_bytes = np.array([runtime.context_bytes_per_gpu(g.vendor is not Vendor.APPLE, a) for g in gpus])
    capacity = np.array([runtime.usable_bytes_per_gpu(g, a) for g in gpus], dtype=float)
    layers = np.array([m.layers for m in models], dtype=float)[:, None, None, None]
    attention = np.array([attention_dim(m) for m in models], dtype=float)[:, None, None, None]
    terms = [runtime.speed_terms(g, gpu_count, a) for g in gpus]

    def per_gpu_axis(values: list[float]) -> Any:
        return np.array(values)[None, None, :, None]

    bandwidth = per_gpu_axis([t.bandwidth_bytes_per_s for t in terms])
    flops_per_s = per_gpu_axis([t.flops_per_s for t in terms])
    fixed = fixed_step_s(
        layers, per_gpu_axis([t.fixed_s for t in terms]), per_gpu_axis([t.fixed_per_layer_s for t in terms]), a
    )
    ubatch_tokens = per_gpu_axis([t.ubatch_tokens for t in terms])

    stored = weight_bytes[:, :, None] + kv[:, None, :]  # [m, q, c]
    per_gpu = stored[:, :, None, :] / gpu_count + overhead[:, None, None, :] + runtime_bytes[None, None, :, None]
    fits = per_gpu <= capacity[None, None, :, None]
    total = stored[:, :, None, :] + gpu_count * (overhead[:, None, None, :] + runtime_bytes[None, None, :, None])

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
    ubatches = np.ceil(tokens / ubatch_tokens)
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
