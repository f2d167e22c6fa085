"""Memory: weight bytes per tensor at each tensor's storage type, the KV cache, and how a model
splits over GPUs or offloads to system RAM. Pure; bytes everywhere. Each engine's own overheads
and usable capacity are in sizer.engines."""

from __future__ import annotations

import functools
import math
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Concatenate, Generic, ParamSpec, TypeVar

from sizer.core.quant import (
    GGML_BITS,
    QuantFormat,
    TensorTraits,
    kv_cache_bytes_per_element,
    tensor_type,
)
from sizer.models import Assumptions, GpuSpec, MemoryBytes, ModelSpec, Offload
from sizer.units import GiB, bits_to_bytes

_P = ParamSpec("_P")
_R = TypeVar("_R")


class _SameModelFirst(Generic[_P, _R]):
    """In front of a function memoised by value: the answer for the same ModelSpec object without
    hashing it again (a frozen pydantic model hashes every field on each call, some microseconds
    a catalog model, and a sweep asks thousands of times). Keyed by the object's id, kept with the
    object so the id cannot be reused; an equal copy goes on to `func`'s own cache. `seed` and
    `answers` let a caller keep answers between processes (sizer.io.weights_cache)."""

    def __init__(self, func: Callable[Concatenate[ModelSpec, _P], _R]) -> None:
        self._func = func
        self._memo: dict[tuple[object, ...], tuple[ModelSpec, _R]] = {}
        functools.update_wrapper(self, func)

    def __call__(self, m: ModelSpec, /, *args: _P.args, **kwargs: _P.kwargs) -> _R:
        key = (id(m), *args, *kwargs.items())
        hit = self._memo.get(key)
        if hit is not None and hit[0] is m:
            return hit[1]
        out = self._func(m, *args, **kwargs)
        self._remember(key, m, out)
        return out

    def _remember(self, key: tuple[object, ...], m: ModelSpec, out: _R) -> None:
        if len(self._memo) > 16384:
            self._memo.clear()
        self._memo[key] = (m, out)

    def seed(self, m: ModelSpec, args: tuple[object, ...], out: _R) -> None:
        """Take `out` as the answer for `m` (this object) called with positional `args`."""
        self._remember((id(m), *args), m, out)

    def answers(self) -> list[tuple[ModelSpec, tuple[object, ...], _R]]:
        """Every answer held for a call with positional arguments: (model, arguments, answer)."""
        return [(m, key[1:], out) for key, (m, out) in self._memo.items() if id(m) == key[0]]


def _same_model_first(func: Callable[Concatenate[ModelSpec, _P], _R]) -> _SameModelFirst[_P, _R]:
    return _SameModelFirst(func)


@dataclass(frozen=True)
class Tensor:
    """One weight matrix of the layout: its role, layer (-1 outside layers), size and row length."""

    role: str
    layer: int
    params: int
    row_size: int


def _attention_tensors(m: ModelSpec, i: int) -> list[Tensor]:
    h = m.hidden_size
    if m.mla is not None:
        a = m.mla
        qk_dim = a.qk_nope_head_dim + a.qk_rope_head_dim
        q = (
            [
                Tensor("attn_other", i, h * a.q_lora_rank, h),
                Tensor("attn_q", i, a.q_lora_rank * m.attention_heads * qk_dim, a.q_lora_rank),
            ]
            if a.q_lora_rank
            else [Tensor("attn_q", i, h * m.attention_heads * qk_dim, h)]
        )
        return [
            *q,
            Tensor("attn_other", i, h * (a.kv_lora_rank + a.qk_rope_head_dim), h),
            Tensor(
                "attn_other",
                i,
                a.kv_lora_rank * m.attention_heads * (a.qk_nope_head_dim + a.v_head_dim),
                a.kv_lora_rank,
            ),
            Tensor("attn_output", i, m.attention_heads * a.v_head_dim * h, m.attention_heads * a.v_head_dim),
        ]
    q_dim = m.attention_heads * m.head_dim
    kv_dim = m.kv_heads * m.head_dim
    return [
        Tensor("attn_q", i, h * q_dim, h),
        Tensor("attn_k", i, h * kv_dim, h),
        Tensor("attn_v", i, h * kv_dim, h),
        Tensor("attn_output", i, q_dim * h, q_dim),
    ]


def _ffn_tensors(m: ModelSpec, i: int, width: int, suffix: str = "", count: int = 1) -> list[Tensor]:
    h = m.hidden_size
    out = [
        Tensor(f"ffn_up{suffix}", i, count * h * width, h),
        Tensor(f"ffn_down{suffix}", i, count * width * h, width),
    ]
    if m.ffn_gated:
        out.insert(0, Tensor(f"ffn_gate{suffix}", i, count * h * width, h))
    return out


def _outside_tensors(m: ModelSpec) -> list[Tensor]:
    """The token embedding and (unless tied to it) the output head."""
    h = m.hidden_size
    tensors = [Tensor("token_embd", -1, m.vocab_size * h, h)]
    if not m.tie_embeddings:
        tensors.append(Tensor("output", -1, m.vocab_size * h, h))
    return tensors


def _layer_tensors(m: ModelSpec, i: int) -> list[Tensor]:
    """The weight matrices of layer `i`: attention, then a dense FFN or the router and experts."""
    tensors = _attention_tensors(m, i)
    e = m.experts
    if e is None or i < e.dense_layers:
        return tensors + _ffn_tensors(m, i, m.intermediate_size)
    tensors.append(Tensor("router", i, m.hidden_size * e.count, m.hidden_size))
    tensors += _ffn_tensors(m, i, e.intermediate_size, "_exps", e.count)
    if e.shared_count:
        tensors += _ffn_tensors(m, i, e.shared_intermediate_size * e.shared_count)
    return tensors


@functools.lru_cache(maxsize=512)
def weight_tensors(m: ModelSpec) -> tuple[Tensor, ...]:
    """The weight matrices of a model's text stack, from its architecture (norms and biases omitted)."""
    tensors = _outside_tensors(m)
    for i in range(m.layers):
        tensors += _layer_tensors(m, i)
    return tuple(tensors)


@_same_model_first
def _traits(m: ModelSpec) -> TensorTraits:
    return TensorTraits(
        n_layers=m.layers,
        n_gqa=m.attention_heads // m.kv_heads,
        n_expert=m.experts.count if m.experts else 0,
        is_70b_llama=m.arch == "llama" and m.layers == 80,
        tied_output=m.tie_embeddings,
    )


@dataclass(frozen=True)
class WeightSummary:
    """Bytes of the weights: total, per layer, outside layers, and read per decoded token."""

    total_bytes: int
    layer_bytes: tuple[int, ...]
    head_bytes: int  # output head (or tied embedding) kept with the last layer
    embedding_bytes: int
    read_per_token_bytes: float  # decode reads: all but the embedding table; MoE: active experts only
    active_params: int  # parameters multiplied per token (FLOP count basis)
    expert_bytes: float = 0.0  # routed experts, all of them (MoE): a batch reads the share it routes to


_LAYER_DEPENDENT_ROLES = {"attn_v", "ffn_down", "ffn_down_exps", "ffn_gate", "ffn_up"}


@_same_model_first
@functools.lru_cache(maxsize=512)
def _tensor_groups(m: ModelSpec) -> tuple[tuple[str, int, int, tuple[int, ...]], ...]:
    """The layout grouped by (role, row size, parameters): each shape once, with its layers, in the
    order `weight_tensors` first lists them. Layers come in at most two runs of identical shapes
    (dense FFN layers, then expert layers), so each run is laid out once, not layer by layer."""
    groups: dict[tuple[str, int, int], list[int]] = {}
    for t in _outside_tensors(m):
        groups.setdefault((t.role, t.row_size, t.params), []).append(t.layer)
    dense = m.layers if m.experts is None else min(m.experts.dense_layers, m.layers)
    for run in (range(dense), range(dense, m.layers)):
        for t in _layer_tensors(m, run.start) if run else ():
            groups.setdefault((t.role, t.row_size, t.params), []).extend(run)
    # Sorted: a shape that two runs, or two tensors of one layer, share lists its layers in order.
    return tuple((role, row, params, tuple(sorted(layers))) for (role, row, params), layers in groups.items())


@functools.lru_cache(maxsize=4096)
def _layer_types(fmt: QuantFormat, role: str, row: int, traits: TensorTraits) -> tuple[str, ...]:
    """Storage type of one per-layer tensor in every layer (shared by models of the same shape)."""
    return tuple([tensor_type(fmt, role, i, row, traits) for i in range(traits.n_layers)])


@functools.lru_cache(maxsize=4096)
def _layer_sizes(fmt: QuantFormat, role: str, row: int, params: int, traits: TensorTraits) -> tuple[float, ...]:
    """Bytes of one per-layer tensor of `params` weights in every layer, at `_layer_types`."""
    per_layer = _layer_types(fmt, role, row, traits)
    by_type = {t: bits_to_bytes(params * GGML_BITS[t]) for t in set(per_layer)}
    return tuple(map(by_type.__getitem__, per_layer))


def _group_sizes(
    fmt: QuantFormat, role: str, row: int, params: int, layers: tuple[int, ...], traits: TensorTraits
) -> Sequence[float]:
    """Bytes of a group's tensor in each of its layers (`layers` sorted, as `_tensor_groups` gives them)."""
    if role not in _LAYER_DEPENDENT_ROLES:
        return [bits_to_bytes(params * GGML_BITS[tensor_type(fmt, role, layers[0], row, traits)])] * len(layers)
    sizes = _layer_sizes(fmt, role, row, params, traits)
    if layers[-1] - layers[0] + 1 == len(layers):  # one run of consecutive layers: a slice
        return sizes[layers[0] : layers[-1] + 1]
    return [sizes[i] for i in layers]


@_same_model_first
@functools.lru_cache(maxsize=4096)  # a sweep asks for every model in every format, group after group
def weights(m: ModelSpec, fmt: QuantFormat) -> WeightSummary:
    """Bytes of every weight matrix at its storage type under `fmt` (llama.cpp's mixing rules)."""
    traits = _traits(m)
    layer_bytes = [0.0] * m.layers
    head = embed = read = experts = 0.0
    active_params = 0.0
    expert_share = m.experts.active / m.experts.count if m.experts else 1.0
    for role, row, params, layers in _tensor_groups(m):
        share = expert_share if role.endswith("_exps") else 1.0
        sizes = _group_sizes(fmt, role, row, params, layers, traits)
        if role == "token_embd":
            embed += sizes[0]
            if m.tie_embeddings:  # the tied table is also the output head, read in full per token
                read += sizes[0]
                active_params += params
            continue
        read += sum(sizes) * share
        if role.endswith("_exps"):
            experts += sum(sizes)
        active_params += params * len(layers) * share
        if role == "output":
            head += sizes[0]
            continue
        lo, hi = layers[0], layers[-1] + 1
        if hi - lo == len(layers):  # consecutive layers: add the run at once (the same sums, in C)
            layer_bytes[lo:hi] = map(operator.add, layer_bytes[lo:hi], sizes)
        else:
            for i, n_bytes in zip(layers, sizes, strict=True):
                layer_bytes[i] += n_bytes
    # Norm weights stay F32 in llama.cpp: 2 vectors of hidden_size per layer plus the final norm.
    norm_bytes = 4 * m.hidden_size * (2 * m.layers + 1)
    total = sum(layer_bytes) + head + embed + norm_bytes
    if m.file_weights is not None and m.file_weights.quant == fmt.name:
        # The file's own tensor bytes are exact; keep the layout's split between the parts.
        scale = m.file_weights.total_bytes / total
        layer_bytes = [b * scale for b in layer_bytes]
        head, embed, read, experts = head * scale, embed * scale, read * scale, experts * scale
        total = m.file_weights.total_bytes
    return WeightSummary(
        total_bytes=round(total),
        layer_bytes=tuple(map(round, layer_bytes)),
        head_bytes=round(head),
        embedding_bytes=round(embed),
        read_per_token_bytes=read,
        active_params=round(active_params),
        expert_bytes=experts,
    )


def _is_global_layer(m: ModelSpec, i: int) -> bool:
    sw = m.sliding_window
    if sw is None:
        return True
    if sw.global_every is None:
        return False
    return (i + 1) % sw.global_every == 0


@_same_model_first
@functools.lru_cache(maxsize=4096)  # a check or recommend sweep asks for the same few thousand again and again
def kv_cache_bytes(m: ModelSpec, context: int, batch: int = 1, cache_type: str = "f16") -> int:
    """KV cache for `batch` sequences of `context` tokens, in bytes.

    Per layer and token: 2 x kv_heads x head_dim elements (K and V); MLA caches the latent
    (kv_lora_rank + rope dims) once; sliding-window layers hold at most `size` tokens.
    """
    elem = kv_cache_bytes_per_element(cache_type)
    if m.mla is not None:
        per_token_layer = (m.mla.kv_lora_rank + m.mla.qk_rope_head_dim) * elem
    else:
        per_token_layer = 2 * m.kv_heads * m.head_dim * elem
    total = 0.0
    for i in range(m.layers):
        tokens = context if _is_global_layer(m, i) else min(context, m.sliding_window.size)  # type: ignore[union-attr]
        total += tokens * per_token_layer
    return round(total * batch)


@dataclass(frozen=True)
class MemoryNeed:
    """What a workload needs: weights, KV cache and per-GPU runtime overhead (bytes)."""

    weights: WeightSummary
    kv_cache_bytes: int
    per_gpu_overhead_bytes: float
    gpu_count: int

    @property
    def memory_bytes(self) -> MemoryBytes:
        overhead = round(self.per_gpu_overhead_bytes * self.gpu_count)
        total = self.weights.total_bytes + self.kv_cache_bytes + overhead
        return MemoryBytes(
            weights=self.weights.total_bytes, kv_cache=self.kv_cache_bytes, overhead=overhead, total=total
        )


def device_bytes(gpu: GpuSpec, a: Assumptions) -> float:
    """Device memory one GPU offers any engine, in bytes: all of a card; on unified memory the
    share macOS lets the GPU wire. Engines take their own share of it (vLLM's utilisation)."""
    capacity = gpu.vram_gib * GiB
    if gpu.unified_memory:
        capacity *= a.unified_memory_gpu_frac
    return capacity


def kv_shards(m: ModelSpec, gpus: int) -> int:
    """How many ways tensor parallel divides the KV cache over `gpus` GPUs: by KV head, so a model
    with fewer KV heads than GPUs copies them (each GPU holds at least one head, as vLLM does), and
    MLA's latent cache, which has no heads, is held whole on every GPU (vLLM and SGLang without
    data-parallel attention)."""
    if m.mla is not None:
        return 1
    return max(1, min(gpus, m.kv_heads))


def per_gpu_bytes(
    ws: WeightSummary,
    kv: int,
    per_gpu_overhead: float,
    layers: int,
    n: int,
    tensor_parallel: bool,
    shards: int | None = None,
) -> list[int]:
    """Bytes on each GPU: TP splits every tensor (the KV cache `shards` ways, `kv_shards`; None:
    n); llama.cpp's layer split gives each GPU whole layers."""
    if tensor_parallel or n == 1:
        return [round(ws.total_bytes / n + kv / min(n, shards or n) + per_gpu_overhead)] * n
    kv_per_layer = kv / layers
    bounds = [round(layers * k / n) for k in range(n + 1)]
    out = []
    for k in range(n):
        lo, hi = bounds[k], bounds[k + 1]
        b = sum(ws.layer_bytes[lo:hi]) + kv_per_layer * (hi - lo) + per_gpu_overhead
        if k == 0:
            b += ws.embedding_bytes
        if k == n - 1:
            b += ws.head_bytes
        out.append(round(b))
    return out


def pipeline_per_gpu_bytes(
    ws: WeightSummary, kv: int, per_gpu_overhead: float, layers: int, tensor_parallel: int, stages: int
) -> list[int]:
    """Bytes on each GPU of a pipeline of `stages` (nodes) of `tensor_parallel` GPUs: each stage
    holds whole layers and their KV cache (the first the embedding, the last the output head), as
    the layer split gives them, the norms spread evenly, and its TP GPUs split every tensor of it
    evenly; stage by stage."""
    per_stage = per_gpu_bytes(ws, kv, 0.0, layers, stages, tensor_parallel=False)
    norms = (ws.total_bytes - sum(ws.layer_bytes) - ws.head_bytes - ws.embedding_bytes) / stages
    return [
        round((stage + norms) / tensor_parallel + per_gpu_overhead)
        for stage in per_stage
        for _ in range(tensor_parallel)
    ]


def offload_layers(
    ws: WeightSummary, kv: int, layers: int, per_gpu_overhead: float, per_gpu_capacity: int, n: int
) -> Offload:
    """llama.cpp -ngl: how many whole layers (weights + their KV) fit; the rest stay in system RAM."""
    per_layer = (ws.total_bytes - ws.head_bytes - ws.embedding_bytes + kv) / layers
    room = n * (per_gpu_capacity - per_gpu_overhead) - ws.head_bytes
    gpu_layers = max(0, min(layers - 1, math.floor(room / per_layer))) if per_layer > 0 else 0
    cpu_bytes = round((layers - gpu_layers) * per_layer + ws.embedding_bytes)
    return Offload(gpu_layers=gpu_layers, total_layers=layers, cpu_bytes=cpu_bytes)
