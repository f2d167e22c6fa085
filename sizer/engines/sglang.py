"""SGLang: the formats, memory layout and tensor parallel of vLLM-class servers (its own assumptions
block, at vLLM's values until measured); NVIDIA and AMD GPUs."""

from __future__ import annotations

from dataclasses import dataclass

from sizer.engines.vllm import Vllm, server_weights
from sizer.models import (
    Assumptions,
    Engine,
    GpuSpec,
    LaunchSpec,
    ModelSpec,
    Offload,
    Vendor,
    VllmAssumptions,
    Workload,
)


@dataclass(frozen=True)
class SgLang(Vllm):
    name: Engine = Engine.SGLANG
    label: str = "SGLang"
    vendors: frozenset[Vendor] = frozenset({Vendor.NVIDIA, Vendor.AMD})
    pipeline_flag: str = "--pp-size"

    def settings(self, a: Assumptions) -> VllmAssumptions:
        return a.sglang

    def launch(
        self,
        model: ModelSpec,
        workload: Workload,
        gpu_count: int,
        a: Assumptions,
        offload: Offload | None = None,
        gpu: GpuSpec | None = None,
    ) -> LaunchSpec:
        """sglang.launch_server with the repository in the sized format, --tp, context, running
        requests, static memory share and KV-cache type as sized."""
        weights = server_weights(self, model, workload.quant, gpu)
        if isinstance(weights, LaunchSpec):
            return weights
        repo, flags = weights
        slots = self.scheduler(workload, a)
        argv = ["python", "-m", "sglang.launch_server", "--model-path", repo, *flags]
        tp = gpu_count * (gpu.devices if gpu else 1)  # every device of a multi-device board
        argv += ["--tp", str(tp), "--context-length", str(slots.context_per_slot)]
        argv += ["--max-running-requests", str(slots.slots)]
        argv += ["--mem-fraction-static", f"{self.settings(a).gpu_memory_utilization_frac:g}"]
        # SGLang names its FP8 cache by the element type; e5m2 needs no scaling factors.
        argv += ["--kv-cache-dtype", "fp8_e5m2" if workload.kv_cache_type == "fp8" else "auto"]
        return LaunchSpec(argv=tuple(argv))


RUNTIME = SgLang()
