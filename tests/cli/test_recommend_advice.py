"""Advice an infrastructure engineer would sign, through the CLI: each test states what any
sensible answer holds, not the answer sizer happens to give."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from sizer.cli.app import app
from sizer.io import hardware
from sizer.io.loaders import load_catalog

runner = CliRunner()


@pytest.fixture(autouse=True)
def no_gpu_here(monkeypatch):
    monkeypatch.setattr(hardware.nvml, "_read_nvml", lambda *a, **k: ([], ["NVML unavailable (test)"]), raising=False)


def recommend(*args: str) -> dict:
    result = runner.invoke(app, ["recommend", *args, "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _code_tuned(model_id: str) -> bool:
    return "coder" in model_id or model_id.startswith("codellama")


def test_code_on_a_4090_first_pick_is_scored_for_code_and_as_good_as_the_best_code_model_that_fits():
    data = recommend("--use-case", "code", "--users", "5", "--gpu", "RTX 4090", "--top", "50")
    first = data["recommendations"][0]
    assert first["quality"] is not None and first["quality"]["use_case"] == "code"
    # best_in_budget lists every model that fits and serves: the code-tuned ones among them
    tuned = [
        p["quality"]["score_after_quant"] for p in data["best_in_budget"] if _code_tuned(p["model"]) and p["quality"]
    ]
    assert _code_tuned(first["model"]) or first["quality"]["score_after_quant"] >= max(tuned, default=0)
    assert first["users_served"] >= 5 and first["decode_tokens_per_s"] >= 10


def test_code_on_a_4090_a_current_coder_that_fits_is_scored_on_the_scale_of_the_first_pick():
    # Without a score for a current code-tuned model the comparison above only beats CodeLlama (2023).
    data = recommend("--use-case", "code", "--users", "5", "--gpu", "RTX 4090", "--top", "50")
    released = {m.id: m.release_date for m in load_catalog().models}
    current = [
        p
        for p in data["best_in_budget"]
        if _code_tuned(p["model"]) and p["quality"] and str(released[p["model"]]) >= "2024-01-01"
    ]
    assert current, "no code-tuned model from 2024 on that fits a 4090 has a code score"
    # The first pick and the current coders are compared on one scale: every benchmark version
    # their scores rest on is among those linked through shared models (core/quality.py).
    from sizer.core.quality import QualityTable

    catalog = load_catalog()
    linked = {
        f"{b} ({v})" for (use, b, v) in QualityTable(catalog.models, catalog.quant_losses).offsets if use == "code"
    }
    first = data["recommendations"][0]
    for pick in [first, *current]:
        assert set(pick["quality"]["benchmark"].split("; ")) <= linked, pick["model"]


def test_chat_on_two_3090s_offers_a_model_of_30b_or_more():
    data = recommend("--use-case", "chat", "--gpu", "2x RTX 3090")
    sizes = {m.id: m.params_total for m in load_catalog().models}
    assert any(sizes[p["model"]] >= 30e9 for p in data["best_in_budget"])


def test_no_pick_forbids_commercial_use_by_default():
    data = recommend()
    assert data["recommendations"]
    catalog = load_catalog()
    for pick in data["recommendations"]:
        assert pick["commercial_use"] is True and catalog.model(pick["model"]).commercial_use is True


def test_licence_any_admits_non_commercial_models_and_flags_them_everywhere():
    data = recommend("--use-case", "chat", "--license", "any", "--gpu", "RTX 4090", "--top", "50")
    flagged = [p for p in data["recommendations"] if not p["commercial_use"]]
    assert flagged, "a non-commercial chat model fits a 4090"
    text = runner.invoke(
        app, ["recommend", "--use-case", "chat", "--license", "any", "--gpu", "RTX 4090", "--top", "50"]
    )
    assert "(NC)" in text.stdout and "NOT for commercial use" in text.stdout
    md = runner.invoke(
        app, ["recommend", "--use-case", "chat", "--license", "any", "--gpu", "RTX 4090", "--top", "50", "--markdown"]
    )
    assert "does not allow commercial use" in md.stdout


@pytest.mark.parametrize("bar", [0, 30, 60, 85, 99])
def test_every_pick_reaches_min_quality_after_its_format_loss(bar):
    data = recommend("--min-quality", str(bar), "--gpu", "2x RTX 3090", "--top", "20")
    for pick in data["recommendations"] + data["right_sized"] + data["best_in_budget"]:
        assert pick["quality"] is not None and pick["quality"]["score_after_quant"] >= bar


def test_two_answers_and_the_merged_list():
    data = recommend("--use-case", "chat", "--budget", "8000", "--users", "5")
    assert {"needs", "hardware", "excluded", "recommendations", "right_sized", "best_in_budget"} <= set(data)
    merged = {(p["kind"], p["model"], p["quant"], p["gpu"], p["gpu_count"]) for p in data["recommendations"]}
    both = {
        (p["kind"], p["model"], p["quant"], p["gpu"], p["gpu_count"])
        for p in data["right_sized"] + data["best_in_budget"]
    }
    assert merged == both
    scores = [p["quality"]["score_after_quant"] if p["quality"] else -1 for p in data["best_in_budget"]]
    assert scores == sorted(scores, reverse=True)  # best first
    for p in data["right_sized"]:
        assert p["quality"]["score_after_quant"] >= 40  # chat's bar
        assert set(p["quality"]) >= {"use_case", "score", "score_after_quant", "benchmark", "date", "source"}
        assert p["license"] and isinstance(p["commercial_use"], bool)
        assert p["cost"]["hardware"] <= 8000
    monthly = [p["cost"]["per_month"] for p in data["right_sized"]]
    assert monthly == sorted(monthly)  # cheapest first


def test_recommend_chooses_the_format_and_quant_overrides_it():
    chosen = recommend("--use-case", "chat", "--gpu", "RTX 4090", "--top", "50")
    assert len({p["quant"] for p in chosen["recommendations"]}) > 1
    fixed = recommend("--use-case", "chat", "--gpu", "RTX 4090", "--quant", "Q4_K_M")
    assert {p["quant"] for p in fixed["recommendations"]} == {"Q4_K_M"}


def test_an_unscored_model_never_ranks_above_a_scored_one_and_explain_lists_it():
    data = recommend("--use-case", "chat", "--gpu", "2x RTX 3090", "--top", "50")
    seen_unscored = False
    for p in data["best_in_budget"]:
        if p["quality"] is None:
            seen_unscored = True
        else:
            assert not seen_unscored, "a scored model ranks below an unscored one"
    assert all(p["quality"] is not None for p in data["right_sized"])
    assert data["unscored"]
    text = runner.invoke(
        app, ["recommend", "--use-case", "chat", "--gpu", "2x RTX 3090", "--explain"], env={"COLUMNS": "200"}
    )
    assert f"{data['unscored'][0]}" in text.stdout and "unscored: no chat benchmark" in text.stdout


def test_a_model_left_out_as_too_slow_is_slower_than_asked():
    # A model that fits and is fast enough but has no command was once called too slow.
    data = recommend("--use-case", "code", "--users", "5", "--gpu", "RTX 4090", "--explain")
    slow = [e["reason_code"] for e in data["excluded"] if e["reason_code"]["code"] == "too-slow-on-largest"]
    assert all(r["decode_tokens_per_s"] < r["min_tokens_per_s"] for r in slow), slow
    reasons = {e["model"]: e["reason_code"]["code"] for e in data["excluded"]}
    assert reasons.get("qwen2-7b") in (None, "no-weights-repo")  # the catalog holds no GGUF repository for it


@pytest.mark.parametrize("engine", ["llama.cpp", "ollama"])
def test_a_model_shipped_in_a_low_bit_format_is_chosen_in_it_and_no_other_model_is(engine):
    # gpt-oss ships as MXFP4 (its scores were measured on it; ggml-org's GGUF holds only that file,
    # ollama's gpt-oss tags too); MXFP4 is no format to choose for models that were not made in it.
    data = recommend("--use-case", "code", "--users", "5", "--gpu", "RTX 4090", "--engine", engine, "--top", "50")
    picks = data["right_sized"] + data["best_in_budget"]
    oss = [p for p in picks if p["model"] == "gpt-oss-20b"]
    assert oss, "gpt-oss-20b fits a 4090"
    for p in oss:
        assert p["quant"] == "MXFP4"
        assert p["quality"]["score_after_quant"] == p["quality"]["score"]  # no loss on its own format
    assert all(p["quant"] != "MXFP4" for p in picks if not p["model"].startswith("gpt-oss"))
    if engine == "llama.cpp":
        assert "ggml-org/gpt-oss-20b-GGUF:MXFP4" in oss[0]["command"]
