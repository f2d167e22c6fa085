"""The spec check: each rule, margins, suggestions; a failed rule is a result, not an exception."""

from __future__ import annotations

import pytest

from sizer.core.spec import Spec, check
from sizer.errors import UnknownNameError
from sizer.models import Currency, Money
from sizer.render.messages import message, messages


def spec(**overrides):
    base = {
        "name": "t",
        "hardware": {"gpus": [{"name": "RTX 4090", "count": 1}], "price": {"amount": 3000, "currency": "EUR"}},
        "workloads": [{"model": "llama-3.1-8b", "context": 8192, "min_tokens_per_s": 20}],
    }
    base.update(overrides)
    return Spec.model_validate(base)


def test_a_met_spec_passes_with_its_margin(mini_catalog):
    report = check(spec(), mini_catalog)
    assert report.passed
    (outcome,) = report.outcomes
    assert outcome.violations == ()
    summary = message(outcome.summary_code)
    assert "headroom" in summary and "GiB" in summary


def test_too_little_vram_is_a_violation_with_suggestions(mini_catalog):
    report = check(spec(workloads=[{"model": "llama-3-70b", "context": 4096}]), mini_catalog)
    (outcome,) = report.outcomes
    assert not report.passed
    assert [v.code for v in outcome.violations] == ["insufficient-vram"]
    assert outcome.violations[0].path == "workloads[0]"
    assert any("x GeForce RTX 4090" in idea for idea in messages(outcome.would_pass_code))


def test_headroom_is_enforced(mini_catalog):
    tight = spec(workloads=[{"model": "llama-3.1-8b", "context": 131072}], constraints={"vram_headroom": 0.5})
    codes = [v.code for o in check(tight, mini_catalog).outcomes for v in o.violations]
    assert "insufficient-vram" in codes


def test_too_slow(mini_catalog):
    slow = spec(workloads=[{"model": "llama-3.1-8b", "min_tokens_per_s": 1000}])
    (outcome,) = check(slow, mini_catalog).outcomes
    assert [v.code for v in outcome.violations] == ["too-slow"]


def test_budget_in_another_currency(mini_catalog):
    pricey = spec(constraints={"budget": {"amount": 3000, "currency": "USD"}})
    (outcome,) = check(pricey, mini_catalog).outcomes
    assert [v.code for v in outcome.violations] == ["over-budget"]
    assert Money(amount=100, currency=Currency.EUR).to(Currency.USD) > 100


def test_power_limit(mini_catalog):
    hot = spec(hardware={"gpus": [{"name": "RTX 4090", "count": 2}], "max_power_w": 800})
    codes = [v.code for o in check(hot, mini_catalog).outcomes for v in o.violations]
    assert codes == ["over-power"]


def test_licence_rule(mini_catalog):
    from tests.conftest import LLAMA_31_8B

    closed = LLAMA_31_8B.model_copy(update={"commercial_use": False})
    report = check(spec(constraints={"license": "commercial"}), mini_catalog, resolve_model=lambda name: closed)
    assert [v.code for v in report.outcomes[0].violations] == ["license"]


def test_every_offer_against_every_workload(mini_catalog):
    two = spec(
        hardware=None,
        offers=[{"gpus": [{"name": "RTX 4090"}]}, {"gpus": [{"name": "A100 80GB SXM"}]}],
        workloads=[{"model": "llama-3.1-8b"}, {"model": "llama-3-70b"}],
    )
    report = check(two, mini_catalog)
    assert len(report.outcomes) == 4
    assert [o.passed for o in report.outcomes] == [True, False, True, True]


def test_unknown_names_raise(mini_catalog):
    with pytest.raises(UnknownNameError):
        check(spec(hardware={"gpus": [{"name": "RTX 9999"}]}), mini_catalog)
    with pytest.raises(UnknownNameError):
        check(spec(workloads=[{"model": "gpt-5"}]), mini_catalog)


@pytest.mark.parametrize(
    "bad",
    [
        {"workloads": []},
        {"workloads": [{"model": "x", "use_case": "chat"}]},
        {"workloads": [{"model": "x", "context": -1}]},
        {"hardware": None},
        {"hardware": {"gpus": [{"name": "RTX 4090", "count": 0}]}},
        {"constraints": {"vram_headroom": 1.5}},
        {"surprise": 1},
    ],
)
def test_invalid_specs_do_not_validate(bad):
    with pytest.raises(ValueError):
        spec(**bad)
