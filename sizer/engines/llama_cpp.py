"""llama.cpp (llama-server): GGUF files, f16/q8_0/q4_0 KV cache, whole layers per GPU, every vendor,
layers that do not fit kept in system RAM."""

from __future__ import annotations

from dataclasses import dataclass

from sizer.core.memory import MemoryNeed, device_bytes
from sizer.core.quant import resolve_quant
from sizer.core.speed import SpeedTerms, bandwidth_efficiency, sustained_flops
from sizer.engines._formats import GGUF
from sizer.engines.base import Scheduler, check_common, memory_need
from sizer.models import Assumptions, Engine, GpuSpec, LaunchSpec, ModelSpec, Offload, Vendor, Workload
from sizer.units import GiB, gb_per_s_to_bytes_per_s


@dataclass(frozen=True)
class LlamaCpp:
    name: Engine = Engine.LLAMA_CPP
    label: str = "llama.cpp"
    formats: tuple[str, ...] = GGUF
    default_format: str = "Q4_K_M"
    kv_cache_types: tuple[str, ...] = ("f16", "q8_0", "q4_0")
    vendors: frozenset[Vendor] = frozenset(Vendor)
    splits_tensors: bool = False
    offloads: bool = True
    # llama.cpp's CUDA matrix kernels accumulate in FP16, so GeForce cards (FP32 accumulate at
    # half rate) reach their full FP16 tensor rate in prompt processing.
    accumulates_fp16: bool = True

    def validate(self, model: ModelSpec, gpu: GpuSpec, workload: Workload, gpu_count: int) -> None:
        check_common(self, model, gpu, workload, gpu_count)

    def scheduler(self, workload: Workload, a: Assumptions) -> Scheduler:
        """-np slots, one per sequence, each with the workload's context (-c is their sum)."""
        return Scheduler(slots=workload.batch, context_per_slot=workload.context, batch_tokens=a.llama_cpp.ubatch)

    def usable_bytes_per_gpu(self, gpu: GpuSpec, a: Assumptions) -> int:
        return int(device_bytes(gpu, a))

    def overhead_bytes_per_gpu(self, model: ModelSpec, workload: Workload, gpu_count: int, a: Assumptions) -> float:
        """Compute buffer per GPU: F32 logits plus one hidden state per token of a micro-batch.

        With flash attention the logits dominate: Llama-3-8B at n_ubatch 512 logs 258.5 MiB
        (reference memory.csv, llama.cpp b2797 Metal) = 4 bytes x 512 x (128256 + 4096).
        """
        slots = self.scheduler(workload, a)
        ubatch = min(slots.batch_tokens, slots.context_total)
        return 4.0 * ubatch * (model.vocab_size + model.hidden_size)

    def context_bytes_per_gpu(self, gpu_runtime: bool, a: Assumptions) -> float:
        """CUDA/ROCm context per GPU (Metal on Apple has none worth counting)."""
        return a.llama_cpp.gpu_context_gib * GiB if gpu_runtime else 0.0

    def memory(
        self, model: ModelSpec, workload: Workload, gpu_count: int, a: Assumptions, gpu_runtime: bool = True
    ) -> MemoryNeed:
        return memory_need(self, model, workload, gpu_count, a, gpu_runtime)

    def speed_terms(
        self, gpu: GpuSpec, gpu_count: int, a: Assumptions, bandwidth_gb_per_s: float | None = None
    ) -> SpeedTerms:
        """Layer split: GPUs take turns, so one GPU's bandwidth and compute serve each token, plus
        a hop per extra GPU (split_hop_s, fitted on multi-GPU llama-bench rigs)."""
        bandwidth = gb_per_s_to_bytes_per_s(bandwidth_gb_per_s or gpu.mem_bandwidth_gb_per_s)
        return SpeedTerms(
            bandwidth_bytes_per_s=bandwidth * bandwidth_efficiency(gpu, a),
            flops_per_s=sustained_flops(gpu, a, self.accumulates_fp16),
            fixed_s=(gpu_count - 1) * a.split_hop_s,
            fixed_per_layer_s=0.0,
            ubatch_tokens=a.llama_cpp.ubatch,
            per_seq_s=a.llama_cpp.per_seq_s,
            small_batch_efficiency=a.llama_cpp.small_batch_efficiency_frac,
        )

    def launch(
        self, model: ModelSpec, workload: Workload, gpu_count: int, a: Assumptions, offload: Offload | None = None
    ) -> LaunchSpec:
        """llama-server with the GGUF file as the usual repos name it, all layers on the GPUs (-ngl 99)
        or as many as fit, -c the KV cache of all -np slots, flash attention on (as sized)."""
        slots = self.scheduler(workload, a)
        quant = resolve_quant(workload.quant).name
        repo = (model.hf_repo or model.id).rsplit("/", 1)[-1]
        argv = ["llama-server", "-m", f"{repo}-{quant}.gguf", "-ngl", str(offload.gpu_layers if offload else 99)]
        argv += ["-c", str(slots.context_total), "-np", str(slots.slots), "--flash-attn", "on"]
        if gpu_count > 1:
            argv += ["--split-mode", "layer", "--tensor-split", ",".join(["1"] * gpu_count)]
        if workload.kv_cache_type != "f16":
            argv += ["--cache-type-k", workload.kv_cache_type, "--cache-type-v", workload.kv_cache_type]
        return LaunchSpec(argv=tuple(argv))


RUNTIME = LlamaCpp()
