"""`estimate --prompt-tokens/--output-tokens` (and `--headcount`): the serving contract through the CLI."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from sizer.cli.app import app

runner = CliRunner()
FIELDS = {
    "concurrency",
    "prompt_tokens",
    "output_tokens",
    "batch_ttft_s",
    "batch_latency_s",
    "ttft_s",
    "itl_s",
    "request_latency_s",
    "output_tokens_per_s",
    "max_concurrency",
    "peak",
    "limited_by",
}
# Each engine on a GPU it runs on, with a format it serves.
ENGINES = {
    "llama.cpp": ("RTX 4090", "Q4_K_M"),
    "ollama": ("RTX 4090", "Q4_K_M"),
    "vllm": ("H100 SXM", "BF16"),
    "sglang": ("H100 SXM", "FP8"),
    "tensorrt-llm": ("H100 SXM", "FP8"),
}


def _json(args: list[str]) -> dict:
    result = runner.invoke(app, ["estimate", *args, "--json"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


@pytest.mark.parametrize("engine", list(ENGINES))
def test_every_engine_gives_the_serving_object(engine):
    gpu, quant = ENGINES[engine]
    args = ["llama-3.1-8b", "--gpu", gpu, "--engine", engine, "--quant", quant, "--batch", "16"]
    d = _json([*args, "--context", "2048", "--prompt-tokens", "1000", "--output-tokens", "200"])
    s = d["serving"]
    assert set(s) == FIELDS
    assert (s["concurrency"], s["prompt_tokens"], s["output_tokens"]) == (16, 1000, 200)
    for key in ("batch_ttft_s", "batch_latency_s", "ttft_s", "itl_s", "request_latency_s", "output_tokens_per_s"):
        assert s[key] > 0, key
    assert s["batch_latency_s"] > s["batch_ttft_s"]
    assert s["request_latency_s"] > s["ttft_s"]
    assert s["peak"]["output_tokens_per_s"] >= s["output_tokens_per_s"]
    assert s["max_concurrency"] > 16
    # aggregate_tokens_per_s keeps its meaning: --batch sequences decoding at --context
    assert d["aggregate_tokens_per_s"] > d["decode_tokens_per_s"]


def test_without_the_token_flags_there_is_no_serving_object():
    d = _json(["llama-3.1-8b", "--gpu", "RTX 4090"])
    assert d.get("serving") is None


def test_gpu_memory_utilization_is_taken_and_echoed():
    base = ["llama-3.1-8b", "--gpu", "A100 80GB SXM", "--engine", "vllm", "--prompt-tokens", "512"]
    wide = _json([*base, "--output-tokens", "512"])
    narrow = _json([*base, "--output-tokens", "512", "--gpu-memory-utilization", "0.5"])
    assert narrow["assumptions"]["vllm"]["gpu_memory_utilization_frac"] == 0.5
    assert narrow["serving"]["max_concurrency"] < wide["serving"]["max_concurrency"] / 2


def test_headcount_gives_the_capacity_object():
    rig = ["qwen3-32b", "--gpu", "L40S", "--gpus", "2", "--engine", "vllm", "--prompt-tokens", "800"]
    d = _json([*rig, "--output-tokens", "300", "--headcount", "150", "--requests-per-hour", "10", "--max-ttft", "2"])
    c = d["capacity"]
    for key in ("headcount", "arrival_rate_per_s", "ttft_p50_s", "ttft_p95_s", "itl_p95_s", "peak_concurrency"):
        assert key in c
    assert c["arrival_rate_per_s"] == pytest.approx(150 * 10 / 3600)
    assert c["meets_slo"] is (c["max_headcount_at_slo"] >= 150)


def test_the_command_lets_the_engine_run_the_busy_hours_peak():
    # The busy hour ran up to its peak at once; a launch line that caps vLLM at --batch (1) would not.
    rig = ["llama-3.1-8b", "--gpu", "RTX 4090", "--engine", "vllm", "--prompt-tokens", "800", "--output-tokens", "300"]
    d = _json([*rig, "--headcount", "200", "--requests-per-hour", "6"])
    peak = d["capacity"]["peak_concurrency"]
    assert peak > 1
    argv = d["launch"]["argv"]
    assert int(argv[argv.index("--max-num-seqs") + 1]) == peak
    assert f"--max-num-seqs {peak}" in d["command"]


def test_llama_cpp_slots_grow_to_the_peak_only_where_the_memory_holds_them():
    base = ["--engine", "llama.cpp", "--prompt-tokens", "800", "--output-tokens", "300", "--headcount", "200"]
    roomy = _json(["llama-3.1-8b", "--gpu", "RTX 4090", *base, "--requests-per-hour", "6"])
    argv = roomy["launch"]["argv"]
    peak = roomy["capacity"]["peak_concurrency"]
    assert int(argv[argv.index("-np") + 1]) == peak > 1
    assert int(argv[argv.index("-c") + 1]) == peak * roomy["context"]
    # 70B on two 24 GB cards at 16K context: no room for a second full-context slot, so -np stays 1
    full = _json(
        ["llama-3.1-70b", "--gpu", "RTX 4090", "--gpus", "2", "--context", "16384", *base, "--requests-per-hour", "6"]
    )
    assert full["capacity"]["peak_concurrency"] > 1
    argv = full["launch"]["argv"]
    assert argv[argv.index("-np") + 1] == "1"


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        (["--prompt-tokens", "0", "--output-tokens", "10"], "--prompt-tokens must be >= 1"),
        (["--prompt-tokens", "-5", "--output-tokens", "10"], "--prompt-tokens"),
        (["--prompt-tokens", "100"], "go together"),
        (["--prompt-tokens", "100000", "--output-tokens", "100000"], "exceed"),
        (["--prompt-tokens", "10", "--output-tokens", "10", "--headcount", "50"], "--requests-per-hour"),
        (["--prompt-tokens", "10", "--output-tokens", "10", "--gpu-memory-utilization", "1.5"], "<= 1"),
    ],
)
def test_bad_serving_input_is_one_line_and_exit_2(extra, needle):
    result = runner.invoke(app, ["estimate", "llama-3.1-8b", "--gpu", "H100 SXM", "--engine", "vllm", *extra])
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0], result.output


def test_memory_share_is_refused_for_llama_cpp():
    args = ["estimate", "llama-3.1-8b", "--gpu", "RTX 4090", "--gpu-memory-utilization", "0.8"]
    result = runner.invoke(app, args)
    assert result.exit_code == 2 and "vLLM" in result.output


def test_tensorrt_llm_takes_its_kv_share_of_the_free_memory_not_of_the_gpu():
    # Llama 3 70B in F16 on 4 x A100 40GB: 131 GiB of weights leave about 1 GiB per GPU free.
    # vLLM's 0.9 of each whole GPU (36 GiB) is less than a GPU's share of the weights, so it does
    # not load; TensorRT-LLM (measured on this rig: Argonne's LLM-Inference-Bench) takes 0.9 of
    # what is free after the weights and activations for its KV cache.
    args = ["llama-3-70b", "--gpu", "A100 40GB SXM4", "--gpus", "4", "--quant", "F16", "--context", "256"]
    args += ["--batch", "16", "--prompt-tokens", "128", "--output-tokens", "128"]
    trt = _json([*args, "--engine", "tensorrt-llm"])
    assert trt["fits"] is True
    assert _json([*args, "--engine", "vllm"])["fits"] is False
    m = trt["memory_bytes"]
    free = 4 * 40 * 2**30 - m["weights"] - m["overhead"]
    per_request = 256 * 80 * 8 * 128 * 2 * 2  # tokens x layers x KV heads x head dim x (K, V) x 2 bytes
    assert trt["serving"]["max_concurrency"] == pytest.approx(0.9 * free / per_request, rel=1e-6)
