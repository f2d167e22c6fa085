"""Matching models to hardware: ranked model–hardware pairings with speed, cost and the reasons.

Pure: catalog, needs and hardware options in, a Ranking out; calls the estimator only. The
ranking follows a selection framework: fit to the use case first; then right-size (the smallest
model that reaches the quality the use case needs); then speed; then cost and risk (licence).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict

from sizer.core.catalog import Catalog
from sizer.core.cost import Cost, cost, hardware_price
from sizer.core.estimate import memory_needed
from sizer.core.launch import launch_spec, run_command
from sizer.core.rigs import HardwareOption
from sizer.core.serving import estimate_option, fit_and_decode, needs_workload, users_served
from sizer.core.sweep import sweep
from sizer.engines import engine_for
from sizer.engines.base import Runtime, check_workload, rig_refusal
from sizer.models import (
    Assumptions,
    CostSettings,
    Engine,
    Estimate,
    GpuSpec,
    LaunchSpec,
    MemoryBytes,
    ModelSpec,
    Workload,
)
from sizer.models.assumptions import DEFAULT_ASSUMPTIONS
from sizer.models.needs import Needs
from sizer.models.reasons import Reason


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


# Quality a use case needs, as MMLU (5-shot) from the catalog: sizer's own defaults, set so that
# current 7–9B models qualify for chat and summaries and reasoning asks for more (--min-quality).
QUALITY_NEEDED: dict[str, float] = {
    "chat": 65,
    "summarization": 60,
    "rag": 65,
    "code": 65,
    "reasoning": 75,
    "vision": 55,
    "multilingual": 65,
}
# A model without a published score qualifies from this many parameters (code and fine-tunes
# often publish no MMLU).
UNSCORED_MIN_PARAMS = 7e9
GPU_COUNTS = (1, 2, 4, 8)


class Recommendation(_Frozen):
    kind: Literal["runs here", "to buy"]
    model: str
    model_name: str
    quant: str
    gpu: str
    gpu_name: str
    gpu_count: int
    memory_bytes: MemoryBytes
    available_bytes: int
    decode_tokens_per_s: float
    prefill_tokens_per_s: float
    users_served: int
    quality: float | None
    cost: Cost
    license: str
    reason_code: Reason  # smallest-fit or best-below-quality, with the figures behind the pick
    command: str
    launch: LaunchSpec


class Exclusion(_Frozen):
    model: str
    reason_code: Reason  # not-for-use-case, below-quality, does-not-fit, too-slow-on-largest, ...


class Alternative(_Frozen):
    """Another rig that serves a picked model: the points of the cost-against-speed chart."""

    model: str
    gpu: str
    gpu_name: str
    gpu_count: int
    owned: bool
    decode_tokens_per_s: float
    hardware: float
    per_month: float


class Ranking(_Frozen):
    """The `recommend --json` object."""

    hardware: tuple[str, ...]
    needs: Needs
    recommendations: tuple[Recommendation, ...]
    excluded: tuple[Exclusion, ...]
    alternatives: tuple[Alternative, ...] = ()


def smallest_gpu_class(
    catalog: Catalog, need_bytes: int, assumptions: Assumptions = DEFAULT_ASSUMPTIONS, engine: Engine = Engine.LLAMA_CPP
) -> str:
    """The smallest discrete-GPU memory size in the catalog that holds `need_bytes` ('16 GiB' or 'multi-GPU')."""
    runtime = engine_for(engine)
    sizes = sorted(
        {
            g.vram_gib
            for g in catalog.gpus
            if not g.unified_memory and runtime.usable_bytes_per_gpu(g, assumptions) >= need_bytes
        }
    )
    return f"{sizes[0]:g} GiB" if sizes else "multi-GPU"


def model_memory(model: ModelSpec, workload: Workload, assumptions: Assumptions = DEFAULT_ASSUMPTIONS) -> int:
    """Total bytes `model` needs on one GPU for `workload`."""
    return memory_needed(model, workload, 1, assumptions).memory_bytes.total


def largest_fitting_model(
    catalog: Catalog, gpu: GpuSpec, workload: Workload, assumptions: Assumptions = DEFAULT_ASSUMPTIONS
) -> ModelSpec | None:
    """The catalog model with the most parameters that fits entirely on one `gpu` (ties: by id)."""
    capacity = engine_for(workload.engine).usable_bytes_per_gpu(gpu, assumptions)
    fitting = [m for m in catalog.models if model_memory(m, workload, assumptions) <= capacity]
    return max(fitting, key=lambda m: (m.params_total, m.id), default=None)


def quality_needed(needs: Needs) -> float:
    """The MMLU a model must reach: --min-quality, else the use case's default."""
    return float(needs.min_quality if needs.min_quality is not None else QUALITY_NEEDED[needs.use_case])


def quality_ok(model: ModelSpec, needs: Needs) -> bool:
    """Does the model reach the quality the use case needs (MMLU; size where no score is published)?"""
    needed = quality_needed(needs)
    if model.quality is not None:
        return model.quality.score >= needed
    return model.params_total >= UNSCORED_MIN_PARAMS


def _screen(models: Sequence[ModelSpec], needs: Needs) -> tuple[list[ModelSpec], list[Exclusion]]:
    kept, excluded = [], []
    for m in models:
        if needs.use_case not in m.use_cases:
            why = Reason(code="not-for-use-case", use_case=needs.use_case)
        elif needs.commercial_only and m.commercial_use is not True:
            why = Reason(code="licence-not-commercial", license=m.license)
        elif needs.context > m.max_context:
            why = Reason(code="exceeds-max-context", max_context=m.max_context, context=needs.context)
        else:
            kept.append(m)
            continue
        excluded.append(Exclusion(model=m.id, reason_code=why))
    return kept, excluded


def buyable_options(catalog: Catalog, needs: Needs, settings: CostSettings) -> list[HardwareOption]:
    """Priced catalog GPUs in counts of 1, 2, 4 and 8, within budget and power limit, of the
    vendors the engine runs on."""
    runtime = engine_for(needs.engine)
    options = []
    for g in catalog.gpus:
        if g.vendor not in runtime.vendors:
            continue
        for n in GPU_COUNTS if not g.unified_memory else (1,):
            option = HardwareOption(gpu=g, count=n)
            price = hardware_price(option, settings)
            if price is None:
                continue
            if needs.budget is not None and price > needs.budget.to(settings.currency):
                continue
            if needs.max_power_w is not None and g.tdp_w * n > needs.max_power_w:
                continue
            options.append(option)
    return options


# A rig that serves a model: the rig, per-user decode tokens/s, hardware price, cost per month.
_Served = tuple[HardwareOption, float, float, float]

SIZE_CLASSES_B = (2, 4, 9, 15, 35, 80, 150)  # upper bounds of the size classes, billions of parameters


def size_class(model: ModelSpec) -> int:
    """0 for models up to 2 B parameters, 1 up to 4 B, … (all parameters: what must be held)."""
    return next((i for i, b in enumerate(SIZE_CLASSES_B) if model.params_total <= b * 1e9), len(SIZE_CLASSES_B))


def _rank_key(model: ModelSpec, per_month: float, decode: float, option: HardwareOption) -> tuple[object, ...]:
    # Right-size: the smallest size class that qualifies; within it the best published quality,
    # then cost, then speed; ties by name, so the order never depends on the other candidates.
    quality = model.quality.score if model.quality else 0.0
    return (size_class(model), -quality, round(per_month, 2), -round(decode, 2), model.id, option.gpu.id, option.count)


def recommend(
    catalog: Catalog,
    needs: Needs,
    options: Sequence[HardwareOption],
    settings: CostSettings,
    assumptions: Assumptions = DEFAULT_ASSUMPTIONS,
    progress: Callable[[int, int], None] | None = None,
) -> Ranking:
    """Ranked model–hardware pairings for `needs`: the top picks on owned rigs ("runs here") and
    on rigs to buy ("to buy").

    Per qualifying model, the cheapest rig that serves `users` at `min_tokens_per_s` each is kept;
    picks are ranked smallest adequate model first, then cost, then speed. When no model of the
    needed quality is feasible on some kind of rig, the best of the rest are offered, marked so.
    A model–rig pairing the engine cannot run (a GPU count that does not divide the heads under
    tensor parallel, a vendor it has no back end for) is left out; a format or KV-cache type the
    engine does not offer raises InputError.
    """
    check_workload(engine_for(needs.engine), needs_workload(needs, needs.users))
    models, excluded = _screen(catalog.models, needs)
    adequate = [m for m in models if quality_ok(m, needs)]
    for m in models:
        if m not in adequate:
            score = m.quality.score if m.quality else None
            needed = quality_needed(needs)
            why = Reason(code="below-quality", use_case=needs.use_case, min_quality=needed, quality=score)
            excluded.append(Exclusion(model=m.id, reason_code=why))
    feasible = _feasible(models, options, needs, assumptions, progress)
    recommendations: list[Recommendation] = []
    charted: list[Alternative] = []
    for owned in (True, False):
        rigs_of = {m: [o for o in feasible.get(m, []) if o.owned is owned] for m in feasible}
        if not any(o.owned is owned for o in options):
            continue
        picks, alternatives = _picks(adequate, rigs_of, needs, settings, assumptions)
        if not picks:  # nothing good enough fits: offer the best of what does, highest quality first
            weaker = sorted(
                (m for m in models if m not in adequate), key=lambda m: -(m.quality.score if m.quality else 0)
            )
            picks, alternatives = _picks(weaker, rigs_of, needs, settings, assumptions, keep_order=True)
        recommendations += picks[: needs.top]
        charted += [alt for r in picks[: needs.top] for alt in _alternatives(r.model, alternatives.get(r.model, []))]
    for m in adequate:
        if not feasible.get(m.id):
            excluded.append(Exclusion(model=m.id, reason_code=_why_not(m, options, needs, assumptions)))
    return Ranking(
        hardware=tuple(f"{o.count} x {o.gpu.name}" for o in options if o.owned),
        needs=needs,
        recommendations=tuple(recommendations),
        excluded=tuple(excluded),
        alternatives=tuple(charted),
    )


def _picks(
    models: Sequence[ModelSpec],
    rigs_of: dict[str, list[HardwareOption]],
    needs: Needs,
    settings: CostSettings,
    a: Assumptions,
    keep_order: bool = False,
) -> tuple[list[Recommendation], dict[str, list[_Served]]]:
    """Per model its best rig (ranked), and every rig that serves it (for the chart, built by
    `_alternatives` for the models charted)."""
    ranked = []
    alternatives: dict[str, list[_Served]] = {}
    prices: dict[int, tuple[float, float]] = {}  # id(rig) -> hardware price, per month: the same for every model
    speeds = fit_and_decode(models, rigs_of, needs, needs.users, a)
    for position, m in enumerate(models):
        keyed = []
        for o, (_, decode) in zip(rigs_of.get(m.id, []), speeds[m.id], strict=True):
            if id(o) not in prices:
                hardware = hardware_price(o, settings) or 0.0
                prices[id(o)] = hardware, cost(hardware, o, 0.0, settings).per_month
            hardware, per_month = prices[id(o)]
            keyed.append((_rank_key(m, per_month, decode, o), o))
            alternatives.setdefault(m.id, []).append((o, decode, hardware, per_month))
        if not keyed:
            continue
        key, best = min(keyed, key=lambda k: k[0])
        ranked.append(((position,) if keep_order else key, _recommendation(m, best, needs, settings, a)))
    ranked.sort(key=lambda p: p[0])
    return [r for _, r in ranked], alternatives


def _alternatives(model_id: str, rows: Sequence[_Served]) -> list[Alternative]:
    """The chart's points for a picked model: each rig that serves it, its speed and cost."""
    return [
        Alternative(
            model=model_id,
            gpu=o.gpu.id,
            gpu_name=o.gpu.name,
            gpu_count=o.count,
            owned=o.owned,
            decode_tokens_per_s=round(decode, 2),
            hardware=round(hardware, 2),
            per_month=per_month,
        )
        for o, decode, hardware, per_month in rows
    ]


def _feasible(
    models: Sequence[ModelSpec],
    options: Sequence[HardwareOption],
    needs: Needs,
    a: Assumptions,
    progress: Callable[[int, int], None] | None,
) -> dict[str, list[HardwareOption]]:
    """Per model, the rigs that hold it for `users` users at `min_tokens_per_s` (vectorised sweep)."""
    runtime = engine_for(needs.engine)
    out: dict[str, list[HardwareOption]] = {}
    groups: dict[tuple[int, bool], list[HardwareOption]] = {}
    for o in options:
        groups.setdefault((o.count, o.owned), []).append(o)
    for done, ((count, owned), group) in enumerate(sorted(groups.items())):
        if progress:
            progress(done, len(groups))
        if owned:  # a probed or described machine: its free memory and measured bandwidth, one by one
            for o in group:
                for m in models:
                    if not _runs(runtime, m, o):
                        continue
                    est = estimate_option(m, o, needs, needs.users, a)
                    if est.fits and est.decode_tokens_per_s >= needs.min_tokens_per_s:
                        out.setdefault(m.id, []).append(o)
            continue
        result = sweep(
            models,
            [o.gpu for o in group],
            [needs.quant],
            [needs.context],
            needs.users,
            needs.engine,
            count,
            a,
            needs.kv_cache_type,
        )
        ok = result.fits[:, 0, :, 0] & (result.decode_tokens_per_s[:, 0, :, 0] >= needs.min_tokens_per_s)
        for i, m in enumerate(models):
            for j, o in enumerate(group):
                if ok[i, j] and _runs(runtime, m, o):
                    out.setdefault(m.id, []).append(o)
    if progress:
        progress(len(groups), len(groups))
    return out


def _runs(runtime: Runtime, model: ModelSpec, option: HardwareOption) -> bool:
    """Can the engine run the model on the rig at all (vendor, tensor-parallel size)?"""
    return rig_refusal(runtime, model, option.gpu, option.count) is None


def _why_not(model: ModelSpec, options: Sequence[HardwareOption], needs: Needs, a: Assumptions) -> Reason:
    if not options:
        return Reason(code="no-hardware")
    runtime = engine_for(needs.engine)
    runnable = [o for o in options if _runs(runtime, model, o)]
    if not runnable:  # why for the first rig; the others are refused for the same kind of reason
        return rig_refusal(runtime, model, options[0].gpu, options[0].count) or Reason(code="no-hardware")
    biggest = max(runnable, key=lambda o: (o.gpu.vram_gib * o.count, o.gpu.mem_bandwidth_gb_per_s))
    est = estimate_option(model, biggest, needs, needs.users, a)
    count, name = biggest.count, biggest.gpu.name
    if not est.fits:
        return Reason(code="does-not-fit", gpu_count=count, gpu_name=name, users=needs.users, context=needs.context)
    return Reason(
        code="too-slow-on-largest",
        decode_tokens_per_s=est.decode_tokens_per_s,
        gpu_count=count,
        gpu_name=name,
        min_tokens_per_s=needs.min_tokens_per_s,
    )


def _recommendation(
    model: ModelSpec, option: HardwareOption, needs: Needs, settings: CostSettings, a: Assumptions
) -> Recommendation:
    est = estimate_option(model, option, needs, needs.users, a)
    served = users_served(model, option, needs, a)
    hardware = hardware_price(option, settings) or 0.0
    money = cost(hardware, option, est.aggregate_tokens_per_s, settings)
    kind: Literal["runs here", "to buy"] = "runs here" if option.owned else "to buy"
    launch = launch_spec(model, option, est, needs, a)
    return Recommendation(
        kind=kind,
        model=model.id,
        model_name=model.name,
        quant=est.quant,
        gpu=option.gpu.id,
        gpu_name=option.gpu.name,
        gpu_count=option.count,
        memory_bytes=est.memory_bytes,
        available_bytes=est.available_bytes,
        decode_tokens_per_s=round(est.decode_tokens_per_s, 2),
        prefill_tokens_per_s=round(est.prefill_tokens_per_s, 1),
        users_served=served,
        quality=model.quality.score if model.quality else None,
        cost=money,
        license=model.license,
        reason_code=_reason(model, option, est, served, money, needs),
        command=run_command(launch),
        launch=launch,
    )


def _reason(model: ModelSpec, option: HardwareOption, est: Estimate, served: int, money: Cost, needs: Needs) -> Reason:
    return Reason(
        code="smallest-fit" if quality_ok(model, needs) else "best-below-quality",
        use_case=needs.use_case,
        min_quality=quality_needed(needs),
        quality=model.quality.score if model.quality else None,
        params_total=model.params_total,
        decode_tokens_per_s=est.decode_tokens_per_s,
        gpu_count=option.count,
        gpu_name=option.gpu.name,
        users_served=served,
        min_tokens_per_s=needs.min_tokens_per_s,
        owned=option.owned,
        hardware_price=money.hardware,
        currency=money.currency.value,
        per_month=money.per_month,
    )
