"""Published or measured points within a tolerance (benchmarks/data, with sources per row)."""

from __future__ import annotations

import pytest

from sizer.core.memory import weights
from sizer.core.quant import resolve_quant
from sizer.units import GB, GiB
from tests.conftest import LLAMA_3_70B, LLAMA_31_8B

LLAMA_2_7B = LLAMA_31_8B.model_copy(
    update={
        "id": "llama-2-7b",
        "intermediate_size": 11008,
        "kv_heads": 32,
        "vocab_size": 32000,
        "max_context": 4096,
    }
)


@pytest.mark.parametrize(
    ("model", "quant", "gib"),
    [
        # llama-bench "size" column, XiongjieDai GPU-Benchmarks-on-LLM-Inference README (aa72e0e).
        (LLAMA_31_8B, "Q4_K_M", 4.58),
        (LLAMA_31_8B, "F16", 14.96),
        (LLAMA_3_70B, "Q4_K_M", 39.59),
        (LLAMA_3_70B, "F16", 131.42),
        # llama-bench on Llama-3.x-8B, ggml-org discussions (memory.csv).
        (LLAMA_31_8B, "Q4_0", 4.33),
        (LLAMA_31_8B, "Q8_0", 7.95),
    ],
)
def test_gguf_weight_size_matches_llama_bench(model, quant, gib):
    assert weights(model, resolve_quant(quant)).total_bytes / GiB == pytest.approx(gib, rel=0.005)


@pytest.mark.parametrize(
    ("quant", "gb"),
    # TheBloke/Llama-2-7B-Chat-GGUF "Provided files" (decimal GB).
    [
        ("Q3_K_S", 2.95),
        ("Q3_K_M", 3.30),
        ("Q3_K_L", 3.60),
        ("Q4_0", 3.83),
        ("Q4_K_S", 3.86),
        ("Q4_K_M", 4.08),
        ("Q5_0", 4.65),
        ("Q5_K_S", 4.65),
        ("Q5_K_M", 4.78),
        ("Q6_K", 5.53),
        ("Q8_0", 7.16),
    ],
)
def test_llama_2_7b_gguf_file_sizes(quant, gb):
    assert weights(LLAMA_2_7B, resolve_quant(quant)).total_bytes / GB == pytest.approx(gb, rel=0.01)
