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

    @property
    def calibrates(self) -> bool:
        """Rows the fit uses: all decode rows; prompts of at most 512 tokens from an empty cache.

        Longer prompts in these runs were measured without flash attention, where the attention
        matrix dominates; sizer models llama.cpp's current default (flash attention on).
        """
        return self.kind == "decode" or (self.context <= 512 and self.depth == 0)

    @property
    def workload(self) -> Workload:
        return Workload(quant=self.quant, context=self.context, engine=Engine.LLAMA_CPP)
