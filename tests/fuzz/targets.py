"""The parsers under fuzzing, their valid seed inputs, and the mutations applied to them.

Shared by the property tests next to this file (a few hundred inputs in the normal test run) and
by benchmarks/fuzz.py (long seeded campaigns). A target takes raw bytes and a scratch directory,
writes the bytes where the parser reads them, parses, and uses the result the way a command
would (memory of a model, the catalog built from a user file). The contract: every input ends in
a result or a sizer.errors.SizerError, quickly and in bounded memory.
"""

from __future__ import annotations

import functools
import json
import os
import random
import struct
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Target:
    """One parser: how to run it on bytes, its valid seed inputs, and whether it reads text."""

    name: str
    run: Callable[[bytes, Path], Any]
    seeds: Callable[[], list[bytes]]
    text: bool
    structure: str | None = None  # "json" or "yaml": values inside the document are mutated too


def _use(spec: Any) -> int:
    """What commands do with a parsed model: its memory at its own type (loops over the layout)."""
    from sizer.core.recommend import model_memory
    from sizer.models import Workload

    quant = spec.file_weights.quant if spec.file_weights else "Q4_K_M"
    return model_memory(spec, Workload(quant=quant, context=min(4096, spec.max_context)))


@functools.cache
def _catalog() -> Any:
    from sizer.io.loaders import load_shipped_catalog

    return load_shipped_catalog()


# Parsers ------------------------------------------------------------------------------------------


def run_gguf(data: bytes, work: Path) -> Any:
    from sizer.io.sources.gguf import read_gguf

    path = work / "model.gguf"
    path.write_bytes(data)
    spec = read_gguf(path).spec
    return _use(spec)


def run_safetensors(data: bytes, work: Path) -> Any:
    from sizer.io.sources.hf_config import file_weights_from_dtypes, trusted_count
    from sizer.io.sources.safetensors import count_tensors

    path = work / "model.safetensors"
    path.write_bytes(data)
    counts = count_tensors(path).params_by_dtype
    return trusted_count(counts), file_weights_from_dtypes(counts, str(path))


def run_hf_config(data: bytes, work: Path) -> Any:
    from sizer.io.sources._json import parse_json
    from sizer.io.sources.hf_config import Identity, spec_from_config

    config = parse_json(data, "config.json")
    counted = {"BF16": 1_000_000} if len(data) % 2 else None  # with and without a safetensors count
    spec = spec_from_config(config, Identity(id="fuzz", name="fuzz", source="fuzz"), counted).spec
    return _use(spec)


def run_spec(data: bytes, work: Path) -> Any:
    from sizer.io.loaders import load_spec

    path = work / "spec.yaml"
    path.write_bytes(data)
    return load_spec(path)


def run_hardware(data: bytes, work: Path) -> Any:
    from sizer.io.loaders import load_host

    path = work / ("host.json" if data.lstrip()[:1] == b"{" else "host.yaml")  # the suffix picks the format
    path.write_bytes(data)
    return load_host(path, _catalog())


def run_user_catalog(data: bytes, work: Path) -> Any:
    from sizer.core.catalog import Catalog
    from sizer.io.loaders import USER_CONFIG_ENV, load_user_models, merge_models

    (work / "models.yaml").write_bytes(data)
    old = os.environ.get(USER_CONFIG_ENV)
    os.environ[USER_CONFIG_ENV] = str(work)
    try:
        user = load_user_models()
    finally:
        if old is None:
            del os.environ[USER_CONFIG_ENV]
        else:
            os.environ[USER_CONFIG_ENV] = old
    catalog = Catalog(models=merge_models(_catalog().models, user), gpus=_catalog().gpus)
    return [_use(m) for m in user], len(catalog.models)


def run_runs(data: bytes, work: Path) -> Any:
    from sizer.io.runs import RunShape, read_runs

    path = work / "runs.txt"
    path.write_bytes(data)
    shape = RunShape(32, 128, 8) if len(data) % 2 else None  # vllm bench latency with and without its lengths
    return [(r.tool, r.kind, r.value) for r in read_runs(path, model="llama-3.1-8b", shape=shape)]


def run_gpu_name(data: bytes, work: Path) -> Any:
    return _catalog().match_gpu(data.decode("utf-8", errors="replace"))


# Seeds ------------------------------------------------------------------------------------------


@functools.cache
def gguf_seeds() -> list[bytes]:
    import tempfile

    from tests.sources.files import tiny_llama_gguf

    moe = {"expert_count": 4, "expert_used_count": 2, "expert_feed_forward_length": 64}
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        for i, (arch, extra) in enumerate(
            [("llama", None), ("qwen3moe", moe), ("gemma2", {"attention.sliding_window": 64})]
        ):
            out.append(tiny_llama_gguf(Path(tmp) / f"{i}.gguf", arch=arch, extra=extra).read_bytes())
    # The smallest interesting file: a header, one architecture key, one F32 tensor.
    key, arch = b"general.architecture", b"llama"
    meta = struct.pack("<Q", len(key)) + key + struct.pack("<IQ", 8, len(arch)) + arch
    name = b"w"
    info = struct.pack("<Q", len(name)) + name + struct.pack("<IQIQ", 1, 8, 0, 0)
    head = b"GGUF" + struct.pack("<IQQ", 3, 1, 1) + meta + info
    out.append(head + bytes(-len(head) % 32) + bytes(32))
    return out


@functools.cache
def safetensors_seeds() -> list[bytes]:
    from tests.sources.files import TINY_LLAMA, llama_tensors, safetensors_bytes

    return [
        safetensors_bytes(llama_tensors(TINY_LLAMA)),
        safetensors_bytes({"a": ("F32", [2, 3]), "b": ("I32", [4])}),
        safetensors_bytes({"e": ("U8", [0])}, metadata={"format": "pt", "k": "v"}),
    ]


@functools.cache
def hf_config_seeds() -> list[bytes]:
    from tests.sources.test_hf_config import CONFIGS

    picked = [CONFIGS[k] for k in sorted(CONFIGS)]
    picked.append({"model_type": "bert", "hidden_size": 384, "num_hidden_layers": 6, "num_attention_heads": 12})
    return [json.dumps(c, indent=1).encode() for c in picked]


def _files(*patterns: str) -> list[bytes]:
    return [p.read_bytes() for pattern in patterns for p in sorted(ROOT.glob(pattern))]


@functools.cache
def spec_seeds() -> list[bytes]:
    return _files("tests/data/specs/*.yaml", "docs/examples/*.yaml")


@functools.cache
def hardware_seeds() -> list[bytes]:
    yaml_host = b"gpus:\n  - name: NVIDIA GeForce RTX 4090\n    memory_total_bytes: 25757220864\n"
    yaml_host += b"  - name: Mystery GPU\n    memory_total_bytes: 1000000000\n    bandwidth_bytes_per_s: 5.0e+11\n"
    return [*_files("tests/data/hardware/*.json"), yaml_host]


@functools.cache
def user_catalog_seeds() -> list[bytes]:
    import yaml

    from tests.conftest import LLAMA_31_8B

    experts = {"count": 8, "active": 2, "intermediate_size": 64}
    moe = LLAMA_31_8B.model_dump() | {"id": "moe", "name": "MoE", "aliases": (), "hf_repo": None, "experts": experts}
    out = []
    for models in (
        [LLAMA_31_8B],
        [LLAMA_31_8B.model_copy(update={"id": "mine", "name": "Mine"}), type(LLAMA_31_8B)(**moe)],
    ):
        entries = [m.model_dump(mode="json", exclude_defaults=True) for m in models]
        out.append(yaml.safe_dump({"models": entries}, sort_keys=False).encode())
    return out


@functools.cache
def runs_seeds() -> list[bytes]:
    # The tools' sample outputs the parser tests read (SOURCE.md beside them names their sources).
    return [p.read_bytes() for p in sorted((ROOT / "tests/data/calibrate").iterdir()) if p.name != "SOURCE.md"]


@functools.cache
def gpu_name_seeds() -> list[bytes]:
    names = [g.name for g in _catalog().gpus[::4]] + ["4x NVIDIA A40", "Apple M1 Max (32-core GPU, 64GB)"]
    return [n.encode() for n in names]


TARGETS = {
    t.name: t
    for t in (
        Target("gguf", run_gguf, gguf_seeds, text=False),
        Target("safetensors", run_safetensors, safetensors_seeds, text=False),
        Target("hf-config", run_hf_config, hf_config_seeds, text=True, structure="json"),
        Target("spec", run_spec, spec_seeds, text=True, structure="yaml"),
        Target("hardware", run_hardware, hardware_seeds, text=True, structure="json"),
        Target("user-catalog", run_user_catalog, user_catalog_seeds, text=True, structure="yaml"),
        Target("gpu-name", run_gpu_name, gpu_name_seeds, text=True),
        Target("runs", run_runs, runs_seeds, text=True),
    )
}

# Mutations --------------------------------------------------------------------------------------

# Integers that break length and count fields: zero, off by one, sign bits, the widths' maxima.
INTERESTING_INTS = (0, 1, 7, 255, 2**15, 2**16 - 1, 2**31 - 1, 2**31, 2**32 - 1, 10**6, 10**9, 2**62, 2**63, 2**64 - 1)
# Text that breaks YAML and JSON readers and the numbers in them.
INTERESTING_TEXT = (
    "0",
    "-1",
    "1e309",
    "-1e309",
    "NaN",
    ".nan",
    ".inf",
    "1e-324",
    "99999999999999999999",
    "1000000000",
    "9" * 5000,
    "&a ",
    "*a",
    "!!python/object:os.system ",
    "!!binary ",
    "!!int ",
    "2024-02-30",
    "<<: ",
    "[" * 200,
    "{",
    "]",
    "}",
    "- ",
    ": ",
    "? ",
    "\n",
    "\t",
    "\x00",
    "\x1b[2J",
    '"',
    "'",
    "\\",
    "%YAML 1.1\n",
    "---\n",
    "...\n",
    "null",
    "true",
    "~",
    "\ufeff",
    "\ud800",
    "é",
    "0x",
    "1_000",
    "Nx ",
    "(0GB)",
)


Mutation = Callable[[bytearray, random.Random], None]


def _truncate(b: bytearray, rng: random.Random) -> None:
    del b[rng.randrange(len(b) + 1) :]


def _flip(b: bytearray, rng: random.Random) -> None:
    for _ in range(rng.randint(1, 8)):
        if b:
            b[rng.randrange(len(b))] ^= 1 << rng.randrange(8)


def _huge_field(b: bytearray, rng: random.Random) -> None:
    """Overwrite an aligned 1-, 2-, 4- or 8-byte field (a length or count) with an edge value."""
    width = rng.choice((1, 2, 4, 8))
    if len(b) < width:
        return
    at = rng.randrange(len(b) - width + 1) // width * width
    value = rng.choice(INTERESTING_INTS) % 2 ** (8 * width)
    b[at : at + width] = value.to_bytes(width, rng.choice(("little", "big")))


def _insert_random(b: bytearray, rng: random.Random) -> None:
    at = rng.randrange(len(b) + 1)
    b[at:at] = rng.randbytes(rng.randint(1, 64))


def _delete(b: bytearray, rng: random.Random) -> None:
    if b:
        at = rng.randrange(len(b))
        del b[at : at + rng.randint(1, 64)]


def _repeat(b: bytearray, rng: random.Random) -> None:
    if b:
        at = rng.randrange(len(b))
        piece = b[at : at + rng.randint(1, 256)]
        where = rng.randrange(len(b) + 1)
        b[where:where] = piece * rng.randint(1, 8)


def _pad(b: bytearray, rng: random.Random) -> None:
    """Append zeros, so that a huge count or length still fits the file and its loop runs."""
    b.extend(bytes(rng.choice((4096, 65536, 2**20))))


def _random_bytes(b: bytearray, rng: random.Random) -> None:
    b[:] = rng.randbytes(rng.randint(0, 512))


def _token(b: bytearray, rng: random.Random) -> None:
    at = rng.randrange(len(b) + 1)
    b[at:at] = rng.choice(INTERESTING_TEXT).encode("utf-8", errors="surrogatepass")


def _number(b: bytearray, rng: random.Random) -> None:
    """Replace a run of digits with a silly number."""
    digits = [i for i, c in enumerate(b) if 48 <= c <= 57]
    if not digits:
        return
    start = end = rng.choice(digits)
    while end < len(b) and 48 <= b[end] <= 57:
        end += 1
    b[start:end] = rng.choice(INTERESTING_TEXT[:10]).encode()


_COMMON: tuple[Mutation, ...] = (_truncate, _flip, _huge_field, _insert_random, _delete, _repeat, _random_bytes)
_BINARY_OPS = (*_COMMON, _huge_field, _huge_field, _flip, _pad)  # binary headers: mostly length fields
_TEXT_OPS = (*_COMMON, _token, _token, _number, _number)


# Values put into a parsed document: numbers past every bound, NaN and infinities, wrong types.
INTERESTING_VALUES: tuple[Any, ...] = (
    0,
    -1,
    1,
    2**31,
    2**63,
    2**64,
    10**30,
    10**300,
    1e308,
    5e-324,
    -0.0,
    0.5,
    float("inf"),
    float("-inf"),
    float("nan"),
    True,
    False,
    None,
    "",
    "x" * 5000,
    "\x00\n\x1b[2J",
    "2024-02-30",
    "Q4_K_M",
    "llama",
    "gpt-oss",
    "RTX 4090",
    "0x RTX 4090",
    [],
    {},
    [[[[]]]],
    {"a": {"b": 1}},
    [1, 2],
)


def _mutate_value(doc: Any, rng: random.Random) -> Any:
    """`doc` with one value somewhere inside replaced, one key added, renamed or removed."""
    if not isinstance(doc, dict | list) or not doc or rng.random() < 0.25:
        return rng.choice(INTERESTING_VALUES)
    if isinstance(doc, list):
        i = rng.randrange(len(doc))
        return [*doc[:i], _mutate_value(doc[i], rng), *doc[i + 1 :]] if rng.random() < 0.9 else doc * 3
    key = rng.choice(list(doc))
    roll, out = rng.random(), dict(doc)
    if roll < 0.1:
        del out[key]
    elif roll < 0.2:
        out[f"{key}_x"] = out.pop(key)
    elif roll < 0.3:
        out[rng.choice(("extra", "layers", "count", "gpus", "experts"))] = rng.choice(INTERESTING_VALUES)
    else:
        out[key] = _mutate_value(doc[key], rng)
    return out


@functools.lru_cache(maxsize=64)
def _parsed(seed: bytes) -> Any:
    import yaml

    return yaml.load(seed, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # JSON seeds are YAML too


def _dump(doc: Any, structure: str) -> bytes:
    import yaml

    if structure == "json":
        return json.dumps(doc).encode()
    return yaml.dump(doc, Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper), allow_unicode=True).encode()


def mutate(seed: bytes, rng: random.Random, text: bool, structure: str | None = None) -> bytes:
    """`seed` after one to four mutations drawn from `rng` (deterministic for a seeded rng).

    With a `structure`, half the inputs first get values inside the parsed document changed.
    """
    if structure and rng.random() < 0.5:
        doc = _parsed(seed)
        for _ in range(rng.choice((1, 1, 2, 3))):
            doc = _mutate_value(doc, rng)
        seed = _dump(doc, structure)
        if rng.random() < 0.7:
            return seed
    data = bytearray(seed)
    ops = _TEXT_OPS if text else _BINARY_OPS
    for _ in range(rng.choice((1, 1, 2, 3, 4))):
        rng.choice(ops)(data, rng)
    return bytes(data)
