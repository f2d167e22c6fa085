"""Attention runs at the 16-bit rate whatever the weights' format (speed.blended_flops_per_s)."""

from __future__ import annotations

import pytest

from sizer.core.speed import blended_flops_per_s, prompt_attention_flops, prompt_flops


def test_blended_rate_is_the_flops_over_the_time_of_both_parts():
    # Hand-computed: 3e15 FLOPs at 2e15/s take 1.5 s, 1e15 at 1e15/s take 1 s: 4e15 in 2.5 s.
    assert blended_flops_per_s(3e15, 2e15, 1e15, 1e15) == pytest.approx(1.6e15)
    # Equal rates give that rate; no attention gives the matrix rate.
    assert blended_flops_per_s(5.0, 7.0, 3.0, 7.0) == pytest.approx(7.0)
    assert blended_flops_per_s(5.0, 7.0, 0.0, 1.0) == pytest.approx(7.0)


def test_prompt_attention_is_the_quadratic_part_of_the_prompt():
    # Llama 3.1 8B's shape: 32 layers, attention width 4096, 8B active weights; a 1,000-token prompt.
    attention = prompt_attention_flops(32, 4096, 1000)
    assert attention == pytest.approx(2 * 32 * 4096 * 1000**2)  # 2.62e11
    assert prompt_flops(8e9, 32, 4096, 1000) - attention == pytest.approx(2 * 8e9 * 1000)


def test_low_precision_weights_speed_up_the_products_but_not_attention():
    # Llama 3.1 8B on an H100 SXM under vLLM: a 32K-token prompt, where attention is about a third of
    # the work, gains less from FP8 weights than a 512-token one, where it is almost nothing.
    from sizer.core.estimate import estimate
    from sizer.io.loaders import load_catalog
    from sizer.models import Workload
    from sizer.models.assumptions import DEFAULT_ASSUMPTIONS

    catalog = load_catalog()
    model, gpu = catalog.model("llama-3.1-8b"), catalog.gpu("H100 SXM")

    def prefill(quant: str, context: int) -> float:
        w = Workload(quant=quant, context=context, engine="vllm")
        return estimate(model, gpu, w, 1, DEFAULT_ASSUMPTIONS).prefill_tokens_per_s

    short_gain = prefill("FP8", 512) / prefill("BF16", 512)
    long_gain = prefill("FP8", 32768) / prefill("BF16", 32768)
    assert 1.0 < long_gain < short_gain
    # attention (about a third of a 32K prompt's FLOPs) stays at the 16-bit rate: 1.36 x against 1.61 x;
    # were it at the FP8 rate too, both gains would be the same
    assert long_gain < 0.9 * short_gain
