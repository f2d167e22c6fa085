"""The probe adapter: the real psutil path on this machine, and NVML through a stand-in pynvml."""

from __future__ import annotations

import sys

import pytest

from sizer.io import hardware
from sizer.io.hardware import amd, bench, default_models_dirs, memory_bandwidth_bytes_per_s, nvml, probe, system  # noqa: F401  (patched below)
from sizer.io.hardware.amd import parse_rocm_smi
from sizer.io.loaders import load_catalog
from sizer.models import PROBE_SCHEMA, GpuDevice, Host, Vendor
from sizer.units import GB, GiB, MiB
from tests.fakes.pynvml import (
    FakeGpu,
    NVMLError_DriverNotLoaded,
    NVMLError_LibRmVersionMismatch,
    h100,
    rtx4090,
)


def _said(host: Host) -> tuple[str, ...]:
    """The host's warnings in English, as `probe --json` writes them."""
    return tuple(str(w) for w in host.warnings)


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


def test_real_probe_on_this_machine(catalog):
    host = probe(catalog)
    assert host.schema_ == PROBE_SCHEMA
    assert host.memory is not None and host.memory.total_bytes > 0
    assert host.cpu.logical_cores and host.cpu.logical_cores >= 1
    assert host.disks and all(d.free_bytes <= d.total_bytes for d in host.disks)
    if not host.gpus:  # this machine: no GPU, and a warning that says why
        assert host.warnings
    again = Host.model_validate(host.model_dump(mode="json", by_alias=True))
    assert again.model_dump() == host.model_dump()  # warnings come back as their English text


@pytest.mark.parametrize(
    ("bus_bits", "clock_mhz", "datasheet_gb_per_s"),
    [
        (384, 10501, 1008),  # RTX 4090, GDDR6X
        (5120, 1593, 2039),  # A100 SXM4 80GB, HBM2e
        (5120, 2619, 3350),  # H100 SXM5, HBM3
        (384, 9751, 936),  # RTX 3090, GDDR6X
    ],
)
def test_bandwidth_from_bus_width_and_max_memory_clock(bus_bits, clock_mhz, datasheet_gb_per_s):
    assert memory_bandwidth_bytes_per_s(bus_bits, clock_mhz) / GB == pytest.approx(datasheet_gb_per_s, rel=0.002)


def test_two_h100(fake_nvml, catalog):
    scenario = fake_nvml(h100(0), h100(1))
    host = probe(catalog)
    assert [g.name for g in host.gpus] == ["NVIDIA H100 80GB HBM3"] * 2
    g = host.gpus[1]
    assert (g.index, g.vendor, g.uuid, g.catalog_id) == (1, Vendor.NVIDIA, "GPU-h100-1", "h100-sxm")
    assert g.memory_total_bytes == 81559 * MiB and g.memory_free_bytes == (81559 - 4) * MiB
    assert g.bandwidth_bytes_per_s == pytest.approx(3352.3e9, rel=1e-4)
    assert not g.bandwidth_measured
    assert (g.driver_version, g.cuda_version, g.compute_capability) == ("550.54.15", "12.4", "9.0")
    assert (g.memory_bus_width_bits, g.max_memory_clock_mhz, g.power_limit_w) == (5120, 2619, 700)
    assert (g.pcie_generation, g.pcie_width, g.nvlink_links, g.processes) == (5, 16, 18, 0)
    assert host.warnings == ()
    assert scenario.shutdowns == 1 and not scenario.initialized


def test_mixed_4090s_report_memory_held_and_processes(fake_nvml, catalog):
    busy = rtx4090(1, process_bytes=(12 * GiB, 6 * GiB))
    fake_nvml(rtx4090(0), busy, FakeGpu(name="NVIDIA GeForce RTX 3090", memory_total=24576 * MiB))
    host = probe(catalog)
    assert [g.catalog_id for g in host.gpus] == ["rtx-4090", "rtx-4090", "rtx-3090"]
    held = host.gpus[1]
    assert held.processes == 2
    assert held.memory_used_bytes == 300 * MiB + 18 * GiB
    assert held.memory_free_bytes == 24564 * MiB - held.memory_used_bytes
    assert host.gpus[0].nvlink_links is None  # GeForce: NotSupported, which is no warning


def test_unsupported_queries_become_one_warning_and_the_rest_still_runs(fake_nvml, catalog):
    unsupported = frozenset(
        {
            "nvmlDeviceGetMemoryBusWidth",
            "nvmlDeviceGetMaxClockInfo",
            "nvmlDeviceGetPowerManagementLimit",
            "nvmlDeviceGetComputeRunningProcesses",
        }
    )
    fake_nvml(FakeGpu(name="Tesla T4", memory_total=15360 * MiB, unsupported=unsupported))
    host = probe(catalog)
    (g,) = host.gpus
    assert g.catalog_id == "tesla-t4"
    assert g.bandwidth_bytes_per_s is None and g.power_limit_w is None and g.processes is None
    assert g.pcie_generation == 4  # other queries still answered
    (warning,) = _said(host)
    assert warning.startswith("GPU 0 (Tesla T4): not reported by NVML: memory bus width (Not Supported)")
    assert "max memory clock (Not Supported)" in warning and "processes (Not Supported)" in warning
    assert host.memory is not None and host.disks  # the rest of the probe ran


@pytest.mark.parametrize("error", [NVMLError_DriverNotLoaded, NVMLError_LibRmVersionMismatch])
def test_nvml_init_failure_is_a_cpu_only_host_with_a_warning(fake_nvml, catalog, error):
    fake_nvml(h100(), init_error=error)
    host = probe(catalog)
    assert host.gpus == ()
    assert len(host.warnings) == 1 and str(host.warnings[0]).startswith(f"NVML unavailable: {error()}")
    assert host.memory is not None


def test_nvml_library_not_importable(fake_nvml, monkeypatch, catalog):
    fake_nvml()
    monkeypatch.setitem(sys.modules, "pynvml", None)  # import raises ImportError
    host = probe(catalog)
    assert host.gpus == ()
    assert "not importable" in str(host.warnings[0])


def test_linux_without_nvidia_driver_never_loads_nvml(monkeypatch, catalog, tmp_path):
    from sizer.io import hardware

    monkeypatch.setattr(hardware.platform, "system", lambda: "Linux")
    monkeypatch.setattr(nvml.platform, "system", lambda: "Linux")
    monkeypatch.setattr(hardware.amd, "_read_amd", lambda: ([], []))
    monkeypatch.setattr(nvml, "_LINUX_DRIVER_PATHS", (str(tmp_path / "nvidiactl"),))
    monkeypatch.setitem(sys.modules, "pynvml", None)  # were it imported, the warning would say "not importable"
    host = probe(catalog)
    assert host.gpus == ()
    assert [str(w) for w in host.warnings] == ["NVML unavailable: no NVIDIA driver on this host (no /dev/nvidiactl)"]


def test_a_driver_path_is_enough_to_ask_nvml(monkeypatch, tmp_path):
    (tmp_path / "dxg").touch()  # WSL 2: the GPU comes through /dev/dxg, there is no /dev/nvidiactl
    monkeypatch.setattr(nvml, "_LINUX_DRIVER_PATHS", (str(tmp_path / "nvidiactl"), str(tmp_path / "dxg")))
    monkeypatch.setattr(nvml.platform, "system", lambda: "Linux")
    assert not nvml.driver_absent()
    monkeypatch.setattr(nvml.platform, "system", lambda: "Windows")  # no paths to look at: NVML answers
    monkeypatch.setattr(nvml, "_LINUX_DRIVER_PATHS", ())
    assert not nvml.driver_absent()


def test_gpu_not_in_catalog_gets_nvml_figures_and_a_note(fake_nvml, catalog):
    future = FakeGpu(name="NVIDIA Future X200", memory_total=144 * GiB, bus_width_bits=8192, max_memory_clock_mhz=2000)
    fake_nvml(future)
    host = probe(catalog)
    (g,) = host.gpus
    assert g.catalog_id is None
    assert g.bandwidth_bytes_per_s == pytest.approx(4096e9)
    assert "'NVIDIA Future X200' is not in the catalog" in str(host.warnings[0])


def test_bytes_names_from_old_nvidia_ml_py_are_decoded(fake_nvml, catalog):
    fake_nvml(rtx4090(), names_as_bytes=True)
    assert probe(catalog).gpus[0].name == "NVIDIA GeForce RTX 4090"


def test_gpu_that_cannot_be_read_is_skipped_with_a_warning(fake_nvml, catalog):
    fake_nvml(rtx4090(0), rtx4090(1, unsupported=frozenset({"nvmlDeviceGetMemoryInfo"})))
    host = probe(catalog)
    assert [g.index for g in host.gpus] == [0]
    assert _said(host) == ("GPU 1: NVML could not read it: Not Supported",)


def test_models_dirs_follow_hf_and_ollama_environment(tmp_path):
    home = tmp_path
    assert default_models_dirs({}, home) == [
        ("huggingface", home / ".cache" / "huggingface" / "hub"),
        ("ollama", home / ".ollama" / "models"),
    ]
    env = {"HF_HOME": "/data/hf", "OLLAMA_MODELS": "/data/ollama"}
    assert [p for _, p in default_models_dirs(env, home)] == [
        hardware.Path("/data/hf/hub"),
        hardware.Path("/data/ollama"),
    ]
    env = {"HF_HOME": "/data/hf", "HF_HUB_CACHE": "/fast/hub"}
    assert default_models_dirs(env, home)[0] == ("huggingface", hardware.Path("/fast/hub"))


def test_missing_models_dir_reports_its_nearest_existing_parent(tmp_path, catalog):
    wanted = tmp_path / "not" / "yet"
    host = probe(catalog, models_dirs=[wanted, tmp_path])
    first, second = host.disks
    assert (first.path, first.requested_path, first.label) == (str(tmp_path), str(wanted), "models-dir")
    assert (second.path, second.requested_path) == (str(tmp_path), None)
    assert 0 < first.free_bytes <= first.total_bytes


def test_rocm_smi_json():
    gpus, warnings = parse_rocm_smi(
        {
            "card0": {
                "Card series": "AMD Radeon RX 7900 XTX",
                "Card model": "0x744c",
                "VRAM Total Memory (B)": "25753026560",
                "VRAM Total Used Memory (B)": "1073741824",
            },
            "card1": {"Card model": "0x1234"},
            "system": {"Driver version": "6.7"},
        }
    )
    (g,) = gpus
    assert (g.name, g.vendor, g.memory_total_bytes, g.memory_free_bytes) == (
        "AMD Radeon RX 7900 XTX",
        Vendor.AMD,
        25753026560,
        25753026560 - GiB,
    )
    assert [str(w) for w in warnings] == ["rocm-smi card1: no product name or VRAM total"]


def test_apple_silicon_from_sysctl(monkeypatch, catalog):
    outputs = {
        "machdep.cpu.brand_string": "Apple M1 Max\n",
        "hw.memsize": f"{64 * GiB}\n",
        "SPDisplaysDataType": '{"SPDisplaysDataType": [{"sppci_cores": "32"}]}',
    }
    monkeypatch.setattr(hardware.platform, "system", lambda: "Darwin")
    monkeypatch.setattr(hardware.system, "_run", lambda cmd: next((v for k, v in outputs.items() if k in cmd), None))
    host = probe(catalog)
    (g,) = host.gpus
    assert (g.name, g.vendor, g.catalog_id) == ("Apple M1 Max (32-core GPU)", Vendor.APPLE, "apple-m1-max-32c")
    assert g.memory_total_bytes == 64 * GiB
    assert host.cpu.model == "Apple M1 Max"


def test_intel_mac_has_no_apple_gpu(monkeypatch, catalog):
    monkeypatch.setattr(hardware.platform, "system", lambda: "Darwin")
    monkeypatch.setattr(hardware.system, "_run", lambda cmd: "Intel(R) Core(TM) i9-9980HK CPU @ 2.40GHz\n")
    host = probe(catalog)
    assert host.gpus == () and "no Apple Silicon GPU" in str(host.warnings[0])


def test_ram_bandwidth_is_measured():
    assert hardware.bench.measure_ram_bandwidth(4 * MiB, 2) > 0


def test_bench_without_torch_or_cupy_measures_ram_and_says_why_not_gpu(monkeypatch):
    monkeypatch.setattr(hardware.bench, "_gpu_backend", lambda: None)
    host = Host(gpus=(GpuDevice(name="NVIDIA GeForce RTX 4090", vendor="nvidia", memory_total_bytes=24 * GiB),))
    steps = []
    out = hardware.bench.bench(host, lambda *step: steps.append(step), ram_bytes=4 * MiB, repeats=2)
    assert out.measured_ram_bandwidth_bytes_per_s and out.measured_ram_bandwidth_bytes_per_s > 0
    assert out.gpus == host.gpus
    assert "neither torch nor cupy" in str(out.warnings[-1])
    assert [(str(what), done, total) for what, done, total in steps][-1] == ("system RAM copy", 2, 2)


class _FakeTorch:
    """Just enough of torch for the GPU copy benchmark, on numpy arrays."""

    uint8 = "uint8"

    class cuda:
        names = ("NVIDIA GeForce RTX 4090", "NVIDIA GeForce RTX 4090")

        @classmethod
        def device_count(cls):
            return len(cls.names)

        @classmethod
        def get_device_name(cls, i):
            return cls.names[i]

        @staticmethod
        def get_device_properties(i):
            return type("Props", (), {"uuid": f"4090-{1 - i}"})()  # torch's order differs from NVML's

        @staticmethod
        def synchronize(device):
            pass

    @staticmethod
    def device(kind, index):
        return (kind, index)

    @staticmethod
    def ones(n, dtype, device):
        import numpy as np

        class Tensor(np.ndarray):
            def copy_(self, other):
                np.copyto(self, other)

        return np.ones(n, dtype=dtype).view(Tensor)

    @staticmethod
    def empty_like(t):
        return t.copy()


def test_bench_measures_gpus_through_torch_matched_by_uuid(monkeypatch):
    monkeypatch.setattr(hardware.bench, "_gpu_backend", lambda: ("torch", _FakeTorch))
    seen = []
    real = hardware.bench._gpu_copy_bandwidth

    def measure(kind, lib, index, *rest):
        seen.append(index)
        return real(kind, lib, index, *rest)

    monkeypatch.setattr(hardware.bench, "_gpu_copy_bandwidth", measure)
    gpus = tuple(
        GpuDevice(
            index=i, name="NVIDIA GeForce RTX 4090", vendor="nvidia", uuid=f"GPU-4090-{i}", memory_total_bytes=GiB
        )
        for i in range(2)
    )
    out = hardware.bench.bench(Host(gpus=gpus), ram_bytes=MiB, gpu_bytes=MiB, repeats=1)
    assert seen == [1, 0]  # NVML GPU 0 is torch device 1
    assert all(g.bandwidth_measured and g.bandwidth_bytes_per_s > 0 for g in out.gpus)


# One bad GPU, a broken library, a hung driver (issue 10, item 7)


@pytest.mark.parametrize(
    ("bad", "warning"),
    [
        ({"name": ""}, "GPU 1: NVML reported name '' (string should have at least 1 character); left out"),
        (
            {"memory_total": 0, "memory_used": 0},
            "GPU 1 (NVIDIA GeForce RTX 4090): NVML reported memory_total_bytes 0 (input should be greater than 0); "
            "left out",
        ),
    ],
    ids=["empty name", "no memory"],
)
def test_a_gpu_without_name_or_memory_is_left_out_and_the_others_still_count(fake_nvml, catalog, bad, warning):
    fake_nvml(rtx4090(0), rtx4090(1, **bad), rtx4090(2), rtx4090(3))
    host = probe(catalog)
    assert [g.index for g in host.gpus] == [0, 2, 3]
    assert _said(host) == (warning,)


def test_used_above_total_drops_only_the_memory_in_use(fake_nvml, catalog):
    fake_nvml(rtx4090(0), rtx4090(1, memory_used=30_000 * MiB), rtx4090(2))
    host = probe(catalog)
    assert [g.index for g in host.gpus] == [0, 1, 2]
    g = host.gpus[1]
    assert (g.memory_total_bytes, g.memory_used_bytes, g.memory_free_bytes) == (24564 * MiB, None, None)
    assert _said(host) == (
        f"GPU 1 (NVIDIA GeForce RTX 4090): NVML reported {30_000 * MiB} bytes used and "
        f"{(24564 - 30_000) * MiB} free of {24564 * MiB}; memory in use unknown",
    )


def test_a_clock_of_minus_one_drops_the_clock_and_bandwidth_not_the_gpu(fake_nvml, catalog):
    fake_nvml(rtx4090(0, max_memory_clock_mhz=-1), rtx4090(1))
    host = probe(catalog)
    assert [g.index for g in host.gpus] == [0, 1]
    g = host.gpus[0]
    assert (g.max_memory_clock_mhz, g.bandwidth_bytes_per_s, g.memory_bus_width_bits) == (None, None, 384)
    assert host.gpus[1].bandwidth_bytes_per_s == pytest.approx(1008e9, rel=0.001)
    (warning,) = _said(host)
    assert warning.startswith("GPU 0 (NVIDIA GeForce RTX 4090): NVML reported bandwidth_bytes_per_s ")
    assert "max_memory_clock_mhz -1 (input should be greater than or equal to 1); ignored" in warning
    assert "\n" not in warning and "pydantic" not in warning


def test_an_oserror_while_importing_pynvml_is_a_warning(fake_nvml, monkeypatch, catalog):
    import importlib.abc

    class Broken(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name == "pynvml":
                raise OSError("libnvidia-ml.so.1: cannot open shared object file")
            return None

    fake_nvml(h100())
    monkeypatch.delitem(sys.modules, "pynvml")
    monkeypatch.setattr(sys, "meta_path", [Broken(), *sys.meta_path])
    host = probe(catalog)
    assert host.gpus == ()
    assert _said(host) == (
        "NVML library failed to load (OSError: libnvidia-ml.so.1: cannot open shared object file): "
        "NVIDIA GPUs not probed",
    )
    assert host.memory is not None


def test_a_hung_nvml_call_gives_up_with_the_gpus_read_so_far(fake_nvml, catalog, monkeypatch):
    import time

    scenario = fake_nvml(h100(0), h100(1, hangs=frozenset({"nvmlDeviceGetMemoryInfo"})), h100(2))
    monkeypatch.setattr(nvml, "NVML_TIMEOUT_S", 0.5)
    try:
        start = time.monotonic()
        host = probe(catalog)
        waited = time.monotonic() - start
    finally:
        scenario.release.set()
    assert [g.index for g in host.gpus] == [0]
    assert str(host.warnings[-1]) == "NVML did not answer within 0.5 s (a hung driver?): only 1 NVIDIA GPU(s) probed"
    assert waited < 10  # the fake would hang for 30 s


def test_cli_probe_reports_the_good_gpus_beside_a_bad_one(fake_nvml):
    from typer.testing import CliRunner

    from sizer.cli.app import app

    fake_nvml(h100(0, memory_total=0, memory_used=0), h100(1))
    result = CliRunner().invoke(app, ["probe", "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    import json

    data = json.loads(result.stdout)
    assert [g["index"] for g in data["gpus"]] == [1]
    assert any(
        w.startswith("GPU 0 (NVIDIA H100 80GB HBM3): NVML reported memory_total_bytes 0") for w in data["warnings"]
    )
