"""Matching a probed or described machine to estimates: rigs, GpuSpec for unknown GPUs, what it runs."""

from __future__ import annotations

import pytest

from sizer.core.rigs import gpu_spec_for_device, host_assumptions, rigs_for_host, runnable_models
from sizer.errors import InputError
from sizer.models import Engine, GpuDevice, Host, MemoryInfo, Workload
from sizer.models.assumptions import DEFAULT_ASSUMPTIONS
from sizer.units import GB, GiB


def _device(name, index=0, total=24 * GiB, free=None, **kw):
    return GpuDevice(index=index, name=name, memory_total_bytes=total, memory_free_bytes=free, **kw)


def test_catalog_gpu_keeps_datasheet_figures_with_the_reported_memory(mini_catalog):
    spec = gpu_spec_for_device(_device("NVIDIA GeForce RTX 4090", total=23 * GiB), mini_catalog)
    assert (spec.id, spec.mem_bandwidth_gb_per_s, spec.fp16_tflops) == ("rtx-4090", 1008, 165.2)
    assert spec.vram_gib == 23


def test_unknown_gpu_is_built_from_the_device_with_an_assumed_fp16_rate(mini_catalog):
    device = _device("Acme X1", total=48 * GiB, bandwidth_bytes_per_s=1.2e12, memory_bus_width_bits=4096)
    spec = gpu_spec_for_device(device, mini_catalog)
    assert (spec.id, spec.name, spec.vendor.value, spec.memory_class) == ("acme-x1", "Acme X1", "nvidia", "hbm")
    assert spec.mem_bandwidth_gb_per_s == pytest.approx(1200)
    assert spec.fp16_tflops == pytest.approx(1200 * DEFAULT_ASSUMPTIONS.fallback_fp16_tflops_per_gb_per_s)
    assert "assumed" in spec.source
    stated = gpu_spec_for_device(device.model_copy(update={"fp16_tflops": 300.0, "memory_type": "GDDR7"}), mini_catalog)
    assert (stated.fp16_tflops, stated.memory_class) == (300.0, "gddr")


def test_unknown_gpu_without_bandwidth_is_an_input_error(mini_catalog):
    with pytest.raises(InputError, match="not in the catalog and has no bandwidth_bytes_per_s"):
        gpu_spec_for_device(_device("Acme X1"), mini_catalog)


def test_rigs_group_identical_gpus_and_judge_fit_on_the_busiest_free_memory(mini_catalog):
    host = Host(
        gpus=(
            _device("NVIDIA GeForce RTX 4090", 0, free=23 * GiB),
            _device("NVIDIA GeForce RTX 4090", 1, free=5 * GiB),
            _device("NVIDIA A100-SXM4-80GB", 2, total=80 * GiB, free=79 * GiB),
        )
    )
    first, second = rigs_for_host(host, mini_catalog)
    assert (first.gpu.id, first.count, first.devices) == ("rtx-4090", 2, (0, 1))
    assert first.free_bytes_per_gpu == (23 * GiB, 5 * GiB)
    assert first.available_bytes_per_gpu() == 5 * GiB  # both GPUs: bounded by the busier one
    assert first.available_bytes_per_gpu(1) == 23 * GiB  # one GPU: the freer one
    assert (second.gpu.id, second.count, second.available_bytes_per_gpu()) == ("a100-sxm4-80gb", 1, 79 * GiB)
    assert first.bandwidth_gb_per_s is None  # datasheet figure unless measured
    from_file = rigs_for_host(host, mini_catalog, use_free_memory=False)
    assert from_file[0].available_bytes_per_gpu() is None  # the device's usable capacity instead


def test_vllm_rig_is_capped_by_its_memory_utilization(mini_catalog):
    host = Host(gpus=(_device("NVIDIA GeForce RTX 4090", free=24 * GiB),))
    (rig,) = rigs_for_host(host, mini_catalog, Engine.VLLM)
    assert rig.available_bytes_per_gpu() == int(24 * GiB * 0.9)  # --gpu-memory-utilization 0.9


def test_measured_bandwidth_replaces_the_datasheet(mini_catalog):
    device = _device("NVIDIA GeForce RTX 4090", bandwidth_bytes_per_s=900e9, bandwidth_measured=True)
    (rig,) = rigs_for_host(Host(gpus=(device,)), mini_catalog)
    assert rig.bandwidth_gb_per_s == pytest.approx(900)
    host = Host(measured_ram_bandwidth_bytes_per_s=40 * GB)
    assert host_assumptions(host).system_ram_gb_per_s == pytest.approx(40)


def test_runnable_models_take_the_fewest_gpus_that_hold_them(mini_catalog):
    host = Host(gpus=tuple(_device("NVIDIA A100-SXM4-80GB", i, total=80 * GiB, free=80 * GiB) for i in range(2)))
    (rig,) = rigs_for_host(host, mini_catalog)
    rows = runnable_models(mini_catalog, host, rig, Workload(), min_tokens_per_s=10)
    assert [r.model.id for r in rows] == ["llama-3-70b", "mixtral-8x7b", "gemma-2-9b", "llama-3.1-8b"]
    by_id = {r.model.id: r for r in rows}
    assert by_id["llama-3-70b"].fits and by_id["llama-3-70b"].gpu_count == 1
    assert all(r.decode_tokens_per_s >= 10 for r in rows)


def test_busy_gpu_offloads_and_may_drop_below_the_rate(mini_catalog):
    host = Host(gpus=(_device("NVIDIA GeForce RTX 4090", free=3 * GiB),))
    (rig,) = rigs_for_host(host, mini_catalog)
    rows = runnable_models(mini_catalog, host, rig, Workload(), min_tokens_per_s=0.1)
    eight_b = next(r for r in rows if r.model.id == "llama-3.1-8b")
    assert not eight_b.fits and eight_b.gpu_layers is not None and eight_b.gpu_layers < eight_b.total_layers


def test_cpu_only_runs_what_fits_in_ram_at_ram_bandwidth(mini_catalog):
    host = Host(memory=MemoryInfo(total_bytes=32 * GiB, available_bytes=16 * GiB))
    rows = runnable_models(mini_catalog, host, None, Workload(), min_tokens_per_s=1)
    assert [r.model.id for r in rows] == ["gemma-2-9b", "llama-3.1-8b"]  # 70B and Mixtral exceed 16 GiB
    assert all(r.gpu_count == 0 and r.fits for r in rows)
    faster = runnable_models(
        mini_catalog, host.model_copy(update={"measured_ram_bandwidth_bytes_per_s": 120 * GB}), None, Workload(), 1
    )
    assert faster[0].decode_tokens_per_s > rows[0].decode_tokens_per_s


def test_offload_must_fit_in_available_ram(mini_catalog):
    gpus = (_device("NVIDIA GeForce RTX 4090", free=20 * GiB),)
    roomy = Host(gpus=gpus, memory=MemoryInfo(total_bytes=256 * GiB, available_bytes=200 * GiB))
    tight = roomy.model_copy(update={"memory": MemoryInfo(total_bytes=16 * GiB, available_bytes=8 * GiB)})
    (rig,) = rigs_for_host(roomy, mini_catalog)
    ids = {
        name: [r.model.id for r in runnable_models(mini_catalog, h, rig, Workload(), 0.1)]
        for name, h in (("roomy", roomy), ("tight", tight))
    }
    assert "llama-3-70b" in ids["roomy"] and "llama-3-70b" not in ids["tight"]
