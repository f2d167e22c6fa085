"""Results: what `estimate --json` prints."""

from __future__ import annotations

from sizer.models.assumptions import Assumptions
from sizer.models.base import Engine, _Frozen
from sizer.models.launch import LaunchSpec
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


class Peak(_Frozen):
    """The best steady-state throughput over the concurrencies that fit."""

    concurrency: int
    output_tokens_per_s: float


class LoadPoint(_Frozen):
    """One point of a pick's latency against load: `concurrency` requests in flight (the p95 of
    `headcount` people's busy hour, where a headcount was asked), closed loop (seconds)."""

    headcount: int | None  # None: the load is the concurrency itself (no --headcount)
    concurrency: int
    ttft_s: float
    itl_s: float
    request_latency_s: float


class Serving(_Frozen):
    """Requests of `prompt_tokens` in and `output_tokens` out, `concurrency` at a time (seconds, tokens/s)."""

    concurrency: int
    prompt_tokens: int
    output_tokens: int
    batch_ttft_s: float  # all submitted together: until the last has its first token
    batch_latency_s: float  # all submitted together: until all have finished
    ttft_s: float  # closed loop, `concurrency` always in flight: time to first token
    itl_s: float  # closed loop: time between two tokens of one request
    request_latency_s: float  # closed loop: first token plus the rest
    output_tokens_per_s: float  # closed loop: generated tokens/s over all requests
    max_concurrency: float  # requests of prompt + output tokens the KV cache holds at once
    peak: Peak
    limited_by: str  # kv-cache-capacity, compute, memory-bandwidth, per-token-fixed-cost, scheduler


class Capacity(_Frozen):
    """A company's busy hour on the rig: `headcount` people sending requests at random (simulated)."""

    headcount: int
    requests_per_hour: float  # per person at the busy hour
    arrival_rate_per_s: float
    ttft_p50_s: float | None  # None: the queue grows without bound
    ttft_p95_s: float | None
    itl_p95_s: float  # the 95th percentile of the gaps between two tokens
    tpot_p95_s: float  # the 95th percentile over requests of their mean time per token (the speed SLO)
    peak_concurrency: int
    max_ttft_s: float | None  # the SLO on p95 time to first token (None: none set)
    min_tokens_per_s: float  # the SLO on each person's generation speed
    meets_slo: bool
    max_headcount_at_slo: int


class Calibration(_Frozen):
    """The user's own calibration an estimate used (`sizer calibrate`): this machine's constants for the GPU."""

    gpu: str
    runs: int  # measured runs the overlay was fitted on
    date: str  # when (YYYY-MM-DD)
    constants: dict[str, float]  # the constants that differ from the shipped ones


class Layout(_Frozen):
    """How the rig's GPUs split the model: tensor parallel inside a node, pipeline parallel across
    nodes (llama.cpp's layer split: pipeline over the GPUs of its one node)."""

    nodes: int
    gpus_per_node: int
    tensor_parallel: int
    pipeline_parallel: int
    per_gpu_bytes: int  # on the fullest GPU
    interconnect: str | None = None  # the link between nodes (data/interconnects.yaml id); None: one node


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
    serving: Serving | None = None  # with --prompt-tokens/--output-tokens: the serving model's figures
    capacity: Capacity | None = None  # with --headcount: the simulated busy hour
    calibration: Calibration | None = None  # the user's overlay for this GPU on this machine, when one applied
    assumptions: Assumptions
    layout: Layout | None = None  # nodes, GPUs per node, TP x PP and bytes per GPU
    launch: LaunchSpec | None = None  # the command that starts what was sized (`estimate` fills it in)
    command: str | None = None  # its shell line; None where there is no command (launch.no_command_code says why)
