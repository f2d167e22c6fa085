"""Reference rows from benchmarks/data/ resolved against the catalog, for calibration and scoring.

A row is usable when its model, quantization and GPU resolve. Older runs name the original LLaMA
checkpoints ("LLaMA-7B"); they share the Llama 2 architecture of the same size, so those names
map to the Llama 2 entries (their context limit plays no part at these prompt lengths).
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

from sizer.calibrate import Row
from sizer.core.catalog import Catalog
from sizer.errors import SizerError
from sizer.models import ModelSpec

DATA = Path(__file__).resolve().parent / "data"

_SAME_ARCHITECTURE = {
    "llama-7b": "llama-2-7b",
    "llama-13b": "llama-2-13b",
    "llama 8b": "llama-3-8b",
}
_TEST = re.compile(r"^(tg|pp)(\d+)(?:@d(\d+))?$")
_BACKENDS_MODELLED = ("CUDA", "Metal", "ROCm", "Vulkan", "SYCL")


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
