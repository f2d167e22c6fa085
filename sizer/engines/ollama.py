"""ollama: llama.cpp underneath, with its own model names, knobs (OLLAMA_NUM_PARALLEL,
OLLAMA_CONTEXT_LENGTH, OLLAMA_KV_CACHE_TYPE) and memory rules (context x parallel slots)."""

from __future__ import annotations

from dataclasses import dataclass

from sizer.engines._formats import GGUF
from sizer.engines.base import check_common
from sizer.models import Engine, GpuSpec, ModelSpec, Vendor, Workload


@dataclass(frozen=True)
class Ollama:
    name: Engine = Engine.OLLAMA
    label: str = "ollama"
    formats: tuple[str, ...] = GGUF
    default_format: str = "Q4_K_M"
    kv_cache_types: tuple[str, ...] = ("f16", "q8_0", "q4_0")
    vendors: frozenset[Vendor] = frozenset(Vendor)
    splits_tensors: bool = False

    def validate(self, model: ModelSpec, gpu: GpuSpec, workload: Workload, gpu_count: int) -> None:
        check_common(self, model, gpu, workload, gpu_count)


RUNTIME = Ollama()
