"""Cost from the load: monthly tokens, cost per month and per million tokens, the API of the
model's class, renting, break-even and currency conversion, each figure worked by hand."""

from __future__ import annotations

import pytest

from sizer.core.catalog import Catalog
from sizer.core.cost import api_for, cost, demand, hardware_price
from sizer.core.recommend import buyable_options
from sizer.core.rigs import HardwareOption
from sizer.errors import InputError
from sizer.models import ApiClass, ApiPrice, BaseSystem, CloudGpuPrice, CostSettings, ExchangeRates, Load, Money, Price
from sizer.models.needs import Needs
from tests.conftest import LLAMA_3_70B, LLAMA_31_8B, RTX_4090

LOAD = Load(busy_hours_per_month=160, requests_per_user_hour=10, prompt_tokens=200, output_tokens=300)
SETTINGS = CostSettings(
    kwh_price=0.30,
    base_system_price=1500,
    base_system_power_w=150,
    utilisation_frac=0.5,
    amortisation_years=3,
    load=LOAD,
)
RIG = HardwareOption(gpu=RTX_4090, count=1)


def _priced(gpu, amount, currency="EUR"):
    price = Price(amount=amount, currency=currency, date="2026", vat_included=False, kind="street", source="test")
    return gpu.model_copy(update={"price": price})


def test_monthly_tokens_from_the_users_by_hand():
    # 3 users x 10 requests an hour x 160 busy hours = 4,800 requests; x (200 + 300) tokens = 2.4 M.
    # The rig needs 200 / 1000 + 300 / 100 = 3.2 s a request: 576,000 s / 3.2 = 180,000 at most.
    asked = demand(3, LOAD, prefill_tokens_per_s=1000, aggregate_tokens_per_s=100)
    assert asked.requests == pytest.approx(4800)
    assert asked.prompt_tokens == pytest.approx(960_000)
    assert asked.output_tokens == pytest.approx(1_440_000)
    assert asked.tokens == pytest.approx(2_400_000)
    assert asked.capped is False


def test_monthly_tokens_are_capped_at_what_the_rig_produces():
    # 200 / 1000 + 300 / 1 = 300.2 s a request: 576,000 s / 300.2 = 1,918.72 requests, not 4,800.
    asked = demand(3, LOAD, prefill_tokens_per_s=1000, aggregate_tokens_per_s=1)
    assert asked.capped is True
    assert asked.requests == pytest.approx(576_000 / 300.2)
    assert asked.tokens == pytest.approx(576_000 / 300.2 * 500)


def test_cost_per_month_and_per_million_tokens_by_hand():
    money = cost(3600.0, RIG, SETTINGS, users=3, prefill_tokens_per_s=1000, aggregate_tokens_per_s=100)
    # (450 W + 150 W) x 160 busy hours x 0.30 EUR/kWh = 28.80 EUR of power a month
    assert money.power_per_month == pytest.approx(28.80)
    # 3,600 EUR over 36 months = 100 a month, plus power
    assert money.per_month == pytest.approx(128.80)
    assert money.monthly_tokens == 2_400_000 and money.monthly_requests == 4800
    assert money.per_million_tokens == pytest.approx(128.80 / 2.4, abs=1e-6)
    assert money.per_million_tokens * money.monthly_tokens / 1e6 == pytest.approx(money.per_month, abs=0.01)


def test_api_of_the_models_class_and_renting_with_break_even():
    settings = SETTINGS.model_copy(
        update={
            "api_prices": (
                ApiPrice(
                    model="small-api",
                    provider="p",
                    input_per_million=10,
                    output_per_million=40,
                    currency="EUR",
                    date="2026",
                    source="t",
                ),
                ApiPrice(
                    model="big-api",
                    provider="p",
                    input_per_million=1,
                    output_per_million=1,
                    currency="EUR",
                    date="2026",
                    source="t",
                ),
            ),
            "api_classes": (
                ApiClass(name="small", max_params_b=15, model="small-api"),
                ApiClass(name="frontier", model="big-api"),
            ),
            "cloud_gpu_hourly": (
                CloudGpuPrice(
                    gpu="RTX 4090", price_per_hour=0.5, currency="EUR", provider="x", date="2026", source="t"
                ),
                CloudGpuPrice(
                    gpu="RTX 4090", price_per_hour=0.9, currency="EUR", provider="y", date="2026", source="t"
                ),
            ),
        }
    )
    money = cost(3600.0, RIG, settings, 3, 1000, 100, model=LLAMA_31_8B)
    assert money.api_class == "small" and money.api_reference == "p small-api"
    # 960,000 prompt tokens x 10 + 1,440,000 output tokens x 40, per million: 9.60 + 57.60 = 67.20
    assert money.api_per_month == pytest.approx(67.20)
    assert money.break_even_months_vs_api == pytest.approx(3600 / (67.20 - 28.80), abs=0.05)
    # the cheaper rental, 0.5 EUR/h x 1 GPU x 160 busy hours = 80 a month
    assert money.cloud_per_month == pytest.approx(80.0)
    assert money.break_even_months_vs_cloud == pytest.approx(3600 / (80 - 28.80), abs=0.05)
    # a 70 B model is past the small class: the frontier API, 2.4 M tokens x 1 = 2.40, below the power
    big = cost(3600.0, RIG, settings, 3, 1000, 100, model=LLAMA_3_70B)
    assert big.api_class == "frontier" and big.api_per_month == pytest.approx(2.40)
    assert big.break_even_months_vs_api is None


def test_api_classes_in_order_by_size():
    classes = (
        ApiClass(name="small", max_params_b=15, model="a"),
        ApiClass(name="medium", max_params_b=150, model="b"),
        ApiClass(name="frontier", model="c"),
    )
    settings = SETTINGS.model_copy(update={"api_classes": classes})
    assert api_for(LLAMA_31_8B, settings)[0] == "small"
    assert api_for(LLAMA_3_70B, settings)[0] == "medium"
    huge = LLAMA_3_70B.model_copy(update={"params_total": 400e9})
    assert api_for(huge, settings)[0] == "frontier"


def test_owned_hardware_costs_nothing_to_buy_but_power():
    owned = HardwareOption(gpu=_priced(RTX_4090, 1900), count=1, owned=True)
    assert hardware_price(owned, SETTINGS) == 0.0
    money = cost(0.0, owned, SETTINGS, 3, 1000, 100)
    assert money.hardware == 0 and money.power_per_month == pytest.approx(28.80)
    assert money.per_month == pytest.approx(28.80)


def test_prices_convert_at_the_dated_rate_and_unconvertible_prices_are_not_used():
    usd = HardwareOption(gpu=_priced(RTX_4090, 1166.5, "USD"), count=2)
    rates = ExchangeRates(per_base={"USD": 1.1665}, date="2025", source="t")
    settings = SETTINGS.model_copy(update={"exchange_rates": rates})
    # 1,166.5 USD / 1.1665 = 1,000 EUR a GPU, two of them, plus the 1,500 EUR base system
    assert hardware_price(usd, settings) == pytest.approx(3500.0)
    no_rate = SETTINGS.model_copy(update={"exchange_rates": ExchangeRates(per_base={}, date="2025", source="t")})
    assert hardware_price(usd, no_rate) is None
    catalog = Catalog(models=(LLAMA_31_8B,), gpus=(_priced(RTX_4090, 1166.5, "USD"),))
    assert buyable_options(catalog, Needs(), no_rate) == []
    assert buyable_options(catalog, Needs(), settings)


def test_exchange_rates_both_ways():
    rates = ExchangeRates(per_base={"USD": 1.25}, date="2026", source="t")
    assert rates.convert(100, "EUR", "USD") == pytest.approx(125)
    assert rates.convert(125, "USD", "EUR") == pytest.approx(100)
    assert rates.convert(100, "EUR", "EUR") == 100
    assert rates.convert(100, "GBP", "EUR") is None


CLASSES = (
    BaseSystem(name="desktop", max_gpus=2, price=2000, power_w=100),
    BaseSystem(name="workstation", max_gpus=4, price=9000, power_w=400),
)
BY_CLASS = CostSettings(kwh_price=0.30, base_systems=CLASSES, utilisation_frac=0.5, amortisation_years=3, load=LOAD)


def test_cost_uses_the_base_system_of_the_rigs_gpu_count():
    four = HardwareOption(gpu=_priced(RTX_4090, 1000), count=4)
    # 4 x 1,000 EUR + the 9,000 EUR workstation (3-4 GPUs), not the desktop
    assert hardware_price(four, BY_CLASS) == pytest.approx(13_000)
    money = cost(13_000.0, four, BY_CLASS, users=3, prefill_tokens_per_s=1000, aggregate_tokens_per_s=100)
    # (4 x 450 W + 400 W) x 160 busy hours x 0.30 EUR/kWh = 105.60 EUR; 13,000 / 36 = 361.11
    assert money.power_per_month == pytest.approx(105.60)
    assert money.per_month == pytest.approx(13_000 / 36 + 105.60, abs=0.01)
    one = HardwareOption(gpu=_priced(RTX_4090, 1000), count=1)
    assert hardware_price(one, BY_CLASS) == pytest.approx(3_000)  # 1,000 + the 2,000 EUR desktop
    # (450 W + 100 W) x 160 h x 0.30 EUR/kWh = 26.40 EUR
    assert cost(3_000.0, one, BY_CLASS, 3, 1000, 100).power_per_month == pytest.approx(26.40)


def test_a_budget_without_an_exchange_rate_is_bad_input_not_zero():
    catalog = Catalog(models=(LLAMA_31_8B,), gpus=(_priced(RTX_4090, 1000),))
    no_rate = SETTINGS.model_copy(update={"exchange_rates": ExchangeRates(per_base={}, date="2025", source="t")})
    usd_budget = Needs(budget=Money(amount=50_000, currency="USD"))
    with pytest.raises(InputError, match="no exchange rate from USD to EUR"):
        buyable_options(catalog, usd_budget, no_rate)
    # the same budget in the settings' own currency needs no rate
    assert buyable_options(catalog, Needs(budget=Money(amount=50_000, currency="EUR")), no_rate)


def test_months_old_by_hand():
    from sizer.core.cost import months_old

    assert months_old("2025-09-05", (2026, 12)) == 15
    assert months_old("2026-12", (2026, 12)) == 0
    assert months_old("2025", (2026, 3)) == 14  # a bare year counts from its January


def test_old_prices_are_those_over_a_year_each_gpu_once():
    from sizer.core.cost import old_prices

    rows = [("A", "2025-11-30", "street"), ("B", "2025-12-01", "list"), ("A", "2025-11-30", "street")]
    # Today 2026-12: A is 13 months old, B 12 (not over the limit).
    assert old_prices(rows, (2026, 12)) == [("A", "2025-11-30", "street")]
