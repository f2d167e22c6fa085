"""The serving model against hand computations, its properties, and the simulation's determinism.

Hand figures use the shipped constants (vLLM block: bandwidth 0.9 of the datasheet, compute 0.2 in decode steps,
5e-5 s per extra sequence; 1.03e-4 s fixed per layer) and datasheet numbers: H100 SXM 3,350 GB/s
and 989 dense FP16 TFLOPS; Llama 3.1 8B 8.03 B parameters, 32 layers, 8 KV heads of 128, a
128,256-token vocabulary of 4,096 (525 M embedding parameters, not read per token).
"""

from __future__ import annotations

import itertools

import pytest

from sizer.core.capacity import arrival_rate, busy_hour, simulate
from sizer.core.memory import weights
from sizer.core.quant import resolve_quant
from sizer.core.serving import closed_loop, max_concurrency, peak, prompts_s, serving_rig, static_batch, step_s
from sizer.core.speed import weights_read_bytes
from sizer.io.loaders import load_shipped_catalog
from sizer.models import Engine, Workload
from sizer.models.assumptions import DEFAULT_ASSUMPTIONS as A

CATALOG = load_shipped_catalog()
LLAMA = CATALOG.model("llama-3.1-8b")
MIXTRAL = CATALOG.model("mixtral-8x7b")
H100 = CATALOG.gpu("h100-sxm")
A100 = CATALOG.gpu("a100-80gb-sxm")
KV_PER_TOKEN = 32 * 2 * 8 * 128 * 2  # layers x (K, V) x KV heads x head dim x f16 bytes = 131,072


def _rig(model=LLAMA, gpu=H100, quant="BF16", engine=Engine.VLLM, kv="f16", count=1, batch=1, context=4096):
    w = Workload(quant=quant, context=context, batch=batch, engine=engine, kv_cache_type=kv)
    return serving_rig(model, gpu, count, w, A)


@pytest.mark.parametrize("batch", [1, 8, 64])
def test_a_dense_8b_step_as_computed_by_hand(batch):
    depth = 1024
    read = (8.03e9 - 0.525e9) * 2 + batch * depth * KV_PER_TOKEN  # weights but the embedding, and each KV cache
    memory_s = read / (3350e9 * 0.9)
    compute_s = batch * (2 * 7.5e9 + 4 * 32 * 4096 * depth) / (989e12 * 0.2)
    fixed_s = 32 * 1.03e-4 + (batch - 1) * 5e-5
    assert memory_s > compute_s  # at these batches decode still streams more than it computes
    assert step_s(_rig(), batch, depth) == pytest.approx(memory_s + fixed_s, rel=0.01)


@pytest.mark.parametrize(("batch", "touched"), [(1, 0.25), (8, 1 - 0.75**8), (64, 1 - 0.75**64)])
def test_moe_batches_read_the_distinct_experts_their_tokens_route_to(batch, touched):
    # Mixtral: 8 experts, 2 per token: one token reads a quarter of them, 8 tokens 90 %, 64 all.
    ws = weights(MIXTRAL, resolve_quant("BF16"))
    one = weights_read_bytes(ws, MIXTRAL, 1)
    assert weights_read_bytes(ws, MIXTRAL, batch) - one == pytest.approx(ws.expert_bytes * (touched - 0.25))
    # The experts are about 45 of Mixtral's 46.7 B parameters, at 2 bytes each.
    assert ws.expert_bytes == pytest.approx(45.1e9 * 2, rel=0.02)
    if batch > 1:  # a step of 8 or 64 tokens reads more than 1.5 times the weights one token does
        assert step_s(_rig(MIXTRAL, count=2), batch, 512) > 1.5 * step_s(_rig(MIXTRAL, count=2), 1, 512)


def test_a_served_request_waits_for_the_server_before_its_first_token():
    # One request in flight: its own prompt, half a step on average, and vLLM's 0.02 s of HTTP,
    # chat template and tokenising; llama.cpp's server is counted at none.
    rig = _rig()
    loop = closed_loop(rig, 1, 233, 221)
    prompt = closed_loop(_rig(engine=Engine.LLAMA_CPP, quant="Q8_0"), 1, 233, 221)
    assert rig.request_s == pytest.approx(0.02)
    step = step_s(rig, 1, 233 + 221 / 2)
    assert loop.ttft_s == pytest.approx(0.02 + prompts_s(rig, 1, 233) + step / 2)
    assert loop.request_latency_s == pytest.approx(loop.ttft_s + 220 * loop.itl_s)
    llama = _rig(engine=Engine.LLAMA_CPP, quant="Q8_0")
    assert prompt.ttft_s == pytest.approx(prompts_s(llama, 1, 233) + step_s(llama, 1, 233 + 221 / 2) / 2)
    assert _rig(engine=Engine.LLAMA_CPP, quant="Q8_0").request_s == 0


def test_max_concurrency_as_vllm_computes_it():
    # 0.9 of 80 GiB, less the BF16 weights (8.03 B x 2 bytes), 1.8 GiB non-torch memory and the
    # profile run's F32 logits and FFN activations of 2,048 tokens; over 2,048 tokens of KV each.
    usable = 0.9 * 80 * 2**30
    activations = 4 * 2048 * (128256 + 2 * 14336)
    pool = usable - 8.03e9 * 2 - 1.8 * 2**30 - activations
    rig = _rig(gpu=A100, context=2048)
    assert max_concurrency(rig, 2048) == pytest.approx(pool / (2048 * KV_PER_TOKEN), rel=0.01)


def test_an_fp8_cache_halves_the_bytes_but_ampere_reads_it_slower():
    f16, fp8 = _rig(gpu=A100, kv="f16"), _rig(gpu=A100, kv="fp8")
    assert max_concurrency(fp8, 2048) == pytest.approx(2 * max_concurrency(f16, 2048), rel=0.02)
    assert step_s(fp8, 32, 2048) > step_s(f16, 32, 2048)  # measured: slower without FP8 units
    on_hopper = _rig(kv="fp8"), _rig(kv="f16")
    assert step_s(on_hopper[0], 32, 2048) < step_s(on_hopper[1], 32, 2048)


def test_fp8_weights_prefill_faster_where_the_gpu_has_fp8_units():
    bf16, fp8 = _rig(quant="BF16"), _rig(quant="FP8")
    assert static_batch(fp8, 16, 1024, 1)[0] < 0.6 * static_batch(bf16, 16, 1024, 1)[0]


def test_static_batch_waits_in_waves_when_the_cache_is_full():
    rig = _rig(gpu=A100, context=4096)
    held = int(max_concurrency(rig, 4096))
    first, _ = static_batch(rig, held, 2048, 2048)
    twice, latency = static_batch(rig, 2 * held, 2048, 2048)
    assert twice > first  # the second wave's first tokens come after the first wave is done
    assert latency == pytest.approx(2 * static_batch(rig, held, 2048, 2048)[1], rel=0.01)


@pytest.mark.parametrize("engine", [Engine.LLAMA_CPP, Engine.VLLM, Engine.TENSORRT_LLM])
def test_more_concurrency_raises_throughput_and_time_to_first_token(engine):
    rig = _rig(engine=engine, quant="Q4_K_M" if engine is Engine.LLAMA_CPP else "BF16")
    held = int(max_concurrency(rig, 1024))
    loops = [closed_loop(rig, c, 512, 512) for c in (1, 2, 4, 8, 16, 32, 64, 128) if c <= held]
    for a, b in itertools.pairwise(loops):
        assert b.output_tokens_per_s >= a.output_tokens_per_s
        assert b.ttft_s >= a.ttft_s
        assert b.itl_s >= a.itl_s
    assert peak(rig, 512, 512).output_tokens_per_s >= max(x.output_tokens_per_s for x in loops)


def test_the_simulation_is_deterministic_for_a_seed():
    rig = _rig()
    one = simulate(rig, 2.0, 800, 300, seed=7, requests=300)
    assert simulate(rig, 2.0, 800, 300, seed=7, requests=300) == one
    assert simulate(rig, 2.0, 800, 300, seed=8, requests=300) != one


def test_more_people_never_shorten_the_wait():
    rig = _rig(gpu=CATALOG.gpu("rtx-4090"), engine=Engine.LLAMA_CPP, quant="Q4_K_M")
    waits = [
        simulate(rig, arrival_rate(people, 10), 500, 200, seed=3, requests=400).ttft_p95_s for people in (50, 200, 400)
    ]
    assert waits == sorted(waits)


def test_a_light_load_waits_about_one_prompt_and_a_heavy_one_saturates():
    rig = _rig()
    light = simulate(rig, 0.05, 1000, 100, seed=1, requests=200)
    prompt_s = static_batch(rig, 1, 1000, 1)[0]
    assert light.ttft_p50_s == pytest.approx(prompt_s, rel=0.5)
    assert light.peak_concurrency <= 3
    heavy = simulate(rig, 1000.0, 1000, 500, seed=1, requests=400)
    assert heavy.saturated


def test_the_busy_hour_reports_the_headcount_at_the_slo():
    rig = _rig(gpu=CATALOG.gpu("l40s"), count=2, model=CATALOG.model("qwen3-32b"))
    hour = busy_hour(rig, 100, 10, 800, 300, max_ttft_s=2.0, min_tokens_per_s=10)
    assert hour.arrival_rate_per_s == pytest.approx(100 * 10 / 3600)
    assert hour.meets_slo is (hour.max_headcount_at_slo >= 100)
    beyond = busy_hour(rig, hour.max_headcount_at_slo * 3, 10, 800, 300, max_ttft_s=2.0, min_tokens_per_s=10)
    assert not beyond.meets_slo


def test_the_headcount_served_by_the_users_a_rig_serves_holds_in_the_simulation():
    # The analytic mapping recommend uses (people -> users at the p95) against the simulation:
    # at that headcount the simulated busy hour gives each person the speed; at three times, not.
    from sizer.core.capacity import headcount_for_users, meets
    from sizer.core.rigs import HardwareOption
    from sizer.core.serving import users_served
    from sizer.models.needs import Needs

    model, gpu = CATALOG.model("qwen3-32b"), CATALOG.gpu("l40s")
    needs = Needs(engine=Engine.VLLM, quant="FP8", context=4096, min_tokens_per_s=10)
    served = users_served(model, HardwareOption(gpu=gpu, count=2), needs)
    people = headcount_for_users(served, 10, 256, 10)
    rig = _rig(model=model, gpu=gpu, quant="FP8", count=2, context=4096, batch=served)
    at = simulate(rig, arrival_rate(people, 10), 512, 256, seed=5, requests=600)
    assert meets(at, None, 10)
    over = simulate(rig, arrival_rate(3 * people, 10), 512, 256, seed=5, requests=600)
    assert not meets(over, None, 10)


@pytest.mark.parametrize(
    ("model_id", "per_token_per_gpu"),
    [
        # Llama 3.1 8B: 8 KV heads over 8 GPUs, one head each: 131,072 / 8 bytes per token.
        ("llama-3.1-8b", 131_072 / 8),
        # Qwen3-235B-A22B: 94 layers x (K, V) x 4 KV heads x 128 x 2 bytes = 192,512 per token; 4 heads
        # cannot go 8 ways, so each GPU holds one head, a quarter of the cache.
        ("qwen3-235b-a22b", 94 * 2 * 4 * 128 * 2 / 4),
        # DeepSeek-V3: MLA caches 61 layers x (512 latent + 64 rope) x 2 bytes = 70,272 per token, whole
        # on every GPU.
        ("deepseek-v3", 61 * (512 + 64) * 2),
    ],
)
def test_tensor_parallel_divides_the_kv_cache_by_head_and_copies_what_it_cannot(model_id, per_token_per_gpu):
    from sizer.core.estimate import estimate

    model = CATALOG.model(model_id)
    h200 = CATALOG.gpu("h200-sxm")
    quant = "FP8" if model_id != "llama-3.1-8b" else "BF16"

    def per_gpu(context):
        w = Workload(quant=quant, context=context, batch=1, engine=Engine.VLLM)
        return estimate(model, h200, w, 8, A).per_gpu_bytes[0]

    assert per_gpu(16_384) - per_gpu(8_192) == pytest.approx(8_192 * per_token_per_gpu, rel=1e-6)
    # What the rig holds at once follows: every request needs its per-GPU share on every GPU.
    w = Workload(quant=quant, context=8_192, batch=1, engine=Engine.VLLM)
    rig = serving_rig(model, h200, 8, w, A)
    assert rig.kv_copies == pytest.approx(8 * per_token_per_gpu / _full_per_token(model))


def _full_per_token(model):
    from sizer.core.memory import kv_cache_bytes

    return kv_cache_bytes(model, 1, 1, "f16")
