"""Where the closed-loop serving rows miss: TTFT / ITL / TPOT errors broken down.

    python benchmarks/serving_breakdown.py                 # the closed-loop time measures
    python benchmarks/serving_breakdown.py --rows          # and every row, worst first
    python benchmarks/serving_breakdown.py --measure e2e_latency_s
    python benchmarks/serving_breakdown.py --implied       # TTFT rows: the prompt time they imply

For each group (model, engine, GPU family, concurrency band, source file) it prints the rows, the
median absolute percentage error and the median ratio predicted/measured (>1: the model is slow,
i.e. it predicts more time than measured), on the shipped constants.

`--implied` inverts the closed loop's first-token time for each TTFT row (a new request waits for
the prompts of its wave ahead of it, (n + 1) / 2 of them, plus half a step and the server's own
time): the per-prompt compute the measured TTFT implies, next to the modelled one. A ratio that
stays put as concurrency grows says the wave structure holds and the prompt speed is off; one
that falls with concurrency says the requests did not come back together.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from serving_accuracy import Case, _rig, cases, family, pct, score

from sizer.core.serving import max_concurrency, prompts_s, step_s
from sizer.io.loaders import load_catalog
from sizer.models.assumptions import DEFAULT_ASSUMPTIONS

TIME_MEASURES = ("ttft_ms_median", "itl_ms_median", "tpot_ms_median")


def band(c: Case) -> str:
    n = c.concurrency or 0
    for top in (1, 4, 16, 64, 256):
        if n <= top:
            return f"C<={top}"
    return "C>256"


def groups(c: Case) -> dict[str, str]:
    return {
        "model": c.model.id,
        "engine": c.engine,
        "gpu": family(c.gpu),
        "concurrency": band(c),
        "prompt": f"P<={next(t for t in (128, 512, 1024, 2048, 4096, 10**9) if c.prompt <= t)}",
    }


def show(results: list[tuple[Case, float]], title: str) -> None:
    if not results:
        return
    apes = [abs(p - c.value) / c.value * 100 for c, p in results]
    ratios = [p / c.value for c, p in results]
    over = sum(r > 1 for r in ratios)
    print(
        f"  {title:44s} n={len(results):4d} MdAPE {statistics.median(apes):6.1f}% p90 {pct(apes, 0.9):6.1f}%"
        f" ratio {statistics.median(ratios):5.2f} (>1: {over}/{len(ratios)})"
    )


def implied(results: list[tuple[Case, float]]) -> None:
    """Per TTFT row: the per-prompt seconds the measured TTFT implies under the wave model, the
    modelled ones, and the measured ITL against the modelled decode step."""
    itl = {(c.engine, c.gpu.id, c.model.id, c.quant, c.concurrency, c.prompt, c.output): c.value for c, _ in results}
    print("\nTTFT rows: per-prompt prompt time implied by the measured TTFT vs modelled (wave model)")
    for c, _ in sorted(results, key=lambda cp: (cp[0].model.id, cp[0].engine, cp[0].gpu.id, cp[0].concurrency or 0)):
        if c.measure != "ttft_ms_median":
            continue
        rig = _rig(c, DEFAULT_ASSUMPTIONS)
        if rig is None:
            continue
        n = max(1, min(c.concurrency or 1, rig.max_slots, int(max_concurrency(rig, c.prompt + c.output))))
        step = step_s(rig, n, c.prompt + c.output / 2)
        tp = prompts_s(rig, 1, c.prompt)
        wait = c.value / 1000 - rig.request_s - step / 2
        got = 2 * wait / (n + 1)
        key = (c.engine, c.gpu.id, c.model.id, c.quant, c.concurrency, c.prompt, c.output)
        measured_itl = itl.get(key)
        itl_text = f" ITL/step {measured_itl / (1000 * step):5.2f}" if measured_itl else ""
        print(
            f"  {c.model.id:18s} {c.engine:12s} {c.gpu.id:14s} C={c.concurrency:<4d} O={c.output:<5d}"
            f" prompt implied {1000 * got:8.1f} ms modelled {1000 * tp:7.1f} ms ratio {got / tp:6.2f}{itl_text}"
        )


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--measure", action="append", help="measures to break down (default: TTFT, ITL, TPOT)")
    ap.add_argument("--rows", action="store_true", help="print every row, worst first")
    ap.add_argument("--no-deepseek", action="store_true", help="leave DeepSeek-V3/R1 rows out")
    ap.add_argument("--implied", action="store_true", help="TTFT rows: the prompt time the measurement implies")
    args = ap.parse_args()
    measures = tuple(args.measure or TIME_MEASURES)
    wanted = measures + (("itl_ms_median",) if args.implied else ())
    rows = [c for c in cases(load_catalog()) if c.measure in wanted]
    if args.no_deepseek:
        rows = [c for c in rows if not c.model.id.startswith(("deepseek-r1", "deepseek-v3"))]
    results = score(rows, DEFAULT_ASSUMPTIONS)
    print(f"{len(rows)} rows, {len(results)} predicted")
    for m in measures:
        mine = [(c, p) for c, p in results if c.measure == m]
        print(f"\n{m}")
        show(mine, "(all)")
        for key in ("model", "engine", "gpu", "concurrency", "prompt"):
            by: dict[str, list[tuple[Case, float]]] = defaultdict(list)
            for c, p in mine:
                by[groups(c)[key]].append((c, p))
            print(f" by {key}")
            for k in sorted(by):
                show(by[k], k)
        if args.rows:
            print(" rows, worst first")
            for c, p in sorted(mine, key=lambda cp: -abs(cp[1] / cp[0].value - 1)):
                print(
                    f"  {c.row_id:6s} {c.engine:12s} {c.gpu.id:22s} x{c.gpu_count} {c.model.id:28s} {c.quant:5s}"
                    f" C={c.concurrency} P={c.prompt} O={c.output} meas={c.value:.4g} pred={p:.4g}"
                    f" ratio={p / c.value:.2f}"
                )
    if args.implied:
        implied(results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
