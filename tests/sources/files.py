"""Model files written by the tests: safetensors (header by hand), GGUF (gguf.GGUFWriter), configs, HF cache."""

from __future__ import annotations

import json
import math
import struct
from pathlib import Path

DTYPE_BYTES = {"F32": 4, "F16": 2, "BF16": 2, "I32": 4, "U8": 1, "I64": 8}

TINY_LLAMA = {
    "architectures": ["LlamaForCausalLM"],
    "model_type": "llama",
    "hidden_size": 64,
    "intermediate_size": 128,
    "num_attention_heads": 4,
    "num_key_value_heads": 2,
    "num_hidden_layers": 2,
    "vocab_size": 256,
    "max_position_embeddings": 8192,
    "tie_word_embeddings": False,
    "torch_dtype": "bfloat16",
}


def llama_tensors(cfg: dict, dtype: str = "BF16") -> dict[str, tuple[str, list[int]]]:
    """The tensor names and shapes transformers writes for a llama config."""
    h, i, v = cfg["hidden_size"], cfg["intermediate_size"], cfg["vocab_size"]
    hd = h // cfg["num_attention_heads"]
    kv = cfg["num_key_value_heads"] * hd
    out = {"model.embed_tokens.weight": (dtype, [v, h]), "model.norm.weight": (dtype, [h])}
    if not cfg.get("tie_word_embeddings"):
        out["lm_head.weight"] = (dtype, [v, h])
    for n in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{n}."
        out |= {
            p + "self_attn.q_proj.weight": (dtype, [h, h]),
            p + "self_attn.k_proj.weight": (dtype, [kv, h]),
            p + "self_attn.v_proj.weight": (dtype, [kv, h]),
            p + "self_attn.o_proj.weight": (dtype, [h, h]),
            p + "mlp.gate_proj.weight": (dtype, [i, h]),
            p + "mlp.up_proj.weight": (dtype, [i, h]),
            p + "mlp.down_proj.weight": (dtype, [h, i]),
            p + "input_layernorm.weight": (dtype, [h]),
            p + "post_attention_layernorm.weight": (dtype, [h]),
        }
    return out


def safetensors_bytes(tensors: dict[str, tuple[str, list[int]]], metadata: dict | None = None) -> bytes:
    """A complete safetensors file (zero-filled data) with the header written by hand."""
    header: dict = {"__metadata__": metadata or {"format": "pt"}}
    offset = 0
    for name, (dtype, shape) in tensors.items():
        n = math.prod(shape) * DTYPE_BYTES[dtype]
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + n]}
        offset += n
    raw = json.dumps(header).encode()
    raw += b" " * (-len(raw) % 8)
    return struct.pack("<Q", len(raw)) + raw + bytes(offset)


def write_safetensors(path: Path, tensors: dict[str, tuple[str, list[int]]]) -> Path:
    path.write_bytes(safetensors_bytes(tensors))
    return path


def write_model_dir(directory: Path, cfg: dict, dtype: str = "BF16", shards: int = 1) -> Path:
    """config.json plus the llama tensors in `shards` files (with an index when sharded)."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "config.json").write_text(json.dumps(cfg))
    tensors = list(llama_tensors(cfg, dtype).items())
    if shards == 1:
        write_safetensors(directory / "model.safetensors", dict(tensors))
        return directory
    weight_map = {}
    for k in range(shards):
        name = f"model-{k + 1:05d}-of-{shards:05d}.safetensors"
        part = dict(tensors[k::shards])
        write_safetensors(directory / name, part)
        weight_map |= dict.fromkeys(part, name)
    (directory / "model.safetensors.index.json").write_text(json.dumps({"metadata": {}, "weight_map": weight_map}))
    return directory


def write_gguf(path: Path, arch: str, meta: dict, tensors: dict, tokens: int | None = 256) -> Path:
    """A GGUF file via gguf.GGUFWriter: `meta` maps key suffixes (after '{arch}.') or full keys to values,
    `tensors` maps names to numpy arrays, or to (byte array, GGMLQuantizationType) for quantized ones."""
    import numpy as np
    from gguf import GGUFWriter

    w = GGUFWriter(str(path), arch)
    for key, value in meta.items():
        full = key if key.startswith(("general.", "tokenizer.", "split.")) else f"{arch}.{key}"
        if isinstance(value, bool):
            w.add_bool(full, value)
        elif isinstance(value, int):
            w.add_uint32(full, value)
        elif isinstance(value, float):
            w.add_float32(full, value)
        elif isinstance(value, str):
            w.add_string(full, value)
        else:
            w.add_array(full, list(value))
    if tokens:
        w.add_token_list([f"t{i}" for i in range(tokens)])
        w.add_token_scores([0.0] * tokens)
    for name, value in tensors.items():
        if isinstance(value, tuple):
            data, qtype = value
            w.add_tensor(name, data, raw_dtype=qtype)
        else:
            w.add_tensor(name, np.asarray(value))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return path


def tiny_llama_gguf(path: Path, file_type: int | None = 7, arch: str = "llama", extra: dict | None = None) -> Path:
    """A 2-layer llama GGUF: Q8_0 matrices, F32 norms, real metadata keys."""
    import numpy as np
    from gguf import GGMLQuantizationType as T

    h, ff, vocab = 64, 128, 256

    def q8(rows: int, cols: int) -> tuple:
        return np.zeros((rows, cols // 32 * 34), dtype=np.uint8), T.Q8_0

    tensors = {
        "token_embd.weight": q8(vocab, h),
        "output.weight": q8(vocab, h),
        "output_norm.weight": np.zeros(h, np.float32),
    }
    for n in range(2):
        tensors |= {
            f"blk.{n}.attn_q.weight": q8(h, h),
            f"blk.{n}.attn_k.weight": q8(32, h),
            f"blk.{n}.attn_v.weight": q8(32, h),
            f"blk.{n}.attn_output.weight": q8(h, h),
            f"blk.{n}.ffn_gate.weight": q8(ff, h),
            f"blk.{n}.ffn_up.weight": q8(ff, h),
            f"blk.{n}.ffn_down.weight": q8(h, ff),
            f"blk.{n}.attn_norm.weight": np.zeros(h, np.float32),
            f"blk.{n}.ffn_norm.weight": np.zeros(h, np.float32),
        }
    meta = {
        "general.name": "Tiny Llama",
        "block_count": 2,
        "context_length": 4096,
        "embedding_length": h,
        "feed_forward_length": ff,
        "attention.head_count": 4,
        "attention.head_count_kv": 2,
        **({"general.file_type": file_type} if file_type is not None else {}),
        **(extra or {}),
    }
    return write_gguf(path, arch, meta, tensors, tokens=vocab)


def populate_hf_cache(cache: Path, repo_id: str, config: dict, revision: str = "a" * 40, ref: str = "main") -> Path:
    """The cache layout huggingface_hub reads offline: models--org--name/refs/<ref> and snapshots/<rev>/config.json."""
    repo_dir = cache / ("models--" + repo_id.replace("/", "--"))
    snapshot = repo_dir / "snapshots" / revision
    snapshot.mkdir(parents=True)
    (snapshot / "config.json").write_text(json.dumps(config))
    (repo_dir / "refs").mkdir()
    (repo_dir / "refs" / ref).write_text(revision)
    return snapshot


def offline_hub(monkeypatch, cache: Path) -> Path:
    """Point an offline huggingface_hub at `cache` (the constants are read when the library loads)."""
    from huggingface_hub import constants

    cache.mkdir(parents=True, exist_ok=True)
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(cache))
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    return cache
