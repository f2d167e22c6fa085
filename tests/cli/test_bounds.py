"""Numbers out of range, NaN and odd paths in flags and hardware files: one `error:` line, exit 2.

Each case here used to hang, exit 3 with a traceback or a pydantic dump, or answer nonsense.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sizer.cli.app import app
from tests.sources.files import TINY_LLAMA, tiny_llama_gguf, write_model_dir

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[2]
EST = ["estimate", "llama-3.1-8b", "--gpu", "RTX 4090"]
REC = ["recommend", "--gpu", "RTX 4090"]


def _one_error_line(args: list[str]) -> str:
    result = runner.invoke(app, args, catch_exceptions=False)
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1, result.stderr
    return result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([*EST, "--gpus", "1000000000"], "--gpus must be <= 4,096, got 1000000000"),
        ([*EST, "--gpus", "100000"], "--gpus must be <= 4,096"),
        (["estimate", "llama-3.1-8b", "--gpu", "100000x RTX 4090"], "GPU count must be from 1 to 4096, got 100000"),
        ([*EST, "--context", str(10**30)], f"--context must be <= 134,217,728, got {10**30}"),
        ([*EST, "--context", "1000000000000"], "--context must be <= 134,217,728"),
        ([*EST, "--batch", "100000000"], "--batch must be <= 65,536"),
        (["catalog", "models", "--context", str(10**12)], "--context must be <= 134,217,728"),
        ([*REC, "--users", "10000000"], "--users must be <= 65,536"),
        ([*REC, "--top", str(10**24)], "--top must be <= 10,000"),
        ([*REC, "--gpus", "1000000000"], "--gpus must be <= 4,096"),
        (["recommend", "--budget", "nan"], "--budget must be a finite number, got nan"),
        (["recommend", "--budget", "-5"], "--budget must be >= 0, got -5"),
        (["recommend", "--budget", "1e12"], "--budget must be <= 1e+09, got 1e+12"),
        (["recommend", "--budget", "inf"], "--budget must be a finite number, got inf"),
        (["recommend", "--max-power", "-5"], "--max-power must be > 0, got -5"),
        (["recommend", "--max-power", "0"], "--max-power must be > 0, got 0"),
        (["recommend", "--max-power", "nan"], "--max-power must be a finite number"),
        (["recommend", "--min-tokens-per-s", "nan"], "--min-tokens-per-s must be a finite number"),
        (["recommend", "--min-tokens-per-s", "1e9"], "--min-tokens-per-s must be <= 1e+06"),
        (["recommend", "--min-quality", "nan"], "--min-quality must be a finite number"),
        (["recommend", "--min-quality", "150"], "--min-quality must be <= 100, got 150"),
        (["recommend", "--years", "0"], "--years must be > 0, got 0"),
        (["recommend", "--years", "nan"], "--years must be a finite number"),
        (["recommend", "--kwh-price", "nan"], "--kwh-price must be a finite number"),
        (["recommend", "--kwh-price", "-1"], "--kwh-price must be >= 0"),
        (["recommend", "--utilisation", "nan"], "--utilisation must be a finite number"),
        (["recommend", "--utilisation", "0"], "--utilisation must be > 0"),
        (["recommend", "--utilisation", "1.5"], "--utilisation must be <= 1"),
        (["recommend", "--base-price", "nan"], "--base-price must be a finite number"),
        (["recommend", "--base-price", "1e300"], "--base-price must be <= 1e+09"),
    ],
    ids=lambda v: " ".join(v) if isinstance(v, list) else None,
)
def test_flag_out_of_range_is_one_line_and_exit_2(args, message):
    assert message in _one_error_line(args)


def test_a_billion_gpus_is_refused_at_once_in_a_fresh_process():
    """--gpus 1000000000 built a billion-entry rig (1.9 GB, minutes); now it is refused before any work."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "sizer", *EST, "--gpus", "1000000000"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=60,
    )
    assert result.returncode == 2 and result.stderr == "error: --gpus must be <= 4,096, got 1000000000\n"


def test_the_largest_allowed_values_still_answer():
    result = runner.invoke(app, [*EST, "--gpus", "4096", "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["gpu_count"] == 4096
    result = runner.invoke(app, [*EST, "--context", str(2**27), "--batch", str(2**16), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["fits"] is False
    kwh = runner.invoke(app, [*REC, "--kwh-price", "0", "--top", "1", "--json"], catch_exceptions=False)
    assert kwh.exit_code == 0, kwh.output


# Hardware files


def _hardware(tmp_path: Path, gpu: dict | None = None, text: str | None = None, suffix: str = ".json") -> str:
    path = tmp_path / f"hw{suffix}"
    base = {"name": "NVIDIA GeForce RTX 4090", "memory_total_bytes": 25757220864}
    path.write_text(text if text is not None else json.dumps({"gpus": [{**base, **(gpu or {})}]}))
    return str(path)


@pytest.mark.parametrize(
    ("gpu", "message"),
    [
        ({"memory_total_bytes": 2**80}, "gpus[0].memory_total_bytes: Input should be less than or equal to"),
        ({"memory_free_bytes": 2**80}, "gpus[0].memory_free_bytes: Input should be less than or equal to"),
        ({"bandwidth_bytes_per_s": 5e-324}, "gpus[0].bandwidth_bytes_per_s: Input should be greater than or equal"),
        ({"bandwidth_bytes_per_s": 1e300}, "gpus[0].bandwidth_bytes_per_s: Input should be less than or equal"),
        ({"fp16_tflops": 1e-300}, "gpus[0].fp16_tflops: Input should be greater than or equal"),
        ({"power_limit_w": -1}, "gpus[0].power_limit_w: Input should be greater than 0"),
        ({"max_memory_clock_mhz": -1}, "gpus[0].max_memory_clock_mhz: Input should be greater than or equal to 1"),
    ],
    ids=lambda v: next(iter(v)) if isinstance(v, dict) else None,
)
def test_hardware_file_numbers_out_of_range(tmp_path, gpu, message):
    path = _hardware(tmp_path, gpu)
    assert _one_error_line(["estimate", "llama-3.1-8b", "--hardware", path]).startswith(f"error: {path}: {message}")


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_hardware_file_nan_and_infinity(tmp_path, literal):
    gpu = f'{{"name": "X", "memory_total_bytes": 1000000000, "bandwidth_bytes_per_s": {literal}}}'
    text = f'{{"gpus": [{gpu}]}}'
    path = _hardware(tmp_path, text=text)
    message = _one_error_line(["estimate", "llama-3.1-8b", "--hardware", path])
    assert message == f"error: {path}: gpus[0].bandwidth_bytes_per_s: Input should be a finite number\n"


def test_hardware_file_with_more_gpus_than_any_system(tmp_path):
    gpu = {"name": "NVIDIA GeForce RTX 4090", "memory_total_bytes": 25757220864}
    path = _hardware(tmp_path, text=json.dumps({"gpus": [gpu] * 4097}))
    assert "gpus: Tuple should have at most 4096 items" in _one_error_line(
        ["estimate", "llama-3.1-8b", "--hardware", path]
    )


@pytest.mark.parametrize("suffix", [".json", ".yaml"])
def test_hardware_file_nested_a_thousand_deep(tmp_path, suffix):
    path = _hardware(tmp_path, text='{"gpus": ' + "[" * 1000 + "]" * 1000 + "}", suffix=suffix)
    message = _one_error_line(["estimate", "llama-3.1-8b", "--hardware", path])
    assert message.startswith(f"error: {path}:") and "nested" in message  # YAML names the line too


def test_hardware_file_nested_past_the_recursion_limit(tmp_path):
    path = _hardware(tmp_path, text='{"os": ' + "[" * 100_000 + "]" * 100_000 + "}")
    assert _one_error_line(["estimate", "llama-3.1-8b", "--hardware", path]) == (
        f"error: {path}: nested too deeply for a hardware file\n"
    )


# Paths


@pytest.mark.parametrize("kind", ["gguf", "directory"])
def test_path_with_a_byte_that_is_not_utf8(tmp_path, kind):
    name = os.fsdecode(b"model-\xff" + (b".gguf" if kind == "gguf" else b""))
    path = tmp_path / name
    tiny_llama_gguf(path) if kind == "gguf" else write_model_dir(path, TINY_LLAMA)
    for command in (["estimate", str(path), "--gpu", "RTX 4090"], ["catalog", "add", str(path)]):
        message = _one_error_line(command)
        assert "model-\\udcff" in message and "not valid UTF-8; rename" in message


def test_index_naming_a_file_too_long_for_the_file_system(tmp_path):
    directory = write_model_dir(tmp_path / "m", TINY_LLAMA, shards=2)
    index_path = directory / "model.safetensors.index.json"
    index = json.loads(index_path.read_text())
    first = next(iter(index["weight_map"]))
    index["weight_map"][first] = "a" * 300 + ".safetensors"
    index_path.write_text(json.dumps(index))
    assert _one_error_line(["estimate", str(directory), "--gpu", "RTX 4090"]) == (
        f"error: {index_path}: names a file that cannot be opened: File name too long\n"
    )
