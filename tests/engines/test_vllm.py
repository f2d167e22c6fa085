"""vLLM's own rules, by hand: memory share, non-torch and activation memory, tensor parallel, launch."""

from __future__ import annotations

import pytest

from sizer.engines.vllm import RUNTIME
from sizer.models import Assumptions, Engine, Workload
from sizer.models.assumptions import DEFAULT_ASSUMPTIONS as A
from sizer.units import GiB
from tests.conftest import A100_SXM, LLAMA_31_8B, LLAMA_31_8B_SERVED, RTX_4090

W = Workload(quant="AWQ", context=8192, batch=4, engine=Engine.VLLM)


def test_its_constants_sit_in_its_own_block():
    v = A.vllm
    # 0.9 of the summed bandwidth: fitted on static batches (benchmarks/serving_accuracy.py).
    assert (v.bandwidth_efficiency_frac, v.non_torch_gib, v.gpu_memory_utilization_frac) == (0.9, 1.8, 0.9)
    assert (v.max_batched_tokens, v.tensor_parallel_allreduce_s) == (2048, 2.0e-5)
    assert "vllm_non_torch_gib" not in Assumptions.model_fields


def test_takes_its_memory_utilization_of_each_gpu():
    assert RUNTIME.usable_bytes_per_gpu(A100_SXM, A) == int(80 * GiB * 0.9)
    tighter = A.model_copy(update={"vllm": A.vllm.model_copy(update={"gpu_memory_utilization_frac": 0.5})})
    assert RUNTIME.usable_bytes_per_gpu(A100_SXM, tighter) == 40 * GiB


def test_overhead_is_non_torch_plus_one_scheduler_step_of_logits_and_ffn():
    # 4 bytes x 2048 tokens x (128256 vocab + 2 x 14336 FFN width / TP)
    assert RUNTIME.overhead_bytes_per_gpu(LLAMA_31_8B, W, 1, A) == pytest.approx(1.8 * GiB + 4 * 2048 * 156928)
    assert RUNTIME.overhead_bytes_per_gpu(LLAMA_31_8B, W, 2, A) == pytest.approx(1.8 * GiB + 4 * 2048 * 142592)
    assert RUNTIME.context_bytes_per_gpu(True, A) == 0  # the non-torch figure holds the CUDA context


def test_tensor_parallel_sums_bandwidth_and_pays_two_all_reduces_per_layer():
    one, two = RUNTIME.speed_terms(A100_SXM, 1, A), RUNTIME.speed_terms(A100_SXM, 2, A)
    assert two.bandwidth_bytes_per_s == pytest.approx(2 * 2039e9 * 0.9)
    assert (one.fixed_per_layer_s, two.fixed_per_layer_s) == (0, pytest.approx(4.0e-5))
    assert two.fixed_s == 0


def test_no_fp16_accumulate_doubling_on_geforce():
    # 165.2 TFLOPS (the FP32-accumulate rate) x vLLM's 0.2 compute efficiency in decode steps, no doubling
    assert RUNTIME.speed_terms(RTX_4090, 1, A).flops_per_s == pytest.approx(165.2 * 0.2 * 1e12)


def test_prompt_chunks_reach_twice_the_matrix_rate_of_decode_steps():
    # vLLM block: prompt chunks at 0.4 of the datasheet rate, decode steps (GEMMs as tall as the batch) at 0.2.
    assert RUNTIME.speed_terms(RTX_4090, 1, A).prompt_rate_frac == pytest.approx(0.4 / 0.2)


def test_fp8_weights_run_at_the_fp8_rate_only_where_the_gpu_has_fp8_units():
    from sizer.core.quant import resolve_quant
    from sizer.core.speed import step_flops_per_s

    fp8 = resolve_quant("FP8")
    on_ada = RUNTIME.speed_terms(RTX_4090, 1, A)
    assert step_flops_per_s(on_ada, fp8, A) == pytest.approx(RTX_4090.fp8_tflops * 0.2 * 1e12)
    on_ampere = RUNTIME.speed_terms(A100_SXM, 1, A)  # no FP8 units: expanded to 16 bits first
    assert step_flops_per_s(on_ampere, fp8, A) == pytest.approx(A100_SXM.fp16_tflops * 0.2 * 1e12 * 0.8)


def test_launch_spec_as_vllm_serve_takes_it():
    spec = RUNTIME.launch(LLAMA_31_8B_SERVED, W, 2, A, gpu=RTX_4090)
    # The AWQ repository, loaded as it is: vLLM reads its quantization config (and picks Marlin).
    assert spec.argv == (
        "vllm", "serve", "hugging-quants/Meta-Llama-3.1-8B-Instruct-AWQ-INT4", "--tensor-parallel-size", "2",
        "--max-model-len", "8192", "--max-num-seqs", "4", "--gpu-memory-utilization", "0.9",
        "--kv-cache-dtype", "auto",
    )  # fmt: skip
    fp8 = RUNTIME.launch(LLAMA_31_8B, W.model_copy(update={"quant": "BF16", "kv_cache_type": "fp8"}), 1, A)
    assert fp8.argv[-2:] == ("--kv-cache-dtype", "fp8") and "--quantization" not in fp8.argv


def test_a_vision_checkpoint_holds_its_encoder_on_vllm_whatever_the_use_case():
    from sizer.io.loaders import load_catalog

    gemma = load_catalog().model("gemma-3-4b")
    text = gemma.model_copy(update={"mmproj_params": None})
    w = Workload(quant="BF16", context=8192, engine=Engine.VLLM)
    # 419,980,144 encoder parameters in 16 bits: 839,960,288 bytes on one GPU, half of it on each of two
    for count, extra in ((1, 839_960_288), (2, 419_980_144)):
        with_encoder = RUNTIME.overhead_bytes_per_gpu(gemma, w, count, A)
        assert with_encoder - RUNTIME.overhead_bytes_per_gpu(text, w, count, A) == pytest.approx(extra)
