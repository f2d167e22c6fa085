"""SGLang: the formats, memory layout and tensor parallel of vLLM-class servers (its own assumptions
block, at vLLM's values until measured); NVIDIA and AMD GPUs."""

from __future__ import annotations

from dataclasses import dataclass

from sizer.engines.vllm import Vllm, format_flags
from sizer.models import Assumptions, Engine, LaunchSpec, ModelSpec, Offload, Vendor, VllmAssumptions, Workload


@dataclass(frozen=True)
class SgLang(Vllm):
    name: Engine = Engine.SGLANG
    label: str = "SGLang"
    vendors: frozenset[Vendor] = frozenset({Vendor.NVIDIA, Vendor.AMD})

    def settings(self, a: Assumptions) -> VllmAssumptions:
        return a.sglang

    def launch(
        self, model: ModelSpec, workload: Workload, gpu_count: int, a: Assumptions, offload: Offload | None = None
    ) -> LaunchSpec:
        """sglang.launch_server with --tp, context, running requests and static memory share as sized."""
        slots = self.scheduler(workload, a)
        argv = ["python", "-m", "sglang.launch_server", "--model-path", model.hf_repo or model.id]
        argv += ["--tp", str(gpu_count), "--context-length", str(slots.context_per_slot)]
        argv += ["--max-running-requests", str(slots.slots)]
        argv += ["--mem-fraction-static", f"{self.settings(a).gpu_memory_utilization_frac:g}"]
        # SGLang names its FP8 cache by the element type; e5m2 needs no scaling factors.
        return LaunchSpec(argv=(*argv, *format_flags(workload, "fp8_e5m2")))


RUNTIME = SgLang()
