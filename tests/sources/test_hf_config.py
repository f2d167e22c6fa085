"""config.json -> ModelSpec: real configs reproduce the catalog's layout, memory and KV cache."""

from __future__ import annotations

import pytest

from sizer.core.memory import kv_cache_bytes, weights
from sizer.core.quant import resolve_quant
from sizer.errors import InputError
from sizer.io.loaders import load_shipped_catalog
from sizer.io.sources.hf_config import Identity, file_weights_from_dtypes, spec_from_config

IDENT = Identity(id="x", name="x", source="test")

# config.json as published (keys the class defaults cover are left out, as in the real files).
CONFIGS = {
    "llama-3.1-8b": {
        "model_type": "llama",
        "hidden_size": 4096,
        "intermediate_size": 14336,
        "max_position_embeddings": 131072,
        "num_attention_heads": 32,
        "num_hidden_layers": 32,
        "num_key_value_heads": 8,
        "rope_scaling": {"factor": 8.0, "rope_type": "llama3"},
        "tie_word_embeddings": False,
        "vocab_size": 128256,
    },
    "mistral-7b-v0.1": {
        "model_type": "mistral",
        "hidden_size": 4096,
        "intermediate_size": 14336,
        "max_position_embeddings": 32768,
        "num_attention_heads": 32,
        "num_hidden_layers": 32,
        "num_key_value_heads": 8,
        "sliding_window": 4096,
        "tie_word_embeddings": False,
        "vocab_size": 32000,
    },
    "mixtral-8x7b": {
        "model_type": "mixtral",
        "hidden_size": 4096,
        "intermediate_size": 14336,
        "max_position_embeddings": 32768,
        "num_attention_heads": 32,
        "num_experts_per_tok": 2,
        "num_hidden_layers": 32,
        "num_key_value_heads": 8,
        "num_local_experts": 8,
        "sliding_window": None,
        "tie_word_embeddings": False,
        "vocab_size": 32000,
    },
    "qwen2.5-7b": {
        "model_type": "qwen2",
        "hidden_size": 3584,
        "intermediate_size": 18944,
        "max_position_embeddings": 32768,
        "max_window_layers": 28,
        "num_attention_heads": 28,
        "num_hidden_layers": 28,
        "num_key_value_heads": 4,
        "sliding_window": 131072,
        "tie_word_embeddings": False,
        "use_sliding_window": False,
        "vocab_size": 152064,
    },
    "qwen3-8b": {
        "model_type": "qwen3",
        "head_dim": 128,
        "hidden_size": 4096,
        "intermediate_size": 12288,
        "max_position_embeddings": 40960,
        "num_attention_heads": 32,
        "num_hidden_layers": 36,
        "num_key_value_heads": 8,
        "tie_word_embeddings": False,
        "use_sliding_window": False,
        "vocab_size": 151936,
    },
    "qwen3-30b-a3b": {
        "model_type": "qwen3_moe",
        "decoder_sparse_step": 1,
        "head_dim": 128,
        "hidden_size": 2048,
        "intermediate_size": 6144,
        "max_position_embeddings": 40960,
        "mlp_only_layers": [],
        "moe_intermediate_size": 768,
        "num_attention_heads": 32,
        "num_experts": 128,
        "num_experts_per_tok": 8,
        "num_hidden_layers": 48,
        "num_key_value_heads": 4,
        "tie_word_embeddings": False,
        "use_sliding_window": False,
        "vocab_size": 151936,
    },
    "gemma-2-9b": {
        "model_type": "gemma2",
        "head_dim": 256,
        "hidden_size": 3584,
        "intermediate_size": 14336,
        "max_position_embeddings": 8192,
        "num_attention_heads": 16,
        "num_hidden_layers": 42,
        "num_key_value_heads": 8,
        "sliding_window": 4096,
        "vocab_size": 256000,
    },
    "gemma-3-4b": {  # multimodal checkpoint: the text config leaves heads, head_dim and vocab to the defaults
        "architectures": ["Gemma3ForConditionalGeneration"],
        "model_type": "gemma3",
        "text_config": {
            "hidden_size": 2560,
            "intermediate_size": 10240,
            "model_type": "gemma3_text",
            "num_hidden_layers": 34,
            "rope_scaling": {"factor": 8.0, "rope_type": "linear"},
            "sliding_window": 1024,
        },
        "vision_config": {"hidden_size": 1152, "model_type": "siglip_vision_model"},
    },
    "phi-3-mini": {
        "model_type": "phi3",
        "hidden_size": 3072,
        "intermediate_size": 8192,
        "max_position_embeddings": 4096,
        "num_attention_heads": 32,
        "num_hidden_layers": 32,
        "num_key_value_heads": 32,
        "sliding_window": 2047,
        "tie_word_embeddings": False,
        "vocab_size": 32064,
    },
    "phi-2": {
        "model_type": "phi",
        "hidden_size": 2560,
        "intermediate_size": 10240,
        "max_position_embeddings": 2048,
        "num_attention_heads": 32,
        "num_hidden_layers": 32,
        "num_key_value_heads": None,
        "tie_word_embeddings": False,
        "vocab_size": 51200,
    },
    "falcon-7b": {
        "model_type": "falcon",
        "hidden_size": 4544,
        "multi_query": True,
        "new_decoder_architecture": False,
        "num_attention_heads": 71,
        "num_hidden_layers": 32,
        "parallel_attn": True,
        "tie_word_embeddings": False,
        "vocab_size": 65024,
    },
    "deepseek-v3": {
        "model_type": "deepseek_v3",
        "first_k_dense_replace": 3,
        "hidden_size": 7168,
        "intermediate_size": 18432,
        "kv_lora_rank": 512,
        "max_position_embeddings": 163840,
        "moe_intermediate_size": 2048,
        "moe_layer_freq": 1,
        "n_routed_experts": 256,
        "n_shared_experts": 1,
        "num_attention_heads": 128,
        "num_experts_per_tok": 8,
        "num_hidden_layers": 61,
        "num_key_value_heads": 128,
        "q_lora_rank": 1536,
        "qk_nope_head_dim": 128,
        "qk_rope_head_dim": 64,
        "quantization_config": {"fmt": "e4m3", "quant_method": "fp8", "weight_block_size": [128, 128]},
        "tie_word_embeddings": False,
        "v_head_dim": 128,
        "vocab_size": 129280,
    },
    "gpt-oss-20b": {
        "model_type": "gpt_oss",
        "experts_per_token": 4,
        "head_dim": 64,
        "hidden_size": 2880,
        "intermediate_size": 2880,
        "layer_types": ["sliding_attention", "full_attention"] * 12,
        "max_position_embeddings": 131072,
        "num_attention_heads": 64,
        "num_experts_per_tok": 4,
        "num_hidden_layers": 24,
        "num_key_value_heads": 8,
        "num_local_experts": 32,
        "quantization_config": {"quant_method": "mxfp4", "modules_to_not_convert": ["model.layers.*.self_attn"]},
        "sliding_window": 128,
        "tie_word_embeddings": False,
        "vocab_size": 201088,
    },
}
LAYOUT = ("arch", "layers", "hidden_size", "attention_heads", "kv_heads", "head_dim", "max_context")
LAYOUT += ("tie_embeddings", "ffn_gated", "experts", "sliding_window", "mla")


@pytest.mark.parametrize("model_id", sorted(CONFIGS))
def test_config_reproduces_the_catalog_entry(model_id):
    shipped = load_shipped_catalog().model(model_id)
    spec = spec_from_config(CONFIGS[model_id], IDENT).spec
    for field in LAYOUT:
        assert getattr(spec, field) == getattr(shipped, field), field
    assert spec.vocab_size == pytest.approx(shipped.vocab_size, rel=0.001)  # Gemma 3 pads 262144 -> 262208
    q4 = resolve_quant("Q4_K_M")
    assert weights(spec, q4).total_bytes == pytest.approx(weights(shipped, q4).total_bytes, rel=0.002)
    assert kv_cache_bytes(spec, 8192) == kv_cache_bytes(shipped, 8192)
    # Without safetensors counts the parameters come from the layout (biases and sinks left out).
    assert spec.params_total == pytest.approx(shipped.params_total, rel=0.01)
    assert spec.file_weights is None


def test_moe_active_parameters_follow_the_routed_share():
    spec = spec_from_config(CONFIGS["qwen3-30b-a3b"], IDENT).spec
    assert spec.params_active == pytest.approx(3.35e9, rel=0.02)
    deepseek = spec_from_config(CONFIGS["deepseek-v3"], IDENT).spec
    assert deepseek.params_active == pytest.approx(37e9, rel=0.03)


def test_qwen2_moe_shared_expert():
    cfg = {
        "model_type": "qwen2_moe",
        "hidden_size": 3584,
        "intermediate_size": 18944,
        "moe_intermediate_size": 2560,
        "shared_expert_intermediate_size": 20480,
        "num_experts": 64,
        "num_experts_per_tok": 8,
        "num_attention_heads": 28,
        "num_key_value_heads": 4,
        "num_hidden_layers": 28,
        "vocab_size": 151936,
        "max_position_embeddings": 32768,
        "tie_word_embeddings": False,
    }
    spec = spec_from_config(cfg, IDENT).spec
    assert spec.arch == "qwen2moe"
    assert spec.experts.model_dump() == {
        "count": 64,
        "active": 8,
        "intermediate_size": 2560,
        "shared_count": 1,
        "shared_intermediate_size": 20480,
        "dense_layers": 0,
    }
    assert spec.params_total == pytest.approx(57.4e9, rel=0.01)  # Qwen2-57B-A14B
    assert spec.params_active == pytest.approx(14.2e9, rel=0.03)


def test_gemma3_pattern_and_layer_types():
    cfg = {**CONFIGS["gemma-3-4b"]["text_config"], "sliding_window_pattern": 4}
    assert spec_from_config(cfg, IDENT).spec.sliding_window.global_every == 4
    cfg["layer_types"] = ["sliding_attention"] * 5 + ["full_attention"]
    assert spec_from_config(cfg, IDENT).spec.sliding_window.global_every == 6


def test_counted_parameters_and_file_weights():
    counts = {"BF16": 8_000_000_000, "F32": 30_000_000}
    spec = spec_from_config(CONFIGS["llama-3.1-8b"], IDENT, counts).spec
    assert spec.params_total == 8_030_000_000
    assert spec.file_weights.quant == "BF16"
    assert spec.file_weights.total_bytes == 2 * 8_000_000_000 + 4 * 30_000_000


def test_packed_quantized_checkpoint_is_sized_from_the_layout_with_a_warning():
    counts = {"I32": 900_000_000, "F16": 600_000_000}  # GPTQ: int32-packed weights dominate the bytes
    built = spec_from_config(CONFIGS["llama-3.1-8b"], IDENT, counts)
    assert built.spec.params_total == pytest.approx(8.03e9, rel=0.01)
    assert built.spec.file_weights is None
    assert len(built.warnings) == 1 and "quantized" in str(built.warnings[0])


@pytest.mark.parametrize(
    ("counts", "quant"),
    [({"F16": 10}, "F16"), ({"F32": 10, "BF16": 15}, "F32"), ({"BF16": 10, "U8": 5}, "BF16"), ({"F8_E4M3": 10}, None)],
)
def test_file_weights_take_the_dtype_holding_most_bytes(counts, quant):
    fw = file_weights_from_dtypes(counts, "here")
    assert (fw.quant if fw else None) == quant


def test_unknown_architecture_falls_back_to_a_llama_layout_sized_to_the_count():
    cfg = {"model_type": "bert", "hidden_size": 384, "num_hidden_layers": 6, "num_attention_heads": 12}
    cfg |= {"intermediate_size": 1536, "vocab_size": 30522, "max_position_embeddings": 512}
    built = spec_from_config(cfg, IDENT, {"F32": 22_713_216})
    spec = built.spec
    assert spec.arch == "llama" and (spec.layers, spec.hidden_size, spec.max_context) == (6, 384, 512)
    assert spec.params_total == 22_713_216
    from sizer.io.sources.hf_config import layout_params

    assert layout_params(spec) == pytest.approx(22_713_216, rel=0.01)
    assert len(built.warnings) == 1 and "'bert' is not modelled" in str(built.warnings[0])
    assert spec.notes == str(built.warnings[0])


def test_unknown_architecture_without_dimensions_is_sized_from_the_count_alone():
    spec = spec_from_config({"model_type": "mystery"}, IDENT, {"BF16": 7_000_000_000}).spec
    from sizer.io.sources.hf_config import layout_params

    assert layout_params(spec) == pytest.approx(7e9, rel=0.01)
    assert 20 <= spec.layers <= 40


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"num_hidden_layers": None}, "missing num_hidden_layers"),
        ({"num_hidden_layers": -3}, "num_hidden_layers must be a whole number"),
        ({"num_hidden_layers": 10**9}, "num_hidden_layers must be a whole number from 1 to 1024"),
        ({"hidden_size": "4096"}, "hidden_size must be a whole number"),
        ({"num_key_value_heads": 64}, "kv_heads"),
        ({"num_local_experts": 4, "num_experts_per_tok": 8}, "active experts"),
    ],
)
def test_bad_config_values_give_one_line(change, message):
    cfg = {**CONFIGS["llama-3.1-8b"], **change}
    cfg = {k: v for k, v in cfg.items() if v is not None}
    with pytest.raises(InputError, match=message) as info:
        spec_from_config(cfg, IDENT, where="cfg.json")
    assert "\n" not in str(info.value) and str(info.value).startswith("cfg.json: ")


def test_config_must_be_an_object():
    with pytest.raises(InputError, match="expected a JSON object"):
        spec_from_config([1, 2], IDENT)  # type: ignore[arg-type]
