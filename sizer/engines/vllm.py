"""vLLM: 16-bit and engine formats (FP8, INT8, AWQ, GPTQ), tensor parallel, NVIDIA/AMD/Intel, no Apple."""

from __future__ import annotations

from dataclasses import dataclass

from sizer.engines._formats import GPU_SERVER
from sizer.engines.base import check_common
from sizer.models import Engine, GpuSpec, ModelSpec, Vendor, Workload


@dataclass(frozen=True)
class Vllm:
    name: Engine = Engine.VLLM
    label: str = "vLLM"
    formats: tuple[str, ...] = GPU_SERVER
    default_format: str = "BF16"
    kv_cache_types: tuple[str, ...] = ("f16", "fp8")
    vendors: frozenset[Vendor] = frozenset({Vendor.NVIDIA, Vendor.AMD, Vendor.INTEL})
    splits_tensors: bool = True

    def validate(self, model: ModelSpec, gpu: GpuSpec, workload: Workload, gpu_count: int) -> None:
        check_common(self, model, gpu, workload, gpu_count)


RUNTIME = Vllm()
