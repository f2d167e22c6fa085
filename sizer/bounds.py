"""Bounds on every number sizer reads from a file or a flag, in one place, each with its reason.

Layer 0 (stdlib only). A value outside its bound is bad input (InputError, exit 2), checked before
any loop or allocation that depends on it. NaN and infinities are never accepted.
"""

from __future__ import annotations

import math
from typing import Final

from sizer.errors import N_, InputError
from sizer.units import GiB, MiB

# Architecture. The largest published models have ~128 layers (Llama 3.1 405B: 126) and 384
# routed experts (Kimi K2); 4x headroom keeps research configs valid.
MAX_LAYERS: Final = 1024
MAX_EXPERTS: Final = 4096
MAX_HEADS: Final = 4096
MAX_HIDDEN: Final = 2**20
MAX_VOCAB: Final = 2**24
# Longest context any open model claims today is 10 M tokens (Llama 4 Scout); 2^27 leaves room.
MAX_CONTEXT: Final = 2**27
# Concurrent sequences and users: no single server batches more than a few thousand.
MAX_BATCH: Final = 2**16
# GPUs: NVL72 racks are the largest single systems sold; 4096 covers multi-node layouts.
MAX_GPUS: Final = 4096
# Nodes of one pipeline-parallel rig (--nodes): each holds a run of layers, and models have at most a few hundred.
MAX_NODES: Final = 256
# Copies of one setup (deploy --replicas): a fleet far larger than any one company runs for a model.
MAX_REPLICAS: Final = 1024
# People behind one deployment (--headcount): a large company, well past any one rig.
MAX_HEADCOUNT: Final = 10**7
# Memory and bandwidth of one device: 10 TiB and 100 TB/s are ~35x today's largest (B300: 288 GB, 8 TB/s).
MAX_DEVICE_BYTES: Final = 10 * 1024 * GiB
MAX_BANDWIDTH_BYTES_PER_S: Final = 1e14
MIN_BANDWIDTH_BYTES_PER_S: Final = 1e6  # 1 MB/s: anything slower is a typo, not a memory system
# Money: a budget or price above 10^9 is not a purchase order for a team.
MAX_MONEY: Final = 1e9
# Files: a catalog, spec or probe document is kilobytes; a config.json under 1 MiB.
MAX_YAML_BYTES: Final = 8 * MiB
MAX_HOST_BYTES: Final = 1 * MiB
MAX_JSON_BYTES: Final = 4 * MiB
# What an error message echoes of untrusted text.
MAX_ECHO_CHARS: Final = 200
# Picks `recommend --top` shows per kind: the catalogs hold a few thousand model x GPU pairings,
# and a ranking longer than that is no ranking.
MAX_PICKS: Final = 10_000
# Power a rig may draw (--max-power): 10 MW is a whole data-centre hall; more is a typo.
MAX_POWER_W: Final = 1e7
# Decode rate one user needs (--min-tokens-per-s): the fastest single streams today reach a few
# thousand tokens/s; a million is past any hardware.
MAX_TOKENS_PER_S: Final = 1e6
# Quality floors are MMLU scores, a percentage.
MAX_QUALITY: Final = 100.0
# Years to write hardware off over (--years): 3-5 is the norm; 50 outlasts any GPU.
MAX_YEARS: Final = 50.0
# FP16 compute of one device in a hardware file: 1 GFLOPS is below any GPU since 2005, 100 PFLOPS
# is ~40x a B300's dense FP16 (2.5 PFLOPS).
MIN_TFLOPS: Final = 1e-3
MAX_TFLOPS: Final = 1e5
# What NVML reports of a memory system: HBM3e has 8192-bit buses (B200), an RTX 4090's GDDR6X a max
# memory clock of 10,501 MHz; 8x and ~100x leave room, and anything past is a corrupt reading.
MAX_BUS_WIDTH_BITS: Final = 65536
MAX_MEMORY_CLOCK_MHZ: Final = 10**6
# Parameters of one model: the largest open models have ~1 T (Kimi K2: 1.04 T); 100 T is 100x that.
MAX_PARAMS: Final = 10**14
# Names matched against the catalogs: NVML, llama.cpp and shop names are under 60 characters, and
# Hub repo ids at most 96 each side of the '/'; anything longer is not a name.
MAX_NAME_CHARS: Final = 256
# Nesting of a YAML or JSON document: specs, catalogs and probe files nest 4-5 levels; 64 stays far
# from Python's recursion limit in the constructors and validators that walk the tree.
MAX_NESTING: Final = 64
# JSON model files: a model.safetensors.index.json lists one line per tensor (DeepSeek-V3: ~92 k
# tensors, ~9 MB), and a safetensors header is at most a few MiB per shard; 32 MiB is 3x that.
MAX_INDEX_JSON_BYTES: Final = 32 * MiB
MAX_SAFETENSORS_HEADER_BYTES: Final = 32 * MiB
# GGUF headers: real files carry 30-60 metadata keys and at most a few thousand tensors (Llama 3.1
# 405B: 1,138; DeepSeek-V3 with merged experts: ~1,150), so 4,096 keys and 65,536 tensors are
# generous; a sparse file claiming millions fails before anything is allocated.
MAX_GGUF_KEYS: Final = 4096
MAX_GGUF_TENSORS: Final = 2**16
# GGUF string and nested-array items in one header, walked one by one: the vocabulary and merges
# (Gemma 3: 262,144 tokens; Llama 3: 128,256 tokens + 280,147 merges); 2^21 is 4x the largest
# total and is walked in well under a second.
MAX_GGUF_ARRAY_ITEMS: Final = 2**21
# GGUF strings kept in memory: keys are short dotted names (GGUF allows 65,535 bytes, no file comes
# near 256), tensor names at most 64 bytes (GGML_MAX_NAME); a value string longer than 4 KiB (chat
# templates) is skipped by its length, since sizer reads only short ones (general.architecture).
MAX_GGUF_KEY_BYTES: Final = 256
MAX_GGUF_STRING_BYTES: Final = 4096
# GGUF numeric arrays whose values are kept: per-layer arrays have one value per layer.
MAX_GGUF_KEPT_VALUES: Final = MAX_LAYERS


def finite(name: str, value: float) -> float:
    """`value` if it is a finite number; InputError naming `name` otherwise."""
    if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value):
        raise InputError(N_("{name} must be a finite number, got {value}"), name=name, value=repr(value))
    return value


def within(name: str, value: float, low: float, high: float) -> float:
    """`value` if finite and low <= value <= high; InputError naming the bound otherwise."""
    finite(name, value)
    if not low <= value <= high:
        raise InputError(
            N_("{name} must be between {low:g} and {high:g}, got {value:g}"), name=name, low=low, high=high, value=value
        )
    return value


def echo(text: object, limit: int = MAX_ECHO_CHARS) -> str:
    """Untrusted text for a message: control characters escaped, cut to `limit` characters."""
    raw = str(text)
    out = "".join(c if c.isprintable() else repr(c)[1:-1] for c in raw[: limit + 1])
    return out[:limit] + "…" if len(out) > limit or len(raw) > limit else out
