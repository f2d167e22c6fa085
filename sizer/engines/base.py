"""What every engine module provides (the `Runtime` protocol), and the pieces they share.

An engine module owns what is specific to one inference engine: the weight formats it serves, the
KV-cache types it offers, the vendors it runs on, how it splits a model over GPUs, its memory
overheads and usable capacity, how its speed terms combine, its scheduler settings, its
assumptions block, its default format and its launch spec. Layer 2: imports the vocabulary and
the physics (core.quant, core.memory, core.speed); the decisions in core/ call engines, never
the reverse. Adding an engine: one module here, its entry in `sizer.engines.RUNTIMES`, an
`Engine` member, and its tests (tests/engines/ runs the contract over every registered engine).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol, get_args

from sizer.core.memory import MemoryNeed, kv_cache_bytes, weights
from sizer.core.quant import resolve_quant
from sizer.core.speed import SpeedTerms
from sizer.errors import N_, InputError, Message
from sizer.models import (
    Assumptions,
    Engine,
    GpuSpec,
    KvCacheType,
    LaunchSpec,
    ModelSpec,
    Offload,
    Vendor,
    Workload,
)
from sizer.models.reasons import Reason


@dataclass(frozen=True)
class Scheduler:
    """How an engine schedules a workload, in its own terms mapped onto three numbers."""

    slots: int  # sequences served at once: llama.cpp -np, OLLAMA_NUM_PARALLEL, vLLM --max-num-seqs
    context_per_slot: int  # tokens each sequence holds: vLLM --max-model-len, ollama num_ctx
    batch_tokens: int  # prompt tokens per forward pass: llama.cpp n_ubatch, vLLM --max-num-batched-tokens
    max_slots: int = 256  # most sequences it runs at once when asked for more (vLLM --max-num-seqs)
    # Seconds a served request spends outside the GPU's steps before its first token: the API
    # server's HTTP handling, chat template and tokenising, and the hand-off to the engine.
    request_s: float = 0.0

    @property
    def context_total(self) -> int:
        """Tokens of KV cache across all slots (llama.cpp's -c, which it divides among -np slots)."""
        return self.slots * self.context_per_slot


class Runtime(Protocol):
    """One inference engine as sizer models it."""

    @property
    def name(self) -> Engine: ...
    @property
    def label(self) -> str:
        """As people write it: "llama.cpp", "vLLM"."""
        ...

    @property
    def formats(self) -> tuple[str, ...]:
        """Weight formats it serves (core.quant names)."""
        ...

    @property
    def default_format(self) -> str: ...
    @property
    def kv_cache_types(self) -> tuple[str, ...]: ...
    @property
    def vendors(self) -> frozenset[Vendor]: ...
    @property
    def splits_tensors(self) -> bool:
        """Tensor parallel across GPUs (vLLM, SGLang) rather than whole layers per GPU (llama.cpp)."""
        ...

    @property
    def offloads(self) -> bool:
        """Keeps the layers that do not fit in system RAM (llama.cpp -ngl) rather than refusing to start."""
        ...

    @property
    def vision_needs_projector(self) -> bool:
        """Takes images only with a separate projector file (llama-server's --mmproj), which the
        model's catalog entry must name (`mmproj`); the others load it with the weights."""
        ...

    def validate(self, model: ModelSpec, gpu: GpuSpec, workload: Workload, gpu_count: int) -> None:
        """Raise InputError (one line naming what the engine supports) for a combination it cannot run."""
        ...

    def scheduler(self, workload: Workload, a: Assumptions) -> Scheduler:
        """The engine's scheduler settings for a workload (slots, context per slot, batch tokens)."""
        ...

    def serving_scheduler(self, workload: Workload, a: Assumptions, gpu: GpuSpec) -> Scheduler:
        """The scheduler serving runs on `gpu` with (defaults that depend on the GPU applied)."""
        ...

    def usable_bytes_per_gpu(self, gpu: GpuSpec, a: Assumptions) -> int:
        """Device memory one GPU offers the engine, in bytes."""
        ...

    def overhead_bytes_per_gpu(self, model: ModelSpec, workload: Workload, gpu_count: int, a: Assumptions) -> float:
        """The engine's scratch memory per GPU beyond weights and KV cache, in bytes."""
        ...

    def context_bytes_per_gpu(self, gpu_runtime: bool, a: Assumptions) -> float:
        """The GPU runtime's own memory per GPU (CUDA/ROCm context), in bytes; `gpu_runtime` False: none."""
        ...

    def kv_free_share(self, a: Assumptions) -> float:
        """The share of the memory left after weights and overheads that the KV cache takes (1: all
        of it; engines that cap the whole GPU instead do so in `usable_bytes_per_gpu`)."""
        ...

    def memory(
        self, model: ModelSpec, workload: Workload, gpu_count: int, a: Assumptions, gpu_runtime: bool = True
    ) -> MemoryNeed:
        """Weights, KV cache and per-GPU overhead of `workload` on `gpu_count` GPUs, in bytes."""
        ...

    def speed_terms(
        self, gpu: GpuSpec, gpu_count: int, a: Assumptions, bandwidth_gb_per_s: float | None = None
    ) -> SpeedTerms:
        """Bandwidth, compute and fixed costs `gpu_count` x `gpu` offer a step under this engine."""
        ...

    def launch(
        self,
        model: ModelSpec,
        workload: Workload,
        gpu_count: int,
        a: Assumptions,
        offload: Offload | None = None,
        gpu: GpuSpec | None = None,
    ) -> LaunchSpec:
        """The command (argv and environment) that serves `workload` of `model` on `gpu_count` x `gpu`;
        a spec without argv, with the reason, where no command would load the weights as sized."""
        ...


def memory_need(
    runtime: Runtime, model: ModelSpec, workload: Workload, gpu_count: int, a: Assumptions, gpu_runtime: bool
) -> MemoryNeed:
    """Weights at the workload's format, the KV cache of every scheduler slot, and the engine's
    overheads per GPU: what every engine's `memory` computes."""
    ws = weights(model, resolve_quant(workload.quant))
    kv = kv_need(runtime, model, workload, a)
    per_gpu = runtime.overhead_bytes_per_gpu(model, workload, gpu_count, a)
    per_gpu += runtime.context_bytes_per_gpu(gpu_runtime, a)
    return MemoryNeed(weights=ws, kv_cache_bytes=kv, per_gpu_overhead_bytes=per_gpu, gpu_count=gpu_count)


def kv_need(runtime: Runtime, model: ModelSpec, workload: Workload, a: Assumptions) -> int:
    """Bytes of KV cache the engine allocates: every scheduler slot holds its full context."""
    slots = runtime.scheduler(workload, a)
    return kv_cache_bytes(model, slots.context_per_slot, slots.slots, workload.kv_cache_type)


def check_format(runtime: Runtime, quant: str) -> None:
    """The engine serves this weight format (InputError, naming the ones it does, else)."""
    fmt = resolve_quant(quant)
    if fmt.name not in runtime.formats:
        raise InputError(
            N_("{engine} does not serve {format} weights; it serves {formats}"),
            engine=runtime.label,
            format=fmt.name,
            formats=or_list(runtime.formats),
        )


def check_kv_cache(runtime: Runtime, kv_cache_type: str) -> None:
    """The engine offers this KV-cache type (InputError, naming the ones it does, else)."""
    if kv_cache_type not in get_args(KvCacheType):
        raise InputError(
            N_("unknown KV cache type {kv_cache_type!r}; {engine} offers {choices}"),
            kv_cache_type=kv_cache_type,
            engine=runtime.label,
            choices=or_list(runtime.kv_cache_types),
        )
    if kv_cache_type not in runtime.kv_cache_types:
        raise InputError(
            N_("{engine} has no {kv_cache_type} KV cache; choose {choices}"),
            engine=runtime.label,
            kv_cache_type=kv_cache_type,
            choices=or_list(runtime.kv_cache_types),
        )


def check_workload(runtime: Runtime, workload: Workload) -> None:
    """The engine serves the workload's weight format and offers its KV-cache type (InputError else)."""
    check_format(runtime, workload.quant)
    check_kv_cache(runtime, workload.kv_cache_type)


def check_gpu(runtime: Runtime, gpu: GpuSpec) -> None:
    """The engine has a back end for the GPU's vendor (InputError else)."""
    if gpu.vendor not in runtime.vendors:
        names = sorted(v.value for v in runtime.vendors)
        raise InputError(
            N_("{engine} does not run on {vendor} GPUs ({gpu_name}); it runs on {vendors_text}"),
            engine=runtime.label,
            vendor=gpu.vendor,
            gpu_name=gpu.name,
            vendors_text=or_list(names),
        )


def splits_heads(model: ModelSpec, gpu_count: int) -> bool:
    """Whether tensor parallel can split the model's heads over `gpu_count` GPUs: the count divides
    the attention heads, and the KV heads divide evenly or, fewer than the GPUs, are copied to each
    (vLLM's and TensorRT-LLM's rule: the KV heads divide the count; memory.kv_shards sizes the copies)."""
    kv = model.kv_heads
    return model.attention_heads % gpu_count == 0 and (kv % gpu_count == 0 or gpu_count % kv == 0)


def tensor_parallel_sizes(model: ModelSpec, most: int = 8) -> list[int]:
    """GPU counts tensor parallel can split the model over, up to `most` (the GPUs of one 8-GPU
    node: tensor parallel stays inside a node, core/layout.py)."""
    return [n for n in range(1, min(model.attention_heads, most) + 1) if splits_heads(model, n)]


def check_split(runtime: Runtime, model: ModelSpec, gpu_count: int) -> None:
    """Tensor parallel needs a GPU count that splits the heads (splits_heads; InputError else)."""
    if runtime.splits_tensors and gpu_count > 1 and not splits_heads(model, gpu_count):
        sizes = [str(n) for n in tensor_parallel_sizes(model)]
        raise InputError(
            N_(
                "tensor-parallel size {gpu_count} does not divide {model}'s {attention_heads} attention and "
                "{kv_heads} KV heads; use {gpu_counts_text} GPUs"
            ),
            gpu_count=gpu_count,
            model=model.id,
            attention_heads=model.attention_heads,
            kv_heads=model.kv_heads,
            gpu_counts_text=or_list(sizes),
        )


def rig_refusal(runtime: Runtime, model: ModelSpec, gpu: GpuSpec, gpu_count: int) -> Reason | None:
    """Why the engine cannot run the model on `gpu_count` x `gpu` at all, as a reason (None: it can):
    what check_gpu and check_split refuse, for results that list it (recommend, check)."""
    if gpu.vendor not in runtime.vendors:
        vendors = ", ".join(sorted(v.value for v in runtime.vendors))
        return Reason(
            code="engine-no-backend", engine=runtime.label, vendor=str(gpu.vendor), gpu_name=gpu.name, vendors=vendors
        )
    if runtime.splits_tensors and gpu_count > 1 and not splits_heads(model, gpu_count):
        return Reason(
            code="tensor-parallel-split",
            model=model.id,
            gpu_count=gpu_count,
            attention_heads=model.attention_heads,
            kv_heads=model.kv_heads,
            gpu_counts=", ".join(str(n) for n in tensor_parallel_sizes(model)),
        )
    return None


def check_nodes(runtime: Runtime, nodes: int) -> None:
    """More than one node needs an engine that splits tensors inside a node and pipelines across
    them (vLLM, SGLang, TensorRT-LLM); a layer-splitting engine stays in one (InputError else)."""
    if nodes < 1:
        raise InputError(N_("--nodes must be at least 1, got {nodes}"), nodes=nodes)
    if nodes > 1 and not runtime.splits_tensors:
        raise InputError(
            N_(
                "{engine} runs on one node; llama.cpp's RPC back end spreads layers over machines but is "
                "experimental and not sized here; use --nodes 1, or vLLM, SGLang or TensorRT-LLM"
            ),
            engine=runtime.label,
        )


def check_common(runtime: Runtime, model: ModelSpec, gpu: GpuSpec, workload: Workload, gpu_count: int) -> None:
    """The checks every engine makes: format, KV-cache type, vendor, (tensor parallel) head
    divisibility, and kernels for the format on the GPU."""
    check_workload(runtime, workload)
    check_gpu(runtime, gpu)
    check_split(runtime, model, gpu_count)
    check_loads(runtime, resolve_quant(workload.quant).name, gpu)


def or_list(items: tuple[str, ...] | list[str]) -> str | Message:
    """'a, b or c' ("or" in the output language, as render.messages words a reason's list)."""
    return (
        Message(N_("{items} or {last}"), items=", ".join(items[:-1]), last=items[-1])
        if len(items) > 1
        else "".join(items)
    )


# FP8 tensor cores by name: NVIDIA Ada (GeForce RTX 40, "Ada Generation", L4, L40, L40S), Hopper
# (H100, H200, H800, H20, GH200) and Blackwell (GeForce RTX 50, "Blackwell", B100/B200/B300, GB10,
# GB200/GB300); AMD CDNA 3 and later (Instinct MI300, MI325, MI350, MI355). NVIDIA's compute
# capability table (sm_89 and later: FP8) and AMD's CDNA 3 ISA guide are the sources.
_FP8_NVIDIA = re.compile(
    r"\b(RTX\s*(40|50)\d{2}|Ada|Blackwell|L4|L40S?|G?H(100|200|800|20)|G?B(10|100|200|300))\b", re.I
)
_FP8_AMD = re.compile(r"\bMI3\d{2}", re.I)
# H100, the first datacenter part with FP8, launched in 2022-10 (catalog); NVIDIA's datacenter
# parts since are Hopper or later, but for Ampere cut-downs, whose names start with "A" (A800).
_FP8_DATACENTER_SINCE = "2022-10"


def intel_hbm(gpu: GpuSpec) -> bool:
    """Intel's HBM data-centre GPUs (Max 1550/1100), which llama.cpp runs through its SYCL back end
    and vLLM through its XPU build."""
    return gpu.vendor is Vendor.INTEL and gpu.memory_class == "hbm"


def has_fp8(gpu: GpuSpec) -> bool:
    """Whether the GPU has FP8 tensor units, which quantizing weights to FP8 at load time
    (vLLM's and SGLang's `--quantization fp8`) needs. The catalog's FP8 rate decides where it has one."""
    fp8_tflops = getattr(gpu, "fp8_tflops", None)
    if fp8_tflops is not None:
        return bool(fp8_tflops > 0)
    if gpu.vendor is Vendor.AMD:
        return bool(_FP8_AMD.search(gpu.name))
    if gpu.vendor is not Vendor.NVIDIA:
        return False
    if _FP8_NVIDIA.search(gpu.name):
        return True
    recent = gpu.launch is not None and gpu.launch >= _FP8_DATACENTER_SINCE
    return gpu.category == "datacenter" and recent and not gpu.name.upper().startswith("A")


def default_format(runtime: Runtime, model: ModelSpec) -> str:
    """The format a model is sized in when none is asked for: where the engine serves the maker's
    own low-bit format (DeepSeek-V3's FP8 under vLLM, gpt-oss's MXFP4 under any engine), that
    format, the only one its repositories hold; else the engine's default (llama.cpp's Q4_K_M)."""
    native = model.native_format
    if native and native in runtime.formats:
        return native
    return runtime.default_format


def own_format(model: ModelSpec) -> str:
    """The format of the weights in the model's own repository (`hf_repo`): its native low-bit
    format, the dtype of the file it was read from, else 16-bit (BF16)."""
    if model.native_format:
        return model.native_format
    return model.file_weights.quant if model.file_weights else "BF16"


def repo_for(model: ModelSpec, fmt: str) -> str | None:
    """The Hugging Face repository whose weights are in `fmt` (a core.quant name, or "GGUF"), if known."""
    listed = model.repos.get(fmt)
    if listed:
        return listed
    return model.hf_repo if model.hf_repo and own_format(model) == fmt else None


def listed_formats(model: ModelSpec) -> str:
    """The formats the catalog knows a repository for, comma-separated (for a reason's `formats`)."""
    known = dict.fromkeys([*model.repos.formats, *([own_format(model)] if model.hf_repo else [])])
    return ", ".join(known)


def no_weights(runtime: Runtime, model: ModelSpec, quant: str, formats: str | None = None) -> LaunchSpec:
    """No command: no repository holds the model in the sized format (and which ones there are)."""
    listed = listed_formats(model) if formats is None else formats
    return LaunchSpec.none(
        Reason(code="no-weights-repo", model=model.id, quant=quant, engine=runtime.label, formats=listed)
    )


# The first GPUs whose kernels vLLM-class servers use for weight-only FP8 and 4-bit formats
# (Marlin: compute capability 8.0, NVIDIA Ampere, May 2020); Volta and Turing lack them.
_MARLIN_SINCE = "2020-05"


def loads_on(fmt: str, gpu: GpuSpec) -> bool:
    """Whether a tensor-parallel server (vLLM, SGLang, TensorRT-LLM) has kernels for weights in
    `fmt` on `gpu`: FP8 needs FP8 units or Ampere's weight-only kernels; NVFP4 needs FP4 units;
    AWQ, GPTQ and MXFP4 need Ampere-class integer tensor units; 16-bit, INT8 and NF4 load anywhere
    the engine runs."""
    ampere_class = gpu.int8_tops is not None and gpu.launch is not None and gpu.launch >= _MARLIN_SINCE
    if fmt == "FP8":
        return has_fp8(gpu) or (gpu.vendor is Vendor.NVIDIA and ampere_class)
    if fmt == "NVFP4":
        return gpu.fp4_tflops is not None
    if fmt in {"AWQ", "GPTQ", "MXFP4"}:
        return has_fp8(gpu) or ampere_class or gpu.fp4_tflops is not None
    return True


def check_loads(runtime: Runtime, fmt: str, gpu: GpuSpec) -> None:
    """The engine has kernels for the format on the GPU (InputError, naming what would load, else)."""
    if runtime.splits_tensors and not loads_on(fmt, gpu):
        raise InputError(
            N_(
                "{engine} has no kernels for {fmt} weights on {gpu_name} (FP8 needs an Ampere or newer NVIDIA GPU "
                "or FP8 units, NVFP4 FP4 units, AWQ/GPTQ/MXFP4 Ampere or newer); use BF16 or F16"
            ),
            engine=runtime.label,
            fmt=fmt,
            gpu_name=gpu.name,
        )
