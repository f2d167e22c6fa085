"""Serving under concurrency: what a rig does with many requests at once. Pure.

A step of the engine's scheduler decodes one token for each running sequence: it reads the
weights the batch touches (MoE: the distinct experts its tokens route to) and every sequence's
KV cache at its own depth, multiplies and attends, and pays fixed costs per layer and per
sequence (core/speed.py: `decode_step_seconds`). Prompts are processed in chunks of the engine's
batch-token budget, compute-bound at the weights' precision. From those two: a static batch (C
requests submitted together), the closed loop (C always in flight), the peak over concurrencies
the KV cache holds, and how many users meet a per-user speed. Each engine supplies its terms
(sizer.engines: `speed_terms`, `scheduler`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from sizer.core.estimate import estimate
from sizer.core.layout import layout_memory, layout_per_gpu_bytes, layout_terms, option_layout, plan_layout
from sizer.core.memory import MemoryNeed, WeightSummary, kv_cache_bytes, kv_shards
from sizer.core.quant import QuantFormat, resolve_quant
from sizer.core.rigs import HardwareOption, sized_with
from sizer.core.speed import (
    SpeedTerms,
    allreduce_s,
    attention_dim,
    blended_flops_per_s,
    decode_step_s,
    decode_step_seconds,
    pipeline_send_s,
    prefill_seconds,
    prompt_attention_flops,
    prompt_flops,
    step_flops_per_s,
    weights_read_bytes,
)
from sizer.engines import engine_for
from sizer.engines.base import Runtime
from sizer.models import Assumptions, Estimate, GpuSpec, Interconnect, ModelSpec, Vendor, Workload
from sizer.models.assumptions import DEFAULT_ASSUMPTIONS
from sizer.models.needs import Needs
from sizer.models.results import Peak, Serving

MAX_USERS = 1024


@dataclass(frozen=True)
class Rig:
    """What the serving model needs of one model on one rig under one engine."""

    model: ModelSpec
    weights: WeightSummary
    terms: SpeedTerms
    workload: Workload  # format, KV-cache type, engine (its batch and context are set per step)
    a: Assumptions
    chunk_tokens: int  # prompt tokens per scheduler step (vLLM --max-num-batched-tokens, llama.cpp -ub)
    max_slots: int  # most sequences the engine runs at once by default (vLLM --max-num-seqs)
    kv_pool_bytes: float  # KV cache the rig holds beyond weights and overheads, all GPUs together
    request_s: float = 0.0  # a served request's time before its first token outside the steps
    kv_copies: float = 1.0  # times the rig stores and reads each KV cache (memory.kv_shards)


def serving_rig(
    model: ModelSpec,
    gpu: GpuSpec,
    gpu_count: int,
    workload: Workload,
    a: Assumptions,
    available_bytes_per_gpu: int | None = None,
    bandwidth_gb_per_s: float | None = None,
    nodes: int = 1,
    interconnect: Interconnect | None = None,
) -> Rig:
    """The serving model's view of `gpu_count` x `gpu` (on each of `nodes` nodes) running `model`
    under the workload's engine."""
    runtime = engine_for(workload.engine)
    layout = plan_layout(runtime, model, gpu_count, nodes, interconnect)
    need = layout_memory(runtime, model, workload, layout, a, gpu_runtime=gpu.vendor is not Vendor.APPLE)
    capacity = available_bytes_per_gpu or runtime.usable_bytes_per_gpu(gpu, a)
    # Each GPU's room beyond its share of the weights holds 1/shards of every request's cache.
    copies = kv_copies(runtime, model, layout.tensor_parallel)
    total = layout.gpu_count
    pool = total / copies * (capacity - need.per_gpu_overhead_bytes - need.weights.total_bytes / total)
    pool *= runtime.kv_free_share(a)  # TensorRT-LLM: its KV share of the free memory
    slots = runtime.serving_scheduler(workload, a, gpu)
    return Rig(
        model=model,
        weights=need.weights,
        terms=layout_terms(runtime, gpu, layout, a, bandwidth_gb_per_s),
        workload=workload,
        a=a,
        chunk_tokens=slots.batch_tokens,
        max_slots=max(slots.max_slots, slots.slots),  # the command raises the engine's cap to the batch
        kv_pool_bytes=max(pool, 0.0),
        request_s=slots.request_s,
        kv_copies=copies,
    )


def step_s(rig: Rig, batch: int, depth: float) -> float:
    """Seconds of one decode step for `batch` sequences that each hold `depth` tokens."""
    d = max(1, round(depth))
    w = rig.workload.model_copy(update={"batch": batch, "context": d})
    kv = kv_cache_bytes(rig.model, d, batch, rig.workload.kv_cache_type) * rig.kv_copies
    return decode_step_seconds(rig.model, rig.weights, round(kv), w, rig.terms, rig.a)


def prompts_s(rig: Rig, prompts: int, prompt_tokens: int) -> float:
    """Seconds to process `prompts` prompts of `prompt_tokens` each, in chunks of the engine's
    batch-token budget: compute-bound at the weights' precision, weights streamed once per chunk
    (MoE: the experts a chunk's tokens touch), a fixed cost per layer and chunk."""
    fmt = resolve_quant(rig.workload.quant)
    return _prompts_s(rig.model, rig.weights, rig.terms, fmt, rig.a, rig.chunk_tokens, prompts, prompt_tokens)


def _prompts_s(
    m: ModelSpec,
    ws: WeightSummary,
    terms: SpeedTerms,
    fmt: QuantFormat,
    a: Assumptions,
    chunk_tokens: int,
    prompts: int,
    prompt_tokens: int,
) -> float:
    tokens = prompts * prompt_tokens
    chunks = math.ceil(tokens / chunk_tokens)
    flops = prompts * prompt_flops(ws.active_params, m.layers, attention_dim(m), prompt_tokens)
    attention = prompts * prompt_attention_flops(m.layers, attention_dim(m), prompt_tokens)
    rate = blended_flops_per_s(flops - attention, step_flops_per_s(terms, fmt, a), attention, terms.flops_per_s)
    rate *= terms.prompt_rate_frac
    stream = chunks * weights_read_bytes(ws, m, min(tokens, chunk_tokens)) / terms.bandwidth_bytes_per_s
    seconds = prefill_seconds(flops, rate, stream, chunks, m.layers, a) + allreduce_s(m, tokens, terms)
    return float(seconds + pipeline_send_s(m, tokens, terms, chunks))


def max_concurrency(rig: Rig, tokens_per_request: int) -> float:
    """Requests of `tokens_per_request` tokens the KV cache holds at once (vLLM prints it at start)."""
    per_request = kv_cache_bytes(rig.model, tokens_per_request, 1, rig.workload.kv_cache_type)
    return rig.kv_pool_bytes / per_request


def _running(rig: Rig, concurrency: int, held: float) -> int:
    """Sequences that run at once: those asked for, as far as the KV cache and the engine allow."""
    return max(1, min(concurrency, rig.max_slots, math.floor(held) if held >= 1 else 1))


def static_batch(rig: Rig, concurrency: int, prompt_tokens: int, output_tokens: int) -> tuple[float, float]:
    """C requests submitted together: (seconds until the last has its first token, until all are done).

    The engine prefills every prompt, then decodes all running sequences together at their mean
    depth; what the KV cache cannot hold waits and runs in a later wave."""
    held = max_concurrency(rig, prompt_tokens + output_tokens)
    wave = _running(rig, concurrency, held)
    ttft = latency = 0.0
    left = concurrency
    while left > 0:
        n = min(wave, left)
        prefill = prompts_s(rig, n, prompt_tokens)
        ttft = latency + prefill
        latency += prefill + (output_tokens - 1) * step_s(rig, n, prompt_tokens + output_tokens / 2)
        left -= n
    return ttft, latency


@dataclass(frozen=True)
class Loop:
    """The closed loop: C requests always in flight."""

    ttft_s: float
    itl_s: float
    request_latency_s: float
    output_tokens_per_s: float
    running: int


def closed_loop(rig: Rig, concurrency: int, prompt_tokens: int, output_tokens: int, depth: float | None = None) -> Loop:
    """C requests always in flight, each of `prompt_tokens` in and `output_tokens` out.

    Steady state: the running sequences decode together at their mean depth, and each request's
    prompt is computed within the same steps (chunked prefill), so a request's time is its
    output steps plus every running request's prompt compute. Requests of one length that start
    together finish together, so they come back together: a new request waits, first come first
    served, for the prompts of its wave ahead of it (half of them on average) and, past what
    runs at once, for a free slot; and the server's own time on the request (`request_s`)."""
    held = max_concurrency(rig, prompt_tokens + output_tokens)
    n = _running(rig, concurrency, held)
    step = step_s(rig, n, prompt_tokens + output_tokens / 2 if depth is None else depth)
    wave_prompts = prompts_s(rig, n, prompt_tokens)
    cycle = output_tokens * step + wave_prompts  # every running request's tokens and prompt once
    itl = cycle / output_tokens
    ttft = rig.request_s + wave_prompts * (n + 1) / (2 * n) + step / 2
    if concurrency > n:  # the rest queue for a slot: each wave of n takes a cycle
        ttft += (concurrency - n) / n * cycle
    latency = ttft + (output_tokens - 1) * itl
    return Loop(ttft, itl, latency, n * output_tokens / cycle, n)


def largest(ok: Callable[[int], bool], most: int, per: int | None = None) -> int:
    """The largest n in 1..most with ok(n), for an ok that holds up to some n and fails beyond it
    (0: not even 1): doubling, then bisecting; with `per`, to within n // per of it, where a
    closer answer costs more calls than it is worth."""
    if not ok(1):
        return 0
    lo, hi = 1, 2
    while hi <= most and ok(hi):
        lo, hi = hi, hi * 2
    hi = min(hi, most + 1)
    while hi - lo > (max(1, lo // per) if per else 1):  # ok(lo) and not ok(hi)
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if ok(mid) else (lo, mid)
    return lo


def concurrency_ladder(most: int) -> list[int]:
    """1, 2, 4, ... up to `most` (and `most` itself): the concurrencies a peak search tries."""
    out, c = [], 1
    while c < most:
        out.append(c)
        c *= 2
    return [*out, max(1, most)]


def peak(rig: Rig, prompt_tokens: int, output_tokens: int) -> Peak:
    """The best closed-loop throughput over the concurrencies the KV cache and the engine allow."""
    held = max_concurrency(rig, prompt_tokens + output_tokens)
    most = _running(rig, MAX_USERS * 64, held)
    best = max(
        (closed_loop(rig, c, prompt_tokens, output_tokens).output_tokens_per_s, c) for c in concurrency_ladder(most)
    )
    return Peak(concurrency=best[1], output_tokens_per_s=best[0])


def serving(rig: Rig, concurrency: int, prompt_tokens: int, output_tokens: int) -> Serving:
    """Every serving figure of `concurrency` requests of `prompt_tokens` in, `output_tokens` out."""
    held = max_concurrency(rig, prompt_tokens + output_tokens)
    batch_ttft, batch_latency = static_batch(rig, concurrency, prompt_tokens, output_tokens)
    loop = closed_loop(rig, concurrency, prompt_tokens, output_tokens)
    return Serving(
        concurrency=concurrency,
        prompt_tokens=prompt_tokens,
        output_tokens=output_tokens,
        batch_ttft_s=batch_ttft,
        batch_latency_s=batch_latency,
        ttft_s=loop.ttft_s,
        itl_s=loop.itl_s,
        request_latency_s=loop.request_latency_s,
        output_tokens_per_s=loop.output_tokens_per_s,
        max_concurrency=held,
        peak=peak(rig, prompt_tokens, output_tokens),
        limited_by=_limit(rig, concurrency, held, prompt_tokens + output_tokens // 2),
    )


def _limit(rig: Rig, concurrency: int, held: float, depth: int) -> str:
    """What bounds serving at this concurrency: the KV cache, else what bounds a decode step."""
    if concurrency > held:
        return "kv-cache-capacity"
    n = _running(rig, concurrency, held)
    if n < concurrency:
        return "scheduler"
    w = rig.workload.model_copy(update={"batch": n, "context": depth})
    kv = kv_cache_bytes(rig.model, depth, n, rig.workload.kv_cache_type) * rig.kv_copies
    return decode_step_s(rig.model, rig.weights, round(kv), w, rig.terms, rig.a, None)[1].code


def estimate_option(model: ModelSpec, option: HardwareOption, needs: Needs, users: int, a: Assumptions) -> Estimate:
    return estimate(
        model,
        option.gpu,
        needs.workload(users),
        option.count,
        sized_with(option, a),
        available_bytes_per_gpu=option.available_bytes_per_gpu,
        bandwidth_gb_per_s=option.bandwidth_gb_per_s,
        nodes=option.nodes,
        interconnect=option.interconnect,
    )


def _rig(runtime: Runtime, option: HardwareOption, a: Assumptions) -> tuple[int, SpeedTerms]:
    """What the rig offers any model, as `estimate` takes it: bytes per GPU and speed terms."""
    capacity = option.available_bytes_per_gpu or runtime.usable_bytes_per_gpu(option.gpu, a)
    return capacity, layout_terms(runtime, option.gpu, option_layout(runtime, option), a, option.bandwidth_gb_per_s)


def _fit(
    runtime: Runtime,
    model: ModelSpec,
    option: HardwareOption,
    workload: Workload,
    a: Assumptions,
    capacity: int,
    memo: dict[tuple[int, int, bool], tuple[MemoryNeed, int]],
) -> tuple[bool, MemoryNeed]:
    """`estimate`'s fit (its fullest GPU against the capacity) and the memory need; `memo` keeps
    the need and fullest GPU per GPU count, nodes and runtime, which is all they depend on."""
    gpu_runtime = option.gpu.vendor is not Vendor.APPLE
    key = (option.count, option.nodes, gpu_runtime)
    if key not in memo:
        layout = option_layout(runtime, option)
        need = layout_memory(runtime, model, workload, layout, a, gpu_runtime=gpu_runtime)
        memo[key] = need, max(layout_per_gpu_bytes(need, model, layout))
    need, fullest = memo[key]
    return fullest <= capacity, need


def kv_copies(runtime: Runtime, model: ModelSpec, gpu_count: int) -> float:
    """Times `gpu_count` GPUs store, and read each step, a KV cache (memory.kv_shards: tensor
    parallel copies what it cannot divide; a layer split divides it)."""
    return gpu_count / kv_shards(model, gpu_count) if runtime.splits_tensors else 1.0


def _decode(
    model: ModelSpec,
    need: MemoryNeed,
    workload: Workload,
    terms: SpeedTerms,
    a: Assumptions,
    gpu: GpuSpec,
    copies: float = 1.0,
) -> float:
    """Each user's tokens/s in the closed loop of `workload.batch` chat turns at full depth, every
    layer on the GPUs: a decode step of all users at their context (`estimate`'s), plus every
    user's turn prompt spread over the turn's output (core/serving.py: `closed_loop`)."""
    chunk = engine_for(workload.engine).serving_scheduler(workload, a, gpu).batch_tokens
    return _turn_speed(model, need, workload, terms, a, chunk, resolve_quant(workload.quant), copies)


def _turn_speed(
    model: ModelSpec,
    need: MemoryNeed,
    workload: Workload,
    terms: SpeedTerms,
    a: Assumptions,
    chunk: int,
    fmt: QuantFormat,
    copies: float = 1.0,
) -> float:
    """`_decode` with the engine's prompt chunk and the format already looked up."""
    step = decode_step_seconds(model, need.weights, round(need.kv_cache_bytes * copies), workload, terms, a)
    output, prompt = _turn(workload.context)
    prompts = _prompts_s(model, need.weights, terms, fmt, a, chunk, workload.batch, prompt)
    return 1.0 / (step + prompts / output)


def _turn(context: int) -> tuple[int, int]:
    """A chat turn's output and new prompt tokens within `context` (TURN_* where they fit)."""
    output = min(TURN_OUTPUT_TOKENS, max(1, context // 2))
    return output, max(1, min(TURN_PROMPT_TOKENS, context - output))


def user_tokens_per_s(
    model: ModelSpec,
    gpu: GpuSpec,
    gpu_count: int,
    workload: Workload,
    a: Assumptions,
    available_bytes_per_gpu: int | None = None,
    nodes: int = 1,
    interconnect: Interconnect | None = None,
) -> float:
    """Each of `workload.batch` users' tokens/s in the closed loop of chat turns at the workload's
    full context, every layer on the GPUs (`_decode`: what recommend ranks and users_served counts by);
    with `nodes`, on that many machines of `gpu_count` GPUs over `interconnect`."""
    runtime = engine_for(workload.engine)
    option = HardwareOption(
        gpu=gpu,
        count=gpu_count,
        available_bytes_per_gpu=available_bytes_per_gpu,
        nodes=nodes,
        interconnect=interconnect,
    )
    _, terms = _rig(runtime, option, a)
    gpu_runtime = gpu.vendor is not Vendor.APPLE
    need = layout_memory(runtime, model, workload, option_layout(runtime, option), a, gpu_runtime=gpu_runtime)
    return _decode(model, need, workload, terms, a, gpu, kv_copies(runtime, model, gpu_count))


def fit_and_decode(
    models: Sequence[ModelSpec],
    rigs_of: Mapping[str, Sequence[HardwareOption]],
    needs: Needs,
    users: int,
    a: Assumptions,
) -> dict[str, list[tuple[bool, float]]]:
    """Per model, for each rig of `rigs_of[model.id]`: `estimate_option`'s fit and per-user decode
    tokens/s, from the same calls but without building an Estimate per pairing (the memory need
    is computed once per model, GPU count and runtime; a rig's capacity and speed terms once per
    rig). A rig the engine would offload layers from takes `estimate_option` itself."""
    workload = needs.workload(users)
    runtime = engine_for(workload.engine)
    fmt = resolve_quant(workload.quant)
    shared = a
    chunks: dict[int, int] = {}  # id(gpu): the engine's prompt chunk there
    rigs: dict[int, tuple[int, SpeedTerms]] = {}  # id(option): the options outlive the call
    out = {}
    for model in models:
        memo: dict[tuple[int, int, bool], tuple[MemoryNeed, int]] = {}
        row = []
        for option in rigs_of.get(model.id, ()):
            a = sized_with(option, shared)
            if id(option) not in rigs:
                rigs[id(option)] = _rig(runtime, option, a)
            capacity, terms = rigs[id(option)]
            fits, need = _fit(runtime, model, option, workload, a, capacity, memo)
            if not fits and runtime.offloads:
                est = estimate_option(model, option, needs, users, a)
                row.append((est.fits, est.decode_tokens_per_s))
            else:
                if id(option.gpu) not in chunks:
                    chunks[id(option.gpu)] = runtime.serving_scheduler(workload, a, option.gpu).batch_tokens
                chunk = chunks[id(option.gpu)]
                copies = kv_copies(runtime, model, option.count)
                row.append((fits, _turn_speed(model, need, workload, terms, a, chunk, fmt, copies)))
        out[model.id] = row
    return out


# A chat turn as users_served sizes it: the new prompt tokens of a turn (the history is already in
# the cache) and the answer. LMSYS-Chat-1M averages 69.5 tokens per user message and 214.5 per
# answer (data/costs.yaml `load`); rounded up for system prompts and retrieved passages.
TURN_PROMPT_TOKENS = 512
TURN_OUTPUT_TOKENS = 256


def users_served(
    model: ModelSpec, option: HardwareOption, needs: Needs, assumptions: Assumptions = DEFAULT_ASSUMPTIONS
) -> int:
    """How many concurrent users the rig serves at `min_tokens_per_s` each, all on the GPUs (0: none).

    A user holds a scheduler slot of the full context; u users are served when the engine's slots
    for all of them fit (the command sets that many: vLLM --max-num-seqs, llama.cpp -np) and the
    closed loop of u chat turns at full depth gives each at least `min_tokens_per_s` (`_decode`,
    which recommend ranks by too).
    """
    runtime = engine_for(needs.engine)
    assumptions = sized_with(option, assumptions)
    capacity, terms = _rig(runtime, option, assumptions)

    def serves(users: int) -> bool:
        workload = needs.workload(users)
        fits, need = _fit(runtime, model, option, workload, assumptions, capacity, {})
        if not fits:
            return False
        copies = kv_copies(runtime, model, option.count)
        return _decode(model, need, workload, terms, assumptions, option.gpu, copies) >= needs.min_tokens_per_s

    return largest(serves, MAX_USERS)  # both conditions only get harder with more users
