"""Wall time of the things a user waits for, against the time to import sizer's libraries.

The architecture issue's targets: `sizer estimate MODEL --gpu G --json` within 1.5 x, and
`sizer recommend --budget 20000 --use-case chat --json` within 2.5 x, the time a fresh
interpreter takes to import typer, rich, pydantic, yaml and numpy. Every figure is the median of
`--runs` fresh processes of this interpreter running this checkout (`python -m sizer`), the
commands interleaved so that a busy machine slows them alike. "warm" runs find the catalog
cache that an earlier run wrote; "cold" runs start from an empty cache directory. The user
catalog directory is an empty one, so the shipped catalogs alone are read. Bytecode goes to a
scratch directory (PYTHONPYCACHEPREFIX) and is compiled by a first, untimed run of each
command, as `pip install` compiles it, so that no timed run pays for compiling sources (even
where PYTHONDONTWRITEBYTECODE is set).

Run: python benchmarks/speed.py [--runs N] [--in-process]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
IMPORTS = "import typer, rich, pydantic, yaml, numpy"
ESTIMATE = ["estimate", "llama-3.1-8b", "--gpu", "RTX 4090", "--json"]
RECOMMEND = ["recommend", "--budget", "20000", "--use-case", "chat", "--json"]
TARGETS = {"estimate": 1.5, "recommend": 2.5}


def _env(cache_dir: Path, config_dir: Path, pycache: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    env["SIZER_CACHE_DIR"] = str(cache_dir)
    env["SIZER_CONFIG_DIR"] = str(config_dir)
    env["PYTHONPYCACHEPREFIX"] = str(pycache)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def _time(argv: list[str], env: dict[str, str], before: Callable[[], None] = lambda: None) -> float:
    before()
    start = time.perf_counter()
    subprocess.run(argv, env=env, cwd=ROOT, capture_output=True, check=True)
    return time.perf_counter() - start


def measure(runs: int) -> dict[str, float]:
    """Median seconds of each command over `runs` interleaved rounds."""
    scratch = Path(tempfile.mkdtemp(prefix="sizer-speed-"))
    warm, cold, config = scratch / "warm", scratch / "cold", scratch / "config"
    config.mkdir()
    sizer = [sys.executable, "-m", "sizer"]

    def empty_cold() -> None:
        shutil.rmtree(cold, ignore_errors=True)

    warm_env, cold_env = _env(warm, config, scratch / "pycache"), _env(cold, config, scratch / "pycache")
    commands: dict[str, tuple[list[str], dict[str, str], Callable[[], None]]] = {
        "import": ([sys.executable, "-c", IMPORTS], warm_env, lambda: None),
        "estimate warm": ([*sizer, *ESTIMATE], warm_env, lambda: None),
        "estimate cold": ([*sizer, *ESTIMATE], cold_env, empty_cold),
        "recommend warm": ([*sizer, *RECOMMEND], warm_env, lambda: None),
        "recommend cold": ([*sizer, *RECOMMEND], cold_env, empty_cold),
        "--help": ([*sizer, "--help"], warm_env, lambda: None),
    }
    try:
        for argv, env, _ in commands.values():  # fill the warm cache, and the OS file cache
            subprocess.run(argv, env=env, cwd=ROOT, capture_output=True, check=True)
        times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(runs):
            for name, (argv, env, before) in commands.items():
                times[name].append(_time(argv, env, before))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return {name: statistics.median(t) for name, t in times.items()}


def _in_process() -> None:
    """The numpy sweep, the recommend core and `check` of a large spec on their own, after startup."""
    sys.path.insert(0, str(ROOT))
    from sizer.core.quant import all_formats
    from sizer.core.recommend import buyable_options, recommend
    from sizer.core.sweep import sweep
    from sizer.io.loaders import load_catalog, load_cost_settings
    from sizer.models import Money
    from sizer.models.needs import Needs

    catalog, settings = load_catalog(), load_cost_settings("EUR")
    quants = [q.name for q in all_formats()]
    contexts = [2048, 4096, 8192, 32768]
    start = time.perf_counter()
    result = sweep(catalog.models, catalog.gpus, quants, contexts)
    print(f"sweep of {int(result.fits.size):,} combinations   {1000 * (time.perf_counter() - start):7.0f} ms")
    needs = Needs(use_case="chat", users=5, budget=Money(amount=50_000))
    start = time.perf_counter()
    recommend(catalog, needs, buyable_options(catalog, needs, settings), settings)
    print(f"recommend core, budget 50,000       {1000 * (time.perf_counter() - start):7.0f} ms")
    seconds, passed = _check_seconds()
    print(f"check, 100 offers x 100 workloads   {1000 * seconds:7.0f} ms ({passed:,} of 10,000 cells met)")


def _check_seconds(offers: int = 100, workloads: int = 100) -> tuple[float, int]:
    """`check` of a generated spec (tests/spec_grid.py) over the shipped catalog, after startup."""
    from sizer.core.spec import check
    from sizer.io.loaders import load_shipped_catalog
    from tests.spec_grid import grid_spec

    catalog = load_shipped_catalog()
    spec = grid_spec(catalog, offers, workloads)
    start = time.perf_counter()
    report = check(spec, catalog)
    return time.perf_counter() - start, sum(o.passed for o in report.outcomes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="rounds of fresh processes (median; default 7)")
    parser.add_argument("--in-process", action="store_true", help="also time the sweep and recommend core alone")
    args = parser.parse_args()
    seconds = measure(args.runs)
    base = seconds["import"]
    print(f"median of {args.runs} fresh processes, {sys.executable} {sys.version.split()[0]}")
    print(f"{'import typer, rich, pydantic, yaml, numpy':44s} {1000 * base:6.0f} ms   1.00 x")
    for name, value in seconds.items():
        if name == "import":
            continue
        target = TARGETS.get(name.split()[0])
        goal = f"   (target <= {target:.1f} x)" if target else ""
        label = f"sizer {name}" if name != "--help" else "sizer --help"
        print(f"{label:44s} {1000 * value:6.0f} ms  {value / base:5.2f} x{goal}")
    if args.in_process:
        _in_process()


if __name__ == "__main__":
    main()
