"""Quality per use case: normalisation and the format's penalty, against values worked by hand."""

from __future__ import annotations

import pytest

from sizer.core.quality import Population, QualityTable, loss_frac, normalise, population, score_after_quant
from sizer.models import BenchmarkScore, QuantLoss, UseCaseScores
from tests.conftest import LLAMA_31_8B


def _model(i: int, scores: dict[str, list[BenchmarkScore]]):
    uses = tuple(UseCaseScores(use_case=u, scores=tuple(es)) for u, es in scores.items())
    return LLAMA_31_8B.model_copy(update={"id": f"m{i}", "name": f"M{i}", "aliases": (), "quality_by_use_case": uses})


def _s(score, benchmark="B", version="v1", independent=True, scale="percent"):
    return BenchmarkScore(
        benchmark=benchmark,
        version=version,
        date="2025-01",
        independent=independent,
        score=score,
        scale=scale,
        source="s",
    )


def test_normalise_is_the_normal_percentile_of_the_z_score():
    pop = Population(mean=50.0, sd=10.0, n=5)
    assert normalise(50.0, pop) == pytest.approx(50.0)
    assert normalise(60.0, pop) == pytest.approx(84.134, abs=1e-3)  # Phi(1)
    assert normalise(30.0, pop) == pytest.approx(2.275, abs=1e-3)  # Phi(-2)


def test_population_needs_six_models_and_a_spread():
    assert population([1, 2, 3, 4, 5]) is None
    assert population([5, 5, 5, 5, 5, 5]) is None
    pop = population([40, 50, 60, 70, 80, 90])
    assert pop is not None and pop.mean == 65 and pop.sd == pytest.approx(18.708, abs=1e-3)  # sqrt(1750/5)


def test_the_penalty_by_hand():
    ppl = QuantLoss(quant="Q4_K_M", delta_ppl=0.175482, base_ppl=6.231636, measure="m", date="2024-05", source="s")
    assert loss_frac(ppl) == pytest.approx(0.028160, abs=1e-6)  # 0.175482 / 6.231636
    losses = {"Q4_K_M": loss_frac(ppl), "FP8": 0.0}
    assert score_after_quant(80.0, "Q4_K_M", losses) == pytest.approx(77.747, abs=1e-3)  # 80 x (1 - 0.02816)
    assert score_after_quant(80.0, "FP8", losses) == 80.0
    assert score_after_quant(80.0, None, losses) == 80.0
    assert score_after_quant(80.0, "MXFP4", losses) == 80.0  # no measurement: no penalty


def test_a_table_places_scores_and_prefers_independent_results():
    raw = [40, 50, 60, 70, 80]  # mean 60, sd 15.811
    models = [_model(i, {"chat": [_s(x)]}) for i, x in enumerate(raw)]
    # a sixth model with a vendor score on another benchmark and an independent one on B
    models.append(_model(9, {"chat": [_s(0.7, "V", "card", independent=False, scale="fraction"), _s(60)]}))
    table = QualityTable(models, [QuantLoss(quant="Q8_0", loss_frac=0.1, measure="m", date="2024", source="s")])
    # population of B now holds six: 40 50 60 70 80 60 -> mean 60, sd sqrt(1000/5) = 14.142
    top = table.score(models[4], "chat", "Q8_0")
    assert top.score == pytest.approx(92.1, abs=0.05)  # Phi(20 / 14.142) = Phi(1.414)
    assert top.score_after_quant == pytest.approx(80.2, abs=0.05)  # 80 x 0.9 = 72: Phi(12 / 14.142) = Phi(0.849)
    assert top.benchmark == "B (v1)" and top.date == "2025-01" and top.source == "s" and top.independent
    assert table.score(models[5], "chat").score == pytest.approx(50.0)  # the vendor figure (V: one model) unused
    assert table.score(models[5], "rag").use_case == "rag"  # rag is scored by chat's benchmarks
    assert table.score(models[5], "code") is None  # nothing for code


def test_score_stays_within_0_and_100():
    models = [_model(i, {"code": [_s(x)]}) for i, x in enumerate([0, 1, 2, 3, 4, 100])]
    table = QualityTable(models)
    assert all(0 <= table.score(m, "code").score <= 100 for m in models)


def test_link_offsets_by_hand():
    from sizer.core.quality import link

    a, b = ("B", "old"), ("B", "new")
    # Three models on both: each sits exactly 1 standard deviation lower in the new release's
    # (stronger) population. Abilities: a's z plus its offset, b's z plus its own.
    z = {"p": {a: 1.0, b: 0.0}, "q": {a: 0.0, b: -1.0}, "r": {a: -1.0, b: -2.0}, "s": {b: 2.0}}
    off = link(z)
    assert off[b] - off[a] == pytest.approx(1.0, abs=1e-6)
    # The mean ability over the four models is 0: p, q, r at (1 + off[a]), (off[a]), (-1 + off[a]),
    # s at 2 + off[b] = 3 + off[a]  ->  mean = (3 + 4 off[a]) / 4 = 0  ->  off[a] = -0.75.
    assert off[a] == pytest.approx(-0.75, abs=1e-6) and off[b] == pytest.approx(0.25, abs=1e-6)


def test_a_version_no_model_joins_to_the_rest_is_not_used():
    from sizer.core.quality import link

    z = {"p": {("B", "1"): 1.0, ("B", "2"): 0.5}, "q": {("B", "1"): -1.0, ("B", "2"): -0.5}, "x": {("C", "1"): 2.0}}
    assert set(link(z)) == {("B", "1"), ("B", "2")}


def test_a_model_placed_only_among_weaker_models_no_longer_outranks_stronger_ones():
    # v1: six weak models; v2: six strong ones; three models (m3-m5) are on both and sit at the
    # top of v1 but the bottom of v2. m0 leads v1 alone; m9 is mid-table in v2.
    v1 = {0: 60, 1: 20, 2: 25, 3: 50, 4: 52, 5: 55}
    v2 = {3: 60, 4: 62, 5: 64, 6: 80, 7: 85, 8: 90, 9: 75}
    models = []
    for i in range(10):
        entries = [_s(v1[i], version="v1")] if i in v1 else []
        entries += [_s(v2[i], version="v2")] if i in v2 else []
        models.append(_model(i, {"code": entries}))
    table = QualityTable(models)
    m0, m9 = table.score(models[0], "code"), table.score(models[9], "code")
    assert m9.score > m0.score  # unlinked, m0 (top of v1, z 0.97) scored above m9 (z 0.11 in v2)
    # Order within one version stays: 80 < 85 < 90 on v2, and m1 (20) below m2 (25) on v1.
    v2_scores = [table.score(models[i], "code").score for i in (6, 7, 8)]
    assert v2_scores == sorted(v2_scores) and m9.score < v2_scores[0]
    assert table.score(models[1], "code").score < table.score(models[2], "code").score


def test_a_models_own_low_bit_format_costs_no_quality_and_another_format_does():
    from sizer.core.quality import QualityTable
    from sizer.io.loaders import load_catalog

    catalog = load_catalog()
    oss = catalog.model("gpt-oss-20b")
    assert oss.native_format == "MXFP4"
    table = QualityTable(catalog.models, catalog.quant_losses)
    published = table.score(oss, "code")
    assert table.score(oss, "code", "MXFP4").score_after_quant == published.score
    assert table.score(oss, "code", "Q3_K_M").score_after_quant < published.score
