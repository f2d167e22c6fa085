"""Speed: decode is memory-bound (bytes read per token over achievable bandwidth, plus a fixed time
per layer); prompt processing is compute-bound (2 FLOP per active weight per token over achievable
tensor throughput). Constants live in `Assumptions`, fitted by `sizer.calibrate`. How the terms
of a multi-GPU rig combine is each engine's (sizer.engines: `speed_terms`). Pure."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from sizer.core.memory import WeightSummary
from sizer.core.quant import QuantFormat
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

    The datasheet's dense FP16 rate (doubled on GeForce where the engine accumulates in FP16, as
    llama.cpp does: the catalog carries the half-rate FP32-accumulate figure) times the software
    stack's efficiency, capped for discrete cards by board power x TFLOPS/W.
    """
    peak = gpu.fp16_tflops * (2 if fp16_accumulate and gpu.half_rate_fp32_accumulate else 1)
    eff = {
        Vendor.APPLE: a.compute_efficiency_apple_frac,
        Vendor.AMD: a.compute_efficiency_amd_frac,
        Vendor.INTEL: a.compute_efficiency_intel_frac,
    }.get(gpu.vendor, a.compute_efficiency_frac)
    sustained = peak * eff
    if not gpu.unified_memory:
        sustained = min(sustained, gpu.tdp_w * a.tflops_per_watt)
    return tflops_to_flops(sustained)


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
    """What one rig of GPUs offers a decode or prompt step under an engine (sizer.engines builds it)."""

    bandwidth_bytes_per_s: float  # achievable, summed where the engine reads all GPUs at once
    flops_per_s: float  # sustained matrix throughput, likewise
    fixed_s: float  # per-token cost of the rig beyond the per-layer cost (layer-split hops)
    fixed_per_layer_s: float  # per-token cost per layer beyond layer_overhead_s (all-reduces)
    ubatch_tokens: int  # prompt tokens per forward pass: weights stream once per micro-batch


def fixed_step_s(layers: Any, fixed_s: Any, fixed_per_layer_s: Any, a: Assumptions) -> Any:
    """Fixed seconds per decode step: kernel launches per layer, plus the rig's hops or all-reduces."""
    return layers * a.layer_overhead_s + fixed_s + layers * fixed_per_layer_s


def _decode_step(
    m: ModelSpec,
    ws: WeightSummary,
    kv: int,
    w: Workload,
    terms: SpeedTerms,
    a: Assumptions,
    offload: Offload | None,
) -> tuple[float, float, float, float]:
    """A decode step's bytes read, the bandwidth they come at, its FLOPs and its fixed seconds."""
    read = ws.read_per_token_bytes + kv  # every step reads the active weights and the whole KV cache
    fixed = fixed_step_s(m.layers, terms.fixed_s, terms.fixed_per_layer_s, a)
    bandwidth = terms.bandwidth_bytes_per_s
    if offload is not None:  # offloaded layers are read from system RAM instead
        cpu_share = 1 - offload.gpu_layers / offload.total_layers
        ram = gb_per_s_to_bytes_per_s(a.system_ram_gb_per_s)
        bandwidth = 1 / ((1 - cpu_share) / bandwidth + cpu_share / ram)
    flops = 2.0 * ws.active_params * w.batch
    return read, bandwidth, flops, fixed


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
    read, bandwidth, flops, fixed = _decode_step(m, ws, kv, w, terms, a, offload)
    return float(decode_seconds(read, bandwidth, flops, terms.flops_per_s, fixed))


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
    read, bandwidth, flops, fixed = _decode_step(m, ws, kv, w, terms, a, offload)
    seconds = decode_seconds(read, bandwidth, flops, terms.flops_per_s, fixed)
    if offload is not None:
        offloaded = offload.total_layers - offload.gpu_layers
        reason = Reason(code="offload", offloaded_layers=offloaded, total_layers=offload.total_layers)
    elif flops / terms.flops_per_s > read / bandwidth:
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
    flops_per_s = terms.flops_per_s * (a.quantized_prefill_frac if dequantizes(fmt) else 1.0)
    ubatches = math.ceil(tokens / terms.ubatch_tokens)
    stream_s = ubatches * ws.read_per_token_bytes / terms.bandwidth_bytes_per_s
    seconds = prefill_seconds(flops, flops_per_s, stream_s, ubatches, m.layers, a)
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
