"""An owned machine is sized whole and in parts: a model that one of its GPUs serves runs on one."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from sizer.cli.app import app
from sizer.core.rigs import owned_parts

runner = CliRunner()


def test_owned_parts_are_the_tensor_parallel_sizes_below_the_machine_and_the_machine():
    assert owned_parts(1) == (1,)
    assert owned_parts(2) == (1, 2)
    assert owned_parts(8) == (1, 2, 4, 8)
    assert owned_parts(6) == (1, 2, 4, 6)


def _recommend(*args: str) -> dict:
    result = runner.invoke(app, ["recommend", *args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_a_small_model_on_eight_owned_gpus_takes_one_of_them():
    data = _recommend("--use-case", "code", "--gpu", "8x MI300X", "--top", "3")
    assert data["hardware"] == ["8 x Instinct MI300X"]  # the machine, not its parts
    first = data["right_sized"][0]
    # gpt-oss-20b's 13 GB of MXFP4 weights and one user's 8K of cache: one 192 GB GPU holds them
    assert (first["model"], first["gpu_count"], first["kind"]) == ("gpt-oss-20b", 1, "runs here")
    assert "--tensor-split" not in first["command"]  # llama.cpp is not told to spread it over eight


def test_owned_power_is_the_power_of_the_gpus_a_pick_takes():
    one = _recommend("--use-case", "code", "--gpu", "8x MI300X", "--top", "1")["right_sized"][0]
    whole = _recommend("--model", "gpt-oss-20b", "--gpu", "8x MI300X")["recommendations"][0]
    assert whole["gpu_count"] == 1 and whole["kind"] == "runs here"  # model first: the fewest that serve
    assert one["cost"]["per_month"] == whole["cost"]["per_month"]
    eight = _recommend("--model", "kimi-k2-instruct", "--gpu", "8x MI300X", "--quant", "Q8_0")["recommendations"]
    here = [r for r in eight if r["kind"] == "runs here"]
    # about 1.1 TB of Q8_0 weights: more than four of the GPUs hold (4 x 192 GiB), so all eight, at their power
    assert [r["gpu_count"] for r in here] == [8]
    assert here[0]["cost"]["per_month"] > 4 * one["cost"]["per_month"]
