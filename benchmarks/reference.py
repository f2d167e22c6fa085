"""Reference rows from benchmarks/data/ resolved against the catalog, for calibration and scoring.

A row is usable when its model, quantization and GPU resolve. Older runs name the original LLaMA
checkpoints ("LLaMA-7B"); they share the Llama 2 architecture of the same size, so those names
map to the Llama 2 entries (their context limit plays no part at these prompt lengths).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from sizer.catalog import Catalog
from sizer.errors import SizerError
from sizer.models import Engine, GpuSpec, ModelSpec, Workload

DATA = Path(__file__).resolve().parent / "data"

_SAME_ARCHITECTURE = {
    "llama-7b": "llama-2-7b",
    "llama-13b": "llama-2-13b",
    "llama 8b": "llama-3-8b",
}
_TEST = re.compile(r"^(tg|pp)(\d+)(?:@d(\d+))?$")
_BACKENDS_MODELLED = ("CUDA", "Metal", "ROCm", "Vulkan", "SYCL")


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


def _model(catalog: Catalog, name: str) -> ModelSpec | None:
    plain = re.sub(r"\s*\(.*\)", "", name).strip()
    for candidate in (name, plain, _SAME_ARCHITECTURE.get(plain.lower(), "")):
        if not candidate:
            continue
        try:
            return catalog.model(candidate)
        except SizerError:
            continue
    return None


def load_rows(catalog: Catalog) -> list[Row]:
    """Every llama.cpp throughput row whose model, quant and GPU the catalog resolves."""
    rows = []
    with (DATA / "llamacpp_bench.csv").open(newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            m = _TEST.match(r["test"])
            if not m or not r["backend"].startswith(_BACKENDS_MODELLED):
                continue
            model = _model(catalog, r["model"])
            if model is None:
                continue
            try:
                match = catalog.match_gpu(r["gpu"])
            except SizerError:
                continue
            quant = r["quant"].split(" ")[0]
            if quant.startswith("UD-") or "(" in r["quant"]:
                continue  # dynamic or custom mixes (unsloth): no fixed recipe to compare against
            n = int(m.group(2))
            depth = int(m.group(3) or 0)
            kind = "decode" if m.group(1) == "tg" else "prefill"
            rows.append(
                Row(
                    kind=kind,
                    model=model,
                    gpu=match.gpu,
                    gpu_count=match.count or 1,
                    memory_gib=match.memory_gib,
                    quant=quant,
                    context=n + depth,
                    measured=float(r["tokens_per_s"]),
                    label=f"{r['gpu']} | {r['model']} {quant} {r['test']}",
                    llama3_score_set=r["model"].startswith("Meta-Llama-3-") and r["test"] in ("tg512", "pp512"),
                    depth=depth,
                )
            )
    return rows
