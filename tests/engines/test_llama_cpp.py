"""llama.cpp's own rules, by hand: compute buffer, CUDA context, layer split, FP16 accumulate, launch."""

from __future__ import annotations

import pytest

from sizer.engines.llama_cpp import RUNTIME
from sizer.models import Offload, Workload
from sizer.models.assumptions import DEFAULT_ASSUMPTIONS as A
from sizer.units import GiB
from tests.conftest import A100_SXM, LLAMA_31_8B, LLAMA_31_8B_SERVED, M1_MAX_32, RTX_4090


def test_compute_buffer_is_f32_logits_and_hidden_state_of_a_micro_batch():
    # 4 bytes x 512 tokens x (128256 vocab + 4096 hidden)
    assert RUNTIME.overhead_bytes_per_gpu(LLAMA_31_8B, Workload(context=8192), 1, A) == 4 * 512 * 132352
    # a prompt shorter than the micro-batch: context x slots tokens
    assert RUNTIME.overhead_bytes_per_gpu(LLAMA_31_8B, Workload(context=100, batch=2), 1, A) == 4 * 200 * 132352


def test_cuda_context_per_gpu_but_none_on_metal():
    assert RUNTIME.context_bytes_per_gpu(True, A) == pytest.approx(0.4 * GiB)
    assert RUNTIME.context_bytes_per_gpu(False, A) == 0


def test_memory_is_weights_kv_of_every_slot_and_overheads():
    need = RUNTIME.memory(LLAMA_31_8B, Workload(context=8192, batch=2), 2, A)
    assert need.kv_cache_bytes == 2 * GiB  # 1 GiB per 8,192 tokens of Llama 3.1 8B, two slots
    assert need.per_gpu_overhead_bytes == pytest.approx(4 * 512 * 132352 + 0.4 * GiB)


def test_usable_capacity_is_the_card_or_the_wired_share_of_unified_memory():
    assert RUNTIME.usable_bytes_per_gpu(RTX_4090, A) == 24 * GiB
    assert RUNTIME.usable_bytes_per_gpu(M1_MAX_32, A) == int(64 * GiB * 0.75)


def test_layer_split_uses_one_gpus_bandwidth_plus_a_hop_per_extra_gpu():
    terms = RUNTIME.speed_terms(RTX_4090, 3, A)
    assert terms.bandwidth_bytes_per_s == pytest.approx(1008e9 * 0.915)
    assert terms.fixed_s == pytest.approx(2 * 6.15e-5)
    assert terms.fixed_per_layer_s == 0
    assert terms.ubatch_tokens == 512


def test_geforce_reaches_its_fp16_accumulate_rate_under_llama_cpp():
    # RTX 4090: 165.2 TFLOPS FP32-accumulate, doubled; x 0.485 efficiency = 160.2, under 450 W x 0.366 = 164.7
    assert RUNTIME.speed_terms(RTX_4090, 1, A).flops_per_s == pytest.approx(165.2 * 2 * 0.485 * 1e12)
    # A100 (no half-rate accumulate): 312 x 0.485 = 151.3, under 400 W x 0.366 = 146.4 -> the power cap
    assert RUNTIME.speed_terms(A100_SXM, 1, A).flops_per_s == pytest.approx(400 * 0.366 * 1e12)


def test_launch_spec_as_llama_server_takes_it():
    w = Workload(quant="Q4_K_M", context=4096, batch=4)
    spec = RUNTIME.launch(LLAMA_31_8B_SERVED, w, 2, A)
    assert spec.env == {}
    # The catalog's GGUF repository, the file picked by its type (llama.cpp's -hf REPO:TYPE).
    assert spec.argv == (
        "llama-server", "-hf", "bartowski/Meta-Llama-3.1-8B-Instruct-GGUF:Q4_K_M", "-ngl", "99", "-c", "16384",
        "-np", "4", "--flash-attn", "on", "--split-mode", "layer", "--tensor-split", "1,1",
    )  # fmt: skip
    q8_cache = w.model_copy(update={"kv_cache_type": "q8_0"})
    offloaded = RUNTIME.launch(LLAMA_31_8B_SERVED, q8_cache, 1, A, Offload(gpu_layers=20, total_layers=32, cpu_bytes=1))
    assert offloaded.argv[4] == "20"
    assert offloaded.argv[-4:] == ("--cache-type-k", "q8_0", "--cache-type-v", "q8_0")


def test_wave64_gpus_and_multi_device_boards():
    from sizer.engines.llama_cpp import wave64
    from sizer.io.loaders import load_shipped_catalog

    cat = load_shipped_catalog()
    mi300x, mi250x, xtx = cat.gpu("mi300x"), cat.gpu("mi250x"), cat.gpu("rx-7900-xtx")
    assert wave64(mi300x) and wave64(mi250x) and not wave64(xtx)
    a = A
    # MI300X: 5,300 GB/s x HBM share 0.566 x wave64 share 0.42.
    terms = RUNTIME.speed_terms(mi300x, 1, a)
    assert terms.bandwidth_bytes_per_s == pytest.approx(5300e9 * a.bandwidth_efficiency_hbm_frac * 0.42)
    # MI250X: two GCDs of 1,638.4 GB/s each, taking turns, and one split hop between them.
    board = RUNTIME.speed_terms(mi250x, 1, a)
    assert board.bandwidth_bytes_per_s == pytest.approx(3276.8e9 / 2 * a.bandwidth_efficiency_hbm_frac * 0.42)
    assert board.fixed_s == pytest.approx(a.split_hop_s)


def test_a_sycl_layer_split_reads_the_other_gpus_weights_over_the_host_link():
    from sizer.io.loaders import load_catalog

    max1550 = load_catalog().gpu("max-1550")
    one = RUNTIME.speed_terms(max1550, 1, A).bandwidth_bytes_per_s
    # 3276.8 GB/s x 0.566 (HBM) x 0.15 (SYCL on Max) = 278.2 GB/s on one GPU
    assert one == pytest.approx(3276.8e9 * 0.566 * 0.15)
    # Two: half the bytes at 278.2 GB/s, half over the 31 GB/s link: 1 / (0.5/278.2 + 0.5/31) = 55.8 GB/s;
    # four: 1 / (0.25/278.2 + 0.75/31) = 39.85 GB/s (Llama-2-7B F16's 13.5 GB: 242 and 339 ms a token).
    assert RUNTIME.speed_terms(max1550, 2, A).bandwidth_bytes_per_s == pytest.approx(55.8e9, rel=1e-3)
    assert RUNTIME.speed_terms(max1550, 4, A).bandwidth_bytes_per_s == pytest.approx(39.85e9, rel=1e-3)
    # CUDA GPUs take turns over their own memory: a split keeps one GPU's bandwidth.
    assert (
        RUNTIME.speed_terms(A100_SXM, 2, A).bandwidth_bytes_per_s
        == RUNTIME.speed_terms(A100_SXM, 1, A).bandwidth_bytes_per_s
    )
