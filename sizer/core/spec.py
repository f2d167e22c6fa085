"""Procurement specs: hardware offers and the workloads they must carry, and the check of one
against the other. Pure: a Spec and a Catalog in, a CheckReport out; a failed rule is a result,
never an exception.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from sizer.core.catalog import Catalog
from sizer.core.estimate import estimate
from sizer.core.quant import resolve_quant
from sizer.errors import InputError
from sizer.models import Assumptions, Currency, Engine, Estimate, GpuSpec, ModelSpec, Money, UseCase, Workload
from sizer.models.assumptions import DEFAULT_ASSUMPTIONS
from sizer.units import GiB


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class GpuLine(_Strict):
    name: str = Field(min_length=1, description="GPU name as NVML, llama.cpp or a shop writes it")
    count: int = Field(default=1, ge=1, le=64)


class Offer(_Strict):
    """One hardware offer: GPUs, system RAM, price, power supply."""

    name: str | None = None
    gpus: tuple[GpuLine, ...] = Field(min_length=1)
    ram_gb: float | None = Field(default=None, gt=0, description="system RAM, GB")
    price: Money | None = None
    max_power_w: float | None = Field(default=None, gt=0, description="power the box may draw, W")


class SpecWorkload(_Strict):
    """A workload the hardware must carry: a model (or a use case), context, users and speed."""

    model: str | None = None
    use_case: UseCase | None = None
    quant: str = "Q4_K_M"
    context: int = Field(default=4096, ge=1)
    concurrent_users: int = Field(default=1, ge=1)
    min_tokens_per_s: float = Field(default=10.0, ge=0, description="decode tokens/s each user needs")
    engine: Engine = Engine.LLAMA_CPP
    kv_cache_type: Literal["f16", "q8_0", "q4_0", "fp8"] = "f16"

    @model_validator(mode="after")
    def _model_or_use_case(self) -> SpecWorkload:
        if (self.model is None) == (self.use_case is None):
            raise ValueError("give exactly one of 'model' or 'use_case'")
        return self

    @property
    def label(self) -> str:
        return self.model or f"use case {self.use_case}"


class Constraints(_Strict):
    budget: Money | None = None
    vram_headroom: float = Field(default=0.0, ge=0, lt=1, description="share of VRAM to keep free")
    license: Literal["commercial", "any"] = "any"
    max_power_w: float | None = Field(default=None, gt=0)


class Spec(_Strict):
    """A procurement spec (YAML). `hardware` is one offer; `offers` lists several to compare."""

    name: str = "spec"
    hardware: Offer | None = None
    offers: tuple[Offer, ...] = ()
    workloads: tuple[SpecWorkload, ...] = Field(min_length=1)
    constraints: Constraints = Constraints()

    @model_validator(mode="after")
    def _some_hardware(self) -> Spec:
        if self.hardware is None and not self.offers:
            raise ValueError("give 'hardware' (one offer) or 'offers' (a list)")
        return self

    @property
    def all_offers(self) -> tuple[tuple[str, Offer], ...]:
        """(spec path, offer) for every offer, as the YAML names it."""
        if self.hardware is not None:
            return (("hardware", self.hardware),)
        return tuple((f"offers[{i}]", o) for i, o in enumerate(self.offers))


class Violation(_Strict):
    """One unmet requirement, with a stable code and the spec path it concerns."""

    code: str
    path: str
    message: str


class Outcome(_Strict):
    """One offer against one workload."""

    offer: str
    offer_path: str
    workload: str
    workload_path: str
    passed: bool
    needs_bytes_per_gpu: int | None = None
    has_bytes_per_gpu: int | None = None
    decode_tokens_per_s: float | None = None
    model: str | None = None
    summary: str
    violations: tuple[Violation, ...] = ()
    would_pass: tuple[str, ...] = ()


class CheckReport(_Strict):
    name: str
    passed: bool
    outcomes: tuple[Outcome, ...]
    warnings: tuple[str, ...] = ()


_QUANT_LADDER = ("Q8_0", "Q6_K", "Q5_K_M", "Q4_K_M", "IQ4_XS", "Q3_K_M", "IQ3_M", "Q2_K")


def _offer_gpu(offer: Offer, catalog: Catalog) -> tuple[GpuSpec, int, list[str]]:
    """The rig an offer describes: its GPU (the weakest if mixed) and the total count."""
    gpus = [(catalog.gpu(line.name), line.count) for line in offer.gpus]
    warnings = []
    if len({g.id for g, _ in gpus}) > 1:
        warnings.append("mixed GPUs are sized as that many of the smallest, slowest one")
    weakest = min((g for g, _ in gpus), key=lambda g: (g.vram_gib, g.mem_bandwidth_gb_per_s))
    return weakest, sum(n for _, n in gpus), warnings


def _fails(
    model: ModelSpec,
    gpu: GpuSpec,
    count: int,
    work: SpecWorkload,
    quant: str,
    constraints: Constraints,
    a: Assumptions,
    available: int | None = None,
) -> tuple[Estimate, list[tuple[str, str]]]:
    """The estimate for a rig and the (code, message) of every rule it breaks."""
    load = Workload(
        quant=quant,
        context=work.context,
        batch=work.concurrent_users,
        engine=work.engine,
        kv_cache_type=work.kv_cache_type,
    )
    est = estimate(model, gpu, load, count, a, available_bytes_per_gpu=available)
    broken = []
    capacity = est.available_bytes / count
    need = max(est.per_gpu_bytes)
    allowed = capacity * (1 - constraints.vram_headroom)
    if need > allowed:
        broken.append(
            (
                "insufficient-vram",
                f"needs {need / GiB:.1f} GiB per GPU, the offer has {capacity / GiB:.1f} GiB"
                + (f" less {constraints.vram_headroom:.0%} headroom" if constraints.vram_headroom else ""),
            )
        )
    elif est.decode_tokens_per_s < work.min_tokens_per_s:
        broken.append(
            (
                "too-slow",
                f"{est.decode_tokens_per_s:.1f} tokens/s per user for {work.concurrent_users} user(s), "
                f"needs {work.min_tokens_per_s:g}",
            )
        )
    if work.context > model.max_context:
        broken.append(("context-too-long", f"{model.id} supports {model.max_context:,} tokens, not {work.context:,}"))
    if constraints.license == "commercial" and model.commercial_use is False:
        broken.append(("license", f"{model.id}: {model.license} does not allow commercial use"))
    return est, broken


def _would_pass(
    model: ModelSpec, gpu: GpuSpec, count: int, work: SpecWorkload, spec: Spec, catalog: Catalog, a: Assumptions
) -> list[str]:
    """What would pass instead: a smaller quant, more GPUs of the same kind, another GPU."""
    ideas: list[str] = []

    def ok(m: ModelSpec, g: GpuSpec, n: int, q: str) -> bool:
        return not _fails(m, g, n, work, q, spec.constraints, a)[1]

    current_bits = resolve_quant(work.quant).bits_per_weight
    for q in _QUANT_LADDER:
        if resolve_quant(q).bits_per_weight < current_bits and ok(model, gpu, count, q):
            ideas.append(f"quant {q}")
            break
    for n in range(count + 1, 9):
        if ok(model, gpu, n, work.quant):
            ideas.append(f"{n} x {gpu.name}")
            break
    budget = spec.constraints.budget
    priced = sorted(
        (g for g in catalog.gpus if g.price and not g.unified_memory and g.id != gpu.id),
        key=lambda g: (Money(amount=g.price.amount, currency=g.price.currency).to(Currency.EUR), g.id),  # type: ignore[union-attr]
    )
    for g in priced:
        cost = Money(amount=g.price.amount * count, currency=g.price.currency)  # type: ignore[union-attr]
        if budget and cost.to(budget.currency) > budget.amount:
            continue
        if ok(model, g, count, work.quant):
            ideas.append(f"{count} x {g.name} (about {cost.amount:,.0f} {cost.currency.value} for the GPUs)")
            break
    return ideas


def _offer_rules(offer: Offer, path: str, gpu_sets: list[tuple[GpuSpec, int]], spec: Spec) -> list[Violation]:
    """Rules of the offer itself: budget and power."""
    out = []
    budget = spec.constraints.budget
    if budget and offer.price and offer.price.to(budget.currency) > budget.amount:
        out.append(
            Violation(
                code="over-budget",
                path=f"{path}.price",
                message=f"costs {offer.price.to(budget.currency):,.0f} {budget.currency.value}, "
                f"the budget is {budget.amount:,.0f}",
            )
        )
    limits = (offer.max_power_w, spec.constraints.max_power_w)
    for where, message in zip((f"{path}.max_power_w", "constraints"), _power_messages(gpu_sets, limits), strict=True):
        if message:
            out.append(Violation(code="over-power", path=where, message=message))
    return out


def _power_messages(gpu_sets: Sequence[tuple[GpuSpec, int]], limits: Sequence[float | None]) -> list[str]:
    """For each power limit, a message when the GPUs' board power exceeds it ('' when it does not)."""
    watts = sum(g.tdp_w * n for g, n in gpu_sets)
    return [
        f"the GPUs alone draw {watts:,.0f} W, the limit is {limit:,.0f} W" if limit and watts > limit else ""
        for limit in limits
    ]


def _candidates(work: SpecWorkload, catalog: Catalog) -> list[ModelSpec]:
    if work.model is not None:
        return [catalog.model(work.model)]
    tagged = [m for m in catalog.models if work.use_case in m.use_cases]
    return sorted(tagged, key=lambda m: (-(m.quality.score if m.quality else 0), m.params_total, m.id))


def check(
    spec: Spec,
    catalog: Catalog,
    assumptions: Assumptions = DEFAULT_ASSUMPTIONS,
    resolve_model: Callable[[str], ModelSpec] | None = None,
    delivered: Sequence[tuple[str, GpuSpec, int]] | None = None,
) -> CheckReport:
    """Check every offer against every workload; collect every unmet requirement.

    `delivered` replaces the spec's offers with machines as they were delivered (label, GPU,
    count; from `sizer probe --json`): an acceptance test. Names that resolve to nothing raise
    UnknownNameError (the spec is invalid, exit 2); unmet requirements are results.
    `resolve_model` replaces catalog look-up (Hub repos, files).
    """
    rigs: list[tuple[str, str, GpuSpec, int, list[Violation]]] = []
    warnings: list[str] = []
    if delivered is not None:
        power = [
            Violation(code="over-power", path="constraints", message=m)
            for m in _power_messages([(g, n) for _, g, n in delivered], [spec.constraints.max_power_w])
            if m
        ]
        rigs = [("hardware", label, gpu, count, power) for label, gpu, count in delivered]
    for offer_path, offer in spec.all_offers if delivered is None else ():
        gpu, count, notes = _offer_gpu(offer, catalog)
        warnings += [f"{offer_path}: {n}" for n in notes]
        gpu_sets = [(catalog.gpu(line.name), line.count) for line in offer.gpus]
        label = offer.name or " + ".join(f"{line.count} x {line.name}" for line in offer.gpus)
        rigs.append((offer_path, label, gpu, count, _offer_rules(offer, offer_path, gpu_sets, spec)))
    outcomes = [
        _check_one(spec, catalog, assumptions, resolve_model, rig, (f"workloads[{i}]", work))
        for rig in rigs
        for i, work in enumerate(spec.workloads)
    ]
    return CheckReport(
        name=spec.name, passed=all(o.passed for o in outcomes), outcomes=tuple(outcomes), warnings=tuple(warnings)
    )


def _check_one(
    spec: Spec,
    catalog: Catalog,
    a: Assumptions,
    resolve_model: Callable[[str], ModelSpec] | None,
    offer_part: tuple[str, str, GpuSpec, int, list[Violation]],
    work_part: tuple[str, SpecWorkload],
) -> Outcome:
    offer_path, label, gpu, count, offer_violations = offer_part
    w_path, work = work_part
    resolve_quant(work.quant)  # an unknown quant is an invalid spec, not an unmet rule
    if work.model is not None and resolve_model is not None:
        candidates = [resolve_model(work.model)]
    else:
        candidates = _candidates(work, catalog)
    if not candidates:
        raise InputError(f"{w_path}.use_case: no catalog model is tagged {work.use_case!r}")
    best: tuple[ModelSpec, Estimate, list[tuple[str, str]]] | None = None
    for model in candidates:
        est, broken = _fails(model, gpu, count, work, work.quant, spec.constraints, a)
        if best is None or (broken == [] and best[2] != []):
            best = (model, est, broken)
        if not broken:
            break
    model, est, broken = best  # type: ignore[misc]
    violations = [Violation(code=c, path=w_path, message=m) for c, m in broken] + offer_violations
    need, has = max(est.per_gpu_bytes), est.available_bytes // count
    margin = f"{1 - need / has:.0%} headroom" if need <= has else f"{(need - has) / GiB:.1f} GiB short"
    speed = (
        f"{est.decode_tokens_per_s:.1f} tokens/s per user (needs {work.min_tokens_per_s:g})"
        if est.fits
        else "does not fit"
    )
    summary = (
        f"{model.id} {work.quant}, {work.context:,} tokens x {work.concurrent_users} user(s): "
        f"needs {need / GiB:.1f} GiB, the offer has {has / GiB:.1f} GiB per GPU: {margin}; {speed}"
    )
    ideas = _would_pass(model, gpu, count, work, spec, catalog, a) if broken else []
    return Outcome(
        offer=label,
        offer_path=offer_path,
        workload=work.label,
        workload_path=w_path,
        passed=not violations,
        needs_bytes_per_gpu=need,
        has_bytes_per_gpu=has,
        decode_tokens_per_s=est.decode_tokens_per_s,
        model=model.id,
        summary=summary,
        violations=tuple(violations),
        would_pass=tuple(ideas),
    )


def spec_json_schema() -> dict[str, object]:
    """The JSON Schema of the spec format (for editors)."""
    return Spec.model_json_schema()
