"""`sizer estimate` through typer's CliRunner: the JSON contract, the table, and bad input."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from sizer.cli.app import app
from sizer.units import GiB

runner = CliRunner()
CONTRACT = {
    "model",
    "quant",
    "context",
    "batch",
    "engine",
    "gpu",
    "gpu_count",
    "memory_bytes",
    "available_bytes",
    "fits",
    "decode_tokens_per_s",
    "prefill_tokens_per_s",
}


def run(*args: str):
    return runner.invoke(app, ["estimate", *args], catch_exceptions=False)


def test_json_contract():
    result = run("llama-3.1-8b", "--gpu", "NVIDIA GeForce RTX 4090", "--context", "8192", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert set(data) >= CONTRACT
    assert (data["model"], data["gpu"], data["quant"], data["engine"]) == (
        "llama-3.1-8b",
        "rtx-4090",
        "Q4_K_M",
        "llama.cpp",
    )
    assert (data["context"], data["batch"], data["gpu_count"]) == (8192, 1, 1)
    mem = data["memory_bytes"]
    assert set(mem) == {"weights", "kv_cache", "overhead", "total"}
    assert all(isinstance(v, int) for v in mem.values())
    assert mem["kv_cache"] == GiB
    assert mem["total"] == mem["weights"] + mem["kv_cache"] + mem["overhead"]
    assert data["fits"] is True and data["offload"] is None
    assert data["decode_tokens_per_s"] > 0 and data["prefill_tokens_per_s"] > 0


def test_json_carries_offload_when_it_does_not_fit():
    result = run("llama-3.1-70b", "--gpu", "RTX 4090", "--json")
    data = json.loads(result.output)
    assert data["fits"] is False
    assert data["offload"]["gpu_layers"] < data["offload"]["total_layers"] == 80
    assert data["offload"]["cpu_bytes"] > 0


def test_count_prefix_and_gpus_flag():
    a = json.loads(run("llama-3.1-70b", "--gpu", "2x RTX 4090", "--json").output)
    b = json.loads(run("llama-3.1-70b", "--gpu", "RTX 4090", "--gpus", "2", "--json").output)
    assert a["gpu_count"] == b["gpu_count"] == 2
    assert len(a["per_gpu_bytes"]) == 2


def test_table_shows_gib_and_what_limits_speed():
    result = run("llama-3.1-8b", "--gpu", "RTX 4090")
    assert result.exit_code == 0, result.output
    assert "GiB" in result.output
    assert "Limited by" in result.output
    assert "tok/s" in result.output


def test_vllm_engine_and_quant_synonym():
    data = json.loads(run("llama-3.1-8b", "--gpu", "H100 SXM", "--engine", "vllm", "--quant", "bf16", "--json").output)
    assert (data["engine"], data["quant"]) == ("vllm", "BF16")


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["no-such-model", "--gpu", "RTX 4090"], "unknown model"),
        (["llama-3.1-8b", "--gpu", "RTX 9999"], "unknown GPU"),
        (["llama-3.1-8b", "--gpu", "RTX 4090", "--quant", "Q4_K_X"], "did you mean"),
        (["llama-3.1-8b", "--gpu", "RTX 4090", "--context", "0"], "--context must be >= 1"),
        (["llama-3.1-8b", "--gpu", "RTX 4090", "--context", "-5"], "--context must be >= 1"),
        (["llama-3.1-8b", "--gpu", "RTX 4090", "--batch", "0"], "--batch must be >= 1"),
        (["llama-3.1-8b", "--gpu", "RTX 4090", "--gpus", "0"], "--gpus must be >= 1"),
        (["llama-3.1-8b", "--gpu", "RTX 4090", "--engine", "tgi"], "unknown engine"),
        (["llama-3.1-8b", "--gpu", "RTX 4090", "--kv-cache", "q3"], "unknown KV cache type"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args, needle):
    result = runner.invoke(app, ["estimate", *args])
    assert result.exit_code == 2, result.output
    assert needle in result.output
    assert "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_without_gpu_on_a_machine_without_one_asks_for_gpu(monkeypatch):
    from sizer.io import hardware

    monkeypatch.setattr(hardware.nvml, "_read_nvml", lambda: ([], ["NVML unavailable: no driver"]))
    result = runner.invoke(app, ["estimate", "llama-3.1-8b"])
    assert result.exit_code == 2
    assert "--gpu" in result.output
