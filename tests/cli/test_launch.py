"""The commands `recommend` and `estimate` print, through the CLI: they start what was sized."""

from __future__ import annotations

import json
import shlex

import pytest
from typer.testing import CliRunner

from sizer.cli.app import app
from sizer.engines.base import has_fp8
from sizer.io import hardware
from sizer.io.loaders import load_catalog

runner = CliRunner()
CATALOG = load_catalog()


@pytest.fixture(autouse=True)
def no_gpu_here(monkeypatch):
    monkeypatch.setattr(hardware.nvml, "_read_nvml", lambda *a, **k: ([], ["NVML unavailable (test)"]), raising=False)


def run(*args: str) -> dict:
    result = runner.invoke(app, list(args), env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _flag(argv: list[str], name: str) -> str:
    return argv[argv.index(name) + 1]


def test_scenario_5_vllm_commands_name_the_sized_weights():
    data = run("recommend", "--engine", "vllm", "--use-case", "chat", "--users", "20", "--budget", "15000", "--json")
    picks = data["recommendations"]
    assert picks
    for pick in picks:
        model = CATALOG.model(pick["model"])
        argv = pick["launch"]["argv"]
        assert argv[:2] == ["vllm", "serve"], pick["command"]
        assert shlex.split(pick["command"]) == argv
        # The repository holds the weights in the chosen format (per the catalog's repos), or, for
        # FP8 on a GPU with FP8 units, the 16-bit repository quantized at load.
        held = argv[2] == model.repos.get(pick["quant"])
        at_load = pick["quant"] == "FP8" and argv[2] == model.repos.BF16 and argv[3:5] == ["--quantization", "fp8"]
        assert held or (at_load and has_fp8(CATALOG.gpu(pick["gpu"]))), (pick["model"], pick["quant"], argv)
        assert model.native_format is None or "--quantization" not in argv
        assert _flag(argv, "--max-model-len") == str(data["needs"]["context"])
        assert int(_flag(argv, "--max-num-seqs")) >= 20
        tp = int(_flag(argv, "--tensor-parallel-size"))
        assert tp == pick["gpu_count"]
        assert model.attention_heads % tp == 0 and model.kv_heads % tp == 0
        assert "--gpu-memory-utilization" in argv and "--kv-cache-dtype" in argv


def test_awq_sizing_never_points_at_16_bit_weights():
    data = run("recommend", "--engine", "vllm", "--quant", "AWQ", "--use-case", "chat", "--gpu", "RTX 4090", "--json")
    assert data["recommendations"]
    for pick in data["recommendations"]:
        awq = CATALOG.model(pick["model"]).repos.AWQ
        if awq:
            assert pick["launch"]["argv"][2] == awq
        else:  # no AWQ repository: said so, no pretend command
            assert pick["command"] is None and pick["launch"]["argv"] == []
            assert pick["launch"]["no_command_code"]["code"] == "no-weights-repo"
            assert pick["launch"]["no_command"].startswith("no command: ")


@pytest.mark.parametrize("gpu", ["RTX 3090", "Radeon RX 7900 XTX"])
def test_no_fp8_at_load_without_fp8_units(gpu):
    data = run("recommend", "--engine", "vllm", "--quant", "FP8", "--use-case", "chat", "--gpu", gpu, "--json")
    for pick in data["recommendations"]:
        assert "--quantization" not in pick["launch"]["argv"], pick["command"]


def test_gpt_oss_never_gets_fp8_at_load():
    data = run("estimate", "gpt-oss-20b", "--engine", "vllm", "--quant", "FP8", "--gpu", "H100 SXM5 80GB", "--json")
    assert data["command"] is None and data["launch"]["argv"] == []
    assert data["launch"]["no_command_code"]["model"] == "gpt-oss-20b"


def test_ollama_at_32k_sets_the_context():
    data = run(
        "recommend", "--engine", "ollama", "--use-case", "chat", "--context", "32768", "--gpu", "RTX 4090", "--json"
    )
    assert data["recommendations"]
    for pick in data["recommendations"]:
        env = pick["launch"]["env"]
        assert env["OLLAMA_CONTEXT_LENGTH"] == "32768" and "OLLAMA_NUM_PARALLEL" in env
        assert pick["command"].startswith("OLLAMA_CONTEXT_LENGTH=32768 ")
        model = CATALOG.model(pick["model"])
        name = pick["launch"]["argv"][-1]
        assert name == model.ollama or name.startswith(f"hf.co/{model.repos.GGUF}:")


def test_vision_picks_on_llama_cpp_load_the_projector():
    data = run("recommend", "--use-case", "vision", "--users", "2", "--budget", "10000", "--top", "6", "--json")
    assert data["recommendations"]
    for pick in data["recommendations"]:
        argv = pick["launch"]["argv"]
        assert argv[0] == "llama-server" and "--mmproj-url" in argv, pick["command"]
        assert _flag(argv, "--mmproj-url").endswith(".gguf")
    # a chat pick of the same vision models serves text: no projector in its command
    chat = run("recommend", "--use-case", "chat", "--users", "2", "--gpu", "RTX 4060", "--top", "20", "--json")
    gemmas = [p for p in chat["recommendations"] if p["model"].startswith("gemma-3-")]
    assert gemmas, [p["model"] for p in chat["recommendations"]]
    assert all("--mmproj-url" not in p["launch"]["argv"] for p in gemmas)
    # a vision model whose projector file the catalog does not name is left out, and says why
    reasons = {e["model"]: e["reason"] for e in data["excluded"]}
    assert reasons["llama-4-maverick"] == (
        "the catalog names no vision projector file for it, so llama.cpp would serve it text only"
    )


def test_estimate_json_carries_the_launch_spec_and_its_shell_line():
    data = run("estimate", "qwen2.5-7b", "--gpu", "RTX 4090", "--context", "8192", "--batch", "3", "--json")
    assert data["launch"]["argv"] == [
        "llama-server", "-hf", "bartowski/Qwen2.5-7B-Instruct-GGUF:Q4_K_M", "-ngl", "99", "-c", "24576", "-np", "3",
        "--flash-attn", "on",
    ]  # fmt: skip
    assert data["launch"]["env"] == {} and data["command"] == shlex.join(data["launch"]["argv"])
    table = runner.invoke(app, ["estimate", "qwen2.5-7b", "--gpu", "RTX 4090"], env={"COLUMNS": "200"})
    assert "llama-server -hf bartowski/Qwen2.5-7B-Instruct-GGUF:Q4_K_M" in table.stdout


def test_estimate_with_vllm_names_the_awq_repository():
    data = run("estimate", "llama-3.1-8b", "--engine", "vllm", "--quant", "AWQ", "--gpu", "RTX 4090", "--json")
    assert data["launch"]["argv"][:3] == ["vllm", "serve", "hugging-quants/Meta-Llama-3.1-8B-Instruct-AWQ-INT4"]
    assert _flag(data["launch"]["argv"], "--max-model-len") == "4096"


def test_a_model_released_low_bit_is_sized_in_its_own_format_on_vllm():
    # DeepSeek-V3's only official weights are FP8: sizing BF16 would buy memory for weights that do
    # not exist and print no command.
    data = run("estimate", "deepseek-v3", "--gpu", "H200 SXM", "--gpus", "8", "--engine", "vllm", "--json")
    assert data["quant"] == "FP8"
    assert data["launch"]["argv"][:3] == ["vllm", "serve", "deepseek-ai/DeepSeek-V3"]
    assert "--quantization" not in data["launch"]["argv"]
    oss = run("estimate", "gpt-oss-20b", "--gpu", "RTX 4090", "--engine", "vllm", "--json")
    assert oss["quant"] == "MXFP4" and oss["launch"]["argv"][2] == "openai/gpt-oss-20b"
    # An explicit format is still sized as asked. llama.cpp sizes gpt-oss in MXFP4 too (the one file
    # of ggml-org's GGUF), and DeepSeek-V3 in its GGUF default (FP8 is no GGUF type).
    asked = run("estimate", "deepseek-v3", "--gpu", "H200 SXM", "--gpus", "8", "--engine", "vllm", "--quant", "BF16",
                "--json")  # fmt: skip
    assert asked["quant"] == "BF16" and asked["launch"]["argv"] == []
    gguf = run("estimate", "gpt-oss-20b", "--gpu", "RTX 4090", "--json")
    assert gguf["quant"] == "MXFP4" and "ggml-org/gpt-oss-20b-GGUF:MXFP4" in gguf["launch"]["argv"]
    deepseek = run("estimate", "deepseek-v3", "--gpu", "H200 SXM", "--gpus", "8", "--json")
    assert deepseek["quant"] == "Q4_K_M"
    named = run("recommend", "--model", "deepseek-v3", "--engine", "vllm", "--top", "1", "--json")
    assert [p["quant"] for p in named["recommendations"]] == ["FP8"]
