"""The estimator: one model on one piece of hardware -> memory, fit and speed. Pure; no I/O.

Memory (core/memory.py): weights from a per-tensor layout of the architecture at each tensor's
storage type (quant.tensor_type), KV cache from the attention layout; the engine (sizer.engines)
adds its overheads and says what each GPU offers it. Speed (core/speed.py): decode is
memory-bound, prompt processing compute-bound; the engine says how a rig's GPUs combine.
"""

from __future__ import annotations

import dataclasses

from sizer.core.layout import layout_memory, layout_per_gpu_bytes, layout_result, layout_terms, plan_layout
from sizer.core.memory import MemoryNeed, kv_shards, offload_layers
from sizer.core.quant import resolve_quant
from sizer.core.speed import decode_step_s, prefill_tokens_per_s
from sizer.engines import engine_for
from sizer.errors import N_, InputError
from sizer.models import Assumptions, Estimate, GpuSpec, Interconnect, MemoryBytes, ModelSpec, Vendor, Workload
from sizer.models.assumptions import DEFAULT_ASSUMPTIONS

__all__ = ["DEFAULT_ASSUMPTIONS", "estimate", "memory_needed"]


def _validate(workload: Workload, gpu_count: int) -> None:
    if gpu_count < 1:
        raise InputError(N_("gpu count must be >= 1, got {count}"), count=gpu_count)
    if workload.context < 1 or workload.batch < 1:
        raise InputError(N_("context and batch must be >= 1"))


def memory_needed(
    model: ModelSpec,
    workload: Workload,
    gpu_count: int = 1,
    assumptions: Assumptions = DEFAULT_ASSUMPTIONS,
    gpu_runtime: bool = True,
) -> MemoryNeed:
    """Weights, KV cache and overhead of `workload` on `gpu_count` GPUs under its engine, in bytes.

    `gpu_runtime` counts the GPU runtime's own context per GPU (Metal on Apple has none worth counting).
    """
    return engine_for(workload.engine).memory(model, workload, gpu_count, assumptions, gpu_runtime)


def estimate(
    model: ModelSpec,
    gpu: GpuSpec,
    workload: Workload | None = None,
    gpu_count: int = 1,
    assumptions: Assumptions = DEFAULT_ASSUMPTIONS,
    available_bytes_per_gpu: int | None = None,
    bandwidth_gb_per_s: float | None = None,
    nodes: int = 1,
    interconnect: Interconnect | None = None,
) -> Estimate:
    """Memory (bytes), fit and speed (tokens/s) of `model` on `gpu_count` x `gpu` for `workload`.

    `available_bytes_per_gpu` replaces the engine's usable capacity (free memory a probe saw);
    `bandwidth_gb_per_s` replaces the datasheet bandwidth (a measured figure). With `nodes` above
    1, `gpu_count` is the GPUs of each node and `interconnect` the link between them
    (core/layout.py: tensor parallel inside a node, pipeline parallel across).
    """
    w = workload or Workload()
    _validate(w, gpu_count)
    a = assumptions
    runtime = engine_for(w.engine)
    layout = plan_layout(runtime, model, gpu_count, nodes, interconnect)
    fmt = resolve_quant(w.quant)
    need = layout_memory(runtime, model, w, layout, a, gpu_runtime=gpu.vendor is not Vendor.APPLE)
    ws, kv, per_gpu_overhead = need.weights, need.kv_cache_bytes, need.per_gpu_overhead_bytes

    per_gpu_capacity = available_bytes_per_gpu or runtime.usable_bytes_per_gpu(gpu, a)
    available = per_gpu_capacity * layout.gpu_count
    per_gpu = layout_per_gpu_bytes(need, model, layout)
    # An engine whose KV pool is a share of the memory left after the rest (TensorRT-LLM's
    # --kv_cache_free_gpu_memory_fraction) holds the cache when rest + KV / share fits.
    share = runtime.kv_free_share(a)
    pooled = need if share >= 1 else dataclasses.replace(need, kv_cache_bytes=round(kv / share))
    fits = max(per_gpu if pooled is need else layout_per_gpu_bytes(pooled, model, layout)) <= per_gpu_capacity

    offload = None
    if not fits and runtime.offloads:
        offload = offload_layers(ws, kv, model.layers, per_gpu_overhead, per_gpu_capacity, gpu_count)

    terms = layout_terms(runtime, gpu, layout, a, bandwidth_gb_per_s)
    # A copied KV cache is stored, and read each step, once per copy (memory.kv_shards).
    tp = layout.tensor_parallel
    copies = tp / kv_shards(model, tp) if runtime.splits_tensors else 1.0
    decode_s, limited_by = decode_step_s(model, ws, round(kv * copies), w, terms, a, offload)
    prefill = prefill_tokens_per_s(model, ws, fmt, w, terms, a, offload)
    return Estimate(
        model=model.id,
        quant=fmt.name,
        context=w.context,
        batch=w.batch,
        engine=w.engine,
        kv_cache_type=w.kv_cache_type,
        gpu=gpu.id,
        gpu_count=layout.gpu_count,
        memory_bytes=_copied(need.memory_bytes, round(kv * (copies - 1))),
        per_gpu_bytes=tuple(per_gpu),
        available_bytes=available,
        fits=fits,
        offload=offload,
        decode_tokens_per_s=1.0 / decode_s,
        prefill_tokens_per_s=prefill,
        aggregate_tokens_per_s=w.batch / decode_s,
        limited_by_code=limited_by,
        assumptions=a,
        layout=layout_result(layout, per_gpu),
    )


def _copied(memory: MemoryBytes, extra_kv: int) -> MemoryBytes:
    """The memory breakdown with the copies of a KV cache tensor parallel cannot divide."""
    if not extra_kv:
        return memory
    return memory.model_copy(update={"kv_cache": memory.kv_cache + extra_kv, "total": memory.total + extra_kv})
