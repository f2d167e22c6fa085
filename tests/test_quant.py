"""Quantization formats and llama.cpp's per-tensor rules."""

from __future__ import annotations

import pytest

from sizer.core.quant import GGML_BITS, TensorTraits, all_formats, resolve_quant, tensor_type
from sizer.errors import UnknownNameError

LLAMA_8B_TRAITS = TensorTraits(n_layers=32, n_gqa=4, n_expert=0, is_70b_llama=False, tied_output=False)


@pytest.mark.parametrize(
    ("ggml_type", "block_bytes", "block_weights"),
    [
        ("Q4_0", 18, 32),
        ("Q8_0", 34, 32),
        ("Q4_K", 144, 256),
        ("Q6_K", 210, 256),
        ("Q2_K", 84, 256),
        ("IQ4_XS", 136, 256),
        ("MXFP4", 17, 32),
    ],
)
def test_bits_per_weight_follow_the_block_layout(ggml_type, block_bytes, block_weights):
    assert GGML_BITS[ggml_type] == 8 * block_bytes / block_weights


@pytest.mark.parametrize(
    ("name", "canonical"),
    [("q4_k_m", "Q4_K_M"), ("fp16", "F16"), ("bfloat16", "BF16"), ("awq", "AWQ"), ("int4", "AWQ"), ("Q8_0", "Q8_0")],
)
def test_names_resolve_case_insensitively_and_by_synonym(name, canonical):
    assert resolve_quant(name).name == canonical


def test_unknown_quant_suggests_close_names():
    with pytest.raises(UnknownNameError, match="did you mean") as info:
        resolve_quant("Q4_K_X")
    assert "Q4_K_M" in info.value.suggestions


def test_q4_k_m_gives_half_the_attn_v_and_ffn_down_layers_q6_k():
    fmt = resolve_quant("Q4_K_M")
    for role in ("attn_v", "ffn_down"):
        types = [tensor_type(fmt, role, i, 4096, LLAMA_8B_TRAITS) for i in range(32)]
        assert types.count("Q6_K") == 16
        assert types.count("Q4_K") == 16
    assert tensor_type(fmt, "attn_q", 5, 4096, LLAMA_8B_TRAITS) == "Q4_K"
    assert tensor_type(fmt, "output", -1, 4096, LLAMA_8B_TRAITS) == "Q6_K"


def test_tied_embedding_is_quantized_like_the_output_head():
    tied = TensorTraits(n_layers=28, n_gqa=6, n_expert=0, is_70b_llama=False, tied_output=True)
    assert tensor_type(resolve_quant("Q4_K_M"), "token_embd", -1, 3584, tied) == "Q6_K"


def test_k_quants_fall_back_for_rows_not_divisible_by_256():
    assert tensor_type(resolve_quant("Q4_K_S"), "attn_q", 10, 2880, LLAMA_8B_TRAITS) == "Q5_0"


def test_eight_expert_models_keep_attn_v_at_q8_0():
    moe = TensorTraits(n_layers=32, n_gqa=4, n_expert=8, is_70b_llama=False, tied_output=False)
    assert tensor_type(resolve_quant("Q4_K_M"), "attn_v", 3, 4096, moe) == "Q8_0"


def test_engine_formats_keep_embeddings_at_16_bit():
    awq = resolve_quant("AWQ")
    assert tensor_type(awq, "token_embd", -1, 4096, LLAMA_8B_TRAITS) == "F16"
    assert tensor_type(awq, "ffn_up", 0, 4096, LLAMA_8B_TRAITS) == "AWQ4"


def test_router_stays_f32():
    assert tensor_type(resolve_quant("Q2_K"), "router", 0, 4096, LLAMA_8B_TRAITS) == "F32"


def test_every_format_has_known_bits():
    for fmt in all_formats():
        assert fmt.bits_per_weight == GGML_BITS[fmt.base_type] > 1
