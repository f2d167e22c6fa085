"""Low-precision tensor rates in the shipped GPU catalog: dense figures, ordered as the hardware is."""

from __future__ import annotations

import pytest

from sizer.io.loaders import load_shipped_catalog
from sizer.models import Vendor

CATALOG = load_shipped_catalog()
GPUS = CATALOG.gpus
BY_ID = {g.id: g for g in GPUS}


def _with(field: str):
    return [g for g in GPUS if getattr(g, field) is not None]


@pytest.mark.parametrize("gpu", _with("fp8_tflops"), ids=lambda g: g.id)
def test_fp8_is_at_least_the_fp16_rate(gpu):
    assert gpu.fp8_tflops >= gpu.fp16_tflops


@pytest.mark.parametrize("gpu", _with("fp4_tflops"), ids=lambda g: g.id)
def test_fp4_is_at_least_fp8(gpu):
    assert gpu.fp8_tflops is not None, "an FP4 part without an FP8 rate"
    assert gpu.fp4_tflops >= gpu.fp8_tflops


@pytest.mark.parametrize(
    "gpu_id", ["h100-sxm", "h100-pcie", "h200-sxm", "gh200-96gb", "l40s", "l4", "rtx-6000-ada", "b200", "mi300x"]
)
def test_fp8_is_twice_fp16_on_hopper_ada_blackwell_and_cdna3_datacenter_parts(gpu_id):
    gpu = BY_ID[gpu_id]
    assert gpu.fp8_tflops / gpu.fp16_tflops == pytest.approx(2.0, rel=0.03)


@pytest.mark.parametrize("gpu_id", ["rtx-4090", "rtx-5090", "rtx-4070"])
def test_geforce_fp8_uses_the_fp32_accumulate_rate_like_fp16(gpu_id):
    # FP32 accumulate halves both FP16 and FP8 on GeForce, so the ratio stays 2.
    gpu = BY_ID[gpu_id]
    assert gpu.half_rate_fp32_accumulate
    assert gpu.fp8_tflops / gpu.fp16_tflops == pytest.approx(2.0, rel=0.02)


def test_geforce_blackwell_fp4_runs_at_full_rate():
    # RTX Blackwell whitepaper: RTX 5090 FP4 (FP32 accumulate) 1676 dense, FP8 (FP32 accumulate) 419.
    gpu = BY_ID["rtx-5090"]
    assert gpu.fp4_tflops / gpu.fp8_tflops == pytest.approx(4.0, rel=0.01)


@pytest.mark.parametrize(
    "gpu_id",
    [
        "a100-40gb-pcie", "a100-80gb-sxm", "a100-40gb-sxm", "a100-80gb-pcie", "a10", "a30", "a40",
        "rtx-3090", "rtx-a6000", "tesla-t4", "rtx-2080-ti", "tesla-v100-sxm2-16gb", "tesla-p40",
        "rx-7900-xtx", "radeon-pro-w7900", "mi250x", "mi250", "mi210", "arc-a770-16gb", "arc-b580",
        "max-1550", "max-1100",
    ],
)  # fmt: skip
def test_pre_ada_nvidia_rdna3_cdna2_and_arc_have_no_fp8(gpu_id):
    assert BY_ID[gpu_id].fp8_tflops is None


def test_apple_has_no_low_precision_tensor_rates():
    apple = [g for g in GPUS if g.vendor is Vendor.APPLE]
    assert apple
    assert all(g.fp8_tflops is None and g.int8_tops is None and g.fp4_tflops is None for g in apple)


def test_fp4_exists_only_on_blackwell_and_cdna4():
    assert {g.id for g in _with("fp4_tflops")} == {
        "rtx-5050", "rtx-5060", "rtx-5060-ti-16gb", "rtx-5070", "rtx-5070-ti", "rtx-5080", "rtx-5090",
        "rtx-pro-6000-blackwell", "rtx-pro-6000-blackwell-server", "b200", "b300", "gb200", "gb300", "gb10", "mi355x",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("gpu_id", "field", "value"),
    [
        ("h100-sxm", "fp8_tflops", 1979),  # H100 SXM datasheet: 3958 with sparsity
        ("h100-sxm", "int8_tops", 1979),
        ("h100-pcie", "fp8_tflops", 1513),  # 3026 with sparsity
        ("a100-80gb-sxm", "int8_tops", 624),  # A100 datasheet: 1248 with sparsity
        ("l4", "fp8_tflops", 242),  # L4 datasheet: 485 with sparsity
        ("l40s", "fp8_tflops", 733),  # L40S datasheet: 1466 with sparsity
        ("rtx-4090", "fp8_tflops", 330.3),  # Ada whitepaper, FP8 with FP32 accumulate
        ("rtx-4090", "int8_tops", 660.6),
        ("rtx-5090", "fp4_tflops", 1676),  # RTX Blackwell whitepaper: 3352 AI TOPS with sparsity
        ("rtx-pro-6000-blackwell", "fp4_tflops", 2000),  # datasheet: 4000 AI TOPS with sparsity
        ("b200", "fp4_tflops", 9000),  # HGX B200: 18 PFLOPS FP4 with sparsity per GPU
        ("gb300", "fp4_tflops", 15000),  # GB300 NVL72: 1080 PFLOPS dense FP4 / 72 GPUs
        ("mi300x", "fp8_tflops", 2614.9),  # AMD MI300X datasheet
        ("mi325x", "fp8_tflops", 2614.9),
        ("mi355x", "fp8_tflops", 5033.2),  # 256 CU x 8192 FP8 FLOP/clk x 2.4 GHz
        ("rx-9070-xt", "int8_tops", 389.5),  # AMD: 779 INT8 TOPS with sparsity
        ("gaudi-2", "fp8_tflops", 865),
        ("arc-b580", "int8_tops", 233),  # Intel: 233 INT8 TOPS
        ("arc-b570", "int8_tops", 203),  # Intel: 203 INT8 TOPS
        ("rtx-5050", "fp4_tflops", 210.5),  # NVIDIA: 421 AI TOPS (FP4 with sparsity)
        ("rx-9070", "int8_tops", 291.2),  # AMD: 1165 INT4 TOPS with sparsity = 4 x dense INT8
        ("rx-9060-xt-16gb", "int8_tops", 205.2),  # AMD: 821 INT4 TOPS with sparsity
        ("mi250", "fp16_tflops", 362.1),  # AMD MI200 table: 362.1 TF FP16/BF16, 383.0 on the MI250X
        ("mi250", "int8_tops", 362.1),
        ("max-1550", "fp16_tflops", 838.9),  # 1024 XMX x 512 FP16 FLOP/clk x 1.6 GHz = 838.86
        ("max-1550", "int8_tops", 1677.7),  # twice the FP16 rate: 1677.72
        ("max-1100", "fp16_tflops", 355.5),  # 448 XMX x 512 x 1.55 GHz = 355.53
        ("h20", "fp16_tflops", 148),  # H20: 148 TFLOPS FP16, 296 INT8 TOPS dense
        ("h20", "int8_tops", 296),
    ],
)
def test_hand_checked_datasheet_values(gpu_id, field, value):
    assert getattr(BY_ID[gpu_id], field) == pytest.approx(value, rel=0.001)


def test_blackwell_ultra_cuts_int8():
    # B300/GB300 keep FP8 but drop INT8 to a small fraction of B200's 4500 TOPS.
    assert BY_ID["b300"].int8_tops < BY_ID["b200"].int8_tops / 10
    assert BY_ID["gb300"].int8_tops < BY_ID["gb200"].int8_tops / 10


@pytest.mark.parametrize(
    ("name", "gpu_id"),
    [
        ("NVIDIA B300 SXM6 AC", "b300"),
        ("NVIDIA GB200", "gb200"),
        ("NVIDIA GB300", "gb300"),
        ("NVIDIA RTX PRO 6000 Blackwell Server Edition", "rtx-pro-6000-blackwell-server"),
        ("NVIDIA RTX PRO 6000 Blackwell Workstation Edition", "rtx-pro-6000-blackwell"),
        ("AMD Instinct MI355X", "mi355x"),
        ("MI325X", "mi325x"),
        ("Arc Pro B60", "arc-pro-b60"),
        ("NVIDIA GeForce RTX 5060", "rtx-5060"),
        ("NVIDIA GeForce RTX 5050", "rtx-5050"),
        ("AMD Radeon RX 9070", "rx-9070"),
        ("AMD Radeon RX 9060 XT", "rx-9060-xt-8gb"),  # both memory sizes print this; the smaller one is taken
        ("RX 9060 XT 16GB", "rx-9060-xt-16gb"),
        ("Intel(R) Arc(TM) B570 Graphics", "arc-b570"),
        ("NVIDIA RTX 4500 Ada Generation", "rtx-4500-ada"),
        ("AMD Instinct MI250", "mi250"),
        ("MI250", "mi250"),
        ("AMD Instinct MI250X", "mi250x"),
        ("AMD Instinct MI250X/MI250", "mi250x"),  # rocm-smi prints this for both cards
        ("Intel(R) Data Center GPU Max 1550", "max-1550"),
        ("Intel Max 1550", "max-1550"),
        ("Intel Data Center GPU Max 1100", "max-1100"),
        ("NVIDIA H20", "h20"),
    ],
)
def test_new_entries_resolve_by_device_name(name, gpu_id):
    assert CATALOG.gpu(name).id == gpu_id


def test_new_entries_sit_next_to_their_family():
    order = [g.id for g in GPUS]
    assert order.index("b300") == order.index("b200") + 1
    assert order.index("gb200") == order.index("b200") + 2
    assert order.index("rtx-pro-6000-blackwell-server") == order.index("rtx-pro-6000-blackwell") + 1
    assert order.index("mi355x") == order.index("mi325x") + 1
    assert order.index("rtx-5060") == order.index("rtx-5060-ti-16gb") + 1
    assert order.index("rtx-5050") == order.index("rtx-5060") + 1
    assert order.index("rx-9070") == order.index("rx-9070-xt") + 1
    assert order.index("rx-9060-xt-8gb") == order.index("rx-9060-xt-16gb") + 1 == order.index("rx-9070") + 2
    assert order.index("arc-b570") == order.index("arc-b580") + 1
    assert order.index("rtx-4500-ada") == order.index("rtx-4000-ada") + 1 == order.index("rtx-5000-ada") - 1
    assert order.index("mi250") == order.index("mi250x") + 1
    assert order.index("max-1550") == order.index("gaudi-3") + 1 == order.index("max-1100") - 1


def test_mi250_differs_from_mi250x_only_in_compute_and_links():
    # Same 128 GB / 3276.8 GB/s memory; 208 vs 220 CUs (362.1 vs 383 TFLOPS); 6 vs 8 Infinity Fabric links.
    mi250, mi250x = BY_ID["mi250"], BY_ID["mi250x"]
    assert (mi250.vram_gib, mi250.mem_bandwidth_gb_per_s) == (mi250x.vram_gib, mi250x.mem_bandwidth_gb_per_s)
    assert mi250.fp16_tflops < mi250x.fp16_tflops
    assert mi250.interconnect_gb_per_s == 600 and mi250x.interconnect_gb_per_s == 800
