"""Fit the estimator's speed constants (sizer.models.Assumptions) to the reference measurements.

The constants describe hardware classes, never single GPUs: achievable bandwidth per memory
family (HBM, GDDR, LPDDR/unified), a fixed time per layer, a hop cost per extra GPU in a layer
split, and achievable tensor throughput. Every GPU's estimate then follows from its catalog
figures, so the fit carries over to GPUs that are not in the data (see accuracy.py).

The fit is a coordinate descent in log space that minimises the mean absolute log error of
tokens/s (robust to the few odd rows). Run `python benchmarks/calibrate.py` to print the fitted
values that sizer/models.py carries as defaults.
"""

from __future__ import annotations

import math
import statistics
import sys
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.reference import Row, load_rows
from sizer.estimate import estimate
from sizer.loaders import load_catalog
from sizer.models import Assumptions

DECODE_PARAMS = (
    "bandwidth_efficiency_hbm_frac",
    "bandwidth_efficiency_gddr_frac",
    "bandwidth_efficiency_lpddr_frac",
    "layer_overhead_s",
    "split_hop_s",
)
PREFILL_PARAMS = (
    "compute_efficiency_frac",
    "compute_efficiency_apple_frac",
    "quantized_prefill_frac",
    "prefill_layer_overhead_s",
)
_FIELD = {"decode": "decode_tokens_per_s", "prefill": "prefill_tokens_per_s"}


def predict(row: Row, a: Assumptions) -> float:
    """sizer's tokens/s for a reference row under assumptions `a`."""
    gpu = row.gpu
    if row.memory_gib and gpu.unified_memory:
        gpu = gpu.model_copy(update={"vram_gib": row.memory_gib})
    est = estimate(row.model, gpu, row.workload, row.gpu_count, a)
    return float(getattr(est, _FIELD[row.kind]))


def errors(rows: Sequence[Row], a: Assumptions) -> list[float]:
    """Absolute percentage errors (as fractions) of each row."""
    return [abs(predict(r, a) - r.measured) / r.measured for r in rows]


def _loss(rows: Sequence[Row], a: Assumptions) -> float:
    return statistics.fmean(abs(math.log(predict(r, a) / r.measured)) for r in rows)


def _bounded(name: str, value: float) -> float:
    return min(value, 1.0) if name.endswith("_frac") else value


def fit(rows: Sequence[Row], kind: str, start: Assumptions | None = None, rounds: int = 6) -> Assumptions:
    """Constants for `kind` ('decode' or 'prefill') that minimise the log error on `rows`."""
    a = start or Assumptions()
    rows = [r for r in rows if r.kind == kind]
    if not rows:
        return a
    names = DECODE_PARAMS if kind == "decode" else PREFILL_PARAMS
    # Parameters a subset cannot inform (no Apple rows, no multi-GPU rows) keep their start value.
    if not any(r.gpu.vendor == "apple" for r in rows):
        names = tuple(n for n in names if "apple" not in n and "lpddr" not in n)
    if not any(r.gpu_count > 1 for r in rows):
        names = tuple(n for n in names if n != "split_hop_s")
    best = _loss(rows, a)
    step = 0.5
    for _ in range(rounds):
        for name in names:
            improved = True
            while improved:
                improved = False
                for factor in (math.exp(step), math.exp(-step)):
                    trial = a.model_copy(update={name: _bounded(name, getattr(a, name) * factor)})
                    loss = _loss(rows, trial)
                    if loss < best - 1e-9:
                        a, best, improved = trial, loss, True
                        break
        step /= 2
    return a


def fit_all(rows: Sequence[Row], start: Assumptions | None = None) -> Assumptions:
    """Decode constants, then prefill constants, on the same rows."""
    return fit(rows, "prefill", fit(rows, "decode", start))


def main() -> None:
    rows = load_rows(load_catalog())
    fitted = fit_all(rows)
    for name in (*DECODE_PARAMS, *PREFILL_PARAMS):
        print(f"{name} = {getattr(fitted, name):.4g}")
    for kind in ("decode", "prefill"):
        errs = errors([r for r in rows if r.kind == kind], fitted)
        print(f"{kind}: in-sample median {100 * statistics.median(errs):.1f} % over {len(errs)} rows")


if __name__ == "__main__":
    main()
