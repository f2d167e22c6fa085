"""The vocabulary: pydantic models for catalog entries, workloads, assumptions and results.

Layer 0: imports only the standard library and pydantic. Result models are the JSON that
`--json` prints (`model_dump(mode="json")`); memory is in bytes (int) everywhere.
"""

from __future__ import annotations

import datetime as dt
import re
from enum import StrEnum
from typing import Annotated, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

_ID_PATTERN = r"^[a-z0-9][a-z0-9._-]*$"

PositiveInt = Annotated[int, Field(gt=0)]
PositiveFloat = Annotated[float, Field(gt=0)]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Engine(StrEnum):
    """Inference engines sizer models. ollama runs llama.cpp underneath."""

    LLAMA_CPP = "llama.cpp"
    VLLM = "vllm"


class Vendor(StrEnum):
    NVIDIA = "nvidia"
    AMD = "amd"
    INTEL = "intel"
    APPLE = "apple"


class Currency(StrEnum):
    EUR = "EUR"
    USD = "USD"


def _parse_date(value: object) -> object:
    """Accept YYYY, YYYY-MM and YYYY-MM-DD as written in the catalogs; keep them as text."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int):
        return str(value)
    return value


DateText = Annotated[str, Field(pattern=r"^\d{4}(-\d{2}(-\d{2})?)?$")]


# Dated EUR/USD rate used wherever the two currencies meet (ECB reference rate, 2025:
# 1 EUR = 1.1665 USD, as reported at https://utroruse.com/amp/?id=1134215).
USD_PER_EUR = 1.1665


class Money(_Frozen):
    """An amount of money in EUR or USD."""

    amount: float = Field(ge=0)
    currency: Currency = Currency.EUR

    def to(self, currency: Currency) -> float:
        """The amount in `currency` at the dated EUR/USD rate."""
        if currency is self.currency:
            return self.amount
        return self.amount * USD_PER_EUR if self.currency is Currency.EUR else self.amount / USD_PER_EUR


class Price(_Frozen):
    """A price with its currency, the date it held and where it came from."""

    amount: PositiveFloat
    currency: Currency
    date: DateText
    kind: Literal["msrp", "street", "list"] = "msrp"
    source: str = Field(min_length=1)

    _date = field_validator("date", mode="before")(_parse_date)


class GpuSpec(_Frozen):
    """One accelerator as the catalog describes it (datasheet units in the field names)."""

    id: str = Field(pattern=_ID_PATTERN)
    name: str = Field(min_length=1)
    vendor: Vendor
    category: Literal["consumer", "workstation", "datacenter", "soc"]
    aliases: tuple[str, ...] = ()
    vram_gib: PositiveFloat
    memory_options_gib: tuple[PositiveFloat, ...] = ()
    gpu_cores: PositiveInt | None = None
    unified_memory: bool = False
    memory_type: str = Field(min_length=2)
    mem_bandwidth_gb_per_s: PositiveFloat
    fp16_tflops: PositiveFloat
    tdp_w: PositiveFloat
    launch: DateText | None = None
    price: Price | None = None
    source: str = Field(min_length=1)
    notes: str | None = None

    _launch = field_validator("launch", mode="before")(_parse_date)

    @property
    def memory_class(self) -> str:
        """hbm, gddr, lpddr or apple: the memory system family that sets achievable bandwidth.

        Apple's unified memory is its own class: its GPUs reach a smaller share of the marketing
        bandwidth than other LPDDR systems (M1 Max ~240 of 400 GB/s in published measurements).
        """
        kind = self.memory_type.lower()
        if self.vendor is Vendor.APPLE:
            return "apple"
        if "hbm" in kind:
            return "hbm"
        if "gddr" in kind:
            return "gddr"
        return "lpddr"

    @property
    def half_rate_fp32_accumulate(self) -> bool:
        """GeForce tensor cores run FP16 with FP32 accumulate at half the FP16-accumulate rate.

        `fp16_tflops` holds the FP32-accumulate rate frameworks such as PyTorch use; llama.cpp's
        CUDA matrix multiplications accumulate in FP16 and so get twice that on these cards.
        """
        # GeForce RTX cards have tensor cores; GeForce GTX cards have none, so no such rate.
        return self.vendor is Vendor.NVIDIA and self.category == "consumer" and "RTX" in self.name.upper()


class Experts(_Frozen):
    """Mixture-of-experts layout."""

    count: PositiveInt
    active: PositiveInt
    intermediate_size: PositiveInt
    shared_count: int = Field(default=0, ge=0)
    shared_intermediate_size: int = Field(default=0, ge=0)
    dense_layers: int = Field(default=0, ge=0)

    @model_validator(mode="after")
    def _active_le_count(self) -> Experts:
        if self.active > self.count:
            raise ValueError(f"active experts ({self.active}) exceed expert count ({self.count})")
        return self


class SlidingWindow(_Frozen):
    """Local attention: `size` tokens; one full-attention layer in every `global_every` (None: all local)."""

    size: PositiveInt
    global_every: PositiveInt | None = None


class Mla(_Frozen):
    """DeepSeek multi-head latent attention: the KV cache holds the compressed latent plus RoPE key."""

    kv_lora_rank: PositiveInt
    qk_rope_head_dim: PositiveInt
    qk_nope_head_dim: PositiveInt
    v_head_dim: PositiveInt
    q_lora_rank: PositiveInt | None = None


class Quality(_Frozen):
    score: float
    benchmark: str
    source: str


UseCase = Literal["chat", "code", "reasoning", "summarization", "multilingual", "vision", "rag"]


class FileWeights(_Frozen):
    """Exact weight bytes read from a model file (GGUF tensor types, safetensors dtypes)."""

    quant: str = Field(min_length=1)  # the file's type as sizer names it (Q4_K_M, BF16, …)
    total_bytes: PositiveInt
    source: str = Field(min_length=1)  # the file or repo it was read from


class ModelSpec(_Frozen):
    """One open model: identity, architecture (what memory and speed follow from), licence and use."""

    id: str = Field(pattern=_ID_PATTERN)
    name: str = Field(min_length=1)
    family: str = ""
    arch: str = "llama"
    hf_repo: str | None = None
    aliases: tuple[str, ...] = ()
    params_total: PositiveInt
    params_active: PositiveInt | None = None
    layers: PositiveInt
    hidden_size: PositiveInt
    intermediate_size: PositiveInt
    attention_heads: PositiveInt
    kv_heads: PositiveInt
    head_dim: PositiveInt
    vocab_size: PositiveInt
    max_context: PositiveInt
    tie_embeddings: bool = False
    ffn_gated: bool = True
    experts: Experts | None = None
    sliding_window: SlidingWindow | None = None
    mla: Mla | None = None
    license: str = "unknown"
    commercial_use: bool | None = None
    release_date: DateText | None = None
    use_cases: tuple[UseCase, ...] = ()
    german: bool = False
    quality: Quality | None = None
    source: str = "unknown"
    notes: str | None = None
    file_weights: FileWeights | None = None  # set when the model came from a file, not the catalog

    _release = field_validator("release_date", mode="before")(_parse_date)

    @model_validator(mode="after")
    def _consistent(self) -> ModelSpec:
        if self.kv_heads > self.attention_heads:
            raise ValueError(f"kv_heads ({self.kv_heads}) exceed attention_heads ({self.attention_heads})")
        if self.params_active is not None and self.params_active > self.params_total:
            raise ValueError("params_active exceeds params_total")
        return self

    @property
    def is_moe(self) -> bool:
        return self.experts is not None


class Assumptions(_Frozen):
    """Every modelling constant the estimator uses, with its default and where it came from.

    The speed constants are fitted by `benchmarks/calibrate.py` on ../shared/reference (llama.cpp
    llama-bench runs); `benchmarks/accuracy.py` reports their error on GPUs left out of the fit.
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
    # vLLM: tensor-parallel decode efficiency per extra GPU and all-reduce time per layer (NVIDIA
    # NCCL latency order, ~10 µs per all-reduce, two per layer).
    tensor_parallel_allreduce_s: float = Field(default=2.0e-5, ge=0)
    vllm_bandwidth_efficiency_frac: float = Field(default=0.8, gt=0, le=1)
    # Runtime memory: CUDA/ROCm context per GPU (nvidia-smi shows ~300-500 MiB before any tensor).
    gpu_context_gib: float = Field(default=0.4, ge=0)
    # vLLM non-torch memory (CUDA graphs, NCCL), GiB per GPU: reference memory.csv, Llama-3-8B TP=1.
    vllm_non_torch_gib: float = Field(default=1.8, ge=0)
    vllm_gpu_memory_utilization_frac: float = Field(default=0.9, gt=0, le=1)
    vllm_max_batched_tokens: int = Field(default=2048, gt=0)
    # llama.cpp micro-batch (n_ubatch default 512) used for compute-buffer size and prefill.
    llama_cpp_ubatch: int = Field(default=512, gt=0)
    # Apple/unified memory: share the GPU may wire (macOS recommendedMaxWorkingSetSize ~ 75 %).
    unified_memory_gpu_frac: float = Field(default=0.75, gt=0, le=1)
    # System RAM bandwidth for offloaded layers, GB/s (dual-channel DDR5-5600 ~ 90 GB/s peak, ~60 reached).
    system_ram_gb_per_s: float = Field(default=60.0, gt=0)
    # Host-to-GPU link for offloaded layers in prompt processing, GB/s (PCIe 4.0 x16: 32 peak, ~25 reached).
    pcie_gb_per_s: float = Field(default=25.0, gt=0)
    # A GPU the catalog lacks: NVML reports no FP16 rate, so assume this many dense FP16 TFLOPS per
    # GB/s of memory bandwidth (median over the catalog's discrete GPUs, 0.15; range 0.02-0.5).
    # It sets prompt-processing speed only; decode is bandwidth-bound.
    fallback_fp16_tflops_per_gb_per_s: float = Field(default=0.15, gt=0)


class CloudGpuPrice(_Frozen):
    """On-demand rental of one GPU, per hour."""

    gpu: str
    price_per_hour: PositiveFloat
    currency: Currency
    provider: str
    date: str
    source: str


class ApiPrice(_Frozen):
    """A hosted model's price per million generated (output) tokens."""

    model: str
    provider: str
    output_per_million: PositiveFloat
    input_per_million: float | None = None
    currency: Currency
    date: str
    source: str


class CostSettings(_Frozen):
    """What running hardware costs: electricity, the box around the GPUs, use, write-off period."""

    currency: Currency = Currency.EUR
    kwh_price: float = Field(default=0.27, ge=0)  # in `currency`
    base_system_price: float = Field(default=1500, ge=0)  # in `currency`; CPU, board, RAM, PSU, case
    base_system_power_w: float = Field(default=150, ge=0)
    utilisation_frac: float = Field(default=0.5, gt=0, le=1)
    amortisation_years: float = Field(default=3, gt=0)
    hours_per_month: float = Field(default=730, gt=0)  # 8760 h / 12
    cloud_gpu_hourly: tuple[CloudGpuPrice, ...] = ()
    api_prices: tuple[ApiPrice, ...] = ()
    api_reference: str | None = None  # the API model cost comparisons use; default: the cheapest listed


PROBE_SCHEMA: Final = "sizer.probe/1"


class CpuInfo(_Frozen):
    model: str = "unknown"
    physical_cores: int | None = Field(default=None, ge=1)
    logical_cores: int | None = Field(default=None, ge=1)
    arch: str = "unknown"


class MemoryInfo(_Frozen):
    total_bytes: int = Field(ge=0)
    available_bytes: int | None = Field(default=None, ge=0)


class DiskInfo(_Frozen):
    """Free space where models will live; `path` is the directory measured (the nearest existing
    one), `requested_path` the one asked for when it does not exist yet."""

    path: str
    total_bytes: int = Field(ge=0)
    free_bytes: int = Field(ge=0)
    label: str | None = None  # huggingface, ollama or models-dir
    requested_path: str | None = None


class GpuDevice(_Frozen):
    """One GPU as this machine reports it. A hand-written file needs only name, memory, bandwidth."""

    index: int = Field(default=0, ge=0)
    name: str = Field(min_length=1)
    vendor: Vendor | None = None
    uuid: str | None = None
    memory_total_bytes: PositiveInt
    memory_free_bytes: int | None = Field(default=None, ge=0)
    memory_used_bytes: int | None = Field(default=None, ge=0)
    bandwidth_bytes_per_s: PositiveFloat | None = None  # from bus width x memory clock, or measured
    bandwidth_measured: bool = False  # True when `sizer probe --bench` measured bandwidth_bytes_per_s
    memory_type: str | None = None  # HBM3, GDDR6X, …; a hand-written file may say (else inferred)
    fp16_tflops: PositiveFloat | None = None
    catalog_id: str | None = None
    driver_version: str | None = None
    cuda_version: str | None = None
    compute_capability: str | None = None
    memory_bus_width_bits: int | None = None
    max_memory_clock_mhz: int | None = None
    power_limit_w: float | None = None
    pcie_generation: int | None = None
    pcie_width: int | None = None
    nvlink_links: int | None = None
    processes: int | None = None  # processes holding memory on it, where the driver tells


class Host(_Frozen):
    """What `sizer probe --json` prints and `--hardware FILE` reads: schema sizer.probe/1."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    schema_: Literal["sizer.probe/1"] = Field(default=PROBE_SCHEMA, alias="schema")
    os: str = "unknown"
    cpu: CpuInfo = CpuInfo()
    memory: MemoryInfo | None = None
    disks: tuple[DiskInfo, ...] = ()
    gpus: tuple[GpuDevice, ...] = ()
    measured_ram_bandwidth_bytes_per_s: PositiveFloat | None = None
    warnings: tuple[str, ...] = ()


class Workload(_Frozen):
    """What the user wants to run: quantization, context, concurrent sequences, engine, KV cache type."""

    quant: str = "Q4_K_M"
    context: PositiveInt = 4096
    batch: PositiveInt = 1
    engine: Engine = Engine.LLAMA_CPP
    kv_cache_type: Literal["f16", "q8_0", "q4_0", "fp8"] = "f16"


class MemoryBytes(_Frozen):
    """Memory breakdown in bytes, summed over all GPUs."""

    weights: int
    kv_cache: int
    overhead: int
    total: int


class Offload(_Frozen):
    """How llama.cpp / ollama would split a model that does not fit: layers on GPU, rest in RAM."""

    gpu_layers: int
    total_layers: int
    cpu_bytes: int


class Estimate(_Frozen):
    """One model on one piece of hardware: memory, fit and speed. This is the `estimate --json` object."""

    model: str
    quant: str
    context: int
    batch: int
    engine: Engine
    kv_cache_type: str
    gpu: str
    gpu_count: int
    memory_bytes: MemoryBytes
    per_gpu_bytes: tuple[int, ...]
    available_bytes: int
    fits: bool
    offload: Offload | None
    decode_tokens_per_s: float
    prefill_tokens_per_s: float
    aggregate_tokens_per_s: float
    limited_by: str
    assumptions: Assumptions


_SLUG = re.compile(r"[^a-z0-9]+")


def slug(text: str) -> str:
    """Lowercase text with every run of other characters turned into one '-'."""
    return _SLUG.sub("-", text.lower()).strip("-")
