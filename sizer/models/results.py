"""Results: what `estimate --json` prints."""

from __future__ import annotations

from sizer.models.assumptions import Assumptions
from sizer.models.base import Engine, _Frozen
from sizer.models.reasons import Reason


class MemoryBytes(_Frozen):
    """Memory breakdown in bytes, summed over all GPUs."""

    weights: int
    kv_cache: int
    overhead: int
    total: int


class Offload(_Frozen):
    """How llama.cpp / ollama would split a model that does not fit: layers on GPU, rest in RAM."""

    gpu_layers: int
    total_layers: int
    cpu_bytes: int


class Estimate(_Frozen):
    """One model on one piece of hardware: memory, fit and speed. This is the `estimate --json` object."""

    model: str
    quant: str
    context: int
    batch: int
    engine: Engine
    kv_cache_type: str
    gpu: str
    gpu_count: int
    memory_bytes: MemoryBytes
    per_gpu_bytes: tuple[int, ...]
    available_bytes: int
    fits: bool
    offload: Offload | None
    decode_tokens_per_s: float
    prefill_tokens_per_s: float
    aggregate_tokens_per_s: float
    limited_by_code: Reason  # what bounds a decode step: memory-bandwidth, compute, per-token-fixed-cost, offload
    assumptions: Assumptions
