"""TensorRT-LLM's KV pool, by hand: a share of the memory left after the weights and activations."""

from __future__ import annotations

from sizer.core.estimate import estimate
from sizer.io.loaders import load_catalog
from sizer.models import Engine, Workload

CATALOG = load_catalog()


def test_the_kv_cache_fits_within_its_share_of_the_free_memory():
    llama, rtx4090 = CATALOG.model("llama-3.1-8b"), CATALOG.gpu("RTX 4090")

    # BF16 weights 16,061,054,976 B and activations 7,074,951,987 B leave 24 GiB - 23,136,006,963 =
    # 2,633,796,813 B free, of which the pool takes 0.9: 2,370,417,132 B. 16,384 tokens of KV
    # (2,147,483,648 B) fit in it; 18,432 tokens (2,415,919,104 B) fit in the free memory but not the pool.
    def fits(context: int) -> bool:
        w = Workload(quant="BF16", context=context, engine=Engine.TENSORRT_LLM)
        return estimate(llama, rtx4090, w, 1).fits

    assert fits(16384)
    assert not fits(18432)
    w = Workload(quant="BF16", context=18432, engine=Engine.TENSORRT_LLM)
    mb = estimate(llama, rtx4090, w, 1).memory_bytes
    assert (mb.weights, mb.kv_cache, mb.overhead) == (16_061_054_976, 2_415_919_104, 7_074_951_987)
    assert mb.total <= 24 * 2**30  # the whole need is below the card's memory: only the share refuses it
