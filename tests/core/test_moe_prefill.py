"""A prompt micro-batch of an MoE reads the experts its tokens route to, not one token's share:
512 tokens, each picking 4 of gpt-oss-120b's 128 experts, touch all but 128 x (124/128)^512 of
them (~1e-5 of an expert): the whole expert table streams once per micro-batch. Estimate and the
serving model read it alike, and a dense model is unchanged."""

from __future__ import annotations

import pytest

from sizer.core.estimate import estimate
from sizer.core.memory import weights
from sizer.core.quant import resolve_quant
from sizer.core.sweep import sweep
from sizer.io.loaders import load_catalog
from sizer.models import Workload
from sizer.units import GB


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


def test_a_512_token_micro_batch_streams_every_expert(catalog):
    model, gpu = catalog.model("gpt-oss-120b"), catalog.gpu("DGX Spark")
    ws = weights(model, resolve_quant("MXFP4"))
    assert ws.expert_bytes > 0.9 * ws.total_bytes  # 60 of 63 GB are routed experts
    est = estimate(model, gpu, Workload(quant="MXFP4", context=4096))
    # 8 micro-batches of 512 tokens, each streaming at least the 60 GB expert table over the
    # 273 GB/s LPDDR5X: 4,096 tokens take at least 8 x 60/273 = 1.8 s, so at most ~2,300 tok/s
    # (one token's share, 4 of 128 experts, would allow ~5x that).
    floor_s = 8 * ws.expert_bytes / (273 * GB)
    assert est.prefill_tokens_per_s <= 4096 / floor_s
    assert est.prefill_tokens_per_s < 0.5 * 4096 / (8 * ws.read_per_token_bytes / (273 * GB))


def test_the_sweep_reads_the_same_as_estimate(catalog):
    model, gpu = catalog.model("gpt-oss-120b"), catalog.gpu("DGX Spark")
    est = estimate(model, gpu, Workload(quant="MXFP4", context=4096))
    swept = sweep([model], [gpu], ["MXFP4"], [4096])
    assert swept.prefill_tokens_per_s[0, 0, 0, 0] == pytest.approx(est.prefill_tokens_per_s, rel=1e-6)


def test_a_dense_model_reads_its_weights_once_per_micro_batch_as_before(catalog):
    model, gpu = catalog.model("llama-3.1-8b"), catalog.gpu("DGX Spark")
    ws = weights(model, resolve_quant("Q4_K_M"))
    assert ws.expert_bytes == 0
    est = estimate(model, gpu, Workload(quant="Q4_K_M", context=4096))
    swept = sweep([model], [gpu], ["Q4_K_M"], [4096])
    assert swept.prefill_tokens_per_s[0, 0, 0, 0] == pytest.approx(est.prefill_tokens_per_s, rel=1e-6)
