"""sizer calibrate: each tool's real output parsed to its printed numbers, the regularised overlay,
its storage, and estimate's use of it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sizer.cli.app import app
from sizer.errors import InputError
from sizer.io.loaders import load_catalog
from sizer.io.runs import detect, read_runs

DATA = Path(__file__).parent / "data" / "calibrate"


def _runs(name: str, model: str | None = None):
    return [
        (r.kind, r.value, r.prompt_tokens, r.output_tokens, r.depth, r.batch) for r in read_runs(DATA / name, model)
    ]


def test_llama_bench_json():
    runs = read_runs(DATA / "llama_bench.json")
    assert [(r.kind, r.value, r.prompt_tokens, r.output_tokens) for r in runs] == [
        ("prefill", 7100.002165, 512, 0),
        ("decode", 118.881588, 0, 128),
    ]
    assert runs[0].gpu == "NVIDIA GeForce RTX 4080"
    assert runs[0].model == "models/Qwen2.5-7B-Instruct-Q4_K_M.gguf"
    assert runs[0].params == 7615616512
    assert runs[1].source.endswith("llama_bench.json:48")  # the line the second object starts on


def test_llama_bench_jsonl_and_csv():
    assert _runs("llama_bench.jsonl") == [("prefill", 7263.609157, 512, 0, 0, 1), ("decode", 119.844681, 0, 128, 0, 1)]
    assert _runs("llama_bench.csv") == [("prefill", 7285.676949, 512, 0, 0, 1), ("decode", 119.915244, 0, 128, 0, 1)]


def test_llama_bench_markdown_with_depth():
    runs = read_runs(DATA / "llama_bench.md")
    assert [(r.kind, r.value, r.prompt_tokens, r.output_tokens, r.depth) for r in runs[:4]] == [
        ("prefill", 3782.76, 2048, 0, 0),
        ("decode", 84.10, 0, 32, 0),
        ("prefill", 3030.29, 2048, 0, 4096),
        ("decode", 77.36, 0, 32, 4096),
    ]
    assert runs[0].model_type == "gpt-oss 20B MXFP4 MoE"
    assert runs[0].params == pytest.approx(20.91e9)
    assert runs[0].backend == "CUDA"


def test_llama_batched_bench_table():
    runs = _runs("batched_bench.md", "gpt-oss-20b")
    assert runs[0] == ("batched_decode", 81.11, 512, 32, 0, 1)
    assert runs[1] == ("prefill", 1311.72, 512, 0, 0, 1)  # S_PP of the single-sequence row
    assert runs[-1] == ("batched_decode", 614.82, 512, 32, 0, 32)
    assert len(runs) == 7


def test_vllm_bench_serve_result():
    (run,) = read_runs(DATA / "vllm_serve.json")
    assert run.kind == "serve_output"
    assert run.value == 6582.87
    assert run.model == "meta-llama/Llama-3.1-8B-Instruct"
    assert (run.prompt_tokens, run.output_tokens) == (230, 203)  # 229711 and 203068 tokens over 1000 requests
    assert run.batch == 0 and run.rate is None  # all at once, no concurrency cap


def test_vllm_bench_latency_result_takes_its_lengths_from_the_options():
    from sizer.io.runs import RunShape

    (bare,) = read_runs(DATA / "vllm_latency.json", "Qwen/Qwen3-8B")
    assert bare.kind == "batch_latency" and bare.latency_s == 1.475279240796808
    assert not bare.shape_known  # the file holds no lengths: nothing to fit until they are given
    (run,) = read_runs(DATA / "vllm_latency.json", "Qwen/Qwen3-8B", RunShape(256, 128, 8))
    assert (run.prompt_tokens, run.output_tokens, run.batch) == (256, 128, 8)
    # 8 sequences x 128 tokens in 1.475279 s = 694.106 output tokens/s for the batch
    assert run.value == pytest.approx(694.1059, abs=1e-3)
    assert run.model == "Qwen/Qwen3-8B"


def test_vllm_bench_latency_lengths_in_the_file_win(tmp_path):
    from sizer.io.runs import RunShape

    path = tmp_path / "latency.json"
    path.write_text(
        json.dumps({"avg_latency": 2.0, "latencies": [2.0], "input_len": 32, "output_len": 64, "batch_size": 4})
    )
    (run,) = read_runs(path, "llama-3.1-8b", RunShape(256, 128, 8))
    assert (run.prompt_tokens, run.output_tokens, run.batch, run.value) == (32, 64, 4, 128.0)  # 4 x 64 / 2 s


def test_vllm_bench_latency_without_lengths_is_listed_with_the_reason():
    from sizer.io.runs import RunShape, match

    catalog = load_catalog()
    rows, left = match(read_runs(DATA / "vllm_latency.json", "Qwen/Qwen3-8B"), catalog, catalog.gpu("MI325X"))
    assert not rows and "--input-len" in left[0].reason and "--batch-size" in left[0].reason
    rows, left = match(
        read_runs(DATA / "vllm_latency.json", None, RunShape(256, 128, 8)), catalog, catalog.gpu("MI325X")
    )
    assert not rows and "--model" in left[0].reason  # nothing names the model


def test_calibrate_on_vllm_bench_latency(tmp_path):
    args = ["calibrate", str(DATA / "vllm_latency.json"), "--model", "Qwen/Qwen3-8B", "--gpu", "MI325X"]
    missing = CliRunner().invoke(app, [*args, "--dry-run"])
    assert missing.exit_code == 2 and "--input-len" in missing.output  # left out, so nothing calibrated
    sized = [*args, "--input-len", "256", "--output-len", "128", "--batch-size", "8", "--dry-run", "--json"]
    result = CliRunner().invoke(app, sized)
    assert result.exit_code == 0, result.output
    (entry,) = json.loads(result.output)["overlays"]
    (run,) = entry["runs"]
    assert run["kind"] == "batch_latency" and run["model"] == "qwen3-8b"
    assert abs(run["calibrated_error_pct"]) < abs(run["shipped_error_pct"])  # the fit moves toward the run
    assert set(entry["constants"]) <= {"vllm.bandwidth_efficiency_frac", "vllm.per_seq_s"}
    assert CliRunner().invoke(app, [*sized[:-2], "--batch-size", "0"]).exit_code == 2


def test_ollama_verbose_block():
    assert _runs("ollama_verbose.txt", "orca-mini") == [
        ("prefill", 502.24, 48, 0, 0, 1),
        ("decode", 105.46, 0, 84, 0, 1),
    ]


def test_formats_told_apart_by_content():
    got = {p.name: detect(p.read_text()) for p in DATA.iterdir() if p.name != "SOURCE.md"}
    assert got == {
        "llama_bench.json": "json",
        "llama_bench.jsonl": "jsonl",
        "llama_bench.csv": "csv",
        "llama_bench.md": "md",
        "batched_bench.md": "batched",
        "vllm_serve.json": "vllm",
        "vllm_latency.json": "vllm-latency",
        "ollama_verbose.txt": "ollama",
    }


def test_runs_match_the_catalog():
    from sizer.io.loaders import load_catalog
    from sizer.io.runs import match

    catalog = load_catalog()
    rows, left = match(read_runs(DATA / "llama_bench.json"), catalog)
    assert not left
    assert {(r.model.id, r.quant, r.gpu.id) for r in rows} == {("qwen2.5-7b", "Q4_K_M", catalog.gpu("RTX 4080").id)}
    rows, left = match(read_runs(DATA / "llama_bench.md"), catalog)  # by type and size; no GPU printed
    assert not rows and all("--gpu" in u.reason for u in left)
    rows, left = match(read_runs(DATA / "llama_bench.md"), catalog, catalog.gpu("NVIDIA GB10"))
    assert {(r.model.id, r.quant) for r in rows} == {("gpt-oss-20b", "MXFP4")}


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ('[{"avg_ts": 1.0, "n_prompt": 512}]', ":1"),  # no n_gen
        ('[\n {"avg_ts": NaN, "n_prompt": 512, "n_gen": 0}]', "NaN"),
        ("[" * 100_000, "nested"),
        ('{"build_commit": "x", "avg_ts": -5, "n_prompt": 0, "n_gen": 128}\n', ":1"),
        ("| model | test | t/s |\n| --- | --- | --- |\n| llama 7B | tg 128 | fast |\n", ":3"),
        ("hello, world\n", ":1"),
        ("eval rate: 1e999 tokens/s\n", ":1"),
        ('{\n    "avg_latency": 0,\n    "latencies": []\n}', ":2"),
        ('{\n    "avg_latency": 1.5,\n    "latencies": "fast"\n}', ":3"),
        ('{\n    "avg_latency": 1.5,\n    "latencies": [1.5, -2]\n}', ":3"),
        ('{\n    "avg_latency": 1.5,\n    "percentiles": {"50": "slow"}\n}', ":3"),
        ('{\n    "avg_latency": 1.5,\n    "batch_size": 0\n}', ":3"),
    ],
)
def test_bad_input_is_one_line_naming_file_and_line(tmp_path, text, where):
    path = tmp_path / "run.txt"
    path.write_text(text)
    with pytest.raises(InputError) as err:
        read_runs(path, "llama-3.1-8b")
    message = str(err.value)
    assert "\n" not in message and str(path) in message and where in message


def test_bad_file_exits_2_with_one_line(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text('[{"avg_ts": "x", "n_prompt": 1, "n_gen": 0}]')
    result = CliRunner().invoke(app, ["calibrate", str(path), "--gpu", "RTX 4090"])
    assert result.exit_code == 2
    assert len(result.output.strip().splitlines()) == 1 and "bad.json:1" in result.output
    assert CliRunner().invoke(app, ["calibrate", str(tmp_path)]).exit_code == 2  # a directory


def _decode(model: str, *extra: str) -> float:
    out = CliRunner().invoke(app, ["estimate", model, "--gpu", "RTX 4090", "--quant", "Q4_K_M", "--json", *extra])
    assert out.exit_code == 0, out.output
    return json.loads(out.output)["decode_tokens_per_s"]


def _slow_runs(path: Path, shipped: float, n: int) -> None:
    """n llama-bench tg runs of Llama 3.1 8B on an RTX 4090, each 30 % below the shipped estimate."""
    lines = [
        json.dumps(
            {
                "gpu_info": "NVIDIA GeForce RTX 4090",
                "backends": "CUDA",
                "model_filename": "Meta-Llama-3.1-8B-Instruct-Q4_K_M.gguf",
                "model_type": "llama 8B Q4_K - Medium",
                "n_gpu_layers": 99,
                "n_prompt": 0,
                "n_gen": 4096,  # the estimate's context: the shipped figure is for this length
                "n_depth": 0,
                "avg_ts": 0.7 * shipped,
            }
        )
        for _ in range(n)
    ]
    path.write_text("\n".join(lines) + "\n")


def test_round_trip_moves_the_estimate_and_reset_restores_it(tmp_path):
    shipped = _decode("llama-3.1-8b")
    other = _decode("qwen2.5-14b")
    runs = tmp_path / "bench.jsonl"
    _slow_runs(runs, shipped, 12)
    result = CliRunner().invoke(app, ["calibrate", str(runs), "--json"])
    assert result.exit_code == 0, result.output
    stored = json.loads(result.output)
    assert stored["stored"] and len(stored["overlays"][0]["runs"]) == 12
    mine = _decode("llama-3.1-8b")
    assert 0.7 * shipped < mine < shipped - 0.6 * 0.3 * shipped  # most of the way to the measured 70 %
    moved = _decode("qwen2.5-14b")
    assert moved < 0.97 * other  # another model on the same GPU moves part of the way
    out = CliRunner().invoke(app, ["estimate", "llama-3.1-8b", "--gpu", "RTX 4090", "--quant", "Q4_K_M", "--json"])
    assert json.loads(out.output)["calibration"]["runs"] == 12
    text = CliRunner().invoke(app, ["estimate", "llama-3.1-8b", "--gpu", "RTX 4090", "--quant", "Q4_K_M"])
    assert "calibrated on 12 runs of yours" in text.output
    assert _decode("llama-3.1-8b", "--no-calibration") == shipped
    show = CliRunner().invoke(app, ["calibrate", "--show"])
    assert show.exit_code == 0 and "calibrated on 12 runs" in show.output
    assert CliRunner().invoke(app, ["calibrate", "--reset"]).exit_code == 0
    assert _decode("llama-3.1-8b") == shipped


def test_one_run_moves_a_little(tmp_path):
    shipped = _decode("llama-3.1-8b")
    runs = tmp_path / "one.jsonl"
    _slow_runs(runs, shipped, 1)
    result = CliRunner().invoke(app, ["calibrate", str(runs), "--dry-run", "--json"])
    assert result.exit_code == 0, result.output
    (entry,) = json.loads(result.output)["overlays"]
    (run,) = entry["runs"]
    assert 0.7 * shipped < run["calibrated"] < shipped
    assert run["calibrated"] > shipped - 0.6 * 0.3 * shipped  # less than most of the way
    assert _decode("llama-3.1-8b") == shipped  # --dry-run stored nothing
