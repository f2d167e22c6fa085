"""Build data/model_quality.yaml from the collected benchmark scores.

    python benchmarks/quality_catalog.py            # writes data/model_quality.yaml
    python benchmarks/quality_catalog.py --check    # exit 1 if the file is not what this builds

Inputs: benchmarks/data/model_quality.csv (scores per model and use case, each with its source)
and benchmarks/data/livebench/ (LiveBench's per-task tables; the instruction-following average
scores chat). Model names are resolved against data/model_catalog.yaml (ids and aliases, plus
the few spellings in NAMES); scores of models the catalog does not hold are listed on stderr and
left out. Each entry keeps its raw score on its own scale; sizer normalises (sizer/core/quality.py).

`version` is what makes two scores comparable (the same benchmark, harness and settings): a
LiveBench release, the EuroEval German MMLU task across harness versions, the EvalPlus
leaderboard, or a model card's exact variant. Scores without a date take the date their
snapshot covers (DATES), named in the entry's note.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path
from statistics import fmean

import yaml

ROOT = Path(__file__).resolve().parent.parent
CSV = ROOT / "benchmarks" / "data" / "model_quality.csv"
LIVEBENCH = ROOT / "benchmarks" / "data" / "livebench"
CATALOG = ROOT / "data" / "model_catalog.yaml"
OUT = ROOT / "data" / "model_quality.yaml"

# The CSV's use cases -> the catalog's (German benchmarks score "multilingual").
USE_CASE = {"chat": "chat", "code": "code", "reasoning": "reasoning", "tools": "tools", "german": "multilingual"}
USE_CASE["vision"] = "vision"

# Spellings in the sources that the catalog's aliases do not hold.
NAMES = {
    "kimi-k2-instruct": "kimi-k2",
    "olmo-2-13b-instruct": "olmo-2-13b",
    "olmo-2-32b-instruct": "olmo-2-32b",
    "eurollm-9b-instruct": "eurollm-9b",
    "teuken-7b-instruct-commercial-v0.4": "teuken-7b",
    # LiveBench table names
    "deepseek-r1-distill-llama-70b": "deepseek-r1-distill-llama-70b",
    "deepseek-r1-distill-qwen-32b": "deepseek-r1-distill-qwen-32b",
    "gemma-2-27b-it": "gemma-2-27b",
    "gemma-2-9b-it": "gemma-2-9b",
    "gemma-3-27b-it": "gemma-3-27b",
    "gemma-3-12b-it": "gemma-3-12b",
    "gemma-3-4b-it": "gemma-3-4b",
    "llama-3.3-70b-instruct-turbo": "llama-3.3-70b",
    "meta-llama-3.1-405b-instruct-turbo": "llama-3.1-405b",
    "meta-llama-3.1-70b-instruct-turbo": "llama-3.1-70b",
    "meta-llama-3.1-8b-instruct-turbo": "llama-3.1-8b",
    "mistral-small-2501": "mistral-small-24b",
    "mistral-small-2503": "mistral-small-3.1-24b",
    "olmo-2-1124-13b-instruct": "olmo-2-13b",
    "phi-3-mini-4k-instruct": "phi-3-mini",
    "qwen2.5-72b-instruct-turbo": "qwen2.5-72b",
    "qwen2.5-7b-instruct-turbo": "qwen2.5-7b",
    "qwen2.5-coder-32b-instruct": "qwen2.5-coder-32b",
    "llama4-maverick-instruct-basic": "llama-4-maverick",
    "qwen3-235b-a22b-thinking": "qwen3-235b-a22b",
    "qwen3-30b-a3b-thinking": "qwen3-30b-a3b",
    "qwen3-32b-thinking": "qwen3-32b",
    "qwen3-coder-480b-a35b-instruct": "qwen3-coder-480b-a35b",
    "gemma-1.1-7b-it": "gemma-7b",
    "open-mistral-nemo": "mistral-nemo-12b",
    "starling-lm-7b-beta": "starling-7b",
}
# What a LiveBench entry's note says beyond its model name, where the row is not exactly the
# catalog entry's weights.
LIVEBENCH_NOTES = {
    "gemma-1.1-7b-it": "Gemma 1.1 7B IT; catalog entry is the Gemma 7B release",
    "open-mistral-nemo": "Mistral API model open-mistral-nemo (Mistral Nemo 2407)",
    "starling-lm-7b-beta": "Starling-LM-7B-beta (Nexusflow); catalog entry is Starling-LM-7B-alpha",
}

# LiveBench's instruction-following category (public/categories.json).
LIVEBENCH_IF = ("paraphrase", "simplify", "story_generation", "summarize")
LIVEBENCH_TABLES = {
    "2024-06-24": "https://github.com/LiveBench/livebench.github.io/blob/1537fda078eb1dd3565ab16948bcb624ce920043/public/table_2024_06_24.csv",
    "2024-11-25": "https://github.com/LiveBench/livebench.github.io/blob/39a3e4ecdecd2b430649b119194734a2129bdd77/public/table_2024_11_25.csv",
    "2025-05-30": "https://github.com/LiveBench/livebench.github.io/blob/343468982da5776696a3acb41e581bc35463422e/public/table_2025_05_30.csv",
}

# Snapshots whose files carry no date: the date of the newest entries they hold.
DATES = {
    "evalplus.github.io": ("2024-09", "snapshot date: its newest entries (Sept 2024)"),
    "ShishirPatil/gorilla": ("2024-12", "snapshot date: its newest models (late Dec 2024)"),
    "gorilla.cs.berkeley.edu": ("2025", "snapshot date: the year of BFCL v4"),
    "EuroEval/leaderboards": ("2025", "snapshot date: the year of its newest harness versions (v15.x)"),
    "TIGER-AI-Lab/MMLU-Pro": ("2024-06", "snapshot date: the mini-leaderboard of mid-2024"),
}


def _catalog_names() -> dict[str, str]:
    names: dict[str, str] = {}
    for m in yaml.safe_load(CATALOG.read_text(encoding="utf-8"))["models"]:
        for name in (m["id"], *(m.get("aliases") or ())):
            names.setdefault(name.lower(), m["id"])
    return names


def _version(row: dict[str, str]) -> str:
    """The comparability key of a score (see the module docstring)."""
    benchmark, variant, independent = row["benchmark"], row["variant"], row["independent"] == "true"
    if benchmark.startswith("LiveBench"):
        return variant.split(" (")[0]  # "LiveBench release 2025-05-30"
    if benchmark.startswith("MMLU-de (EuroEval)"):
        return "EuroEval, few-shot accuracy"
    if independent and benchmark in {"HumanEval+", "MBPP+"}:
        return "EvalPlus leaderboard, greedy pass@1"
    return variant or "as published"


def _date(row: dict[str, str]) -> tuple[str, str]:
    if row["date"]:
        return row["date"], ""
    for key, (date, why) in DATES.items():
        if key in row["source"]:
            return date, why
    raise SystemExit(f"no date for {row['model_id']} {row['benchmark']} ({row['source']})")


def _entries(names: dict[str, str]) -> tuple[dict[str, dict[str, list[dict[str, object]]]], set[str]]:
    out: dict[str, dict[str, list[dict[str, object]]]] = {}
    missing: set[str] = set()

    def add(name: str, use_case: str, entry: dict[str, object]) -> None:
        model = names.get(NAMES.get(name, name).lower())
        if model is None:
            missing.add(name)
            return
        out.setdefault(model, {}).setdefault(use_case, []).append(entry)

    with CSV.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            date, why = _date(row)
            fraction = row["scale"].startswith("fraction")
            note = "; ".join(n for n in (row["note"], why) if n)
            entry: dict[str, object] = {
                "benchmark": row["benchmark"],
                "version": _version(row),
                "date": date,
                "independent": row["independent"] == "true",
                "score": float(row["score"]),
                "scale": "fraction" if fraction else "percent",
                "source": row["source"],
            }
            if note:
                entry["note"] = note
            add(row["model_id"], USE_CASE[row["use_case"]], entry)
    for release, url in LIVEBENCH_TABLES.items():
        with (LIVEBENCH / f"table_{release.replace('-', '_')}.csv").open(encoding="utf-8") as f:
            for row in csv.DictReader(f):
                entry = {
                    "benchmark": "LiveBench instruction following",
                    "version": f"LiveBench release {release}",
                    "date": release,
                    "independent": True,
                    "score": round(fmean(float(row[t]) for t in LIVEBENCH_IF), 3),
                    "scale": "percent",
                    "source": url,
                    "note": "; ".join(
                        [f"mean of {', '.join(LIVEBENCH_IF)}; LiveBench model name {row['model']!r}"]
                        + ([LIVEBENCH_NOTES[row["model"]]] if row["model"] in LIVEBENCH_NOTES else [])
                    ),
                }
                add(row["model"], "chat", entry)
    return out, missing


HEADER = """\
# Benchmark scores per catalog model and use case, with provenance. Generated by
# benchmarks/quality_catalog.py from benchmarks/data/model_quality.csv and benchmarks/data/livebench/;
# edit those and rerun, then review. Raw scores on their own scale ("percent" 0-100, "fraction"
# 0-1); `version` says which scores are comparable. sizer normalises within a use case
# (docs/method.md, "Quality per use case"). summarization and rag are scored by chat's entries.
"""


def build() -> str:
    entries, missing = _entries(_catalog_names())
    if missing:
        print("not in the catalog (left out): " + ", ".join(sorted(missing)), file=sys.stderr)
    ordered = {
        m: {u: sorted(es, key=lambda e: (e["benchmark"], e["version"])) for u, es in sorted(uses.items())}
        for m, uses in sorted(entries.items())
    }
    return HEADER + yaml.safe_dump({"models": ordered}, sort_keys=False, allow_unicode=True, width=100)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if data/model_quality.yaml is out of date")
    args = parser.parse_args()
    text = build()
    if args.check:
        return 0 if OUT.read_text(encoding="utf-8") == text else 1
    OUT.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
