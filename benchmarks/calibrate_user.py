"""Cross-validate `sizer calibrate` on benchmarks/data: calibrate on some runs of one GPU, score its others.

For each GPU with enough single-GPU llama-bench rows, the rows are split by model (train on every
other model, score on the rest, so a score never sees its own model) and the user overlay
(sizer.calibrate.user) is fitted on the train half over the shipped constants. Prints the median
absolute error of the held-out rows under the shipped and under the calibrated constants.

Usage: python benchmarks/calibrate_user.py [--min-rows 8] [--max-gpus 12]
"""

from __future__ import annotations

import argparse
import statistics

from reference import load_rows

from sizer.calibrate import errors, plausible
from sizer.calibrate.user import apply, fit_overlay
from sizer.io.loaders import load_catalog
from sizer.models.assumptions import DEFAULT_ASSUMPTIONS


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--min-rows", type=int, default=8)
    parser.add_argument("--max-gpus", type=int, default=12)
    args = parser.parse_args()
    rows = [r for r in plausible(load_rows(load_catalog())) if r.gpu_count == 1 and r.calibrates]
    by_gpu: dict[str, list] = {}
    for r in rows:
        by_gpu.setdefault(r.gpu.id, []).append(r)
    shipped_all, mine_all = [], []
    print(f"{'GPU':<28} {'train':>5} {'test':>5} {'shipped':>8} {'calibrated':>10}")
    for gpu_id, group in sorted(by_gpu.items(), key=lambda kv: -len(kv[1]))[: args.max_gpus]:
        models = sorted({r.model.id for r in group})
        if len(models) < 2 or len(group) < args.min_rows:
            continue
        train_models = set(models[::2])
        train = [r for r in group if r.model.id in train_models]
        test = [r for r in group if r.model.id not in train_models]
        overlay = fit_overlay(train, DEFAULT_ASSUMPTIONS)
        calibrated = apply(DEFAULT_ASSUMPTIONS, overlay)
        shipped_err = errors(test, DEFAULT_ASSUMPTIONS)
        mine_err = errors(test, calibrated)
        shipped_all += shipped_err
        mine_all += mine_err
        print(
            f"{gpu_id:<28} {len(train):>5} {len(test):>5} {100 * statistics.median(shipped_err):>7.1f}%"
            f" {100 * statistics.median(mine_err):>9.1f}%"
        )
    print(
        f"{'all held-out rows':<28} {'':>5} {len(mine_all):>5} {100 * statistics.median(shipped_all):>7.1f}%"
        f" {100 * statistics.median(mine_all):>9.1f}%"
    )


if __name__ == "__main__":
    main()
