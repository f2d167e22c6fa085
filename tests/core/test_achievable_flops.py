"""A GPU whose vendor measured its max-achievable GEMM rate (AMD's MAF) computes at that rate,
not at the datasheet peak; every other GPU as before. Figures by hand from the catalog rows."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from sizer.core.speed import achievable_share, engine_flops, low_precision_flops, sustained_flops
from sizer.io.loaders import load_catalog
from sizer.models.assumptions import DEFAULT_ASSUMPTIONS


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


def test_mi300x_computes_at_its_measured_654_tflops(catalog):
    gpu = catalog.gpu("MI300X")
    assert achievable_share(gpu, "fp16") == pytest.approx(654 / 1307.4)
    assert engine_flops(gpu, 0.2) == pytest.approx(654e12 * 0.2)  # 130.8 TFLOP/s, not 261.5
    low = low_precision_flops(gpu, 0.2)
    assert low["fp8"] == pytest.approx(1273e12 * 0.2)
    assert low["int8"] == pytest.approx(2614.9e12 * 1273 / 2614.9 * 0.2)  # INT8 on the FP8 units' share
    assert low["fp4"] is None


def test_a_gpu_without_a_measured_rate_keeps_its_datasheet_peak(catalog):
    gpu = catalog.gpu("H100 SXM")
    assert gpu.maf_fp16_tflops is None
    assert achievable_share(gpu, "fp16") == achievable_share(gpu, "fp8") == 1.0
    assert engine_flops(gpu, 0.2) == pytest.approx(gpu.fp16_tflops * 1e12 * 0.2)


def test_llama_cpp_prompt_rate_reads_the_measured_rate_too(catalog):
    a = DEFAULT_ASSUMPTIONS
    mi300x, mi325x = catalog.gpu("MI300X"), catalog.gpu("MI325X")
    # Same datasheet peak (1,307.4 TFLOPS); the MI325X sustains 787.25, the MI300X 654 (below both power caps).
    assert sustained_flops(mi300x, a) == pytest.approx(654e12 * a.compute_efficiency_amd_frac)
    assert sustained_flops(mi325x, a) / sustained_flops(mi300x, a) == pytest.approx(787.25 / 654)


@pytest.mark.parametrize(
    ("update", "field"),
    [({"maf_fp16_tflops": 2000.0}, "maf_fp16_tflops"), ({"fp8_tflops": None, "int8_tops": None}, "maf_fp8_tflops")],
)
def test_a_measured_rate_above_the_peak_or_without_one_is_refused(catalog, update, field):
    row = catalog.gpu("MI300X").model_dump() | update
    with pytest.raises(ValidationError, match=field):
        type(catalog.gpu("MI300X")).model_validate(row)
