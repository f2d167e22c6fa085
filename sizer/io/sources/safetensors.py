"""safetensors headers: parameter count per dtype, read from the header alone (never the tensors).

Format (huggingface/safetensors): 8-byte little-endian header length N, then N bytes of JSON
{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {str: str}}, then the data.
Every number is checked against the file size before it is trusted.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sizer.bounds import MAX_INDEX_JSON_BYTES, MAX_SAFETENSORS_HEADER_BYTES, echo
from sizer.errors import N_, InputError
from sizer.io.files import open_regular
from sizer.io.sources._json import parse_json, read_json_file
from sizer.io.sources.hf_config import DTYPE_BYTES

MAX_HEADER_BYTES = MAX_SAFETENSORS_HEADER_BYTES  # real headers are at most a few MiB; larger refused unread
_MAX_DIMS = 8  # torch tensors have at most a handful; GGUF allows 4 (ggml), the reader here 8


@dataclass(frozen=True)
class TensorCounts:
    """Parameters per dtype and tensor names, summed over one or more safetensors files."""

    params_by_dtype: dict[str, int] = field(default_factory=dict)
    tensor_names: frozenset[str] = frozenset()

    def __add__(self, other: TensorCounts) -> TensorCounts:
        merged = dict(self.params_by_dtype)
        for dtype, n in other.params_by_dtype.items():
            merged[dtype] = merged.get(dtype, 0) + n
        return TensorCounts(merged, self.tensor_names | other.tensor_names)


def read_header(path: Path) -> tuple[dict[str, Any], int]:
    """The JSON header of a safetensors file and the size of its data section, both checked."""
    try:
        with open_regular(path, N_("safetensors file")) as (f, size):
            if size < 8:
                raise InputError(
                    N_("{path}: {size} bytes is too short for a safetensors file (needs an 8-byte header length)"),
                    path=path,
                    size=size,
                )
            (length,) = struct.unpack("<Q", f.read(8))
            if length > size - 8:
                raise InputError(
                    N_("{path}: header length {length} is larger than the file ({size} bytes); truncated?"),
                    path=path,
                    length=length,
                    size=size,
                )
            if length > MAX_HEADER_BYTES:
                raise InputError(
                    N_("{path}: header length {length} exceeds the {most}-byte limit"),
                    path=path,
                    length=length,
                    most=MAX_HEADER_BYTES,
                )
            raw = f.read(length)
            if len(raw) < length:  # it shrank after the size was read
                raise InputError(N_("{path}: header of {length} bytes is truncated"), path=path, length=length)
    except OSError as exc:
        raise InputError(N_("{path}: cannot read: {reason}"), path=path, reason=exc.strerror or exc) from None
    header = parse_json(raw, str(path), "safetensors header")
    if not isinstance(header, dict):
        raise InputError(N_("{path}: safetensors header is not a JSON object"), path=path)
    return header, size - 8 - length


def _shape_elements(name: str, info: dict[str, Any], path: Path) -> int:
    shape = info.get("shape")
    if not isinstance(shape, list) or not all(isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in shape):
        raise InputError(
            N_("{path}: tensor {name}: shape must be a list of non-negative integers"), path=path, name=echo(repr(name))
        )
    if len(shape) > _MAX_DIMS:  # before the product: a long list of large sizes is slow to multiply
        raise InputError(
            N_("{path}: tensor {name}: {dims} dimensions; at most {most}"),
            path=path,
            name=echo(repr(name)),
            dims=len(shape),
            most=_MAX_DIMS,
        )
    return math.prod(shape)


def count_tensors(path: Path) -> TensorCounts:
    """Parameter count per dtype of one safetensors file, from its header."""
    header, data_bytes = read_header(path)
    params: dict[str, int] = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        shown = echo(repr(name))
        if not isinstance(info, dict) or not isinstance(info.get("dtype"), str):
            raise InputError(N_("{path}: tensor {name}: expected an object with a dtype"), path=path, name=shown)
        dtype = info["dtype"]
        n = _shape_elements(name, info, path)
        offsets = info.get("data_offsets")
        if not (
            isinstance(offsets, list)
            and len(offsets) == 2
            and all(isinstance(o, int) and not isinstance(o, bool) for o in offsets)
            and 0 <= offsets[0] <= offsets[1]
        ):
            raise InputError(
                N_("{path}: tensor {name}: data_offsets must be [begin, end] with 0 <= begin <= end"),
                path=path,
                name=shown,
            )
        if offsets[1] > data_bytes:
            raise InputError(
                N_("{path}: tensor {name} ends at byte {end} of the data, which has {data_bytes}; truncated file"),
                path=path,
                name=shown,
                end=offsets[1],
                data_bytes=data_bytes,
            )
        stored = offsets[1] - offsets[0]
        width = DTYPE_BYTES.get(dtype)
        if (width is not None and n * width != stored) or n > 8 * stored:
            raise InputError(
                N_("{path}: tensor {name}: shape {shape} {dtype} does not match its {stored} bytes"),
                path=path,
                name=shown,
                shape=echo(info["shape"]),
                dtype=echo(dtype),
                stored=stored,
            )
        params[dtype] = params.get(dtype, 0) + n
    return TensorCounts(params, frozenset(k for k in header if k != "__metadata__"))


def _is_file(path: Path, index: Path) -> bool:
    """Whether the index's file is there; a name the file system cannot hold (too long) is bad input."""
    try:
        return path.is_file()
    except OSError as exc:
        raise InputError(
            N_("{index}: names a file that cannot be opened: {reason}"), index=index, reason=exc.strerror or exc
        ) from None


def weight_files(directory: Path) -> list[Path]:
    """The safetensors files of a model directory: the index's shards, else every *.safetensors.

    Mistral repos ship both consolidated.safetensors and the transformers shards; the shards win.
    """
    index = directory / "model.safetensors.index.json"
    if index.is_file():
        data = read_json_file(index, MAX_INDEX_JSON_BYTES, "safetensors index")
        weight_map = data.get("weight_map") if isinstance(data, dict) else None
        if not isinstance(weight_map, dict) or not all(isinstance(v, str) for v in weight_map.values()):
            raise InputError(N_("{index}: expected a weight_map of tensor name -> file name"), index=index)
        names = sorted(set(weight_map.values()))
        if any(Path(n).name != n for n in names):
            raise InputError(N_("{index}: weight_map names files outside the directory"), index=index)
        missing = [n for n in names if not _is_file(directory / n, index)]
        if missing:
            raise InputError(
                N_("{index}: lists {name}, which is not in {directory}"),
                index=index,
                name=echo(repr(missing[0])),
                directory=directory,
            )
        return [directory / n for n in names]
    files = sorted(p for p in directory.glob("*.safetensors") if p.is_file())
    shards = [p for p in files if not p.name.startswith("consolidated")]
    return shards or files


def count_files(paths: Iterable[Path]) -> TensorCounts:
    """Parameters per dtype over several safetensors files."""
    total = TensorCounts()
    for p in paths:
        total = total + count_tensors(p)
    return total
