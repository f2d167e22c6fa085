"""A user's own runs as an overlay on the shipped constants: this machine's efficiencies for one GPU.

The fit is the shipped one's pattern search (sizer.calibrate.fit) on a regularised loss: the mean
of each run's squared log error plus, for each constant, PRIOR_RUNS times its squared log distance
from the shipped value, as if the shipped value were PRIOR_RUNS runs that agree with it exactly
(ridge regression in log space, the Gaussian prior's MAP estimate). One run moves a constant about
a quarter of the way to what that run alone says; twenty move it most of the way. Only constants
the runs inform move: the GPU's memory-class bandwidth share and the per-layer cost from decode
runs, its compute share and per-layer prompt cost from prompt runs, the batched-step share from
llama-batched-bench, vLLM's bandwidth share and per-sequence cost from `vllm bench serve` and
`vllm bench latency`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from sizer.calibrate.fit import pattern_search, predict, value, with_value
from sizer.calibrate.runs import Row
from sizer.models import Assumptions, GpuSpec, Vendor

# Weight of the shipped value, in runs: three agreeing runs' worth (a judgment call: one run of a
# new build or a warm card should move the estimate, not replace it).
PRIOR_RUNS = 3.0


def _compute_name(gpu: GpuSpec) -> str:
    word = {Vendor.APPLE: "apple", Vendor.AMD: "amd", Vendor.INTEL: "intel"}.get(gpu.vendor)
    return f"compute_efficiency_{word}_frac" if word else "compute_efficiency_frac"


# Runs of this many models of different depth before the per-layer costs are fitted: with fewer,
# a per-layer cost and the bandwidth (or compute) share trade off against each other and the fit
# lands on a pair that holds for the runs' models only.
PER_LAYER_MODELS = 3


def informed(rows: Sequence[Row]) -> tuple[str, ...]:
    """The constants these runs (all on one GPU) can inform, in a fixed order."""
    kinds = {r.kind for r in rows}
    gpu = rows[0].gpu
    depths = {r.model.layers for r in rows}
    per_layer = len(depths) >= PER_LAYER_MODELS
    names: list[str] = []
    if "decode" in kinds:
        names += [f"bandwidth_efficiency_{gpu.memory_class}_frac"] + (["layer_overhead_s"] if per_layer else [])
    if "prefill" in kinds:
        names += [_compute_name(gpu)] + (["prefill_layer_overhead_s"] if per_layer else [])
    if "batched_decode" in kinds:
        names += ["llama_cpp.small_batch_efficiency_frac"]
    if kinds & {"serve_output", "batch_latency"}:
        names += ["vllm.bandwidth_efficiency_frac", "vllm.per_seq_s"]
    return tuple(names)


def _loss(rows: Sequence[Row], a: Assumptions, shipped: Assumptions, names: Sequence[str]) -> float:
    fit = sum(math.log(predict(r, a) / r.measured) ** 2 for r in rows)
    prior = sum(math.log(value(a, n) / value(shipped, n)) ** 2 for n in names)
    return (fit + PRIOR_RUNS * prior) / len(rows)


def fit_overlay(rows: Sequence[Row], shipped: Assumptions) -> dict[str, float]:
    """The constants (by name, dotted for an engine's block) fitted to `rows`, all of one GPU.

    Constants the shipped value sets to zero (no cost assumed) stay as shipped: log space has no
    step from zero.
    """
    rows = [r for r in rows if r.calibrates]
    if not rows:
        return {}
    names = tuple(n for n in informed(rows) if value(shipped, n) > 0)
    fitted = pattern_search(lambda trial: _loss(rows, trial, shipped, names), shipped, names, rounds=7)
    return {n: value(fitted, n) for n in names if value(fitted, n) != value(shipped, n)}


def apply(a: Assumptions, overlay: dict[str, float]) -> Assumptions:
    """`a` with an overlay's constants set."""
    for name, x in overlay.items():
        a = with_value(a, name, x)
    return a
