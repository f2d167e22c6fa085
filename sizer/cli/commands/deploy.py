"""sizer deploy: the files that start a sized setup (Compose, Kubernetes, Helm, KServe, shell)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer

from sizer.bounds import MAX_BATCH, MAX_CONTEXT, MAX_GPUS, MAX_REPLICAS
from sizer.cli import options as o
from sizer.cli.output import count, emit, handle_errors, message
from sizer.errors import N_, InputError
from sizer.render.i18n import _

FORMATS = ("compose", "k8s", "helm", "kserve", "shell")


@handle_errors
def deploy(
    model: o.ModelArg,
    output_format: Annotated[
        str, typer.Option("--format", "-f", help="compose, k8s, helm (vLLM production-stack), kserve or shell.")
    ],
    quant: o.FileQuantOpt = None,
    context: o.ContextOpt = 4096,
    users: Annotated[int, typer.Option("--users", help="Sequences served at once (the engine's slots).")] = 1,
    gpu: o.GpuOpt = None,
    gpus: o.GpusOpt = None,
    hardware: o.HardwareOpt = None,
    engine: o.EngineOpt = "vllm",
    kv_cache: o.KvOpt = None,
    gpu_memory_utilization: o.GpuMemoryOpt = None,
    nodes: o.NodesOpt = 1,
    interconnect: o.InterconnectOpt = None,
    replicas: Annotated[
        int, typer.Option("--replicas", help="Copies of the setup behind one Service (k8s, helm, kserve).")
    ] = 1,
    out: o.OutDirOpt = None,
    force: o.ForceOpt = False,
    lang: o.LangOpt = None,
) -> None:
    """Write what starts the sized setup: a Compose file, Kubernetes manifests, Helm or KServe values, a shell line.

    The engine arguments are the values `sizer estimate` sizes for the same flags: tensor-parallel
    size, context per sequence, sequences at once, the GPU share, the KV-cache type. The manifest
    goes to stdout (or into --out DIR), a short summary with the command that applies it to stderr.
    Across nodes (--nodes, vLLM or SGLang): a LeaderWorkerSet (k8s), an InferenceService with
    workerSpec (kserve) or a script each node runs with its rank (shell).

    \b
    Examples:
      sizer deploy llama-3.1-8b --gpu "RTX 4090" --engine llama.cpp --format compose > compose.yaml
      sizer deploy qwen2.5-7b --gpu L4 --engine vllm --context 8192 --users 8 --format k8s --out deploy/
      sizer deploy llama-3.3-70b --gpu H100 --gpus 2 --engine vllm --format helm > values.yaml
      sizer deploy llama-3.1-8b --gpu A100 --engine vllm --format kserve
      sizer deploy llama-3.1-8b --hardware server.json --engine ollama --format shell
      sizer deploy llama-3.1-405b --gpu H100-SXM --gpus 8 --nodes 2 --engine vllm --format k8s --out deploy/
      sizer deploy qwen3-32b --gpu L40S --gpus 2 --engine vllm --users 64 --replicas 4 --format helm
    """
    from sizer.cli.hardware import node_link
    from sizer.cli.output import choose_format, number

    chosen = choose_format(output_format, False, FORMATS)
    for name, value, high in (
        ("--context", context, MAX_CONTEXT),
        ("--users", users, MAX_BATCH),
        ("--gpus", gpus, MAX_GPUS),
        ("--replicas", replicas, MAX_REPLICAS),
    ):
        count(name, value, high)
    link = node_link(engine, nodes, interconnect)
    number("--gpu-memory-utilization", gpu_memory_utilization, 0.0, 1.0, above=True)
    setup = Setup(
        model, quant, context, users, gpu, gpus, hardware, engine, kv_cache, gpu_memory_utilization, nodes, link,
        replicas,
    )  # fmt: skip
    write_plan(plan_setup(setup, chosen), chosen, out, force)


@dataclass(frozen=True)
class Setup:
    """What to size and deploy, as the flags of `sizer deploy` give it (checked for bounds)."""

    model: str
    quant: str | None
    context: int
    users: int
    gpu: str | None
    gpus: int | None
    hardware: Path | None
    engine: str
    kv_cache: str | None
    gpu_memory_utilization: float | None
    nodes: int
    link: Any  # the Interconnect between nodes; None on one node
    replicas: int = 1  # copies of the whole setup, each with --users sequences


def plan_setup(setup: Setup, chosen: str) -> Any:
    """The DeploymentPlan of `setup` in format `chosen`, sized as `sizer estimate` sizes it (shared
    by `sizer deploy` and `sizer recommend --deploy`); bad input (one line) where the setup does
    not fit, no command loads its weights, or the format has no template for it."""
    from sizer.cli.hardware import size_setup
    from sizer.core.deploy import check_format, check_node_size, plan_deployment
    from sizer.core.launch import estimate_launch
    from sizer.core.rigs import estimate_on_rig

    check_node_size(setup.gpus or 1)
    sized = size_setup(
        setup.model, setup.quant, setup.context, setup.users, setup.gpu, setup.gpus, setup.hardware, setup.engine,
        setup.kv_cache, setup.gpu_memory_utilization, _("no GPU in {where}{why}; pass --gpu NAME or --hardware FILE"),
    )  # fmt: skip
    spec, workload, target, rig, a = sized.spec, sized.workload, sized.target, sized.rig, sized.assumptions
    est = estimate_on_rig(spec, rig, workload, None if target.named else setup.gpus, a, setup.nodes, setup.link)
    launch = estimate_launch(spec, rig.gpu, est, a)
    if launch.no_command_code is not None:
        from sizer.render.messages import message as reason_text

        raise InputError(
            N_("{reason}; sizer deploy needs a command that loads them"), reason=reason_text(launch.no_command_code)
        )
    plan = plan_deployment(spec, rig.gpu, workload, est, a, launch, setup.replicas)
    check_format(plan, chosen)
    return plan


def write_plan(plan: Any, chosen: str, out: Path | None, force: bool) -> None:
    """Write `plan`'s files in `chosen` into `out` (never over a file without `force`), else to
    stdout; the summary to stderr."""
    from sizer.render.deploy import files, summary

    written = files(plan, chosen)
    path = None
    if out is not None:
        from sizer.io.writing import write_file

        if out.exists() and not out.is_dir():
            raise InputError(N_("--out {path}: not a directory"), path=str(out))
        targets = {out / name: text for name, text in written.items()}
        clash = [str(p) for p in targets if p.exists()]
        if clash and not force:
            raise InputError(
                N_("{paths} exists; pass --force to overwrite it, or another --out"), paths=", ".join(clash)
            )
        for target_path, text in targets.items():
            write_file(target_path, text)
        path = str(next(iter(targets)))
    else:
        emit("".join(written.values()).rstrip("\n"))
    for line in summary(plan, chosen, path):
        message(line)
