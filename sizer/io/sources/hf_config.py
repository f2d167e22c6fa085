"""A transformers config.json (a dict) -> ModelSpec. Pure: no files, no network.

Field names follow the transformers configuration classes (LlamaConfig, Qwen2MoeConfig,
Gemma3TextConfig, DeepseekV3Config, GptOssConfig, …). Keys a config leaves out take the class
default, as transformers does; the few defaults that matter for sizing are listed in `_DEFAULTS`.
An architecture sizer does not model falls back to a llama-like layout sized to the parameter
count, with a warning.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from sizer.bounds import MAX_EXPERTS, MAX_LAYERS, echo
from sizer.core.memory import weight_tensors
from sizer.errors import N_, InputError, Message
from sizer.models import FileWeights, ModelSpec

# transformers model_type -> sizer arch (the names the shipped catalog uses).
ARCHS = {
    "llama": "llama",
    "mistral": "mistral",
    "mixtral": "mixtral",
    "qwen2": "qwen2",
    "qwen2_moe": "qwen2moe",
    "qwen3": "qwen3",
    "qwen3_moe": "qwen3moe",
    "gemma": "gemma",
    "gemma2": "gemma2",
    "gemma3": "gemma3",
    "gemma3_text": "gemma3",
    "phi3": "phi3",
    "phi": "phi2",
    "falcon": "falcon",
    "deepseek_v2": "deepseek2",
    "deepseek_v3": "deepseek2",
    "gpt_oss": "gpt-oss",
}
UNGATED_ARCHS = {"phi2", "falcon"}  # plain two-matrix MLP
_TIED_BY_DEFAULT = {"gemma", "gemma2", "gemma3"}  # tie_word_embeddings default of the config class
_DEFAULTS: dict[str, dict[str, Any]] = {
    # Gemma3TextConfig defaults; the multimodal checkpoints' text_config leaves most of them out.
    "gemma3_text": {
        "vocab_size": 262208,
        "num_attention_heads": 8,
        "num_key_value_heads": 4,
        "head_dim": 256,
        "max_position_embeddings": 131072,
        "sliding_window": 4096,
        "sliding_window_pattern": 6,
    },
    "gemma2": {"head_dim": 256, "sliding_window": 4096},
}
# Limits for untrusted numbers (sizer.bounds): the layout loops over layers and experts.
_LIMITS = {"layers": MAX_LAYERS, "experts": MAX_EXPERTS}
_MAX_DIM = 2**24
# safetensors dtype -> bytes per element; the float ones give a true parameter count.
DTYPE_BYTES = {
    "F64": 8,
    "F32": 4,
    "F16": 2,
    "BF16": 2,
    "F8_E4M3": 1,
    "F8_E5M2": 1,
    "F8_E8M0": 1,
    "I64": 8,
    "I32": 4,
    "I16": 2,
    "I8": 1,
    "U64": 8,
    "U32": 4,
    "U16": 2,
    "U8": 1,
    "BOOL": 1,
}
_FLOAT_DTYPES = {"F64", "F32", "F16", "BF16", "F8_E4M3", "F8_E5M2"}
_FILE_QUANTS = {"BF16": "BF16", "F16": "F16", "F32": "F32"}


@dataclass(frozen=True)
class Identity:
    """Who a source-built model is: id, display name, where it came from."""

    id: str
    name: str
    source: str
    hf_repo: str | None = None


# The warning for an architecture sized as a llama-like layout of its parameter count (billions).
LLAMA_LIKE_BY_PARAMS = N_(
    "{where}: architecture {arch} is not modelled; using a llama-like layout sized to its {params:.2f} B parameters"
)


@dataclass(frozen=True)
class Built:
    """A ModelSpec and the warnings met on the way (one line each)."""

    spec: ModelSpec
    warnings: tuple[str | Message, ...] = ()


def _number(cfg: Mapping[str, Any], where: str, key: str, limit: int = _MAX_DIM) -> int | None:
    value = cfg.get(key)
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= limit:
        raise InputError(
            N_("{where}: {key} must be a whole number from 1 to {limit}, got {value}"),
            where=where,
            key=key,
            limit=limit,
            value=echo(repr(value)),
        )
    return value


def _first(cfg: Mapping[str, Any], where: str, *keys: str, limit: int = _MAX_DIM) -> int | None:
    for key in keys:
        value = _number(cfg, where, key, limit)
        if value is not None:
            return value
    return None


def _required(cfg: Mapping[str, Any], where: str, *keys: str, limit: int = _MAX_DIM) -> int:
    value = _first(cfg, where, *keys, limit=limit)
    if value is None:
        raise InputError(N_("{where}: missing {key}"), where=where, key=keys[0])
    return value


def text_config(config: Mapping[str, Any]) -> dict[str, Any]:
    """The language-model part of a config: multimodal configs nest it under text_config."""
    inner = config.get("text_config")
    cfg = {**config, **inner} if isinstance(inner, Mapping) else dict(config)
    model_type = str(cfg.get("model_type") or "")
    if isinstance(inner, Mapping) and not inner.get("model_type") and config.get("model_type") == "gemma3":
        model_type = cfg["model_type"] = "gemma3_text"
    return {**_DEFAULTS.get(model_type, {}), **{k: v for k, v in cfg.items() if v is not None}}


def _kv_heads(cfg: Mapping[str, Any], where: str, heads: int) -> int:
    if cfg.get("model_type") == "falcon" and not cfg.get("new_decoder_architecture"):
        return 1 if cfg.get("multi_query", True) else heads
    return _first(cfg, where, "num_key_value_heads", "num_kv_heads") or (1 if cfg.get("multi_query") else heads)


def _experts(cfg: Mapping[str, Any], where: str) -> dict[str, int] | None:
    count = _first(cfg, where, "num_local_experts", "num_experts", "n_routed_experts", limit=_LIMITS["experts"])
    if count is None or count < 2:
        return None
    active = _required(cfg, where, "num_experts_per_tok", "experts_per_token", limit=_LIMITS["experts"])
    width = _first(cfg, where, "moe_intermediate_size") or _required(cfg, where, "intermediate_size")
    out = {"count": count, "active": active, "intermediate_size": width}
    shared_width = _first(cfg, where, "shared_expert_intermediate_size")  # Qwen2-MoE: one wide shared expert
    shared = cfg.get("n_shared_experts")  # DeepSeek: n experts of the routed width
    if shared_width:
        out |= {"shared_count": 1, "shared_intermediate_size": shared_width}
    elif shared:
        out |= {"shared_count": _required(cfg, where, "n_shared_experts"), "shared_intermediate_size": width}
    dense = cfg.get("first_k_dense_replace")
    if dense:
        out["dense_layers"] = _required(cfg, where, "first_k_dense_replace", limit=_LIMITS["layers"])
    return out


def _mla(cfg: Mapping[str, Any], where: str) -> dict[str, int | None] | None:
    if cfg.get("kv_lora_rank") is None:
        return None
    return {
        "kv_lora_rank": _required(cfg, where, "kv_lora_rank"),
        "qk_rope_head_dim": _required(cfg, where, "qk_rope_head_dim"),
        "qk_nope_head_dim": _required(cfg, where, "qk_nope_head_dim"),
        "v_head_dim": _required(cfg, where, "v_head_dim"),
        "q_lora_rank": _first(cfg, where, "q_lora_rank"),
    }


def global_every_from_pattern(sliding: list[bool]) -> int | bool | None:
    """From per-layer flags (True = sliding window): the period of full-attention layers.

    None means every layer is windowed; False means no layer is (no sliding window at all).
    """
    full = [i for i, s in enumerate(sliding) if not s]
    if not full:
        return None
    if len(full) == len(sliding):
        return False
    period = full[0] + 1
    if all((i + 1) % period == 0 for i in full):
        return period
    return max(1, round(len(sliding) / len(full)))  # irregular: same share of full layers


def _sliding(cfg: Mapping[str, Any], where: str, arch: str) -> dict[str, int | None] | None:
    if arch == "phi3":  # llama.cpp and vLLM keep a full cache for Phi-3's nominal window
        return None
    if arch.startswith("qwen") and not cfg.get("use_sliding_window"):
        return None
    size = _first(cfg, where, "sliding_window")
    if size is None:
        return None
    layer_types = cfg.get("layer_types")
    if isinstance(layer_types, list) and layer_types:
        pattern = global_every_from_pattern([str(t).startswith("sliding") for t in layer_types])
        return None if pattern is False else {"size": size, "global_every": pattern}
    every: int | None = None
    if arch == "gemma2" or arch == "gpt-oss":
        every = 2
    elif arch == "gemma3":
        every = _first(cfg, where, "sliding_window_pattern") or 6
    return {"size": size, "global_every": every}


def _validate(fields: dict[str, Any], where: str) -> ModelSpec:
    try:
        return ModelSpec.model_validate(fields)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = echo(".".join(str(p) for p in err["loc"])) or "model"
        raise InputError(N_("{where}: {loc}: {detail}"), where=where, loc=loc, detail=err["msg"]) from None


def layout_params(m: ModelSpec) -> int:
    """Parameters of the layout sizer estimates from (weight matrices plus norm vectors)."""
    return sum(t.params for t in weight_tensors(m)) + m.hidden_size * (2 * m.layers + 1)


def _inactive_expert_params(m: ModelSpec) -> float:
    if m.experts is None:
        return 0.0
    expert = sum(t.params for t in weight_tensors(m) if t.role.endswith("_exps"))
    return expert * (1 - m.experts.active / m.experts.count)


def trusted_count(params_by_dtype: Mapping[str, int] | None) -> int | None:
    """The total parameter count, if the bytes are mostly float tensors (not packed GPTQ/AWQ/MXFP4 ints)."""
    if not params_by_dtype:
        return None
    dominant = max(params_by_dtype, key=lambda d: params_by_dtype[d] * DTYPE_BYTES.get(d, 1))
    return sum(params_by_dtype.values()) if dominant in _FLOAT_DTYPES else None


def file_weights_from_dtypes(params_by_dtype: Mapping[str, int] | None, source: str) -> FileWeights | None:
    """BF16/F16/F32 by the dtype holding most bytes, with the exact bytes of all tensors."""
    if not params_by_dtype or any(d not in DTYPE_BYTES for d in params_by_dtype):
        return None
    n_bytes = {d: n * DTYPE_BYTES[d] for d, n in params_by_dtype.items()}
    dominant = max(n_bytes, key=lambda d: n_bytes[d])
    if dominant not in _FILE_QUANTS or sum(n_bytes.values()) <= 0:
        return None
    return FileWeights(quant=_FILE_QUANTS[dominant], total_bytes=sum(n_bytes.values()), source=source)


def finish(
    fields: dict[str, Any],
    ident: Identity,
    params_total: int | None,
    where: str,
    warnings: list[str | Message],
    file_weights: FileWeights | None = None,
) -> Built:
    """Validate the layout, fill in parameter counts (the counted total, else the layout's) and identity."""
    base = {
        "id": ident.id,
        "name": ident.name,
        "hf_repo": ident.hf_repo,
        "source": ident.source,
        **fields,
    }
    draft = _validate({**base, "params_total": 1}, where)
    total = params_total or layout_params(draft)
    active = None
    if draft.experts is not None:
        active = max(1, min(total, round(total - _inactive_expert_params(draft))))
    notes = " ".join(str(w) for w in warnings) or None  # the spec's notes are English, as JSON is
    spec = _validate(
        {
            **base,
            "params_total": total,
            "params_active": active,
            "file_weights": file_weights.model_dump() if file_weights else None,
            "notes": notes,
        },
        where,
    )
    return Built(spec, tuple(warnings))


def llama_like(
    params: int | None,
    where: str,
    *,
    hidden: int | None = None,
    layers: int | None = None,
    heads: int | None = None,
    kv_heads: int | None = None,
    vocab: int | None = None,
    intermediate: int | None = None,
    max_context: int | None = None,
    tie: bool = True,
) -> dict[str, Any]:
    """A llama layout for a model sizer does not model: known dimensions kept, the FFN width solved so
    that the layout holds `params` parameters (dimensions guessed from `params` where unknown)."""
    if params is None and (hidden is None or layers is None):
        raise InputError(
            N_("{where}: cannot size this model: no parameter count and no hidden size and layer count"), where=where
        )
    vocab = vocab or 32000
    if layers is None:  # ~32 layers at 7B, scaling with the cube root of size
        layers = min(_LIMITS["layers"], max(1, round(8 * (params / 2e8) ** (1 / 3))))  # type: ignore[operator]
    if hidden is None:
        hidden = max(64, 64 * round(math.sqrt(params / (12 * layers)) / 64))  # type: ignore[operator]
    heads = heads if heads and heads <= hidden else max(1, hidden // 128)
    kv_heads = kv_heads if kv_heads and kv_heads <= heads else heads
    head_dim = max(1, hidden // heads)
    if params is not None:
        attention = 2 * hidden * heads * head_dim + 2 * hidden * kv_heads * head_dim
        norms = hidden * (2 * layers + 1)
        for tied in (tie, True):
            rest = params - vocab * hidden * (1 if tied else 2) - norms - layers * attention
            if rest > 0:
                tie = tied
                break
        intermediate = max(1, round(rest / (3 * hidden * layers)))
    return {
        "arch": "llama",
        "layers": layers,
        "hidden_size": hidden,
        "intermediate_size": intermediate or 4 * hidden,
        "attention_heads": heads,
        "kv_heads": kv_heads,
        "head_dim": head_dim,
        "vocab_size": vocab,
        "max_context": max_context or 2048,
        "tie_embeddings": tie,
        "ffn_gated": True,
    }


def _fallback(
    cfg: Mapping[str, Any],
    ident: Identity,
    params: int | None,
    where: str,
    warnings: list[str | Message],
    file_weights: FileWeights | None,
) -> Built:
    model_type = str(cfg.get("model_type") or "unknown")
    hidden = _first(cfg, where, "hidden_size", "n_embd", "d_model", "dim")
    fields = llama_like(
        params,
        where,
        hidden=hidden,
        layers=_first(cfg, where, "num_hidden_layers", "n_layer", "num_layers", "n_layers", limit=_LIMITS["layers"]),
        heads=_first(cfg, where, "num_attention_heads", "n_head", "n_heads"),
        kv_heads=_first(cfg, where, "num_key_value_heads", "n_kv_heads"),
        vocab=_first(cfg, where, "vocab_size"),
        intermediate=_first(cfg, where, "intermediate_size", "n_inner", "ffn_dim"),
        max_context=_first(cfg, where, "max_position_embeddings", "n_positions", "seq_length", "max_seq_len"),
        tie=bool(cfg.get("tie_word_embeddings", True)),
    )
    shown = echo(repr(model_type))
    warnings.append(
        Message(LLAMA_LIKE_BY_PARAMS, where=where, arch=shown, params=params / 1e9)
        if params
        else Message(
            N_(
                "{where}: architecture {arch} is not modelled; using a llama-like layout sized to its config dimensions"
            ),
            where=where,
            arch=shown,
        )
    )
    return finish(fields, ident, params, where, warnings, file_weights)


def spec_from_config(
    config: Mapping[str, Any],
    ident: Identity,
    params_by_dtype: Mapping[str, int] | None = None,
    where: str = "config.json",
) -> Built:
    """The ModelSpec of a transformers config, with the safetensors parameter count per dtype if known.

    File weights (exact bytes at the checkpoint's own dtype) are set when the checkpoint is mostly
    BF16, F16 or F32; a packed quantized checkpoint is sized from the layout instead.
    """
    if not isinstance(config, Mapping):
        raise InputError(N_("{where}: expected a JSON object"), where=where)
    warnings: list[str | Message] = []
    cfg = text_config(config)
    counted = trusted_count(params_by_dtype)
    if params_by_dtype and counted is None:
        warnings.append(
            Message(
                N_("{where}: packed quantized checkpoint; parameters counted from the config's layout"), where=where
            )
        )
    file_weights = file_weights_from_dtypes(params_by_dtype, ident.source)
    arch = ARCHS.get(str(cfg.get("model_type") or ""))
    if arch is None:
        return _fallback(cfg, ident, counted, where, warnings, file_weights)
    layers = _required(cfg, where, "num_hidden_layers", "n_layer", limit=_LIMITS["layers"])
    hidden = _required(cfg, where, "hidden_size", "n_embd")
    heads = _required(cfg, where, "num_attention_heads", "n_head")
    experts = _experts(cfg, where)
    mla = _mla(cfg, where) if arch == "deepseek2" else None
    intermediate = _first(cfg, where, "intermediate_size", "ffn_hidden_size", "n_inner") or 4 * hidden
    if experts and not experts.get("dense_layers"):
        intermediate = experts["intermediate_size"]  # every layer is MoE: the dense width is unused
    tie = cfg.get("tie_word_embeddings")
    fields: dict[str, Any] = {
        "arch": "mixtral" if arch == "mistral" and experts else arch,
        "layers": layers,
        "hidden_size": hidden,
        "intermediate_size": intermediate,
        "attention_heads": heads,
        "kv_heads": heads if mla else _kv_heads(cfg, where, heads),
        "head_dim": (mla["qk_nope_head_dim"] + mla["qk_rope_head_dim"])  # type: ignore[operator]
        if mla
        else (_first(cfg, where, "head_dim") or max(1, hidden // heads)),
        "vocab_size": _required(cfg, where, "vocab_size"),
        "max_context": _first(cfg, where, "max_position_embeddings", "n_positions", "seq_length") or 2048,
        "tie_embeddings": tie if isinstance(tie, bool) else arch in _TIED_BY_DEFAULT,
        "ffn_gated": arch not in UNGATED_ARCHS,
        "experts": experts,
        "sliding_window": _sliding(cfg, where, arch),
        "mla": mla,
    }
    return finish(fields, ident, counted, where, warnings, file_weights)
