"""llama.cpp (llama-server): GGUF files, f16/q8_0/q4_0 KV cache, whole layers per GPU, every vendor,
layers that do not fit kept in system RAM."""

from __future__ import annotations

from dataclasses import dataclass

from sizer.core.memory import MemoryNeed, device_bytes
from sizer.core.quant import resolve_quant
from sizer.core.speed import SpeedTerms, bandwidth_efficiency, sustained_flops
from sizer.engines._formats import GGUF
from sizer.engines.base import Scheduler, check_common, intel_hbm, memory_need, no_weights, repo_for
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
    vision_needs_projector: bool = True  # llama-server --mmproj
    # llama.cpp's CUDA matrix kernels accumulate in FP16, so GeForce cards (FP32 accumulate at
    # half rate) reach their full FP16 tensor rate in prompt processing.
    accumulates_fp16: bool = True

    def validate(self, model: ModelSpec, gpu: GpuSpec, workload: Workload, gpu_count: int) -> None:
        check_common(self, model, gpu, workload, gpu_count)

    def scheduler(self, workload: Workload, a: Assumptions) -> Scheduler:
        """-np slots, one per sequence, each with the workload's context (-c is their sum)."""
        return Scheduler(slots=workload.batch, context_per_slot=workload.context, batch_tokens=a.llama_cpp.ubatch)

    def serving_scheduler(self, workload: Workload, a: Assumptions, gpu: GpuSpec) -> Scheduler:
        """-np slots as asked, whatever the GPU."""
        return self.scheduler(workload, a)

    def usable_bytes_per_gpu(self, gpu: GpuSpec, a: Assumptions) -> int:
        return int(device_bytes(gpu, a))

    def overhead_bytes_per_gpu(self, model: ModelSpec, workload: Workload, gpu_count: int, a: Assumptions) -> float:
        """Compute buffer per GPU: F32 logits plus one hidden state per token of a micro-batch; and,
        serving images, the vision projector's weights (counted on every GPU: llama.cpp puts it on
        one, which one depends on the split).

        With flash attention the logits dominate: Llama-3-8B at n_ubatch 512 logs 258.5 MiB
        (reference memory.csv, llama.cpp b2797 Metal) = 4 bytes x 512 x (128256 + 4096).
        """
        slots = self.scheduler(workload, a)
        ubatch = min(slots.batch_tokens, slots.context_total)
        buffer = 4.0 * ubatch * (model.vocab_size + model.hidden_size)
        return buffer + (projector_bytes(model) if workload.images and projector(model) else 0.0)

    def kv_free_share(self, a: Assumptions) -> float:
        """All of what is left: the engine's cap is on the whole GPU (or there is none)."""
        return 1.0

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
        a hop per extra GPU (split_hop_s, fitted on multi-GPU llama-bench rigs). A board of several
        devices (MI250's two GCDs) is that many GPUs taking turns, each with its share. On Intel's
        HBM GPUs (SYCL) a split reads the other GPUs' weights over the host link each token."""
        board = gb_per_s_to_bytes_per_s(gpu.mem_bandwidth_gb_per_s) / gpu.devices
        # A measured bandwidth is one device's already (a probe sees each GCD as a GPU).
        bandwidth = gb_per_s_to_bytes_per_s(bandwidth_gb_per_s) if bandwidth_gb_per_s else board
        reach = bandwidth * bandwidth_efficiency(gpu, a) * backend_share(gpu, a)
        n = gpu_count * gpu.devices
        if n > 1 and intel_hbm(gpu):  # the other GPUs' (n - 1)/n of the weights cross the host link
            link = gb_per_s_to_bytes_per_s(a.llama_cpp.sycl_split_link_gb_per_s)
            reach = 1 / (1 / (n * reach) + (n - 1) / (n * link))
        return SpeedTerms(
            bandwidth_bytes_per_s=reach,
            flops_per_s=sustained_flops(gpu, a, self.accumulates_fp16) / gpu.devices,
            fixed_s=(gpu_count * gpu.devices - 1) * a.split_hop_s,
            fixed_per_layer_s=0.0,
            ubatch_tokens=a.llama_cpp.ubatch,
            per_seq_s=a.llama_cpp.per_seq_s,
            small_batch_efficiency=a.llama_cpp.small_batch_efficiency_frac,
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
        """llama-server with the GGUF file of the sized type (`-hf REPO:TYPE` from the catalog's GGUF
        repository, or `-m FILE` for the file it was read from), the vision projector when it serves
        images (`--mmproj-url`), all layers on the GPUs (-ngl 99) or as many as fit, -c the KV cache
        of all -np slots, flash attention on (as sized)."""
        quant = resolve_quant(workload.quant).name
        weights = gguf_weights(model, quant)
        if weights is None:
            return no_weights(self, model, quant, "GGUF" if repo_for(model, "GGUF") else "")
        slots = self.scheduler(workload, a)
        argv = ["llama-server", *weights, *(projector(model) if workload.images else [])]
        argv += ["-ngl", str(offload.gpu_layers if offload else 99)]
        argv += ["-c", str(slots.context_total), "-np", str(slots.slots), "--flash-attn", "on"]
        if gpu_count > 1:
            argv += ["--split-mode", "layer", "--tensor-split", ",".join(["1"] * gpu_count)]
        if workload.kv_cache_type != "f16":
            argv += ["--cache-type-k", workload.kv_cache_type, "--cache-type-v", workload.kv_cache_type]
        return LaunchSpec(argv=tuple(argv))


def gguf_weights(model: ModelSpec, quant: str) -> list[str] | None:
    """The flags that name the GGUF file of type `quant`: the file the model was read from, when
    it is of that type, else the catalog's GGUF repository with the type as its tag (llama.cpp's
    `-hf` picks the file of that type, split files included); None where there is neither."""
    read = model.file_weights
    if read and read.quant == quant and read.source.lower().endswith(".gguf"):
        return ["-m", read.source]
    repo = repo_for(model, "GGUF")
    return ["-hf", f"{repo}:{quant}"] if repo else None


def projector(model: ModelSpec) -> list[str]:
    """A vision model's projector (llama.cpp's `--mmproj-url`; without it llama-server serves text
    only): the catalog's file in the model's GGUF repository, or OWNER/REPO/FILE in another."""
    repo = repo_for(model, "GGUF")
    if not model.mmproj or not repo or "vision" not in model.use_cases:
        return []
    where, _, name = model.mmproj.rpartition("/")
    return ["--mmproj-url", f"https://huggingface.co/{where or repo}/resolve/main/{name}"]


def projector_bytes(model: ModelSpec) -> float:
    """Bytes of the vision projector file: its parameters at the file's type (Q8_0 or 16-bit)."""
    per_param = 34 / 32 if model.mmproj and "Q8_0" in model.mmproj.upper() else 2.0
    return (model.mmproj_params or 0) * per_param


RUNTIME = LlamaCpp()


def wave64(gpu: GpuSpec) -> bool:
    """AMD's GCN and CDNA GPUs run 64-wide wavefronts; every AMD GPU with HBM is one of them
    (Radeon VII, Instinct MI50 to MI355X), every GDDR or LPDDR one is RDNA (32-wide)."""
    return gpu.vendor is Vendor.AMD and gpu.memory_class == "hbm"


def backend_share(gpu: GpuSpec, a: Assumptions) -> float:
    """The share of the usual bandwidth llama.cpp's back end reaches on GPUs its kernels are not
    tuned for: AMD's wave64 GPUs (HIP) and Intel's HBM data-centre GPUs (SYCL); 1 elsewhere."""
    if wave64(gpu):
        return a.llama_cpp.wave64_bandwidth_frac
    if intel_hbm(gpu):
        return a.llama_cpp.sycl_hbm_bandwidth_frac
    return 1.0
