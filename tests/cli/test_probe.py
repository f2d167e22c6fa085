"""`sizer probe` and `sizer estimate --hardware` through typer's CliRunner (no GPU, no network)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from sizer.cli.app import app
from sizer.io import hardware
from sizer.units import GiB, MiB
from tests.fakes.pynvml import FakeGpu, NVMLError_DriverNotLoaded, h100, rtx4090

runner = CliRunner()
WIDE = {"COLUMNS": "250"}
GPU_CONTRACT = {
    "index",
    "name",
    "vendor",
    "uuid",
    "memory_total_bytes",
    "memory_free_bytes",
    "bandwidth_bytes_per_s",
    "catalog_id",
}


def run(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False, env=WIDE)


def test_real_probe_on_this_machine_exits_0():
    result = run("probe")
    assert result.exit_code == 0, result.output
    assert "This machine" in result.output and "Answer:" in result.output
    if "GPUs" not in result.output:  # this machine has no GPU
        assert "CPU-only" in result.output


def test_no_nvidia_driver_is_cpu_only_and_exit_0(fake_nvml):
    fake_nvml(init_error=NVMLError_DriverNotLoaded)
    result = run("probe")
    assert result.exit_code == 0, result.output
    assert "CPU-only" in result.output
    assert "warning: NVML unavailable: Driver Not Loaded" in result.output
    assert "on the CPU" in result.output


def test_json_is_the_versioned_document(fake_nvml):
    fake_nvml(h100(0), h100(1))
    result = run("probe", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["schema"] == "sizer.probe/1"
    assert set(data) >= {"schema", "os", "cpu", "memory", "disks", "gpus", "warnings"}
    assert set(data["cpu"]) >= {"model", "physical_cores", "logical_cores", "arch"}
    assert [set(g) >= GPU_CONTRACT for g in data["gpus"]] == [True, True]
    first = data["gpus"][0]
    assert (first["catalog_id"], first["vendor"], first["memory_total_bytes"]) == ("h100-sxm", "nvidia", 81559 * MiB)
    assert isinstance(first["memory_free_bytes"], int)
    assert data["warnings"] == []


def test_report_shows_catalog_beside_nvml_and_the_answer(fake_nvml):
    fake_nvml(h100(0), h100(1))
    result = run("probe")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "NVIDIA H100 80GB HBM3" in out and "h100-sxm: 80 GiB, 3,350 GB/s" in out and "3,352 GB/s" in out
    assert "driver 550.54.15, CUDA 12.4" in out and "gen 5 x16" in out and "18 links" in out
    assert "2 x H100 SXM5 80GB" in out and "fits fully" in out
    assert out.rstrip().splitlines()[-1].startswith("Answer: the largest model at >= 10 tok/s is")


def test_report_says_how_much_is_held_and_judges_fit_on_free_vram(fake_nvml):
    fake_nvml(rtx4090(0), rtx4090(1, process_bytes=(12 * GiB, 6 * GiB)))
    result = run("probe")
    assert result.exit_code == 0, result.output
    assert "18.29 GiB by 2 processes" in result.output
    assert "fit judged against free VRAM: 23.70 GiB, 5.70 GiB" in result.output


def test_unknown_gpu_still_gets_an_answer(fake_nvml):
    fake_nvml(FakeGpu(name="NVIDIA Future X200", memory_total=96 * GiB, bus_width_bits=6144, max_memory_clock_mhz=2600))
    result = run("probe")
    assert result.exit_code == 0, result.output
    assert "not in catalog" in result.output and "Answer: the largest model" in result.output


def test_unknown_gpu_without_bandwidth_is_a_warning_not_an_error(fake_nvml):
    unsupported = frozenset({"nvmlDeviceGetMemoryBusWidth", "nvmlDeviceGetMaxClockInfo"})
    fake_nvml(FakeGpu(name="NVIDIA Mystery", memory_total=32 * GiB, unsupported=unsupported))
    result = run("probe")
    assert result.exit_code == 0, result.output
    assert "'NVIDIA Mystery' is not in the catalog and has no bandwidth_bytes_per_s" in result.output
    assert "no estimates for it" in result.output and "on the CPU" in result.output
    estimate = run("estimate", "llama-3.1-8b")
    assert estimate.exit_code == 2 and "has no bandwidth_bytes_per_s" in estimate.stderr


def test_bench_measures_ram_with_progress(fake_nvml, monkeypatch):
    fake_nvml()
    monkeypatch.setattr(hardware.bench, "BENCH_RAM_BYTES", 4 * MiB)
    monkeypatch.setattr(hardware.bench, "BENCH_REPEATS", 2)
    result = run("probe", "--bench", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["measured_ram_bandwidth_bytes_per_s"] > 0


def _probe_file(tmp_path, fake_nvml, *gpus):
    fake_nvml(*gpus)
    result = run("probe", "--json")
    path = tmp_path / "server.json"
    path.write_text(result.stdout)
    fake_nvml(init_error=NVMLError_DriverNotLoaded)  # the other machine has no GPU
    return path


def test_probe_json_round_trips_through_estimate_hardware(tmp_path, fake_nvml):
    path = _probe_file(tmp_path, fake_nvml, h100(0, process_bytes=(70 * GiB,)), h100(1))
    result = run("estimate", "llama-3.3-70b", "--hardware", str(path), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["gpu"], data["gpu_count"], data["fits"]) == ("h100-sxm", 2, True)
    assert data["available_bytes"] == 2 * 81559 * MiB  # a file describes the hardware: capacity, not free memory


def test_estimate_on_this_machine_judges_free_vram(fake_nvml):
    fake_nvml(h100(0, process_bytes=(70 * GiB,)), h100(1))
    data = json.loads(run("estimate", "llama-3.1-8b", "--json").stdout)
    assert (data["gpu"], data["gpu_count"]) == ("h100-sxm", 2)
    assert data["available_bytes"] == 2 * (81559 * MiB - 4 * MiB - 70 * GiB)


def test_estimate_without_gpu_on_a_cpu_only_machine_is_exit_2(fake_nvml):
    fake_nvml(init_error=NVMLError_DriverNotLoaded)
    result = run("estimate", "llama-3.1-8b")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: no GPU in this machine") and result.stderr.count("\n") == 1


def test_hand_written_file_describes_a_gpu_the_catalog_lacks(tmp_path):
    path = tmp_path / "acme.json"
    gpu = {"name": "Acme X1", "memory_total_bytes": 51539607552, "bandwidth_bytes_per_s": 1.2e12}
    path.write_text(json.dumps({"gpus": [gpu]}))
    result = run("estimate", "llama-3.1-8b", "--hardware", str(path), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["gpu"], data["fits"], data["available_bytes"]) == ("acme-x1", True, 51539607552)
    table = run("estimate", "llama-3.1-8b", "--hardware", str(path))
    assert "Acme X1, 48 GiB, 1200 GB/s" in table.output


def test_hand_written_yaml_with_a_catalog_gpu(tmp_path):
    path = tmp_path / "box.yaml"
    path.write_text("gpus:\n  - name: NVIDIA GeForce RTX 4090\n    memory_total_bytes: 25757220864\n")
    data = json.loads(run("estimate", "llama-3.1-8b", "--hardware", str(path), "--json").stdout)
    assert data["gpu"] == "rtx-4090"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"gpus": [{"name": "Acme X1"}]}', "gpus[0].memory_total_bytes: Field required"),
        ("{not json", "invalid JSON"),
        ('{"gpus": []}', "no GPU in"),
    ],
)
def test_bad_hardware_file_is_one_line_and_exit_2(tmp_path, text, message):
    path = tmp_path / "server.json"
    path.write_text(text)
    result = run("estimate", "llama-3.1-8b", "--hardware", str(path))
    assert result.exit_code == 2
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"error: {path}") or line.startswith("error: no GPU in")
    assert message in line


def test_exact_error_line_for_a_missing_field(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "server.json").write_text('{"gpus": [{"name": "Acme X1"}]}')
    result = run("estimate", "llama-3.1-8b", "--hardware", "server.json")
    assert result.stderr == "error: server.json: gpus[0].memory_total_bytes: Field required\n"


def test_gpu_and_hardware_together_is_exit_2(tmp_path):
    path = tmp_path / "server.json"
    path.write_text("{}")
    result = run("estimate", "llama-3.1-8b", "--gpu", "RTX 4090", "--hardware", str(path))
    assert result.exit_code == 2 and "not both" in result.stderr
