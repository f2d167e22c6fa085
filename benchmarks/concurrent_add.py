"""20 `sizer catalog add` processes at once, 10 trials: every trial must keep all 20 entries.

Run: python benchmarks/concurrent_add.py [--trials 10] [--processes 20]
Each process is `python -m sizer catalog add FILE` from this checkout on its own tiny GGUF file,
all started together against one fresh $SIZER_CONFIG_DIR. Prints one line per trial and exits 1
if any trial lost an entry or any add failed. (tests/cli/test_user_catalog.py runs the same
check in threads, 3 trials, as part of the suite.)
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _trial(sources: list[Path], config: Path) -> tuple[int, list[str], float]:
    import yaml

    env = {**os.environ, "SIZER_CONFIG_DIR": str(config), "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(ROOT)}
    start = time.perf_counter()
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "sizer", "catalog", "add", str(s)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for s in sources
    ]
    failures = []
    for p in procs:
        _, err = p.communicate(timeout=300)
        if p.returncode != 0:
            failures.append(err.strip())
    seconds = time.perf_counter() - start
    data = yaml.safe_load((config / "models.yaml").read_text())
    return len(data["models"]), failures, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=10)
    parser.add_argument("--processes", type=int, default=20)
    args = parser.parse_args()
    from tests.sources.files import tiny_llama_gguf

    ok = 0
    with tempfile.TemporaryDirectory() as tmp:
        sources = [tiny_llama_gguf(Path(tmp) / f"Tiny-{i:02d}-Q8_0.gguf") for i in range(args.processes)]
        for trial in range(args.trials):
            config = Path(tmp) / f"config-{trial}"
            kept, failures, seconds = _trial(sources, config)
            good = kept == args.processes and not failures
            ok += good
            print(f"trial {trial + 1}: {kept}/{args.processes} entries kept, {len(failures)} failed, {seconds:.1f} s")
            for line in failures[:3]:
                print(f"  {line}")
    print(f"{ok} of {args.trials} trials kept every entry")
    sys.exit(0 if ok == args.trials else 1)


if __name__ == "__main__":
    main()
