"""Copies of a rig: a load one server cannot carry is served by several, each sized for its share."""

from __future__ import annotations

import json
import math

import pytest
import yaml
from typer.testing import CliRunner

from sizer.cli.app import app
from sizer.io import hardware
from sizer.io.loaders import load_catalog, load_cost_settings

runner = CliRunner()
BIG_LOAD = ("recommend", "--use-case", "chat", "--users", "5000", "--engine", "vllm", "--min-quality", "85")


@pytest.fixture(autouse=True)
def no_gpu_here(monkeypatch):
    monkeypatch.setattr(hardware.nvml, "_read_nvml", lambda *a, **k: ([], ["NVML unavailable (test)"]), raising=False)


def run(*args: str) -> dict:
    result = runner.invoke(app, [*args, "--json"], env={"COLUMNS": "200"}, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def big() -> dict:
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(hardware.nvml, "_read_nvml", lambda *a, **k: ([], ["NVML unavailable (test)"]), raising=False)
        return run(*BIG_LOAD)


def _flag(argv: list[str], name: str) -> str:
    return argv[argv.index(name) + 1]


def test_a_load_past_one_server_is_served_by_copies_each_sized_for_its_share(big):
    copies = [r for r in big["recommendations"] if r["replicas"] > 1]
    assert copies, [(r["model"], r["gpu"], r["gpu_count"]) for r in big["recommendations"]]
    for pick in copies:
        share = math.ceil(5000 / pick["replicas"])
        assert pick["users_served"] >= 5000
        assert pick["users_served"] % pick["replicas"] == 0  # each copy serves the same
        # The command starts one copy, with one copy's share of the sequences.
        assert _flag(pick["launch"]["argv"], "--max-num-seqs") == str(share)
        assert pick["reason_code"]["replicas"] == pick["replicas"]


def test_copies_are_priced_as_that_many_servers(big):
    catalog, settings = load_catalog(), load_cost_settings("EUR")
    pick = next(r for r in big["recommendations"] if r["replicas"] > 1)
    gpu = catalog.gpu(pick["gpu"])
    assert gpu.price is not None and gpu.price.currency == "EUR"
    # By hand: (GPU price x GPUs + the base system for that many GPUs) for every server.
    one_server = gpu.price.amount * pick["gpu_count"] + settings.base_system(pick["gpu_count"]).price
    assert pick["cost"]["hardware"] == pytest.approx(one_server * pick["replicas"], abs=0.01)


def test_a_load_one_box_carries_gets_no_copies():
    data = run("recommend", "--use-case", "code", "--users", "5", "--budget", "5000")
    assert data["recommendations"] and all(r["replicas"] == 1 for r in data["recommendations"])


def test_the_budget_holds_for_all_copies_together(big):
    # 1.5 x the cheapest pick's price: whatever comes back (copies included) costs no more.
    budget = min(r["cost"]["hardware"] for r in big["recommendations"]) * 1.5
    data = run(*BIG_LOAD, "--budget", str(round(budget)))
    assert data["recommendations"]
    assert all(r["cost"]["hardware"] <= budget for r in data["recommendations"])
    assert any(r["replicas"] > 1 for r in data["recommendations"])


def test_recommend_deploy_hands_the_copies_to_kubernetes():
    pick = next(r for r in run(*BIG_LOAD)["recommendations"])
    result = runner.invoke(app, [*BIG_LOAD, "--deploy", "k8s"], env={"COLUMNS": "200"}, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    docs = {d["kind"]: d for d in yaml.safe_load_all(result.stdout)}
    assert docs["Deployment"]["spec"]["replicas"] == pick["replicas"]
    args = docs["Deployment"]["spec"]["template"]["spec"]["containers"][0]["args"]
    assert _flag(args, "--max-num-seqs") == _flag(pick["launch"]["argv"], "--max-num-seqs")
    want = "ReadWriteMany" if pick["replicas"] > 1 else "ReadWriteOnce"
    assert docs["PersistentVolumeClaim"]["spec"]["accessModes"] == [want]


def test_a_named_model_for_more_users_than_one_server_holds_gets_copies_of_the_cheapest_rig():
    data = run("recommend", "--model", "llama-3.3-70b", "--users", "1500", "--engine", "vllm")
    picks = data["recommendations"]
    assert picks and all(p["replicas"] > 1 and p["users_served"] >= 1500 for p in picks)
    assert [p["cost"]["hardware"] for p in picks] == sorted(p["cost"]["hardware"] for p in picks)
    for p in picks:  # one copy's command: its share of the 1,500
        assert _flag(p["launch"]["argv"], "--max-num-seqs") == str(math.ceil(1500 / p["replicas"]))
