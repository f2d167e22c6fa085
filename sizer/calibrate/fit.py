"""Fit the estimator's speed constants (sizer.models.Assumptions) to measured runs.

The constants describe hardware classes, never single GPUs: achievable bandwidth per memory
family (HBM, GDDR, LPDDR/unified), a fixed time per layer, a hop cost per extra GPU in a layer
split, and achievable tensor throughput. Every GPU's estimate then follows from its catalog
figures, so the fit carries over to GPUs that are not in the data (benchmarks/accuracy.py
cross-validates by GPU).

The fit is a pattern search in log space that minimises the mean absolute log error of
tokens/s, weighted across GPU models and trimmed of odd runs (see _loss). Pure: runs in,
Assumptions out; `python benchmarks/calibrate.py` prints the fitted values that
sizer/models/assumptions.py carries as defaults.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from sizer.calibrate.runs import Row
from sizer.core.estimate import estimate
from sizer.models import Assumptions

DECODE_PARAMS = (
    "bandwidth_efficiency_hbm_frac",
    "bandwidth_efficiency_gddr_frac",
    "bandwidth_efficiency_lpddr_frac",
    "bandwidth_efficiency_apple_frac",
    "layer_overhead_s",
    "split_hop_s",
)
PREFILL_PARAMS = (
    "compute_efficiency_frac",
    "compute_efficiency_apple_frac",
    "compute_efficiency_amd_frac",
    "compute_efficiency_intel_frac",
    "tflops_per_watt",
    "quantized_prefill_frac",
    "prefill_layer_overhead_s",
)
# Where every fit starts: round, data-free values (a GPU class absent from a fit keeps its prior),
# so cross-validation never starts from constants that saw the held-out GPUs.
PRIOR = Assumptions(
    bandwidth_efficiency_hbm_frac=0.75,
    bandwidth_efficiency_gddr_frac=0.75,
    bandwidth_efficiency_lpddr_frac=0.75,
    bandwidth_efficiency_apple_frac=0.75,
    layer_overhead_s=5e-5,
    split_hop_s=2e-4,
    compute_efficiency_frac=0.5,
    compute_efficiency_apple_frac=0.5,
    compute_efficiency_amd_frac=0.5,
    compute_efficiency_intel_frac=0.5,
    tflops_per_watt=0.5,
    quantized_prefill_frac=0.8,
    prefill_layer_overhead_s=1e-4,
)
_FIELD = {"decode": "decode_tokens_per_s", "prefill": "prefill_tokens_per_s"}


def predict(row: Row, a: Assumptions) -> float:
    """sizer's tokens/s for a reference row under assumptions `a`."""
    gpu = row.gpu
    if row.memory_gib and gpu.unified_memory:
        gpu = gpu.model_copy(update={"vram_gib": row.memory_gib})
    if row.kind in _FIELD:
        est = estimate(row.model, gpu, row.workload, row.gpu_count, a)
        return float(getattr(est, _FIELD[row.kind]))
    from sizer.core import serving as s

    rig = s.serving_rig(row.model, gpu, row.gpu_count, row.workload, a)
    p, o = max(1, row.prompt_tokens), max(1, row.output_tokens)
    if row.kind == "batched_decode":  # B sequences decoding together at their mean depth (llama-batched-bench S_TG)
        return row.batch / s.step_s(rig, row.batch, p + o / 2)
    if row.kind == "serve_output":  # a closed loop at the run's concurrency, or the peak when unbounded
        best = (
            s.closed_loop(rig, row.batch, p, o).output_tokens_per_s
            if row.batch
            else s.peak(rig, p, o).output_tokens_per_s
        )
        return min(best, row.rate * o) if row.rate else best
    if row.kind == "batch_latency":  # B prompts submitted together, each decoded to the end (vllm bench latency)
        return row.batch * o / s.static_batch(rig, row.batch, p, o)[1]
    raise ValueError(f"unknown row kind {row.kind!r}")


def errors(rows: Sequence[Row], a: Assumptions) -> list[float]:
    """Absolute percentage errors (as fractions) of each row."""
    return [abs(predict(r, a) - r.measured) / r.measured for r in rows]


TRIM_FRAC = 0.15  # weight share of the worst-fitting rows left out (broken runs, odd builds)


def _loss(rows: Sequence[Row], a: Assumptions) -> float:
    """Trimmed, weighted mean absolute log error of tokens/s.

    A row weighs 1/sqrt(rows of its GPU model), so a GPU measured forty times does not drown one
    measured four times (the estimate must carry to GPUs not in the data); the worst-fitting 15 %
    of the weight is left out, so a broken run cannot pull the constants.
    """
    counts: dict[str, int] = {}
    for r in rows:
        counts[r.gpu.id] = counts.get(r.gpu.id, 0) + 1
    scored = sorted((abs(math.log(predict(r, a) / r.measured)), counts[r.gpu.id] ** -0.5) for r in rows)
    budget = (1 - TRIM_FRAC) * sum(w for _, w in scored)
    total = used = 0.0
    for err, w in scored:
        take = min(w, budget - used)
        if take <= 0:
            break
        total += err * take
        used += take
    return total / used


def _bounded(name: str, value: float) -> float:
    return min(value, 1.0) if name.endswith("_frac") else value


_CLASS_WORDS = ("hbm", "gddr", "lpddr", "apple", "amd", "intel")


def _informed(name: str, present: set[str]) -> bool:
    if name == "split_hop_s":
        return "split" in present
    word = next((w for w in _CLASS_WORDS if f"_{w}_" in name), None)
    return word is None or word in present


def fit(
    rows: Sequence[Row],
    kind: str,
    start: Assumptions | None = None,
    rounds: int = 8,
    names: Sequence[str] | None = None,
) -> Assumptions:
    """Constants for `kind` ('decode' or 'prefill') that minimise the log error on `rows`."""
    a = start or PRIOR
    rows = [r for r in rows if r.kind == kind and r.calibrates]
    if not rows:
        return a
    names = names or (DECODE_PARAMS if kind == "decode" else PREFILL_PARAMS)
    # Parameters a subset cannot inform (no rows of that class) keep their start value.
    present = {r.gpu.memory_class for r in rows} | {r.gpu.vendor.value for r in rows}
    if any(r.gpu_count > 1 for r in rows):
        present.add("split")
    names = tuple(n for n in names if _informed(n, present))
    return pattern_search(lambda trial: _loss(rows, trial), a, names, rounds)


def value(a: Assumptions, name: str) -> float:
    """A constant by name; 'vllm.per_seq_s' reaches into an engine's block."""
    block, _, field = name.rpartition(".")
    return float(getattr(getattr(a, block) if block else a, field))


def with_value(a: Assumptions, name: str, x: float) -> Assumptions:
    """`a` with the constant `name` (dotted for an engine's block) set to `x` (a fraction kept at most 1)."""
    block, _, field = name.rpartition(".")
    x = _bounded(field, x)
    if not block:
        return a.model_copy(update={field: x})
    return a.model_copy(update={block: getattr(a, block).model_copy(update={field: x})})


def pattern_search(
    loss_of: Callable[[Assumptions], float], a: Assumptions, names: Sequence[str], rounds: int = 8
) -> Assumptions:
    """The constants `names` of `a` moved, in log space, to where `loss_of` is least.

    Sweep every constant up and down by the step until no sweep improves, then halve the step.
    Sweeping again after each gain follows ridges of correlated constants.
    """
    best = loss_of(a)
    step = 0.5
    for _ in range(rounds):
        improved = True
        while improved:
            improved = False
            for name in names:
                for factor in (math.exp(step), math.exp(-step)):
                    trial = with_value(a, name, value(a, name) * factor)
                    loss = loss_of(trial)
                    if loss < best - 1e-9:
                        a, best, improved = trial, loss, True
                        break
        step /= 2
    return a


MIN_COMPUTE_FRAC = 0.05  # a prompt run below 5 % of datasheet FP16 throughput is a broken run


def plausible(rows: Sequence[Row]) -> list[Row]:
    """Rows of runs that are not broken: a (rig, model, quant) whose prompt processing reached less
    than 5 % of the GPU's datasheet FP16 rate ran misconfigured, so its decode rows are dropped too.
    """
    from sizer.core.memory import weights
    from sizer.core.quant import resolve_quant

    broken = set()
    for r in rows:
        if r.kind != "prefill":
            continue
        flops = 2 * weights(r.model, resolve_quant(r.quant)).active_params * r.measured
        if flops < MIN_COMPUTE_FRAC * r.gpu.fp16_tflops * 1e12:
            broken.add((r.gpu.id, r.gpu_count, r.model.id, r.quant))
    return [r for r in rows if (r.gpu.id, r.gpu_count, r.model.id, r.quant) not in broken]


def fit_all(rows: Sequence[Row], start: Assumptions | None = None) -> Assumptions:
    """Single-GPU physics from single-GPU runs, then the split cost from multi-GPU rigs.

    Rigs carry host- and topology-specific costs (one 4x A100 rig here loses ~3 ms per hop);
    fitting device constants on single-GPU rows keeps those costs out of them.
    """
    rows = plausible(rows)
    single = [r for r in rows if r.gpu_count == 1]
    multi = [r for r in rows if r.gpu_count > 1]
    a = fit(single, "prefill", fit(single, "decode", start))
    return fit(multi, "decode", a, names=("split_hop_s",))
