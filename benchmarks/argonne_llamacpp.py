"""The Argonne benchmark's llama.cpp rows on the GPUs the shared file lacks (H100, GH200, MI250,
Max 1550; benchmarks/data/argonne_llamacpp_more.csv), scored on the shipped constants.

Each row is one `llama-bench -pg L,L` run: L prompt tokens, then L generated, at llama-bench's
`-b` (1, 16, 32 or 64: the prompt's micro-batch). Predicted as (p + g) / (p / P + g / D), with D
the decode and P the prompt speed `estimate` gives at a context of p + g tokens (the mapping
the shared scorer uses). At `-b 1` llama.cpp takes the prompt one token at a time, which no
sizer option says, so those rows are reported apart.

Run: python benchmarks/argonne_llamacpp.py
"""

from __future__ import annotations

import csv
import re
import statistics
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from reference import DATA, _model
from serving_accuracy import _gpu, pct

from sizer.core.estimate import estimate
from sizer.errors import SizerError
from sizer.io.loaders import load_catalog
from sizer.models import Workload


def main() -> int:
    catalog = load_catalog()
    by: dict[tuple[str, int, str], list[float]] = defaultdict(list)
    with (DATA / "argonne_llamacpp_more.csv").open(encoding="utf-8") as f:
        for r in csv.DictReader(f):
            model, gpu = _model(catalog, r["model"]), _gpu(catalog, r["gpu"])
            if model is None or gpu is None:
                continue
            p, g = int(r["n_prompt"]), int(r["n_gen"])
            count = int(r["gpu_count"])
            w = Workload(quant=r["quant"], context=p + g)
            try:
                est = estimate(model, gpu, w, count)
            except SizerError:
                continue
            pred = (p + g) / (p / est.prefill_tokens_per_s + g / est.decode_tokens_per_s)
            batch = re.search(r" -b (\d+)", r["conditions"])
            kind = "-b 1" if batch and batch.group(1) == "1" else "-b 16-64"
            by[gpu.name, count, kind].append(pred / float(r["tokens_per_s"]))
    print(f"{'GPU':34s} {'n':>2s} {'prompt':8s} {'rows':>4s} {'median':>7s} {'p90':>7s} {'pred/meas':>9s}")
    every: dict[str, list[float]] = defaultdict(list)
    for (name, count, kind), ratios in sorted(by.items()):
        errors = [abs(x - 1) * 100 for x in ratios]
        every[kind] += errors
        print(
            f"{name[:34]:34s} {count:2d} {kind:8s} {len(ratios):4d} {statistics.median(errors):6.1f}% "
            f"{pct(errors, 0.9):6.1f}% {statistics.median(ratios):9.2f}"
        )
    for kind, errors in sorted(every.items()):
        median, p90 = statistics.median(errors), pct(errors, 0.9)
        print(f"all rows at {kind}: {len(errors)} rows, {median:.1f}% median, {p90:.1f}% p90")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
