"""Apple Silicon GPUs through sysctl (unified memory)."""

from __future__ import annotations

import json

from sizer.errors import N_, Message
from sizer.io.hardware import system
from sizer.models import GpuDevice, Vendor

# Apple Silicon through sysctl


def _apple_gpu_cores() -> int | None:
    out = system._run(["system_profiler", "SPDisplaysDataType", "-json"])
    try:
        displays = json.loads(out or "{}").get("SPDisplaysDataType", [])
        return int(displays[0]["sppci_cores"]) if displays else None
    except (ValueError, KeyError, TypeError, IndexError):
        return None


def _read_apple() -> tuple[list[GpuDevice], list[str | Message]]:
    """The Apple Silicon GPU: chip name, GPU core count and unified memory size."""
    chip = (system._run(["sysctl", "-n", "machdep.cpu.brand_string"]) or "").strip()
    if not chip.startswith("Apple"):
        return [], [Message(N_("no Apple Silicon GPU (CPU {chip})"), chip=chip or Message(N_("unknown")))]
    memsize = (system._run(["sysctl", "-n", "hw.memsize"]) or "").strip()
    if not memsize.isdigit():
        return [], [Message(N_("{chip}: sysctl hw.memsize unreadable; unified memory unknown"), chip=chip)]
    import psutil

    cores = _apple_gpu_cores()
    return [
        GpuDevice(
            index=0,
            name=f"{chip} ({cores}-core GPU)" if cores else chip,
            vendor=Vendor.APPLE,
            memory_total_bytes=int(memsize),
            memory_free_bytes=int(psutil.virtual_memory().available),
            memory_type="LPDDR (unified)",
        )
    ], []


# ---------------------------------------------------------------------------------------------
# --bench: measured bandwidth
