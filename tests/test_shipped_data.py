"""The shipped catalogs: every entry loads, names are unique, figures are sane and sourced."""

from __future__ import annotations

import pytest

from sizer.core.memory import weight_tensors
from sizer.io.loaders import load_catalog

CATALOG = load_catalog()


def test_sizes():
    assert len(CATALOG.models) >= 45
    assert len(CATALOG.gpus) >= 40


@pytest.mark.parametrize("entry", [*CATALOG.models, *CATALOG.gpus], ids=lambda e: e.id)
def test_every_entry_names_its_source(entry):
    assert entry.source and entry.source != "unknown"


@pytest.mark.parametrize("gpu", CATALOG.gpus, ids=lambda g: g.id)
def test_gpu_figures_are_in_sane_ranges(gpu):
    assert 2 <= gpu.vram_gib <= 600
    assert 50 <= gpu.mem_bandwidth_gb_per_s <= 10_000
    assert 1 <= gpu.fp16_tflops <= 5_000
    assert 5 <= gpu.tdp_w <= 1_500
    if gpu.price:
        assert gpu.price.source


@pytest.mark.parametrize("model", CATALOG.models, ids=lambda m: m.id)
def test_architecture_reproduces_the_parameter_count(model):
    # The per-tensor layout drives every size estimate; it must add up to the published count.
    params = sum(t.params for t in weight_tensors(model))
    assert params == pytest.approx(model.params_total, rel=0.03)
    if model.experts:
        assert model.params_active is not None and model.params_active < model.params_total
    if model.quality:
        assert model.quality.source


@pytest.mark.parametrize(
    "name",
    [
        "Llama 2 7B",
        "llama-2-13b",
        "llama-2-70b",
        "mistral-7b-v0.1",
        "Dolphin Phi 2.7B",
        "Phi-2",
        "Neural Chat 7B v3-1",
        "starling-7b",
        "codellama-7b",
        "llama2-uncensored-7b",
        "Orca Mini 3B",
        "vicuna-7b",
        "llava-7b",
        "gemma-2b",
        "gemma-7b",
        "meta-llama/Meta-Llama-3-8B",
        "Meta-Llama-3-8B",
        "Meta-Llama-3-70B",
        "llama-3.1-8b",
        "llama-3.2-3b",
        "llama-3.3-70b",
        "qwen2.5-7b",
        "qwen3-30b-a3b",
        "qwen3-235b-a22b",
        "gemma-2-9b",
        "gemma-3-27b",
        "mistral-small-24b",
        "mistral-nemo-12b",
        "mixtral-8x7b",
        "mixtral-8x22b",
        "phi-3-mini",
        "phi-4",
        "deepseek-r1-distill-qwen-7b",
        "deepseek-v3",
        "gpt-oss-20b",
        "gpt-oss-120b",
        "BAAI/Aquila-7B",
        "bigscience/bloom-7b1",
        "EleutherAI/gpt-j-6b",
        "huggyllama/llama-7b",
        "facebook/opt-6.7b",
        "Qwen/Qwen1.5-7B",
    ],
)
def test_required_models_resolve(name):
    assert CATALOG.model(name)


@pytest.mark.parametrize(
    ("model_id", "published"),
    [
        ("gpt-j-6b", 6_053_381_344),  # model card
        ("bloom-7b1", 7_069_016_064),  # model card
        ("opt-6.7b", 6_658_473_984),  # 50272x4096 embedding + 2050x4096 positions + 32 x 201.4 M layers
        ("llama-7b", 6_738_415_616),  # LLaMA 1: Llama 2 7B's shapes
    ],
)
def test_plain_mlp_and_tied_layouts_give_the_published_count(model_id, published):
    # GPT-J, OPT and BLOOM have a two-matrix 4x MLP (ffn_gated false); OPT and BLOOM tie the output
    # head to the embedding. A wrong flag misses by 2.1 B (a third MLP matrix of 4096 x 16384 per layer
    # x 32 layers) or 0.2-1.0 B (a second vocabulary table), far beyond the 1 % allowed here.
    params = sum(t.params for t in weight_tensors(CATALOG.model(model_id)))
    assert params == pytest.approx(published, rel=0.01)


def test_llama_1_keeps_its_2048_context():
    assert CATALOG.model("huggyllama/llama-7b").max_context == 2048
    assert CATALOG.model("meta-llama/Llama-2-7b-hf").max_context == 4096


def test_llama_3_and_31_are_separate_entries():
    assert CATALOG.model("Meta-Llama-3-8B").id != CATALOG.model("llama-3.1-8b").id
    assert CATALOG.model("Meta-Llama-3-8B").max_context == 8192


@pytest.mark.parametrize(
    ("device_string", "bandwidth"),
    [
        ("NVIDIA GeForce RTX 4090", 1008),
        ("NVIDIA A100-SXM4-80GB", 2039),
        ("NVIDIA A100 80GB PCIe", 1935),
        ("NVIDIA H100 PCIe", 2000),
        ("NVIDIA H100 80GB HBM3", 3350),
        ("NVIDIA RTX 6000 Ada Generation", 960),
        ("Apple M2 Ultra", 800),
    ],
)
def test_device_strings_resolve_exactly(device_string, bandwidth):
    assert CATALOG.gpu(device_string).mem_bandwidth_gb_per_s == pytest.approx(bandwidth, rel=0.01)


@pytest.mark.parametrize(
    ("name", "eur"),
    [
        ("RX 9070 XT", 578.15),  # 688 EUR incl. 19 % VAT (data/gpu_prices.yaml) / 1.19
        ("RTX 4090", 2104.10),  # 2,470 USD (used, 2026-04) / 1.1739 USD per EUR
    ],
)
def test_prices_come_from_the_prices_file(name, eur):
    price = CATALOG.gpu(name).price
    assert price is not None and (price.amount, price.currency.value, price.vat_included) == (eur, "EUR", False)


def test_apple_bins_differ_in_bandwidth():
    assert CATALOG.match_gpu("Apple M3 Max (30-core GPU, 36GB)").gpu.mem_bandwidth_gb_per_s == 300
    assert CATALOG.match_gpu("Apple M3 Max (40-core GPU, 64GB)").gpu.mem_bandwidth_gb_per_s == 400


def test_every_quality_score_has_benchmark_version_date_and_source():
    from sizer.io.loaders import load_shipped_catalog

    catalog = load_shipped_catalog()
    scored = [m for m in catalog.models if m.quality_by_use_case]
    assert len(scored) >= 60
    for m in scored:
        for u in m.quality_by_use_case:
            for s in u.scores:
                assert s.benchmark and s.version and s.date and s.source.startswith("http"), (m.id, u.use_case)


def test_every_format_recommend_chooses_has_a_measured_loss_with_source():
    from sizer.core.recommend import CHOICE_FORMATS
    from sizer.io.loaders import load_shipped_catalog

    losses = {q.quant: q for q in load_shipped_catalog().quant_losses}
    for fmt in CHOICE_FORMATS:
        assert fmt in losses and losses[fmt].source.startswith("http") and losses[fmt].date


def test_catalog_models_json_gives_quality_per_use_case():
    import json

    from typer.testing import CliRunner

    from sizer.cli.app import app

    data = json.loads(CliRunner().invoke(app, ["catalog", "models", "--json"]).stdout)
    entry = next(m for m in data["models"] if m["id"] == "llama-3.3-70b")
    chat = next(q for q in entry["quality"] if q["use_case"] == "chat")
    assert {"use_case", "score", "benchmark", "date", "source", "independent"} <= set(chat)
    assert 0 <= chat["score"] <= 100


def test_quality_file_is_what_the_script_builds():
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    script = root / "benchmarks" / "quality_catalog.py"
    assert subprocess.run([sys.executable, str(script), "--check"], capture_output=True).returncode == 0


def test_vision_models_are_scored_on_mmmu_val():
    from sizer.core.quality import QualityTable
    from sizer.io.loaders import load_shipped_catalog

    catalog = load_shipped_catalog()
    table = QualityTable(catalog.models, catalog.quant_losses)
    scores = {m.id: s for m in catalog.models if "vision" in m.use_cases if (s := table.score(m, "vision"))}
    assert len(scores) >= 5 and all(s.benchmark.startswith("MMMU (val") for s in scores.values())
    # The MMMU leaderboard's val figures of the six catalog models (Gemma 3 4B/12B/27B 48.8/59.6/64.9,
    # Llama 4 Scout/Maverick 69.4/73.4, Qwen2.5-VL 7B 58.6): mean 62.45, sample sd sqrt(383.475 / 5)
    # = 8.758; Gemma 3 27B sits at z = 2.45 / 8.758 = 0.280, 100 x Phi(0.280) = 61.0.
    assert scores["gemma-3-27b"].score == 61.0
    assert scores["llama-4-maverick"].score > scores["llama-4-scout"].score > scores["gemma-3-27b"].score
