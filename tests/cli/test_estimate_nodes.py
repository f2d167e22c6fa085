"""`sizer estimate --nodes N --interconnect NAME`: the layout in JSON and text, and bad input."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from sizer.cli.app import app

runner = CliRunner()
BIG = ["llama-3.1-405b", "--gpu", "H100-SXM", "--gpus", "8", "--engine", "vllm"]


def run(*args: str):
    return runner.invoke(app, ["estimate", *args], catch_exceptions=False)


def test_json_gives_the_layout_and_two_nodes_hold_what_one_cannot():
    one = json.loads(run(*BIG, "--json").stdout)
    two = json.loads(run(*BIG, "--nodes", "2", "--json").stdout)
    # 405B at BF16 is about 756 GiB of weights: more than 8 x 72 GiB (90 % of 80 GiB), less than 16 x 72.
    assert not one["fits"] and two["fits"]
    assert two["layout"] == {
        "nodes": 2,
        "gpus_per_node": 8,
        "tensor_parallel": 8,
        "pipeline_parallel": 2,
        "per_gpu_bytes": max(two["per_gpu_bytes"]),
        "interconnect": "ib-ndr",
    }
    assert two["gpu_count"] == 16 and len(two["per_gpu_bytes"]) == 16
    assert one["layout"]["nodes"] == 1 and one["layout"]["interconnect"] is None
    argv = two["launch"]["argv"]
    assert argv[argv.index("--tensor-parallel-size") + 1] == "8"
    assert argv[argv.index("--pipeline-parallel-size") + 1] == "2"


def test_a_slower_link_costs_decode_speed_only():
    ndr = json.loads(run(*BIG, "--nodes", "2", "--json").stdout)
    eth = json.loads(run(*BIG, "--nodes", "2", "--interconnect", "eth-25", "--json").stdout)
    assert eth["layout"]["interconnect"] == "eth-25"
    assert eth["decode_tokens_per_s"] < ndr["decode_tokens_per_s"]
    assert eth["per_gpu_bytes"] == ndr["per_gpu_bytes"]


def test_text_shows_the_layout_in_one_line_in_english_and_german():
    english = run(*BIG, "--nodes", "2")
    assert english.exit_code == 0, english.output
    text = " ".join(english.stdout.split())
    assert "2 nodes x 8 GPUs: tensor parallel 8 within each node, pipeline parallel 2 across nodes over ib-ndr" in text
    german = runner.invoke(app, ["--lang", "de", "estimate", *BIG, "--nodes", "2"], catch_exceptions=False)
    assert "2 Knoten x 8 GPUs: Tensor-Parallelität 8 in jedem Knoten" in " ".join(german.stdout.split())
    one = run(*BIG)
    assert "nodes x" not in one.stdout


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["llama-3.1-70b", "--gpu", "H100-SXM", "--gpus", "8", "--nodes", "2"], "RPC back end"),
        (["llama-3.1-70b", "--gpu", "H100-SXM", "--engine", "ollama", "--nodes", "2"], "runs on one node"),
        ([*BIG[:4], "6", *BIG[5:], "--nodes", "2"], "tensor-parallel size 6 does not divide"),
        ([*BIG, "--nodes", "0"], "--nodes must be >= 1"),
        ([*BIG, "--nodes", "2", "--interconnect", "ib-nrd"], "did you mean 'ib-ndr'"),
        ([*BIG, "--interconnect", "ib-hdr"], "needs --nodes 2 or more"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args, says):
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert says in result.output and "Traceback" not in result.output


@pytest.mark.parametrize(
    ("engine", "tp_flag", "pp_flag"),
    [
        ("sglang", "--tp", "--pp-size"),
        ("tensorrt-llm", "--tp_size", "--pp_size"),
        ("vllm", "--tensor-parallel-size", "--pipeline-parallel-size"),
    ],
)
def test_each_engine_names_the_pipeline_in_its_own_flag(engine, tp_flag, pp_flag):
    args = ["llama-3.1-70b", "--gpu", "H100-SXM", "--gpus", "4", "--engine", engine, "--nodes", "2", "--json"]
    data = json.loads(run(*args).stdout)
    argv = data["launch"]["argv"]
    if not argv:  # no repository in the sized format for this engine: nothing to check
        pytest.skip("no command")
    assert argv[argv.index(tp_flag) + 1] == "4" and argv[argv.index(pp_flag) + 1] == "2"


def test_serving_figures_across_nodes():
    # The serving model on 2 x 8: one sequence's time between tokens is its decode step.
    data = json.loads(run(*BIG, "--nodes", "2", "--prompt-tokens", "1000", "--output-tokens", "200", "--json").stdout)
    serving = data["serving"]
    assert serving["max_concurrency"] > 1 and serving["itl_s"] > 0
    assert serving["itl_s"] == pytest.approx(1 / data["decode_tokens_per_s"], rel=0.2)
