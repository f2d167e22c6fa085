"""GGUF files written with gguf.GGUFWriter: metadata -> layout, exact tensor bytes, hostile files."""

from __future__ import annotations

import struct
import time

import numpy as np
import pytest

from sizer.core.memory import kv_cache_bytes, weights
from sizer.core.quant import resolve_quant
from sizer.errors import InputError
from sizer.io.sources.gguf import FILE_TYPES, read_gguf, read_header
from tests.sources.files import tiny_llama_gguf, write_gguf


def test_file_type_table_matches_the_gguf_package():
    from gguf.constants import LlamaFileType

    names = {ft.value: ft.name.removeprefix("MOSTLY_").removeprefix("ALL_") for ft in LlamaFileType}
    for number, quant in FILE_TYPES.items():
        assert names[number] in {quant, f"{quant}_MOE"}, (number, quant)
        assert resolve_quant(quant).name == quant


def test_header_agrees_with_gguf_reader(tmp_path):
    from gguf import GGUFReader

    path = tiny_llama_gguf(tmp_path / "tiny.gguf")
    header = read_header(path)
    reader = GGUFReader(path)
    assert [(t.name, t.type_id, t.n_elements, t.n_bytes) for t in header.tensors] == [
        (t.name, int(t.tensor_type), int(t.n_elements), int(t.n_bytes)) for t in reader.tensors
    ]
    assert header.metadata["llama.block_count"] == reader.fields["llama.block_count"].contents() == 2
    assert header.metadata["general.architecture"] == "llama"
    assert header.metadata["tokenizer.ggml.tokens"].count == len(reader.fields["tokenizer.ggml.tokens"].data)


def test_llama_gguf_gives_layout_and_exact_bytes(tmp_path):
    path = tiny_llama_gguf(tmp_path / "Tiny-Llama-Q8_0.gguf", file_type=7)
    built = read_gguf(path)
    spec = built.spec
    assert built.warnings == ()
    assert (spec.id, spec.name, spec.arch) == ("tiny-llama-q8-0", "Tiny-Llama-Q8_0.gguf", "llama")
    assert (spec.layers, spec.hidden_size, spec.intermediate_size) == (2, 64, 128)
    assert (spec.attention_heads, spec.kv_heads, spec.head_dim, spec.vocab_size) == (4, 2, 16, 256)
    assert (spec.max_context, spec.tie_embeddings, spec.ffn_gated) == (4096, False, True)
    from gguf import GGUFReader

    exact = sum(int(t.n_bytes) for t in GGUFReader(path).tensors)
    assert spec.file_weights.model_dump() == {"quant": "Q8_0", "total_bytes": exact, "source": str(path.resolve())}
    assert weights(spec, resolve_quant("Q8_0")).total_bytes == exact
    assert spec.params_total == sum(int(t.n_elements) for t in GGUFReader(path).tensors)


@pytest.mark.parametrize(("file_type", "quant"), [(15, "Q4_K_M"), (38, "MXFP4"), (32, "BF16"), (1024 + 18, "Q6_K")])
def test_file_type_names_the_quant(tmp_path, file_type, quant):
    spec = read_gguf(tiny_llama_gguf(tmp_path / "m.gguf", file_type=file_type)).spec
    assert spec.file_weights.quant == quant


def test_without_file_type_the_dominant_tensor_type_decides(tmp_path):
    spec = read_gguf(tiny_llama_gguf(tmp_path / "m.gguf", file_type=None)).spec
    assert spec.file_weights.quant == "Q8_0"


def test_unknown_file_type_sizes_at_the_quant_with_a_warning(tmp_path):
    built = read_gguf(tiny_llama_gguf(tmp_path / "m.gguf", file_type=36))  # TQ1_0
    assert built.spec.file_weights is None
    assert "file type not known" in str(built.warnings[0])


def test_tied_output_when_the_file_has_no_output_tensor(tmp_path):
    spec = read_gguf(tiny_llama_gguf(tmp_path / "m.gguf")).spec
    assert spec.tie_embeddings is False
    h = 64
    tensors = {"token_embd.weight": np.zeros((256, h), np.float16), "blk.0.attn_q.weight": np.zeros((h, h), np.float16)}
    meta = {"block_count": 1, "embedding_length": h, "feed_forward_length": 128, "attention.head_count": 4}
    tied = read_gguf(write_gguf(tmp_path / "t.gguf", "qwen2", meta | {"general.file_type": 1}, tensors)).spec
    assert tied.tie_embeddings is True and tied.arch == "qwen2" and tied.kv_heads == 4


def _meta_only(tmp_path, arch, meta, name="m.gguf"):
    """A GGUF with real metadata and one small tensor (the layout comes from the metadata)."""
    tensors = {"token_embd.weight": np.zeros((64, 32), np.float16)}
    return read_gguf(write_gguf(tmp_path / name, arch, {"general.file_type": 1, **meta}, tensors, tokens=1000)).spec


def test_qwen3moe_metadata(tmp_path):
    meta = {"block_count": 48, "context_length": 40960, "embedding_length": 2048, "feed_forward_length": 6144}
    meta |= {"attention.head_count": 32, "attention.head_count_kv": 4, "attention.key_length": 128}
    meta |= {"expert_count": 128, "expert_used_count": 8, "expert_feed_forward_length": 768}
    spec = _meta_only(tmp_path, "qwen3moe", meta)
    assert spec.arch == "qwen3moe" and spec.head_dim == 128 and spec.vocab_size == 1000
    assert spec.experts.model_dump() == {
        "count": 128,
        "active": 8,
        "intermediate_size": 768,
        "shared_count": 0,
        "shared_intermediate_size": 0,
        "dense_layers": 0,
    }
    assert spec.intermediate_size == 768


def test_mixtral_is_a_llama_gguf_with_experts(tmp_path):
    meta = {"block_count": 32, "embedding_length": 4096, "feed_forward_length": 14336, "attention.head_count": 32}
    meta |= {"attention.head_count_kv": 8, "expert_count": 8, "expert_used_count": 2}
    spec = _meta_only(tmp_path, "llama", meta)
    assert spec.arch == "mixtral" and spec.experts.intermediate_size == 14336 and spec.experts.active == 2


def test_deepseek2_mla_metadata(tmp_path):
    meta = {"block_count": 61, "embedding_length": 7168, "feed_forward_length": 18432, "attention.head_count": 128}
    meta |= {"attention.head_count_kv": 128, "attention.kv_lora_rank": 512, "attention.q_lora_rank": 1536}
    meta |= {"rope.dimension_count": 64, "attention.key_length": 192, "attention.value_length": 128}
    meta |= {"expert_count": 256, "expert_used_count": 8, "expert_feed_forward_length": 2048}
    meta |= {"expert_shared_count": 1, "leading_dense_block_count": 3, "context_length": 163840}
    spec = _meta_only(tmp_path, "deepseek2", meta)
    assert spec.mla.model_dump() == {
        "kv_lora_rank": 512,
        "qk_rope_head_dim": 64,
        "qk_nope_head_dim": 128,
        "v_head_dim": 128,
        "q_lora_rank": 1536,
    }
    assert (spec.experts.shared_count, spec.experts.dense_layers, spec.intermediate_size) == (1, 3, 18432)
    # Files converted after llama.cpp's MLA rework carry the per-head sizes in *_mla keys.
    newer = meta | {"attention.key_length": 576, "attention.value_length": 512}
    newer |= {"attention.key_length_mla": 192, "attention.value_length_mla": 128}
    assert _meta_only(tmp_path, "deepseek2", newer, "n.gguf").mla == spec.mla
    assert kv_cache_bytes(spec, 1000) == 61 * 1000 * 576 * 2


@pytest.mark.parametrize(("arch", "window", "every"), [("gemma2", 4096, 2), ("gemma3", 1024, 6), ("gpt-oss", 128, 2)])
def test_sliding_window_architectures(tmp_path, arch, window, every):
    meta = {"block_count": 12, "embedding_length": 256, "feed_forward_length": 512, "attention.head_count": 4}
    meta |= {"attention.head_count_kv": 2, "attention.key_length": 64, "attention.sliding_window": window}
    if arch == "gpt-oss":
        meta |= {"expert_count": 32, "expert_used_count": 4, "expert_feed_forward_length": 512}
    spec = _meta_only(tmp_path, arch, meta)
    assert spec.sliding_window.model_dump() == {"size": window, "global_every": every}
    assert spec.arch == arch


def test_unknown_architecture_falls_back_with_a_warning(tmp_path):
    meta = {"block_count": 2, "embedding_length": 64, "attention.head_count": 4}
    built = read_gguf(write_gguf(tmp_path / "m.gguf", "rwkv7", meta, {"w": np.zeros((64, 64), np.float16)}))
    assert built.spec.arch == "llama" and built.spec.layers == 2
    assert "'rwkv7' is not modelled" in str(built.warnings[0])


def test_split_gguf_sums_all_parts(tmp_path):
    t = {"token_embd.weight": np.zeros((256, 64), np.float16)}
    meta = {"block_count": 1, "embedding_length": 64, "feed_forward_length": 128, "attention.head_count": 4}
    first = write_gguf(tmp_path / "big-00001-of-00002.gguf", "llama", meta | {"split.count": 2}, t)
    write_gguf(tmp_path / "big-00002-of-00002.gguf", "llama", {"split.count": 2}, {"blk.0.w": np.zeros(64, np.float16)})
    spec = read_gguf(first).spec
    assert spec.id == "big" and spec.params_total == 256 * 64 + 64
    (tmp_path / "big-00002-of-00002.gguf").unlink()
    with pytest.raises(InputError, match=r"part big-00002-of-00002\.gguf is missing"):
        read_gguf(first)


def _hostile(tmp_path, name):
    path = tmp_path / f"{name}.gguf"
    good = tiny_llama_gguf(tmp_path / "good.gguf").read_bytes()
    data = {
        "empty": b"",
        "magic": b"GGML" + good[4:],
        "version": good[:4] + struct.pack("<I", 7) + good[8:],
        "tensor_count": good[:8] + struct.pack("<Q", 2**60) + good[16:],
        "kv_count": good[:16] + struct.pack("<Q", 10**12) + good[24:],
        "truncated": good[: len(good) // 2],
        "header_only": good[:40],
        "string_length": good[:24] + struct.pack("<Q", 2**62) + good[32:],
    }[name]
    path.write_bytes(data)
    return path


HOSTILE = {
    "empty": "too short",
    "magic": "not a GGUF file",
    "version": "version 7",
    "tensor_count": "claims 1152921504606846976 tensors",
    "kv_count": "1000000000000 metadata entries",
    "truncated": "past the end",
    "header_only": "truncated GGUF",
    "string_length": "past the end",
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_gguf_ends_in_one_line_fast(tmp_path, name):
    path = _hostile(tmp_path, name)
    start = time.perf_counter()
    with pytest.raises(InputError, match=HOSTILE[name]) as info:
        read_gguf(path)
    assert time.perf_counter() - start < 1.0
    assert "\n" not in str(info.value) and str(path) in str(info.value)


def test_large_vocabulary_reads_fast(tmp_path):
    path = tiny_llama_gguf(tmp_path / "m.gguf")
    big = write_gguf(
        tmp_path / "big.gguf", "llama", {"block_count": 1}, {"w": np.zeros(32, np.float32)}, tokens=200_000
    )
    start = time.perf_counter()
    header = read_header(big)
    assert time.perf_counter() - start < 1.0
    assert header.metadata["tokenizer.ggml.tokens"].count == 200_000
    assert read_gguf(path).spec.vocab_size == 256
