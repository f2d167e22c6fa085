"""Error lines in the output language: the template an error carries is translated where the CLI
prints it, for errors from every layer (catalog look-up, flag bounds, engine, layout, spec and
hardware files, GGUF parsing), always one line with exit 2; English stays word for word as it was."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from sizer.cli.app import app

runner = CliRunner()
GPU = ("--gpu", "RTX 4090")
ALIAS_SPEC = "a: &x 1\nb: *x\n"
QUANT_SPEC = (
    "hardware:\n  gpus: [{name: H100 SXM}]\nworkloads:\n  - {model: llama-3.1-8b, engine: vllm, quant: Q4_K_M}\n"
)
UNKNOWN_GPU_SPEC = "hardware:\n  gpus: [{name: H100X}]\nworkloads:\n  - {model: llama-3.1-8b}\n"
HARDWARE = '{"gpus": [{"name": "Foo", "memory_total_bytes": 1000}]}'


def _files(tmp_path: Path) -> dict[str, Path]:
    made = {
        "alias.yaml": ALIAS_SPEC,
        "quant.yaml": QUANT_SPEC,
        "gpu.yaml": UNKNOWN_GPU_SPEC,
        "hw.json": HARDWARE,
        "short.gguf": "hi\n",
    }
    for name, text in made.items():
        (tmp_path / name).write_text(text)
    return {name: tmp_path / name for name in made}


# (arguments, the English line, the German line); {dir} is the folder of the files above.
CASES = [
    (  # core.catalog: an unknown GPU, its did-you-mean
        ["estimate", "llama-3.1-8b", "--gpu", "H100"],
        "error: unknown GPU 'H100'; did you mean 'h100-pcie', 'h100-sxm', 'h100-nvl'?",
        "Fehler: GPU 'H100' ist unbekannt; meinten Sie 'h100-pcie', 'h100-sxm', 'h100-nvl'?",
    ),
    (  # core.quant: an unknown quantization without suggestions
        ["estimate", "llama-3.1-8b", *GPU, "--quant", "Q9"],
        "error: unknown quantization 'Q9'",
        "Fehler: Quantisierung 'Q9' ist unbekannt",
    ),
    (  # cli.output: a flag above its bound, the bound written the locale's way
        ["estimate", "llama-3.1-8b", *GPU, "--context", "999999999"],
        "error: --context must be <= 134,217,728, got 999999999",
        "Fehler: --context muss <= 134.217.728 sein, angegeben: 999999999",
    ),
    (  # engines: llama.cpp on more than one node
        ["estimate", "llama-3.1-8b", *GPU, "--engine", "llama.cpp", "--nodes", "2"],
        "error: llama.cpp runs on one node; llama.cpp's RPC back end spreads layers over machines but is "
        "experimental and not sized here; use --nodes 1, or vLLM, SGLang or TensorRT-LLM",
        "Fehler: llama.cpp läuft auf einem Knoten; das RPC-Backend von llama.cpp verteilt Schichten auf mehrere "
        "Rechner, ist aber experimentell und wird hier nicht bemessen; --nodes 1 angeben, oder vLLM, SGLang oder "
        "TensorRT-LLM verwenden",
    ),
    (  # core.layout: more nodes than the model has layers
        ["estimate", "llama-3.1-8b", "--engine", "vllm", "--gpu", "H100-SXM", "--nodes", "40"],
        "error: llama-3.1-8b has 32 layers; it cannot be split over 40 nodes",
        "Fehler: llama-3.1-8b hat 32 Schichten; es lässt sich nicht auf 40 Knoten aufteilen",
    ),
    (  # cli: a sentence built in the command, numbers grouped the locale's way
        ["estimate", "llama-3.1-8b", *GPU, "--prompt-tokens", "100000", "--output-tokens", "100000"],
        "error: --prompt-tokens + --output-tokens = 200,000 exceed llama-3.1-8b's context of 131,072 tokens",
        "Fehler: --prompt-tokens + --output-tokens = 200.000 übersteigen die Kontextlänge von llama-3.1-8b "
        "(131.072 Tokens)",
    ),
    (  # io.loaders: a spec that is not valid sizer YAML, the reason nested in the file's line
        ["check", "{dir}/alias.yaml"],
        "error: {dir}/alias.yaml:1: invalid YAML: anchor &x refused; sizer files take no aliases",
        "Fehler: {dir}/alias.yaml:1: ungültiges YAML: Anker &x abgelehnt; sizer-Dateien nehmen keine Aliase",
    ),
    (  # io.loaders + engines: a spec validator's error inside pydantic's, and the count of the others
        ["check", "{dir}/quant.yaml"],
        "error: {dir}/quant.yaml:4: workloads[0]: Value error, vLLM does not serve Q4_K_M weights; it serves "
        "F16, BF16, FP8, INT8, AWQ, GPTQ, NF4, MXFP4 or NVFP4 (and 1 more)",
        "Fehler: {dir}/quant.yaml:4: workloads[0]: Ungültiger Wert: vLLM bedient keine Gewichte im Format Q4_K_M; "
        "es bedient F16, BF16, FP8, INT8, AWQ, GPTQ, NF4, MXFP4 oder NVFP4 (weitere: 1)",
    ),
    (  # cli.commands.check: an error from the core nested under the spec's name
        ["check", "{dir}/gpu.yaml"],
        "error: {dir}/gpu.yaml: unknown GPU 'H100X'; did you mean 'h100-sxm', 'h200-sxm', 'h100-nvl'?",
        "Fehler: {dir}/gpu.yaml: GPU 'H100X' ist unbekannt; meinten Sie 'h100-sxm', 'h200-sxm', 'h100-nvl'?",
    ),
    (  # io.loaders: a hardware file that leaves out what a GPU outside the catalog needs
        ["estimate", "llama-3.1-8b", "--hardware", "{dir}/hw.json"],
        "error: {dir}/hw.json: gpus[0].bandwidth_bytes_per_s: required for a GPU the catalog lacks ('Foo')",
        "Fehler: {dir}/hw.json: gpus[0].bandwidth_bytes_per_s: nötig für eine GPU, die nicht im Katalog ist ('Foo')",
    ),
    (  # io.sources.gguf: a file too short to be GGUF
        ["estimate", "{dir}/short.gguf", *GPU],
        "error: {dir}/short.gguf: 3 bytes is too short for a GGUF file",
        "Fehler: {dir}/short.gguf: 3 Bytes sind zu kurz für eine GGUF-Datei",
    ),
]


def _stderr(args: list[str], tmp_path: Path, *lang: str) -> list[str]:
    _files(tmp_path)
    result = runner.invoke(app, [*lang, *(a.format(dir=tmp_path) for a in args)], env={"SIZER_LANG": ""})
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    return result.stderr.splitlines()


IDS = ["gpu", "quant", "flag", "engine", "layers", "context", "yaml", "validator", "nested", "hardware", "gguf"]


@pytest.mark.parametrize(("args", "english", "german"), CASES, ids=IDS)
def test_an_error_line_is_german_under_lang_de(args, english, german, tmp_path):
    assert _stderr(args, tmp_path, "--lang", "de") == [german.format(dir=tmp_path)]


@pytest.mark.parametrize(("args", "english", "german"), CASES, ids=IDS)
def test_an_error_line_is_unchanged_english_otherwise(args, english, german, tmp_path):
    assert _stderr(args, tmp_path) == [english.format(dir=tmp_path)]
    assert _stderr(args, tmp_path, "--lang", "en") == [english.format(dir=tmp_path)]
