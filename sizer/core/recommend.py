"""Matching models to hardware: ranked model–hardware pairings with speed, cost and the reasons.

Pure: catalog, needs and hardware options in, a Ranking out; calls the estimator only. The
ranking follows a selection framework: fit to the use case and licence first; start from the best
(the highest score for the use case after the weight format's loss, within budget), then
right-size (the cheapest rig and model that still meet the use case's bar); both at the speed
and load asked for (docs/method.md, "Two answers").
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from sizer.core.capacity import latency_curve, pick_capacity
from sizer.core.catalog import Catalog
from sizer.core.cost import Cost, cost, hardware_price, money_in, running_cost
from sizer.core.estimate import memory_needed
from sizer.core.launch import has_command, launch_spec, run_command
from sizer.core.quality import QualityTable, Score
from sizer.core.rigs import HardwareOption, sized_with
from sizer.core.serving import estimate_option, fit_and_decode, serving, serving_rig, users_served
from sizer.core.sweep import sweep
from sizer.engines import engine_for
from sizer.engines.base import Runtime, check_workload, default_format, has_fp8, loads_on, rig_refusal
from sizer.errors import N_, InputError
from sizer.models import (
    Assumptions,
    CostSettings,
    Engine,
    Estimate,
    GpuSpec,
    Interconnect,
    LaunchSpec,
    MemoryBytes,
    ModelSpec,
    Workload,
)
from sizer.models.assumptions import DEFAULT_ASSUMPTIONS
from sizer.models.needs import Needs
from sizer.models.reasons import Reason
from sizer.models.results import Calibration, Capacity, LoadPoint, Serving


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)


# The quality bar of each use case, on sizer's 0-100 scale (sizer.core.quality: 50 is the mean
# of the catalog models scored on the same benchmark). Tied to three classes of model: a coding
# assistant on an ~8-12 GB card, GPT-3.5-like chat from 16 GB, GPT-4-like from 64 GB
# (docs/method.md, "Two answers": which catalog models reach each bar and on what memory).
QUALITY_NEEDED: dict[str, float] = {
    "chat": 40,
    "summarization": 40,
    "rag": 40,
    "multilingual": 40,
    "code": 50,
    "reasoning": 60,
    "vision": 50,
}
# The weight formats recommend chooses among when --quant is not given (those of the engine it
# serves): the ones published GGUF and vLLM repositories commonly carry, each with a measured loss.
CHOICE_FORMATS = ("BF16", "Q8_0", "Q6_K", "Q5_K_M", "Q4_K_M", "IQ4_XS", "Q3_K_M", "FP8", "INT8", "AWQ", "GPTQ")
GPU_COUNTS = (1, 2, 4, 8)
# Copies of one rig to buy tried when one copy cannot carry the load (or needs 4 GPUs or more for
# it): a load that grows past one server is served by more servers, each with every weight.
REPLICA_COUNTS = (2, 4, 8, 16)


Answer = Literal["right_sized", "best_in_budget"]


class Recommendation(_Frozen):
    kind: Literal["runs here", "to buy"]
    model: str
    model_name: str
    quant: str
    engine: Engine  # what serves it (the launch command's)
    gpu: str
    gpu_name: str
    gpu_count: int
    nodes: int = 1  # machines of `gpu_count` GPUs each (to buy: when one cannot serve the model)
    # Copies of that rig, each serving an even share of the users (to buy: when one cannot carry
    # the load); memory, speed, serving and the command are one copy's, users_served and cost all of them.
    replicas: int = 1  # capacity's headcounts and arrivals are all copies'; its latencies one copy's
    memory_bytes: MemoryBytes
    available_bytes: int
    decode_tokens_per_s: float
    prefill_tokens_per_s: float
    users_served: int
    quality: Score | None  # the use case's score, before and after the format's loss; None: unscored
    cost: Cost
    license: str
    commercial_use: bool  # False where the licence forbids it or says nothing clear
    answers: tuple[Answer, ...] = ()  # the lists it heads or belongs to
    reason_code: Reason  # right-sized, best-quality or best-below-quality, with the figures behind it
    command: str | None  # the shell line of `launch`; None where no command loads the weights as sized
    launch: LaunchSpec
    serving: Serving | None = None  # the users' requests on this rig, as `estimate --json` gives it
    capacity: Capacity | None = None  # with --headcount: the busy hour
    calibration: Calibration | None = None  # the user's overlay for this GPU on this machine, when one applied
    latency_curve: tuple[LoadPoint, ...] = ()  # latency at loads around the asked one (the report's chart)


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
    recommendations: tuple[Recommendation, ...]  # right_sized and best_in_budget merged by rank
    excluded: tuple[Exclusion, ...]
    alternatives: tuple[Alternative, ...] = ()
    right_sized: tuple[Recommendation, ...] = ()  # cheapest rig and model that meet the bar, cheapest first
    best_in_budget: tuple[Recommendation, ...] = ()  # highest quality after the format's loss, best first
    min_quality: float = 0  # the bar right_sized meets (--min-quality or the use case's)
    unscored: tuple[str, ...] = ()  # screened models with no score for the use case


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
    """The score a model must reach after its format's loss: --min-quality, else the use case's bar."""
    return float(needs.min_quality if needs.min_quality is not None else QUALITY_NEEDED[needs.use_case])


def quality_ok(score: Score | None, needs: Needs) -> bool:
    """Does the score after the format's loss reach the bar? An unscored model never does."""
    return score is not None and score.score_after_quant >= quality_needed(needs)


def candidate_formats(needs: Needs, losses: dict[str, float], models: Sequence[ModelSpec] = ()) -> tuple[str, ...]:
    """The formats to size: --quant alone, or the engine's CHOICE_FORMATS with a measured loss,
    and the makers' own low-bit formats of `models` that the engine serves (`_launches` keeps
    such a model to its own format)."""
    if not needs.choose_quant:
        return (needs.quant,)
    runtime = engine_for(needs.engine)
    chosen = [f for f in CHOICE_FORMATS if f in runtime.formats and f in losses]
    chosen += [f for f in dict.fromkeys(m.native_format for m in models) if f and f in runtime.formats]
    return tuple(dict.fromkeys(chosen)) or (needs.quant,)


def _screen(models: Sequence[ModelSpec], needs: Needs) -> tuple[list[ModelSpec], list[Exclusion]]:
    kept, excluded = [], []
    runtime = engine_for(needs.engine)
    for m in models:
        if needs.use_case not in m.use_cases:
            why = Reason(code="not-for-use-case", use_case=needs.use_case)
        elif needs.commercial_only and m.commercial_use is not True:
            why = Reason(code="licence-not-commercial", license=m.license)
        elif needs.context > m.max_context:
            why = Reason(code="exceeds-max-context", max_context=m.max_context, context=needs.context)
        elif needs.use_case == "vision" and runtime.vision_needs_projector and not m.mmproj:
            why = Reason(code="no-vision-projector", engine=runtime.label)
        else:
            kept.append(m)
            continue
        excluded.append(Exclusion(model=m.id, reason_code=why))
    return kept, excluded


def budget_in(needs: Needs, settings: CostSettings) -> float | None:
    """The budget in the settings' currency; a budget that cannot be converted is bad input (it must
    not silently become 0 and leave nothing to buy)."""
    if needs.budget is None:
        return None
    allowed = money_in(needs.budget, settings)
    if allowed is None:
        have, want = needs.budget.currency.value, settings.currency.value
        raise InputError(
            N_("the budget is in {have}, and there is no exchange rate from {have} to {want}"), have=have, want=want
        )
    return allowed


def buyable_options(catalog: Catalog, needs: Needs, settings: CostSettings) -> list[HardwareOption]:
    """Priced catalog GPUs in counts of 1, 2, 4 and 8 (socketed modules: as their baseboards hold
    them; unified-memory machines: one), within budget and power limit, of the vendors the engine
    runs on."""
    runtime = engine_for(needs.engine)
    budget = budget_in(needs, settings)
    options = []
    for g in catalog.gpus:
        if g.vendor not in runtime.vendors:
            continue
        for n in purchase_counts(g):
            option = HardwareOption(gpu=g, count=n)
            if _affordable(option, needs, settings, budget):
                options.append(option)
    return options


def purchase_counts(gpu: GpuSpec) -> tuple[int, ...]:
    """The GPU counts one server of `gpu` can be bought with."""
    if gpu.unified_memory:
        return (1,)
    return tuple(n for n in GPU_COUNTS if gpu.sold_in(n))


def _affordable(option: HardwareOption, needs: Needs, settings: CostSettings, budget: float | None) -> bool:
    """A rig to buy that has a price, within `budget` (in the settings' currency) and within the
    power limit, all its servers together."""
    price = hardware_price(option, settings)
    if price is None or (budget is not None and price > budget):
        return False
    return needs.max_power_w is None or option.gpu.tdp_w * option.count * option.machines <= needs.max_power_w


def _copy_options(
    options: Sequence[HardwareOption], replicas: int, needs: Needs, settings: CostSettings
) -> list[HardwareOption]:
    """`replicas` copies of each single-node rig to buy among `options` that is affordable so."""
    budget = budget_in(needs, settings)
    copies = (o.model_copy(update={"replicas": replicas}) for o in options if not o.owned and o.nodes == 1)
    return [o for o in copies if _affordable(o, needs, settings, budget)]


def _fewest_serving(
    model: ModelSpec, rigs: Sequence[HardwareOption], needs: Needs, a: Assumptions
) -> dict[str, tuple[HardwareOption, float]]:
    """Per GPU, the first of `rigs` (in their order) that holds `model`, decodes at
    `min_tokens_per_s` for the users and serves them all, with its per-user decode tokens/s."""
    speeds = fit_and_decode([model], {model.id: list(rigs)}, needs, needs.users, a)[model.id] if rigs else []
    found: dict[str, tuple[HardwareOption, float]] = {}
    for o, (fits, decode) in zip(rigs, speeds, strict=True):
        if o.gpu.id in found or not fits or decode < needs.min_tokens_per_s:
            continue
        if users_served(model, o, needs, a) >= needs.users:
            found[o.gpu.id] = (o, decode)
    return found


# A rig that serves a model: the rig, per-user decode tokens/s, hardware price, cost per month.
_Served = tuple[HardwareOption, float, float, float]

SIZE_CLASSES_B = (2, 4, 9, 15, 35, 80, 150)  # upper bounds of the size classes, billions of parameters


def size_class(model: ModelSpec) -> int:
    """0 for models up to 2 B parameters, 1 up to 4 B, … (all parameters: what must be held)."""
    return next((i for i, b in enumerate(SIZE_CLASSES_B) if model.params_total <= b * 1e9), len(SIZE_CLASSES_B))


def _right_sized_key(c: _Candidate) -> tuple[object, ...]:
    # Cheapest first (per month: write-off and power), then the dearer hardware last, then the
    # better model on that rig, then speed; ties by name, never by the other candidates.
    after = c.score.score_after_quant if c.score else 0.0
    return (round(c.per_month, 2), round(c.hardware, 2), -after, -round(c.decode, 2), c.model.id, c.quant, *_rig_key(c))


def _best_key(c: _Candidate) -> tuple[object, ...]:
    # Scored before unscored, then the highest score after the format's loss, then cheapest, fastest.
    after = c.score.score_after_quant if c.score else 0.0
    return (c.score is None, -after, round(c.per_month, 2), -round(c.decode, 2), c.model.id, c.quant, *_rig_key(c))


def _rig_key(c: _Candidate) -> tuple[str, int, int]:
    return c.option.gpu.id, c.option.count, c.option.replicas


class _Candidate:
    """One model in one format on one rig that serves the load: what both answers rank."""

    __slots__ = ("decode", "hardware", "model", "option", "per_month", "quant", "score")

    def __init__(
        self,
        model: ModelSpec,
        quant: str,
        option: HardwareOption,
        decode: float,
        hardware: float,
        per_month: float,
        score: Score | None,
    ) -> None:
        self.model, self.quant, self.option, self.decode = model, quant, option, decode
        self.hardware, self.per_month, self.score = hardware, per_month, score


def recommend(
    catalog: Catalog,
    needs: Needs,
    options: Sequence[HardwareOption],
    settings: CostSettings,
    assumptions: Assumptions = DEFAULT_ASSUMPTIONS,
    progress: Callable[[int, int], None] | None = None,
    interconnect: Interconnect | None = None,
) -> Ranking:
    """Two answers for `needs`, each on owned rigs ("runs here") and on rigs to buy ("to buy"):
    the right-sized picks (the cheapest rig and model whose score after the format's loss meets
    the use case's bar) and the best within budget (the highest score after the loss). Both serve
    `users` at `min_tokens_per_s` each. Each model appears once per list, in its best format and
    rig for that list; with --min-quality, nothing below it is offered at all.

    A model–rig pairing the engine cannot run (a GPU count that does not divide the heads under
    tensor parallel, a vendor it has no back end for) is left out; a format or KV-cache type the
    engine does not offer raises InputError.

    Past one server: copies of a rig to buy (`_copies`) when one cannot carry the load; and, with
    `interconnect`, 2 and 4 nodes of 8 GPUs for the models no single node holds
    (`_multi_node`), when nothing to buy meets the bar otherwise.
    """
    table = QualityTable(catalog.models, catalog.quant_losses)
    formats = candidate_formats(needs, table.losses, catalog.models)
    runtime = engine_for(needs.engine)
    for fmt in formats:
        check_workload(runtime, _at(needs, fmt).workload(needs.users))
    models, excluded = _screen(catalog.models, needs)
    unscored = tuple(m.id for m in models if table.score(m, needs.use_case) is None)
    if needs.min_quality is not None:  # an explicit bar: nothing below it is offered
        for m in models:
            published = table.score(m, needs.use_case)
            if not quality_ok(published, needs):
                quality = published.score if published else None
                why = Reason(
                    code="below-quality", use_case=needs.use_case, min_quality=needs.min_quality, quality=quality
                )
                excluded.append(Exclusion(model=m.id, reason_code=why))
        models = [m for m in models if quality_ok(table.score(m, needs.use_case), needs)]
    feasible = _feasible(models, options, needs, formats, assumptions, progress)
    right: list[Recommendation] = []
    best: list[Recommendation] = []
    charted: list[Alternative] = []
    for owned in (True, False):
        if not any(o.owned is owned for o in options):
            continue
        candidates, alternatives = _candidates(models, feasible, owned, needs, settings, table, assumptions)
        eligible = [c for c in candidates if quality_ok(c.score, _at(needs, c.quant))]
        if not owned and _load_outgrows_one(eligible, needs):
            candidates += _copies(models, options, needs, formats, settings, table, assumptions)
            eligible = [c for c in candidates if quality_ok(c.score, _at(needs, c.quant))]
        if not owned and not eligible and interconnect is not None:
            held = {mid for fmt in formats for mid, rigs in feasible[fmt].items() if rigs}
            wide = [m for m in models if m.id not in held]
            candidates += _multi_node(wide, options, needs, formats, settings, table, assumptions, interconnect)
            eligible = [c for c in candidates if quality_ok(c.score, _at(needs, c.quant))]
        if needs.min_quality is not None:
            candidates = eligible
        rs = _one_per_model(eligible, _right_sized_key)[: needs.top]
        bb = _one_per_model(candidates, _best_key)[: needs.top]
        right += [_recommendation(c, needs, settings, assumptions, ("right_sized",)) for c in rs]
        best += [_recommendation(c, needs, settings, assumptions, ("best_in_budget",)) for c in bb]
        for mid in dict.fromkeys(c.model.id for c in (*rs, *bb)):
            charted += _alternatives(mid, alternatives(mid))
    for m in models:
        if not any(feasible[fmt].get(m.id) for fmt in formats):
            excluded.append(
                Exclusion(model=m.id, reason_code=_why_not(m, options, _at(needs, formats[0]), assumptions))
            )
    return Ranking(
        hardware=_machines(options),
        needs=needs,
        recommendations=_merged(right, best),
        excluded=tuple(excluded),
        alternatives=tuple(charted),
        right_sized=tuple(right),
        best_in_budget=tuple(best),
        min_quality=quality_needed(needs),
        unscored=unscored,
    )


def _machines(options: Sequence[HardwareOption]) -> tuple[str, ...]:
    """The owned machines, as `hardware` lists them (not the parts of them also sized)."""
    return tuple(f"{o.count} x {o.gpu.name}" for o in options if o.owned and o.part_of is None)


def _owned_machines(
    options: Sequence[HardwareOption],
) -> list[tuple[HardwareOption, list[HardwareOption]]]:
    """Each owned machine with its parts (`part_of` it), fewest GPUs first, the machine last."""
    out = []
    for whole in (o for o in options if o.owned and o.part_of is None):
        parts = [o for o in options if o.owned and o.part_of == whole.count and o.gpu.id == whole.gpu.id]
        out.append((whole, [*sorted(parts, key=lambda o: o.count), whole]))
    return out


def _at(needs: Needs, fmt: str) -> Needs:
    """The needs with weight format `fmt` (what estimate, serving and launch read); the copy is
    kept per needs and format, as a sweep asks for it once per model and rig."""
    if needs.quant == fmt:
        return needs
    key = (id(needs), fmt)
    hit = _AT.get(key)
    if hit is None or hit[0] is not needs:
        if len(_AT) > 1024:
            _AT.clear()
        hit = _AT[key] = (needs, needs.model_copy(update={"quant": fmt}))
    return hit[1]


_AT: dict[tuple[int, str], tuple[Needs, Needs]] = {}


def per_copy(needs: Needs, replicas: int) -> Needs:
    """The needs one of `replicas` copies of a rig serves: an even share of the users (and of
    the headcount), at the same context, speed and latency targets."""
    if replicas == 1:
        return needs
    share = {"users": -(-needs.users // replicas)}
    if needs.headcount is not None:
        share["headcount"] = -(-needs.headcount // replicas)
    return needs.model_copy(update=share)


def _multi_node(
    models: Sequence[ModelSpec],
    options: Sequence[HardwareOption],
    needs: Needs,
    formats: Sequence[str],
    settings: CostSettings,
    table: QualityTable,
    a: Assumptions,
    interconnect: Interconnect,
) -> list[_Candidate]:
    """Candidates on 2 or 4 nodes of 8 of each priced datacenter GPU (`multi_node_options`) for
    `models`, the ones no single node holds: per model, format and GPU the fewest nodes that
    serve the users."""
    runtime = engine_for(needs.engine)
    out: list[_Candidate] = []
    for model in models:
        wide = multi_node_options(runtime, model, options, needs, settings, interconnect)
        if not wide:
            continue
        for fmt in formats:
            at = _at(needs, fmt)
            rigs = [o for o in wide if _launches(model, o, at, a)]  # fewest nodes first, per GPU
            for o, decode in _fewest_serving(model, rigs, at, a).values():
                hardware, per_month = _running(o, settings)
                out.append(
                    _Candidate(model, fmt, o, decode, hardware, per_month, table.score(model, needs.use_case, fmt))
                )
    return out


def _load_outgrows_one(eligible: Sequence[_Candidate], needs: Needs) -> bool:
    """Whether copies of a rig are worth sizing: more than one user, and no rig to buy meets the
    bar for them, or the cheapest that does takes 4 GPUs or more (the load may have set its size)."""
    if needs.users < 2:
        return False
    if not eligible:
        return True
    cheapest = min(eligible, key=_right_sized_key)
    return cheapest.option.count >= GPU_COUNTS[-2]


def _copies(
    models: Sequence[ModelSpec],
    options: Sequence[HardwareOption],
    needs: Needs,
    formats: Sequence[str],
    settings: CostSettings,
    table: QualityTable,
    a: Assumptions,
) -> list[_Candidate]:
    """Candidates on `REPLICA_COUNTS` copies of each rig to buy, each copy sized for its share of
    the users, priced as that many servers (within the budget and power limit as a whole)."""
    out: list[_Candidate] = []
    for replicas in REPLICA_COUNTS:
        if replicas > needs.users:
            break
        share = per_copy(needs, replicas)
        copies = _copy_options(options, replicas, needs, settings)
        if not copies:
            continue
        feasible = _feasible(models, copies, share, formats, a, None)
        out += _candidates(models, feasible, False, share, settings, table, a)[0]
    return out


def _one_per_model(
    candidates: Sequence[_Candidate], key: Callable[[_Candidate], tuple[object, ...]]
) -> list[_Candidate]:
    """Each model's best candidate by `key`, in the order of `key`."""
    best: dict[str, tuple[tuple[object, ...], _Candidate]] = {}
    for c in candidates:
        k = key(c)
        if c.model.id not in best or k < best[c.model.id][0]:
            best[c.model.id] = (k, c)
    return [c for _, c in sorted(best.values(), key=lambda kc: kc[0])]


def _merged(right: Sequence[Recommendation], best: Sequence[Recommendation]) -> tuple[Recommendation, ...]:
    """Both lists by rank, owned rigs first: right_sized[0], best_in_budget[0], right_sized[1], …;
    a pick in both appears once, with both answers."""
    out: dict[tuple[str, str, str, str, int, int], Recommendation] = {}
    for kind in ("runs here", "to buy"):
        rs = [r for r in right if r.kind == kind]
        bb = [r for r in best if r.kind == kind]
        for i in range(max(len(rs), len(bb))):
            for r in rs[i : i + 1] + bb[i : i + 1]:
                key = (r.kind, r.model, r.quant, r.gpu, r.gpu_count, r.replicas)
                if key in out:
                    out[key] = out[key].model_copy(update={"answers": (*out[key].answers, *r.answers)})
                else:
                    out[key] = r
    return tuple(out.values())


def _candidates(
    models: Sequence[ModelSpec],
    feasible: dict[str, dict[str, list[HardwareOption]]],
    owned: bool,
    needs: Needs,
    settings: CostSettings,
    table: QualityTable,
    a: Assumptions,
) -> tuple[list[_Candidate], Callable[[str], list[_Served]]]:
    """Per model and format, its cheapest rigs of the kind (`owned`) that serve the load, with
    their cost and score, and a function giving, for a model, every rig that serves it (the chart).

    Both answers rank a model in one format by its monthly cost first, so of its rigs only the
    cheapest that serve can head either list: rigs are tried cheapest first, and the first
    monthly cost at which one serves ends the search (every rig at that cost is kept for the ties).
    """
    out: list[_Candidate] = []
    prices: dict[int, tuple[float, float]] = {}  # id(rig) -> hardware price, per month: the same for every model

    def priced(o: HardwareOption) -> tuple[float, float]:
        if id(o) not in prices:
            prices[id(o)] = _running(o, settings)
        return prices[id(o)]

    def serving(rigs: Sequence[HardwareOption], speeds: Sequence[tuple[bool, float]]) -> list[_Served]:
        return [
            (o, decode, *priced(o))
            for o, (fits, decode) in zip(rigs, speeds, strict=True)
            if fits and decode >= needs.min_tokens_per_s  # the serving model has the last word
        ]

    def serving_rigs(m: ModelSpec, fmt: str, rigs: Sequence[HardwareOption]) -> list[_Served]:
        return serving(rigs, fit_and_decode([m], {m.id: rigs}, _at(needs, fmt), needs.users, a)[m.id])

    order: dict[int, tuple[float, float]] = {}  # id(rig) -> (per month, hardware): cheapest first

    def cheapest_first(o: HardwareOption) -> tuple[float, float]:
        key = order.get(id(o))
        if key is None:
            key = order[id(o)] = priced(o)[::-1]
        return key

    for fmt, rigs in feasible.items():
        mine = {m.id: sorted([o for o in rigs.get(m.id, ()) if o.owned is owned], key=cheapest_first) for m in models}
        # Each model's cheapest rigs in one call (the rigs' terms are worked out once for all models).
        first = {mid: these[: _same_cost(these, 0, order)] for mid, these in mine.items() if these}
        speeds = fit_and_decode([m for m in models if m.id in first], first, _at(needs, fmt), needs.users, a)
        for m in (m for m in models if m.id in first):
            score = table.score(m, needs.use_case, fmt)
            these, end = mine[m.id], len(first[m.id])
            served = serving(first[m.id], speeds[m.id])
            while not served and end < len(these):  # none at the cheapest cost: the next cost up
                start, end = end, _same_cost(these, end, order)
                served = serving_rigs(m, fmt, these[start:end])
            out += [_Candidate(m, fmt, o, decode, hw, pm, score) for o, decode, hw, pm in served]

    def alternatives(model_id: str) -> list[_Served]:
        model = next(m for m in models if m.id == model_id)
        rows: list[_Served] = []
        for fmt, rigs in feasible.items():
            if fmt == needs.quant or not needs.choose_quant:
                rows += serving_rigs(model, fmt, [o for o in rigs.get(model_id, ()) if o.owned is owned])
        return rows

    return out, alternatives


def _same_cost(rigs: Sequence[HardwareOption], start: int, order: dict[int, tuple[float, float]]) -> int:
    """The end of the run of `rigs` (cheapest first) from `start` on at the same monthly cost
    (`order`: id(rig) -> (per month, hardware))."""
    cost = round(order[id(rigs[start])][0], 2)
    end = start + 1
    while end < len(rigs) and round(order[id(rigs[end])][0], 2) == cost:
        end += 1
    return end


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
    formats: Sequence[str],
    a: Assumptions,
    progress: Callable[[int, int], None] | None,
) -> dict[str, dict[str, list[HardwareOption]]]:
    """Per format and model, the rigs that hold it for `users` users at `min_tokens_per_s`
    (vectorised sweep over models, formats and GPUs)."""
    runtime = engine_for(needs.engine)
    out: dict[str, dict[str, list[HardwareOption]]] = {fmt: {} for fmt in formats}
    # Per format, (model, FP8 units): whether a command loads it (has_command's answer, kept for every rig group).
    launches: dict[str, dict[tuple[int, bool], bool]] = {fmt: {} for fmt in formats}
    groups: dict[tuple[int, bool, str], list[HardwareOption]] = {}
    for o in options:  # a sweep takes one set of constants: a calibrated GPU is swept on its own
        groups.setdefault((o.count, o.owned, o.gpu.id if o.assumptions is not None else ""), []).append(o)
    for done, ((count, owned, _), group) in enumerate(sorted(groups.items())):
        if progress:
            progress(done, len(groups))
        if not models:
            continue
        if owned:  # a probed or described machine: its free memory and measured bandwidth, one by one
            for fmt in formats:
                _feasible_owned(models, group, _at(needs, fmt), runtime, a, out[fmt])
            continue
        result = sweep(
            models,
            [o.gpu for o in group],
            list(formats),
            [needs.context],
            needs.users,
            needs.engine,
            count,
            sized_with(group[0], a),
            needs.kv_cache_type,
        )
        import numpy as np  # the sweep has loaded it

        shape = (len(models), len(group))
        runs = np.zeros(shape, dtype=bool), np.zeros(shape, dtype=bool)  # _runs asked, said: every format's
        for q, fmt in enumerate(formats):
            ok = result.fits[:, q, :, 0] & (result.decode_tokens_per_s[:, q, :, 0] >= needs.min_tokens_per_s)
            _add_held(models, group, ok, _at(needs, fmt), runtime, a, runs, launches[fmt], out[fmt])
    if progress:
        progress(len(groups), len(groups))
    return out


def _add_held(
    models: Sequence[ModelSpec],
    group: Sequence[HardwareOption],
    ok: Any,
    needs: Needs,
    runtime: Runtime,
    a: Assumptions,
    runs: tuple[Any, Any],
    launches: dict[tuple[int, bool], bool],
    out: dict[str, list[HardwareOption]],
) -> None:
    """Add to `out` the rigs of `group` that the sweep's `ok[model, rig]` (numpy) passes and that
    have the kernels for the format, a command that loads it and an engine that runs the model
    there (`runs`: whether `_runs` was asked for a model and rig, and what it said, [model, rig]
    numpy arrays kept across formats; `launches`: `_launches` per model and kind of GPU, kept across groups)."""
    import numpy as np

    fp8 = np.array([has_fp8(o.gpu) for o in group], dtype=bool)
    kernels = np.array([loads_on(needs.quant, o.gpu) or not runtime.splits_tensors for o in group], dtype=bool)
    # A command depends on the GPU only through its FP8 units: asked for each model once per kind
    # of GPU that passed, with the first such rig, in the order of the rigs.
    with_fp8, without = ok & fp8, ok & ~fp8
    first_fp8, first_without = with_fp8.argmax(axis=1).tolist(), without.argmax(axis=1).tolist()
    loads = np.zeros((len(models), 2), dtype=bool)  # [model, FP8 units]
    for i in np.flatnonzero(ok.any(axis=1)).tolist():
        kinds = [(first_fp8[i], True)] if with_fp8[i, first_fp8[i]] else []
        if without[i, first_without[i]]:
            kinds.append((first_without[i], False))
        for j, units in sorted(kinds):
            if (i, units) not in launches:
                launches[i, units] = _launches(models[i], group[j], needs, a)
            loads[i, int(units)] = launches[i, units]
    wanted = ok & kernels[None, :] & np.where(fp8[None, :], loads[:, 1:2], loads[:, 0:1])
    asked, said = runs
    for i, j in zip(*np.nonzero(wanted & ~asked), strict=True):  # what _runs has not been asked yet
        asked[i, j], said[i, j] = True, _runs(runtime, models[i], group[j])
    held = wanted & said
    for i in np.flatnonzero(held.any(axis=1)).tolist():
        out.setdefault(models[i].id, []).extend(itertools.compress(group, held[i].tolist()))


def _feasible_owned(
    models: Sequence[ModelSpec],
    group: Sequence[HardwareOption],
    needs: Needs,
    runtime: Runtime,
    a: Assumptions,
    out: dict[str, list[HardwareOption]],
) -> None:
    """Add to `out` the owned rigs of `group` that hold each model for the load, one estimate each."""
    for o in group:
        for m in models:
            if runtime.splits_tensors and not loads_on(needs.quant, o.gpu):
                continue
            if not _runs(runtime, m, o) or not _launches(m, o, needs, a):
                continue
            est = estimate_option(m, o, needs, needs.users, a)
            if est.fits and est.decode_tokens_per_s >= needs.min_tokens_per_s:
                out.setdefault(m.id, []).append(o)


def _launches(model: ModelSpec, option: HardwareOption, needs: Needs, a: Assumptions) -> bool:
    """A format recommend chooses itself must be one a command loads (a repository holds the
    model in it); a --quant asked for is sized as asked, and the pick says if it has no command.
    A model whose maker ships it in a low-bit format the engine serves (gpt-oss's MXFP4 under
    llama.cpp) is chosen in that format only: its scores were measured on it, and its published
    GGUF holds only it."""
    if not needs.choose_quant:
        return True
    native = model.native_format
    if native and native != needs.quant and native in engine_for(needs.engine).formats:
        return False
    if needs.quant not in CHOICE_FORMATS and needs.quant != native:  # another model's own format
        return False
    return has_command(model, needs.quant, needs.engine, option.gpu, sized_with(option, a))


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
    if est.decode_tokens_per_s >= needs.min_tokens_per_s:  # it fits and is fast enough: no command loads it
        launch = launch_spec(model, biggest, est, needs, sized_with(biggest, a))
        if launch.no_command_code is not None:
            return launch.no_command_code
    return Reason(
        code="too-slow-on-largest",
        decode_tokens_per_s=est.decode_tokens_per_s,
        gpu_count=count,
        gpu_name=name,
        min_tokens_per_s=needs.min_tokens_per_s,
    )


def _recommendation(
    c: _Candidate,
    needs: Needs,
    settings: CostSettings,
    a: Assumptions,
    answers: tuple[Answer, ...] = (),
    model_first: bool = False,
) -> Recommendation:
    model, option, whole = c.model, c.option, _at(needs, c.quant)
    at = _at(per_copy(needs, option.replicas), c.quant)  # what each copy of the rig serves
    est = estimate_option(model, option, at, at.users, a)
    per = users_served(model, option, at, a)
    served = per * option.replicas
    money = pick_cost(model, option, est, whole, settings)
    kind: Literal["runs here", "to buy"] = "runs here" if option.owned else "to buy"
    launch = launch_spec(model, option, est, at, sized_with(option, a))
    load, busy, curve = _serving(model, option, at, per, a)
    if option.replicas > 1:
        busy, curve = _all_copies(busy, curve, option.replicas)
    return Recommendation(
        kind=kind,
        model=model.id,
        model_name=model.name,
        quant=est.quant,
        engine=needs.engine,
        gpu=option.gpu.id,
        gpu_name=option.gpu.name,
        gpu_count=option.count,
        nodes=option.nodes,
        replicas=option.replicas,
        memory_bytes=est.memory_bytes,
        available_bytes=est.available_bytes,
        decode_tokens_per_s=round(est.decode_tokens_per_s, 2),
        prefill_tokens_per_s=round(est.prefill_tokens_per_s, 1),
        users_served=served,
        quality=c.score,
        cost=money,
        license=model.license,
        commercial_use=model.commercial_use is True,
        answers=answers,
        reason_code=_model_first_reason(c, est, served, money, needs)
        if model_first
        else _reason(c, est, served, money, needs, answers),
        command=run_command(launch),
        launch=launch,
        serving=load,
        capacity=busy,
        calibration=option.calibration,
        latency_curve=curve,
    )


def _all_copies(
    busy: Capacity | None, curve: tuple[LoadPoint, ...], replicas: int
) -> tuple[Capacity | None, tuple[LoadPoint, ...]]:
    """One copy's busy hour and latency curve as the people of all `replicas` copies see them: the
    headcounts and arrivals times the copies; the latencies and the peak concurrency stay one copy's."""
    if busy is not None:
        busy = busy.model_copy(
            update={
                "headcount": busy.headcount * replicas,
                "arrival_rate_per_s": busy.arrival_rate_per_s * replicas,
                "max_headcount_at_slo": busy.max_headcount_at_slo * replicas,
            }
        )
    points = tuple(
        p.model_copy(update={"headcount": p.headcount * replicas}) if p.headcount is not None else p for p in curve
    )
    return busy, points


def _serving(
    model: ModelSpec, option: HardwareOption, needs: Needs, served: int, a: Assumptions
) -> tuple[Serving | None, Capacity | None, tuple[LoadPoint, ...]]:
    """The serving figures of the users' requests on the pick's rig, the busy hour of the
    headcount and the latency at loads around it (None and () where the rig offloads layers:
    the serving model holds every layer on the GPUs)."""
    workload = needs.workload(needs.users)
    context = max(needs.context, needs.prompt_tokens + needs.output_tokens)
    workload = workload.model_copy(update={"context": context})
    rig = serving_rig(
        model,
        option.gpu,
        option.count,
        workload,
        sized_with(option, a),
        option.available_bytes_per_gpu,
        option.bandwidth_gb_per_s,
        option.nodes,
        option.interconnect,
    )
    if rig.kv_pool_bytes <= 0:
        return None, None, ()
    load = serving(rig, needs.users, needs.prompt_tokens, needs.output_tokens)
    curve = latency_curve(
        rig,
        needs.prompt_tokens,
        needs.output_tokens,
        needs.min_tokens_per_s,
        needs.users,
        needs.headcount,
        needs.requests_per_hour,
    )
    if needs.headcount is None or needs.requests_per_hour is None:
        return load, None, curve
    busy = pick_capacity(
        rig,
        needs.headcount,
        needs.requests_per_hour,
        needs.prompt_tokens,
        needs.output_tokens,
        needs.max_ttft_s,
        needs.min_tokens_per_s,
        served,
    )
    return load, busy, curve


def _reason(
    c: _Candidate, est: Estimate, served: int, money: Cost, needs: Needs, answers: tuple[Answer, ...]
) -> Reason:
    meets = quality_ok(c.score, needs)
    code = "right-sized" if "right_sized" in answers else "best-quality" if meets else "best-below-quality"
    return Reason(
        code=code,
        use_case=needs.use_case,
        min_quality=quality_needed(needs),
        quality=c.score.score_after_quant if c.score else None,
        quant=c.quant,
        params_total=c.model.params_total,
        decode_tokens_per_s=est.decode_tokens_per_s,
        gpu_count=c.option.count,
        gpu_name=c.option.gpu.name,
        replicas=c.option.replicas,
        users_served=served,
        min_tokens_per_s=needs.min_tokens_per_s,
        owned=c.option.owned,
        hardware_price=money.hardware,
        currency=money.currency.value,
        per_month=money.per_month,
    )


def pick_cost(model: ModelSpec, option: HardwareOption, est: Estimate, needs: Needs, settings: CostSettings) -> Cost:
    """A pick's cost at the stated load: hardware (nothing for hardware the user has), running
    cost, the month's tokens of `needs.users` users, and the API of the model's class."""
    hardware = hardware_price(option, settings) or 0.0
    copies = option.replicas  # `est` is one copy's: every copy serves its share at that rate
    prefill, aggregate = est.prefill_tokens_per_s * copies, est.aggregate_tokens_per_s * copies
    return cost(hardware, option, settings, needs.users, prefill, aggregate, model)


def recommend_for_model(
    catalog: Catalog,
    model: ModelSpec,
    needs: Needs,
    options: Sequence[HardwareOption],
    settings: CostSettings,
    assumptions: Assumptions = DEFAULT_ASSUMPTIONS,
    interconnect: Interconnect | None = None,
) -> Ranking:
    """What hardware serves `model` for `needs.users` users at `needs.context` tokens each and
    `min_tokens_per_s` per user: every owned rig that does ("runs here") and, of the rigs to buy,
    per GPU type the fewest GPUs that do, cheapest first ("to buy", at most `needs.top`).

    A rig serves the model when its GPUs hold the weights plus users x context of KV cache (the
    estimator's fit) and `users_served` reaches the users. Owned rigs that do not are excluded,
    with the reason. A context beyond the model's is an InputError. The model is sized in
    `needs.quant` (the format asked for, else the model's default on the engine; no format is chosen) and
    carries its score for the use case in that format; the licence is flagged, not screened (the
    model was named). `right_sized` and `best_in_budget` stay empty: no model is chosen.

    When no rig to buy serves it on one node and `interconnect` is given, 2 and 4 nodes of 8 of
    each priced datacenter GPU are tried too (`multi_node_options`), priced as that many nodes.
    """
    runtime = engine_for(needs.engine)
    quant = default_format(runtime, model) if needs.choose_quant else needs.quant
    needs = needs.model_copy(update={"choose_quant": False, "quant": quant})
    check_workload(runtime, needs.workload(needs.users))
    if needs.context > model.max_context:
        raise InputError(
            N_("{model} supports {max_context:,} tokens of context, not {context:,}"),
            model=model.id,
            max_context=model.max_context,
            context=needs.context,
        )
    runnable = [o for o in options if _runs(runtime, model, o)]
    speeds = fit_and_decode([model], {model.id: runnable}, needs, needs.users, assumptions)[model.id]
    quick = {
        id(o): fits and decode >= needs.min_tokens_per_s for o, (fits, decode) in zip(runnable, speeds, strict=True)
    }

    def serves(o: HardwareOption) -> bool:
        return quick.get(id(o), False) and users_served(model, o, needs, assumptions) >= needs.users

    table = QualityTable(catalog.models, catalog.quant_losses)
    score = table.score(model, needs.use_case, needs.quant)

    def pick(o: HardwareOption) -> Recommendation:
        hardware, per_month = _running(o, settings)
        c = _Candidate(model, needs.quant, o, 0.0, hardware, per_month, score)
        return _recommendation(c, needs, settings, assumptions, model_first=True)

    picks, excluded = [], []
    for whole, parts in _owned_machines(options):  # per machine, the fewest of its GPUs that serve
        first = next((o for o in parts if serves(o)), None)
        if first is not None:
            picks.append(pick(first))
        else:
            excluded.append(Exclusion(model=model.id, reason_code=_why_not(model, [whole], needs, assumptions)))
    fewest: dict[str, HardwareOption] = {}
    for o in sorted((o for o in options if not o.owned), key=lambda o: (o.gpu.id, o.count)):
        if o.gpu.id not in fewest and serves(o):
            fewest[o.gpu.id] = o
    if not fewest:  # the load, not the model, may be what one node cannot carry: copies of it
        fewest = _fewest_copies(model, runnable, needs, settings, assumptions)
    wide = multi_node_options(runtime, model, options, needs, settings, interconnect) if not fewest else []
    if wide:  # only when one node cannot: the sweep stays as cheap as before (fewest nodes first, per GPU)
        fewest = {gpu: o for gpu, (o, _) in _fewest_serving(model, wide, needs, assumptions).items()}
    priced = sorted(fewest.values(), key=lambda o: (*_running(o, settings), o.gpu.id, o.count))
    picks += [pick(o) for o in priced[: needs.top]]
    if not picks:
        excluded.append(Exclusion(model=model.id, reason_code=_why_not(model, list(options), needs, assumptions)))
    return Ranking(
        hardware=_machines(options),
        needs=needs,
        recommendations=tuple(picks),
        excluded=tuple(excluded),
    )


def _fewest_copies(
    model: ModelSpec, runnable: Sequence[HardwareOption], needs: Needs, settings: CostSettings, a: Assumptions
) -> dict[str, HardwareOption]:
    """Per GPU, the cheapest copies (`REPLICA_COUNTS`) of a single-node rig to buy that serve the
    users between them, each copy its share; within the budget as a whole."""
    found: dict[str, HardwareOption] = {}
    for replicas in REPLICA_COUNTS:
        if replicas > needs.users:
            break
        share = per_copy(needs, replicas)
        copies = _copy_options(runnable, replicas, needs, settings)
        speeds = fit_and_decode([model], {model.id: copies}, share, share.users, a)[model.id]
        for o, (fits, decode) in zip(copies, speeds, strict=True):
            if not fits or decode < needs.min_tokens_per_s or users_served(model, o, share, a) < share.users:
                continue
            held = found.get(o.gpu.id)
            if held is None or _running(o, settings) < _running(held, settings):
                found[o.gpu.id] = o  # the cheapest way with this GPU, over counts and copies
    return found


# Nodes a multi-node rig to buy may have, and the GPUs in each: the 8-GPU HGX/DGX server class.
MULTI_NODE_COUNTS = (2, 4)
GPUS_PER_NODE = 8


def multi_node_options(
    runtime: Runtime,
    model: ModelSpec,
    options: Sequence[HardwareOption],
    needs: Needs,
    settings: CostSettings,
    interconnect: Interconnect | None,
) -> list[HardwareOption]:
    """Rigs to buy of 2 and 4 nodes of 8 of each priced datacenter GPU among the 8-GPU `options`,
    over `interconnect`, within budget and power limit, fewest nodes first per GPU (none for an
    engine that stays on one node, or without a link)."""
    if interconnect is None or not runtime.splits_tensors:
        return []
    budget = budget_in(needs, settings)
    out = []
    for base in options:
        if base.owned or base.count != GPUS_PER_NODE or base.gpu.category != "datacenter":
            continue
        if not _runs(runtime, model, base):
            continue
        for nodes in MULTI_NODE_COUNTS:
            o = base.model_copy(update={"nodes": nodes, "interconnect": interconnect})
            if _affordable(o, needs, settings, budget):
                out.append(o)
    return sorted(out, key=lambda o: (o.gpu.id, o.nodes))


def _running(option: HardwareOption, settings: CostSettings) -> tuple[float, float]:
    """(hardware price, cost per month) of a rig: nothing to buy for hardware the user has."""
    hardware = hardware_price(option, settings) or 0.0
    return hardware, round(running_cost(hardware, option, settings)[1], 2)


def _model_first_reason(c: _Candidate, est: Estimate, served: int, money: Cost, needs: Needs) -> Reason:
    model, option = c.model, c.option
    return Reason(
        code="serves-model",
        model=model.id,
        context=needs.context,
        users=needs.users,
        decode_tokens_per_s=est.decode_tokens_per_s,
        gpu_count=option.gpu_total,  # every node's GPUs
        gpu_name=option.gpu.name,
        replicas=option.replicas,
        users_served=served,
        min_tokens_per_s=needs.min_tokens_per_s,
        owned=option.owned,
        hardware_price=money.hardware,
        currency=money.currency.value,
        per_month=money.per_month,
    )
