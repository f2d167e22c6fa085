"""Matching models to hardware: ranked model–hardware pairings with speed, cost and the reasons.

Pure: catalog, needs and hardware options in, a Ranking out; calls the estimator only. The
ranking follows a selection framework: fit to the use case first; then right-size (the smallest
model that reaches the quality the use case needs); then speed; then cost and risk (licence).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from sizer.catalog import Catalog
from sizer.errors import InputError, UnknownNameError
from sizer.estimate import DEFAULT_ASSUMPTIONS, decode_seconds, estimate, memory_needed, sweep, usable_bytes_per_gpu
from sizer.models import (
    Assumptions,
    CostSettings,
    Currency,
    Engine,
    Estimate,
    GpuDevice,
    GpuSpec,
    Host,
    MemoryBytes,
    ModelSpec,
    Money,
    UseCase,
    Vendor,
    Workload,
    slug,
)
from sizer.units import GB, GiB

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
MAX_USERS = 1024


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Needs(_Frozen):
    """What the person asked for."""

    use_case: UseCase = "chat"
    context: int = Field(default=8192, ge=1)
    users: int = Field(default=1, ge=1)
    min_tokens_per_s: float = Field(default=10, ge=0)
    budget: Money | None = None
    engine: Engine = Engine.LLAMA_CPP
    quant: str = "Q4_K_M"
    commercial_only: bool = False
    max_power_w: float | None = Field(default=None, gt=0)
    min_quality: float | None = None
    top: int = Field(default=5, ge=1)


class HardwareOption(_Frozen):
    """A rig to consider: `count` x `gpu`; `owned` rigs cost nothing to buy."""

    gpu: GpuSpec
    count: int = Field(ge=1)
    owned: bool = False
    available_bytes_per_gpu: int | None = None  # free memory a probe saw (None: the catalog capacity)
    bandwidth_gb_per_s: float | None = None  # measured bandwidth (None: the datasheet figure)


class Cost(_Frozen):
    currency: Currency
    hardware: float
    power_per_month: float
    per_month: float
    per_million_tokens: float | None
    cloud_per_month: float | None = None
    break_even_months_vs_cloud: float | None = None
    api_per_month: float | None = None
    break_even_months_vs_api: float | None = None
    api_reference: str | None = None


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
    reason: str
    command: str


class Exclusion(_Frozen):
    model: str
    reason: str


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


def smallest_gpu_class(catalog: Catalog, need_bytes: int, assumptions: Assumptions = DEFAULT_ASSUMPTIONS) -> str:
    """The smallest discrete-GPU memory size in the catalog that holds `need_bytes` ('16 GiB' or 'multi-GPU')."""
    sizes = sorted(
        {
            g.vram_gib
            for g in catalog.gpus
            if not g.unified_memory and usable_bytes_per_gpu(g, assumptions, Engine.LLAMA_CPP) >= need_bytes
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
    capacity = usable_bytes_per_gpu(gpu, assumptions, workload.engine)
    fitting = [m for m in catalog.models if model_memory(m, workload, assumptions) <= capacity]
    return max(fitting, key=lambda m: (m.params_total, m.id), default=None)


def hardware_price(option: HardwareOption, settings: CostSettings) -> float | None:
    """Price of buying the rig in the settings' currency: GPUs plus the base system; None if unpriced.

    Apple and other unified-memory machines are priced as whole computers (no base system).
    """
    if option.owned:
        return 0.0
    price = option.gpu.price
    if price is None:
        return None
    gpus = Money(amount=price.amount, currency=price.currency).to(settings.currency) * option.count
    return gpus + (0.0 if option.gpu.unified_memory else settings.base_system_price)


def cost(hardware: float, option: HardwareOption, aggregate_tokens_per_s: float, settings: CostSettings) -> Cost:
    """Monthly cost of owning and running a rig, per million tokens at the stated load, and the
    break-even against renting the same GPUs and against a hosted API.

    power = (GPU board power + base system) x utilisation x hours x price per kWh;
    per month = hardware / (years x 12) + power; tokens = aggregate tok/s x busy seconds.
    """
    busy_hours = settings.hours_per_month * settings.utilisation_frac
    watts = option.gpu.tdp_w * option.count + (0.0 if option.gpu.unified_memory else settings.base_system_power_w)
    power = watts / 1000 * busy_hours * settings.kwh_price
    per_month = hardware / (settings.amortisation_years * 12) + power
    tokens = aggregate_tokens_per_s * busy_hours * 3600
    per_million = per_month / (tokens / 1e6) if tokens > 0 else None
    cloud = _cloud_per_month(option, busy_hours, settings)
    api_name, api = _api_per_million(settings)
    api_month = api * tokens / 1e6 if api is not None else None
    return Cost(
        currency=settings.currency,
        hardware=round(hardware, 2),
        power_per_month=round(power, 2),
        per_month=round(per_month, 2),
        per_million_tokens=round(per_million, 4) if per_million is not None else None,
        cloud_per_month=round(cloud, 2) if cloud is not None else None,
        break_even_months_vs_cloud=_break_even(hardware, cloud, power),
        api_per_month=round(api_month, 2) if api_month is not None else None,
        break_even_months_vs_api=_break_even(hardware, api_month, power),
        api_reference=api_name,
    )


def _break_even(hardware: float, alternative_per_month: float | None, power: float) -> float | None:
    """Months until buying beats the alternative (None: never, or nothing to compare)."""
    if alternative_per_month is None or alternative_per_month <= power:
        return None
    return round(hardware / (alternative_per_month - power), 1)


def _cloud_per_month(option: HardwareOption, busy_hours: float, settings: CostSettings) -> float | None:
    names = {option.gpu.name.lower(), *(a.lower() for a in option.gpu.aliases)}
    prices = [
        Money(amount=p.price_per_hour, currency=p.currency).to(settings.currency)
        for p in settings.cloud_gpu_hourly
        if p.gpu.lower() in names
    ]
    return min(prices) * option.count * busy_hours if prices else None


def _api_per_million(settings: CostSettings) -> tuple[str | None, float | None]:
    prices = [
        (f"{p.provider} {p.model}", Money(amount=p.output_per_million, currency=p.currency).to(settings.currency))
        for p in settings.api_prices
        if settings.api_reference is None or settings.api_reference.lower() in p.model.lower()
    ]
    if not prices:
        return None, None
    return min(prices, key=lambda p: (p[1], p[0]))


def quality_ok(model: ModelSpec, needs: Needs) -> bool:
    """Does the model reach the quality the use case needs (MMLU; size where no score is published)?"""
    needed = needs.min_quality if needs.min_quality is not None else QUALITY_NEEDED[needs.use_case]
    if model.quality is not None:
        return model.quality.score >= needed
    return model.params_total >= UNSCORED_MIN_PARAMS


def _screen(models: Sequence[ModelSpec], needs: Needs) -> tuple[list[ModelSpec], list[Exclusion]]:
    kept, excluded = [], []
    for m in models:
        if needs.use_case not in m.use_cases:
            excluded.append(Exclusion(model=m.id, reason=f"not made for {needs.use_case}"))
        elif needs.commercial_only and m.commercial_use is not True:
            excluded.append(Exclusion(model=m.id, reason=f"licence ({m.license}) does not allow commercial use"))
        elif needs.context > m.max_context:
            excluded.append(Exclusion(model=m.id, reason=f"supports {m.max_context:,} tokens, not {needs.context:,}"))
        else:
            kept.append(m)
    return kept, excluded


def _workload(needs: Needs, users: int) -> Workload:
    return Workload(quant=needs.quant, context=needs.context, batch=users, engine=needs.engine)


def users_served(
    model: ModelSpec, option: HardwareOption, needs: Needs, assumptions: Assumptions = DEFAULT_ASSUMPTIONS
) -> int:
    """How many concurrent users the rig serves at `min_tokens_per_s` each, all on the GPUs (0: none)."""

    def serves(users: int) -> bool:
        est = _estimate(model, option, needs, users, assumptions)
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


def _estimate(model: ModelSpec, option: HardwareOption, needs: Needs, users: int, a: Assumptions) -> Estimate:
    return estimate(
        model,
        option.gpu,
        _workload(needs, users),
        option.count,
        a,
        available_bytes_per_gpu=option.available_bytes_per_gpu,
        bandwidth_gb_per_s=option.bandwidth_gb_per_s,
    )


def buyable_options(catalog: Catalog, needs: Needs, settings: CostSettings) -> list[HardwareOption]:
    """Priced catalog GPUs in counts of 1, 2, 4 and 8, within budget and power limit."""
    options = []
    for g in catalog.gpus:
        if needs.engine is Engine.VLLM and g.vendor is Vendor.APPLE:
            continue  # vLLM has no Metal back end
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
    """
    models, excluded = _screen(catalog.models, needs)
    adequate = [m for m in models if quality_ok(m, needs)]
    for m in models:
        if m not in adequate:
            score = f"MMLU {m.quality.score:g}" if m.quality else "no published score"
            excluded.append(Exclusion(model=m.id, reason=f"below the quality {needs.use_case} needs ({score})"))
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
        charted += [alt for r in picks[: needs.top] for alt in alternatives.get(r.model, [])]
    for m in adequate:
        if not feasible.get(m.id):
            excluded.append(Exclusion(model=m.id, reason=_why_not(m, options, needs, assumptions)))
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
) -> tuple[list[Recommendation], dict[str, list[Alternative]]]:
    """Per model its best rig (ranked), and every rig that serves it (for the chart)."""
    ranked = []
    alternatives: dict[str, list[Alternative]] = {}
    for position, m in enumerate(models):
        keyed = []
        for o in rigs_of.get(m.id, []):
            hardware = hardware_price(o, settings) or 0.0
            per_month = cost(hardware, o, 0.0, settings).per_month
            decode = _estimate(m, o, needs, needs.users, a).decode_tokens_per_s
            keyed.append((_rank_key(m, per_month, decode, o), o))
            alternatives.setdefault(m.id, []).append(
                Alternative(
                    model=m.id,
                    gpu=o.gpu.id,
                    gpu_name=o.gpu.name,
                    gpu_count=o.count,
                    owned=o.owned,
                    decode_tokens_per_s=round(decode, 2),
                    hardware=round(hardware, 2),
                    per_month=per_month,
                )
            )
        if not keyed:
            continue
        key, best = min(keyed, key=lambda k: k[0])
        ranked.append(((position,) if keep_order else key, _recommendation(m, best, needs, settings, a)))
    ranked.sort(key=lambda p: p[0])
    return [r for _, r in ranked], alternatives


def _feasible(
    models: Sequence[ModelSpec],
    options: Sequence[HardwareOption],
    needs: Needs,
    a: Assumptions,
    progress: Callable[[int, int], None] | None,
) -> dict[str, list[HardwareOption]]:
    """Per model, the rigs that hold it for `users` users at `min_tokens_per_s` (vectorised sweep)."""
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
                    est = _estimate(m, o, needs, needs.users, a)
                    if est.fits and est.decode_tokens_per_s >= needs.min_tokens_per_s:
                        out.setdefault(m.id, []).append(o)
            continue
        result = sweep(
            models, [o.gpu for o in group], [needs.quant], [needs.context], needs.users, needs.engine, count, a
        )
        ok = result.fits[:, 0, :, 0] & (result.decode_tokens_per_s[:, 0, :, 0] >= needs.min_tokens_per_s)
        for i, m in enumerate(models):
            for j, o in enumerate(group):
                if ok[i, j]:
                    out.setdefault(m.id, []).append(o)
    if progress:
        progress(len(groups), len(groups))
    return out


def _why_not(model: ModelSpec, options: Sequence[HardwareOption], needs: Needs, a: Assumptions) -> str:
    if not options:
        return "no hardware to consider (none here, none within budget)"
    biggest = max(options, key=lambda o: (o.gpu.vram_gib * o.count, o.gpu.mem_bandwidth_gb_per_s))
    est = _estimate(model, biggest, needs, needs.users, a)
    where = f"{biggest.count} x {biggest.gpu.name}"
    if not est.fits:
        return f"does not fit even {where} for {needs.users} user(s) at {needs.context:,} tokens"
    return f"{est.decode_tokens_per_s:.1f} tokens/s per user on {where}, needs {needs.min_tokens_per_s:g}"


def _recommendation(
    model: ModelSpec, option: HardwareOption, needs: Needs, settings: CostSettings, a: Assumptions
) -> Recommendation:
    est = _estimate(model, option, needs, needs.users, a)
    served = users_served(model, option, needs, a)
    hardware = hardware_price(option, settings) or 0.0
    money = cost(hardware, option, est.aggregate_tokens_per_s, settings)
    kind: Literal["runs here", "to buy"] = "runs here" if option.owned else "to buy"
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
        reason=_reason(model, option, est, served, money, needs),
        command=run_command(model, option, est, needs),
    )


def _reason(model: ModelSpec, option: HardwareOption, est: Estimate, served: int, money: Cost, needs: Needs) -> str:
    quality = (
        f"MMLU {model.quality.score:g}" if model.quality else f"{model.params_total / 1e9:.0f} B, no published score"
    )
    needed = needs.min_quality if needs.min_quality is not None else QUALITY_NEEDED[needs.use_case]
    rig = f"{option.count} x {option.gpu.name}"
    price = "already here" if option.owned else f"{money.hardware:,.0f} {money.currency.value}"
    verdict = (
        f"smallest fit for {needs.use_case} at MMLU >= {needed:g}"
        if quality_ok(model, needs)
        else f"best that fits, below the MMLU {needed:g} {needs.use_case} asks for"
    )
    return (
        f"{verdict} ({quality}); "
        f"{est.decode_tokens_per_s:.0f} tok/s per user on {rig}, serves {served} user(s) at "
        f"{needs.min_tokens_per_s:g} tok/s; {price}, {money.per_month:,.0f} {money.currency.value}/month"
    )


def _ollama_tag(model: ModelSpec) -> str | None:
    return next((a for a in model.aliases if ":" in a and "/" not in a), None)


def run_command(model: ModelSpec, option: HardwareOption, est: Estimate, needs: Needs) -> str:
    """The command that serves the pick, with knob values taken from the estimate."""
    context_total = needs.context * needs.users
    if needs.engine is Engine.VLLM:
        quantization = {"AWQ": " --quantization awq", "GPTQ": " --quantization gptq", "FP8": " --quantization fp8"}
        return (
            f"vllm serve {model.hf_repo or model.id} --tensor-parallel-size {option.count} "
            f"--max-model-len {needs.context} --max-num-seqs {needs.users} "
            f"--gpu-memory-utilization {DEFAULT_ASSUMPTIONS.vllm_gpu_memory_utilization_frac:g}"
            + quantization.get(est.quant, "")
        )
    tag = _ollama_tag(model)
    if tag and needs.users == 1 and est.quant == "Q4_K_M":
        return f"ollama run {tag}"
    layers = est.offload.gpu_layers if est.offload else 99
    repo = (model.hf_repo or model.id).rsplit("/", 1)[-1]
    split = f" --split-mode layer --tensor-split {','.join(['1'] * option.count)}" if option.count > 1 else ""
    return (
        f"llama-server -m {repo}-{est.quant}.gguf -ngl {layers} -c {context_total} -np {needs.users}"
        f" --flash-attn on{split}"
    )


# ---------------------------------------------------------------------------------------------
# A probed (or described) machine: which GPU specs it offers and what it runs


@dataclass(frozen=True)
class Rig:
    """A group of identical GPUs on one host, as the estimator sees them.

    `free_bytes_per_gpu` holds each GPU's free memory, most first (empty: judge fit on the spec's
    usable capacity); `bandwidth_gb_per_s` replaces the spec's bandwidth (None: keep it).
    """

    gpu: GpuSpec
    count: int
    devices: tuple[int, ...]
    free_bytes_per_gpu: tuple[int, ...]
    bandwidth_gb_per_s: float | None
    catalog_entry: GpuSpec | None  # the catalog's figures, None for a GPU the catalog lacks

    def available_bytes_per_gpu(self, gpu_count: int | None = None) -> int | None:
        """What each of the `gpu_count` freest GPUs offers: the least free among them (None: capacity).

        llama.cpp's even split is bounded by its fullest GPU, so k GPUs offer k x that much.
        """
        if not self.free_bytes_per_gpu:
            return None
        k = min(gpu_count or self.count, len(self.free_bytes_per_gpu))
        return self.free_bytes_per_gpu[k - 1]


@dataclass(frozen=True)
class Runnable:
    """One catalog model on this machine at the workload: memory, whether it fits, decode speed."""

    model: ModelSpec
    gpu_count: int  # 0: on the CPU from system RAM
    memory_bytes: int
    available_bytes: int
    fits: bool  # entirely in GPU memory (or, CPU-only, in available RAM)
    gpu_layers: int | None  # set when llama.cpp would offload layers to system RAM
    total_layers: int
    decode_tokens_per_s: float
    ram_bytes: int  # system RAM it takes: offloaded layers, or everything on the CPU


def _catalog_entry(catalog: Catalog, device: GpuDevice) -> GpuSpec | None:
    """The catalog entry by the id the probe matched, else by the name exactly as the driver prints it."""
    for key in (device.catalog_id, device.name):
        if key:
            try:
                return catalog.gpu(key)
            except UnknownNameError:
                continue
    return None


def _memory_type(device: GpuDevice) -> str:
    """The device's memory family where it says; else HBM for buses of 1024 bits and wider (HBM
    stacks are 1024 bits each; GDDR buses are at most 512), GDDR otherwise, LPDDR on Apple."""
    if device.memory_type:
        return device.memory_type
    if device.vendor is Vendor.APPLE:
        return "LPDDR"
    if device.memory_bus_width_bits and device.memory_bus_width_bits >= 1024:
        return "HBM"
    return "GDDR"


def gpu_spec_for_device(device: GpuDevice, catalog: Catalog, assumptions: Assumptions = DEFAULT_ASSUMPTIONS) -> GpuSpec:
    """The GpuSpec the estimator uses for a probed or described GPU.

    A catalog GPU keeps its datasheet figures, with the memory the device reports (the usable
    capacity, not the marketing number). A GPU the catalog lacks is built from the device: memory,
    bandwidth (required), and an FP16 rate of `fallback_fp16_tflops_per_gb_per_s` x bandwidth.
    """
    capacity_gib = device.memory_total_bytes / GiB
    entry = _catalog_entry(catalog, device)
    if entry is not None:
        return entry.model_copy(update={"vram_gib": capacity_gib})
    if device.bandwidth_bytes_per_s is None:
        raise InputError(
            f"GPU {device.index} {device.name!r} is not in the catalog and has no bandwidth_bytes_per_s; "
            "state it (bytes/s) or use a catalog GPU name"
        )
    bandwidth_gb_per_s = device.bandwidth_bytes_per_s / GB
    vendor = device.vendor or Vendor.NVIDIA
    fp16_tflops = device.fp16_tflops or bandwidth_gb_per_s * assumptions.fallback_fp16_tflops_per_gb_per_s
    return GpuSpec(
        id=slug(device.name) or "gpu",
        name=device.name,
        vendor=vendor,
        category="soc" if vendor is Vendor.APPLE else "workstation",
        vram_gib=capacity_gib,
        unified_memory=vendor is Vendor.APPLE,
        memory_type=_memory_type(device),
        mem_bandwidth_gb_per_s=bandwidth_gb_per_s,
        fp16_tflops=fp16_tflops,
        # Unknown board power: no power cap beyond the peak rate itself.
        tdp_w=device.power_limit_w or fp16_tflops / assumptions.tflops_per_watt,
        source="probed device" + ("" if device.fp16_tflops else "; fp16_tflops assumed from bandwidth"),
    )


def host_assumptions(host: Host, assumptions: Assumptions = DEFAULT_ASSUMPTIONS) -> Assumptions:
    """`assumptions` with this host's measured RAM bandwidth (offloaded layers, CPU-only decode)."""
    measured = host.measured_ram_bandwidth_bytes_per_s
    if measured is None:
        return assumptions
    return assumptions.model_copy(update={"system_ram_gb_per_s": measured / GB})


def rigs_for_host(
    host: Host,
    catalog: Catalog,
    engine: Engine = Engine.LLAMA_CPP,
    use_free_memory: bool = True,
    assumptions: Assumptions = DEFAULT_ASSUMPTIONS,
    skipped: list[str] | None = None,
) -> list[Rig]:
    """One rig per GPU name, in the order the GPUs appear.

    `use_free_memory` (this machine) judges fit against each GPU's free memory; otherwise (a
    hardware file) against the device's usable capacity. Bandwidth: a measured figure, else the
    catalog's datasheet figure, else the device's own (NVML or the file). A GPU that cannot be
    estimated (not in the catalog, no bandwidth) raises InputError, or with `skipped` is left
    out and the reason appended there.
    """
    groups: dict[str, list[GpuDevice]] = {}
    for device in host.gpus:
        groups.setdefault(device.name, []).append(device)
    rigs = []
    for devices in groups.values():
        first = devices[0]
        try:
            spec = gpu_spec_for_device(first, catalog, assumptions)
        except InputError as exc:
            if skipped is None:
                raise
            skipped.append(f"{exc}; no estimates for it")
            continue
        entry = _catalog_entry(catalog, first)
        free: tuple[int, ...] = ()
        if use_free_memory and all(d.memory_free_bytes is not None for d in devices):
            usable = usable_bytes_per_gpu(spec, assumptions, engine)
            free = tuple(sorted((max(1, min(usable, d.memory_free_bytes or 0)) for d in devices), reverse=True))
        measured = [d.bandwidth_bytes_per_s for d in devices if d.bandwidth_measured and d.bandwidth_bytes_per_s]
        bandwidth = min(measured) / GB if measured else None
        rigs.append(
            Rig(
                gpu=spec,
                count=len(devices),
                devices=tuple(d.index for d in devices),
                free_bytes_per_gpu=free,
                bandwidth_gb_per_s=bandwidth,
                catalog_entry=entry,
            )
        )
    return rigs


def estimate_on_rig(
    model: ModelSpec,
    rig: Rig,
    workload: Workload,
    gpu_count: int | None = None,
    assumptions: Assumptions = DEFAULT_ASSUMPTIONS,
) -> Estimate:
    """`estimate` for `gpu_count` (default: all) GPUs of the rig, the freest ones, with their free
    memory and the rig's bandwidth."""
    return estimate(
        model,
        rig.gpu,
        workload,
        gpu_count or rig.count,
        assumptions,
        available_bytes_per_gpu=rig.available_bytes_per_gpu(gpu_count),
        bandwidth_gb_per_s=rig.bandwidth_gb_per_s,
    )


def _on_rig(model: ModelSpec, rig: Rig, workload: Workload, a: Assumptions) -> Runnable:
    """The fewest GPUs of the rig that hold the model entirely; all of them when none do."""
    est = None
    for count in range(1, rig.count + 1):
        est = estimate_on_rig(model, rig, workload, count, a)
        if est.fits:
            break
    assert est is not None  # rig.count >= 1
    return Runnable(
        model=model,
        gpu_count=est.gpu_count,
        memory_bytes=est.memory_bytes.total,
        available_bytes=est.available_bytes,
        fits=est.fits,
        gpu_layers=est.offload.gpu_layers if est.offload else None,
        total_layers=model.layers,
        decode_tokens_per_s=est.decode_tokens_per_s,
        ram_bytes=est.offload.cpu_bytes if est.offload else 0,
    )


def _on_cpu(model: ModelSpec, host: Host, workload: Workload, a: Assumptions) -> Runnable:
    """Decode from system RAM: streaming the weights and KV cache once per token (bandwidth-bound)."""
    need = memory_needed(model, workload, 1, a, gpu_runtime=False)
    read = need.weights.read_per_token_bytes + need.kv_cache_bytes
    seconds = decode_seconds(read, a.system_ram_gb_per_s * GB, 0.0, 1.0, model.layers * a.layer_overhead_s)
    memory = host.memory
    available = (memory.available_bytes or memory.total_bytes) if memory else 0
    total = need.memory_bytes.total
    return Runnable(
        model=model,
        gpu_count=0,
        memory_bytes=total,
        available_bytes=available,
        fits=total <= available,
        gpu_layers=None,
        total_layers=model.layers,
        decode_tokens_per_s=1.0 / float(seconds),
        ram_bytes=total,
    )


def runnable_models(
    catalog: Catalog,
    host: Host,
    rig: Rig | None,
    workload: Workload | None = None,
    min_tokens_per_s: float = 10.0,
    limit: int = 5,
    assumptions: Assumptions = DEFAULT_ASSUMPTIONS,
) -> list[Runnable]:
    """The largest catalog models (by parameters) that decode at `min_tokens_per_s` or more.

    On a rig, each model gets the fewest GPUs that hold it (llama.cpp offloads the rest to system
    RAM when none do); without one (`rig` None) it runs on the CPU from system RAM. What goes to
    system RAM must fit in the available RAM, where the host says how much that is.
    """
    w = workload or Workload()
    a = host_assumptions(host, assumptions)
    ram = (host.memory.available_bytes or host.memory.total_bytes) if host.memory else None
    out = []
    for model in sorted(catalog.models, key=lambda m: (-m.params_total, m.id)):
        r = _on_rig(model, rig, w, a) if rig is not None else _on_cpu(model, host, w, a)
        if r.decode_tokens_per_s >= min_tokens_per_s and (ram is None or r.ram_bytes <= ram):
            out.append(r)
            if len(out) == limit:
                break
    return out
