"""Serving under concurrency: how many users a rig serves. The seam where the serving model grows
(one step-time model per engine scheduler); today a bisection on per-user decode speed. Pure."""

from __future__ import annotations

from collections.abc import Sequence

from sizer.core.estimate import estimate
from sizer.core.memory import MemoryNeed, per_gpu_bytes
from sizer.core.rigs import HardwareOption
from sizer.core.speed import decode_step_s
from sizer.engines import engine_for
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


def _fit(
    model: ModelSpec,
    option: HardwareOption,
    workload: Workload,
    a: Assumptions,
    memo: dict[tuple[int, bool], tuple[MemoryNeed, int]],
) -> tuple[bool, MemoryNeed]:
    """`estimate`'s fit (its fullest GPU against the capacity) and the memory need; `memo` keeps
    the need and fullest GPU per GPU count and runtime, which is all they depend on."""
    runtime = engine_for(workload.engine)
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
    capacity = option.available_bytes_per_gpu or runtime.usable_bytes_per_gpu(option.gpu, a)
    return fullest <= capacity, need


def _decode(model: ModelSpec, option: HardwareOption, need: MemoryNeed, workload: Workload, a: Assumptions) -> float:
    """`estimate`'s per-sequence decode tokens/s with every layer on the GPUs."""
    terms = engine_for(workload.engine).speed_terms(option.gpu, option.count, a, option.bandwidth_gb_per_s)
    seconds, _ = decode_step_s(model, need.weights, need.kv_cache_bytes, workload, terms, a, None)
    return 1.0 / seconds


def fit_and_decode(
    model: ModelSpec, options: Sequence[HardwareOption], needs: Needs, users: int, a: Assumptions
) -> list[tuple[bool, float]]:
    """Per rig, `estimate_option`'s fit and per-user decode tokens/s, from the same functions but
    without building an Estimate per rig (the memory need is computed once per GPU count and
    runtime). A rig the engine would offload layers from takes `estimate_option` itself."""
    workload = needs_workload(needs, users)
    offloads = engine_for(workload.engine).offloads
    memo: dict[tuple[int, bool], tuple[MemoryNeed, int]] = {}
    out = []
    for option in options:
        fits, need = _fit(model, option, workload, a, memo)
        if not fits and offloads:
            est = estimate_option(model, option, needs, users, a)
            out.append((est.fits, est.decode_tokens_per_s))
        else:
            out.append((fits, _decode(model, option, need, workload, a)))
    return out


def users_served(
    model: ModelSpec, option: HardwareOption, needs: Needs, assumptions: Assumptions = DEFAULT_ASSUMPTIONS
) -> int:
    """How many concurrent users the rig serves at `min_tokens_per_s` each, all on the GPUs (0: none)."""

    def serves(users: int) -> bool:
        workload = needs_workload(needs, users)
        fits, need = _fit(model, option, workload, assumptions, {})
        return fits and _decode(model, option, need, workload, assumptions) >= needs.min_tokens_per_s

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
