"""Long fuzzing campaigns against sizer's parsers: mutated valid inputs, run in-process.

Each parser (tests/fuzz/targets.py) gets N inputs made from its valid seed files by one to four
mutations (truncation, bit flips, huge length fields, inserted, deleted or repeated bytes, random
bytes; for text formats also YAML/JSON tokens and silly numbers), drawn from a seeded generator so
that a campaign can be repeated. Every input must end in a result or a sizer.errors.SizerError.
An input that raises anything else, runs longer than --slow-s, or allocates more than --big-mib
(tracemalloc peak) is saved under --save with its traceback, for a regression test.

Run:  python benchmarks/fuzz.py --inputs 20000                # every parser, seed 0
      python benchmarks/fuzz.py --inputs 2000 --parser gguf --seed 7 --save fuzz-crashes
      python benchmarks/fuzz.py --replay fuzz-crashes/gguf/<hash>.bin --parser gguf
Prints per parser: inputs, refused (SizerError), crashes, slow, max seconds, max MiB.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import signal
import sys
import tempfile
import time
import traceback
import tracemalloc
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the checkout's sizer and tests.fuzz, not an installed copy

from sizer.errors import SizerError  # noqa: E402
from tests.fuzz.targets import TARGETS, Target, mutate  # noqa: E402

MiB = 2**20
MAX_MESSAGE_CHARS = 1000  # an error line: the file's path plus a few echoes of at most 200 characters
# The report's columns: title and width (negative: left-aligned).
COLUMNS = (("parser", -14), ("inputs", 8), ("refused", 9), ("crashes", 9), ("slow", 6), ("big", 5))
COLUMNS += (("max s", 8), ("max MiB", 9), ("wall s", 8))


class _HardTimeout(Exception):
    """Raised by SIGALRM when one input runs past --kill-s (counted as a crash)."""


@dataclass
class Tally:
    inputs: int = 0
    refused: int = 0
    crashes: int = 0
    slow: int = 0
    big: int = 0
    max_s: float = 0.0
    max_mib: float = 0.0
    saved: list[Path] = field(default_factory=list)


def _alarm(signum: int, frame: object) -> None:
    raise _HardTimeout("input still running at the hard time limit")


def run_one(target: Target, data: bytes, work: Path, kill_s: float, trace: bool) -> tuple[str, str, float, float]:
    """(outcome: ok, refused or crash; the traceback of a crash; seconds; peak MiB) for one input."""
    if trace:
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
    if kill_s > 0 and hasattr(signal, "setitimer"):
        signal.setitimer(signal.ITIMER_REAL, kill_s)
    start = time.perf_counter()
    outcome, crash = "ok", ""
    try:
        target.run(data, work)
    except SizerError as exc:
        outcome, message = "refused", str(exc)
        if "\n" in message or "\r" in message or len(message) > MAX_MESSAGE_CHARS:  # the one-line promise
            outcome, crash = "crash", f"a {len(message)}-character message over lines or too long:\n{message[:2000]}"
    except BaseException as exc:  # anything else is what the campaign looks for
        if isinstance(exc, KeyboardInterrupt):
            raise
        outcome, crash = "crash", "".join(traceback.format_exception(exc))
    finally:
        seconds = time.perf_counter() - start
        if kill_s > 0 and hasattr(signal, "setitimer"):
            signal.setitimer(signal.ITIMER_REAL, 0)
    peak = (tracemalloc.get_traced_memory()[1] - base) / MiB if trace else 0.0
    return outcome, crash, seconds, peak


def _save(directory: Path, target: Target, data: bytes, why: str, detail: str) -> Path:
    folder = directory / target.name
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{hashlib.sha1(data).hexdigest()[:16]}.bin"
    path.write_bytes(data)
    path.with_suffix(".txt").write_text(f"{why}\n{detail}")
    return path


def campaign(target: Target, n: int, seed: int, args: argparse.Namespace) -> Tally:
    rng = random.Random(f"{seed}:{target.name}")
    seeds = target.seeds()
    tally = Tally()
    with tempfile.TemporaryDirectory(prefix=f"fuzz-{target.name}-") as tmp:
        work = Path(tmp)
        for data in seeds:  # the seeds themselves must pass, and warm the imports up
            outcome, crash, _, _ = run_one(target, data, work, args.kill_s, False)
            if outcome != "ok":
                raise SystemExit(f"{target.name}: a seed input ends in {outcome}, not a result:\n{crash}")
        for _ in range(n):
            data = mutate(rng.choice(seeds), rng, target.text, target.structure)
            outcome, crash, seconds, mib = run_one(target, data, work, args.kill_s, not args.no_tracemalloc)
            tally.inputs += 1
            tally.refused += outcome == "refused"
            tally.max_s, tally.max_mib = max(tally.max_s, seconds), max(tally.max_mib, mib)
            why = None
            if outcome == "crash":
                tally.crashes += 1
                why = "crash"
            elif seconds > args.slow_s:
                tally.slow += 1
                why = f"slow: {seconds:.2f} s"
            elif mib > args.big_mib:
                tally.big += 1
                why = f"big: {mib:.0f} MiB"
            if why and args.save:
                tally.saved.append(_save(Path(args.save), target, data, why, crash or ""))
            if why and args.verbose:
                print(f"  {target.name}: {why}\n{crash or ''}", file=sys.stderr)
    return tally


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inputs", type=int, default=2000, help="inputs per parser (default 2000)")
    parser.add_argument("--seed", type=int, default=0, help="campaign seed (default 0)")
    parser.add_argument("--parser", action="append", choices=sorted(TARGETS), help="only these (repeatable)")
    parser.add_argument("--save", default="fuzz-crashes", help="directory for crashing, slow or big inputs")
    parser.add_argument("--slow-s", type=float, default=2.0, help="an input slower than this is reported")
    parser.add_argument("--big-mib", type=float, default=1024.0, help="a tracemalloc peak above this is reported")
    parser.add_argument("--kill-s", type=float, default=20.0, help="stop an input after this long (0: never)")
    parser.add_argument("--no-tracemalloc", action="store_true", help="faster, without the memory figure")
    parser.add_argument("--replay", type=Path, help="run one saved input (with --parser) and show the outcome")
    parser.add_argument("--verbose", action="store_true", help="print each finding's traceback")
    args = parser.parse_args()
    if hasattr(signal, "SIGALRM"):
        signal.signal(signal.SIGALRM, _alarm)
    names = args.parser or sorted(TARGETS)
    if args.replay:
        with tempfile.TemporaryDirectory() as tmp:
            outcome, crash, seconds, _ = run_one(
                TARGETS[names[0]], args.replay.read_bytes(), Path(tmp), args.kill_s, False
            )
        print(crash or f"{outcome} ({seconds:.3f} s)")
        return 1 if crash else 0
    if not args.no_tracemalloc:
        tracemalloc.start()
    print(f"seed {args.seed}, {args.inputs} inputs per parser")
    print("".join(f"{title:>{width}}" if width > 0 else f"{title:<{-width}}" for title, width in COLUMNS))
    failed = False
    for name in names:
        start = time.perf_counter()
        t = campaign(TARGETS[name], args.inputs, args.seed, args)
        wall = time.perf_counter() - start
        mib = f"{t.max_mib:.1f}" if not args.no_tracemalloc else "-"
        cells = (name, t.inputs, t.refused, t.crashes, t.slow, t.big, f"{t.max_s:.3f}", mib, f"{wall:.0f}")
        print(
            "".join(f"{c:>{w}}" if w > 0 else f"{c:<{-w}}" for c, (_, w) in zip(cells, COLUMNS, strict=True)),
            flush=True,
        )
        failed |= bool(t.crashes or t.slow or t.big)
        for path in t.saved[:5]:
            print(f"  saved {path}")
    try:
        import resource

        # ru_maxrss: KiB on Linux, bytes on macOS; it also counts memory maps tracemalloc does not see.
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / (MiB if sys.platform == "darwin" else 1024)
        print(f"process peak RSS: {rss:.0f} MiB")
    except ImportError:  # Windows
        pass
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
