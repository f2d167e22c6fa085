"""Users served and per-rig decode speed.

`fit_and_decode` reuses the estimator's functions without building an Estimate per probe; its
answers must be the estimator's to the last bit. `users_served` is the most users whose slots fit
(by `estimate`'s own memory) and whose closed loop gives each the speed asked for: one more fails.
"""

from __future__ import annotations

import itertools

import pytest

from sizer.core.rigs import HardwareOption
from sizer.core.serving import (
    MAX_USERS,
    TURN_OUTPUT_TOKENS,
    TURN_PROMPT_TOKENS,
    closed_loop,
    estimate_option,
    fit_and_decode,
    serving_rig,
    users_served,
)
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


def _rigs(catalog):
    rigs = [HardwareOption(gpu=catalog.gpu(g), count=n) for g, n in itertools.product(GPUS, COUNTS)]
    # Owned rigs: free memory a probe saw and a measured bandwidth replace the datasheet figures.
    rtx = catalog.gpu("rtx-4090")
    rigs += [
        HardwareOption(gpu=rtx, count=2, owned=True, available_bytes_per_gpu=int(19.5 * GiB), bandwidth_gb_per_s=870.0),
        HardwareOption(gpu=rtx, count=1, owned=True, available_bytes_per_gpu=int(7.25 * GiB)),
    ]
    return rigs


def _turns(model, option, needs, users):
    """The closed loop of `users` chat turns at full depth on the rig, built from the serving model's parts."""
    workload = needs.workload(users)
    rig = serving_rig(
        model,
        option.gpu,
        option.count,
        workload,
        DEFAULT_ASSUMPTIONS,
        option.available_bytes_per_gpu,
        option.bandwidth_gb_per_s,
    )
    return closed_loop(rig, users, TURN_PROMPT_TOKENS, TURN_OUTPUT_TOKENS, depth=needs.context)


def _options(rigs, engine, model):
    """The rigs the engine runs `model` on, as recommend considers them (no refused vendor or split)."""
    runtime = engine_for(engine)
    return [o for o in rigs if rig_refusal(runtime, model, o.gpu, o.count) is None]


@pytest.mark.parametrize(("engine", "quant", "kv", "context", "min_tokens"), LOADS, ids=[e[0].value for e in LOADS])
def test_users_served_is_the_most_users_that_fit_and_each_get_the_speed(engine, quant, kv, context, min_tokens):
    catalog = load_shipped_catalog()
    needs = Needs(engine=engine, quant=quant, kv_cache_type=kv, context=context, min_tokens_per_s=min_tokens)
    served = {}
    for model_id in MODELS:
        model = catalog.model(model_id)
        for option in _options(_rigs(catalog), engine, model)[::3]:
            got = users_served(model, option, needs)
            served[model_id, option.gpu.id, option.count] = got
            for users, ok in ((got, True), (got + 1, False)):
                if users < 1 or users > MAX_USERS:
                    continue
                est = estimate_option(model, option, needs, users, DEFAULT_ASSUMPTIONS)
                loop = _turns(model, option, needs, users)
                each = 1 / loop.itl_s
                got_ok = est.fits and loop.running == users and each >= min_tokens * (1 - 1e-9 if ok else 1 + 1e-9)
                assert got_ok is ok, (model_id, option.gpu.id)
    values = set(served.values())
    assert 0 in values
    assert len(values - {0, MAX_USERS}) >= 5


@pytest.mark.parametrize("users", [1, 7, 64])
@pytest.mark.parametrize("engine", [Engine.LLAMA_CPP, Engine.SGLANG])
def test_fit_and_decode_give_the_estimates_fit_and_the_closed_loops_speed(engine, users):
    catalog = load_shipped_catalog()
    needs = Needs(engine=engine, context=16384, users=users, quant="Q8_0" if engine is Engine.LLAMA_CPP else "BF16")
    models = [catalog.model(m) for m in MODELS]
    rigs = _rigs(catalog)  # the same rig objects for every model, as recommend passes them
    rigs_of = {m.id: _options(rigs, engine, m) for m in models}
    fast = fit_and_decode(models, rigs_of, needs, users, DEFAULT_ASSUMPTIONS)
    fits = set()
    for model in models:
        for option, (fit, speed) in zip(rigs_of[model.id], fast[model.id], strict=True):
            est = estimate_option(model, option, needs, users, DEFAULT_ASSUMPTIONS)
            assert fit == est.fits, (model.id, option.gpu.id, option.count)
            if est.offload is not None:  # layers in system RAM: the estimate's own decode
                assert speed == est.decode_tokens_per_s
            elif fit:  # each user's speed in the closed loop of chat turns at full depth
                loop = _turns(model, option, needs, users)
                assert speed == pytest.approx(1 / loop.itl_s, rel=1e-9), (model.id, option.gpu.id)
                assert speed < est.decode_tokens_per_s  # the turns' prompts take their share
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
