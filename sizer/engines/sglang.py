"""SGLang: the formats and tensor-parallel layout of vLLM-class servers; NVIDIA and AMD GPUs."""

from __future__ import annotations

from dataclasses import dataclass

from sizer.engines._formats import GPU_SERVER
from sizer.engines.base import check_common
from sizer.models import Engine, GpuSpec, ModelSpec, Vendor, Workload


@dataclass(frozen=True)
class SgLang:
    name: Engine = Engine.SGLANG
    label: str = "SGLang"
    formats: tuple[str, ...] = GPU_SERVER
    default_format: str = "BF16"
    kv_cache_types: tuple[str, ...] = ("f16", "fp8")
    vendors: frozenset[Vendor] = frozenset({Vendor.NVIDIA, Vendor.AMD})
    splits_tensors: bool = True

    def validate(self, model: ModelSpec, gpu: GpuSpec, workload: Workload, gpu_count: int) -> None:
        check_common(self, model, gpu, workload, gpu_count)


RUNTIME = SgLang()
