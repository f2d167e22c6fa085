"""A measured run to calibrate on: model, GPU (or rig), workload, what was measured and the figure."""

from __future__ import annotations

from dataclasses import dataclass

from sizer.models import Engine, GpuSpec, ModelSpec, Workload


@dataclass(frozen=True)
class Row:
    kind: str  # "decode" or "prefill"
    model: ModelSpec
    gpu: GpuSpec
    gpu_count: int
    memory_gib: float | None
    quant: str
    context: int
    measured: float
    label: str
    llama3_score_set: bool  # a row of the kind the external score uses (Llama 3 tg512/pp512)
    depth: int = 0
    engine: str = "llama.cpp"  # the engine that ran it (a user's vllm bench serve runs: "vllm")
    batch: int = 1  # sequences at once (llama-batched-bench B, a serving run's max concurrency; 0: unbounded)
    prompt_tokens: int = 0  # serving and batched runs: tokens of each prompt
    output_tokens: int = 0  # serving and batched runs: tokens generated per request
    rate: float | None = None  # serving runs: requests per second offered (None: all at once)
    kv_cache: str = "f16"

    @property
    def calibrates(self) -> bool:
        """Rows the fit uses: all decode rows; prompts of at most 512 tokens from an empty cache.

        Longer prompts in these runs were measured without flash attention, where the attention
        matrix dominates; sizer models llama.cpp's current default (flash attention on).
        """
        if self.kind == "prefill":
            return self.context <= 512 and self.depth == 0
        return True

    @property
    def workload(self) -> Workload:
        return Workload(
            quant=self.quant,
            context=self.context,
            engine=Engine(self.engine) if self.engine != "llama.cpp" else Engine.LLAMA_CPP,
            kv_cache_type=self.kv_cache,
        )
