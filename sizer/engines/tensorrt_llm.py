"""TensorRT-LLM (trtllm-serve; the engine behind NVIDIA NIM): 16-bit, FP8, INT8, AWQ/GPTQ and FP4
weights, tensor parallel, NVIDIA only; in-flight batching with chunked context, and a KV cache
that takes a share of the memory left after the weights."""

from __future__ import annotations

from dataclasses import dataclass

from sizer.core.memory import device_bytes
from sizer.core.quant import resolve_quant
from sizer.engines.base import no_weights, repo_for
from sizer.engines.vllm import Vllm
from sizer.models import Assumptions, Engine, GpuSpec, LaunchSpec, ModelSpec, Offload, Vendor, VllmAssumptions, Workload


@dataclass(frozen=True)
class TensorRtLlm(Vllm):
    name: Engine = Engine.TENSORRT_LLM
    label: str = "TensorRT-LLM"
    vendors: frozenset[Vendor] = frozenset({Vendor.NVIDIA})
    pipeline_flag: str = "--pp_size"

    def settings(self, a: Assumptions) -> VllmAssumptions:
        """Its own block: vLLM's scheduler and memory share read from it map onto --max_batch_size,
        --max_num_tokens, --max_seq_len and --kv_cache_free_gpu_memory_fraction."""
        return a.tensorrt_llm

    def usable_bytes_per_gpu(self, gpu: GpuSpec, a: Assumptions) -> int:
        """All of each GPU: TensorRT-LLM takes no share of the whole device; its KV-cache fraction
        applies to the memory left free after the weights and activations (`kv_free_share`)."""
        return int(device_bytes(gpu, a))

    def kv_free_share(self, a: Assumptions) -> float:
        """--kv_cache_free_gpu_memory_fraction: the share of the free memory the KV cache takes."""
        return self.settings(a).gpu_memory_utilization_frac

    def launch(
        self,
        model: ModelSpec,
        workload: Workload,
        gpu_count: int,
        a: Assumptions,
        offload: Offload | None = None,
        gpu: GpuSpec | None = None,
    ) -> LaunchSpec:
        """trtllm-serve with the repository that holds the sized format (it quantizes nothing at
        load), the tensor-parallel size, context, batch and KV-cache share as sized."""
        fmt = resolve_quant(workload.quant).name
        repo = repo_for(model, fmt)
        if repo is None:
            return no_weights(self, model, fmt)
        slots = self.scheduler(workload, a)
        s = self.settings(a)
        argv = ["trtllm-serve", repo, "--tp_size", str(gpu_count)]
        argv += ["--max_seq_len", str(slots.context_per_slot), "--max_batch_size", str(slots.slots)]
        argv += ["--max_num_tokens", str(s.max_batched_tokens)]
        argv += ["--kv_cache_free_gpu_memory_fraction", f"{s.gpu_memory_utilization_frac:g}"]
        return LaunchSpec(argv=tuple(argv))


RUNTIME = TensorRtLlm()
