"""`sizer recommend --deploy FORMAT`: the first pick's files, sized as the pick was."""

from __future__ import annotations

import json
import shlex

import pytest
import yaml
from typer.testing import CliRunner

from sizer.cli.app import app
from sizer.io import hardware

runner = CliRunner()
CODE_ON_4090 = ("recommend", "--use-case", "code", "--users", "5", "--gpu", "RTX 4090")
VLLM_TO_BUY = ("recommend", "--engine", "vllm", "--users", "20", "--budget", "60000", "--gpu", "H100 SXM", "--buy")


@pytest.fixture(autouse=True)
def no_gpu_here(monkeypatch):
    monkeypatch.setattr(hardware.nvml, "_read_nvml", lambda *a, **k: ([], ["NVML unavailable (test)"]), raising=False)


def invoke(*args: str):
    return runner.invoke(app, list(args), env={"COLUMNS": "200"}, catch_exceptions=False)


def first_pick(*args: str) -> dict:
    result = invoke(*args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["recommendations"][0]


def test_the_shell_hand_off_is_the_first_picks_command():
    pick = first_pick(*CODE_ON_4090)
    result = invoke(*CODE_ON_4090, "--deploy", "shell")
    assert result.exit_code == 0, result.output
    assert shlex.split(result.stdout) == pick["launch"]["argv"]  # stdout is the file, nothing else
    assert f"deploying pick 1: {pick['model']} ({pick['quant']})" in result.stderr


def test_a_vllm_pick_to_buy_deploys_with_its_parallelism_context_and_users():
    pick = first_pick(*VLLM_TO_BUY)
    argv = pick["launch"]["argv"]
    result = invoke(*VLLM_TO_BUY, "--deploy", "k8s")
    assert result.exit_code == 0, result.output
    docs = list(yaml.safe_load_all(result.stdout))
    (dep,) = [d for d in docs if d["kind"] == "Deployment"]
    (container,) = dep["spec"]["template"]["spec"]["containers"]
    args = container["args"]
    for name in ("--tensor-parallel-size", "--max-model-len", "--max-num-seqs"):
        assert args[args.index(name) + 1] == argv[argv.index(name) + 1], name
    assert argv[2] in args  # the repository the pick was sized with
    assert container["resources"]["limits"]["nvidia.com/gpu"] == pick["gpu_count"]


def test_with_out_the_ranking_still_prints_and_nothing_is_overwritten(tmp_path):
    result = invoke(*CODE_ON_4090, "--deploy", "compose", "--out", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert "Runs here" in result.stdout or "runs here" in result.stdout.lower()
    (written,) = tmp_path.iterdir()  # the file alone: no lock or temporary file beside it
    before = written.read_text()
    assert yaml.safe_load(before)["services"]
    written.write_text("mine\n")
    again = invoke(*CODE_ON_4090, "--deploy", "compose", "--out", str(tmp_path))
    assert again.exit_code == 2 and "--force" in again.stderr
    assert written.read_text() == "mine\n"
    forced = invoke(*CODE_ON_4090, "--deploy", "compose", "--out", str(tmp_path), "--force")
    assert forced.exit_code == 0 and written.read_text() == before


@pytest.mark.parametrize(
    ("extra", "says"),
    [
        (("--deploy", "shell", "--json"), "--out DIR"),
        (("--out", "x"), "--deploy FORMAT"),
        (("--force",), "--deploy FORMAT"),
        (("--deploy", "kubernetes"), "k8s"),
    ],
)
def test_deploy_flags_that_do_not_go_together_are_one_line_and_exit_2(extra, says):
    result = invoke(*CODE_ON_4090, *extra)
    assert result.exit_code == 2, result.output
    assert says in result.stderr and result.stderr.count("\n") == 1 and result.stdout == ""


def test_picks_a_format_cannot_start_are_passed_over_with_their_reason():
    # Owned Intel cards rank first (runs here); k8s has no Intel image, so the first pick to buy
    # on an NVIDIA or AMD GPU is deployed, and the note names the picks passed over once.
    args = ("recommend", "--engine", "vllm", "--gpu", "Arc Pro B60", "--buy", "--budget", "20000")
    picks = json.loads(invoke(*args, "--json").stdout)["recommendations"]
    first_ok = next(i for i, p in enumerate(picks, 1) if p["kind"] == "to buy" and "arc" not in p["gpu"])
    result = invoke(*args, "--deploy", "k8s")
    assert result.exit_code == 0, result.output
    assert result.stderr.count("cannot be deployed as k8s") == 1
    assert f"deploying pick {first_ok}: {picks[first_ok - 1]['model']}" in result.stderr
    (dep,) = [d for d in yaml.safe_load_all(result.stdout) if d["kind"] == "Deployment"]
    limits = dep["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"]
    assert set(limits) <= {"nvidia.com/gpu", "amd.com/gpu"}
    # Nothing but Intel picks: one line, the first pick's reason, exit 2.
    alone = invoke("recommend", "--engine", "vllm", "--gpu", "Arc Pro B60", "--deploy", "k8s")
    assert alone.exit_code == 2 and alone.stderr.count("\n") == 1 and "intel" in alone.stderr


@pytest.mark.parametrize(
    "args",
    [
        CODE_ON_4090,
        ("recommend", "--use-case", "chat", "--users", "5000", "--engine", "vllm", "--min-quality", "85"),
    ],
)
def test_the_reports_deploy_line_starts_what_the_first_pick_sized(args, tmp_path):
    import html
    import re

    pick = first_pick(*args)
    report = tmp_path / "r.html"
    assert invoke(*args, "--report", str(report)).exit_code == 0
    line = html.unescape(re.search(r"sizer deploy [^<]*", report.read_text()).group(0))
    argv = shlex.split(line)
    assert ("--replicas" in argv) == (pick["replicas"] > 1)
    at = argv.index("--format")
    shell = invoke(*argv[1:at], "--format", "shell")
    assert shell.exit_code == 0, shell.output
    assert shlex.split(shell.stdout) == pick["launch"]["argv"]
