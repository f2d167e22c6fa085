"""Every modelling constant the estimator uses, with its default and where it came from."""

from __future__ import annotations

from pydantic import Field

from sizer.models.base import _Frozen


class LlamaCppAssumptions(_Frozen):
    """llama.cpp's own constants (ollama runs llama.cpp underneath and reads these too)."""

    # Micro-batch (n_ubatch, llama.cpp's default 512): compute-buffer size and prompt chunks.
    ubatch: int = Field(default=512, gt=0)
    # CUDA/ROCm context per GPU (nvidia-smi shows ~300-500 MiB before any tensor); none on Metal.
    gpu_context_gib: float = Field(default=0.4, ge=0)
    # Cost of each sequence beyond the first in a batched decode step (sampling, batch bookkeeping),
    # seconds (fit on llama-batched-bench tables, benchmarks/serving_accuracy.py).
    per_seq_s: float = Field(default=0.0, ge=0)
    # Batched decode: each extra sequence's token costs its matrix work at this share of the
    # prompt-processing FLOP rate (the mat-vec kernels dequantise per sequence; fit as per_seq_s).
    small_batch_efficiency_frac: float = Field(default=0.2, gt=0, le=1)
    # AMD's wave64 GPUs (GCN and CDNA: Radeon VII, Instinct MI50-MI355X, all HBM): llama.cpp's HIP
    # kernels, written for 32-wide warps, reach this share of the bandwidth other GPUs reach
    # (fitted on the Argonne MI300X and MI250 llama-bench rows, 2024 builds).
    wave64_bandwidth_frac: float = Field(default=0.42, gt=0, le=1)
    # Intel's HBM data-centre GPUs (Max 1550/1100) under the SYCL back end: the same share (fitted
    # on the Argonne Max 1550 llama-bench rows, one GPU, 2024 builds).
    sycl_hbm_bandwidth_frac: float = Field(default=0.15, gt=0, le=1)
    # Those GPUs split by layer across two or more: each token reads the weights held on the other
    # GPUs over the host link instead of on the GPU that holds them, at this rate, GB/s (fitted on
    # the Argonne Max 1550 x2 and x4 rows of dense models, 2024 builds: 250 ms a token for
    # Llama-2-7B F16 on two, 3.46 s for Llama-2-70B on four; ~31 GB/s, a PCIe 5.0 x16 link's half).
    sycl_split_link_gb_per_s: float = Field(default=31.0, gt=0)


class VllmAssumptions(_Frozen):
    """vLLM's own constants. Checked against one measurement (A100 80GB, Llama-2-7B FP16,
    benchmarks/data/serving.csv), not fitted."""

    # Fraction of the summed datasheet bandwidth a tensor-parallel decode step reaches.
    bandwidth_efficiency_frac: float = Field(default=0.9, gt=0, le=1)
    # Time of one all-reduce, two per layer per token on more than one GPU (NCCL latency order).
    tensor_parallel_allreduce_s: float = Field(default=2.0e-5, ge=0)
    # Non-torch memory (CUDA graphs, NCCL, CUDA context), GiB per GPU: reference memory.csv, Llama-3-8B TP=1.
    non_torch_gib: float = Field(default=1.8, ge=0)
    # --gpu-memory-utilization: the share of each GPU vLLM takes (its default 0.9).
    gpu_memory_utilization_frac: float = Field(default=0.9, gt=0, le=1)
    # --max-num-batched-tokens: tokens of one scheduler step, which sets the profile run's activation peak.
    max_batched_tokens: int = Field(default=2048, gt=0)
    # --max-num-seqs: most sequences one scheduler step runs (vLLM's default 256).
    max_num_seqs: int = Field(default=256, gt=0)
    # vLLM's server defaults on GPUs of 70 GiB or more other than A100 (vllm/engine/arg_utils.py,
    # get_batch_defaults, OPENAI_API_SERVER): 8,192 batched tokens and 1,024 sequences per step.
    large_gpu_defaults: bool = True
    large_gpu_gib: float = Field(default=70, gt=0)
    large_gpu_batched_tokens: int = Field(default=8192, gt=0)
    large_gpu_num_seqs: int = Field(default=1024, gt=0)
    # Cost of each sequence beyond the first in a decode step (scheduler, sampling, detokenising),
    # seconds (fit on static batches, benchmarks/serving_accuracy.py).
    per_seq_s: float = Field(default=5.0e-5, ge=0)
    # Fraction of the datasheet's dense tensor rate reached in large decode batches (fit).
    compute_efficiency_frac: float = Field(default=0.2, gt=0, le=1)
    # The same in prompt chunks, whose GEMMs are thousands of tokens tall (fit).
    prefill_compute_efficiency_frac: float = Field(default=0.4, gt=0, le=1)
    # An FP8 KV cache on GPUs without FP8 units (Ampere, RDNA3): each element is converted in
    # software inside the attention kernel, so a byte is read at this share of the f16 speed (fit on
    # vLLM 0.5's A100 FP8-KV static batches: an FP8 cache made 2,048/2,048-token batches 1.4-4.9x slower).
    emulated_fp8_kv_frac: float = Field(default=0.03, gt=0, le=1)
    # AMD GPUs: the ROCm build's share of what the same kernels reach on CUDA (fit on the MI300X
    # and MI250 rows, vLLM 0.6.1 ROCm and later).
    amd_efficiency_frac: float = Field(default=0.4, gt=0, le=1)
    # Intel's HBM data-centre GPUs (Max 1550/1100): the XPU build's share (fit on the Argonne
    # Max 1550 rows, vLLM 0.5.2 XPU, 2024).
    intel_hbm_efficiency_frac: float = Field(default=0.12, gt=0, le=1)
    # Per-token cost per layer of a decode step beyond its reads (CUDA graphs replay the step, so
    # less than llama.cpp's launches), seconds (fit on serving rows, benchmarks/serving_accuracy.py).
    layer_overhead_s: float = Field(default=1.03e-4, ge=0)
    # A served request's time before its first token outside the GPU's steps (HTTP, chat template,
    # tokenising, hand-off to the engine core), seconds (fit on `vllm bench serve` TTFT rows).
    request_overhead_s: float = Field(default=0.02, ge=0)


class Assumptions(_Frozen):
    """Every modelling constant the estimator uses, with its default and where it came from.

    The flat speed constants are fitted by `sizer.calibrate` (`python benchmarks/calibrate.py`) on
    benchmarks/data (llama.cpp llama-bench runs); `benchmarks/accuracy.py` reports their error on GPUs
    left out of the fit. Each engine's own constants sit in its block (`llama_cpp`, `vllm`, `sglang`).
    """

    # Fraction of datasheet bandwidth a decode step reaches, per memory family (fit).
    bandwidth_efficiency_hbm_frac: float = Field(default=0.566, gt=0, le=1)
    bandwidth_efficiency_gddr_frac: float = Field(default=0.915, gt=0, le=1)
    bandwidth_efficiency_lpddr_frac: float = Field(default=0.88, gt=0, le=1)
    bandwidth_efficiency_apple_frac: float = Field(default=0.753, gt=0, le=1)
    # Fixed time per transformer layer per token (kernel launches, norms, small ops), seconds (fit).
    layer_overhead_s: float = Field(default=0.000103, ge=0)
    # Extra time per additional GPU in a llama.cpp layer split, per token, seconds (fit).
    split_hop_s: float = Field(default=6.15e-05, ge=0)
    # Fraction of dense FP16 tensor throughput reached in prompt processing (fit), by software stack.
    compute_efficiency_frac: float = Field(default=0.485, gt=0, le=1)
    compute_efficiency_apple_frac: float = Field(default=0.759, gt=0, le=1)
    compute_efficiency_amd_frac: float = Field(default=0.289, gt=0, le=1)
    compute_efficiency_intel_frac: float = Field(default=0.389, gt=0, le=1)
    # Sustained tensor throughput per watt of board power, TFLOPS/W: discrete cards whose peak
    # exceeds what their power limit sustains (RTX 6000 Ada at 300 W) run at this rate (fit).
    tflops_per_watt: float = Field(default=0.366, gt=0)
    # Prompt processing on quantized weights relative to F16 (dequantisation cost; fit).
    quantized_prefill_frac: float = Field(default=0.8, gt=0, le=1)
    # Fixed prompt-processing time per layer per micro-batch, seconds (fit).
    prefill_layer_overhead_s: float = Field(default=0.000193, ge=0)
    # Apple/unified memory: share the GPU may wire (macOS recommendedMaxWorkingSetSize ~ 75 %).
    unified_memory_gpu_frac: float = Field(default=0.75, gt=0, le=1)
    # System RAM bandwidth for offloaded layers, GB/s (dual-channel DDR5-5600 ~ 90 GB/s peak, ~60 reached).
    system_ram_gb_per_s: float = Field(default=60.0, gt=0)
    # Host-to-GPU link for offloaded layers in prompt processing, GB/s (PCIe 4.0 x16: 32 peak, ~25 reached).
    pcie_gb_per_s: float = Field(default=25.0, gt=0)
    # A ring all-reduce between GPUs without NVLink or Infinity Fabric: NCCL's bus bandwidth over
    # PCIe, GB/s. About half a PCIe 4.0 x16 link's 32 GB/s one way, as GPU-to-GPU traffic crosses
    # the CPU's root complex (NCCL issue 1639: 28-35 GB/s busbw for 8 and 4 GPUs on PCIe 5.0);
    # fit on TensorRT-LLM's L40S TP4/TP8 and vLLM's Arc Pro B60 TP4 rows (25 made them 1.3-1.44x
    # too fast; 15 puts all three within 4 % median).
    pcie_allreduce_gb_per_s: float = Field(default=15.0, gt=0)
    # A GPU the catalog lacks: NVML reports no FP16 rate, so assume this many dense FP16 TFLOPS per
    # GB/s of memory bandwidth (median over the catalog's discrete GPUs, 0.15; range 0.02-0.5).
    # It sets prompt-processing speed only; decode is bandwidth-bound.
    fallback_fp16_tflops_per_gb_per_s: float = Field(default=0.15, gt=0)
    # Per-engine blocks. ollama reads `llama_cpp` (it runs llama.cpp underneath).
    llama_cpp: LlamaCppAssumptions = LlamaCppAssumptions()
    vllm: VllmAssumptions = VllmAssumptions()
    # SGLang: vLLM's values (the same design: CUDA graphs, NCCL all-reduce, a static memory
    # fraction, --mem-fraction-static) until SGLang runs are measured.
    sglang: VllmAssumptions = VllmAssumptions()
    # TensorRT-LLM: the same block (in-flight batching, paged KV, tensor parallel) with its own
    # defaults: --max_batch_size 2048, --max_num_tokens 8192, KV share 0.9 (trtllm-serve's defaults).
    tensorrt_llm: VllmAssumptions = VllmAssumptions(
        max_num_seqs=2048,
        max_batched_tokens=8192,
        per_seq_s=2.0e-5,
        layer_overhead_s=6e-5,
        compute_efficiency_frac=0.4,
        prefill_compute_efficiency_frac=0.7,
        large_gpu_defaults=False,  # trtllm-serve's defaults do not depend on the GPU
    )


DEFAULT_ASSUMPTIONS = Assumptions()


def with_memory_share(a: Assumptions, engine: str, share: float) -> Assumptions:
    """`a` with the engine's share of each GPU (--gpu-memory-utilization) set to `share`."""
    block = {"vllm": "vllm", "sglang": "sglang", "tensorrt-llm": "tensorrt_llm"}[str(engine)]
    settings = getattr(a, block).model_copy(update={"gpu_memory_utilization_frac": share})
    return a.model_copy(update={block: settings})
