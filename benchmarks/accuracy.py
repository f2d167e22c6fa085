"""How far sizer's estimates are from measured data, on GPUs the fit has not seen.

Decode and prompt-processing speed: grouped 5-fold cross-validation by GPU model. The speed
constants are refitted (benchmarks/calibrate.py) on the GPUs of four folds and scored on the
GPUs of the fifth, so every error below is for a GPU that was not in its fit. The shipped
defaults are also scored in-sample for comparison. Weight sizes (GGUF files and llama.cpp's
reported model size) have no fitted constants and are scored directly.

Run: python benchmarks/accuracy.py  (about a minute on two cores)
"""

from __future__ import annotations

import csv
import re
import statistics
import sys
import zlib

from reference import DATA, Row, _model, load_rows

from sizer.calibrate import errors, fit_all
from sizer.core.catalog import Catalog
from sizer.core.memory import weights
from sizer.core.quant import resolve_quant
from sizer.io.loaders import load_catalog
from sizer.models import Assumptions
from sizer.units import GB, GiB, MiB

FOLDS = 5


def _summary(errs: list[float]) -> str:
    if not errs:
        return "   n/a      n/a      0"
    errs = sorted(errs)
    p90 = errs[min(len(errs) - 1, int(0.9 * len(errs)))]
    return f"{100 * statistics.median(errs):6.1f} % {100 * p90:6.1f} % {len(errs):6d}"


def fold_of(gpu_id: str) -> int:
    """A fixed fold per GPU model (a stable hash, so runs are repeatable)."""
    return zlib.crc32(gpu_id.encode()) % FOLDS


def cross_validated_errors(rows: list[Row]) -> dict[str, list[tuple[Row, float]]]:
    """Per kind, (row, error) pairs where each row was predicted by a fit that excluded its GPU."""
    out: dict[str, list[tuple[Row, float]]] = {"decode": [], "prefill": []}
    for k in range(FOLDS):
        train = [r for r in rows if fold_of(r.gpu.id) != k]
        test = [r for r in rows if fold_of(r.gpu.id) == k]
        fitted = fit_all(train)
        for kind in out:
            part = [r for r in test if r.kind == kind]
            out[kind] += list(zip(part, errors(part, fitted), strict=True))
    return out


_SIZE_UNITS = {"GiB": GiB, "MiB": MiB, "bytes": 1}


def weight_rows(catalog: Catalog) -> list[tuple[str, float, float]]:
    """(label, measured bytes, estimated bytes) for every GGUF size the catalog can model."""
    out = []
    with (DATA / "memory.csv").open(newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            measure = r["measure"]
            if not (
                "GGUF file size" in measure or "weights size reported" in measure or "model size in bytes" in measure
            ):
                continue
            quant = r["quant"].split(" ")[0]
            model = _model(catalog, r["model"].split(" / ")[0])
            if model is None or quant.startswith("UD-"):
                continue
            try:
                fmt = resolve_quant(quant)
            except Exception:
                continue
            unit = r["unit"].split(" ")[0]
            scale = GB if unit == "GB" else _SIZE_UNITS.get(unit)
            if scale is None:
                continue
            measured = float(re.sub(r"[^\d.]", "", r["value"])) * scale
            out.append((f"{r['model']} {quant}", measured, float(weights(model, fmt).total_bytes)))
    return out


def main() -> None:
    catalog = load_catalog()
    rows = load_rows(catalog)
    cv = cross_validated_errors(rows)
    shipped = Assumptions()
    print(f"reference rows resolved: {len(rows)} on {len({r.gpu.id for r in rows})} GPU models")
    print()
    print("measure                               median      p90      n")
    for kind in ("decode", "prefill"):
        pairs = cv[kind]
        print(f"{kind + ' (cross-validated, fit regime)':36}{_summary([e for r, e in pairs if r.calibrates])}")
        print(f"{kind + ' (cross-validated, Llama 3 set)':36}{_summary([e for r, e in pairs if r.llama3_score_set])}")
        score_rows = [r for r in rows if r.kind == kind and r.llama3_score_set]
        print(f"{kind + ' (shipped constants, Llama 3)':36}{_summary(errors(score_rows, shipped))}")
    w = weight_rows(catalog)
    print(f"{'weights (GGUF size)':36}{_summary([abs(e - m) / m for _, m, e in w])}")
    llama3 = [abs(e - m) / m for label, m, e in w if label.startswith("Meta-Llama-3")]
    print(f"{'weights (Llama 3 GGUF)':36}{_summary(llama3)}")
    if "-v" in sys.argv:
        print()
        for kind in ("decode", "prefill"):
            for r, e in sorted(cv[kind], key=lambda p: -p[1])[:15]:
                print(f"worst {kind}: {100 * e:5.1f} %  {r.label}")


if __name__ == "__main__":
    main()
