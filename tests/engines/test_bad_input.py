"""Combinations an engine cannot run, through the CLI: exit 2 and one line naming what it supports."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from sizer.cli.app import app
from sizer.io import hardware
from sizer.io.loaders import load_catalog

runner = CliRunner()
SERVER_FORMATS = "F16, BF16, FP8, INT8, AWQ, GPTQ, NF4, MXFP4 or NVFP4"


@pytest.fixture(autouse=True)
def no_gpu_here(monkeypatch):
    monkeypatch.setattr(hardware.nvml, "_read_nvml", lambda *a, **k: ([], ["NVML unavailable (test)"]), raising=False)


def _one_line_exit_2(args: list[str], *needles: str) -> str:
    result = runner.invoke(app, args, env={"COLUMNS": "200"})
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.output
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


EIGHT_B = ["estimate", "llama-3.1-8b"]


@pytest.mark.parametrize("engine", ["vllm", "sglang"])
@pytest.mark.parametrize(
    ("args", "needles"),
    [
        (["--gpu", "H100 SXM", "--quant", "Q4_K_M"], ["does not serve Q4_K_M weights", SERVER_FORMATS]),
        (["--gpu", "Apple M2 Max"], ["does not run on apple GPUs", "nvidia"]),
        (["--gpu", "H100 SXM", "--kv-cache", "q4_0"], ["has no q4_0 KV cache", "choose f16 or fp8"]),
    ],
    ids=["gguf-type", "apple-gpu", "q4_0-kv-cache"],
)
def test_gpu_servers_refuse_what_they_cannot_run(engine, args, needles):
    _one_line_exit_2([*EIGHT_B, "--engine", engine, *args], *needles)


@pytest.mark.parametrize("quant", ["AWQ", "GPTQ", "FP8"])
def test_llama_cpp_refuses_gpu_server_weights(quant):
    _one_line_exit_2([*EIGHT_B, "--gpu", "RTX 4090", "--quant", quant], f"llama.cpp does not serve {quant}", "Q4_K_M")


def test_llama_cpp_has_no_fp8_kv_cache():
    _one_line_exit_2([*EIGHT_B, "--gpu", "RTX 4090", "--kv-cache", "fp8"], "choose f16, q8_0 or q4_0")


def test_tensor_parallel_size_must_divide_the_heads():
    # Llama 3.1 8B: 32 attention heads, 8 KV heads -> 1, 2, 4 or 8 GPUs
    _one_line_exit_2(
        [*EIGHT_B, "--engine", "vllm", "--gpu", "H100 SXM", "--gpus", "3"],
        "tensor-parallel size 3",
        "32 attention and 8 KV heads",
        "use 1, 2, 4 or 8 GPUs",
    )


def test_a_layer_split_takes_any_gpu_count():
    result = runner.invoke(app, [*EIGHT_B, "--gpu", "RTX 4090", "--gpus", "3", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["gpu_count"] == 3


def test_the_default_format_follows_the_engine():
    for engine, quant in (("vllm", "BF16"), ("sglang", "BF16"), ("ollama", "Q4_K_M"), ("llama.cpp", "Q4_K_M")):
        result = runner.invoke(app, [*EIGHT_B, "--gpu", "H100 SXM", "--engine", engine, "--json"])
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)["quant"] == quant


@pytest.mark.parametrize(
    ("args", "needles"),
    [
        (["--engine", "vllm", "--quant", "Q4_K_M"], ["vLLM does not serve Q4_K_M weights", SERVER_FORMATS]),
        (["--engine", "vllm", "--kv-cache", "q4_0"], ["vLLM has no q4_0 KV cache", "choose f16 or fp8"]),
        (["--kv-cache", "fp8"], ["llama.cpp has no fp8 KV cache"]),
        (["--engine", "sglang", "--gpu", "Apple M2 Max"], ["SGLang does not run on apple GPUs"]),
    ],
)
def test_recommend_refuses_an_explicit_combination(args, needles):
    _one_line_exit_2(["recommend", *args], *needles)


def test_recommend_skips_what_the_engine_cannot_run():
    # A budget that buys 4-GPU rigs: their base system is the workstation class (data/costs.yaml).
    result = runner.invoke(app, ["recommend", "--engine", "vllm", "--budget", "12000", "--top", "20", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["needs"]["quant"] == "BF16"  # vLLM's default format
    catalog = load_catalog()
    gpus_seen = {(r["gpu"], r["gpu_count"], r["model"]) for r in data["recommendations"]}
    gpus_seen |= {(a["gpu"], a["gpu_count"], a["model"]) for a in data["alternatives"]}
    assert gpus_seen
    for gpu, count, model_id in gpus_seen:
        assert catalog.gpu(gpu).vendor != "apple"
        model = catalog.model(model_id)
        # the count divides the attention heads; the KV heads divide evenly or are copied to each GPU
        assert model.attention_heads % count == 0, (model_id, count)
        assert model.kv_heads % count == 0 or count % model.kv_heads == 0, (model_id, count)
    assert any(count == 4 for _, count, _ in gpus_seen)  # skipping is per model, not per rig size


def test_recommend_on_three_gpus_splits_only_models_three_divides():
    result = runner.invoke(
        app, ["recommend", "--engine", "vllm", "--gpu", "H100 SXM", "--gpus", "3", "--explain", "--json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    catalog = load_catalog()
    # 3 GPUs split 3k attention heads whose KV heads are 3k as well, or 1 or 3 (copied to each GPU)
    splittable = {
        m.id for m in catalog.models if m.attention_heads % 3 == 0 and (m.kv_heads % 3 == 0 or m.kv_heads in (1, 3))
    }
    assert data["hardware"] == ["3 x H100 SXM5 80GB"]
    picks = data["recommendations"]
    assert {r["model"] for r in picks if r["gpu_count"] == 3} <= splittable
    # the others run on one or two of the three, tensor parallel over as many
    assert {r["gpu_count"] for r in picks} <= {1, 2, 3} and any(r["gpu_count"] < 3 for r in picks)
    for r in picks:
        argv = r["launch"]["argv"]
        assert argv[:2] == ["vllm", "serve"] and r["kind"] == "runs here"
        assert argv[argv.index("--tensor-parallel-size") + 1] == str(r["gpu_count"])


def test_a_model_three_gpus_cannot_split_runs_on_one_of_them():
    result = runner.invoke(
        app, ["recommend", "--model", "llama-3.1-8b", "--engine", "vllm", "--gpu", "H100 SXM", "--gpus", "3", "--json"]
    )
    assert result.exit_code == 0, result.output
    here = [r for r in json.loads(result.stdout)["recommendations"] if r["kind"] == "runs here"]
    assert [(r["gpu"], r["gpu_count"]) for r in here] == [("h100-sxm", 1)]  # 16 GB of weights: one of the three


SPEC = "hardware:\n  gpus: [{name: H100 SXM}]\nworkloads:\n  - {model: llama-3.1-8b, engine: %s%s}\n"


@pytest.mark.parametrize(
    ("engine", "extra", "needle"),
    [
        ("vllm", ", quant: Q4_K_M", "vLLM does not serve Q4_K_M weights"),
        ("sglang", ", kv_cache_type: q8_0", "SGLang has no q8_0 KV cache"),
        ("llama.cpp", ", quant: AWQ", "llama.cpp does not serve AWQ weights"),
    ],
)
def test_check_calls_a_workload_its_engine_cannot_run_a_spec_error(tmp_path, engine, extra, needle):
    path = tmp_path / "spec.yaml"
    path.write_text(SPEC % (engine, extra))
    line = _one_line_exit_2(["check", str(path)], needle, "workloads[0]")
    assert str(path) in line


def test_check_defaults_to_the_engines_format(tmp_path):
    path = tmp_path / "spec.yaml"
    path.write_text(SPEC % ("vllm", ""))
    result = runner.invoke(app, ["check", str(path), "--json"])
    assert result.exit_code == 0, result.output
    (outcome,) = json.loads(result.stdout)["specs"][0]["outcomes"]
    assert "llama-3.1-8b BF16" in outcome["summary"]


def test_check_reports_a_rig_the_engine_cannot_use(tmp_path):
    path = tmp_path / "spec.yaml"
    path.write_text(
        "hardware:\n  gpus: [{name: H100 SXM, count: 3}]\nworkloads:\n  - {model: llama-3.1-8b, engine: vllm}\n"
    )
    result = runner.invoke(app, ["check", str(path), "--json"])
    assert result.exit_code == 1, result.output
    (outcome,) = json.loads(result.stdout)["specs"][0]["outcomes"]
    codes = {v["code"]: v for v in outcome["violations"]}
    split = codes["tensor-parallel-split"]
    assert split["message"].endswith("use 1, 2, 4 or 8 GPUs")
    assert split["message_code"] == {
        "code": "tensor-parallel-split",
        "model": "llama-3.1-8b",
        "gpu_count": 3,
        "attention_heads": 32,
        "kv_heads": 8,
        "gpu_counts": "1, 2, 4, 8",
    }
    assert outcome["would_pass"] == ["4 x H100 SXM5 80GB"]  # the next count tensor parallel can use


def test_check_reports_gpus_the_engine_has_no_back_end_for(tmp_path):
    path = tmp_path / "spec.yaml"
    path.write_text("hardware:\n  gpus: [{name: Apple M2 Max}]\nworkloads:\n  - {model: llama-3.1-8b, engine: vllm}\n")
    result = runner.invoke(app, ["check", str(path), "--json"])
    assert result.exit_code == 1, result.output
    (outcome,) = json.loads(result.stdout)["specs"][0]["outcomes"]
    (violation,) = [v for v in outcome["violations"] if v["code"] == "engine-no-backend"]
    assert violation["message"].startswith("vLLM does not run on apple GPUs (Apple M2 Max")
    assert violation["message"].endswith("it runs on amd, intel or nvidia")


def test_tensor_parallel_beyond_the_kv_heads_copies_them():
    # Qwen3 235B-A22B: 64 attention heads, 4 KV heads. vLLM and TensorRT-LLM serve it on 8 GPUs
    # (each KV head on two of them), so 8 is a valid split; 3 divides neither.
    from sizer.engines.base import splits_heads, tensor_parallel_sizes

    model = load_catalog().model("qwen3-235b-a22b")
    assert (model.attention_heads, model.kv_heads) == (64, 4)
    assert tensor_parallel_sizes(model) == [1, 2, 4, 8]
    assert not splits_heads(model, 3)
    for engine in ("vllm", "tensorrt-llm"):
        result = runner.invoke(
            app,
            [
                "estimate",
                "qwen3-235b-a22b",
                "--gpu",
                "H200 SXM",
                "--gpus",
                "8",
                "--engine",
                engine,
                "--quant",
                "FP8",
                "--json",
            ],
        )
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)["gpu_count"] == 8
