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
            _console(stderr=True).print(f"error: {err}", markup=False, soft_wrap=True)  # one line
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


def _rig(catalog: Any, hardware: Path | None, engine: Any) -> tuple[Any, Any]:
    """The first group of identical GPUs of a hardware file, or of this machine (judged on free VRAM)."""
    from sizer.hardware import probe as probe_host
    from sizer.loaders import load_host
    from sizer.recommend import host_assumptions, rigs_for_host

    host = load_host(hardware, catalog) if hardware else probe_host(catalog)
    rigs = rigs_for_host(host, catalog, engine, use_free_memory=hardware is None)
    if not rigs:
        where = str(hardware) if hardware else "this machine"
        why = f" ({'; '.join(host.warnings)})" if host.warnings and not hardware else ""
        raise InputError(f"no GPU in {where}{why}; pass --gpu NAME or --hardware FILE to size other hardware")
    return rigs[0], host_assumptions(host)


@app.command()
@handle_errors
def estimate(
    model: ModelArg,
    quant: FileQuantOpt = None,
    context: ContextOpt = 4096,
    batch: BatchOpt = 1,
    gpu: GpuOpt = None,
    gpus: GpusOpt = None,
    hardware: HardwareOpt = None,
    engine: EngineOpt = "llama.cpp",
    kv_cache: KvOpt = "f16",
    json_out: JsonOpt = False,
) -> None:
    """Estimate memory and speed of one model on one piece of hardware, fully broken down.

    Without --gpu or --hardware it probes this machine and judges fit against free VRAM.

    \b
    Examples:
      sizer estimate llama-3.1-8b --gpu "RTX 4090"
      sizer estimate Qwen/Qwen2.5-32B-Instruct --quant Q4_K_M --context 16384 --gpu "NVIDIA A100 80GB PCIe"
      sizer estimate llama-3.3-70b --gpu "2x RTX 3090" --json
      sizer estimate mixtral-8x7b --engine vllm --quant AWQ --gpu H100 --gpus 2 --batch 16
      sizer estimate llama-3.3-70b --hardware server.json    # from `sizer probe --json > server.json`
      sizer estimate ./Llama-3.1-8B-Instruct-Q5_K_M.gguf --gpu "RTX 4070"
      sizer estimate ~/models/Mistral-7B-Instruct-v0.3 --gpu "RTX 4090" --quant Q8_0
      sizer estimate HuggingFaceTB/SmolLM2-1.7B-Instruct@main --gpu "RTX 3060"
    """
    from sizer import render
    from sizer.estimate import DEFAULT_ASSUMPTIONS
    from sizer.estimate import estimate as run_estimate
    from sizer.loaders import load_catalog
    from sizer.models import Workload
    from sizer.recommend import estimate_on_rig

    _positive("--context", context)
    _positive("--batch", batch)
    _positive("--gpus", gpus)
    if kv_cache not in {"f16", "q8_0", "q4_0", "fp8"}:
        raise InputError(f"unknown KV cache type {kv_cache!r}; choose f16, q8_0, q4_0 or fp8")
    if gpu is not None and hardware is not None:
        raise InputError("pass --gpu or --hardware, not both")
    catalog = load_catalog()
    spec = _resolve_model(model, catalog)
    quant = quant or (spec.file_weights.quant if spec.file_weights else "Q4_K_M")
    workload = Workload(
        quant=quant,
        context=context,
        batch=batch,
        engine=_engine(engine),
        kv_cache_type=kv_cache,
    )
    if gpu is None:
        rig, assumptions = _rig(catalog, hardware, workload.engine)
        gpu_spec = rig.gpu
        result = estimate_on_rig(spec, rig, workload, gpus, assumptions)
    else:
        match = catalog.match_gpu(gpu)
        gpu_spec = match.gpu
        if match.memory_gib and gpu_spec.unified_memory:  # 'Apple M1 Max (32-core GPU, 64GB)'
            gpu_spec = gpu_spec.model_copy(update={"vram_gib": match.memory_gib})
        result = run_estimate(spec, gpu_spec, workload, gpus or match.count or 1, DEFAULT_ASSUMPTIONS)
    if json_out:
        typer.echo(render.to_json(result))
    else:
        _console().print(render.estimate_table(result, spec, gpu_spec))


@app.command()
@handle_errors
def probe(
    models_dir: ModelsDirOpt = None,
    bench: BenchOpt = False,
    json_out: JsonOpt = False,
) -> None:
    """Show this machine's hardware (CPU, RAM, disk, GPUs) and the largest models it runs at 10 tok/s.

    No GPU, or no NVIDIA driver, is a normal answer: the report says CPU-only and exits 0.

    \b
    Examples:
      sizer probe
      sizer probe --bench                         # measure RAM/GPU bandwidth (a few seconds)
      sizer probe --models-dir /srv/models
      sizer probe --json > server.json            # then: sizer estimate MODEL --hardware server.json
    """
    from sizer import render
    from sizer.hardware import probe as probe_host
    from sizer.loaders import load_catalog

    catalog = load_catalog()
    host = probe_host(catalog, models_dir)
    if bench:
        host = _bench(host)
    if json_out:
        typer.echo(render.host_json(host))
        return
    _console().print(_probe_report(catalog, host))


def _bench(host: Any) -> Any:
    """Measure bandwidth with a progress bar on stderr."""
    from sizer import render
    from sizer.hardware import bench

    with render.bench_progress(_console(stderr=True)) as bar:
        task = bar.add_task("bandwidth", total=None)
        return bench(host, lambda what, done, total: bar.update(task, description=what, completed=done, total=total))


def _probe_report(catalog: Any, host: Any) -> Any:
    """What the machine runs: per group of identical GPUs, or on the CPU when there is none."""
    from sizer import render
    from sizer.models import Workload
    from sizer.recommend import rigs_for_host, runnable_models

    workload, min_rate, skipped = Workload(), 10.0, list[str]()
    rigs = rigs_for_host(host, catalog, skipped=skipped)
    host = host.model_copy(update={"warnings": (*host.warnings, *skipped)})
    answers: list[tuple[Any, list[Any]]] = [
        (rig, runnable_models(catalog, host, rig, workload, min_rate)) for rig in rigs
    ] or [(None, runnable_models(catalog, host, None, workload, min_rate))]
    entries = {d: rig.catalog_entry for rig in rigs for d in rig.devices}
    return render.probe_report(host, entries, answers, workload, min_rate)


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


def _owned_options(catalog: Any, hardware: Path | None, engine: Any) -> tuple[list[Any], list[str]]:
    """The GPUs of a hardware file, or of this machine (fit on free VRAM), as owned rigs, with notes."""
    from sizer.hardware import probe as probe_host
    from sizer.loaders import load_host
    from sizer.recommend import HardwareOption, rigs_for_host

    host = load_host(hardware, catalog) if hardware else probe_host(catalog)
    notes: list[str] = []
    rigs = rigs_for_host(host, catalog, engine, use_free_memory=hardware is None, skipped=notes)
    if not rigs:
        notes.append(f"no GPU in {hardware}" if hardware else "no GPU in this machine: showing what to buy")
    options = [
        HardwareOption(
            gpu=r.gpu,
            count=r.count,
            owned=True,
            available_bytes_per_gpu=r.available_bytes_per_gpu(),
            bandwidth_gb_per_s=r.bandwidth_gb_per_s,
        )
        for r in rigs
    ]
    return options, notes


def _needs(
    use_case: str,
    context: int,
    users: int,
    min_tokens_per_s: float,
    budget: float | None,
    currency: str,
    engine: str,
    quant: str,
    license_: str,
    max_power: float | None,
    min_quality: float | None,
    top: int,
) -> Any:
    """The recommend flags as validated Needs (InputError, one line, for anything off)."""
    from sizer.models import Currency, Money
    from sizer.quant import resolve_quant
    from sizer.recommend import Needs

    for name, value in (("--users", users), ("--context", context), ("--top", top)):
        _positive(name, value)
    if use_case not in {"chat", "code", "summarization", "rag", "reasoning", "vision", "multilingual"}:
        raise InputError(
            f"unknown use case {use_case!r}; choose chat, code, summarization, rag, reasoning, vision or multilingual"
        )
    if license_ not in {"commercial", "any"}:
        raise InputError(f"--license takes 'commercial' or 'any', not {license_!r}")
    if currency.upper() not in {"EUR", "USD"}:
        raise InputError(f"--currency takes EUR or USD, not {currency!r}")
    if budget is not None and budget < 0:
        raise InputError(f"--budget must be >= 0, got {budget}")
    if min_tokens_per_s < 0:
        raise InputError(f"--min-tokens-per-s must be >= 0, got {min_tokens_per_s}")
    return Needs(
        use_case=use_case,
        context=context,
        users=users,
        min_tokens_per_s=min_tokens_per_s,
        budget=Money(amount=budget, currency=Currency(currency.upper())) if budget is not None else None,
        engine=_engine(engine),
        quant=resolve_quant(quant).name,
        commercial_only=license_ == "commercial",
        max_power_w=max_power,
        min_quality=min_quality,
        top=top,
    )


@app.command()
@handle_errors
def recommend(
    use_case: Annotated[
        str, typer.Option("--use-case", "-u", help="chat, code, summarization, rag, reasoning, vision, multilingual.")
    ] = "chat",
    context: ContextOpt = 8192,
    users: Annotated[int, typer.Option("--users", help="Concurrent users.")] = 1,
    min_tokens_per_s: Annotated[
        float, typer.Option("--min-tokens-per-s", help="Decode tokens/s each user needs.")
    ] = 10,
    budget: Annotated[float | None, typer.Option("--budget", help="Most the hardware may cost.")] = None,
    currency: Annotated[str, typer.Option("--currency", help="EUR or USD.")] = "EUR",
    gpu: GpuOpt = None,
    gpus: GpusOpt = None,
    hardware: HardwareOpt = None,
    engine: EngineOpt = "llama.cpp",
    quant: QuantOpt = "Q4_K_M",
    license_: Annotated[
        str, typer.Option("--license", help="commercial: drop models whose licence forbids commercial use.")
    ] = "any",
    max_power: Annotated[float | None, typer.Option("--max-power", help="Most the GPUs may draw, W.")] = None,
    min_quality: Annotated[
        float | None, typer.Option("--min-quality", help="MMLU the model must reach (default per use case).")
    ] = None,
    top: Annotated[int, typer.Option("--top", help="Picks to show per kind (here, to buy).")] = 5,
    kwh_price: Annotated[
        float | None, typer.Option("--kwh-price", help="Electricity price per kWh (default: Germany, business).")
    ] = None,
    base_price: Annotated[
        float | None, typer.Option("--base-price", help="Price of the system around the GPUs.")
    ] = None,
    utilisation: Annotated[
        float | None, typer.Option("--utilisation", help="Share of hours the GPUs are busy, 0-1.")
    ] = None,
    years: Annotated[float | None, typer.Option("--years", help="Years to write the hardware off over.")] = None,
    explain: Annotated[bool, typer.Option("--explain", help="Also list what was excluded and why.")] = False,
    json_out: JsonOpt = False,
    markdown: Annotated[bool, typer.Option("--markdown", help="Print a Markdown table.")] = False,
    report: Annotated[
        Path | None, typer.Option("--report", help="Write a self-contained HTML report to this file.")
    ] = None,
) -> None:
    """Recommend ranked model–hardware pairings with speed, cost and the reasons.

    Without --gpu, sizer looks at this machine (what runs here now) and at the GPU catalog
    (what to buy within the budget).

    \b
    Examples:
      sizer recommend --use-case code --users 5 --budget 5000
      sizer recommend --use-case chat --gpu "RTX 4090" --gpus 2 --license commercial
      sizer recommend --use-case rag --context 32768 --report report.html
      sizer recommend --engine vllm --quant AWQ --users 50 --min-tokens-per-s 20 --json
      sizer recommend --hardware server.json --use-case rag   # from `sizer probe --json`
    """
    from sizer import render
    from sizer.loaders import load_catalog, load_cost_settings
    from sizer.recommend import HardwareOption, buyable_options
    from sizer.recommend import recommend as run_recommend

    needs = _needs(
        use_case,
        context,
        users,
        min_tokens_per_s,
        budget,
        currency,
        engine,
        quant,
        license_,
        max_power,
        min_quality,
        top,
    )
    _positive("--gpus", gpus)
    if utilisation is not None and not 0 < utilisation <= 1:
        raise InputError(f"--utilisation must be in (0, 1], got {utilisation}")
    for name, value in (("--kwh-price", kwh_price), ("--base-price", base_price), ("--years", years)):
        if value is not None and value < 0:
            raise InputError(f"{name} must be >= 0, got {value}")
    settings = load_cost_settings(currency.upper())
    overrides = {
        "kwh_price": kwh_price,
        "base_system_price": base_price,
        "utilisation_frac": utilisation,
        "amortisation_years": years,
    }
    settings = settings.model_copy(update={k: v for k, v in overrides.items() if v is not None})
    catalog = load_catalog()
    notes: list[str] = []
    if gpu is not None and hardware is not None:
        raise InputError("pass --gpu or --hardware, not both")
    if gpu is not None:
        match = catalog.match_gpu(gpu)
        options = [HardwareOption(gpu=match.gpu, count=gpus or match.count or 1, owned=match.gpu.price is None)]
    elif hardware is not None:
        options, notes = _owned_options(catalog, hardware, needs.engine)
    else:
        options, notes = _owned_options(catalog, None, needs.engine)
        options += buyable_options(catalog, needs, settings)
    err = _console(stderr=True)
    for note in notes:
        err.print(f"note: {note}", markup=False)
    with _progress(err) as step:
        ranking = run_recommend(catalog, needs, options, settings, progress=step)
    if report is not None:
        try:
            report.write_text(render.recommend_html(ranking), encoding="utf-8")
        except OSError as exc:
            raise InputError(f"{report}: cannot write: {exc.strerror or exc}") from None
        err.print(f"wrote {report}", markup=False)
    if json_out:
        typer.echo(render.to_json(ranking))
    elif markdown:
        typer.echo(render.recommend_markdown(ranking))
    else:
        console = _console()
        console.print(render.recommend_table(ranking))
        if explain:
            console.print(render.excluded_table(ranking))


class _progress:
    """A progress bar on stderr for a sweep long enough to notice (interactive terminals only)."""

    def __init__(self, console: Any) -> None:
        self.console = console
        self.bar: Any = None

    def __enter__(self) -> Callable[[int, int], None]:
        if not self.console.is_terminal:
            return lambda done, total: None
        from rich.progress import Progress

        self.bar = Progress(console=self.console, transient=True)
        self.bar.start()
        task = self.bar.add_task("sizing model x GPU pairings", total=None)

        def step(done: int, total: int) -> None:
            self.bar.update(task, completed=done, total=total)

        return step

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()


FormatOpt = Annotated[
    str, typer.Option("--format", "-f", help="text, json, junit (JUnit XML) or github (annotations).")
]


@app.command()
@handle_errors
def check(
    specs: Annotated[list[Path], typer.Argument(help="Procurement spec files (YAML).")],
    output_format: FormatOpt = "text",
    hardware: HardwareOpt = None,
) -> None:
    """Check procurement specs: does each hardware offer meet every workload? Exit 1 if not.

    \b
    Exit codes: 0 every requirement met, 1 some not met, 2 a spec unreadable or invalid.
    Examples:
      sizer check spec.yaml
      sizer check offers/*.yaml --format junit > sizer-report.xml
      sizer check spec.yaml --format github
      sizer check spec.yaml --hardware delivered.json   # acceptance test of the machine delivered
    """
    from sizer import render
    from sizer.loaders import load_catalog, load_spec
    from sizer.spec import check as run_check

    if output_format not in {"text", "json", "junit", "github"}:
        raise InputError(f"unknown format {output_format!r}; choose text, json, junit or github")
    catalog = load_catalog()
    loaded = [(str(path), *load_spec(path)) for path in specs]  # every spec valid before any is checked
    delivered = None
    if hardware is not None:
        rigs, _ = _owned_options(catalog, hardware, None)
        if not rigs:
            raise InputError(f"{hardware}: no GPU to check")
        delivered = [(f"{r.count} x {r.gpu.name} ({hardware.name})", r.gpu, r.count) for r in rigs]
    reports = []
    for origin, spec, lines in loaded:
        try:
            reports.append((origin, run_check(spec, catalog, delivered=delivered), lines))
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
            sys.exit(getattr(exc, "exit_code", 2))
        if os.environ.get("SIZER_DEBUG") == "1":
            raise
        _console(stderr=True).print(
            f"internal error: {type(exc).__name__}: {exc} (set SIZER_DEBUG=1 for the traceback)",
            markup=False,
            soft_wrap=True,
        )
        sys.exit(3)
    sys.exit(code if isinstance(code, int) else 0)
