"""What hardware this machine has: CPU, RAM and disks through psutil; GPUs through NVML (NVIDIA),
amdsmi or rocm-smi (AMD) and sysctl (Apple Silicon). An adapter: it never raises for a missing GPU,
driver or library. Whatever cannot be read becomes a line in `Host.warnings`, and a machine
without a GPU is a normal answer (no GPUs, and the warnings say why).

One module per source: system (CPU, RAM, disks), nvml, amd, apple, bench. NVML comes from the
`pynvml` module that nvidia-ml-py provides, imported inside the functions that use it, as are
amdsmi, numpy, torch and cupy.

"""

from __future__ import annotations

import platform
from collections.abc import Sequence
from pathlib import Path

from sizer.core.catalog import Catalog
from sizer.errors import N_, Message, UnknownNameError
from sizer.io.hardware import amd, apple, bench, nvml, system
from sizer.io.hardware.nvml import memory_bandwidth_bytes_per_s
from sizer.io.hardware.system import default_models_dirs
from sizer.models import GpuDevice, Host

__all__ = ["amd", "apple", "bench", "default_models_dirs", "memory_bandwidth_bytes_per_s", "nvml", "probe", "system"]


# The whole probe


def probe(catalog: Catalog | None = None, models_dirs: Sequence[Path] | None = None) -> Host:
    """Probe this machine; never raises for missing GPUs, drivers or libraries.

    `catalog` matches each GPU by the name its driver reports (exactly); `models_dirs` replaces
    the Hugging Face and ollama cache directories whose free disk space is reported.
    """
    warnings: list[str | Message] = []
    gpus: list[GpuDevice] = []
    if platform.system() == "Darwin":
        found, notes = apple._read_apple()
        gpus += found
        warnings += notes
    else:
        for reader in (nvml._read_nvml, amd._read_amd):
            found, notes = reader()
            gpus += found
            warnings += notes
    if catalog is not None:
        gpus = [_match_catalog(g, catalog, warnings) for g in gpus]
    dirs = [("models-dir", Path(p)) for p in models_dirs] if models_dirs else system.default_models_dirs()
    return Host(
        os=system._os_name(),
        cpu=system._read_cpu(),
        memory=system._read_memory(),
        disks=tuple(system._read_disks(dirs, warnings)),
        gpus=tuple(gpus),
        warnings=tuple(warnings),
    )


def _match_catalog(gpu: GpuDevice, catalog: Catalog, warnings: list[str | Message]) -> GpuDevice:
    """Set `catalog_id` from the name exactly as the driver prints it; note a GPU the catalog lacks."""
    try:
        entry = catalog.gpu(gpu.name)
    except UnknownNameError:
        warnings.append(
            Message(
                N_(
                    "GPU {index} {name} is not in the catalog: estimates use its probed memory and "
                    "bandwidth and an assumed FP16 rate (Assumptions.fallback_fp16_tflops_per_gb_per_s)"
                ),
                index=gpu.index,
                name=repr(gpu.name),
            )
        )
        return gpu
    return gpu.model_copy(update={"catalog_id": entry.id})
