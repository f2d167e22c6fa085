"""Option and argument aliases shared by the commands (one definition each)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from sizer.cli.help import use_language
from sizer.constants import USE_CASES

JsonOpt = Annotated[
    bool, typer.Option("--json", help="Shorthand for --format json: one JSON object, bytes as integers.")
]
QuantOpt = Annotated[str, typer.Option("--quant", "-q", help="Quantization: Q4_K_M, Q8_0, F16, AWQ, FP8, …")]
FileQuantOpt = Annotated[
    str | None,
    typer.Option(
        "--quant",
        "-q",
        help="Quantization: Q4_K_M, Q8_0, F16, AWQ, FP8, …; default: the file's, else the engine's "
        "(Q4_K_M llama.cpp and ollama; vLLM and SGLang: BF16, or the FP8 or MXFP4 a model ships in).",
    ),
]
ModelArg = Annotated[
    str,
    typer.Argument(
        help="Catalog name, Hugging Face repo (org/name[@revision]), model directory (config.json + "
        "*.safetensors) or .gguf file."
    ),
]
ContextOpt = Annotated[int, typer.Option("--context", "-c", help="Context length in tokens per sequence.")]
BatchOpt = Annotated[int, typer.Option("--batch", "-b", help="Concurrent sequences.")]
GpuOpt = Annotated[
    str | None,
    typer.Option("--gpu", "-g", help="GPU name as NVML, llama.cpp or a shop writes it; default: this machine."),
]
GpusOpt = Annotated[int | None, typer.Option("--gpus", "-n", help="Number of GPUs (default 1, or 'Nx' in --gpu).")]
NodesOpt = Annotated[
    int,
    typer.Option(
        "--nodes",
        help="Machines of --gpus GPUs each (vLLM, SGLang, TensorRT-LLM): tensor parallel within a node, "
        "pipeline parallel across nodes.",
    ),
]
InterconnectOpt = Annotated[
    str | None,
    typer.Option(
        "--interconnect",
        help="Link between nodes: ib-ndr (default), ib-hdr, roce-200, eth-100 or eth-25 (data/interconnects.yaml).",
    ),
]
EngineOpt = Annotated[
    str, typer.Option("--engine", "-e", help="Inference engine: llama.cpp, ollama, vllm, sglang or tensorrt-llm.")
]
PromptTokensOpt = Annotated[
    int | None, typer.Option("--prompt-tokens", help="Serving: prompt tokens per request (with --output-tokens).")
]
OutputTokensOpt = Annotated[
    int | None, typer.Option("--output-tokens", help="Serving: generated tokens per request (with --prompt-tokens).")
]
GpuMemoryOpt = Annotated[
    float | None,
    typer.Option(
        "--gpu-memory-utilization",
        help="Share of each GPU the engine may take (vLLM, SGLang, TensorRT-LLM); default the engine's own (0.9).",
    ),
]
KvOpt = Annotated[
    str | None,
    typer.Option("--kv-cache", help="KV cache type: f16, q8_0, q4_0 (llama.cpp, ollama) or fp8 (vLLM, SGLang)."),
]
HardwareOpt = Annotated[
    Path | None,
    typer.Option(
        "--hardware",
        help="A `sizer probe --json` file (or a hand-written one in that schema) to size instead of this machine.",
        dir_okay=False,
    ),
]
ModelsDirOpt = Annotated[
    list[Path] | None,
    typer.Option(
        "--models-dir",
        metavar="DIR",
        help="Where models will live (repeatable); default: the Hugging Face and ollama caches.",
    ),
]
BenchOpt = Annotated[
    bool, typer.Option("--bench", help="Measure RAM (and, with torch or cupy, GPU) bandwidth: a few seconds.")
]
UseCaseOpt = Annotated[str, typer.Option("--use-case", "-u", help=", ".join(USE_CASES) + ".")]


def format_option(*choices: str) -> object:
    """A --format option offering `choices` (text first, the default)."""
    return typer.Option("--format", "-f", help=", ".join(choices) + f" (default {choices[0]}).")


HeadcountOpt = Annotated[
    int | None, typer.Option("--headcount", help="People who use it; with --requests-per-hour (busy hour, per person).")
]
RateOpt = Annotated[
    float | None, typer.Option("--requests-per-hour", help="Requests each person sends in the busy hour.")
]
MaxTtftOpt = Annotated[
    float | None, typer.Option("--max-ttft", help="SLO: seconds to the first token at the 95th percentile.")
]
MinSpeedOpt = Annotated[
    float, typer.Option("--min-tokens-per-s", help="SLO: generated tokens/s each person sees at least.")
]
NoCalibrationOpt = Annotated[
    bool, typer.Option("--no-calibration", help="Ignore this machine's calibration (sizer calibrate).")
]
OutDirOpt = Annotated[
    Path | None, typer.Option("--out", "-o", help="Write the files into this directory instead of stdout.")
]
ForceOpt = Annotated[bool, typer.Option("--force", help="Overwrite files already in --out.")]
LangOpt = Annotated[
    str | None,
    typer.Option(
        "--lang",
        metavar="de|en",
        callback=use_language,
        is_eager=True,
        help="Output language of the text (JSON stays English); default: $SIZER_LANG, LC_ALL, LANG, else en.",
    ),
]
