"""vLLM: 16-bit and engine formats (FP8, INT8, AWQ, GPTQ), tensor parallel, NVIDIA/AMD/Intel, no
Apple; takes a fixed share of each GPU and never offloads to system RAM."""

from __future__ import annotations

from dataclasses import dataclass

from sizer.core.memory import MemoryNeed, device_bytes
from sizer.core.quant import resolve_quant
from sizer.core.speed import SpeedTerms, engine_flops, low_precision_flops
from sizer.engines._formats import GPU_SERVER
from sizer.engines.base import Scheduler, check_common, memory_need
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
from sizer.units import GiB, gb_per_s_to_bytes_per_s

# Formats whose checkpoints vLLM (and SGLang) load with an explicit --quantization method.
QUANTIZATION_METHOD = {"AWQ": "awq", "GPTQ": "gptq", "FP8": "fp8"}


@dataclass(frozen=True)
class Vllm:
    name: Engine = Engine.VLLM
    label: str = "vLLM"
    formats: tuple[str, ...] = GPU_SERVER
    default_format: str = "BF16"
    kv_cache_types: tuple[str, ...] = ("f16", "fp8")
    vendors: frozenset[Vendor] = frozenset({Vendor.NVIDIA, Vendor.AMD, Vendor.INTEL})
    splits_tensors: bool = True
    offloads: bool = False

    def settings(self, a: Assumptions) -> VllmAssumptions:
        """This engine's assumptions block."""
        return a.vllm

    def validate(self, model: ModelSpec, gpu: GpuSpec, workload: Workload, gpu_count: int) -> None:
        check_common(self, model, gpu, workload, gpu_count)

    def scheduler(self, workload: Workload, a: Assumptions) -> Scheduler:
        """--max-num-seqs sequences of --max-model-len tokens; --max-num-batched-tokens per step."""
        s = self.settings(a)
        return Scheduler(
            slots=workload.batch,
            context_per_slot=workload.context,
            batch_tokens=s.max_batched_tokens,
            max_slots=s.max_num_seqs,
        )

    def usable_bytes_per_gpu(self, gpu: GpuSpec, a: Assumptions) -> int:
        """--gpu-memory-utilization of each GPU: vLLM never takes more."""
        return int(device_bytes(gpu, a) * self.settings(a).gpu_memory_utilization_frac)

    def overhead_bytes_per_gpu(self, model: ModelSpec, workload: Workload, gpu_count: int, a: Assumptions) -> float:
        """Non-torch memory (CUDA graphs, NCCL, the CUDA context) plus the profile run's peak: F32
        logits and FFN activations of one scheduler step of tokens, the FFN split by tensor parallel."""
        s = self.settings(a)
        width = model.experts.intermediate_size * model.experts.active if model.experts else model.intermediate_size
        tokens = self.scheduler(workload, a).batch_tokens
        return s.non_torch_gib * GiB + 4.0 * tokens * (model.vocab_size + 2 * width / gpu_count)

    def context_bytes_per_gpu(self, gpu_runtime: bool, a: Assumptions) -> float:
        """Nothing beyond the non-torch figure, which already holds the CUDA context."""
        return 0.0

    def memory(
        self, model: ModelSpec, workload: Workload, gpu_count: int, a: Assumptions, gpu_runtime: bool = True
    ) -> MemoryNeed:
        return memory_need(self, model, workload, gpu_count, a, gpu_runtime)

    def speed_terms(
        self, gpu: GpuSpec, gpu_count: int, a: Assumptions, bandwidth_gb_per_s: float | None = None
    ) -> SpeedTerms:
        """Tensor parallel: every GPU streams its share of each tensor at once (bandwidth and
        compute add up), and each layer pays two all-reduces when there is more than one GPU.
        The scheduler adds a cost per running sequence; paged attention reads the KV cache at
        its own efficiency; FP8, INT8 and FP4 weights run on the GPU's units for them.

        Prompt micro-batches: llama.cpp's, as the prompt constants were fitted on llama.cpp runs
        at that size and no vLLM prompt runs are at hand to fit a chunk size of its own.
        """
        s = self.settings(a)
        vendor = s.amd_efficiency_frac if gpu.vendor is Vendor.AMD else 1.0
        bandwidth = gb_per_s_to_bytes_per_s(bandwidth_gb_per_s or gpu.mem_bandwidth_gb_per_s)
        low = low_precision_flops(gpu, s.compute_efficiency_frac * vendor)
        return SpeedTerms(
            bandwidth_bytes_per_s=gpu_count * bandwidth * s.bandwidth_efficiency_frac * vendor,
            flops_per_s=gpu_count * engine_flops(gpu, s.compute_efficiency_frac * vendor),
            fixed_s=0.0,
            fixed_per_layer_s=2 * s.tensor_parallel_allreduce_s if gpu_count > 1 else 0.0,
            ubatch_tokens=a.llama_cpp.ubatch,
            per_seq_s=s.per_seq_s / vendor,
            fp8_flops_per_s=_times(gpu_count, low["fp8"]),
            int8_flops_per_s=_times(gpu_count, low["int8"]),
            fp4_flops_per_s=_times(gpu_count, low["fp4"]),
            emulated_fp8_kv_frac=s.emulated_fp8_kv_frac,
            allreduce_s_per_byte=ring_allreduce_s_per_byte(gpu, gpu_count, a),
        )

    def launch(
        self, model: ModelSpec, workload: Workload, gpu_count: int, a: Assumptions, offload: Offload | None = None
    ) -> LaunchSpec:
        """`vllm serve` with the tensor-parallel size, context, sequences and memory share as sized."""
        slots = self.scheduler(workload, a)
        argv = ["vllm", "serve", model.hf_repo or model.id, "--tensor-parallel-size", str(gpu_count)]
        argv += ["--max-model-len", str(slots.context_per_slot), "--max-num-seqs", str(slots.slots)]
        argv += ["--gpu-memory-utilization", f"{self.settings(a).gpu_memory_utilization_frac:g}"]
        return LaunchSpec(argv=(*argv, *format_flags(workload, "fp8")))


def ring_allreduce_s_per_byte(gpu: GpuSpec, gpu_count: int, a: Assumptions) -> float:
    """A ring all-reduce over n GPUs sends 2(n-1)/n of the data over each GPU's link, one way at
    half the datasheet's two-way figure; GPUs without NVLink or Infinity Fabric use PCIe."""
    if gpu_count < 2:
        return 0.0
    link = gpu.interconnect_gb_per_s / 2 if gpu.interconnect_gb_per_s else a.pcie_gb_per_s
    return 2 * (gpu_count - 1) / gpu_count / gb_per_s_to_bytes_per_s(link)


def _times(count: int, rate: float | None) -> float | None:
    return None if rate is None else count * rate


def format_flags(workload: Workload, fp8_kv_name: str) -> list[str]:
    """--quantization for formats that need it, --kv-cache-dtype for an FP8 cache (vLLM and SGLang)."""
    flags = []
    method = QUANTIZATION_METHOD.get(resolve_quant(workload.quant).name)
    if method:
        flags += ["--quantization", method]
    if workload.kv_cache_type == "fp8":
        flags += ["--kv-cache-dtype", fp8_kv_name]
    return flags


RUNTIME = Vllm()
