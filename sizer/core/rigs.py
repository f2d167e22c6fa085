"""Rigs: groups of GPUs to size on (probed, described or to buy), the GpuSpec for a probed device,
and what a machine runs. Pure."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field

from sizer.core.catalog import Catalog
from sizer.core.estimate import estimate, memory_needed
from sizer.core.speed import decode_seconds
from sizer.engines import engine_for
from sizer.errors import N_, InputError, Message, UnknownNameError
from sizer.models import (
    Assumptions,
    Engine,
    Estimate,
    GpuDevice,
    GpuSpec,
    Host,
    Interconnect,
    ModelSpec,
    Vendor,
    Workload,
    slug,
)
from sizer.models.assumptions import DEFAULT_ASSUMPTIONS
from sizer.models.results import Calibration
from sizer.units import GB, GiB


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)


class HardwareOption(_Frozen):
    """A rig to consider: `count` x `gpu`; `owned` rigs cost nothing to buy."""

    gpu: GpuSpec
    count: int = Field(ge=1)
    owned: bool = False
    available_bytes_per_gpu: int | None = None  # free memory a probe saw (None: the catalog capacity)
    bandwidth_gb_per_s: float | None = None  # measured bandwidth (None: the datasheet figure)
    assumptions: Assumptions | None = None  # this GPU's own constants (the user's calibration); None: the run's
    calibration: Calibration | None = None  # the calibration `assumptions` came from, echoed with a pick
    nodes: int = Field(default=1, ge=1)  # machines of `count` GPUs each (core/layout.py)
    interconnect: Interconnect | None = None  # the link between them (None: one node)
    # Copies of the whole rig behind a load balancer, each serving an even share of the users
    # (data parallel: every copy holds all the weights; nothing passes between them).
    replicas: int = Field(default=1, ge=1)
    # Part of an owned machine: the GPUs the machine has, of which this rig uses `count` (None: all).
    part_of: int | None = Field(default=None, ge=2)

    @property
    def gpu_total(self) -> int:
        """The GPUs of one copy (every node's)."""
        return self.count * self.nodes

    @property
    def machines(self) -> int:
        """The servers to buy: nodes of every copy."""
        return self.nodes * self.replicas


def owned_parts(count: int) -> tuple[int, ...]:
    """The GPU counts a model may take of an owned machine of `count` GPUs: the tensor-parallel
    sizes (powers of two) below it, and the whole machine. A model that one GPU serves need not
    be split over eight: the others stay free, and fewer GPUs draw less power."""
    parts, k = [], 1
    while k < count:
        parts.append(k)
        k *= 2
    return (*parts, count)


def sized_with(option: HardwareOption, a: Assumptions) -> Assumptions:
    """The constants a rig is sized with: its GPU's own (the user's calibration) or the run's `a`."""
    return option.assumptions if option.assumptions is not None else a


@dataclass(frozen=True)
class Rig:
    """A group of identical GPUs on one host, as the estimator sees them.

    `free_bytes_per_gpu` holds each GPU's free memory, most first (empty: judge fit on the spec's
    usable capacity); `bandwidth_gb_per_s` replaces the spec's bandwidth (None: keep it).
    """

    gpu: GpuSpec
    count: int
    devices: tuple[int, ...]
    free_bytes_per_gpu: tuple[int, ...]
    bandwidth_gb_per_s: float | None
    catalog_entry: GpuSpec | None  # the catalog's figures, None for a GPU the catalog lacks

    def available_bytes_per_gpu(self, gpu_count: int | None = None) -> int | None:
        """What each of the `gpu_count` freest GPUs offers: the least free among them (None: capacity).

        llama.cpp's even split is bounded by its fullest GPU, so k GPUs offer k x that much.
        """
        if not self.free_bytes_per_gpu:
            return None
        k = min(gpu_count or self.count, len(self.free_bytes_per_gpu))
        return self.free_bytes_per_gpu[k - 1]


@dataclass(frozen=True)
class Runnable:
    """One catalog model on this machine at the workload: memory, whether it fits, decode speed."""

    model: ModelSpec
    gpu_count: int  # 0: on the CPU from system RAM
    memory_bytes: int
    available_bytes: int
    fits: bool  # entirely in GPU memory (or, CPU-only, in available RAM)
    gpu_layers: int | None  # set when llama.cpp would offload layers to system RAM
    total_layers: int
    decode_tokens_per_s: float
    ram_bytes: int  # system RAM it takes: offloaded layers, or everything on the CPU


def _catalog_entry(catalog: Catalog, device: GpuDevice) -> GpuSpec | None:
    """The catalog entry by the id the probe matched, else by the name exactly as the driver prints it."""
    for key in (device.catalog_id, device.name):
        if key:
            try:
                return catalog.gpu(key)
            except UnknownNameError:
                continue
    return None


def _memory_type(device: GpuDevice) -> str:
    """The device's memory family where it says; else HBM for buses of 1024 bits and wider (HBM
    stacks are 1024 bits each; GDDR buses are at most 512), GDDR otherwise, LPDDR on Apple."""
    if device.memory_type:
        return device.memory_type
    if device.vendor is Vendor.APPLE:
        return "LPDDR"
    if device.memory_bus_width_bits and device.memory_bus_width_bits >= 1024:
        return "HBM"
    return "GDDR"


def gpu_spec_for_device(device: GpuDevice, catalog: Catalog, assumptions: Assumptions = DEFAULT_ASSUMPTIONS) -> GpuSpec:
    """The GpuSpec the estimator uses for a probed or described GPU.

    A catalog GPU keeps its datasheet figures, with the memory the device reports (the usable
    capacity, not the marketing number). A GPU the catalog lacks is built from the device: memory,
    bandwidth (required), and an FP16 rate of `fallback_fp16_tflops_per_gb_per_s` x bandwidth.
    """
    capacity_gib = device.memory_total_bytes / GiB
    entry = _catalog_entry(catalog, device)
    if entry is not None:
        return entry.model_copy(update={"vram_gib": capacity_gib})
    if device.bandwidth_bytes_per_s is None:
        raise InputError(
            N_(
                "GPU {index} {name} is not in the catalog and has no bandwidth_bytes_per_s; "
                "state it (bytes/s) or use a catalog GPU name"
            ),
            index=device.index,
            name=repr(device.name),
        )
    bandwidth_gb_per_s = device.bandwidth_bytes_per_s / GB
    vendor = device.vendor or Vendor.NVIDIA
    fp16_tflops = device.fp16_tflops or bandwidth_gb_per_s * assumptions.fallback_fp16_tflops_per_gb_per_s
    return GpuSpec(
        id=slug(device.name) or "gpu",
        name=device.name,
        vendor=vendor,
        category="soc" if vendor is Vendor.APPLE else "workstation",
        vram_gib=capacity_gib,
        unified_memory=vendor is Vendor.APPLE,
        memory_type=_memory_type(device),
        mem_bandwidth_gb_per_s=bandwidth_gb_per_s,
        fp16_tflops=fp16_tflops,
        # Unknown board power: no power cap beyond the peak rate itself.
        tdp_w=device.power_limit_w or fp16_tflops / assumptions.tflops_per_watt,
        source="probed device" + ("" if device.fp16_tflops else "; fp16_tflops assumed from bandwidth"),
    )


def host_assumptions(host: Host, assumptions: Assumptions = DEFAULT_ASSUMPTIONS) -> Assumptions:
    """`assumptions` with this host's measured RAM bandwidth (offloaded layers, CPU-only decode)."""
    measured = host.measured_ram_bandwidth_bytes_per_s
    if measured is None:
        return assumptions
    return assumptions.model_copy(update={"system_ram_gb_per_s": measured / GB})


def rigs_for_host(
    host: Host,
    catalog: Catalog,
    engine: Engine = Engine.LLAMA_CPP,
    use_free_memory: bool = True,
    assumptions: Assumptions = DEFAULT_ASSUMPTIONS,
    skipped: list[str | Message] | None = None,
) -> list[Rig]:
    """One rig per GPU name, in the order the GPUs appear.

    `use_free_memory` (this machine) judges fit against each GPU's free memory; otherwise (a
    hardware file) against the device's usable capacity. Bandwidth: a measured figure, else the
    catalog's datasheet figure, else the device's own (NVML or the file). A GPU that cannot be
    estimated (not in the catalog, no bandwidth) raises InputError, or with `skipped` is left
    out and the reason appended there.
    """
    groups: dict[str, list[GpuDevice]] = {}
    for device in host.gpus:
        groups.setdefault(device.name, []).append(device)
    rigs = []
    for devices in groups.values():
        first = devices[0]
        try:
            spec = gpu_spec_for_device(first, catalog, assumptions)
        except InputError as exc:
            if skipped is None:
                raise
            skipped.append(Message(N_("{error}; no estimates for it"), error=exc))
            continue
        entry = _catalog_entry(catalog, first)
        free: tuple[int, ...] = ()
        if use_free_memory and all(d.memory_free_bytes is not None for d in devices):
            usable = engine_for(engine).usable_bytes_per_gpu(spec, assumptions)
            free = tuple(sorted((max(1, min(usable, d.memory_free_bytes or 0)) for d in devices), reverse=True))
        measured = [d.bandwidth_bytes_per_s for d in devices if d.bandwidth_measured and d.bandwidth_bytes_per_s]
        bandwidth = min(measured) / GB if measured else None
        rigs.append(
            Rig(
                gpu=spec,
                count=len(devices),
                devices=tuple(d.index for d in devices),
                free_bytes_per_gpu=free,
                bandwidth_gb_per_s=bandwidth,
                catalog_entry=entry,
            )
        )
    return rigs


def estimate_on_rig(
    model: ModelSpec,
    rig: Rig,
    workload: Workload,
    gpu_count: int | None = None,
    assumptions: Assumptions = DEFAULT_ASSUMPTIONS,
    nodes: int = 1,
    interconnect: Interconnect | None = None,
) -> Estimate:
    """`estimate` for `gpu_count` (default: all) GPUs of the rig, the freest ones, with their free
    memory and the rig's bandwidth; with `nodes`, that many such machines over `interconnect`."""
    return estimate(
        model,
        rig.gpu,
        workload,
        gpu_count or rig.count,
        assumptions,
        available_bytes_per_gpu=rig.available_bytes_per_gpu(gpu_count),
        bandwidth_gb_per_s=rig.bandwidth_gb_per_s,
        nodes=nodes,
        interconnect=interconnect,
    )


def _on_rig(model: ModelSpec, rig: Rig, workload: Workload, a: Assumptions) -> Runnable:
    """The fewest GPUs of the rig that hold the model entirely; all of them when none do."""
    est = None
    for count in range(1, rig.count + 1):
        est = estimate_on_rig(model, rig, workload, count, a)
        if est.fits:
            break
    assert est is not None  # rig.count >= 1
    return Runnable(
        model=model,
        gpu_count=est.gpu_count,
        memory_bytes=est.memory_bytes.total,
        available_bytes=est.available_bytes,
        fits=est.fits,
        gpu_layers=est.offload.gpu_layers if est.offload else None,
        total_layers=model.layers,
        decode_tokens_per_s=est.decode_tokens_per_s,
        ram_bytes=est.offload.cpu_bytes if est.offload else 0,
    )


def _on_cpu(model: ModelSpec, host: Host, workload: Workload, a: Assumptions) -> Runnable:
    """Decode from system RAM: streaming the weights and KV cache once per token (bandwidth-bound)."""
    need = memory_needed(model, workload, 1, a, gpu_runtime=False)
    read = need.weights.read_per_token_bytes + need.kv_cache_bytes
    seconds = decode_seconds(read, a.system_ram_gb_per_s * GB, 0.0, 1.0, model.layers * a.layer_overhead_s)
    memory = host.memory
    available = (memory.available_bytes or memory.total_bytes) if memory else 0
    total = need.memory_bytes.total
    return Runnable(
        model=model,
        gpu_count=0,
        memory_bytes=total,
        available_bytes=available,
        fits=total <= available,
        gpu_layers=None,
        total_layers=model.layers,
        decode_tokens_per_s=1.0 / float(seconds),
        ram_bytes=total,
    )


def runnable_models(
    catalog: Catalog,
    host: Host,
    rig: Rig | None,
    workload: Workload | None = None,
    min_tokens_per_s: float = 10.0,
    limit: int = 5,
    assumptions: Assumptions = DEFAULT_ASSUMPTIONS,
) -> list[Runnable]:
    """The largest catalog models (by parameters) that decode at `min_tokens_per_s` or more.

    On a rig, each model gets the fewest GPUs that hold it (llama.cpp offloads the rest to system
    RAM when none do); without one (`rig` None) it runs on the CPU from system RAM. What goes to
    system RAM must fit in the available RAM, where the host says how much that is.
    """
    w = workload or Workload()
    a = host_assumptions(host, assumptions)
    ram = (host.memory.available_bytes or host.memory.total_bytes) if host.memory else None
    out = []
    for model in sorted(catalog.models, key=lambda m: (-m.params_total, m.id)):
        r = _on_rig(model, rig, w, a) if rig is not None else _on_cpu(model, host, w, a)
        if r.decode_tokens_per_s >= min_tokens_per_s and (ram is None or r.ram_bytes <= ram):
            out.append(r)
            if len(out) == limit:
                break
    return out
