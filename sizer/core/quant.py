"""Quantization formats: bits per weight, and which tensors a mixed format keeps at higher precision.

Bits per weight come from the block layouts in ggml (ggml-common.h: block size in bytes / weights
per block). The per-tensor rules for llama.cpp file types follow `llama_tensor_get_type` in
llama.cpp's src/llama-quant.cpp: e.g. Q4_K_M stores the output head as Q6_K and half of the
attn_v and ffn_down layers (the ones `use_more_bits` picks) as Q6_K. The GPU-engine formats keep
embeddings and the output head at 16 bits, as AutoAWQ, AutoGPTQ, bitsandbytes and vLLM's FP8 do.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from sizer.errors import N_, UnknownNameError

# ggml tensor types: bits per weight = 8 * block bytes / weights per block (ggml-common.h).
GGML_BITS: dict[str, float] = {
    "F32": 32.0,
    "F16": 16.0,
    "BF16": 16.0,
    "Q8_0": 8.5,  # 34 bytes / 32
    "Q6_K": 6.5625,  # 210 / 256
    "Q5_K": 5.5,  # 176 / 256
    "Q5_1": 6.0,  # 24 / 32
    "Q5_0": 5.5,  # 22 / 32
    "Q4_K": 4.5,  # 144 / 256
    "Q4_1": 5.0,  # 20 / 32
    "Q4_0": 4.5,  # 18 / 32
    "IQ4_NL": 4.5,  # 18 / 32
    "IQ4_XS": 4.25,  # 136 / 256
    "MXFP4": 4.25,  # 17 / 32
    "Q3_K": 3.4375,  # 110 / 256
    "IQ3_S": 3.4375,  # 110 / 256
    "IQ3_XXS": 3.0625,  # 98 / 256
    "Q2_K": 2.625,  # 84 / 256
    "IQ2_S": 2.5,  # 82 / 256
    "IQ2_XS": 2.3125,  # 74 / 256
    "IQ2_XXS": 2.0625,  # 66 / 256
    "IQ1_M": 1.75,  # 56 / 256
    "IQ1_S": 1.5625,  # 50 / 256
    # GPU-engine storage formats (weights only; embeddings and head stay 16-bit, see below).
    "FP8": 8.0,
    "INT8": 8.0,
    "AWQ4": 4.0 + 20 / 128,  # int4 + fp16 scale and int4 zero per group of 128
    "GPTQ4": 4.0 + 20 / 128,  # same group layout as AWQ (group size 128)
    "NF4": 4.0 + 8 / 64 + 32 / (64 * 256),  # bitsandbytes: 8-bit absmax per 64, fp32 per 256 absmax
    "NVFP4": 4.0 + 8 / 16,  # E2M1 + one FP8 (E4M3) scale per block of 16 (NVIDIA's NVFP4 layout)
}

# k-quant types need rows divisible by 256; llama.cpp falls back to these for other rows.
_K_FALLBACK = {
    "Q2_K": "IQ4_NL",
    "Q3_K": "IQ4_NL",
    "IQ4_XS": "IQ4_NL",
    "Q4_K": "Q5_0",
    "Q5_K": "Q5_1",
    "Q6_K": "Q8_0",
}
_QK_K = 256


@dataclass(frozen=True)
class QuantFormat:
    """A user-facing quantization choice (a llama.cpp file type or a GPU-engine format)."""

    name: str
    base_type: str
    kind: str  # "gguf" or "engine"
    description: str

    @property
    def bits_per_weight(self) -> float:
        """Nominal bits per weight of the bulk of the weights."""
        return GGML_BITS[self.base_type]


_FORMATS: tuple[QuantFormat, ...] = (
    QuantFormat("F32", "F32", "gguf", "32-bit float"),
    QuantFormat("F16", "F16", "gguf", "16-bit float"),
    QuantFormat("BF16", "BF16", "gguf", "16-bit bfloat"),
    QuantFormat("Q8_0", "Q8_0", "gguf", "8-bit, near lossless"),
    QuantFormat("Q6_K", "Q6_K", "gguf", "6-bit k-quant"),
    QuantFormat("Q5_K_M", "Q5_K", "gguf", "5-bit k-quant, attn_v/ffn_down partly Q6_K"),
    QuantFormat("Q5_K_S", "Q5_K", "gguf", "5-bit k-quant"),
    QuantFormat("Q5_1", "Q5_1", "gguf", "5-bit legacy with offset"),
    QuantFormat("Q5_0", "Q5_0", "gguf", "5-bit legacy"),
    QuantFormat("Q4_K_M", "Q4_K", "gguf", "4-bit k-quant, attn_v/ffn_down partly Q6_K (ollama default)"),
    QuantFormat("Q4_K_S", "Q4_K", "gguf", "4-bit k-quant, first layers Q5_K"),
    QuantFormat("Q4_1", "Q4_1", "gguf", "4-bit legacy with offset"),
    QuantFormat("Q4_0", "Q4_0", "gguf", "4-bit legacy"),
    QuantFormat("IQ4_NL", "IQ4_NL", "gguf", "4-bit non-linear"),
    QuantFormat("IQ4_XS", "IQ4_XS", "gguf", "4.25-bit i-quant"),
    QuantFormat("MXFP4", "MXFP4", "gguf", "MXFP4 experts, Q8_0 elsewhere (gpt-oss GGUF)"),
    QuantFormat("Q3_K_L", "Q3_K", "gguf", "3-bit k-quant, attn_v/attn_output/ffn_down Q5_K"),
    QuantFormat("Q3_K_M", "Q3_K", "gguf", "3-bit k-quant, attn_v/attn_output/ffn_down Q4_K"),
    QuantFormat("Q3_K_S", "Q3_K", "gguf", "3-bit k-quant"),
    QuantFormat("IQ3_M", "IQ3_S", "gguf", "3.4-bit i-quant mix"),
    QuantFormat("IQ3_S", "IQ3_S", "gguf", "3.4-bit i-quant"),
    QuantFormat("IQ3_XS", "IQ3_S", "gguf", "3.3-bit i-quant mix"),
    QuantFormat("IQ3_XXS", "IQ3_XXS", "gguf", "3.06-bit i-quant"),
    QuantFormat("Q2_K", "Q2_K", "gguf", "2-bit k-quant, ffn_down/attn_output Q3_K"),
    QuantFormat("Q2_K_S", "Q2_K", "gguf", "2-bit k-quant"),
    QuantFormat("IQ2_M", "IQ2_S", "gguf", "2.7-bit i-quant mix"),
    QuantFormat("IQ2_S", "IQ2_XS", "gguf", "2.5-bit i-quant"),
    QuantFormat("IQ2_XS", "IQ2_XS", "gguf", "2.31-bit i-quant"),
    QuantFormat("IQ2_XXS", "IQ2_XXS", "gguf", "2.06-bit i-quant"),
    QuantFormat("IQ1_M", "IQ1_M", "gguf", "1.75-bit i-quant"),
    QuantFormat("IQ1_S", "IQ1_S", "gguf", "1.56-bit i-quant"),
    QuantFormat("FP8", "FP8", "engine", "8-bit float weights (vLLM, TensorRT-LLM)"),
    QuantFormat("INT8", "INT8", "engine", "8-bit integer weights (W8A8 / weight-only)"),
    QuantFormat("AWQ", "AWQ4", "engine", "4-bit AWQ, group 128"),
    QuantFormat("GPTQ", "GPTQ4", "engine", "4-bit GPTQ, group 128"),
    QuantFormat("NF4", "NF4", "engine", "bitsandbytes 4-bit NormalFloat, double quant"),
    QuantFormat("NVFP4", "NVFP4", "engine", "4-bit float weights and activations (Blackwell FP4 units)"),
)
_BY_KEY = {q.name.lower(): q for q in _FORMATS}
_SYNONYMS = {
    "fp16": "F16",
    "float16": "F16",
    "bf16": "BF16",
    "bfloat16": "BF16",
    "fp32": "F32",
    "float32": "F32",
    "q4_k": "Q4_K_M",
    "q5_k": "Q5_K_M",
    "q3_k": "Q3_K_M",
    "int4": "AWQ",
    "awq-int4": "AWQ",
    "gptq-int4": "GPTQ",
    "bnb-nf4": "NF4",
    "int8-w8a8": "INT8",
    "fp8-e4m3": "FP8",
}


def all_formats() -> tuple[QuantFormat, ...]:
    """Every quantization sizer knows, largest bits first."""
    return _FORMATS


def resolve_quant(name: str) -> QuantFormat:
    """The format for a user-given name (case-insensitive); UnknownNameError with suggestions."""
    key = name.strip().lower()
    if key in _BY_KEY:
        return _BY_KEY[key]
    if key in _SYNONYMS:
        return _BY_KEY[_SYNONYMS[key].lower()]
    names = [q.name for q in _FORMATS]
    close = difflib.get_close_matches(name.upper(), names, n=3, cutoff=0.5)
    raise UnknownNameError(N_("quantization"), name, close)


def _use_more_bits(i_layer: int, n_layers: int) -> bool:
    """llama.cpp's pick of layers that get more bits: the first and last eighth, and every third."""
    return i_layer < n_layers // 8 or i_layer >= 7 * n_layers // 8 or (i_layer - n_layers // 8) % 3 == 2


@dataclass(frozen=True)
class TensorTraits:
    """What the per-tensor rules need to know of the model."""

    n_layers: int
    n_gqa: int  # attention heads per KV head
    n_expert: int  # 0 for dense models
    is_70b_llama: bool  # llama.cpp's LLM_TYPE_70B bump for attn_v
    tied_output: bool


_IMATRIX_LOW = {"IQ2_XXS", "IQ2_XS", "IQ2_S", "IQ2_M", "IQ1_S", "IQ1_M"}


def _head_type(fmt: str, base: str) -> str:
    if fmt in _IMATRIX_LOW or fmt == "IQ3_XXS":
        return "Q5_K"
    return base if base in {"Q8_0", "Q6_K", "F16", "BF16", "F32"} else "Q6_K"


def _attn_v_type(fmt: str, base: str, i: int, t: TensorTraits) -> str:
    new = base
    if fmt in _IMATRIX_LOW:
        new = "Q4_K" if t.n_gqa >= 4 or t.n_expert >= 4 else ("IQ3_S" if fmt in {"IQ2_S", "IQ2_M"} else "Q2_K")
    elif fmt == "Q2_K":
        new = "Q4_K" if t.n_gqa >= 4 else "Q3_K"
    elif (
        (fmt == "Q2_K_S" and t.n_gqa >= 4) or (fmt in {"IQ3_XXS", "IQ3_XS", "IQ3_S"} and t.n_gqa >= 4) or fmt == "IQ3_M"
    ):
        new = "Q4_K"
    elif fmt == "Q3_K_M":
        new = "Q5_K" if i < 2 else "Q4_K"
    elif fmt == "Q3_K_L" or (fmt in {"IQ4_NL", "IQ4_XS"} and t.n_gqa >= 4):
        new = "Q5_K"
    elif fmt in {"Q4_K_M", "Q5_K_M"} and _use_more_bits(i, t.n_layers):
        new = "Q6_K"
    elif fmt == "Q4_K_S" and i < 4:
        new = "Q5_K"
    if t.is_70b_llama and new in {"Q3_K", "Q4_K"}:
        new = "Q5_K"
    if t.n_expert == 8:
        new = "Q8_0"
    return new


def _ffn_down_type(fmt: str, base: str, i: int, t: TensorTraits) -> str:
    n = t.n_layers
    if fmt in _IMATRIX_LOW and i < n // 8:
        return "IQ3_S" if fmt in {"IQ2_S", "IQ2_M"} else "Q2_K"
    if fmt == "IQ3_M" and i < n // 8:
        return "Q4_K"
    if fmt == "Q2_K":
        return "Q3_K"
    if fmt == "Q2_K_S" and i < n // 8:
        return "Q4_K"
    if fmt == "Q3_K_M":
        return "Q5_K" if i < n // 16 else "Q4_K"
    if fmt == "Q3_K_L":
        return "Q5_K"
    if fmt in {"Q4_K_M", "Q5_K_M"} and _use_more_bits(i, n):
        return "Q6_K"
    if fmt == "Q4_K_S" and i < n // 8:
        return "Q5_K"
    return base


def _attn_output_type(fmt: str, base: str, t: TensorTraits) -> str:
    if fmt in _IMATRIX_LOW:
        if t.n_expert == 8:
            return "Q5_K"
        return {"IQ1_S": "IQ2_XXS", "IQ1_M": "IQ2_XXS", "IQ2_S": "IQ3_S", "IQ2_M": "IQ3_S"}.get(fmt, base)
    if t.n_expert == 8 and fmt in {"Q2_K", "Q2_K_S", "Q3_K_S", "Q3_K_M", "Q4_K_S", "IQ3_XXS", "IQ3_XS"}:
        return "Q5_K"
    return {"Q2_K": "Q3_K", "IQ3_M": "Q4_K", "Q3_K_M": "Q4_K", "Q3_K_L": "Q5_K"}.get(fmt, base)


def _embedding_type(fmt: str, base: str) -> str:
    if fmt in {"IQ2_XXS", "IQ2_XS", "IQ1_S", "IQ1_M"}:
        return "Q2_K"
    return "IQ3_S" if fmt in {"IQ2_S", "IQ2_M"} else base


def _other_type(fmt: str, base: str, role: str, i: int, t: TensorTraits) -> str:
    """attn_k, ffn_gate and ffn_up: raised for eight-expert models, lowered mid-stack by IQ3_XS."""
    if role == "attn_k":
        return "Q8_0" if t.n_expert == 8 else "IQ3_XXS" if fmt == "IQ3_XS" else base
    if role in {"ffn_gate", "ffn_up"} and fmt == "IQ3_XS":
        return "IQ3_XXS" if t.n_layers // 8 <= i < 7 * t.n_layers // 8 else base
    return base


def tensor_type(fmt: QuantFormat, role: str, i_layer: int, row_size: int, traits: TensorTraits) -> str:
    """The storage type of one weight matrix under a format.

    `role` is one of token_embd, output, attn_q, attn_k, attn_v, attn_output, attn_other,
    ffn_gate, ffn_up, ffn_down, ffn_gate_exps, ffn_up_exps, ffn_down_exps, router.
    """
    base = fmt.base_type
    if role == "router":
        return "F32"  # llama.cpp never quantizes ffn_gate_inp
    if fmt.kind == "engine":
        return "F16" if role in {"token_embd", "output"} else base
    if base in {"F32", "F16", "BF16"}:
        return base
    if fmt.name == "MXFP4":
        return "MXFP4" if role.endswith("_exps") else "Q8_0"
    if role == "output" or (role == "token_embd" and traits.tied_output):
        new = _head_type(fmt.name, base)
    elif role == "token_embd":
        new = _embedding_type(fmt.name, base)
    elif role == "attn_v":
        new = _attn_v_type(fmt.name, base, i_layer, traits)
    elif role in {"ffn_down", "ffn_down_exps"}:
        new = _ffn_down_type(fmt.name, base, i_layer, traits)
    elif role == "attn_output":
        new = _attn_output_type(fmt.name, base, traits)
    else:
        new = _other_type(fmt.name, base, role, i_layer, traits)
    if new in _K_FALLBACK and row_size % _QK_K != 0:
        new = _K_FALLBACK[new]
    return new


def kv_cache_bytes_per_element(cache_type: str) -> float:
    """Bytes per cached K or V element: f16 2, fp8 1, q8_0 34/32, q4_0 18/32 (ggml block sizes)."""
    return {"f16": 2.0, "fp8": 1.0, "q8_0": 34 / 32, "q4_0": 18 / 32}[cache_type]
