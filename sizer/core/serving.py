"""Serving under concurrency: how many users a rig serves. The seam where the serving model grows
(one step-time model per engine scheduler); today a bisection on per-user decode speed. Pure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sizer.core.estimate import estimate
from sizer.core.memory import MemoryNeed, per_gpu_bytes
from sizer.core.rigs import HardwareOption
from sizer.core.speed import SpeedTerms, decode_step_seconds
from sizer.engines import engine_for
from sizer.engines.base import Runtime
from sizer.models import Assumptions, Estimate, ModelSpec, Vendor, Workload
from sizer.models.assumptions import DEFAULT_ASSUMPTIONS
from sizer.models.needs import Needs

MAX_USERS = 1024


def needs_workload(needs: Needs, users: int) -> Workload:
    return Workload(
        quant=needs.quant, context=needs.context, batch=users, engine=needs.engine, kv_cache_type=needs.kv_cache_type
    )


def estimate_option(model: ModelSpec, option: HardwareOption, needs: Needs, users: int, a: Assumptions) -> Estimate:
    return estimate(
        model,
        option.gpu,
        needs_workload(needs, users),
        option.count,
        a,
        available_bytes_per_gpu=option.available_bytes_per_gpu,
        bandwidth_gb_per_s=option.bandwidth_gb_per_s,
    )


def _rig(runtime: Runtime, option: HardwareOption, a: Assumptions) -> tuple[int, SpeedTerms]:
    """What the rig offers any model, as `estimate` takes it: bytes per GPU and speed terms."""
    capacity = option.available_bytes_per_gpu or runtime.usable_bytes_per_gpu(option.gpu, a)
    return capacity, runtime.speed_terms(option.gpu, option.count, a, option.bandwidth_gb_per_s)


def _fit(
    runtime: Runtime,
    model: ModelSpec,
    option: HardwareOption,
    workload: Workload,
    a: Assumptions,
    capacity: int,
    memo: dict[tuple[int, bool], tuple[MemoryNeed, int]],
) -> tuple[bool, MemoryNeed]:
    """`estimate`'s fit (its fullest GPU against the capacity) and the memory need; `memo` keeps
    the need and fullest GPU per GPU count and runtime, which is all they depend on."""
    gpu_runtime = option.gpu.vendor is not Vendor.APPLE
    if (option.count, gpu_runtime) not in memo:
        need = runtime.memory(model, workload, option.count, a, gpu_runtime=gpu_runtime)
        split = per_gpu_bytes(
            need.weights,
            need.kv_cache_bytes,
            need.per_gpu_overhead_bytes,
            model.layers,
            option.count,
            runtime.splits_tensors,
        )
        memo[option.count, gpu_runtime] = need, max(split)
    need, fullest = memo[option.count, gpu_runtime]
    return fullest <= capacity, need


def _decode(model: ModelSpec, need: MemoryNeed, workload: Workload, terms: SpeedTerms, a: Assumptions) -> float:
    """`estimate`'s per-sequence decode tokens/s with every layer on the GPUs."""
    return 1.0 / decode_step_seconds(model, need.weights, need.kv_cache_bytes, workload, terms, a)


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
    workload = needs_workload(needs, users)
    runtime = engine_for(workload.engine)
    rigs: dict[int, tuple[int, SpeedTerms]] = {}  # id(option): the options outlive the call
    out = {}
    for model in models:
        memo: dict[tuple[int, bool], tuple[MemoryNeed, int]] = {}
        row = []
        for option in rigs_of.get(model.id, ()):
            if id(option) not in rigs:
                rigs[id(option)] = _rig(runtime, option, a)
            capacity, terms = rigs[id(option)]
            fits, need = _fit(runtime, model, option, workload, a, capacity, memo)
            if not fits and runtime.offloads:
                est = estimate_option(model, option, needs, users, a)
                row.append((est.fits, est.decode_tokens_per_s))
            else:
                row.append((fits, _decode(model, need, workload, terms, a)))
        out[model.id] = row
    return out


def users_served(
    model: ModelSpec, option: HardwareOption, needs: Needs, assumptions: Assumptions = DEFAULT_ASSUMPTIONS
) -> int:
    """How many concurrent users the rig serves at `min_tokens_per_s` each, all on the GPUs (0: none)."""

    runtime = engine_for(needs.engine)
    capacity, terms = _rig(runtime, option, assumptions)

    def serves(users: int) -> bool:
        workload = needs_workload(needs, users)
        fits, need = _fit(runtime, model, option, workload, assumptions, capacity, {})
        return fits and _decode(model, need, workload, terms, assumptions) >= needs.min_tokens_per_s

    if not serves(1):
        return 0
    lo, hi = 1, 2
    while hi <= MAX_USERS and serves(hi):
        lo, hi = hi, hi * 2
    hi = min(hi, MAX_USERS + 1)
    while hi - lo > 1:  # serves(lo) and not serves(hi)
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if serves(mid) else (lo, mid)
    return lo
