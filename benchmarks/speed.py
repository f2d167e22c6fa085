"""Wall time of the things a user waits for: `sizer --help`, one `sizer estimate`, a full sweep,
`sizer check` of 100 offers x 100 workloads.

Run: python benchmarks/speed.py   (uses the installed `sizer` command; median of several runs)
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

RUNS = 7


def _wall(cmd: list[str]) -> float:
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        subprocess.run(cmd, capture_output=True, check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _sweep_seconds() -> tuple[float, float, int]:
    from sizer.core.quant import all_formats
    from sizer.core.sweep import sweep
    from sizer.io.loaders import load_catalog

    catalog = load_catalog()
    quants = [q.name for q in all_formats()]
    contexts = [2048, 4096, 8192, 32768]
    start = time.perf_counter()
    result = sweep(catalog.models, catalog.gpus, quants, contexts)
    cold = time.perf_counter() - start
    start = time.perf_counter()
    sweep(catalog.models, catalog.gpus, quants, contexts)
    warm = time.perf_counter() - start
    return cold, warm, int(result.fits.size)


def _recommend_seconds() -> float:
    """The full recommend sweep (every model x every priced GPU in 1, 2, 4, 8) after startup."""
    from sizer.core.recommend import buyable_options, recommend
    from sizer.io.loaders import load_catalog, load_cost_settings
    from sizer.models import Money
    from sizer.models.needs import Needs

    catalog, settings = load_catalog(), load_cost_settings("EUR")
    needs = Needs(use_case="chat", users=5, budget=Money(amount=50_000))
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        recommend(catalog, needs, buyable_options(catalog, needs, settings), settings)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _check_seconds(offers: int = 100, workloads: int = 100) -> tuple[float, int]:
    """`check` of a generated spec (tests/spec_grid.py) over the shipped catalog, after startup."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from sizer.core.spec import check
    from sizer.io.loaders import load_shipped_catalog
    from tests.spec_grid import grid_spec

    catalog = load_shipped_catalog()
    spec = grid_spec(catalog, offers, workloads)
    start = time.perf_counter()
    report = check(spec, catalog)
    return time.perf_counter() - start, sum(o.passed for o in report.outcomes)


def main() -> None:
    exe = shutil.which("sizer") or sys.exit("install sizer first: pip install .")
    print(f"sizer --help                     {1000 * _wall([exe, '--help']):7.0f} ms")
    args = [exe, "estimate", "llama-3.1-8b", "--gpu", "RTX 4090", "--json"]
    print(f"sizer estimate (one, --json)     {1000 * _wall(args):7.0f} ms")
    cold, warm, n = _sweep_seconds()
    print(f"sweep of {n:,} combinations    {1000 * cold:7.0f} ms cold, {1000 * warm:.0f} ms warm")
    print(f"recommend, full catalog sweep    {1000 * _recommend_seconds():7.0f} ms (after startup)")
    seconds, passed = _check_seconds()
    print(f"check, 100 offers x 100 workloads {1000 * seconds:6.0f} ms ({passed:,} of 10,000 cells met)")


if __name__ == "__main__":
    main()
