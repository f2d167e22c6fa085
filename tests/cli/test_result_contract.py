"""The JSON contract of codes and sentences: `estimate`, `recommend` and `check` keep every
sentence field they had (`limited_by`, `reason`, `message`, `summary`, `would_pass`,
`warnings`) and carry next to each its code object (`X_code`), the sentence rendered from it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sizer.cli.app import app
from sizer.io import hardware
from sizer.models import REASON_CODES, Reason
from sizer.render.messages import message

runner = CliRunner()
SPECS = Path(__file__).resolve().parent.parent / "data" / "specs"


@pytest.fixture(autouse=True)
def no_gpu_here(monkeypatch):
    monkeypatch.setattr(hardware.nvml, "_read_nvml", lambda *a, **k: ([], ["NVML unavailable (test)"]), raising=False)


def run(*args: str):
    result = runner.invoke(app, list(args), catch_exceptions=False)
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)


def _says(obj: dict, field: str) -> dict:
    """The code object of `field`, after checking that `field` is the sentence rendered from it."""
    code = obj[f"{field}_code"]
    assert code["code"] in REASON_CODES
    assert isinstance(obj[field], str) and obj[field] == message(Reason.model_validate(code))
    return code


def test_estimate_says_what_limits_decode_as_code_and_sentence():
    fits = run("estimate", "llama-3.1-8b", "--gpu", "RTX 4090", "--context", "8192", "--json")
    assert fits["limited_by"] == "memory bandwidth"
    assert _says(fits, "limited_by") == {"code": "memory-bandwidth"}
    # Llama 3.1 70B has 80 layers; at Q4_K_M it does not fit one 24 GB card, so some go to system RAM.
    offloaded = run("estimate", "llama-3.1-70b", "--gpu", "RTX 4090", "--json")
    code = _says(offloaded, "limited_by")
    on_cpu = 80 - offloaded["offload"]["gpu_layers"]
    assert code == {"code": "offload", "offloaded_layers": on_cpu, "total_layers": 80}
    assert offloaded["limited_by"] == f"system RAM: {on_cpu} of 80 layers offloaded"


def test_recommend_picks_and_exclusions_carry_codes_and_sentences():
    data = run("recommend", "--use-case", "chat", "--gpu", "RTX 4090", "--license", "commercial", "--json")
    assert data["recommendations"] and data["excluded"]
    for pick in data["recommendations"]:
        code = _says(pick, "reason")
        assert code["code"] in {"right-sized", "best-quality", "best-below-quality"}
        assert (code["gpu_name"], code["gpu_count"]) == ("GeForce RTX 4090", pick["gpu_count"])
        assert code["users_served"] == pick["users_served"]
        assert code["quality"] == (pick["quality"]["score_after_quant"] if pick["quality"] else None)
        assert code["quant"] == pick["quant"]
        assert code["hardware_price"] == pick["cost"]["hardware"]
        assert code["use_case"] == "chat" and code["min_quality"] == 40  # chat's default bar
    excluded = {e["model"]: (e["reason"], _says(e, "reason")) for e in data["excluded"]}
    # orca-mini-3b is a chat model under CC BY-NC-SA 4.0: non-commercial.
    assert excluded["orca-mini-3b"] == (
        "licence (CC BY-NC-SA 4.0) does not allow commercial use",
        {"code": "licence-not-commercial", "license": "CC BY-NC-SA 4.0"},
    )
    assert any(code == {"code": "not-for-use-case", "use_case": "chat"} for _, code in excluded.values())
    assert all(
        reason == "not made for chat" for reason, code in excluded.values() if code["code"] == "not-for-use-case"
    )


def test_recommend_exclusions_for_context_and_hardware():
    data = run("recommend", "--use-case", "chat", "--gpu", "RTX 4090", "--context", "65536", "--json")
    codes = {e["model"]: _says(e, "reason") for e in data["excluded"]}
    # Llama 3 8B reads 8,192 tokens at most.
    assert codes["llama-3-8b"] == {"code": "exceeds-max-context", "max_context": 8192, "context": 65536}
    # Llama 3.3 70B at Q4_K_M is about 40 GiB of weights: more than the one 24 GB card.
    assert codes["llama-3.3-70b"] == {
        "code": "does-not-fit",
        "gpu_count": 1,
        "gpu_name": "GeForce RTX 4090",
        "users": 1,
        "context": 65536,
    }


def test_check_violations_summaries_suggestions_and_warnings_carry_codes(tmp_path):
    data = run("check", str(SPECS / "violations.yaml"), "--json")
    (report,) = data["specs"]
    assert report["warnings"] == [] and report["warnings_code"] == []
    first = report["outcomes"][0]  # two RTX 4090 against Llama 3.3 70B for four users
    _says(first, "summary")
    assert first["summary_code"]["code"] == "check-summary"
    assert first["summary_code"]["needs_bytes_per_gpu"] == first["needs_bytes_per_gpu"]
    (vram,) = first["violations"]
    assert vram["code"] == "insufficient-vram" and vram["path"] == "workloads[0]"
    code = _says(vram, "message")
    assert code["code"] == vram["code"]
    assert code["headroom_frac"] == 0.1  # the spec's vram_headroom
    assert vram["message"].endswith("the offer has 24.0 GiB less 10% headroom")
    assert len(first["would_pass"]) == len(first["would_pass_code"]) > 0
    for sentence, idea in zip(first["would_pass"], first["would_pass_code"], strict=True):
        assert sentence == message(Reason.model_validate(idea))
    assert first["would_pass_code"][0]["code"] == "smaller-quant"
    assert first["would_pass"][0] == f"quant {first['would_pass_code'][0]['quant']}"
    budget = next(v for o in report["outcomes"] for v in o["violations"] if v["code"] == "over-budget")
    # The RTX 6000 Ada offer costs 9,000 EUR against a budget of 8,000 EUR.
    assert budget["message"] == "costs 9,000 EUR, the budget is 8,000"
    assert _says(budget, "message") == {"code": "over-budget", "price": 9000.0, "budget": 8000.0, "currency": "EUR"}

    mixed = tmp_path / "mixed.yaml"
    mixed.write_text(
        "name: mixed\nhardware:\n  gpus:\n    - {name: RTX 4090, count: 1}\n    - {name: RTX 3090, count: 1}\n"
        "workloads:\n  - model: llama-3.1-8b\n"
    )
    (report,) = run("check", str(mixed), "--json")["specs"]
    assert report["warnings"] == ["hardware: mixed GPUs are sized as that many of the smallest, slowest one"]
    assert report["warnings_code"] == [{"code": "mixed-gpus", "path": "hardware"}]
