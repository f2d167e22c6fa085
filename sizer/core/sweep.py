"""Every model x quant x GPU x context at once, vectorised with numpy; the formulas of memory and speed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sizer.core.memory import kv_shards, weights
from sizer.core.quant import resolve_quant
from sizer.core.speed import (
    attention_dim,
    attention_flops,
    blended_flops_per_s,
    decode_seconds,
    fixed_step_s,
    more_experts_bytes,
    prefill_seconds,
    prompt_attention_flops,
    prompt_flops,
    step_flops_per_s,
    weights_read_bytes,
)
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
    stream = np.empty((m_count, q_count))
    experts = np.empty((m_count, q_count))
    active = np.empty((m_count, q_count))
    for i, m in enumerate(models):
        for j, fmt in enumerate(fmts):
            ws = weights(m, fmt)
            weight_bytes[i, j], active[i, j] = ws.total_bytes, ws.active_params
            read[i, j] = weights_read_bytes(ws, m, batch)  # a decode step over the batch
            stream[i, j], experts[i, j] = ws.read_per_token_bytes, ws.expert_bytes  # a prompt micro-batch's
    routed = np.array([m.experts.active / m.experts.count if m.experts else 0.0 for m in models])
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
    fixed = fixed_step_s(
        layers,
        per_gpu_axis([t.fixed_s for t in terms]),
        per_gpu_axis([t.fixed_per_layer_s for t in terms]),
        a,
        per_gpu_axis([a.layer_overhead_s if t.layer_s is None else t.layer_s for t in terms]),
    ) + (batch - 1) * per_gpu_axis([t.per_seq_s for t in terms])
    # Small-batch kernels: each extra sequence's matrix work at that share of the rate (speed.py).
    small = per_gpu_axis(
        [t.flops_per_s * t.small_batch_efficiency if t.small_batch_efficiency else np.inf for t in terms]
    )
    fixed = fixed + (batch - 1) * 2.0 * active[:, :, None, None] / small
    hidden = np.array([m.hidden_size for m in models], dtype=float)[:, None, None, None]
    # Tensor-parallel all-reduces per token (speed.allreduce_s), [model, 1, gpu, 1].
    reduce_s = 2 * layers * hidden * 2 * per_gpu_axis([t.allreduce_s_per_byte for t in terms])
    fixed = fixed + batch * reduce_s
    kv_speed = per_gpu_axis(
        [t.emulated_fp8_kv_frac if kv_cache_type == "fp8" and t.fp8_flops_per_s is None else 1.0 for t in terms]
    )
    # Matrix FLOP/s at each format's precision on each GPU, [1, quant, gpu, 1].
    rate = np.array([[step_flops_per_s(t, f, a) for t in terms] for f in fmts])[None, :, :, None]
    ubatch_tokens = per_gpu_axis([t.ubatch_tokens for t in terms])

    stored = weight_bytes[:, :, None] + kv[:, None, :]  # [m, q, c]
    # The KV cache divides over the GPUs as tensor parallel splits it (memory.kv_shards).
    shards = np.array([kv_shards(m, gpu_count) if runtime.splits_tensors else gpu_count for m in models], dtype=float)
    held = weight_bytes[:, :, None] / gpu_count + kv[:, None, :] / shards[:, None, None]  # [m, q, c] per GPU
    per_gpu = held[:, :, None, :] + overhead[:, None, None, :] + runtime_bytes[None, None, :, None]
    fits = per_gpu <= capacity[None, None, :, None]
    total = stored[:, :, None, :] + gpu_count * (overhead[:, None, None, :] + runtime_bytes[None, None, :, None])

    tokens = np.array(contexts, dtype=float)[None, None, None, :]
    depth_flops = np.array([[attention_flops(m, c) for c in contexts] for m in models], dtype=float)
    # Attention runs at the 16-bit rate whatever the weights' format (speed.blended_flops_per_s).
    rate16 = per_gpu_axis([t.flops_per_s for t in terms])
    matrix, depth = batch * 2.0 * active[:, :, None, None], batch * depth_flops[:, None, None, :]
    step = decode_seconds(
        read[:, :, None, None] + kv[:, None, None, :] * (gpu_count / shards)[:, None, None, None] / kv_speed,
        bandwidth,
        matrix + depth,
        blended_flops_per_s(matrix, rate, depth, rate16),
        fixed,
    )
    ubatches = np.ceil(tokens / ubatch_tokens)
    # Each micro-batch streams the weights once; of an MoE's experts, those its tokens route to.
    micro_batch_read = stream[:, :, None, None] + more_experts_bytes(
        experts[:, :, None, None], routed[:, None, None, None], np.minimum(tokens, ubatch_tokens)
    )
    flops = prompt_flops(active[:, :, None, None], layers, attention, tokens)
    causal = prompt_attention_flops(layers, attention, tokens)
    prompt_rate = blended_flops_per_s(flops - causal, rate, causal, rate16) * per_gpu_axis(
        [t.prompt_rate_frac for t in terms]
    )
    prompt_s = (
        prefill_seconds(
            flops,
            prompt_rate,
            ubatches * micro_batch_read / bandwidth,
            ubatches,
            layers,
            a,
        )
        + tokens * reduce_s
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
