"""vLLM: 16-bit and engine formats (FP8, INT8, AWQ, GPTQ), tensor parallel, NVIDIA/AMD/Intel, no
Apple; takes a fixed share of each GPU and never offloads to system RAM."""

from __future__ import annotations

from dataclasses import dataclass

from sizer.core.memory import MemoryNeed, device_bytes
from sizer.core.quant import resolve_quant
from sizer.core.speed import SpeedTerms, engine_flops, low_precision_flops
from sizer.engines._formats import GPU_SERVER
from sizer.engines.base import (
    Runtime,
    Scheduler,
    check_common,
    has_fp8,
    intel_hbm,
    memory_need,
    no_weights,
    repo_for,
)
from sizer.models import (
    Assumptions,
    Engine,
    GpuSpec,
    LaunchSpec,
    ModelSpec,
    Offload,
    Reason,
    Vendor,
    VllmAssumptions,
    Workload,
)
from sizer.units import GiB, gb_per_s_to_bytes_per_s


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
    vision_needs_projector: bool = False
    pipeline_flag: str = "--pipeline-parallel-size"  # stages across nodes (core/launch.py)

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
            request_s=s.request_overhead_s,
        )

    def serving_scheduler(self, workload: Workload, a: Assumptions, gpu: GpuSpec) -> Scheduler:
        """vLLM's server defaults by GPU (EngineArgs.get_batch_defaults, vLLM 0.8 and later): on a
        GPU of 70 GiB or more other than an A100, 8,192 batched tokens and 1,024 sequences a step;
        on others 2,048 and 256 (the block's values). Memory is still sized at the block's budget,
        as the memory measurements were."""
        s = self.settings(a)
        slots = self.scheduler(workload, a)
        large = gpu.vram_gib >= s.large_gpu_gib and "A100" not in gpu.name.upper()
        if not large or not s.large_gpu_defaults:
            return slots
        return Scheduler(
            slots=slots.slots,
            context_per_slot=slots.context_per_slot,
            batch_tokens=s.large_gpu_batched_tokens,
            max_slots=s.large_gpu_num_seqs,
            request_s=slots.request_s,
        )

    def usable_bytes_per_gpu(self, gpu: GpuSpec, a: Assumptions) -> int:
        """--gpu-memory-utilization of each GPU: vLLM never takes more."""
        return int(device_bytes(gpu, a) * self.settings(a).gpu_memory_utilization_frac)

    def overhead_bytes_per_gpu(self, model: ModelSpec, workload: Workload, gpu_count: int, a: Assumptions) -> float:
        """Non-torch memory (CUDA graphs, NCCL, the CUDA context) plus the profile run's peak: F32
        logits and FFN activations of one scheduler step of tokens, the FFN split by tensor parallel;
        and a vision model's encoder, which the checkpoint holds besides the language model (16-bit,
        split by tensor parallel; catalog `mmproj_params`), whatever the use case."""
        s = self.settings(a)
        width = model.experts.intermediate_size * model.experts.active if model.experts else model.intermediate_size
        tokens = self.scheduler(workload, a).batch_tokens
        vision = 2.0 * (model.mmproj_params or 0) / gpu_count
        return s.non_torch_gib * GiB + 4.0 * tokens * (model.vocab_size + 2 * width / gpu_count) + vision

    def kv_free_share(self, a: Assumptions) -> float:
        """All of what is left: the engine's cap is on the whole GPU (or there is none)."""
        return 1.0

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
        vendor = vendor_efficiency(gpu, s)
        bandwidth = gb_per_s_to_bytes_per_s(bandwidth_gb_per_s or gpu.mem_bandwidth_gb_per_s)
        low = low_precision_flops(gpu, s.compute_efficiency_frac * vendor)
        return SpeedTerms(
            bandwidth_bytes_per_s=gpu_count * bandwidth * s.bandwidth_efficiency_frac * vendor,
            flops_per_s=gpu_count * engine_flops(gpu, s.compute_efficiency_frac * vendor),
            fixed_s=0.0,
            fixed_per_layer_s=2 * s.tensor_parallel_allreduce_s if gpu_count * gpu.devices > 1 else 0.0,
            ubatch_tokens=a.llama_cpp.ubatch,
            per_seq_s=s.per_seq_s / vendor,
            fp8_flops_per_s=_times(gpu_count, low["fp8"]),
            int8_flops_per_s=_times(gpu_count, low["int8"]),
            fp4_flops_per_s=_times(gpu_count, low["fp4"]),
            emulated_fp8_kv_frac=s.emulated_fp8_kv_frac,
            allreduce_s_per_byte=ring_allreduce_s_per_byte(gpu, gpu_count * gpu.devices, a),
            layer_s=s.layer_overhead_s,
            prompt_rate_frac=s.prefill_compute_efficiency_frac / s.compute_efficiency_frac,
        )

    def launch(
        self,
        model: ModelSpec,
        workload: Workload,
        gpu_count: int,
        a: Assumptions,
        offload: Offload | None = None,
        gpu: GpuSpec | None = None,
    ) -> LaunchSpec:
        """`vllm serve REPO` (the repository whose weights are in the sized format) with the
        tensor-parallel size, context, sequences, memory share and KV-cache type as sized."""
        weights = server_weights(self, model, workload.quant, gpu)
        if isinstance(weights, LaunchSpec):
            return weights
        repo, flags = weights
        slots = self.scheduler(workload, a)
        tp = gpu_count * (gpu.devices if gpu else 1)  # every device of a multi-device board (MI250's GCDs)
        argv = ["vllm", "serve", repo, *flags, "--tensor-parallel-size", str(tp)]
        argv += ["--max-model-len", str(slots.context_per_slot), "--max-num-seqs", str(slots.slots)]
        argv += ["--gpu-memory-utilization", f"{self.settings(a).gpu_memory_utilization_frac:g}"]
        argv += ["--kv-cache-dtype", "fp8" if workload.kv_cache_type == "fp8" else "auto"]
        return LaunchSpec(argv=tuple(argv))


def vendor_efficiency(gpu: GpuSpec, s: VllmAssumptions) -> float:
    """The share of what the same kernels reach on CUDA that a vendor's build reaches: ROCm on AMD,
    the XPU build on Intel's HBM data-centre GPUs (Max series); 1 elsewhere."""
    if gpu.vendor is Vendor.AMD:
        return s.amd_efficiency_frac
    if intel_hbm(gpu):
        return s.intel_hbm_efficiency_frac
    return 1.0


def ring_allreduce_s_per_byte(gpu: GpuSpec, gpu_count: int, a: Assumptions) -> float:
    """A ring all-reduce over n GPUs sends 2(n-1)/n of the data over each GPU's link, one way at
    half the datasheet's two-way figure; GPUs without NVLink or Infinity Fabric use PCIe at NCCL's
    bus bandwidth there (`pcie_allreduce_gb_per_s`)."""
    if gpu_count < 2:
        return 0.0
    link = gpu.interconnect_gb_per_s / 2 if gpu.interconnect_gb_per_s else a.pcie_allreduce_gb_per_s
    return 2 * (gpu_count - 1) / gpu_count / gb_per_s_to_bytes_per_s(link)


def _times(count: int, rate: float | None) -> float | None:
    return None if rate is None else count * rate


def server_weights(
    runtime: Runtime, model: ModelSpec, quant: str, gpu: GpuSpec | None
) -> tuple[str, list[str]] | LaunchSpec:
    """The repository vLLM or SGLang loads for `quant`, and the flags that make it that format.

    A checkpoint already in the format is loaded as it is: the engine reads its quantization
    config (and picks its fastest kernels, Marlin for AWQ and GPTQ, which an explicit
    `--quantization awq` would turn off). F16 is the 16-bit checkpoint cast with `--dtype float16`.
    FP8 without an FP8 checkpoint is the 16-bit one quantized at load (`--quantization fp8`),
    only on a GPU with FP8 units and never for a model whose own checkpoint is already low-bit.
    Anything else without a repository: no command (a spec with the reason).
    """
    fmt = resolve_quant(quant).name
    repo = repo_for(model, fmt)
    if repo:
        return repo, []
    sixteen = repo_for(model, "BF16") or repo_for(model, "F16")
    if fmt == "F16" and sixteen:
        return sixteen, ["--dtype", "float16"]
    if fmt != "FP8" or not sixteen:
        return no_weights(runtime, model, fmt)
    if model.native_format:
        return LaunchSpec.none(Reason(code="native-low-bit", model=model.id, native_format=model.native_format))
    if gpu is not None and not has_fp8(gpu):
        return LaunchSpec.none(Reason(code="fp8-needs-fp8-gpu", model=model.id, gpu_name=gpu.name))
    return sixteen, ["--quantization", "fp8"]


RUNTIME = Vllm()
