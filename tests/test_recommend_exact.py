"""The fast paths of the recommend sweep give exactly what the plain evaluation gives.

`weights` adds a run of consecutive layers at once, `_feasible` picks a model's rigs out of the
sweep with masks, and `_candidates` sorts on prices looked up once and sizes every model's
cheapest rigs in one call. Each is compared here, on the shipped catalog and a few needs, with
the plain way: tensor group by tensor group and layer by layer, rig by rig, model by model.
Equal means equal (==, not approx): the picks and their figures must not move in the last bit.
"""

from __future__ import annotations

import pytest

from sizer.core.memory import _tensor_groups, _traits, weights
from sizer.core.quality import QualityTable
from sizer.core.quant import GGML_BITS, resolve_quant, tensor_type
from sizer.core.recommend import (
    _at,
    _candidates,
    _feasible,
    _launches,
    _running,
    _runs,
    _screen,
    buyable_options,
    candidate_formats,
)
from sizer.core.serving import fit_and_decode
from sizer.core.sweep import sweep
from sizer.engines import engine_for
from sizer.engines.base import loads_on
from sizer.io.loaders import load_cost_settings, load_shipped_catalog
from sizer.models import Currency, Money
from sizer.models.assumptions import DEFAULT_ASSUMPTIONS as A
from sizer.models.needs import Needs
from sizer.units import bits_to_bytes

CATALOG = load_shipped_catalog()
SETTINGS = load_cost_settings("EUR")


def _plain_weights(m, fmt):
    """weights() tensor group by tensor group, layer by layer, as the formula reads."""
    traits = _traits(m)
    layer_bytes = [0.0] * m.layers
    head = embed = read = experts = active = 0.0
    share_of_experts = m.experts.active / m.experts.count if m.experts else 1.0
    for role, row, params, layers in _tensor_groups(m):
        share = share_of_experts if role.endswith("_exps") else 1.0
        sizes = [bits_to_bytes(params * GGML_BITS[tensor_type(fmt, role, i, row, traits)]) for i in layers]
        if role == "token_embd":
            embed += sizes[0]
            if m.tie_embeddings:
                read += sizes[0]
                active += params
            continue
        read += sum(sizes) * share
        if role.endswith("_exps"):
            experts += sum(sizes)
        active += params * len(layers) * share
        if role == "output":
            head += sizes[0]
            continue
        for i, n_bytes in zip(layers, sizes, strict=True):
            layer_bytes[i] += n_bytes
    total = sum(layer_bytes) + head + embed + 4 * m.hidden_size * (2 * m.layers + 1)
    if m.file_weights is not None and m.file_weights.quant == fmt.name:
        scale = m.file_weights.total_bytes / total
        layer_bytes = [b * scale for b in layer_bytes]
        head, embed, read, experts = head * scale, embed * scale, read * scale, experts * scale
        total = m.file_weights.total_bytes
    return (
        round(total),
        tuple(round(b) for b in layer_bytes),
        round(head),
        round(embed),
        read,
        round(active),
        experts,
    )


FORMATS = ("BF16", "Q8_0", "Q6_K", "Q5_K_M", "Q4_K_M", "Q4_K_S", "IQ4_XS", "Q3_K_M", "Q2_K", "IQ3_XS", "IQ2_M", "AWQ")


@pytest.mark.parametrize("quant", FORMATS)
def test_weights_equal_the_layer_by_layer_sums(quant):
    fmt = resolve_quant(quant)
    for m in CATALOG.models:
        ws = weights(m, fmt)
        got = (
            ws.total_bytes,
            ws.layer_bytes,
            ws.head_bytes,
            ws.embedding_bytes,
            ws.read_per_token_bytes,
            ws.active_params,
            ws.expert_bytes,
        )
        assert got == _plain_weights(m, fmt), m.id


def _plain_feasible(models, options, needs, formats):
    """_feasible rig by rig: the sweep's fit and speed, then kernels, a command and the engine."""
    runtime = engine_for(needs.engine)
    out = {fmt: {} for fmt in formats}
    groups = {}
    for o in options:
        groups.setdefault((o.count, o.owned), []).append(o)
    for (count, _owned), group in sorted(groups.items()):
        result = sweep(
            models, [o.gpu for o in group], list(formats), [needs.context], needs.users, needs.engine, count, A,
            needs.kv_cache_type,
        )  # fmt: skip
        for q, fmt in enumerate(formats):
            at = _at(needs, fmt)
            for i, m in enumerate(models):
                for j, o in enumerate(group):
                    fast = result.decode_tokens_per_s[i, q, j, 0] >= needs.min_tokens_per_s
                    if not (result.fits[i, q, j, 0] and fast):
                        continue
                    kernels = loads_on(fmt, o.gpu) or not runtime.splits_tensors
                    if kernels and _launches(m, o, at, A) and _runs(runtime, m, o):
                        out[fmt].setdefault(m.id, []).append(o)
    return out


def _plain_candidates(models, feasible, needs, table):
    """_candidates model by model: rigs sorted by (per month, hardware), one call per cost."""
    out = []
    for fmt, rigs in feasible.items():
        at = _at(needs, fmt)
        for m in models:
            mine = sorted(rigs.get(m.id, ()), key=lambda o: _running(o, SETTINGS)[::-1])
            start = 0
            while start < len(mine):
                cost = round(_running(mine[start], SETTINGS)[1], 2)
                end = start
                while end < len(mine) and round(_running(mine[end], SETTINGS)[1], 2) == cost:
                    end += 1
                speeds = fit_and_decode([m], {m.id: mine[start:end]}, at, needs.users, A)[m.id]
                served = [
                    (m.id, fmt, id(o), decode, *_running(o, SETTINGS), table.score(m, needs.use_case, fmt))
                    for o, (fits, decode) in zip(mine[start:end], speeds, strict=True)
                    if fits and decode >= needs.min_tokens_per_s
                ]
                out += served
                if served:
                    break
                start = end
    return out


def _needs(engine="llama.cpp", **kw):
    runtime = engine_for(engine)
    return Needs(engine=runtime.name, quant=runtime.default_format, choose_quant=True, **kw)


SCENARIOS = {
    "chat, 20000 EUR": _needs(use_case="chat", budget=Money(amount=20000, currency=Currency.EUR)),
    "code, 5 users, 5000 EUR": _needs(use_case="code", users=5, budget=Money(amount=5000, currency=Currency.EUR)),
    "rag, 32k context": _needs(use_case="rag", context=32768, budget=Money(amount=30000, currency=Currency.EUR)),
    "vllm, 50 users at 20/s": _needs(
        engine="vllm", users=50, min_tokens_per_s=20, budget=Money(amount=60000, currency=Currency.EUR)
    ),
}


CASES = [(needs, False) for needs in SCENARIOS.values()] + [(SCENARIOS["chat, 20000 EUR"], True)]


@pytest.mark.parametrize(("needs", "twice"), CASES, ids=[*SCENARIOS, "chat, every rig offered twice"])
def test_feasible_rigs_and_cheapest_candidates_equal_the_plain_evaluation(needs, twice):
    table = QualityTable(CATALOG.models, CATALOG.quant_losses)
    formats = candidate_formats(needs, table.losses)
    models, _ = _screen(CATALOG.models, needs)
    options = buyable_options(CATALOG, needs, SETTINGS)
    if twice:  # every cheapest cost is a tie of two rigs, and both must be candidates
        options += [o.model_copy() for o in options]
    feasible = _feasible(models, options, needs, formats, A, None)
    plain = _plain_feasible(models, options, needs, formats)
    assert {f: {m: [id(o) for o in rigs] for m, rigs in by.items()} for f, by in feasible.items()} == {
        f: {m: [id(o) for o in rigs] for m, rigs in by.items()} for f, by in plain.items()
    }
    assert any(feasible[f] for f in formats)  # the scenario sizes something
    got, _ = _candidates(models, feasible, False, needs, SETTINGS, table, A)
    rows = [(c.model.id, c.quant, id(c.option), c.decode, c.hardware, c.per_month, c.score) for c in got]
    assert rows and rows == _plain_candidates(models, plain, needs, table)
