"""GGUF files: architecture from the metadata, exact weight bytes from the tensor types.

The header is walked here with bounds checks on every read (GGUF spec, ggml docs/gguf.md):
magic, version, tensor and metadata counts, metadata key/values, tensor infos. Nothing is read
into memory beyond the header: string arrays (the vocabulary, merges) are skipped by length, so
a 256k-token file reads in milliseconds and a hostile count fails at once. The gguf package
supplies the type tables (GGML_QUANT_SIZES, LlamaFileType); its GGUFReader decodes every array
element in Python (seconds for a large vocabulary), so it serves as the oracle in the tests.
"""

from __future__ import annotations

import math
import mmap
import re
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sizer.bounds import (
    MAX_GGUF_ARRAY_ITEMS,
    MAX_GGUF_KEPT_VALUES,
    MAX_GGUF_KEY_BYTES,
    MAX_GGUF_KEYS,
    MAX_GGUF_STRING_BYTES,
    MAX_GGUF_TENSORS,
    MAX_LAYERS,
    echo,
)
from sizer.core.quant import resolve_quant
from sizer.errors import N_, InputError, Message, UnknownNameError
from sizer.io.files import open_regular
from sizer.io.sources.hf_config import (
    LLAMA_LIKE_BY_PARAMS,
    UNGATED_ARCHS,
    Built,
    Identity,
    finish,
    global_every_from_pattern,
    llama_like,
)
from sizer.models import FileWeights, slug

# general.file_type (llama.cpp LLAMA_FTYPE_*, gguf.LlamaFileType) -> sizer quant name.
FILE_TYPES = {
    0: "F32",
    1: "F16",
    2: "Q4_0",
    3: "Q4_1",
    7: "Q8_0",
    8: "Q5_0",
    9: "Q5_1",
    10: "Q2_K",
    11: "Q3_K_S",
    12: "Q3_K_M",
    13: "Q3_K_L",
    14: "Q4_K_S",
    15: "Q4_K_M",
    16: "Q5_K_S",
    17: "Q5_K_M",
    18: "Q6_K",
    19: "IQ2_XXS",
    20: "IQ2_XS",
    21: "Q2_K_S",
    22: "IQ3_XS",
    23: "IQ3_XXS",
    24: "IQ1_S",
    25: "IQ4_NL",
    26: "IQ3_S",
    27: "IQ3_M",
    28: "IQ2_S",
    29: "IQ2_M",
    30: "IQ4_XS",
    31: "IQ1_M",
    32: "BF16",
    38: "MXFP4",  # MOSTLY_MXFP4_MOE
}
_FTYPE_GUESSED = 1024
# Tensor type holding most bytes -> quant name, for files without general.file_type.
_DOMINANT_TYPE = {"Q4_K": "Q4_K_M", "Q5_K": "Q5_K_M", "Q3_K": "Q3_K_M"}
# GGUF architecture -> sizer arch (llama.cpp names; Mixtral files say "llama" and carry experts).
ARCHS = {
    "llama": "llama",
    "mistral": "mistral",
    "qwen2": "qwen2",
    "qwen2moe": "qwen2moe",
    "qwen3": "qwen3",
    "qwen3moe": "qwen3moe",
    "gemma": "gemma",
    "gemma2": "gemma2",
    "gemma3": "gemma3",
    "phi2": "phi2",
    "phi3": "phi3",
    "falcon": "falcon",
    "deepseek2": "deepseek2",
    "gpt-oss": "gpt-oss",
}
_GLOBAL_EVERY = {"gemma2": 2, "gemma3": 6, "gpt-oss": 2}  # llama.cpp's fixed patterns per architecture

_MAGIC = b"GGUF"
_MIN_KV_BYTES = 8 + 4 + 1  # key length, value type, smallest value
_MIN_TENSOR_INFO_BYTES = 8 + 4 + 4 + 8  # name length, n_dims, type, offset
_MAX_KEY_BYTES = 2**16 - 1  # the GGUF spec's limit on a key; longer is corrupt
_MAX_DIMS = 8
_SCALARS = {0: "B", 1: "b", 2: "H", 3: "h", 4: "I", 5: "i", 6: "f", 7: "?", 10: "Q", 11: "q", 12: "d"}
_STRING, _ARRAY = 8, 9
_SPLIT_NAME = re.compile(r"^(?P<prefix>.+)-(?P<index>\d{5})-of-(?P<count>\d{5})$")


class _Corrupt(Exception):
    """A read past the end of the file or a value out of range."""


@dataclass(frozen=True)
class GgufArray:
    """A metadata array: its element count, and its values when short and numeric or boolean."""

    count: int
    values: tuple[Any, ...] | None


@dataclass(frozen=True)
class GgufTensor:
    name: str
    type_id: int
    n_elements: int
    n_bytes: int
    shape: tuple[int, ...]


@dataclass(frozen=True)
class GgufHeader:
    """What sizer needs of a GGUF file: metadata (scalars and array summaries) and tensor infos."""

    metadata: dict[str, Any]
    tensors: tuple[GgufTensor, ...]


class _Cursor:
    """Bounds-checked reads from a memory map; walked string and array items count against a budget."""

    def __init__(self, buf: mmap.mmap, order: str) -> None:
        self.buf, self.order, self.pos, self.size = buf, order, 0, len(buf)
        self.items_left = MAX_GGUF_ARRAY_ITEMS
        self._length = struct.Struct(order + "Q").unpack_from

    def take(self, fmt: str) -> Any:
        width = struct.calcsize(fmt)
        if self.pos + width > self.size:
            raise _Corrupt(f"header runs past the end of the file at byte {self.pos}")
        (value,) = struct.unpack_from(self.order + fmt, self.buf, self.pos)
        self.pos += width
        return value

    def skip(self, n_bytes: int) -> None:
        if n_bytes < 0 or self.pos + n_bytes > self.size:
            raise _Corrupt(f"a {n_bytes}-byte value at byte {self.pos} runs past the end of the file")
        self.pos += n_bytes

    def string(self, limit: int = MAX_GGUF_STRING_BYTES) -> str | None:
        """The next string, or None (skipped by its length) when longer than `limit` bytes."""
        length = self.take("Q")
        start = self.pos
        self.skip(length)
        if length > limit:
            return None
        return bytes(self.buf[start : self.pos]).decode("utf-8", errors="replace")

    def value(self, type_id: int) -> Any:
        if type_id in _SCALARS:
            return self.take(_SCALARS[type_id])
        if type_id == _STRING:
            return self.string()
        if type_id == _ARRAY:
            return self.array()
        raise _Corrupt(f"unknown metadata value type {type_id} at byte {self.pos}")

    def _spend(self, count: int, what: str) -> None:
        """Count `count` items walked one by one against the header's budget."""
        if count > self.items_left:
            raise _Corrupt(f"{what} bring the header past {MAX_GGUF_ARRAY_ITEMS} strings and arrays")
        self.items_left -= count

    def _skip_strings(self, count: int) -> None:
        length, buf, pos, size = self._length, self.buf, self.pos, self.size
        for _ in range(count):  # each string is its 8-byte length and its bytes
            if pos + 8 > size:
                raise _Corrupt(f"header runs past the end of the file at byte {pos}")
            pos += 8 + length(buf, pos)[0]
            if pos > size:
                raise _Corrupt(f"a string at byte {pos} runs past the end of the file")
        self.pos = pos

    def array(self) -> GgufArray:
        item_type, count = self.take("I"), self.take("Q")
        if item_type in _SCALARS:
            width = struct.calcsize(_SCALARS[item_type])
            if count * width > self.size - self.pos:
                raise _Corrupt(f"an array of {count} values runs past the end of the file")
            if count > MAX_GGUF_KEPT_VALUES:  # vocabulary scores and types: only the count matters
                self.skip(count * width)
                return GgufArray(count, None)
            values = struct.unpack_from(f"{self.order}{count}{_SCALARS[item_type]}", self.buf, self.pos)
            self.pos += count * width
            return GgufArray(count, values)
        if item_type == _STRING:
            if count * 8 > self.size - self.pos:
                raise _Corrupt(f"an array of {count} strings runs past the end of the file")
            self._spend(count, f"an array of {count} strings")
            self._skip_strings(count)
            return GgufArray(count, None)
        if item_type == _ARRAY:  # nested arrays: walk them, keep nothing
            if count * 12 > self.size - self.pos:
                raise _Corrupt(f"an array of {count} arrays runs past the end of the file")
            self._spend(count, f"an array of {count} arrays")
            for _ in range(count):
                inner_type, inner_count = self.take("I"), self.take("Q")
                if inner_type not in _SCALARS:
                    raise _Corrupt("nested arrays of strings or arrays are not supported")
                self.skip(inner_count * struct.calcsize(_SCALARS[inner_type]))
            return GgufArray(count, None)
        raise _Corrupt(f"unknown array item type {item_type}")


def _check_counts(path: Path, size: int, n_tensors: int, n_kv: int) -> None:
    """Refuse counts no file has, or that this file cannot hold, before anything is allocated."""
    if n_tensors > MAX_GGUF_TENSORS or n_kv > MAX_GGUF_KEYS:
        raise InputError(
            N_(
                "{path}: header claims {tensors} tensors and {entries} metadata entries; sizer reads at most "
                "{most_tensors} tensors and {most_entries} entries (no real model has more); corrupt GGUF"
            ),
            path=path,
            tensors=n_tensors,
            entries=n_kv,
            most_tensors=MAX_GGUF_TENSORS,
            most_entries=MAX_GGUF_KEYS,
        )
    need = 24 + n_kv * _MIN_KV_BYTES + n_tensors * _MIN_TENSOR_INFO_BYTES
    if need > size:
        raise InputError(
            N_(
                "{path}: header claims {tensors} tensors and {entries} metadata entries, more than a {size}-byte "
                "file can hold; corrupt or truncated GGUF"
            ),
            path=path,
            tensors=n_tensors,
            entries=n_kv,
            size=size,
        )


def _tensor_info(cur: _Cursor, sizes: dict[int, tuple[int, int]]) -> tuple[GgufTensor, int]:
    name = cur.string(limit=MAX_GGUF_KEY_BYTES)
    if name is None:
        raise _Corrupt(f"a tensor name longer than {MAX_GGUF_KEY_BYTES} bytes")
    shown = echo(repr(name))
    n_dims = cur.take("I")
    if n_dims > _MAX_DIMS:
        raise _Corrupt(f"tensor {shown} has {n_dims} dimensions")
    shape = tuple(cur.take("Q") for _ in range(n_dims))
    type_id, offset = cur.take("I"), cur.take("Q")
    if type_id not in sizes:
        raise _Corrupt(f"tensor {shown} has unknown type {type_id}")
    block, type_bytes = sizes[type_id]
    n = math.prod(shape)
    if shape and shape[0] % block:
        raise _Corrupt(f"tensor {shown}: row of {shape[0]} is not a whole number of {block}-value blocks")
    return GgufTensor(name, type_id, n, n // block * type_bytes, shape), offset


def read_header(path: Path) -> GgufHeader:
    """Metadata and tensor infos of a GGUF file; InputError (one line) for anything malformed."""
    from gguf.constants import GGML_QUANT_SIZES

    sizes = {int(t): s for t, s in GGML_QUANT_SIZES.items()}
    try:
        with open_regular(path, N_("GGUF file")) as (f, size):
            if size < 24:
                raise InputError(N_("{path}: {size} bytes is too short for a GGUF file"), path=path, size=size)
            head = f.read(24)
            if head[:4] != _MAGIC:
                raise InputError(N_("{path}: not a GGUF file (no GGUF magic at the start)"), path=path)
            order = "<" if struct.unpack_from("<I", head, 4)[0] & 0xFFFF else ">"
            version, n_tensors, n_kv = struct.unpack_from(order + "IQQ", head, 4)
            if version not in (2, 3):
                raise InputError(
                    N_("{path}: GGUF version {version} is not supported (2 and 3 are)"), path=path, version=version
                )
            _check_counts(path, size, n_tensors, n_kv)
            with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as buf:
                return _walk(buf, order, n_tensors, n_kv, sizes)
    except (OSError, ValueError) as exc:  # ValueError: mmap of a file that shrank to nothing
        raise InputError(
            N_("{path}: cannot read: {reason}"), path=path, reason=getattr(exc, "strerror", None) or exc
        ) from None
    except _Corrupt as exc:
        raise InputError(N_("{path}: corrupt GGUF: {detail}"), path=path, detail=str(exc)) from None


def _walk(buf: mmap.mmap, order: str, n_tensors: int, n_kv: int, sizes: dict[int, tuple[int, int]]) -> GgufHeader:
    cur = _Cursor(buf, order)
    cur.pos = 24
    metadata: dict[str, Any] = {}
    for _ in range(n_kv):
        key = cur.string(limit=_MAX_KEY_BYTES)
        if key is None:
            raise _Corrupt("a metadata key longer than 64 KiB")
        value = cur.value(cur.take("I"))
        if len(key) <= MAX_GGUF_KEY_BYTES:  # a longer key is none sizer reads: walked, not kept
            metadata[key] = value
    infos = [_tensor_info(cur, sizes) for _ in range(n_tensors)]
    alignment = metadata.get("general.alignment", 32)
    if isinstance(alignment, bool) or not isinstance(alignment, int) or alignment <= 0 or alignment & (alignment - 1):
        raise _Corrupt(f"general.alignment {echo(repr(alignment))} is not a power of two")
    data_start = -(-cur.pos // alignment) * alignment
    for tensor, offset in infos:
        end = data_start + offset + tensor.n_bytes
        if end > cur.size:
            shown = echo(repr(tensor.name))
            raise _Corrupt(f"tensor {shown} ends at byte {end}, past the end of the {cur.size}-byte file")
    claimed, data_bytes = sum(t.n_bytes for t, _ in infos), max(0, cur.size - data_start)
    if claimed > data_bytes:  # tensors may not share bytes: together they fit the data
        raise _Corrupt(f"tensors claim {claimed} bytes, more than the {data_bytes} of data")
    return GgufHeader(metadata, tuple(t for t, _ in infos))


def _split_parts(path: Path, header: GgufHeader) -> list[Path]:
    """The other files of a split GGUF (name-00001-of-00003.gguf), which hold the rest of the tensors."""
    count = header.metadata.get("split.count")
    match = _SPLIT_NAME.match(path.stem)
    if not isinstance(count, int) or count <= 1 or match is None:
        return []
    if count != int(match["count"]):
        raise InputError(
            N_("{path}: split.count {count} does not match the file name's {parts} parts"),
            path=path,
            count=count,
            parts=match["count"],
        )
    prefix = match["prefix"]
    parts = [path.with_name(f"{prefix}-{i:05d}-of-{count:05d}.gguf") for i in range(1, count + 1)]
    missing = [p.name for p in parts if not p.is_file()]
    if missing:
        raise InputError(N_("{path}: split GGUF part {part} is missing"), path=path, part=missing[0])
    return [p for p in parts if p != path]


def _number(meta: dict[str, Any], key: str) -> int | None:
    """A positive count from metadata; per-layer arrays give their largest value."""
    value = meta.get(key)
    if isinstance(value, GgufArray):
        value = max(value.values) if value.values else None
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        return None
    return value


def _quant(meta: dict[str, Any], tensors: tuple[GgufTensor, ...]) -> str | None:
    """The file's type as sizer names it: general.file_type, else the tensor type with most bytes."""
    from gguf.constants import GGMLQuantizationType

    ftype = meta.get("general.file_type")
    if isinstance(ftype, int) and not isinstance(ftype, bool):
        return FILE_TYPES.get(ftype & ~_FTYPE_GUESSED)
    by_type: dict[int, int] = {}
    for t in tensors:
        by_type[t.type_id] = by_type.get(t.type_id, 0) + t.n_bytes
    if not by_type:
        return None
    name = GGMLQuantizationType(max(by_type, key=lambda k: by_type[k])).name
    try:
        fmt = resolve_quant(_DOMINANT_TYPE.get(name, name))
    except UnknownNameError:
        return None
    return fmt.name if fmt.kind == "gguf" else None


def _sliding(meta: dict[str, Any], arch: str, gguf_arch: str) -> dict[str, Any] | None:
    size = _number(meta, f"{gguf_arch}.attention.sliding_window")
    if size is None or arch not in {"gemma2", "gemma3", "gpt-oss", "mistral"}:
        return None
    pattern = meta.get(f"{gguf_arch}.attention.sliding_window_pattern")
    if isinstance(pattern, GgufArray) and pattern.values:
        every = global_every_from_pattern([bool(v) for v in pattern.values])
        return None if every is False else {"size": size, "global_every": every}
    if isinstance(pattern, int) and not isinstance(pattern, bool) and pattern > 0:
        return {"size": size, "global_every": pattern}
    return {"size": size, "global_every": _GLOBAL_EVERY.get(arch)}


def _experts(meta: dict[str, Any], a: str, dense_width: int | None, where: str) -> dict[str, int] | None:
    count = _number(meta, f"{a}.expert_count")
    if count is None or count < 2:
        return None
    width = _number(meta, f"{a}.expert_feed_forward_length") or dense_width
    active = _number(meta, f"{a}.expert_used_count")
    if width is None or active is None:
        raise InputError(
            N_("{where}: {arch}.expert_count without expert_used_count or a feed-forward length"),
            where=where,
            arch=echo(a),
        )
    out = {"count": count, "active": active, "intermediate_size": width}
    shared_width = _number(meta, f"{a}.expert_shared_feed_forward_length")
    shared = _number(meta, f"{a}.expert_shared_count")
    if shared_width:
        out |= {"shared_count": shared or 1, "shared_intermediate_size": shared_width}
    elif shared:
        out |= {"shared_count": shared, "shared_intermediate_size": width}
    dense = _number(meta, f"{a}.leading_dense_block_count")
    if dense:
        out["dense_layers"] = dense
    return out


def _mla(meta: dict[str, Any], a: str) -> dict[str, Any] | None:
    kv_lora = _number(meta, f"{a}.attention.kv_lora_rank")
    rope = _number(meta, f"{a}.rope.dimension_count")
    # Files converted after llama.cpp's MLA rework keep the per-head sizes in the *_mla keys.
    key = _number(meta, f"{a}.attention.key_length_mla") or _number(meta, f"{a}.attention.key_length")
    value = _number(meta, f"{a}.attention.value_length_mla") or _number(meta, f"{a}.attention.value_length")
    if not (kv_lora and rope and key and value) or key <= rope:
        return None
    return {
        "kv_lora_rank": kv_lora,
        "qk_rope_head_dim": rope,
        "qk_nope_head_dim": key - rope,
        "v_head_dim": value,
        "q_lora_rank": _number(meta, f"{a}.attention.q_lora_rank"),
    }


def _vocab(meta: dict[str, Any], tensors: tuple[GgufTensor, ...], a: str) -> int | None:
    tokens = meta.get("tokenizer.ggml.tokens")
    if isinstance(tokens, GgufArray) and tokens.count > 0:
        return tokens.count
    embd = next((t for t in tensors if t.name == "token_embd.weight"), None)
    return _number(meta, f"{a}.vocab_size") or (embd.shape[-1] if embd and len(embd.shape) == 2 else None)


# A GGUF whose architecture sizer models but whose metadata lacks layers, width or heads.
_NO_LAYER_SIZES = N_(
    "{where}: metadata lacks the layer sizes; using a llama-like layout sized to its {params:.2f} B parameters"
)


def _layout(
    meta: dict[str, Any], tensors: tuple[GgufTensor, ...], where: str, warnings: list[str | Message]
) -> dict[str, Any]:
    gguf_arch = str(meta.get("general.architecture") or "")
    a = gguf_arch
    names = {t.name for t in tensors}
    tie = "output.weight" not in names
    params = sum(t.n_elements for t in tensors)
    layers = _number(meta, f"{a}.block_count")
    if layers is not None and layers > MAX_LAYERS:  # checked before the layout loops over layers
        raise InputError(
            N_("{where}: {arch}.block_count is {layers}, more than the {most} layers sizer accepts"),
            where=where,
            arch=echo(a),
            layers=layers,
            most=MAX_LAYERS,
        )
    hidden = _number(meta, f"{a}.embedding_length")
    heads = _number(meta, f"{a}.attention.head_count")
    dense_width = _number(meta, f"{a}.feed_forward_length")
    arch = ARCHS.get(gguf_arch)
    if arch is None or not (layers and hidden and heads):
        template = LLAMA_LIKE_BY_PARAMS if arch is None else _NO_LAYER_SIZES
        warnings.append(Message(template, where=where, arch=echo(repr(gguf_arch)), params=params / 1e9))
        return llama_like(
            params,
            where,
            hidden=hidden,
            layers=layers,
            heads=heads,
            kv_heads=_number(meta, f"{a}.attention.head_count_kv"),
            vocab=_vocab(meta, tensors, a),
            intermediate=dense_width,
            max_context=_number(meta, f"{a}.context_length"),
            tie=tie,
        )
    experts = _experts(meta, a, dense_width, where)
    mla = _mla(meta, a) if arch == "deepseek2" else None
    if experts and arch == "llama":
        arch = "mixtral"
    intermediate = dense_width or (experts["intermediate_size"] if experts else 4 * hidden)
    if experts and not experts.get("dense_layers"):
        intermediate = experts["intermediate_size"]
    vocab = _vocab(meta, tensors, a)
    if vocab is None:
        raise InputError(N_("{where}: no vocabulary size (tokenizer.ggml.tokens or token_embd.weight)"), where=where)
    head_dim = _number(meta, f"{a}.attention.key_length") or max(1, hidden // heads)
    return {
        "arch": arch,
        "layers": layers,
        "hidden_size": hidden,
        "intermediate_size": intermediate,
        "attention_heads": heads,
        "kv_heads": heads if mla else (_number(meta, f"{a}.attention.head_count_kv") or heads),
        "head_dim": mla["qk_nope_head_dim"] + mla["qk_rope_head_dim"] if mla else head_dim,
        "vocab_size": vocab,
        "max_context": _number(meta, f"{a}.context_length") or 2048,
        "tie_embeddings": tie,
        "ffn_gated": arch not in UNGATED_ARCHS,
        "experts": experts,
        "sliding_window": _sliding(meta, arch, a),
        "mla": mla,
    }


def identity(path: Path) -> Identity:
    """id and name of a GGUF file: its file name (split suffix dropped), slugged for the id."""
    stem = path.stem
    match = _SPLIT_NAME.match(stem)
    stem = match["prefix"] if match else stem
    return Identity(id=slug(stem) or "gguf-model", name=path.name, source=str(path))


def read_gguf(path: Path) -> Built:
    """The ModelSpec of a GGUF file, with file_weights = its type and exact tensor bytes."""
    path = path.resolve()
    header = read_header(path)
    tensors = header.tensors
    for part in _split_parts(path, header):
        tensors += read_header(part).tensors
        if len(tensors) > MAX_GGUF_TENSORS:
            raise InputError(
                N_("{path}: the split parts hold more than {most} tensors; corrupt GGUF"),
                path=path,
                most=MAX_GGUF_TENSORS,
            )
    if not tensors:  # a vocabulary-only or empty file: there is no model to size
        raise InputError(N_("{path}: GGUF file has no tensors; not a model (a vocabulary-only file?)"), path=path)
    where = str(path)
    warnings: list[str | Message] = []
    fields = _layout(header.metadata, tensors, where, warnings)
    quant = _quant(header.metadata, tensors)
    total_bytes = sum(t.n_bytes for t in tensors)
    file_weights = None
    if quant is None:
        warnings.append(
            Message(
                N_("{where}: file type not known to sizer; weights are sized at --quant from the layout"), where=where
            )
        )
    elif total_bytes > 0:
        file_weights = FileWeights(quant=quant, total_bytes=total_bytes, source=where)
    params = sum(t.n_elements for t in tensors) or None
    return finish(fields, identity(path), params, where, warnings, file_weights)
