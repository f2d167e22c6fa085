"""The command line: parse, load or probe, call the core, render, exit code. Nothing imports this module.

Exit codes: 0 ok, 1 `check` found unmet requirements, 2 bad input, 3 internal error.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from pathlib import Path
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
catalog_app = typer.Typer(help="List the shipped model and GPU catalogs.", no_args_is_help=True)
app.add_typer(catalog_app, name="catalog")

F = TypeVar("F", bound=Callable[..., Any])

JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object (bytes as integers) instead of a table.")]
QuantOpt = Annotated[str, typer.Option("--quant", "-q", help="Quantization: Q4_K_M, Q8_0, F16, AWQ, FP8, …")]
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

    # Messages on stderr stay one line whatever the terminal width.
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
    model: Annotated[
        str, typer.Argument(help="Catalog id, name, alias or Hugging Face repo (meta-llama/Llama-3.1-8B).")
    ],
    quant: QuantOpt = "Q4_K_M",
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
    spec = catalog.model(model)
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


FormatOpt = Annotated[
    str, typer.Option("--format", "-f", help="text, json, junit (JUnit XML) or github (annotations).")
]


@app.command()
@handle_errors
def check(
    specs: Annotated[list[Path], typer.Argument(help="Procurement spec files (YAML).")],
    output_format: FormatOpt = "text",
) -> None:
    """Check procurement specs: does each hardware offer meet every workload? Exit 1 if not.

    \b
    Exit codes: 0 every requirement met, 1 some not met, 2 a spec unreadable or invalid.
    Examples:
      sizer check spec.yaml
      sizer check offers/*.yaml --format junit > sizer-report.xml
      sizer check spec.yaml --format github
    """
    from sizer import render
    from sizer.loaders import load_catalog, load_spec
    from sizer.spec import check as run_check

    if output_format not in {"text", "json", "junit", "github"}:
        raise InputError(f"unknown format {output_format!r}; choose text, json, junit or github")
    catalog = load_catalog()
    loaded = [(str(path), *load_spec(path)) for path in specs]  # every spec valid before any is checked
    reports = []
    for origin, spec, lines in loaded:
        try:
            reports.append((origin, run_check(spec, catalog), lines))
        except SizerError as err:  # a name in the spec that resolves to nothing: the spec is invalid
            raise InputError(f"{origin}: {err}") from None
    if output_format == "json":
        typer.echo(
            render.to_json(
                {
                    "passed": all(r.passed for _, r, _ in reports),
                    "specs": [{"file": o, **r.model_dump(mode="json")} for o, r, _ in reports],
                }
            )
        )
    elif output_format == "junit":
        typer.echo(render.check_junit([(o, r) for o, r, _ in reports]))
    elif output_format == "github":
        typer.echo(render.check_github(reports))
    else:
        console = _console()
        for origin, report, _ in reports:
            console.print(render.check_text(report, origin))
    raise typer.Exit(0 if all(r.passed for _, r, _ in reports) else 1)


@app.command()
@handle_errors
def schema() -> None:
    """Print the JSON Schema of the spec format, for editors that complete YAML.

    \b
    Examples:
      sizer schema > sizer-spec.schema.json
      # in spec.yaml, for the YAML language server:
      # yaml-language-server: $schema=./sizer-spec.schema.json
    """
    import json

    from sizer.spec import spec_json_schema

    typer.echo(json.dumps(spec_json_schema(), indent=2))


def main() -> None:
    """Entry point: usage errors become one line with exit 2; anything unexpected exit 3."""
    command = typer.main.get_command(app)
    try:
        code = command.main(args=sys.argv[1:], prog_name="sizer", standalone_mode=False)
    except typer.Abort:
        sys.exit(1)
    except Exception as exc:
        # click's UsageError family (typer ships its own copy of click): bad flags, missing arguments.
        if hasattr(exc, "format_message") and isinstance(getattr(exc, "exit_code", None), int):
            _console(stderr=True).print(f"error: {exc.format_message()}", markup=False)
            sys.exit(exc.exit_code)
        if os.environ.get("SIZER_DEBUG") == "1":
            raise
        _console(stderr=True).print(
            f"internal error: {type(exc).__name__}: {exc} (set SIZER_DEBUG=1 for the traceback)", markup=False
        )
        sys.exit(3)
    sys.exit(code if isinstance(code, int) else 0)
