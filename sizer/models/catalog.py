"""Catalog entries: GPUs and models, with prices, quality scores and file weights."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from sizer import bounds as b
from sizer.constants import USE_CASES, UseCase
from sizer.models.base import _ID_PATTERN, Currency, DateText, PositiveFloat, PositiveInt, Vendor, _Frozen, _parse_date

PriceKind = Literal["street", "list", "system"]


def _legacy_kind(value: object) -> object:
    """'msrp' (the catalog's earlier word for a launch list price) reads as 'list'."""
    return "list" if value == "msrp" else value


class Price(_Frozen):
    """A price with its currency, VAT basis, the date it held and where it came from.

    kind: street = an observed shop price; list = a vendor list price (MSRP); system = the price
    of a whole machine (a Mac, a DGX Spark), not of a card. `used` marks the resale price of a
    second-hand card. `converted_from` says what the amount
    was converted from, at which dated rate (e.g. "USD 1,999 at 0.8519 EUR/USD, ECB 2026-01-22").
    """

    amount: PositiveFloat
    currency: Currency
    date: DateText
    vat_included: bool  # False: net of VAT (sales tax), as a business buyer pays it
    kind: PriceKind
    source: str = Field(min_length=1)
    converted_from: str | None = Field(default=None, min_length=1)
    note: str | None = None
    used: bool = False  # True: a second-hand card's resale price (the card is out of production)

    _date = field_validator("date", mode="before")(_parse_date)
    _kind = field_validator("kind", mode="before")(_legacy_kind)


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
    # Low-precision tensor rates, dense (no sparsity); None: the GPU has no such units, or no
    # sourced figure. GeForce FP8 uses the FP32-accumulate rate, as fp16_tflops does.
    fp8_tflops: PositiveFloat | None = None
    int8_tops: PositiveFloat | None = None
    fp4_tflops: PositiveFloat | None = None  # FP4 / NVFP4 / MXFP4
    # The vendor's measured max-achievable dense GEMM rates (AMD's MAF: the best sustained GEMM at
    # the clocks the board holds under that load), TFLOPS. Where given, compute runs at these
    # instead of the peak figures above (sizer.core.speed.achievable_share).
    maf_fp16_tflops: PositiveFloat | None = None
    maf_fp8_tflops: PositiveFloat | None = None
    # GPU-to-GPU link (NVLink, Infinity Fabric), GB/s both directions together as datasheets
    # print it; None: the GPUs talk over PCIe only.
    interconnect_gb_per_s: PositiveFloat | None = None
    # Socketed modules (SXM, OAM) come on baseboards of these GPU counts (HGX, the OCP UBB), in
    # servers built for them, never one at a time; (): a card or machine bought by the piece.
    baseboard_gpus: tuple[PositiveInt, ...] = ()
    # Devices software sees on one board (MI250/MI250X: two GCDs, each with half the memory,
    # bandwidth and FLOPS); the figures above are the board's.
    devices: PositiveInt = 1
    tdp_w: PositiveFloat
    launch: DateText | None = None
    price: Price | None = None
    source: str = Field(min_length=1)
    notes: str | None = None

    _launch = field_validator("launch", mode="before")(_parse_date)

    @model_validator(mode="after")
    def _maf_below_peak(self) -> GpuSpec:
        for maf, peak, what in (
            (self.maf_fp16_tflops, self.fp16_tflops, "fp16"),
            (self.maf_fp8_tflops, self.fp8_tflops, "fp8"),
        ):
            if maf is not None and (peak is None or maf > peak):
                raise ValueError(f"maf_{what}_tflops ({maf}) needs a {what} peak at least as high ({peak})")
        return self

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

    def sold_in(self, count: int) -> bool:
        """`count` of these make one machine's worth to buy: any count of a card, a baseboard's
        count of a socketed module (`baseboard_gpus`)."""
        return not self.baseboard_gpus or count in self.baseboard_gpus

    @property
    def half_rate_fp32_accumulate(self) -> bool:
        """GeForce tensor cores run FP16 with FP32 accumulate at half the FP16-accumulate rate.

        `fp16_tflops` holds the FP32-accumulate rate frameworks such as PyTorch use; llama.cpp's
        CUDA matrix multiplications accumulate in FP16 and so get twice that on these cards.
        """
        # GeForce RTX cards have tensor cores; GeForce GTX cards have none, so no such rate.
        return self.vendor is Vendor.NVIDIA and self.category == "consumer" and "RTX" in self.name.upper()


class Experts(_Frozen):
    """Mixture-of-experts layout (sizes bounded by sizer.bounds: the layout loops over them)."""

    count: int = Field(gt=0, le=b.MAX_EXPERTS)
    active: int = Field(gt=0, le=b.MAX_EXPERTS)
    intermediate_size: int = Field(gt=0, le=b.MAX_HIDDEN)
    shared_count: int = Field(default=0, ge=0, le=b.MAX_EXPERTS)
    shared_intermediate_size: int = Field(default=0, ge=0, le=b.MAX_HIDDEN)
    dense_layers: int = Field(default=0, ge=0, le=b.MAX_LAYERS)

    @model_validator(mode="after")
    def _active_le_count(self) -> Experts:
        if self.active > self.count:
            raise ValueError(f"active experts ({self.active}) exceed expert count ({self.count})")
        return self


class SlidingWindow(_Frozen):
    """Local attention: `size` tokens; one full-attention layer in every `global_every` (None: all local)."""

    size: int = Field(gt=0, le=b.MAX_CONTEXT)
    global_every: int | None = Field(default=None, gt=0, le=b.MAX_LAYERS)


class Mla(_Frozen):
    """DeepSeek multi-head latent attention: the KV cache holds the compressed latent plus RoPE key."""

    kv_lora_rank: int = Field(gt=0, le=b.MAX_HIDDEN)
    qk_rope_head_dim: int = Field(gt=0, le=b.MAX_HIDDEN)
    qk_nope_head_dim: int = Field(gt=0, le=b.MAX_HIDDEN)
    v_head_dim: int = Field(gt=0, le=b.MAX_HIDDEN)
    q_lora_rank: int | None = Field(default=None, gt=0, le=b.MAX_HIDDEN)


class Quality(_Frozen):
    """The catalog's older single figure (MMLU, 5-shot), kept readable; ranking uses
    `ModelSpec.quality_by_use_case`."""

    score: float
    benchmark: str
    source: str


# The use cases a benchmark score may be filed under: sizer's own, and tools (function calling,
# shown by `catalog models`; no recommend use case asks for it yet).
SCORED_USE_CASES: tuple[str, ...] = (*USE_CASES, "tools")


class BenchmarkScore(_Frozen):
    """One published benchmark result of one model, raw, on the benchmark's own scale."""

    benchmark: str = Field(min_length=1)
    version: str = Field(min_length=1)  # what makes two scores comparable: harness, release, settings
    date: DateText
    independent: bool  # True: a leaderboard or third party ran it; False: the vendor reported it
    score: float = Field(ge=0)
    scale: Literal["percent", "fraction"] = "percent"
    source: str = Field(min_length=1)
    note: str | None = None
    used: bool = False  # True: a second-hand card's resale price (the card is out of production)

    _date = field_validator("date", mode="before")(_parse_date)

    @model_validator(mode="after")
    def _on_scale(self) -> BenchmarkScore:
        if self.score > (100 if self.scale == "percent" else 1):
            raise ValueError(f"score {self.score} is beyond the {self.scale} scale")
        return self

    @property
    def percent(self) -> float:
        """The score on a 0-100 scale."""
        return self.score * 100 if self.scale == "fraction" else self.score


class UseCaseScores(_Frozen):
    """A model's benchmark results for one use case (data/model_quality.yaml)."""

    use_case: str
    scores: tuple[BenchmarkScore, ...] = Field(min_length=1)

    @field_validator("use_case")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in SCORED_USE_CASES:
            raise ValueError(f"unknown use case {value!r}; choose {', '.join(SCORED_USE_CASES)}")
        return value


class QuantLoss(_Frozen):
    """The measured quality loss of one weight format (data/quant_quality.yaml): either the share
    of a benchmark score it costs (`loss_frac`), or the perplexity rise it causes over 16-bit
    weights (`delta_ppl` over `base_ppl`), which sizer.core.quality turns into that share."""

    quant: str = Field(min_length=1)
    loss_frac: float | None = Field(default=None, ge=0, lt=1)
    delta_ppl: float | None = Field(default=None, ge=0)
    base_ppl: float | None = Field(default=None, gt=0)
    measure: str = Field(min_length=1)  # what was measured, on which model
    date: DateText
    source: str = Field(min_length=1)

    _date = field_validator("date", mode="before")(_parse_date)

    @model_validator(mode="after")
    def _one_measure(self) -> QuantLoss:
        ppl = self.delta_ppl is not None and self.base_ppl is not None
        if ppl == (self.loss_frac is not None) or (not ppl and (self.delta_ppl or self.base_ppl)):
            raise ValueError("give loss_frac, or delta_ppl with base_ppl, not both")
        return self


class FileWeights(_Frozen):
    """Exact weight bytes read from a model file (GGUF tensor types, safetensors dtypes)."""

    quant: str = Field(min_length=1)  # the file's type as sizer names it (Q4_K_M, BF16, …)
    total_bytes: int = Field(gt=0, le=8 * b.MAX_PARAMS)  # 8 bytes a parameter at most (F64)
    source: str = Field(min_length=1)  # the file or repo it was read from


RepoId = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*$")]


class Repos(_Frozen):
    """The Hugging Face repository that holds a model's weights in each format (core.quant names),
    and `GGUF`: one repository of llama.cpp files of several types, picked by type (`-hf REPO:Q4_K_M`)."""

    BF16: RepoId | None = None
    F16: RepoId | None = None
    FP8: RepoId | None = None
    INT8: RepoId | None = None
    AWQ: RepoId | None = None
    GPTQ: RepoId | None = None
    NF4: RepoId | None = None
    MXFP4: RepoId | None = None
    GGUF: RepoId | None = None

    def get(self, fmt: str) -> str | None:
        """The repository for a format name (None where the catalog knows none)."""
        value = getattr(self, fmt, None) if fmt in type(self).model_fields else None
        return value if isinstance(value, str) else None

    @property
    def formats(self) -> tuple[str, ...]:
        """The formats a repository is known for, in field order."""
        return tuple(name for name in type(self).model_fields if self.get(name))


class ModelSpec(_Frozen):
    """One open model: identity, architecture (what memory and speed follow from), licence and use."""

    id: str = Field(pattern=_ID_PATTERN)
    name: str = Field(min_length=1)
    family: str = ""
    arch: str = "llama"
    hf_repo: str | None = None
    aliases: tuple[str, ...] = ()
    # Architecture numbers are bounded (sizer.bounds) so that a file or catalog entry claiming a
    # million layers is refused before the layout loops over them.
    params_total: int = Field(gt=0, le=b.MAX_PARAMS)
    params_active: int | None = Field(default=None, gt=0, le=b.MAX_PARAMS)
    layers: int = Field(gt=0, le=b.MAX_LAYERS)
    hidden_size: int = Field(gt=0, le=b.MAX_HIDDEN)
    intermediate_size: int = Field(gt=0, le=b.MAX_HIDDEN)
    attention_heads: int = Field(gt=0, le=b.MAX_HEADS)
    kv_heads: int = Field(gt=0, le=b.MAX_HEADS)
    head_dim: int = Field(gt=0, le=b.MAX_HIDDEN)
    vocab_size: int = Field(gt=0, le=b.MAX_VOCAB)
    max_context: int = Field(gt=0, le=b.MAX_CONTEXT)
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
    quality_by_use_case: tuple[UseCaseScores, ...] = ()  # from data/model_quality.yaml
    source: str = "unknown"
    notes: str | None = None
    file_weights: FileWeights | None = None  # set when the model came from a file, not the catalog
    repos: Repos = Repos()  # where the weights are, per format
    native_format: str | None = None  # the low-bit format the maker's own checkpoint ships in (FP8, MXFP4)
    ollama: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9._-]*(:[A-Za-z0-9._-]+)?$")
    ollama_quant: str | None = None  # the weight format of that tag, when not ollama's usual Q4_K_M
    # The vision projector (llama.cpp's mmproj): a file of the GGUF repository, or OWNER/REPO/FILE elsewhere.
    mmproj: str | None = Field(default=None, pattern=r"^([A-Za-z0-9._-]+/[A-Za-z0-9._-]+/)?[A-Za-z0-9._-]+\.gguf$")
    # Parameters of the vision encoder and projector: llama.cpp holds them besides the weights when it
    # serves images; vLLM, SGLang and TensorRT-LLM always (they load the whole checkpoint).
    mmproj_params: int | None = Field(default=None, gt=0, le=b.MAX_PARAMS)
    repos_source: str | None = None  # where the repositories and the ollama tag were found, and when

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
