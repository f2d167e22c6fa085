"""The estimator: one model on one piece of hardware -> memory, fit and speed. Pure; no I/O.

Memory: weights from a per-tensor layout of the architecture at each tensor's storage type
(quant.tensor_type), KV cache from the attention layout, runtime overhead per engine.
Speed: decode is memory-bound (bytes read per token over achievable bandwidth, plus a fixed
time per layer); prompt processing is compute-bound (2 FLOP per active weight per token over
achievable tensor throughput). Constants live in `Assumptions`, fitted by benchmarks/calibrate.py.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sizer.errors import InputError
from sizer.models import (
    Assumptions,
    Engine,
    Estimate,
    GpuSpec,
    MemoryBytes,
    ModelSpec,
    Offload,
    Vendor,
    Workload,
)
from sizer.quant import (
    GGML_BITS,
    QuantFormat,
    TensorTraits,
    kv_cache_bytes_per_element,
    resolve_quant,
    tensor_type,
)
from sizer.units import GiB, bits_to_bytes, gb_per_s_to_bytes_per_s, tflops_to_flops

DEFAULT_ASSUMPTIONS = Assumptions()


@dataclass(frozen=True)
class Tensor:
    """One weight matrix of the layout: its role, layer (-1 outside layers), size and row length."""

    role: str
    layer: int
    params: int
    row_size: int


def _attention_tensors(m: ModelSpec, i: int) -> list[Tensor]:
    h = m.hidden_size
    if m.mla is not None:
        a = m.mla
        qk_dim = a.qk_nope_head_dim + a.qk_rope_head_dim
        q = (
            [
                Tensor("attn_other", i, h * a.q_lora_rank, h),
                Tensor("attn_q", i, a.q_lora_rank * m.attention_heads * qk_dim, a.q_lora_rank),
            ]
            if a.q_lora_rank
            else [Tensor("attn_q", i, h * m.attention_heads * qk_dim, h)]
        )
        return [
            *q,
            Tensor("attn_other", i, h * (a.kv_lora_rank + a.qk_rope_head_dim), h),
            Tensor(
                "attn_other",
                i,
                a.kv_lora_rank * m.attention_heads * (a.qk_nope_head_dim + a.v_head_dim),
                a.kv_lora_rank,
            ),
            Tensor("attn_output", i, m.attention_heads * a.v_head_dim * h, m.attention_heads * a.v_head_dim),
        ]
    q_dim = m.attention_heads * m.head_dim
    kv_dim = m.kv_heads * m.head_dim
    return [
        Tensor("attn_q", i, h * q_dim, h),
        Tensor("attn_k", i, h * kv_dim, h),
        Tensor("attn_v", i, h * kv_dim, h),
        Tensor("attn_output", i, q_dim * h, q_dim),
    ]


def _ffn_tensors(m: ModelSpec, i: int, width: int, suffix: str = "", count: int = 1) -> list[Tensor]:
    h = m.hidden_size
    out = [
        Tensor(f"ffn_up{suffix}", i, count * h * width, h),
        Tensor(f"ffn_down{suffix}", i, count * width * h, width),
    ]
    if m.ffn_gated:
        out.insert(0, Tensor(f"ffn_gate{suffix}", i, count * h * width, h))
    return out


@functools.lru_cache(maxsize=512)
def weight_tensors(m: ModelSpec) -> tuple[Tensor, ...]:
    """The weight matrices of a model's text stack, from its architecture (norms and biases omitted)."""
    h = m.hidden_size
    tensors = [Tensor("token_embd", -1, m.vocab_size * h, h)]
    if not m.tie_embeddings:
        tensors.append(Tensor("output", -1, m.vocab_size * h, h))
    for i in range(m.layers):
        tensors += _attention_tensors(m, i)
        e = m.experts
        if e is None or i < e.dense_layers:
            tensors += _ffn_tensors(m, i, m.intermediate_size)
            continue
        tensors.append(Tensor("router", i, h * e.count, h))
        tensors += _ffn_tensors(m, i, e.intermediate_size, "_exps", e.count)
        if e.shared_count:
            tensors += _ffn_tensors(m, i, e.shared_intermediate_size * e.shared_count)
    return tuple(tensors)


def _traits(m: ModelSpec) -> TensorTraits:
    return TensorTraits(
        n_layers=m.layers,
        n_gqa=m.attention_heads // m.kv_heads,
        n_expert=m.experts.count if m.experts else 0,
        is_70b_llama=m.arch == "llama" and m.layers == 80,
        tied_output=m.tie_embeddings,
    )


@dataclass(frozen=True)
class WeightSummary:
    """Bytes of the weights: total, per layer, outside layers, and read per decoded token."""

    total_bytes: int
    layer_bytes: tuple[int, ...]
    head_bytes: int  # output head (or tied embedding) kept with the last layer
    embedding_bytes: int
    read_per_token_bytes: float  # decode reads: all but the embedding table; MoE: active experts only
    active_params: int  # parameters multiplied per token (FLOP count basis)


_LAYER_DEPENDENT_ROLES = {"attn_v", "ffn_down", "ffn_down_exps", "ffn_gate", "ffn_up"}


@functools.lru_cache(maxsize=512)
def _tensor_groups(m: ModelSpec) -> tuple[tuple[str, int, int, tuple[int, ...]], ...]:
    """The layout grouped by (role, row size, parameters): each shape once, with its layers."""
    groups: dict[tuple[str, int, int], list[int]] = {}
    for t in weight_tensors(m):
        groups.setdefault((t.role, t.row_size, t.params), []).append(t.layer)
    return tuple((role, row, params, tuple(layers)) for (role, row, params), layers in groups.items())


@functools.lru_cache(maxsize=4096)
def _layer_types(fmt: QuantFormat, role: str, row: int, traits: TensorTraits) -> tuple[str, ...]:
    """Storage type of one per-layer tensor in every layer (shared by models of the same shape)."""
    return tuple(tensor_type(fmt, role, i, row, traits) for i in range(traits.n_layers))


@functools.lru_cache(maxsize=4096)
def weights(m: ModelSpec, fmt: QuantFormat) -> WeightSummary:
    """Bytes of every weight matrix at its storage type under `fmt` (llama.cpp's mixing rules)."""
    traits = _traits(m)
    layer_bytes = [0.0] * m.layers
    head = embed = read = 0.0
    active_params = 0.0
    expert_share = m.experts.active / m.experts.count if m.experts else 1.0
    for role, row, params, layers in _tensor_groups(m):
        share = expert_share if role.endswith("_exps") else 1.0
        if role in _LAYER_DEPENDENT_ROLES:
            per_layer = _layer_types(fmt, role, row, traits)
            by_type = {t: bits_to_bytes(params * GGML_BITS[t]) for t in set(per_layer)}
            sizes = [by_type[per_layer[i]] for i in layers]
        else:
            sizes = [bits_to_bytes(params * GGML_BITS[tensor_type(fmt, role, layers[0], row, traits)])] * len(layers)
        if role == "token_embd":
            embed += sizes[0]
            if m.tie_embeddings:  # the tied table is also the output head, read in full per token
                read += sizes[0]
                active_params += params
            continue
        read += sum(sizes) * share
        active_params += params * len(layers) * share
        if role == "output":
            head += sizes[0]
            continue
        for i, n_bytes in zip(layers, sizes, strict=True):
            layer_bytes[i] += n_bytes
    # Norm weights stay F32 in llama.cpp: 2 vectors of hidden_size per layer plus the final norm.
    norm_bytes = 4 * m.hidden_size * (2 * m.layers + 1)
    total = sum(layer_bytes) + head + embed + norm_bytes
    if m.file_weights is not None and m.file_weights.quant == fmt.name:
        # The file's own tensor bytes are exact; keep the layout's split between the parts.
        scale = m.file_weights.total_bytes / total
        layer_bytes = [b * scale for b in layer_bytes]
        head, embed, read, total = head * scale, embed * scale, read * scale, m.file_weights.total_bytes
    return WeightSummary(
        total_bytes=round(total),
        layer_bytes=tuple(round(b) for b in layer_bytes),
        head_bytes=round(head),
        embedding_bytes=round(embed),
        read_per_token_bytes=read,
        active_params=round(active_params),
    )


def _is_global_layer(m: ModelSpec, i: int) -> bool:
    sw = m.sliding_window
    if sw is None:
        return True
    if sw.global_every is None:
        return False
    return (i + 1) % sw.global_every == 0


def kv_cache_bytes(m: ModelSpec, context: int, batch: int = 1, cache_type: str = "f16") -> int:
    """KV cache for `batch` sequences of `context` tokens, in bytes.

    Per layer and token: 2 x kv_heads x head_dim elements (K and V); MLA caches the latent
    (kv_lora_rank + rope dims) once; sliding-window layers hold at most `size` tokens.
    """
    elem = kv_cache_bytes_per_element(cache_type)
    if m.mla is not None:
        per_token_layer = (m.mla.kv_lora_rank + m.mla.qk_rope_head_dim) * elem
    else:
        per_token_layer = 2 * m.kv_heads * m.head_dim * elem
    total = 0.0
    for i in range(m.layers):
        tokens = context if _is_global_layer(m, i) else min(context, m.sliding_window.size)  # type: ignore[union-attr]
        total += tokens * per_token_layer
    return round(total * batch)


def _compute_buffer_bytes(m: ModelSpec, workload: Workload, a: Assumptions) -> float:
    """llama.cpp scratch per GPU: F32 logits plus one hidden state per token of a micro-batch.

    With flash attention the logits dominate: Llama-3-8B at n_ubatch 512 logs 258.5 MiB
    (reference memory.csv, llama.cpp b2797 Metal) = 4 bytes x 512 x (128256 + 4096).
    """
    ubatch = min(a.llama_cpp_ubatch, workload.context * workload.batch)
    return 4.0 * ubatch * (m.vocab_size + m.hidden_size)


def _vllm_activation_bytes(m: ModelSpec, a: Assumptions, gpus: int) -> float:
    """vLLM profile-run peak: F32 logits and FFN activations of one scheduler batch, split by TP."""
    width = m.experts.intermediate_size * m.experts.active if m.experts else m.intermediate_size
    return 4.0 * a.vllm_max_batched_tokens * (m.vocab_size + 2 * width / gpus)


@dataclass(frozen=True)
class MemoryNeed:
    """What a workload needs: weights, KV cache and per-GPU runtime overhead (bytes)."""

    weights: WeightSummary
    kv_cache_bytes: int
    per_gpu_overhead_bytes: float
    gpu_count: int

    @property
    def memory_bytes(self) -> MemoryBytes:
        overhead = round(self.per_gpu_overhead_bytes * self.gpu_count)
        total = self.weights.total_bytes + self.kv_cache_bytes + overhead
        return MemoryBytes(
            weights=self.weights.total_bytes, kv_cache=self.kv_cache_bytes, overhead=overhead, total=total
        )


def memory_needed(
    model: ModelSpec,
    workload: Workload,
    gpu_count: int = 1,
    assumptions: Assumptions = DEFAULT_ASSUMPTIONS,
    gpu_runtime: bool = True,
) -> MemoryNeed:
    """Weights, KV cache and overhead of `workload` on `gpu_count` GPUs, in bytes.

    `gpu_runtime` counts a CUDA/ROCm context per GPU (Metal on Apple has none worth counting).
    """
    a = assumptions
    ws = weights(model, resolve_quant(workload.quant))
    kv = kv_cache_bytes(model, workload.context, workload.batch, workload.kv_cache_type)
    if workload.engine is Engine.VLLM:
        per_gpu = a.vllm_non_torch_gib * GiB + _vllm_activation_bytes(model, a, gpu_count)
    else:
        per_gpu = _compute_buffer_bytes(model, workload, a)
    per_gpu += _runtime_context_bytes(workload.engine, gpu_runtime, a)
    return MemoryNeed(weights=ws, kv_cache_bytes=kv, per_gpu_overhead_bytes=per_gpu, gpu_count=gpu_count)


def _runtime_context_bytes(engine: Engine, gpu_runtime: bool, a: Assumptions) -> float:
    """CUDA/ROCm context per GPU under llama.cpp (vLLM's non-torch figure already holds it)."""
    return a.gpu_context_gib * GiB if gpu_runtime and engine is Engine.LLAMA_CPP else 0.0


def usable_bytes_per_gpu(gpu: GpuSpec, a: Assumptions, engine: Engine) -> int:
    """Device memory one GPU offers the engine, in bytes."""
    capacity = gpu.vram_gib * GiB
    if gpu.unified_memory:
        capacity *= a.unified_memory_gpu_frac
    if engine is Engine.VLLM:
        capacity *= a.vllm_gpu_memory_utilization_frac
    return int(capacity)


def bandwidth_efficiency(gpu: GpuSpec, a: Assumptions) -> float:
    """Fraction of datasheet bandwidth a decode step reaches on this memory family (fitted)."""
    return {
        "hbm": a.bandwidth_efficiency_hbm_frac,
        "gddr": a.bandwidth_efficiency_gddr_frac,
        "lpddr": a.bandwidth_efficiency_lpddr_frac,
        "apple": a.bandwidth_efficiency_apple_frac,
    }[gpu.memory_class]


def sustained_flops(gpu: GpuSpec, engine: Engine, a: Assumptions) -> float:
    """Matrix FLOP/s a prompt-processing pass sustains on one GPU.

    The datasheet's dense FP16 rate (doubled on GeForce for llama.cpp, which accumulates in FP16)
    times the software stack's efficiency, capped for discrete cards by board power x TFLOPS/W.
    """
    peak = gpu.fp16_tflops * (2 if engine is Engine.LLAMA_CPP and gpu.half_rate_fp32_accumulate else 1)
    eff = {
        Vendor.APPLE: a.compute_efficiency_apple_frac,
        Vendor.AMD: a.compute_efficiency_amd_frac,
        Vendor.INTEL: a.compute_efficiency_intel_frac,
    }.get(gpu.vendor, a.compute_efficiency_frac)
    sustained = peak * eff
    if not gpu.unified_memory:
        sustained = min(sustained, gpu.tdp_w * a.tflops_per_watt)
    return tflops_to_flops(sustained)


def _validate(workload: Workload, gpu_count: int) -> None:
    if gpu_count < 1:
        raise InputError(f"gpu count must be >= 1, got {gpu_count}")
    if workload.context < 1 or workload.batch < 1:
        raise InputError("context and batch must be >= 1")


def estimate(
    model: ModelSpec,
    gpu: GpuSpec,
    workload: Workload | None = None,
    gpu_count: int = 1,
    assumptions: Assumptions = DEFAULT_ASSUMPTIONS,
    available_bytes_per_gpu: int | None = None,
    bandwidth_gb_per_s: float | None = None,
) -> Estimate:
    """Memory (bytes), fit and speed (tokens/s) of `model` on `gpu_count` x `gpu` for `workload`.

    `available_bytes_per_gpu` replaces the catalog capacity (free memory a probe saw);
    `bandwidth_gb_per_s` replaces the datasheet bandwidth (a measured figure).
    """
    w = workload or Workload()
    _validate(w, gpu_count)
    a = assumptions
    fmt = resolve_quant(w.quant)
    need = memory_needed(model, w, gpu_count, a, gpu_runtime=gpu.vendor is not Vendor.APPLE)
    ws, kv, per_gpu_overhead = need.weights, need.kv_cache_bytes, need.per_gpu_overhead_bytes
    vllm = w.engine is Engine.VLLM

    per_gpu_capacity = available_bytes_per_gpu or usable_bytes_per_gpu(gpu, a, w.engine)
    available = per_gpu_capacity * gpu_count
    per_gpu = _per_gpu_bytes(ws, kv, per_gpu_overhead, model.layers, gpu_count, vllm)
    fits = max(per_gpu) <= per_gpu_capacity

    offload = None
    if not fits and not vllm:
        offload = _offload(ws, kv, model.layers, per_gpu_overhead, per_gpu_capacity, gpu_count)

    terms = speed_terms(gpu, w.engine, gpu_count, model.layers, a, bandwidth_gb_per_s)
    decode_s, limited_by = _decode_step_s(model, ws, kv, w, terms, a, offload)
    prefill = _prefill_tokens_per_s(model, ws, fmt, w, terms, a, offload)
    return Estimate(
        model=model.id,
        quant=fmt.name,
        context=w.context,
        batch=w.batch,
        engine=w.engine,
        kv_cache_type=w.kv_cache_type,
        gpu=gpu.id,
        gpu_count=gpu_count,
        memory_bytes=need.memory_bytes,
        per_gpu_bytes=tuple(per_gpu),
        available_bytes=available,
        fits=fits,
        offload=offload,
        decode_tokens_per_s=1.0 / decode_s,
        prefill_tokens_per_s=prefill,
        aggregate_tokens_per_s=w.batch / decode_s,
        limited_by=limited_by,
        assumptions=a,
    )


def _per_gpu_bytes(
    ws: WeightSummary, kv: int, per_gpu_overhead: float, layers: int, n: int, tensor_parallel: bool
) -> list[int]:
    """Bytes on each GPU: TP splits every tensor; llama.cpp's layer split gives each GPU whole layers."""
    if tensor_parallel or n == 1:
        return [round((ws.total_bytes + kv) / n + per_gpu_overhead)] * n
    kv_per_layer = kv / layers
    bounds = [round(layers * k / n) for k in range(n + 1)]
    out = []
    for k in range(n):
        lo, hi = bounds[k], bounds[k + 1]
        b = sum(ws.layer_bytes[lo:hi]) + kv_per_layer * (hi - lo) + per_gpu_overhead
        if k == 0:
            b += ws.embedding_bytes
        if k == n - 1:
            b += ws.head_bytes
        out.append(round(b))
    return out


def _offload(
    ws: WeightSummary, kv: int, layers: int, per_gpu_overhead: float, per_gpu_capacity: int, n: int
) -> Offload:
    """llama.cpp -ngl: how many whole layers (weights + their KV) fit; the rest stay in system RAM."""
    per_layer = (ws.total_bytes - ws.head_bytes - ws.embedding_bytes + kv) / layers
    room = n * (per_gpu_capacity - per_gpu_overhead) - ws.head_bytes
    gpu_layers = max(0, min(layers - 1, math.floor(room / per_layer))) if per_layer > 0 else 0
    cpu_bytes = round((layers - gpu_layers) * per_layer + ws.embedding_bytes)
    return Offload(gpu_layers=gpu_layers, total_layers=layers, cpu_bytes=cpu_bytes)


def _maximum(x: Any, y: Any) -> Any:
    """max() for numbers, numpy.maximum for arrays (the formulas below serve both)."""
    if isinstance(x, int | float) and isinstance(y, int | float):
        return max(x, y)
    import numpy as np

    return np.maximum(x, y)


def decode_seconds(read_bytes: Any, bandwidth_bytes_per_s: Any, flops: Any, flops_per_s: Any, fixed_s: Any) -> Any:
    """Seconds per decode step: streaming the weights and KV cache or computing, whichever is
    longer (roofline), plus the fixed per-token cost of kernel launches and small ops."""
    return _maximum(read_bytes / bandwidth_bytes_per_s, flops / flops_per_s) + fixed_s


def prompt_flops(active_params: Any, layers: Any, attention_dim: Any, tokens: Any) -> Any:
    """FLOPs of a prompt: 2 per active weight per token, plus causal attention (QK^T and AV,
    2 x 2 x dim x n^2 / 2 per layer)."""
    return 2.0 * active_params * tokens + 2.0 * layers * attention_dim * tokens * tokens


def prefill_seconds(
    flops: Any, flops_per_s: Any, weight_stream_s: Any, ubatches: Any, layers: Any, a: Assumptions
) -> Any:
    """Seconds to process a prompt: matrix work overlapped with streaming the weights once per
    micro-batch (roofline), plus a fixed cost per layer and micro-batch."""
    return _maximum(flops / flops_per_s, weight_stream_s) + ubatches * layers * a.prefill_layer_overhead_s


@dataclass(frozen=True)
class SpeedTerms:
    """What one rig of `gpu_count` GPUs offers a decode or prompt step."""

    bandwidth_bytes_per_s: float  # achievable, summed where the engine reads all GPUs at once
    flops_per_s: float  # sustained matrix throughput, likewise
    fixed_s: float  # per-token cost of the rig beyond the per-layer cost (hops, all-reduces)


def speed_terms(
    gpu: GpuSpec, engine: Engine, gpu_count: int, layers: int, a: Assumptions, bandwidth_gb_per_s: float | None = None
) -> SpeedTerms:
    """Bandwidth, compute and fixed costs of `gpu_count` x `gpu` under an engine.

    llama.cpp splits by layer: GPUs take turns, so one GPU's bandwidth and compute serve each
    token, plus a hop per extra GPU. vLLM splits every tensor: all GPUs stream at once, with two
    all-reduces per layer.
    """
    bandwidth = gb_per_s_to_bytes_per_s(bandwidth_gb_per_s or gpu.mem_bandwidth_gb_per_s)
    flops = sustained_flops(gpu, engine, a)
    if engine is Engine.VLLM:
        allreduce = 2 * layers * a.tensor_parallel_allreduce_s if gpu_count > 1 else 0.0
        return SpeedTerms(gpu_count * bandwidth * a.vllm_bandwidth_efficiency_frac, gpu_count * flops, allreduce)
    return SpeedTerms(bandwidth * bandwidth_efficiency(gpu, a), flops, (gpu_count - 1) * a.split_hop_s)


def _decode_step_s(
    m: ModelSpec,
    ws: WeightSummary,
    kv: int,
    w: Workload,
    terms: SpeedTerms,
    a: Assumptions,
    offload: Offload | None,
) -> tuple[float, str]:
    """Seconds per decode step (one token for each of `batch` sequences) and what bounds it."""
    read = ws.read_per_token_bytes + kv  # every step reads the active weights and the whole KV cache
    fixed = m.layers * a.layer_overhead_s + terms.fixed_s
    bandwidth = terms.bandwidth_bytes_per_s
    if offload is not None:  # offloaded layers are read from system RAM instead
        cpu_share = 1 - offload.gpu_layers / offload.total_layers
        ram = gb_per_s_to_bytes_per_s(a.system_ram_gb_per_s)
        bandwidth = 1 / ((1 - cpu_share) / bandwidth + cpu_share / ram)
    flops = 2.0 * ws.active_params * w.batch
    seconds = decode_seconds(read, bandwidth, flops, terms.flops_per_s, fixed)
    if offload is not None:
        reason = f"system RAM: {offload.total_layers - offload.gpu_layers} of {offload.total_layers} layers offloaded"
    elif flops / terms.flops_per_s > read / bandwidth:
        reason = "compute (large batch)"
    elif fixed > read / bandwidth:
        reason = "per-token fixed cost (kernel launches; small model on a fast GPU)"
    else:
        reason = "memory bandwidth"
    return float(seconds), reason


def _prefill_tokens_per_s(
    m: ModelSpec,
    ws: WeightSummary,
    fmt: QuantFormat,
    w: Workload,
    terms: SpeedTerms,
    a: Assumptions,
    offload: Offload | None,
) -> float:
    """Prompt-processing tokens/s for a prompt of `context` tokens."""
    tokens = w.context
    flops = prompt_flops(ws.active_params, m.layers, _attention_dim(m), tokens)
    flops_per_s = terms.flops_per_s * (a.quantized_prefill_frac if _dequantizes(fmt) else 1.0)
    ubatches = math.ceil(tokens / a.llama_cpp_ubatch)
    stream_s = ubatches * ws.read_per_token_bytes / terms.bandwidth_bytes_per_s
    seconds = prefill_seconds(flops, flops_per_s, stream_s, ubatches, m.layers, a)
    if offload is not None:
        # Offloaded layers are computed where they live; llama.cpp streams them over PCIe per batch.
        cpu_share = 1 - offload.gpu_layers / offload.total_layers
        seconds += ubatches * ws.read_per_token_bytes * cpu_share / gb_per_s_to_bytes_per_s(a.pcie_gb_per_s)
    return float(tokens / seconds)


def _attention_dim(m: ModelSpec) -> int:
    return m.attention_heads * (m.mla.v_head_dim if m.mla else m.head_dim)


def _dequantizes(fmt: QuantFormat) -> bool:
    """Quantized weights are expanded before the matrix units see them (a prompt-speed cost)."""
    return fmt.base_type not in {"F16", "BF16", "F32"}


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
    runtime = np.array([_runtime_context_bytes(engine, g.vendor is not Vendor.APPLE, a) for g in gpus])
    capacity = np.array([usable_bytes_per_gpu(g, a, engine) for g in gpus], dtype=float)
    layers = np.array([m.layers for m in models], dtype=float)[:, None, None, None]
    attention = np.array([_attention_dim(m) for m in models], dtype=float)[:, None, None, None]
    terms = [speed_terms(g, engine, gpu_count, 1, a) for g in gpus]
    bandwidth = np.array([t.bandwidth_bytes_per_s for t in terms])[None, None, :, None]
    flops_per_s = np.array([t.flops_per_s for t in terms])[None, None, :, None]
    # speed_terms counts all-reduces for one layer above; scale to each model's layer count.
    fixed = np.array([t.fixed_s for t in terms])[None, None, :, None]
    fixed = fixed * (layers if engine is Engine.VLLM else 1.0) + layers * a.layer_overhead_s

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
    quantized = np.array([_dequantizes(f) for f in fmts])[None, :, None, None]
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
