"""The one place that resolves what to size on: --gpu/--gpus, a --hardware file, or this machine."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sizer.bounds import MAX_GPUS, MAX_NODES, echo
from sizer.errors import N_, InputError, Message, joined
from sizer.render.i18n import _


@dataclass(frozen=True)
class Hardware:
    """Rigs (groups of identical GPUs) to size on, the assumptions that go with them, and notes."""

    rigs: list[Any]  # sizer.core.rigs.Rig
    assumptions: Any  # sizer.models.Assumptions
    named: bool  # from --gpu (a catalog GPU), not a probe or a file
    notes: list[str | Message] = field(default_factory=list)  # GPUs left out, and why
    why_none: str | Message = ""  # the probe's warnings, when it found no GPU


def resolve_hardware(
    catalog: Any, gpu: str | None, gpus: int | None, hardware: Path | None, engine: Any, *, skip_unknown: bool = False
) -> Hardware:
    """--gpu NAME [--gpus N], else the GPUs of a hardware file, else this machine (fit on free VRAM).

    With `skip_unknown`, a GPU that cannot be estimated becomes a note instead of an error.
    """
    from sizer.core.rigs import Rig, host_assumptions, rigs_for_host
    from sizer.models.assumptions import DEFAULT_ASSUMPTIONS

    if gpu is not None and hardware is not None:
        raise InputError(N_("pass --gpu or --hardware, not both"))
    if gpu is not None:
        match = catalog.match_gpu(gpu)
        spec = match.gpu
        if match.memory_gib and spec.unified_memory:  # 'Apple M1 Max (32-core GPU, 64GB)'
            spec = spec.model_copy(update={"vram_gib": match.memory_gib})
        count = gpus or match.count or 1
        if count > MAX_GPUS:  # 'NNNx' in the name: checked before a rig of that many is built
            raise InputError(
                N_("--gpu {gpu}: at most {most:,} GPUs, got {count}"), gpu=echo(gpu), most=MAX_GPUS, count=echo(count)
            )
        rig = Rig(
            gpu=spec,
            count=count,
            devices=tuple(range(count)),
            free_bytes_per_gpu=(),
            bandwidth_gb_per_s=None,
            catalog_entry=match.gpu,
        )
        return Hardware(rigs=[rig], assumptions=DEFAULT_ASSUMPTIONS, named=True)
    from sizer.io.hardware import probe
    from sizer.io.loaders import load_host

    host = load_host(hardware, catalog) if hardware else probe(catalog)
    notes: list[str | Message] = []
    rigs = rigs_for_host(
        host, catalog, engine, use_free_memory=hardware is None, skipped=notes if skip_unknown else None
    )
    why = joined("; ", host.warnings) if not rigs and hardware is None and host.warnings else ""
    return Hardware(rigs=rigs, assumptions=host_assumptions(host), named=False, notes=notes, why_none=why)


def where(hardware: Path | None) -> str | Message:
    return str(hardware) if hardware else Message(N_("this machine"))


@dataclass(frozen=True)
class Sizing:
    """What `estimate` and `deploy` both start from: the engine, the model, the workload, the rig and
    the assumptions (the hardware's, with --gpu-memory-utilization applied)."""

    runtime: Any
    spec: Any
    workload: Any
    target: Hardware
    rig: Any
    assumptions: Any


def size_setup(
    model: str,
    quant: str | None,
    context: int,
    batch: int,
    gpu: str | None,
    gpus: int | None,
    hardware: Path | None,
    engine: str,
    kv_cache: str | None,
    gpu_memory_utilization: float | None,
    no_gpu: str,
) -> Sizing:
    """Resolve the engine, model and hardware of a sizing command and check the combination runs.

    `no_gpu`: the command's sentence for hardware without a GPU (`{where}`, `{why}` filled in), marked `N_`.
    """
    from sizer.cli.output import warn
    from sizer.engines import engine_for
    from sizer.engines.base import check_kv_cache, default_format
    from sizer.io.loaders import load_catalog
    from sizer.io.sources import resolve_model
    from sizer.models import Workload
    from sizer.models.assumptions import with_memory_share
    from sizer.render.i18n import fill

    runtime = engine_for(engine)
    check_kv_cache(runtime, kv_cache or "f16")
    if gpu_memory_utilization is not None and not runtime.splits_tensors:
        raise InputError(
            N_("--gpu-memory-utilization is for vLLM, SGLang and TensorRT-LLM; {engine} has none"), engine=runtime.label
        )
    catalog = load_catalog(warn=warn)
    spec = resolve_model(model, catalog, warn=warn)
    if context > spec.max_context:  # sized as asked, as `check` does, but never silently
        warn(
            fill(
                _("{model} supports {max_context:,} tokens, not {context:,} (--context); sized as asked"),
                model=spec.id,
                max_context=spec.max_context,
                context=context,
            )
        )
    quant = quant or (spec.file_weights.quant if spec.file_weights else default_format(runtime, spec))
    workload = Workload(quant=quant, context=context, batch=batch, engine=runtime.name, kv_cache_type=kv_cache or "f16")
    target = resolve_hardware(catalog, gpu, gpus, hardware, workload.engine)
    if not target.rigs:
        why = Message(" ({why})", why=target.why_none) if target.why_none else ""
        raise InputError(no_gpu, where=where(hardware), why=why)
    rig = target.rigs[0]
    runtime.validate(spec, rig.gpu, workload, gpus or rig.count)
    a = target.assumptions
    if gpu_memory_utilization is not None:
        a = with_memory_share(a, runtime.name, gpu_memory_utilization)
    return Sizing(runtime=runtime, spec=spec, workload=workload, target=target, rig=rig, assumptions=a)


def node_link(engine: str, nodes: int, interconnect: str | None) -> Any:
    """The link between `nodes` nodes (None on one node): --interconnect, else the table's default;
    bad input for nodes out of bounds, more than one node for an engine that stays in one, or a
    name the table lacks."""
    from sizer.cli.output import count
    from sizer.core.layout import pick_link
    from sizer.engines import engine_for
    from sizer.engines.base import check_nodes
    from sizer.io.loaders import load_interconnects

    count("--nodes", nodes, MAX_NODES)
    check_nodes(engine_for(engine), nodes)
    if nodes == 1:  # one node has no link to read the table for
        if interconnect is not None:
            raise InputError(N_("--interconnect is the link between nodes; it needs --nodes 2 or more"))
        return None
    return pick_link(load_interconnects(), interconnect)
