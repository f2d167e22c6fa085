"""data/costs.yaml: the load defaults, the exchange rate and the API classes are sourced, dated and
consistent with what the cost model reads."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from sizer.io.loaders import load_cost_settings
from sizer.models import USD_PER_EUR

COSTS = yaml.safe_load((Path(__file__).resolve().parents[2] / "data" / "costs.yaml").read_text())
LOAD_KEYS = ("busy_hours_per_month", "requests_per_user_hour", "prompt_tokens", "output_tokens")


@pytest.mark.parametrize("key", LOAD_KEYS)
def test_every_load_default_has_a_source_and_a_date(key):
    provenance = COSTS["load"]["provenance"][key]
    assert provenance["source"] and provenance["date"] and provenance["note"]
    assert COSTS["load"][key] > 0


def test_the_settings_carry_the_shipped_load():
    for currency in ("EUR", "USD"):
        settings = load_cost_settings(currency)
        assert {k: getattr(settings.load, k) for k in LOAD_KEYS} == {k: COSTS["load"][k] for k in LOAD_KEYS}


def test_the_exchange_rate_is_dated_sourced_and_the_one_the_code_falls_back_to():
    rates = COSTS["exchange_rates"]
    assert rates["base"] == "EUR" and rates["date"] and rates["source"].startswith("https://")
    assert rates["per_base"]["USD"] == USD_PER_EUR
    settings = load_cost_settings("USD")
    assert settings.exchange_rates.convert(100, "EUR", "USD") == pytest.approx(100 * USD_PER_EUR)
    # the shipped EUR prices (electricity, each base system) arrive converted
    eur = load_cost_settings("EUR")
    assert settings.kwh_price == pytest.approx(eur.kwh_price * USD_PER_EUR)
    for n in (1, 4, 8):
        assert settings.base_system(n).price == pytest.approx(eur.base_system(n).price * USD_PER_EUR)


def test_the_gpu_prices_convert_at_the_same_one_rate():
    # data/gpu_prices.yaml names the rate in its header and in every converted_from; no second rate
    text = (Path(__file__).resolve().parents[2] / "data" / "gpu_prices.yaml").read_text()
    assert f"1 EUR = {COSTS['exchange_rates']['per_base']['USD']} USD" in text
    assert f"at {1 / USD_PER_EUR:.4f} EUR/USD, ECB {COSTS['exchange_rates']['date']}" in text
    for box in COSTS["defaults"]["base_systems"]:
        if "converted_from" in box["price"]:
            assert f"at {1 / USD_PER_EUR:.4f} EUR/USD" in box["price"]["converted_from"]


def test_every_api_class_names_a_dated_priced_api_and_the_last_takes_any_size():
    prices = {p["model"]: p for p in COSTS["api_price_per_million_tokens"]}
    classes = COSTS["api"]["classes"]
    assert [c["name"] for c in classes] == ["small", "medium", "frontier"]
    limits = [c.get("max_params_b") for c in classes]
    assert limits[-1] is None and limits[:-1] == sorted(limits[:-1])
    for c in classes:
        price = prices[c["model"]]
        assert price["input_per_million"] > 0 and price["output_per_million"] > 0
        assert price["date"] and price["source"] and c["reason"]
    assert len(load_cost_settings("EUR").api_classes) == len(classes)
