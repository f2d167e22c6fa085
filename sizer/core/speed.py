"""Speed: decode is memory-bound (bytes read per token over achievable bandwidth, plus a fixed time
per layer); prompt processing is compute-bound (2 FLOP per active weight per token over achievable
tensor throughput). Constants live in `Assumptions`, fitted by `sizer.calibrate`. How the terms
of a multi-GPU rig combine is each engine's (sizer.engines: `speed_terms`). Pure."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from sizer.core.memory import WeightSummary
from sizer.core.quant import QuantFormat, resolve_quant
from sizer.models import Assumptions, GpuSpec, ModelSpec, Offload, Vendor, Workload
from sizer.models.reasons import Reason
from sizer.units import gb_per_s_to_bytes_per_s, tflops_to_flops


def bandwidth_efficiency(gpu: GpuSpec, a: Assumptions) -> float:
    """Fraction of datasheet bandwidth a decode step reaches on this memory family (fitted)."""
    return {
        "hbm": a.bandwidth_efficiency_hbm_frac,
        "gddr": a.bandwidth_efficiency_gddr_frac,
        "lpddr": a.bandwidth_efficiency_lpddr_frac,
        "apple": a.bandwidth_efficiency_apple_frac,
    }[gpu.memory_class]


def sustained_flops(gpu: GpuSpec, a: Assumptions, fp16_accumulate: bool = False) -> float:
    """Matrix FLOP/s a prompt-processing pass sustains on one GPU.

    The datasheet's dense FP16 rate at the share of it the GPU achieves (doubled on GeForce where
    the engine accumulates in FP16, as llama.cpp does: the catalog carries the half-rate
    FP32-accumulate figure) times the software stack's efficiency, capped for discrete cards by
    board power x TFLOPS/W.
    """
    doubled = 2 if fp16_accumulate and gpu.half_rate_fp32_accumulate else 1
    peak = gpu.fp16_tflops * achievable_share(gpu, "fp16") * doubled
    eff = {
        Vendor.APPLE: a.compute_efficiency_apple_frac,
        Vendor.AMD: a.compute_efficiency_amd_frac,
        Vendor.INTEL: a.compute_efficiency_intel_frac,
    }.get(gpu.vendor, a.compute_efficiency_frac)
    sustained = peak * eff
    if not gpu.unified_memory:
        sustained = min(sustained, gpu.tdp_w * a.tflops_per_watt)
    return tflops_to_flops(sustained)


def achievable_share(gpu: GpuSpec, precision: str) -> float:
    """The share of the datasheet's dense rate a GPU's best sustained GEMM reaches, where its
    vendor measured it (catalog `maf_*_tflops`; MI300X 654 of 1,307 FP16 TFLOPS at sustained
    clocks); 1 elsewhere, the GPUs the efficiency constants were fitted on reaching close to their
    peak. FP16 sets the 16-bit rate; FP8 the FP8, INT8 and FP4 rates (the same matrix units)."""
    if precision == "fp16":
        return gpu.maf_fp16_tflops / gpu.fp16_tflops if gpu.maf_fp16_tflops else 1.0
    return gpu.maf_fp8_tflops / gpu.fp8_tflops if gpu.maf_fp8_tflops and gpu.fp8_tflops else 1.0


def engine_flops(gpu: GpuSpec, efficiency: float) -> float:
    """Sustained dense 16-bit matrix FLOP/s of one GPU under a serving engine that reaches
    `efficiency` of the datasheet rate (its tuned GEMMs; no board-power cap: the serving data
    on datacenter cards show none), at the share of it the GPU achieves."""
    return tflops_to_flops(gpu.fp16_tflops * achievable_share(gpu, "fp16") * efficiency)


def low_precision_flops(gpu: GpuSpec, efficiency: float) -> dict[str, float | None]:
    """Sustained FP8, INT8 and FP4 matrix FLOP/s of one GPU under a serving engine (None where it
    has no such units): the datasheet's dense rate, at the share of it the GPU achieves, times
    the engine's efficiency."""
    rates = {"fp8": gpu.fp8_tflops, "int8": gpu.int8_tops, "fp4": gpu.fp4_tflops}
    share = achievable_share(gpu, "fp8") * efficiency
    return {key: None if peak is None else tflops_to_flops(peak * share) for key, peak in rates.items()}


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
    return 2.0 * active_params * tokens + prompt_attention_flops(layers, attention_dim, tokens)


def prompt_attention_flops(layers: Any, attention_dim: Any, tokens: Any) -> Any:
    """The causal attention part of `prompt_flops`."""
    return 2.0 * layers * attention_dim * tokens * tokens


def blended_flops_per_s(matrix_flops: Any, matrix_rate: Any, attention_flops: Any, attention_rate: Any) -> Any:
    """FLOP/s of a step whose products with the weights run at `matrix_rate` (the weights'
    precision: FP8, FP4 or 16-bit) and whose attention, a product of activations and the KV cache
    in any weight format, at `attention_rate` (the 16-bit rate): all FLOPs over the time of both."""
    return (matrix_flops + attention_flops) / (matrix_flops / matrix_rate + attention_flops / attention_rate)


def prefill_seconds(
    flops: Any, flops_per_s: Any, weight_stream_s: Any, ubatches: Any, layers: Any, a: Assumptions
) -> Any:
    """Seconds to process a prompt: matrix work overlapped with streaming the weights once per
    micro-batch (roofline), plus a fixed cost per layer and micro-batch."""
    return _maximum(flops / flops_per_s, weight_stream_s) + ubatches * layers * a.prefill_layer_overhead_s


@dataclass(frozen=True)
class SpeedTerms:
    """What one rig of GPUs offers a decode or prompt step under an engine (sizer.engines builds it)."""

    bandwidth_bytes_per_s: float  # achievable, summed where the engine reads all GPUs at once
    flops_per_s: float  # sustained 16-bit matrix throughput, likewise
    fixed_s: float  # per-token cost of the rig beyond the per-layer cost (layer-split hops)
    fixed_per_layer_s: float  # per-token cost per layer beyond the kernels' own (all-reduces)
    ubatch_tokens: int  # prompt tokens per forward pass: weights stream once per micro-batch
    per_seq_s: float = 0.0  # scheduler, sampling and detokenising cost per extra sequence per step
    # Small-batch matrix kernels (llama.cpp's dequantising mat-vec kernels up to a few sequences)
    # multiply each extra sequence's token at this share of the matrix rate, on top of the
    # weights' read (None: batched steps are one GEMM, bounded only by the roofline).
    small_batch_efficiency: float | None = None
    # Sustained low-precision matrix throughput where the GPU has such units (None: it has not).
    fp8_flops_per_s: float | None = None
    int8_flops_per_s: float | None = None
    fp4_flops_per_s: float | None = None
    # An FP8 KV cache on a GPU without FP8 units is converted in the attention kernel: the share
    # of the f16 cache's read speed (per byte) it keeps.
    emulated_fp8_kv_frac: float = 1.0
    # Tensor parallel: seconds per byte a ring all-reduce takes across the rig (0: one GPU).
    allreduce_s_per_byte: float = 0.0
    # Per-token cost per layer of the engine's kernels (launches, norms, small ops); None: the
    # flat `layer_overhead_s`, fitted on llama.cpp runs.
    layer_s: float | None = None
    # Prompt chunks (GEMMs thousands of tokens tall) reach this multiple of a decode step's matrix
    # rate (GEMMs as tall as the batch).
    prompt_rate_frac: float = 1.0
    # Pipeline parallel across nodes (core/layout.py): stage boundaries a step's hidden states
    # cross one after another, the link's one-way latency and its seconds per byte (0: one node).
    pipeline_sends: int = 0
    pipeline_latency_s: float = 0.0
    pipeline_s_per_byte: float = 0.0


def allreduce_s(m: ModelSpec, tokens: Any, terms: SpeedTerms) -> Any:
    """Seconds the tensor-parallel all-reduces of `tokens` tokens take: two per layer (after
    attention and after the FFN), each of the token's hidden state in 16 bits."""
    return tokens * 2 * m.layers * m.hidden_size * 2 * terms.allreduce_s_per_byte


def pipeline_send_s(m: ModelSpec, tokens: Any, terms: SpeedTerms, messages: Any = 1) -> Any:
    """Seconds the pipeline's stage boundaries take for `tokens` tokens sent in `messages` messages
    (a decode step: one; a prompt: one per micro-batch): at each boundary every token's hidden state
    in 16 bits goes point to point to the next node, latency plus bytes over the link, the
    boundaries one after another."""
    if not terms.pipeline_sends:
        return 0.0
    per_boundary = messages * terms.pipeline_latency_s + tokens * m.hidden_size * 2 * terms.pipeline_s_per_byte
    return terms.pipeline_sends * per_boundary


def low_precision_rate(terms: SpeedTerms, fmt: QuantFormat) -> float | None:
    """Matrix FLOP/s of FP8 and INT8 (W8A8) or NVFP4/MXFP4 (W4A4) weights on the GPU's units for
    them (None: the format has no such units here, and is expanded to 16 bits first)."""
    if fmt.name in {"NVFP4", "MXFP4"}:
        return terms.fp4_flops_per_s
    return {"FP8": terms.fp8_flops_per_s, "INT8": terms.int8_flops_per_s}.get(fmt.name)


def weights_read_bytes(ws: WeightSummary, m: ModelSpec, batch: Any) -> Any:
    """Bytes of weights one step over `batch` sequences (or a prompt micro-batch of `batch`
    tokens) reads: all but the embedding once, and of the routed experts the share its tokens
    route to (`more_experts_bytes`)."""
    if m.experts is None or not ws.expert_bytes:
        return ws.read_per_token_bytes
    return ws.read_per_token_bytes + more_experts_bytes(ws.expert_bytes, m.experts.active / m.experts.count, batch)


def more_experts_bytes(expert_bytes: Any, share: Any, tokens: Any) -> Any:
    """Routed-expert bytes `tokens` tokens read beyond one token's share k/E: they touch
    E(1 - (1 - k/E)^T) distinct experts of E when each picks its k independently."""
    return expert_bytes * (1 - (1 - share) ** tokens - share)


def attention_flops(m: ModelSpec, depth: Any) -> Any:
    """FLOPs of one token's attention over `depth` cached tokens: QK^T and AV, 2 x 2 x dim x depth per layer."""
    return 4.0 * m.layers * attention_dim(m) * depth


def fixed_step_s(layers: Any, fixed_s: Any, fixed_per_layer_s: Any, a: Assumptions, layer_s: Any | None = None) -> Any:
    """Fixed seconds per decode step: kernel launches per layer (the engine's `layer_s`, else the
    flat figure), plus the rig's hops or all-reduces."""
    per_layer = a.layer_overhead_s if layer_s is None else layer_s
    return layers * per_layer + fixed_s + layers * fixed_per_layer_s


def _decode_step(
    m: ModelSpec,
    ws: WeightSummary,
    kv: int,
    w: Workload,
    terms: SpeedTerms,
    a: Assumptions,
    offload: Offload | None,
) -> tuple[float, float, float, float, float]:
    """A decode step's bytes read, the bandwidth they come at, its FLOPs, the FLOP/s they run at
    and its fixed seconds.

    Every step reads the weights the batch touches and the whole KV cache (an FP8 cache the GPU
    cannot read natively at the converting kernel's speed), multiplies each sequence's token by
    the active weights and attends over its context, and pays the per-layer, per-sequence and
    all-reduce costs.
    """
    kv_speed = 1.0
    if w.kv_cache_type == "fp8" and terms.fp8_flops_per_s is None:
        kv_speed = terms.emulated_fp8_kv_frac
    read = weights_read_bytes(ws, m, w.batch) + kv / kv_speed
    fixed = fixed_step_s(m.layers, terms.fixed_s, terms.fixed_per_layer_s, a, terms.layer_s)
    fixed += (w.batch - 1) * terms.per_seq_s
    fixed += allreduce_s(m, w.batch, terms) + pipeline_send_s(m, w.batch, terms)
    if terms.small_batch_efficiency is not None:
        fixed += (w.batch - 1) * 2.0 * ws.active_params / (terms.flops_per_s * terms.small_batch_efficiency)
    bandwidth = terms.bandwidth_bytes_per_s
    if offload is not None:  # offloaded layers are read from system RAM instead
        cpu_share = 1 - offload.gpu_layers / offload.total_layers
        ram = gb_per_s_to_bytes_per_s(a.system_ram_gb_per_s)
        bandwidth = 1 / ((1 - cpu_share) / bandwidth + cpu_share / ram)
    matrix, attention = w.batch * 2.0 * ws.active_params, w.batch * attention_flops(m, w.context)
    rate = blended_flops_per_s(matrix, step_flops_per_s(terms, resolve_quant(w.quant), a), attention, terms.flops_per_s)
    return read, bandwidth, matrix + attention, rate, fixed


def step_flops_per_s(terms: SpeedTerms, fmt: QuantFormat, a: Assumptions) -> float:
    """Matrix FLOP/s of a step on these weights: the low-precision rate where it applies, else
    the 16-bit rate, less the expansion cost of quantized weights."""
    low = low_precision_rate(terms, fmt)
    if low is not None:
        return low
    return terms.flops_per_s * (a.quantized_prefill_frac if dequantizes(fmt) else 1.0)


def decode_step_seconds(
    m: ModelSpec,
    ws: WeightSummary,
    kv: int,
    w: Workload,
    terms: SpeedTerms,
    a: Assumptions,
    offload: Offload | None = None,
) -> float:
    """Seconds per decode step, as `decode_step_s` gives them, without saying what bounds it."""
    read, bandwidth, flops, rate, fixed = _decode_step(m, ws, kv, w, terms, a, offload)
    return float(decode_seconds(read, bandwidth, flops, rate, fixed))


def decode_step_s(
    m: ModelSpec,
    ws: WeightSummary,
    kv: int,
    w: Workload,
    terms: SpeedTerms,
    a: Assumptions,
    offload: Offload | None,
) -> tuple[float, Reason]:
    """Seconds per decode step (one token for each of `batch` sequences) and what bounds it."""
    read, bandwidth, flops, rate, fixed = _decode_step(m, ws, kv, w, terms, a, offload)
    seconds = decode_seconds(read, bandwidth, flops, rate, fixed)
    if offload is not None:
        offloaded = offload.total_layers - offload.gpu_layers
        reason = Reason(code="offload", offloaded_layers=offloaded, total_layers=offload.total_layers)
    elif flops / rate > read / bandwidth:
        reason = Reason(code="compute")
    elif fixed > read / bandwidth:
        reason = Reason(code="per-token-fixed-cost")
    else:
        reason = Reason(code="memory-bandwidth")
    return float(seconds), reason


def prefill_tokens_per_s(
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
    flops = prompt_flops(ws.active_params, m.layers, attention_dim(m), tokens)
    attention = prompt_attention_flops(m.layers, attention_dim(m), tokens)
    rate = blended_flops_per_s(flops - attention, step_flops_per_s(terms, fmt, a), attention, terms.flops_per_s)
    flops_per_s = rate * terms.prompt_rate_frac
    ubatches = math.ceil(tokens / terms.ubatch_tokens)
    # Each micro-batch streams the weights once; of an MoE's experts, those its tokens route to.
    stream_s = ubatches * weights_read_bytes(ws, m, min(tokens, terms.ubatch_tokens)) / terms.bandwidth_bytes_per_s
    seconds = prefill_seconds(flops, flops_per_s, stream_s, ubatches, m.layers, a) + allreduce_s(m, tokens, terms)
    seconds += pipeline_send_s(m, tokens, terms, ubatches)
    if offload is not None:
        # Offloaded layers are computed where they live; llama.cpp streams them over PCIe per batch.
        cpu_share = 1 - offload.gpu_layers / offload.total_layers
        seconds += ubatches * ws.read_per_token_bytes * cpu_share / gb_per_s_to_bytes_per_s(a.pcie_gb_per_s)
    return float(tokens / seconds)


def attention_dim(m: ModelSpec) -> int:
    return m.attention_heads * (m.mla.v_head_dim if m.mla else m.head_dim)


def dequantizes(fmt: QuantFormat) -> bool:
    """Quantized weights are expanded before the matrix units see them (a prompt-speed cost)."""
    return fmt.base_type not in {"F16", "BF16", "F32"}
