"""Serving under concurrency: how many users a rig serves. The seam where the serving model grows
(one step-time model per engine scheduler); today a bisection on per-user decode speed. Pure."""

from __future__ import annotations

from sizer.core.estimate import estimate
from sizer.core.rigs import HardwareOption
from sizer.models import Assumptions, Estimate, ModelSpec, Workload
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


def users_served(
    model: ModelSpec, option: HardwareOption, needs: Needs, assumptions: Assumptions = DEFAULT_ASSUMPTIONS
) -> int:
    """How many concurrent users the rig serves at `min_tokens_per_s` each, all on the GPUs (0: none)."""

    def serves(users: int) -> bool:
        est = estimate_option(model, option, needs, users, assumptions)
        return est.fits and est.decode_tokens_per_s >= needs.min_tokens_per_s

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
