"""What every engine module provides (the `Runtime` protocol), and the checks they share.

An engine module owns what is specific to one inference engine: the weight formats it serves, the
KV-cache types it offers, the vendors it runs on, how it splits a model over GPUs, and its
default format. Layer 2: imports the vocabulary and the physics (core.quant, core.memory,
core.speed); the decisions in core/ call engines, never the reverse.
"""

from __future__ import annotations

import math
from typing import Protocol

from sizer.core.quant import resolve_quant
from sizer.errors import InputError
from sizer.models import Engine, GpuSpec, ModelSpec, Vendor, Workload


class Runtime(Protocol):
    """One inference engine as sizer models it."""

    @property
    def name(self) -> Engine: ...
    @property
    def label(self) -> str:
        """As people write it: "llama.cpp", "vLLM"."""
        ...

    @property
    def formats(self) -> tuple[str, ...]:
        """Weight formats it serves (core.quant names)."""
        ...

    @property
    def default_format(self) -> str: ...
    @property
    def kv_cache_types(self) -> tuple[str, ...]: ...
    @property
    def vendors(self) -> frozenset[Vendor]: ...
    @property
    def splits_tensors(self) -> bool:
        """Tensor parallel across GPUs (vLLM, SGLang) rather than whole layers per GPU (llama.cpp)."""
        ...

    def validate(self, model: ModelSpec, gpu: GpuSpec, workload: Workload, gpu_count: int) -> None:
        """Raise InputError (one line naming what the engine supports) for a combination it cannot run."""
        ...


def check_common(runtime: Runtime, model: ModelSpec, gpu: GpuSpec, workload: Workload, gpu_count: int) -> None:
    """The checks every engine makes: format, KV-cache type, vendor, and (tensor parallel) head divisibility."""
    fmt = resolve_quant(workload.quant)
    if fmt.name not in runtime.formats:
        raise InputError(f"{runtime.label} does not serve {fmt.name} weights; it serves {_list(runtime.formats)}")
    if workload.kv_cache_type not in runtime.kv_cache_types:
        raise InputError(
            f"{runtime.label} has no {workload.kv_cache_type} KV cache; choose {_list(runtime.kv_cache_types)}"
        )
    if gpu.vendor not in runtime.vendors:
        names = sorted(v.value for v in runtime.vendors)
        raise InputError(
            f"{runtime.label} does not run on {gpu.vendor.value} GPUs ({gpu.name}); it runs on {_list(names)}"
        )
    if runtime.splits_tensors and gpu_count > 1:
        heads = math.gcd(model.attention_heads, model.kv_heads)
        if heads % gpu_count:
            sizes = [n for n in range(1, heads + 1) if heads % n == 0 and n <= 64]
            raise InputError(
                f"tensor-parallel size {gpu_count} does not divide {model.id}'s {model.attention_heads} attention "
                f"and {model.kv_heads} KV heads; use {_list([str(n) for n in sizes])} GPUs"
            )


def _list(items: tuple[str, ...] | list[str]) -> str:
    return ", ".join(items[:-1]) + f" or {items[-1]}" if len(items) > 1 else "".join(items)
