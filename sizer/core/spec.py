"""Procurement specs: hardware offers and the workloads they must carry, and the check of one
against the other. Pure: a Spec and a Catalog in, a CheckReport out; a failed rule is a result,
never an exception.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from sizer.bounds import MAX_BATCH, MAX_CONTEXT, MAX_HEADCOUNT, MAX_NODES, MAX_POWER_W, MAX_TOKENS_PER_S
from sizer.core.capacity import users_for_headcount
from sizer.core.catalog import Catalog
from sizer.core.estimate import estimate
from sizer.core.layout import RigLayout, layout_memory, layout_per_gpu_bytes, pick_link
from sizer.core.quant import resolve_quant
from sizer.core.serving import user_tokens_per_s
from sizer.engines import engine_for
from sizer.engines.base import check_workload, default_format, rig_refusal
from sizer.errors import N_, InputError
from sizer.models import (
    Assumptions,
    Currency,
    Engine,
    Estimate,
    ExchangeRates,
    GpuSpec,
    Interconnect,
    Interconnects,
    KvCacheType,
    ModelSpec,
    Money,
    UseCase,
    Vendor,
    Workload,
)
from sizer.models.assumptions import DEFAULT_ASSUMPTIONS
from sizer.models.reasons import Reason

# An offer's machines: how many, and the link between them (None on one node).
Nodes = tuple[int, Interconnect | None]


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False, defer_build=True)


class GpuLine(_Strict):
    name: str = Field(min_length=1, description="GPU name as NVML, llama.cpp or a shop writes it")
    count: int = Field(default=1, ge=1, le=64)


class Offer(_Strict):
    """One hardware offer: GPUs, system RAM, price, power supply."""

    name: str | None = None
    gpus: tuple[GpuLine, ...] = Field(min_length=1)
    ram_gb: float | None = Field(default=None, gt=0, description="system RAM, GB")
    price: Money | None = None
    max_power_w: float | None = Field(default=None, gt=0, le=MAX_POWER_W, description="power the box may draw, W")
    nodes: int = Field(
        default=1,
        ge=1,
        le=MAX_NODES,
        description="machines of these GPUs each (vLLM, SGLang, TensorRT-LLM: tensor parallel within a node, "
        "pipeline parallel across); price and power are per machine",
    )
    interconnect: str | None = Field(
        default=None, description="link between the nodes (data/interconnects.yaml id); default ib-ndr"
    )


class SpecWorkload(_Strict):
    """A workload the hardware must carry: a model (or a use case), context, users and speed."""

    model: str | None = None
    use_case: UseCase | None = None
    quant: str | None = Field(
        default=None, description="weight format; default the engine's (Q4_K_M llama.cpp and ollama, BF16 vLLM, SGLang)"
    )
    context: int = Field(default=4096, ge=1, le=MAX_CONTEXT)
    concurrent_users: int | None = Field(default=None, ge=1, le=MAX_BATCH, description="default 1")
    headcount: int | None = Field(
        default=None, ge=1, le=MAX_HEADCOUNT, description="people who use it (instead of concurrent_users)"
    )
    requests_per_hour: float = Field(
        default=10.0, gt=0, le=3600, description="with headcount: requests per person in the busy hour"
    )
    output_tokens: int = Field(default=215, ge=1, le=MAX_CONTEXT, description="with headcount: tokens per answer")
    min_tokens_per_s: float = Field(
        default=10.0, ge=0, le=MAX_TOKENS_PER_S, description="decode tokens/s each user needs"
    )
    engine: Engine = Engine.LLAMA_CPP
    kv_cache_type: KvCacheType = "f16"

    @model_validator(mode="after")
    def _users_or_headcount(self) -> SpecWorkload:
        if self.headcount is not None and self.concurrent_users is not None:
            raise ValueError(N_("give 'concurrent_users' or 'headcount', not both"))
        return self

    @property
    def users(self) -> int:
        """Concurrent users to size for: as written, or the 95th percentile of a headcount's
        requests in flight at the busy hour (core/capacity.py: users_for_headcount)."""
        if self.headcount is None:
            return self.concurrent_users or 1
        users = users_for_headcount(self.headcount, self.requests_per_hour, self.output_tokens, self.min_tokens_per_s)
        return min(users, MAX_BATCH)

    @model_validator(mode="after")
    def _model_or_use_case(self) -> SpecWorkload:
        if (self.model is None) == (self.use_case is None):
            raise ValueError(N_("give exactly one of 'model' or 'use_case'"))
        return self

    @model_validator(mode="after")
    def _engine_runs_it(self) -> SpecWorkload:
        """A format or KV-cache type the engine does not offer makes the spec invalid (not a violation)."""
        try:
            check_workload(engine_for(self.engine), self.workload(self.weight_format))
        except InputError as exc:
            raise ValueError(exc.message) from None  # io.loaders words it in the output language
        return self

    @property
    def weight_format(self) -> str:
        """The quant as written, else the engine's default."""
        return self.quant or engine_for(self.engine).default_format

    def workload(self, quant: str) -> Workload:
        return Workload(
            quant=quant,
            context=self.context,
            batch=self.users,
            engine=self.engine,
            kv_cache_type=self.kv_cache_type,
        )

    @property
    def label(self) -> str:
        return self.model or f"use case {self.use_case}"


class Constraints(_Strict):
    budget: Money | None = None
    vram_headroom: float = Field(default=0.0, ge=0, lt=1, description="share of VRAM to keep free")
    license: Literal["commercial", "any"] = "any"
    max_power_w: float | None = Field(default=None, gt=0, le=MAX_POWER_W)


class Spec(_Strict):
    """A procurement spec (YAML). `hardware` is one offer; `offers` lists several to compare."""

    name: str = "spec"
    currency: Currency | None = Field(
        default=None, description="currency of every amount in the answer; default: the budget's, else EUR"
    )
    hardware: Offer | None = None
    offers: tuple[Offer, ...] = ()
    workloads: tuple[SpecWorkload, ...] = Field(min_length=1)
    constraints: Constraints = Constraints()

    @model_validator(mode="after")
    def _some_hardware(self) -> Spec:
        if self.hardware is None and not self.offers:
            raise ValueError(N_("give 'hardware' (one offer) or 'offers' (a list)"))
        return self

    @property
    def answer_currency(self) -> Currency:
        """The currency the check answers in: the spec's, else its budget's, else an offer's price's, else EUR."""
        if self.currency is not None:
            return self.currency
        if self.constraints.budget is not None:
            return self.constraints.budget.currency
        priced = [o.price.currency for _, o in self.all_offers if o.price is not None]
        return priced[0] if priced else Currency.EUR

    @property
    def all_offers(self) -> tuple[tuple[str, Offer], ...]:
        """(spec path, offer) for every offer, as the YAML names it."""
        if self.hardware is not None:
            return (("hardware", self.hardware),)
        return tuple((f"offers[{i}]", o) for i, o in enumerate(self.offers))


class Violation(_Strict):
    """One unmet requirement: a stable code, the spec path it concerns, and the figures behind it
    (`message_code`, whose code is `code`)."""

    code: str
    path: str
    message_code: Reason

    @model_validator(mode="after")
    def _one_code(self) -> Violation:
        if self.message_code.code != self.code:
            raise ValueError(f"violation {self.code!r} carries the figures of {self.message_code.code!r}")
        return self


def _violation(path: str, reason: Reason) -> Violation:
    return Violation(code=reason.code, path=path, message_code=reason)


class Outcome(_Strict):
    """One offer against one workload."""

    offer: str
    offer_path: str
    workload: str
    workload_path: str
    use_case: str | None = None  # a workload named by its use case (no model): renderers word it
    passed: bool
    needs_bytes_per_gpu: int | None = None
    has_bytes_per_gpu: int | None = None
    decode_tokens_per_s: float | None = None
    model: str | None = None
    summary_code: Reason  # check-summary: the figures that decided it
    violations: tuple[Violation, ...] = ()
    would_pass_code: tuple[Reason, ...] = ()  # smaller-quant, more-gpus, other-gpu


class CheckReport(_Strict):
    name: str
    passed: bool
    outcomes: tuple[Outcome, ...]
    warnings_code: tuple[Reason, ...] = ()


# Smaller formats to suggest, largest first: llama.cpp's GGUF types, then vLLM/SGLang formats
# (each engine is offered only those it serves).
_QUANT_LADDER = ("Q8_0", "Q6_K", "Q5_K_M", "Q4_K_M", "IQ4_XS", "Q3_K_M", "IQ3_M", "Q2_K", "FP8", "INT8", "AWQ", "GPTQ")


def _offer_gpu(offer: Offer, path: str, catalog: Catalog) -> tuple[GpuSpec, int, list[Reason]]:
    """The rig an offer describes: its GPU (the weakest if mixed) and the total count."""
    gpus = [(catalog.gpu(line.name), line.count) for line in offer.gpus]
    warnings = []
    if len({g.id for g, _ in gpus}) > 1:
        warnings.append(Reason(code="mixed-gpus", path=path))
    weakest = min((g for g, _ in gpus), key=lambda g: (g.vram_gib, g.mem_bandwidth_gb_per_s))
    return weakest, sum(n for _, n in gpus), warnings


class _Memo:
    """What one check computes once and asks for again: the estimate and broken rules per (model,
    GPU, count, quant, workload), per-GPU memory needs, the priced GPUs, the models per use case.

    A check of N offers x M workloads asks for the same rigs again and again: offers share GPU
    kinds and counts, and every failing cell tries the same smaller quants, larger counts and
    other GPUs. Without it 100 x 100 took minutes (issue 10); benchmarks/speed.py times it.
    """

    def __init__(
        self,
        assumptions: Assumptions,
        constraints: Constraints,
        rates: ExchangeRates | None = None,
        calibrated: Mapping[str, Assumptions] | None = None,
    ) -> None:
        self.assumptions, self.constraints, self.rates = assumptions, constraints, rates or ExchangeRates()
        self.calibrated = dict(calibrated or {})  # GPU id -> its own constants (the user's calibration)
        # The keys hold id()s; the values keep the model and GPU alive so no id is reused meanwhile.
        self._fails: dict[tuple[object, ...], tuple[ModelSpec, GpuSpec, Estimate, tuple[Reason, ...]]] = {}
        self._needs: dict[tuple[object, ...], tuple[ModelSpec, int]] = {}
        self._priced: tuple[tuple[GpuSpec, float], ...] | None = None
        self.candidates: dict[str, list[ModelSpec]] = {}  # use case -> its models, best first

    @staticmethod
    def _work_key(work: SpecWorkload, quant: str) -> tuple[object, ...]:
        return (quant, work.context, work.users, work.engine, work.kv_cache_type)

    def fails(
        self, model: ModelSpec, gpu: GpuSpec, count: int, work: SpecWorkload, quant: str, nodes: Nodes = (1, None)
    ) -> tuple[Estimate, tuple[Reason, ...]]:
        """The estimate for a rig (`count` GPUs on each of `nodes[0]` machines over the link
        `nodes[1]`) and every rule it breaks (computed once per rig). An engine that stays on
        one node is sized on one, and breaks single-node-engine."""
        key = (id(model), id(gpu), count, nodes[0], id(nodes[1]), *self._work_key(work, quant))
        hit = self._fails.get(key)
        if hit is None:
            runtime = engine_for(work.engine)
            single = nodes[0] > 1 and not runtime.splits_tensors
            on = (1, None) if single else nodes
            sized = self.calibrated.get(gpu.id, self.assumptions)
            est = estimate(model, gpu, work.workload(quant), count, sized, nodes=on[0], interconnect=on[1])
            broken = _broken(model, gpu, count, work, est, self.constraints, on)
            if single:
                broken.insert(0, Reason(code="single-node-engine", engine=runtime.label, nodes=nodes[0]))
            hit = (model, gpu, est, tuple(broken))
            self._fails[key] = hit
        return hit[2], hit[3]

    def lacks_memory(
        self,
        model: ModelSpec,
        gpu: GpuSpec,
        count: int,
        work: SpecWorkload,
        quant: str,
        headroom: float,
        nodes: Nodes = (1, None),
    ) -> bool:
        """Whether `count` x `gpu` breaks insufficient-vram, from the per-GPU need alone.

        It is the comparison `_fails` makes on a full estimate (the largest per-GPU share against
        the engine's usable capacity less headroom), and the need does not depend on which GPU
        beyond whether it runs a CUDA/ROCm context: one need serves every other GPU `_would_pass`
        tries (tests/test_spec.py holds the two to agreeing).
        """
        runtime, has_context = engine_for(work.engine), gpu.vendor is not Vendor.APPLE
        if nodes[0] > 1 and not runtime.splits_tensors:
            return False  # sized on one node by `fails`, which says why
        key = (id(model), count, nodes[0], has_context, *self._work_key(work, quant))
        need = self._needs.get(key)
        if need is None:
            layout = RigLayout(nodes[0], count, runtime.splits_tensors, nodes[1])
            mem = layout_memory(runtime, model, work.workload(quant), layout, self.assumptions, has_context)
            need = (model, max(layout_per_gpu_bytes(mem, model, layout)))
            self._needs[key] = need
        return need[1] > runtime.usable_bytes_per_gpu(gpu, self.assumptions) * (1 - headroom)

    def priced_gpus(self, catalog: Catalog, currency: Currency) -> tuple[tuple[GpuSpec, float], ...]:
        """The catalog's priced discrete GPUs with their price in `currency`, cheapest first (ties by
        id): the other GPUs to suggest. A price in a currency without a rate is left out."""
        if self._priced is None:
            priced = []
            for g in catalog.gpus:
                if g.price is None or g.unified_memory:
                    continue
                amount = self.rates.convert(g.price.amount, str(g.price.currency), currency.value)
                if amount is not None:
                    priced.append((g, amount))
            self._priced = tuple(sorted(priced, key=lambda p: (p[1], p[0].id)))
        return self._priced


def _broken(
    model: ModelSpec,
    gpu: GpuSpec,
    count: int,
    work: SpecWorkload,
    est: Estimate,
    constraints: Constraints,
    nodes: Nodes = (1, None),
) -> list[Reason]:
    """Every rule a rig breaks, with its figures, given its estimate."""
    broken = []
    refused = rig_refusal(engine_for(work.engine), model, gpu, count)  # a vendor, a tensor-parallel size
    if refused is not None:
        broken.append(refused)
    capacity = est.available_bytes / est.gpu_count
    need = max(est.per_gpu_bytes)
    allowed = capacity * (1 - constraints.vram_headroom)
    if need > allowed:
        broken.append(
            Reason(
                code="insufficient-vram",
                needs_bytes_per_gpu=need,
                has_bytes_per_gpu=round(capacity),
                headroom_frac=constraints.vram_headroom,
            )
        )
    elif _speed(model, gpu, count, work, est, nodes) < work.min_tokens_per_s:
        broken.append(
            Reason(
                code="too-slow",
                decode_tokens_per_s=_speed(model, gpu, count, work, est, nodes),
                users=work.users,
                min_tokens_per_s=work.min_tokens_per_s,
            )
        )
    return broken + _model_rules(model, work, constraints)


def _speed(
    model: ModelSpec, gpu: GpuSpec, count: int, work: SpecWorkload, est: Estimate, nodes: Nodes = (1, None)
) -> float:
    """Each user's tokens/s: the serving model's closed loop of the users' chat turns where every
    layer is on the GPUs (as recommend counts users served), else the estimate's decode."""
    if est.offload is not None:
        return est.decode_tokens_per_s
    workload = work.workload(est.quant)
    each = est.available_bytes // est.gpu_count
    if est.layout is not None and est.layout.nodes > 1:
        return user_tokens_per_s(model, gpu, count, workload, est.assumptions, each, nodes[0], nodes[1])
    return user_tokens_per_s(model, gpu, count, workload, est.assumptions, each)


def _model_rules(model: ModelSpec, work: SpecWorkload, constraints: Constraints) -> list[Reason]:
    """The rules a model breaks whatever it runs on: context length and licence."""
    broken = []
    if work.context > model.max_context:
        broken.append(
            Reason(code="context-too-long", model=model.id, max_context=model.max_context, context=work.context)
        )
    if constraints.license == "commercial" and model.commercial_use is False:
        broken.append(Reason(code="license", model=model.id, license=model.license))
    return broken


def _would_pass(
    model: ModelSpec,
    gpu: GpuSpec,
    count: int,
    work: SpecWorkload,
    quant: str,
    spec: Spec,
    catalog: Catalog,
    memo: _Memo,
    nodes: Nodes = (1, None),
) -> list[Reason]:
    """What would pass instead (the workload sized in `quant`): a smaller quant, more GPUs of the
    same kind (on each node), another GPU (as many on as many nodes)."""
    ideas: list[Reason] = []
    if _model_rules(model, work, spec.constraints):
        return ideas  # a context the model lacks or its licence fails on every rig alike

    def ok(m: ModelSpec, g: GpuSpec, n: int, q: str) -> bool:
        if memo.lacks_memory(m, g, n, work, q, spec.constraints.vram_headroom, nodes):
            return False  # most of the rigs tried: no full estimate needed to say no
        return not memo.fails(m, g, n, work, q, nodes)[1]

    current_bits = resolve_quant(quant).bits_per_weight
    formats = engine_for(work.engine).formats
    for q in _QUANT_LADDER:
        if q in formats and resolve_quant(q).bits_per_weight < current_bits and ok(model, gpu, count, q):
            ideas.append(Reason(code="smaller-quant", quant=q))
            break
    for n in range(count + 1, 9):
        if gpu.sold_in(n) and ok(model, gpu, n, quant):
            ideas.append(Reason(code="more-gpus", gpu_count=n, gpu_name=gpu.name))
            break
    budget, currency = spec.constraints.budget, spec.answer_currency
    allowed = memo.rates.convert(budget.amount, budget.currency.value, currency.value) if budget else None
    for g, each in memo.priced_gpus(catalog, currency):
        if g.id == gpu.id or not g.sold_in(count):
            continue
        price = round(each * count * nodes[0], 2)
        if allowed is not None and price > allowed:
            continue
        if ok(model, g, count, quant):
            ideas.append(
                Reason(code="other-gpu", gpu_count=count, gpu_name=g.name, price=price, currency=currency.value)
            )
            break
    return ideas


def _offer_rules(
    offer: Offer, path: str, gpu_sets: list[tuple[GpuSpec, int]], spec: Spec, rates: ExchangeRates
) -> list[Violation]:
    """Rules of the offer itself: budget and power (money in the spec's answer currency)."""
    out = []
    budget, currency = spec.constraints.budget, spec.answer_currency.value
    if budget and offer.price:
        price = rates.convert(offer.price.amount * offer.nodes, offer.price.currency.value, currency)  # per machine
        allowed = rates.convert(budget.amount, budget.currency.value, currency)
        if price is not None and allowed is not None and price > allowed:
            over = Reason(code="over-budget", price=price, budget=allowed, currency=currency)
            out.append(_violation(f"{path}.price", over))
    limits = (offer.max_power_w, spec.constraints.max_power_w)
    for where, reason in zip((f"{path}.max_power_w", "constraints"), _power_reasons(gpu_sets, limits), strict=True):
        if reason:
            out.append(_violation(where, reason))
    return out


def _power_reasons(gpu_sets: Sequence[tuple[GpuSpec, int]], limits: Sequence[float | None]) -> list[Reason | None]:
    """For each power limit, over-power when the GPUs' board power exceeds it (None when it does not)."""
    watts = sum(g.tdp_w * n for g, n in gpu_sets)
    return [
        Reason(code="over-power", power_w=watts, limit_w=limit) if limit and watts > limit else None for limit in limits
    ]


def _candidates(work: SpecWorkload, catalog: Catalog) -> list[ModelSpec]:
    if work.model is not None:
        return [catalog.model(work.model)]
    tagged = [m for m in catalog.models if work.use_case in m.use_cases]
    return sorted(tagged, key=lambda m: (-(m.quality.score if m.quality else 0), m.params_total, m.id))


def _convertible(spec: Spec, rates: ExchangeRates) -> None:
    """The budget and every offer's price convert to the answer's currency; an amount that cannot
    is bad input (InputError), never silently unlimited or 0."""
    want = spec.answer_currency.value
    amounts = [("constraints.budget", spec.constraints.budget)]
    amounts += [(f"{path}.price", offer.price) for path, offer in spec.all_offers]
    for where, money in amounts:
        if money is not None and rates.convert(money.amount, money.currency.value, want) is None:
            raise InputError(
                N_("{where}: no exchange rate from {have} to {want}"),
                where=where,
                have=money.currency.value,
                want=want,
            )


def check(
    spec: Spec,
    catalog: Catalog,
    assumptions: Assumptions = DEFAULT_ASSUMPTIONS,
    resolve_model: Callable[[str], ModelSpec] | None = None,
    delivered: Sequence[tuple[str, GpuSpec, int]] | None = None,
    rates: ExchangeRates | None = None,
    calibrated: Mapping[str, Assumptions] | None = None,
    interconnects: Interconnects | None = None,
) -> CheckReport:
    """Check every offer against every workload; collect every unmet requirement.

    `delivered` replaces the spec's offers with machines as they were delivered (label, GPU,
    count; from `sizer probe --json`): an acceptance test. Names that resolve to nothing raise
    UnknownNameError (the spec is invalid, exit 2); unmet requirements are results.
    `resolve_model` replaces catalog look-up (Hub repos, files). Every amount is in the spec's
    currency (`Spec.answer_currency`), converted at `rates` (default: sizer's dated EUR/USD rate).
    `calibrated` gives a GPU (by id) its own constants, the user's calibration for it; its
    offers, and the other GPUs suggested, are sized with them.
    An offer of `nodes` machines is sized over its `interconnect`, looked up in `interconnects`
    (data/interconnects.yaml; needed only when an offer has more than one node).
    """
    rates = rates or ExchangeRates()
    _convertible(spec, rates)
    rigs: list[tuple[str, str, GpuSpec, int, list[Violation], Nodes]] = []
    warnings: list[Reason] = []
    if delivered is not None:
        power = [
            _violation("constraints", r)
            for r in _power_reasons([(g, n) for _, g, n in delivered], [spec.constraints.max_power_w])
            if r
        ]
        rigs = [("hardware", label, gpu, count, power, (1, None)) for label, gpu, count in delivered]
    for offer_path, offer in spec.all_offers if delivered is None else ():
        gpu, count, notes = _offer_gpu(offer, offer_path, catalog)
        warnings += notes
        gpu_sets = [(catalog.gpu(line.name), line.count * offer.nodes) for line in offer.gpus]
        label = offer.name or " + ".join(f"{line.count} x {line.name}" for line in offer.gpus)
        if offer.nodes > 1 and not offer.name:
            label = f"{offer.nodes} x ({label})"
        nodes = (offer.nodes, _offer_link(offer, offer_path, interconnects))
        rigs.append((offer_path, label, gpu, count, _offer_rules(offer, offer_path, gpu_sets, spec, rates), nodes))
    memo = _Memo(assumptions, spec.constraints, rates, calibrated)
    outcomes = [
        _check_one(spec, catalog, memo, resolve_model, rig, (f"workloads[{i}]", work))
        for rig in rigs
        for i, work in enumerate(spec.workloads)
    ]
    return CheckReport(
        name=spec.name, passed=all(o.passed for o in outcomes), outcomes=tuple(outcomes), warnings_code=tuple(warnings)
    )


def _check_one(
    spec: Spec,
    catalog: Catalog,
    memo: _Memo,
    resolve_model: Callable[[str], ModelSpec] | None,
    offer_part: tuple[str, str, GpuSpec, int, list[Violation], Nodes],
    work_part: tuple[str, SpecWorkload],
) -> Outcome:
    offer_path, label, gpu, count, offer_violations, nodes = offer_part
    w_path, work = work_part
    runtime = engine_for(work.engine)
    if work.model is not None and resolve_model is not None:
        candidates = [resolve_model(work.model)]
    elif work.model is not None:
        candidates = _candidates(work, catalog)
    else:  # sorted once per use case, not once per offer
        if str(work.use_case) not in memo.candidates:
            memo.candidates[str(work.use_case)] = _candidates(work, catalog)
        candidates = memo.candidates[str(work.use_case)]
    if not candidates:
        raise InputError(
            N_("{path}.use_case: no catalog model is tagged {use_case!r}"),
            path=w_path,
            use_case=work.use_case,
        )
    best: tuple[ModelSpec, Estimate, list[Reason]] | None = None
    for model in candidates:
        # known and served by the engine: SpecWorkload checked both
        fmt = work.quant or default_format(runtime, model)
        est, found = memo.fails(model, gpu, count, work, fmt, nodes)
        broken = list(found)
        if best is None or (broken == [] and best[2] != []):
            best = (model, est, broken)
        if not broken:
            break
    model, est, broken = best  # type: ignore[misc]
    quant = work.quant or default_format(runtime, model)
    violations = [_violation(w_path, r) for r in broken] + offer_violations
    need, has = max(est.per_gpu_bytes), est.available_bytes // est.gpu_count
    speed = _speed(model, gpu, count, work, est, nodes)
    summary = Reason(
        code="check-summary",
        model=model.id,
        quant=quant,
        context=work.context,
        users=work.users,
        needs_bytes_per_gpu=need,
        has_bytes_per_gpu=has,
        fits=est.fits,
        decode_tokens_per_s=speed,
        min_tokens_per_s=work.min_tokens_per_s,
    )
    ideas = _would_pass(model, gpu, count, work, quant, spec, catalog, memo, nodes) if broken else []
    return Outcome(
        offer=label,
        offer_path=offer_path,
        workload=work.label,
        workload_path=w_path,
        use_case=None if work.model else work.use_case,
        passed=not violations,
        needs_bytes_per_gpu=need,
        has_bytes_per_gpu=has,
        decode_tokens_per_s=speed,
        model=model.id,
        summary_code=summary,
        violations=tuple(violations),
        would_pass_code=tuple(ideas),
    )


def _offer_link(offer: Offer, path: str, interconnects: Interconnects | None) -> Interconnect | None:
    """The link between an offer's nodes: its `interconnect`, else the table's default (None on one node)."""
    if offer.nodes == 1:
        if offer.interconnect is not None:
            raise InputError(N_("{path}.interconnect: the link between nodes needs nodes: 2 or more"), path=path)
        return None
    if interconnects is None:
        raise InputError(N_("{path}.nodes: sizing more than one node needs the interconnect table"), path=path)
    try:
        return pick_link(interconnects, offer.interconnect)
    except InputError as exc:
        raise InputError(N_("{path}.interconnect: {error}"), path=path, error=exc) from None


def spec_json_schema() -> dict[str, object]:
    """The JSON Schema of the spec format (for editors)."""
    return Spec.model_json_schema()
