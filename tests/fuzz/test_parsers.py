"""Every parser, on any input, ends in a result or a SizerError with a one-line message: never
another exception, never past the deadline (2 s, as the long campaigns), never 256 MiB.

Small example counts keep this directory a few seconds of the normal test run; benchmarks/fuzz.py
runs the same targets for as long as one likes (docs/fuzzing.md).
"""

from __future__ import annotations

import random
import tracemalloc
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sizer.errors import SizerError
from tests.fuzz.targets import TARGETS, Target, mutate

FUZZ = settings(
    max_examples=40,
    deadline=timedelta(seconds=2),
    database=None,  # each run draws afresh; found inputs become files under tests/data/hostile/
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
MAX_PEAK_BYTES = 256 * 2**20
MAX_MESSAGE_CHARS = 1000
# Inputs the campaigns found, one folder per parser: each must keep ending well.
FINDINGS = Path(__file__).resolve().parents[1] / "data" / "hostile" / "fuzz"

# JSON-like values: what a YAML or JSON document can hold.
VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


@pytest.fixture(scope="module", autouse=True)
def _warm() -> None:
    """Import and build everything once, so that the deadline measures the parser, not imports."""
    for target in TARGETS.values():
        target.seeds()


def ends_well(target: Target, data: bytes, work: Path) -> None:
    """Run one input: a result or a one-line SizerError, within the memory cap."""
    started = not tracemalloc.is_tracing()
    if started:
        tracemalloc.start()
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    try:
        target.run(data, work)
    except SizerError as exc:
        message = str(exc)
        assert "\n" not in message and "\r" not in message, message[:500]
        assert len(message) <= MAX_MESSAGE_CHARS, message[:500]
    finally:
        peak = tracemalloc.get_traced_memory()[1] - base
        if started:
            tracemalloc.stop()
    assert peak < MAX_PEAK_BYTES, peak


def test_every_parser_has_a_fuzz_target():
    assert set(TARGETS) == {"gguf", "safetensors", "hf-config", "spec", "hardware", "user-catalog", "gpu-name", "runs"}


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_seeds_are_valid_inputs(name, work):
    target = TARGETS[name]
    assert target.seeds()
    for data in target.seeds():
        assert target.run(data, work) is not None


@pytest.mark.parametrize(
    "path", sorted(p for p in FINDINGS.rglob("*") if p.is_file()), ids=lambda p: f"{p.parent.name}/{p.name}"
)
def test_saved_findings_end_well(path, work):
    ends_well(TARGETS[path.parent.name], path.read_bytes(), work)


@pytest.mark.parametrize("name", sorted(TARGETS))
@settings(FUZZ, max_examples=60)
@given(seed=st.integers(0, 2**64))
def test_mutated_seeds(name, seed, work):
    target = TARGETS[name]
    rng = random.Random(seed)
    ends_well(target, mutate(rng.choice(target.seeds()), rng, target.text, target.structure), work)


@pytest.mark.parametrize("name", sorted(TARGETS))
@settings(FUZZ, max_examples=20)
@given(data=st.binary(max_size=600))
def test_arbitrary_bytes(name, data, work):
    target = TARGETS[name]
    prefix = {"gguf": b"GGUF\x03\x00\x00\x00", "safetensors": len(data).to_bytes(8, "little")}.get(name, b"")
    ends_well(target, prefix + data, work)


@pytest.mark.parametrize("name", ["spec", "hardware", "user-catalog", "hf-config"])
@settings(FUZZ, max_examples=25)
@given(
    changes=st.lists(st.tuples(st.integers(0, 50), VALUES), max_size=3),
    extra=st.dictionaries(st.text(max_size=20), VALUES, max_size=2),
    pick=st.integers(0, 100),
)
def test_documents_with_values_replaced(name, changes, extra, pick, work):
    import json

    import yaml

    target = TARGETS[name]
    seeds = target.seeds()
    doc = yaml.safe_load(seeds[pick % len(seeds)])
    keys = list(doc)
    for i, value in changes:  # the values validation must stand up to, at the top level
        doc[keys[i % len(keys)]] = value
    doc |= extra
    data = json.dumps(doc).encode() if target.structure == "json" else yaml.safe_dump(doc).encode()
    ends_well(target, data, work)


@settings(FUZZ, max_examples=40)
@given(name=st.text(max_size=80) | st.from_regex(r"\A\s*\d{1,12}\s*[x×]\s+.{0,20}(\(\d+-core GPU, \d{1,12}GB\))?\Z"))
def test_gpu_names(name, work):
    ends_well(TARGETS["gpu-name"], name.encode("utf-8", errors="surrogatepass"), work)
