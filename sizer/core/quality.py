"""Quality per use case: published benchmark scores placed on one 0-100 scale within a use case,
and what a weight format costs of them.

Pure: catalog models and the formats' measured losses in, scores out (docs/method.md, "Quality
per use case" and "What quantization costs").

A score is placed against the catalog models that share its benchmark version (the same
harness, release and settings): its z-score among them. Populations differ in strength (an older
leaderboard release holds weaker models), so the versions of a use case are linked through the
models they share: each version gets an offset such that a model's z-scores, offset, agree
across the versions it appears in (a two-way additive fit, models x versions, `link`); a version
joined to the rest by no shared model places nothing. A model's score is the mean of its offset
z-scores, mapped to 0-100 by the normal distribution: 50 is the average scored catalog model of
the use case, 84 one population standard deviation above it. Independent results (leaderboards,
third parties) are used alone when a model has any. A benchmark version with fewer than
MIN_POPULATION models cannot place a score and is left out.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict

from sizer.models import BenchmarkScore, ModelSpec, QuantLoss

# Use cases no benchmark of their own covers across the catalog: scored by chat's entries
# (instruction following and knowledge, which summaries and answers from documents rest on).
SCORED_BY: Mapping[str, str] = {"summarization": "chat", "rag": "chat"}
# Fewest catalog models a benchmark version needs before it can place a score: sizer's choice; a
# mean and spread of a few model-card figures swing with any one of them, and a card of five is
# typically one maker's model among the peers it chose (SmolLM3's card: five small models, which
# put a 3B model at the 89th percentile for chat).
MIN_POPULATION = 6
# Rounds of the linking fit: each moves the offsets by a shrinking step; 50 settle them to well
# under 0.01 standard deviations on the shipped catalog (tests/test_quality.py checks a fixed point).
LINK_ROUNDS = 50


class Score(BaseModel):
    """A model's quality for a use case, as `recommend` and `catalog models` report it."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    use_case: str
    score: float  # 0-100 within the use case, at the published (16-bit) weights
    score_after_quant: float  # the same after the weight format's measured loss
    quant: str | None  # the format score_after_quant is for (None: the published weights)
    benchmark: str  # the benchmark versions the score rests on, "; "-separated
    date: str  # the newest of their dates
    source: str  # their sources, " ; "-separated
    independent: bool  # every one of them independent (not vendor-reported)


@dataclass(frozen=True)
class Population:
    """The catalog models' raw scores on one benchmark version: mean, spread and count."""

    mean: float
    sd: float
    n: int


def loss_frac(loss: QuantLoss) -> float:
    """The share of a benchmark score a format costs.

    Perplexity-measured formats: the relative rise in perplexity over 16-bit weights, taken as the
    relative loss of score (llama.cpp's Llama 3 8B table: Q4_K_M +2.8 %; published downstream
    evaluations of Q4_K_M lose 1-3 % of the score).
    """
    if loss.loss_frac is not None:
        return loss.loss_frac
    assert loss.delta_ppl is not None and loss.base_ppl is not None  # QuantLoss validates one of the two
    return loss.delta_ppl / loss.base_ppl


def losses_by_quant(losses: Iterable[QuantLoss]) -> dict[str, float]:
    """Format name -> share of the score it costs."""
    return {q.quant: loss_frac(q) for q in losses}


def score_after_quant(score: float, quant: str | None, losses: Mapping[str, float]) -> float:
    """A raw benchmark score after `quant`'s measured loss: score x (1 - loss). A format with no
    measurement (or None, the published weights) costs nothing."""
    return score * (1 - losses.get(quant, 0.0)) if quant else score


def normalise(raw: float, population: Population) -> float:
    """A raw score placed in its population, 0-100: 100 x Phi(z), z = (raw - mean) / sd."""
    return _percentile(_z(raw, population))


def _z(raw: float, population: Population) -> float:
    return (raw - population.mean) / population.sd


def _percentile(z: float) -> float:
    """100 x Phi(z): the share of a normal population below z, in percent."""
    return 100 * 0.5 * (1 + math.erf(z / math.sqrt(2)))


def _raw(entries: Iterable[BenchmarkScore]) -> float:
    """A model's raw score on one benchmark version: the mean of its results there, in percent."""
    return statistics.fmean(e.percent for e in entries)


def population(values: Iterable[float]) -> Population | None:
    """Mean and sample standard deviation of the models' scores; None below MIN_POPULATION or
    when all are equal (no spread to place a score in)."""
    xs = list(values)
    if len(xs) < MIN_POPULATION:
        return None
    sd = statistics.stdev(xs)
    return Population(mean=statistics.fmean(xs), sd=sd, n=len(xs)) if sd > 0 else None


def _main_component(
    z: Mapping[str, Mapping[tuple[str, str], float]],
) -> dict[str, dict[tuple[str, str], float]]:
    """`z` restricted to the versions joined, through models they share, to the one that holds
    the most models (with them, the most versions): the results one scale can hold."""
    parent: dict[tuple[str, str], tuple[str, str]] = {g: g for zs in z.values() for g in zs}

    def root(g: tuple[str, str]) -> tuple[str, str]:
        while parent[g] != g:
            parent[g] = parent[parent[g]]
            g = parent[g]
        return g

    for zs in z.values():
        first, *rest = sorted(zs)
        for g in rest:
            parent[root(g)] = root(first)
    count: dict[tuple[str, str], set[str]] = {}
    for m, zs in z.items():
        for g in zs:
            count.setdefault(root(g), set()).add(m)
    if not count:
        return {}
    main = max(sorted(count), key=lambda r: len(count[r]))
    kept = {m: {g: v for g, v in zs.items() if root(g) == main} for m, zs in z.items()}
    return {m: zs for m, zs in kept.items() if zs}


def link(z: Mapping[str, Mapping[tuple[str, str], float]], rounds: int = LINK_ROUNDS) -> dict[tuple[str, str], float]:
    """Offsets that put benchmark versions on one scale, from the models they share.

    `z[model][version]` is the model's z-score in that version's population. The fit is
    z = ability(model) - offset(version) by alternating means (backfitting): a model's ability is
    the mean of its z + offset, a version's offset the mean over its models of ability - z.
    The offsets are then shifted together so that the models' mean ability is 0: 50 on the 0-100
    scale is the average scored catalog model of the use case, as it was within each population
    unlinked. A version that shares no model with another moves only by that shift.
    """
    z = _main_component(z)
    members: dict[tuple[str, str], list[str]] = {}
    for m, zs in z.items():
        for g in zs:
            members.setdefault(g, []).append(m)
    if not members:
        return {}
    anchor = max(sorted(members), key=lambda g: len(members[g]))
    offset = dict.fromkeys(members, 0.0)
    # Plain sums (not statistics.fmean): this runs at every start of recommend.
    rows = {m: list(zs.items()) for m, zs in z.items()}
    for _ in range(rounds):
        ability = {m: sum(v + offset[g] for g, v in r) / len(r) for m, r in rows.items()}
        fitted = {g: sum(ability[m] - z[m][g] for m in ms) / len(ms) for g, ms in members.items()}
        offset = {g: v - fitted[anchor] for g, v in fitted.items()}  # the largest population: 0
    ability = {m: sum(v + offset[g] for g, v in r) / len(r) for m, r in rows.items()}
    mean = statistics.fmean(ability.values())
    return {g: v - mean for g, v in offset.items()}


def _group(s: BenchmarkScore) -> tuple[str, str]:
    return s.benchmark, s.version


def _per_group(entries: Iterable[BenchmarkScore]) -> dict[tuple[str, str], list[BenchmarkScore]]:
    out: dict[tuple[str, str], list[BenchmarkScore]] = {}
    for e in entries:
        out.setdefault(_group(e), []).append(e)
    return out


class QualityTable:
    """The populations of every benchmark version over `models`, and each model's score per use
    case placed in them. Built per use case when first asked (recommend asks for one); looking a
    score up is cheap after that."""

    def __init__(self, models: Iterable[ModelSpec], losses: Iterable[QuantLoss] = ()) -> None:
        self.losses = losses_by_quant(losses)
        self._models = {m.id: m for m in models}
        self._populations: dict[tuple[str, str, str], Population] = {}
        self._offsets: dict[tuple[str, str, str], float] = {}
        self._built: set[str] = set()

    def _build(self, use_case: str) -> None:
        """The populations of `use_case`'s benchmark versions, and the offsets that link them."""
        if use_case in self._built:
            return
        self._built.add(use_case)
        results = [
            (m.id, _per_group(u.scores))
            for m in self._models.values()
            for u in m.quality_by_use_case
            if u.use_case == use_case
        ]
        raw: dict[tuple[str, str], list[float]] = {}
        for _, groups in results:
            for group, scores in groups.items():
                raw.setdefault(group, []).append(_raw(scores))
        pops = {g: p for g, v in raw.items() if (p := population(v)) is not None}
        self._populations.update({(use_case, *g): p for g, p in pops.items()})
        # Each model's z-scores on every version that places it (vendor-reported results link
        # versions too), then the offsets.
        zs: dict[str, dict[tuple[str, str], float]] = {}
        for model_id, groups in results:
            for g, es in groups.items():
                if (pop := pops.get(g)) is not None:
                    zs.setdefault(model_id, {})[g] = _z(_raw(es), pop)
        self._offsets.update({(use_case, *g): v for g, v in link(zs).items()})

    def _build_all(self) -> None:
        for use_case in sorted({u.use_case for m in self._models.values() for u in m.quality_by_use_case}):
            self._build(use_case)

    @property
    def populations(self) -> dict[tuple[str, str, str], Population]:
        """Every (use case, benchmark, version) population."""
        self._build_all()
        return self._populations

    @property
    def offsets(self) -> dict[tuple[str, str, str], float]:
        """Every (use case, benchmark, version) offset onto its use case's scale."""
        self._build_all()
        return self._offsets

    def _used(self, model: ModelSpec, key: str) -> dict[tuple[str, str], list[BenchmarkScore]]:
        """The model's results a score for use case `key` rests on, per benchmark version: those
        a population places, and of them only the independent ones when there are any."""
        self._build(key)
        entries = next((u.scores for u in model.quality_by_use_case if u.use_case == key), ())
        groups = {g: es for g, es in _per_group(entries).items() if (key, *g) in self._populations}
        if any(e.independent for es in groups.values() for e in es):
            groups = {g: [e for e in es if e.independent] for g, es in groups.items()}
            groups = {g: es for g, es in groups.items() if es}
        return groups

    def score(self, model: ModelSpec, use_case: str, quant: str | None = None) -> Score | None:
        """`model`'s quality for `use_case` at weight format `quant` (None: as published), or None
        when no benchmark version it has results on can place a score."""
        key = SCORED_BY.get(use_case, use_case)
        groups = {g: es for g, es in self._used(model, key).items() if (key, *g) in self._offsets}
        if not groups:
            return None
        placed, after = [], []
        lossy = None if quant == model.native_format else quant  # scores were measured on the maker's format
        for g, es in sorted(groups.items()):
            pop, raw, shift = self._populations[(key, *g)], _raw(es), self._offsets[(key, *g)]
            placed.append(_z(raw, pop) + shift)
            after.append(_z(score_after_quant(raw, lossy, self.losses), pop) + shift)
        used = [e for _, es in sorted(groups.items()) for e in es]
        return Score(
            use_case=use_case,
            score=round(_percentile(statistics.fmean(placed)), 1),
            score_after_quant=round(_percentile(statistics.fmean(after)), 1),
            quant=quant,
            benchmark="; ".join(f"{b} ({v})" for b, v in sorted(groups)),
            date=max(e.date for e in used),
            source=" ; ".join(dict.fromkeys(e.source for e in used)),
            independent=all(e.independent for e in used),
        )

    def scores(self, model: ModelSpec, use_cases: Iterable[str]) -> list[Score]:
        """The model's score for each of `use_cases` that it has one for, at its published weights."""
        return [s for u in use_cases if (s := self.score(model, u)) is not None]
