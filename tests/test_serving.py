"""Users served and per-rig decode speed: the fast paths agree exactly with the estimator.

`fit_and_decode` and `users_served` reuse the estimator's functions without building an Estimate
per probe; their answers must be the estimator's to the last bit, or recommend's picks and
numbers would move. The reference here is the bisection as it was, on `estimate_option`.
"""

from __future__ import annotations

import itertools

import pytest

from sizer.core.rigs import HardwareOption
from sizer.core.serving import MAX_USERS, estimate_option, fit_and_decode, users_served
from sizer.engines import engine_for
from sizer.engines.base import rig_refusal
from sizer.io.loaders import load_shipped_catalog
from sizer.models import Engine
from sizer.models.assumptions import DEFAULT_ASSUMPTIONS
from sizer.models.needs import Needs
from sizer.units import GiB

# Dense, tied, sliding-window, MoE, MLA and large: every branch of the memory layout.
MODELS = (
    "qwen2.5-0.5b",
    "llama-3.2-3b",
    "llama-3.1-8b",
    "gemma-2-9b",
    "mixtral-8x7b",
    "qwen3-30b-a3b",
    "gpt-oss-20b",
    "llama-3.3-70b",
    "deepseek-v3",
)
# GDDR, HBM, AMD, Intel, unified memory (Apple, and a non-Apple SoC with a GPU runtime).
GPUS = ("rtx-3060-12gb", "rtx-4090", "h100-sxm", "mi300x", "arc-b580", "apple-m2-max-30c", "gb10")
COUNTS = (1, 2, 4, 8)
# (engine, format, KV-cache type, context, tok/s each user needs)
LOADS = (
    (Engine.LLAMA_CPP, "Q4_K_M", "f16", 8192, 10.0),
    (Engine.VLLM, "AWQ", "fp8", 4096, 25.0),
    (Engine.OLLAMA, "Q5_K_M", "q8_0", 32768, 5.0),
)


def reference_users_served(model, option, needs, a=DEFAULT_ASSUMPTIONS):
    """The bisection on full estimates that `users_served` replaced."""

    def serves(users):
        est = estimate_option(model, option, needs, users, a)
        return est.fits and est.decode_tokens_per_s >= needs.min_tokens_per_s

    if not serves(1):
        return 0
    lo, hi = 1, 2
    while hi <= MAX_USERS and serves(hi):
        lo, hi = hi, hi * 2
    hi = min(hi, MAX_USERS + 1)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if serves(mid) else (lo, mid)
    return lo


def _rigs(catalog):
    rigs = [HardwareOption(gpu=catalog.gpu(g), count=n) for g, n in itertools.product(GPUS, COUNTS)]
    # Owned rigs: free memory a probe saw and a measured bandwidth replace the datasheet figures.
    rtx = catalog.gpu("rtx-4090")
    rigs += [
        HardwareOption(gpu=rtx, count=2, owned=True, available_bytes_per_gpu=int(19.5 * GiB), bandwidth_gb_per_s=870.0),
        HardwareOption(gpu=rtx, count=1, owned=True, available_bytes_per_gpu=int(7.25 * GiB)),
    ]
    return rigs


def _options(rigs, engine, model):
    """The rigs the engine runs `model` on, as recommend considers them (no refused vendor or split)."""
    runtime = engine_for(engine)
    return [o for o in rigs if rig_refusal(runtime, model, o.gpu, o.count) is None]


@pytest.mark.parametrize(("engine", "quant", "kv", "context", "min_tokens"), LOADS, ids=[e[0].value for e in LOADS])
def test_users_served_equals_the_bisection_on_full_estimates(engine, quant, kv, context, min_tokens):
    catalog = load_shipped_catalog()
    needs = Needs(engine=engine, quant=quant, kv_cache_type=kv, context=context, min_tokens_per_s=min_tokens)
    served = {}
    rigs = _rigs(catalog)
    for model_id in MODELS:
        model = catalog.model(model_id)
        for option in _options(rigs, engine, model):
            got = users_served(model, option, needs)
            assert got == reference_users_served(model, option, needs), (model_id, option.gpu.id, option.count)
            served[model_id, option.gpu.id, option.count] = got
    # The grid reaches both ends and the bisection in between, so each path is compared.
    values = set(served.values())
    assert 0 in values
    assert MAX_USERS in values or engine is not Engine.VLLM
    assert len(values - {0, MAX_USERS}) >= 10


@pytest.mark.parametrize("users", [1, 7, 64])
@pytest.mark.parametrize("engine", [Engine.LLAMA_CPP, Engine.SGLANG])
def test_fit_and_decode_equal_the_estimate_on_every_rig(engine, users):
    catalog = load_shipped_catalog()
    needs = Needs(engine=engine, context=16384, users=users, quant="Q8_0" if engine is Engine.LLAMA_CPP else "BF16")
    models = [catalog.model(m) for m in MODELS]
    rigs = _rigs(catalog)  # the same rig objects for every model, as recommend passes them
    rigs_of = {m.id: _options(rigs, engine, m) for m in models}
    fast = fit_and_decode(models, rigs_of, needs, users, DEFAULT_ASSUMPTIONS)
    fits = set()
    for model in models:
        for option, (fit, decode) in zip(rigs_of[model.id], fast[model.id], strict=True):
            est = estimate_option(model, option, needs, users, DEFAULT_ASSUMPTIONS)
            assert (fit, decode) == (est.fits, est.decode_tokens_per_s), (model.id, option.gpu.id, option.count)
            fits.add((fit, est.offload is not None))
    # Rigs that hold the model, and (llama.cpp) rigs that offload layers to system RAM.
    assert (True, False) in fits
    assert ((False, True) if engine is Engine.LLAMA_CPP else (False, False)) in fits


def test_a_layer_split_whose_fullest_gpu_overflows_does_not_fit():
    # llama.cpp gives the first GPU the embedding table and the last the output head, so a model
    # can fit two GPUs on average yet not on the fuller one: the fast path must see that too.
    catalog = load_shipped_catalog()
    model = catalog.model("llama-3.1-8b")
    gpu = catalog.gpu("rtx-4090")
    needs = Needs(context=8192, users=4)
    est = estimate_option(model, HardwareOption(gpu=gpu, count=2), needs, 4, DEFAULT_ASSUMPTIONS)
    fullest, average = max(est.per_gpu_bytes), sum(est.per_gpu_bytes) / 2
    assert fullest > average
    squeezed = HardwareOption(gpu=gpu, count=2, available_bytes_per_gpu=round((fullest + average) / 2))
    roomy = squeezed.model_copy(update={"available_bytes_per_gpu": fullest})
    [(squeezed_fits, _), (roomy_fits, _)] = fit_and_decode(
        [model], {model.id: [squeezed, roomy]}, needs, 4, DEFAULT_ASSUMPTIONS
    )[model.id]
    assert not squeezed_fits
    assert roomy_fits
