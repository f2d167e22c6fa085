"""`sizer recommend` cost and hardware through the CLI: cost from the stated load, owned versus to
buy, the currency asked for everywhere, and model first (`--model`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from sizer.cli.app import app
from sizer.io import hardware
from sizer.io.loaders import load_shipped_catalog

runner = CliRunner()
COSTS = yaml.safe_load((Path(__file__).resolve().parents[2] / "data" / "costs.yaml").read_text())
COST_KEYS = {
    "currency",
    "hardware",
    "per_month",
    "monthly_tokens",
    "per_million_tokens",
    "api_per_month",
    "break_even_months_vs_api",
    "cloud_per_month",
    "break_even_months_vs_cloud",
}


@pytest.fixture(autouse=True)
def no_gpu_here(monkeypatch):
    monkeypatch.setattr(hardware.nvml, "_read_nvml", lambda *a, **k: ([], ["NVML unavailable (test)"]), raising=False)


def run(*args: str):
    return runner.invoke(app, list(args), env={"COLUMNS": "200"})


def picks(*args: str) -> dict:
    result = run("recommend", *args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _identity(pick: dict) -> None:
    c = pick["cost"]
    assert set(c) >= COST_KEYS
    assert c["per_million_tokens"] * c["monthly_tokens"] / 1e6 == pytest.approx(c["per_month"], abs=0.01)


@pytest.mark.parametrize(
    "args",
    [
        ("--use-case", "chat", "--users", "5", "--budget", "8000"),
        ("--use-case", "code", "--users", "5", "--gpu", "RTX 4090"),
        ("--use-case", "chat", "--users", "50", "--budget", "40000", "--currency", "USD"),
        ("--model", "llama-3.1-8b", "--users", "4", "--gpu", "RTX 3090", "--buy"),
    ],
)
def test_cost_identity_for_every_pick(args):
    data = picks(*args)
    assert data["recommendations"]
    for pick in data["recommendations"]:
        _identity(pick)
        assert pick["kind"] in {"runs here", "to buy"} and pick["nodes"] == 1
        assert pick["gpu"] and pick["gpu_count"] >= 1


def test_monthly_tokens_by_hand_from_the_shipped_load():
    load = COSTS["load"]
    per_request = load["prompt_tokens"] + load["output_tokens"]
    for pick in picks("--use-case", "chat", "--users", "3", "--budget", "6000")["recommendations"]:
        assert pick["cost"]["capped"] is False
        # 3 users x 10 requests an hour x 167 busy hours x (212 + 215) tokens = 2,139,270
        assert pick["cost"]["monthly_tokens"] == round(
            3 * load["requests_per_user_hour"] * load["busy_hours_per_month"] * per_request
        )
    assert 3 * 10 * 167 * 427 == 2_139_270 and per_request == 427
    # --utilisation 0.5: the users are at it half of the month's 730 hours
    for pick in picks("--use-case", "chat", "--users", "3", "--budget", "6000", "--utilisation", "0.5")[
        "recommendations"
    ]:
        assert pick["cost"]["monthly_tokens"] == (3 * 10 * 365 * 427)


def test_owned_gpu_runs_here_at_no_hardware_cost_though_the_catalog_prices_it():
    assert load_shipped_catalog().gpu("RTX 4090").price is not None  # priced, yet owned
    data = picks("--use-case", "chat", "--users", "5", "--gpu", "RTX 4090")
    assert data["recommendations"]
    for pick in data["recommendations"]:
        assert pick["kind"] == "runs here" and pick["gpu"] == "rtx-4090"
        assert pick["cost"]["hardware"] == 0 and pick["cost"]["power_per_month"] > 0
        assert pick["cost"]["per_month"] == pytest.approx(pick["cost"]["power_per_month"], abs=0.01)
    bought = picks("--use-case", "chat", "--users", "5", "--gpu", "RTX 4090", "--buy")["recommendations"]
    assert {p["kind"] for p in bought} == {"runs here", "to buy"}
    assert all(p["cost"]["hardware"] > 0 for p in bought if p["kind"] == "to buy")


def test_nothing_owned_shows_what_to_buy():
    data = picks("--use-case", "chat", "--users", "2")
    assert data["recommendations"] and {p["kind"] for p in data["recommendations"]} == {"to buy"}


def _amounts_currency(data: dict) -> set[str]:
    seen = {p["cost"]["currency"] for p in data["recommendations"]}
    seen |= {p["reason_code"]["currency"] for p in data["recommendations"]}
    if data["needs"]["budget"]:
        seen.add(data["needs"]["budget"]["currency"])
    return seen


def test_every_amount_is_in_the_currency_asked_for():
    eur = picks("--use-case", "chat", "--users", "50", "--budget", "40000")
    assert eur["recommendations"] and _amounts_currency(eur) == {"EUR"}
    usd = picks("--use-case", "chat", "--users", "50", "--budget", "40000", "--currency", "USD")
    assert usd["recommendations"] and _amounts_currency(usd) == {"USD"}
    text = run("recommend", "--use-case", "chat", "--users", "50", "--budget", "40000")
    assert text.exit_code == 0 and "EUR" in text.stdout and "USD" not in text.stdout


def test_text_and_markdown_show_break_even():
    text = run("recommend", "--use-case", "chat", "--users", "5", "--budget", "8000", "--top", "2")
    assert "tokens/month" in text.stdout and "break-even" in text.stdout
    markdown = run("recommend", "--use-case", "chat", "--users", "5", "--budget", "8000", "--markdown").stdout
    assert "| break-even vs API | break-even vs cloud |" in markdown and "break-even" in markdown.split("\n\n", 1)[1]


def _estimate(model: str, pick: dict, context: int, users: int, engine: str) -> dict:
    result = run(
        "estimate", model, "--gpu", pick["gpu_name"], "--gpus", str(pick["gpu_count"]),
        "--context", str(context), "--batch", str(users), "--engine", engine, "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.mark.parametrize("engine", ["llama.cpp", "vllm"])
def test_model_first_configurations_hold_weights_and_the_users_kv_cache(engine):
    data = picks("--model", "llama-3.3-70b", "--context", "32768", "--users", "20", "--engine", engine)
    configurations = [p for p in data["recommendations"] if p["kind"] == "to buy"]
    if engine == "vllm":  # tensor parallel adds the GPUs' bandwidth: several rigs serve 20 users
        assert configurations
    prices = [p["cost"]["hardware"] for p in configurations]
    assert prices == sorted(prices)  # cheapest first
    assert len({p["gpu"] for p in configurations}) == len(configurations)  # one count per GPU type
    for pick in configurations:
        assert pick["model"] == "llama-3.3-70b" and pick["users_served"] >= 20
        # A pick of several servers holds one copy's share of the users on each.
        est = _estimate("llama-3.3-70b", pick, 32768, -(-20 // pick["replicas"]), engine)
        assert est["fits"] is True
        memory = est["memory_bytes"]
        assert memory["total"] == memory["weights"] + memory["kv_cache"] + memory["overhead"]
        assert memory["total"] <= est["available_bytes"]
        assert pick["memory_bytes"] == memory and pick["available_bytes"] == est["available_bytes"]
        _identity(pick)


def test_model_first_says_which_owned_hardware_runs_it():
    data = picks("--model", "llama-3.1-8b", "--users", "2", "--gpu", "RTX 4090")
    here = [p for p in data["recommendations"] if p["kind"] == "runs here"]
    assert [p["gpu"] for p in here] == ["rtx-4090"] and here[0]["cost"]["hardware"] == 0
    assert any(p["kind"] == "to buy" for p in data["recommendations"])
    assert data["needs"]["model"] == "llama-3.1-8b"
    too_small = picks("--model", "llama-3.3-70b", "--users", "2", "--gpu", "RTX 3060")
    assert not [p for p in too_small["recommendations"] if p["kind"] == "runs here"]
    assert [e["model"] for e in too_small["excluded"]][:1] == ["llama-3.3-70b"]


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("--model", "no-such-model-xyz"), "no-such-model-xyz"),
        (("--model", "llama-3.1-8b", "--context", "1000000"), "supports"),
    ],
)
def test_model_first_bad_input_is_one_line_exit_2(args, needle):
    result = run("recommend", *args)
    assert result.exit_code == 2 and needle in result.output


def test_check_answers_in_the_spec_currency(tmp_path):
    spec = {
        "name": "eur",
        "hardware": {"gpus": [{"name": "RTX 3060", "count": 1}], "price": {"amount": 900, "currency": "EUR"}},
        "workloads": [{"model": "qwen2.5-32b", "context": 8192}],
        "constraints": {"budget": {"amount": 20000, "currency": "EUR"}},
    }
    for currency in ("EUR", "USD"):
        path = tmp_path / f"{currency}.yaml"
        path.write_text(yaml.safe_dump({**spec, "currency": currency}))
        report = json.loads(run("check", str(path), "--format", "json").stdout)["specs"][0]
        ideas = [i for o in report["outcomes"] for i in o["would_pass_code"] if i["code"] == "other-gpu"]
        assert ideas and {i["currency"] for i in ideas} == {currency}


PICK_KEYS = {
    "kind",
    "model",
    "quant",
    "engine",
    "gpu",
    "gpu_count",
    "nodes",
    "license",
    "commercial_use",
    "quality",
    "decode_tokens_per_s",
    "prefill_tokens_per_s",
    "users_served",
    "memory_bytes",
    "available_bytes",
    "cost",
}


@pytest.mark.parametrize(
    "args",
    [
        ("--use-case", "chat", "--users", "5", "--budget", "8000", "--engine", "vllm"),
        ("--model", "llama-3.1-8b", "--users", "4", "--gpu", "RTX 3090", "--buy"),
    ],
)
def test_every_pick_carries_quality_licence_and_cost_and_both_answers_exist(args):
    data = picks(*args)
    assert data["recommendations"]
    assert isinstance(data["right_sized"], list) and isinstance(data["best_in_budget"], list)
    for pick in data["recommendations"] + data["right_sized"] + data["best_in_budget"]:
        assert set(pick) >= PICK_KEYS
        assert pick["engine"] == data["needs"]["engine"]
        assert pick["quality"] is None or pick["quality"]["quant"] == pick["quant"]
        assert isinstance(pick["commercial_use"], bool)
        assert set(pick["cost"]) >= COST_KEYS


def test_model_first_scores_the_named_model_in_its_format_and_picks_no_answers():
    data = picks("--model", "llama-3.1-8b", "--users", "2", "--gpu", "RTX 4090")
    assert data["recommendations"] and data["right_sized"] == [] and data["best_in_budget"] == []
    for pick in data["recommendations"]:
        assert pick["reason_code"]["code"] == "serves-model" and pick["answers"] == []
        assert pick["quant"] == "Q4_K_M"  # llama.cpp's default: model first sizes one format
        assert pick["quality"] is not None and pick["quality"]["use_case"] == "chat"


def test_a_budget_without_an_exchange_rate_is_one_line_exit_2(monkeypatch):
    from sizer.io import loaders
    from sizer.models import ExchangeRates

    shipped = loaders.load_cost_settings

    def eur_without_rates(currency: str = "EUR"):
        # the cost settings answer in EUR and know no other currency: a USD budget cannot be read
        return shipped("EUR").model_copy(update={"exchange_rates": ExchangeRates(per_base={}, date="2026", source="t")})

    monkeypatch.setattr(loaders, "load_cost_settings", eur_without_rates)
    result = run("recommend", "--use-case", "chat", "--users", "5", "--budget", "8000", "--currency", "USD")
    assert result.exit_code == 2, result.output
    assert "no exchange rate from USD to EUR" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_a_gpu_to_buy_whose_price_is_over_a_year_old_gets_a_note():
    # Arc Pro B60's shipped price is its list price of 2025-09-05: over a year old from 2026-10 on.
    # (--top 6: the priced M5 Mac Studios rank ahead of it among the five cheapest.)
    catalog = load_shipped_catalog()
    assert catalog.gpu("arc-pro-b60").price.date == "2025-09-05"
    result = run("recommend", "--use-case", "chat", "--headcount", "200", "--budget", "40000", "--top", "6")
    assert result.exit_code == 0, result.output
    assert "Arc Pro B60" in result.output.split("note: Arc Pro B60")[0]  # it is a pick
    assert "note: Arc Pro B60: list price of 2025-09-05, over 12 months old; get a quote" in result.output


def test_a_gpu_to_buy_priced_as_a_used_card_gets_a_note(monkeypatch):
    # The same pick as above, its price marked as a used card's resale price: the note says so.
    from sizer.core.catalog import Catalog
    from sizer.io import loaders

    shipped = loaders.load_shipped_catalog()

    def with_a_used_b60(warn=None):
        gpus = tuple(
            g.model_copy(update={"price": g.price.model_copy(update={"used": True})}) if g.id == "arc-pro-b60" else g
            for g in shipped.gpus
        )
        return Catalog(models=shipped.models, gpus=gpus, quant_losses=shipped.quant_losses)

    monkeypatch.setattr(loaders, "load_catalog", with_a_used_b60)
    result = run("recommend", "--use-case", "chat", "--headcount", "200", "--budget", "40000", "--top", "6")
    assert result.exit_code == 0, result.output
    assert "note: Arc Pro B60: priced as a used card (2025-09-05); check its condition and warranty" in result.output
