"""llama.cpp (llama-server): GGUF files, f16/q8_0/q4_0 KV cache, whole layers per GPU, every vendor."""

from __future__ import annotations

from dataclasses import dataclass

from sizer.engines._formats import GGUF
from sizer.engines.base import check_common
from sizer.models import Engine, GpuSpec, ModelSpec, Vendor, Workload


@dataclass(frozen=True)
class LlamaCpp:
    name: Engine = Engine.LLAMA_CPP
    label: str = "llama.cpp"
    formats: tuple[str, ...] = GGUF
    default_format: str = "Q4_K_M"
    kv_cache_types: tuple[str, ...] = ("f16", "q8_0", "q4_0")
    vendors: frozenset[Vendor] = frozenset(Vendor)
    splits_tensors: bool = False

    def validate(self, model: ModelSpec, gpu: GpuSpec, workload: Workload, gpu_count: int) -> None:
        check_common(self, model, gpu, workload, gpu_count)


RUNTIME = LlamaCpp()
