"""The spec check: each rule, margins, suggestions; a failed rule is a result, not an exception."""

from __future__ import annotations

import pytest

from sizer.core.spec import Spec, check
from sizer.errors import InputError, UnknownNameError
from sizer.models import Currency, ExchangeRates, Money
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


def test_a_budget_or_price_without_an_exchange_rate_is_bad_input(mini_catalog):
    no_rate = ExchangeRates(per_base={}, date="2026", source="t")
    usd_budget = spec(constraints={"budget": {"amount": 3000, "currency": "USD"}}, currency="EUR")
    with pytest.raises(InputError, match=r"constraints\.budget: no exchange rate from USD to EUR"):
        check(usd_budget, mini_catalog, rates=no_rate)
    usd_hardware = {"gpus": [{"name": "RTX 4090", "count": 1}], "price": {"amount": 3000, "currency": "USD"}}
    usd_price = spec(hardware=usd_hardware, currency="EUR")
    with pytest.raises(InputError, match="price: no exchange rate from USD to EUR"):
        check(usd_price, mini_catalog, rates=no_rate)
    assert check(spec(), mini_catalog, rates=no_rate).outcomes  # all in EUR: no rate needed


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


# 100 offers x 100 workloads (issue 10, item 10): every rig estimated once, the same answers as
# checking each cell on its own. The wall time is in benchmarks/speed.py, not asserted here.

GRID_MODELS = (
    "deepseek-v3",
    "llama-3.1-405b",
    "mixtral-8x22b",
    "qwen3-235b-a22b",
    "llama-3.3-70b",
    "qwen2.5-32b",
    "gemma-2-9b",
    "llama-3.1-8b",
    "qwen2.5-7b",
    "phi-2",
)
GRID_GPUS = (
    "rtx-4090",
    "rtx-3090",
    "rtx-4060",
    "rtx-5090",
    "h100-sxm",
    "a100-80gb-sxm",
    "l4",
    "rtx-6000-ada",
    "mi300x",
    "rx-7900-xtx",
)


@pytest.fixture(scope="module")
def grid():
    """The shipped catalog, the 100 x 100 spec, its report and how often each rig was estimated."""
    from collections import Counter

    from sizer.core import spec as spec_module
    from sizer.io.loaders import load_shipped_catalog
    from tests.spec_grid import grid_spec

    catalog = load_shipped_catalog()
    spec = grid_spec(catalog, 100, 100, GRID_MODELS, GRID_GPUS)
    calls: Counter = Counter()
    real = spec_module.estimate

    def counting(model, gpu, load, count, *args, **kwargs):
        calls[(model.id, gpu.id, count, load.model_dump_json())] += 1
        return real(model, gpu, load, count, *args, **kwargs)

    mp = pytest.MonkeyPatch()
    mp.setattr(spec_module, "estimate", counting)
    try:
        report = check(spec, catalog)
    finally:
        mp.undo()
    return catalog, spec, report, calls


def test_grid_estimates_each_rig_once(grid):
    _, _, report, calls = grid
    assert len(report.outcomes) == 10_000
    repeated = {key: n for key, n in calls.items() if n > 1}
    assert repeated == {}, f"{len(repeated)} rigs estimated more than once, e.g. {next(iter(repeated.items()))}"


@pytest.mark.parametrize(("i", "j"), [(0, 0), (4, 7), (13, 27), (42, 57), (58, 6), (77, 3), (99, 99), (31, 90)])
def test_grid_cells_match_checking_that_cell_alone(grid, i, j):
    catalog, spec, report, _ = grid
    cell = report.outcomes[i * 100 + j]
    assert (cell.offer_path, cell.workload_path) == (f"offers[{i}]", f"workloads[{j}]")
    alone = Spec(offers=(spec.offers[i],), workloads=(spec.workloads[j],), constraints=spec.constraints)
    (single,) = check(alone, catalog).outcomes
    skip = {"offer_path", "workload_path", "violations"}
    assert cell.model_dump(exclude=skip) == single.model_dump(exclude=skip)
    assert [(v.code, v.message_code) for v in cell.violations] == [(v.code, v.message_code) for v in single.violations]


def test_grid_cells_checked_by_hand(grid):
    from sizer.units import GiB

    _, _, report, _ = grid
    # Offer 0 is 1 x RTX 4090 (24 GiB); workload 0 DeepSeek V3 at Q4_K_M: 671 B parameters at
    # ~4.85 bits each are ~379 GiB of weights, so it cannot fit, and nothing within 8 consumer
    # cards or one other priced GPU holds it.
    big = report.outcomes[0]
    assert big.model == "deepseek-v3" and not big.passed
    assert [v.code for v in big.violations] == ["insufficient-vram"] and big.would_pass_code == ()
    assert 360 * GiB < big.needs_bytes_per_gpu < 400 * GiB and big.has_bytes_per_gpu <= 24 * GiB
    # Offer 4 is 5 x H100 (1 + 28 mod 8); workload 7 Llama 3.1 8B at Q8_0, 32,768 tokens x 8
    # users (KV 32 layers x 8 heads x 128 x 2 x 2 bytes x 32,768 x 8 = 32 GiB, split over five).
    small = report.outcomes[4 * 100 + 7]
    assert small.model == "llama-3.1-8b" and small.passed, small.summary_code
    assert small.needs_bytes_per_gpu < 20 * GiB
    # Workload 9: Phi-2 at 4096 x 2 = 8,192 tokens, four times its 2,048-token context: on every
    # offer, and no other rig would change that.
    phi = [report.outcomes[i * 100 + 9] for i in range(100)]
    assert all("context-too-long" in [v.code for v in o.violations] and o.would_pass_code == () for o in phi)


@pytest.mark.parametrize("engine", ["llama.cpp", "vllm"])
def test_the_memory_shortcut_agrees_with_the_full_estimate(engine):
    """_would_pass skips a full estimate where the per-GPU need alone says insufficient-vram; it must
    say so exactly where the estimate does (any GPU, Apple's unified memory included)."""
    from sizer.core.spec import SpecWorkload, _Memo
    from sizer.io.loaders import load_shipped_catalog
    from sizer.models.assumptions import DEFAULT_ASSUMPTIONS

    catalog = load_shipped_catalog()
    constraints = Spec.model_validate(
        {"hardware": {"gpus": [{"name": "RTX 4090"}]}, "workloads": [{"model": "llama-3.1-8b"}]}
    ).constraints.model_copy(update={"vram_headroom": 0.1})
    memo = _Memo(DEFAULT_ASSUMPTIONS, constraints)
    gpus = [catalog.gpu(g) for g in ("rtx-4090", "rtx-4060", "h100-sxm", "mi300x", "M2 Max")]
    work = SpecWorkload(model="x", context=16384, concurrent_users=4, engine=engine)
    agreed = set()
    for model in [catalog.model(m) for m in ("llama-3.1-8b", "qwen2.5-32b", "llama-3.3-70b", "mixtral-8x7b")]:
        for gpu in gpus:
            for count in (1, 2, 3, 8):
                for quant in ("Q4_K_M", "Q8_0") if engine == "llama.cpp" else ("FP8",):
                    _, broken = memo.fails(model, gpu, count, work, quant)
                    short = "insufficient-vram" in [r.code for r in broken]
                    assert memo.lacks_memory(model, gpu, count, work, quant, 0.1) == short, (model.id, gpu.id, count)
                    agreed.add(short)
    assert agreed == {True, False}


def test_a_headcount_is_sized_as_the_users_its_busy_hour_has_in_flight():
    from sizer.core.capacity import users_for_headcount
    from sizer.core.spec import SpecWorkload

    work = SpecWorkload(model="llama-3.1-8b", headcount=200, min_tokens_per_s=10)
    # 200 people x 10 requests/h = 0.56/s; 215 tokens at 10 tok/s = 21.5 s each: 11.9 in flight,
    # 17.6 at the 95th percentile (11.9 + 1.645 x sqrt 11.9)
    assert work.users == 18 == users_for_headcount(200, 10, 215, 10)
    assert work.workload("Q4_K_M").batch == 18
    assert SpecWorkload(model="llama-3.1-8b").users == 1
    with pytest.raises(ValueError, match="not both"):
        SpecWorkload(model="llama-3.1-8b", headcount=10, concurrent_users=3)


def test_a_model_released_in_fp8_is_checked_in_fp8_on_vllm():
    from sizer.io.loaders import load_catalog

    offer = {"gpus": [{"name": "H200 SXM", "count": 8}], "price": {"amount": 250000, "currency": "EUR"}}
    work = {"model": "deepseek-v3", "engine": "vllm", "context": 8192}
    (outcome,) = check(spec(hardware=offer, workloads=[work]), load_catalog()).outcomes
    # 671 B parameters at one byte hold on 8 x 141 GB; at BF16 (1.3 TB) they would not.
    assert outcome.summary_code.quant == "FP8" and outcome.passed, messages(outcome.violations)
    (bf16,) = check(spec(hardware=offer, workloads=[{**work, "quant": "BF16"}]), load_catalog()).outcomes
    assert bf16.summary_code.quant == "BF16" and not bf16.passed
