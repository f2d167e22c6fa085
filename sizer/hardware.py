"""What hardware this machine has: CPU and RAM through psutil, NVIDIA GPUs through NVML.

NVML comes from the `pynvml` module that nvidia-ml-py provides; it is imported inside the probe,
so a machine without it (or without a GPU) is a normal case: no GPUs, and a warning that says why.
"""

from __future__ import annotations

import platform
from dataclasses import dataclass, field


@dataclass(frozen=True)
class ProbedGpu:
    """One GPU as the driver reports it."""

    index: int
    name: str
    memory_total_bytes: int
    memory_free_bytes: int


@dataclass(frozen=True)
class ProbedHost:
    """CPU, memory and GPUs of this machine, with warnings for whatever could not be read."""

    cpu_model: str
    logical_cores: int
    memory_total_bytes: int
    memory_available_bytes: int
    gpus: tuple[ProbedGpu, ...] = ()
    warnings: tuple[str, ...] = field(default_factory=tuple)


def _read_nvml() -> tuple[list[ProbedGpu], list[str]]:
    """GPUs through NVML; every failure becomes a warning."""
    try:
        import pynvml
    except ImportError:
        return [], ["NVML library not importable (install nvidia-ml-py); no NVIDIA GPUs probed"]
    try:
        pynvml.nvmlInit()
    except Exception as exc:  # NVMLError subclasses: library or driver missing
        return [], [f"NVML unavailable: {exc}"]
    gpus, warnings = [], []
    try:
        for i in range(pynvml.nvmlDeviceGetCount()):
            try:
                handle = pynvml.nvmlDeviceGetHandleByIndex(i)
                name = pynvml.nvmlDeviceGetName(handle)
                name = name.decode() if isinstance(name, bytes) else name
                mem = pynvml.nvmlDeviceGetMemoryInfo(handle)
                gpus.append(
                    ProbedGpu(index=i, name=name, memory_total_bytes=int(mem.total), memory_free_bytes=int(mem.free))
                )
            except Exception as exc:
                warnings.append(f"GPU {i}: {exc}")
    finally:
        try:
            pynvml.nvmlShutdown()
        except Exception as exc:
            warnings.append(f"NVML shutdown: {exc}")
    return gpus, warnings


def probe() -> ProbedHost:
    """Probe this machine; never raises for missing GPUs or libraries."""
    import psutil

    vm = psutil.virtual_memory()
    gpus, warnings = _read_nvml()
    return ProbedHost(
        cpu_model=platform.processor() or platform.machine(),
        logical_cores=psutil.cpu_count(logical=True) or 1,
        memory_total_bytes=int(vm.total),
        memory_available_bytes=int(vm.available),
        gpus=tuple(gpus),
        warnings=tuple(warnings),
    )
