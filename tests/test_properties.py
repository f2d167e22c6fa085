"""Properties that must hold for any input (hypothesis)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from sizer.core.estimate import estimate, memory_needed
from sizer.core.memory import kv_cache_bytes, weights
from sizer.core.quant import all_formats, resolve_quant
from sizer.engines import engine_for
from sizer.models import Engine, Workload
from sizer.models.assumptions import DEFAULT_ASSUMPTIONS
from tests.conftest import A100_SXM, GEMMA2_9B, LLAMA_3_70B, LLAMA_31_8B, M1_MAX_32, MIXTRAL, RTX_4090

MODELS = st.sampled_from([LLAMA_31_8B, LLAMA_3_70B, MIXTRAL, GEMMA2_9B])
GPUS = st.sampled_from([RTX_4090, A100_SXM, M1_MAX_32])
GGUF = [q.name for q in all_formats() if q.kind == "gguf"]
QUANTS = st.sampled_from(GGUF)
ENGINES = st.sampled_from(list(Engine))
CONTEXT = st.integers(min_value=1, max_value=131072)


@settings(max_examples=60, deadline=None)
@given(MODELS, QUANTS, CONTEXT, CONTEXT, st.integers(1, 64), ENGINES)
def test_more_context_never_needs_less_memory(model, quant, c1, c2, batch, engine):
    lo, hi = sorted((c1, c2))
    small = memory_needed(model, Workload(quant=quant, context=lo, batch=batch, engine=engine))
    large = memory_needed(model, Workload(quant=quant, context=hi, batch=batch, engine=engine))
    assert large.memory_bytes.total >= small.memory_bytes.total
    assert kv_cache_bytes(model, hi, batch) >= kv_cache_bytes(model, lo, batch)


@settings(max_examples=60, deadline=None)
@given(MODELS, QUANTS, st.integers(1, 32768), st.integers(1, 16), st.integers(1, 16))
def test_more_sequences_never_need_less_memory(model, quant, context, b1, b2):
    lo, hi = sorted((b1, b2))
    small = memory_needed(model, Workload(quant=quant, context=context, batch=lo))
    large = memory_needed(model, Workload(quant=quant, context=context, batch=hi))
    assert large.memory_bytes.total >= small.memory_bytes.total


@settings(max_examples=60, deadline=None)
@given(MODELS, GPUS, QUANTS, st.floats(50, 10000), st.floats(50, 10000), st.integers(1, 8), ENGINES, CONTEXT)
def test_more_bandwidth_never_gives_fewer_tokens_per_s(model, gpu, quant, bw1, bw2, count, engine, context):
    lo, hi = sorted((bw1, bw2))
    w = Workload(quant=quant, context=context, engine=engine)
    slow = estimate(model, gpu, w, count, bandwidth_gb_per_s=lo)
    fast = estimate(model, gpu, w, count, bandwidth_gb_per_s=hi)
    assert fast.decode_tokens_per_s >= slow.decode_tokens_per_s
    assert fast.prefill_tokens_per_s >= slow.prefill_tokens_per_s


# MXFP4 is llama.cpp's MoE file type: experts in MXFP4, all else Q8_0, so on a dense model it is
# a Q8_0 file; its nominal 4.25 bits do not order it among the others.
SIZE_ORDERED = [q for q in GGUF if q != "MXFP4"]


@settings(max_examples=40, deadline=None)
@given(MODELS, st.sampled_from(SIZE_ORDERED), st.sampled_from(SIZE_ORDERED))
def test_a_larger_quant_never_gives_a_smaller_file(model, q1, q2):
    a, b = resolve_quant(q1), resolve_quant(q2)
    if a.bits_per_weight > b.bits_per_weight:
        a, b = b, a
    if a.bits_per_weight < b.bits_per_weight:
        assert weights(model, b).total_bytes >= weights(model, a).total_bytes


@settings(max_examples=60, deadline=None)
@given(MODELS, GPUS, QUANTS, CONTEXT, st.integers(1, 8), ENGINES)
def test_fits_iff_every_gpu_share_is_within_capacity(model, gpu, quant, context, count, engine):
    est = estimate(model, gpu, Workload(quant=quant, context=context, engine=engine), count)
    capacity, share = est.available_bytes // count, engine_for(engine).kv_free_share(DEFAULT_ASSUMPTIONS)
    if share >= 1:
        assert est.fits == (max(est.per_gpu_bytes) <= capacity)
    else:  # TensorRT-LLM: the KV cache must fit its share of what the rest leaves free
        if est.fits:
            assert max(est.per_gpu_bytes) <= capacity
        if max(est.per_gpu_bytes) + est.memory_bytes.kv_cache * (1 / share - 1) <= capacity:
            assert est.fits
    assert (est.offload is not None) == (not est.fits and engine in (Engine.LLAMA_CPP, Engine.OLLAMA))
    assert est.decode_tokens_per_s > 0 and est.prefill_tokens_per_s > 0
    assert est.memory_bytes.total == est.memory_bytes.weights + est.memory_bytes.kv_cache + est.memory_bytes.overhead
