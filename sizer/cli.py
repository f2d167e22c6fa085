"""The command line: parse, load or probe, call the core, render, exit code. Nothing imports this module.

Exit codes: 0 ok, 1 `check` found unmet requirements, 2 bad input, 3 internal error.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

import typer

from sizer import __version__
from sizer.errors import InputError, SizerError

app = typer.Typer(
    name="sizer",
    help="Which open LLM, on which GPU, how much memory, how fast, at what cost.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    add_completion=False,
    rich_markup_mode=None,
)
catalog_app = typer.Typer(help="List the model and GPU catalogs; add your own models.", no_args_is_help=True)
app.add_typer(catalog_app, name="catalog")

F = TypeVar("F", bound=Callable[..., Any])

JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object (bytes as integers) instead of a table.")]
QuantOpt = Annotated[str, typer.Option("--quant", "-q", help="Quantization: Q4_K_M, Q8_0, F16, AWQ, FP8, …")]
FileQuantOpt = Annotated[
    str | None,
    typer.Option(
        "--quant", "-q", help="Quantization: Q4_K_M, Q8_0, F16, AWQ, FP8, …; default: the file's, else Q4_K_M."
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
EngineOpt = Annotated[str, typer.Option("--engine", "-e", help="llama.cpp (also ollama) or vllm.")]
KvOpt = Annotated[str, typer.Option("--kv-cache", help="KV cache type: f16, q8_0, q4_0 (llama.cpp) or fp8 (vLLM).")]


def _console(stderr: bool = False) -> Any:
    from rich.console import Console

    # Errors and warnings stay on one line each (soft wrap: the terminal wraps, rich does not).
    return Console(stderr=stderr, highlight=False, soft_wrap=stderr)


def handle_errors(func: F) -> F:
    """Turn a SizerError into `error: <message>` on stderr and its exit code."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except SizerError as err:
            _console(stderr=True).print(f"error: {err}", markup=False)
            raise typer.Exit(err.exit_code) from None

    return wrapper  # type: ignore[return-value]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"sizer {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    """Size self-hosted LLMs: memory, speed and cost of open models on GPUs."""


def _positive(name: str, value: int | None) -> None:
    if value is not None and value < 1:
        raise InputError(f"{name} must be >= 1, got {value}")


def _engine(name: str) -> Any:
    from sizer.models import Engine

    key = name.strip().lower()
    if key in {"ollama", "llamacpp", "llama-cpp"}:
        key = "llama.cpp"
    try:
        return Engine(key)
    except ValueError:
        raise InputError(f"unknown engine {name!r}; choose llama.cpp (or ollama) or vllm") from None


def _warn(message: str) -> None:
    _console(stderr=True).print(f"warning: {message}", markup=False)


def _resolve_model(name: str, catalog: Any) -> Any:
    from sizer.sources import resolve_model

    return resolve_model(name, catalog, warn=_warn)


def _this_machine(catalog: Any) -> tuple[Any, int, int | None]:
    """The first GPU model of this machine, its count and its smallest free memory."""
    from sizer.hardware import probe

    host = probe()
    if not host.gpus:
        why = f" ({'; '.join(host.warnings)})" if host.warnings else ""
        raise InputError(f"no GPU found on this machine{why}; pass --gpu NAME to size other hardware")
    first = host.gpus[0].name
    same = [g for g in host.gpus if g.name == first]
    return catalog.gpu(first), len(same), min(g.memory_free_bytes for g in same)


@app.command()
@handle_errors
def estimate(
    model: ModelArg,
    quant: FileQuantOpt = None,
    context: ContextOpt = 4096,
    batch: BatchOpt = 1,
    gpu: GpuOpt = None,
    gpus: GpusOpt = None,
    engine: EngineOpt = "llama.cpp",
    kv_cache: KvOpt = "f16",
    json_out: JsonOpt = False,
) -> None:
    """Estimate memory and speed of one model on one piece of hardware, fully broken down.

    \b
    Examples:
      sizer estimate llama-3.1-8b --gpu "RTX 4090"
      sizer estimate Qwen/Qwen2.5-32B-Instruct --quant Q4_K_M --context 16384 --gpu "NVIDIA A100 80GB PCIe"
      sizer estimate llama-3.3-70b --gpu "2x RTX 3090" --json
      sizer estimate mixtral-8x7b --engine vllm --quant AWQ --gpu H100 --gpus 2 --batch 16
      sizer estimate ./Llama-3.1-8B-Instruct-Q5_K_M.gguf --gpu "RTX 4070"
      sizer estimate ~/models/Mistral-7B-Instruct-v0.3 --gpu "RTX 4090" --quant Q8_0
      sizer estimate HuggingFaceTB/SmolLM2-1.7B-Instruct@main --gpu "RTX 3060"
    """
    from sizer import render
    from sizer.estimate import estimate as run_estimate
    from sizer.loaders import load_catalog
    from sizer.models import Workload

    _positive("--context", context)
    _positive("--batch", batch)
    _positive("--gpus", gpus)
    if kv_cache not in {"f16", "q8_0", "q4_0", "fp8"}:
        raise InputError(f"unknown KV cache type {kv_cache!r}; choose f16, q8_0, q4_0 or fp8")
    catalog = load_catalog()
    spec = _resolve_model(model, catalog)
    quant = quant or (spec.file_weights.quant if spec.file_weights else "Q4_K_M")
    available = None
    if gpu is None:
        gpu_spec, count, available = _this_machine(catalog)
    else:
        match = catalog.match_gpu(gpu)
        gpu_spec, count = match.gpu, match.count or 1
        if match.memory_gib and gpu_spec.unified_memory:  # 'Apple M1 Max (32-core GPU, 64GB)'
            gpu_spec = gpu_spec.model_copy(update={"vram_gib": match.memory_gib})
    workload = Workload(quant=quant, context=context, batch=batch, engine=_engine(engine), kv_cache_type=kv_cache)
    result = run_estimate(spec, gpu_spec, workload, gpus or count, available_bytes_per_gpu=available)
    if json_out:
        typer.echo(render.to_json(result))
    else:
        _console().print(render.estimate_table(result, spec, gpu_spec))


@catalog_app.command("models")
@handle_errors
def catalog_models(
    quant: QuantOpt = "Q4_K_M",
    context: ContextOpt = 4096,
    json_out: JsonOpt = False,
) -> None:
    """List the models: parameters, memory needed at a quant and context, smallest GPU that holds it.

    \b
    Examples:
      sizer catalog models
      sizer catalog models --quant Q8_0 --context 8192 --json
    """
    from sizer import render
    from sizer.loaders import load_catalog
    from sizer.models import Workload
    from sizer.recommend import model_memory, smallest_gpu_class

    _positive("--context", context)
    catalog = load_catalog()
    workload = Workload(quant=quant, context=context)
    rows = []
    for m in sorted(catalog.models, key=lambda m: (m.params_total, m.id)):
        need = model_memory(m, workload)
        rows.append((m, need, smallest_gpu_class(catalog, need)))
    if json_out:
        typer.echo(
            render.to_json(
                {
                    "quant": quant,
                    "context": context,
                    "models": [
                        {**m.model_dump(mode="json"), "memory_bytes_total": need, "smallest_gpu_class": cls}
                        for m, need, cls in rows
                    ],
                }
            )
        )
    else:
        _console().print(render.models_table(rows, quant, context))


@catalog_app.command("gpus")
@handle_errors
def catalog_gpus(json_out: JsonOpt = False) -> None:
    """List the GPUs: memory, bandwidth, compute, the largest catalog model each holds, price.

    \b
    Examples:
      sizer catalog gpus
      sizer catalog gpus --json
    """
    from sizer import render
    from sizer.loaders import load_catalog
    from sizer.models import Workload
    from sizer.recommend import largest_fitting_model

    catalog = load_catalog()
    workload = Workload()
    rows = []
    for g in sorted(catalog.gpus, key=lambda g: (g.vendor.value, g.vram_gib, g.id)):
        best = largest_fitting_model(catalog, g, workload)
        rows.append((g, f"models up to {best.name}" if best else "nothing in the catalog"))
    if json_out:
        typer.echo(
            render.to_json({"gpus": [{**g.model_dump(mode="json"), "suited_for": suited} for g, suited in rows]})
        )
    else:
        _console().print(render.gpus_table(rows))


@catalog_app.command("add")
@handle_errors
def catalog_add(
    source: Annotated[
        str, typer.Argument(help="Hugging Face repo (org/name[@revision]), model directory or .gguf file.")
    ],
    model_id: Annotated[
        str | None, typer.Option("--id", help="Id to store it under (default: a slug of the source).")
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """Add a model from the Hub, a model directory or a GGUF file to your catalog, usable by name afterwards.

    \b
    Examples:
      sizer catalog add Qwen/Qwen2.5-7B-Instruct
      sizer catalog add ./Meta-Llama-3.1-8B-Instruct-Q4_K_M.gguf --id my-llama
      sizer catalog add ~/models/phi-4 --json
    """
    from sizer import render
    from sizer.loaders import save_user_model
    from sizer.sources import read_source

    spec = read_source(source, warn=_warn)
    if model_id is not None:
        spec = _with_id(spec, model_id)
    path = save_user_model(spec)
    if json_out:
        typer.echo(render.to_json({"path": str(path), "model": spec}))
    else:
        typer.echo(render.model_added(spec, path))


def _with_id(spec: Any, model_id: str) -> Any:
    from pydantic import ValidationError

    from sizer.models import ModelSpec

    try:
        return ModelSpec.model_validate({**spec.model_dump(), "id": model_id})
    except ValidationError:
        raise InputError(f"--id {model_id!r}: use lower-case letters, digits, '.', '_' and '-'") from None


def main() -> None:
    """Entry point: click usage errors become one line with exit 2; anything unexpected exit 3."""
    import click

    command = typer.main.get_command(app)
    try:
        code = command.main(args=sys.argv[1:], prog_name="sizer", standalone_mode=False)
    except click.ClickException as exc:
        _console(stderr=True).print(f"error: {exc.format_message()}", markup=False)
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        sys.exit(1)
    except Exception as exc:
        if os.environ.get("SIZER_DEBUG") == "1":
            raise
        _console(stderr=True).print(
            f"internal error: {type(exc).__name__}: {exc} (set SIZER_DEBUG=1 for the traceback)", markup=False
        )
        sys.exit(3)
    sys.exit(code if isinstance(code, int) else 0)
