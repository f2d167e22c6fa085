"""NVIDIA GPUs through NVML (`pynvml` from nvidia-ml-py, imported when used).

Memory bandwidth from NVML: bytes/s = bus_width_bits / 8 x max_memory_clock_MHz x 10**6 x 2.
`nvmlDeviceGetMaxClockInfo(NVML_CLOCK_MEM)` reports the clock that GDDR and HBM move data on both
edges of, so the data rate per pin is twice it, for every memory type checked against datasheets
(`nvidia-smi -q` "Max Clocks / Memory" with the bus width):
  RTX 4090, GDDR6X: 384 bit, 10501 MHz -> 1008 GB/s (datasheet 1008)
  A100 SXM4 80GB, HBM2e: 5120 bit, 1593 MHz -> 2039 GB/s (datasheet 2039)
  H100 SXM5, HBM3: 5120 bit, 2619 MHz -> 3352 GB/s (datasheet 3350)
"""

from __future__ import annotations

import platform
import threading
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from sizer.bounds import MAX_GPUS, echo
from sizer.errors import N_, Message, joined
from sizer.models import GpuDevice, Vendor
from sizer.units import bits_to_bytes

# Data transfers per NVML memory clock cycle (double data rate relative to the reported clock;
# see the module docstring for the datasheet check).
TRANSFERS_PER_MEMORY_CLOCK = 2
_HZ_PER_MHZ = 10**6
_MW_PER_W = 1000
_DEFAULT_NVLINK_LINKS = 18  # NVML_NVLINK_MAX_LINKS in older nvidia-ml-py
# A healthy NVML answers every query of an 8-GPU box in well under a second; a wedged driver
# never answers. 10 s is long enough for a slow first initialisation, short enough to wait for.
NVML_TIMEOUT_S = 10.0
# What the NVIDIA driver leaves on a Linux host that NVML can talk to: its control device, its
# /proc entry, or (WSL 2) the DirectX device the GPU is passed through on. None of them: no driver,
# and no reason to load the NVML library (some 60 ms) to be told so.
_LINUX_DRIVER_PATHS = ("/dev/nvidiactl", "/proc/driver/nvidia", "/dev/dxg")


def memory_bandwidth_bytes_per_s(bus_width_bits: int, max_memory_clock_mhz: int) -> float:
    """Peak memory bandwidth in bytes/s from NVML's bus width and max memory clock (module docstring)."""
    return bits_to_bytes(bus_width_bits) * max_memory_clock_mhz * _HZ_PER_MHZ * TRANSFERS_PER_MEMORY_CLOCK


# NVIDIA through NVML


def _text(value: Any) -> str:
    """nvidia-ml-py returns str; releases before 11.515 returned bytes."""
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)


def _error_text(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__


class _Queries:
    """Calls into pynvml for one device; each failure becomes a note instead of an exception."""

    def __init__(self, nvml: Any, handle: Any) -> None:
        self.nvml, self.handle = nvml, handle
        self.missing: list[Message] = []

    def __call__(self, what: str, function: str, *args: Any) -> Any:
        """`what` is the query's name, marked `N_` where it is written."""
        try:
            return getattr(self.nvml, function)(self.handle, *args)
        except Exception as exc:  # NVMLError_NotSupported and friends; AttributeError on old pynvml
            self.missing.append(Message(N_("{what} ({error})"), what=Message(what), error=_error_text(exc)))
            return None


def _cuda_version(nvml: Any) -> str | None:
    try:
        version = int(nvml.nvmlSystemGetCudaDriverVersion())  # 12020 -> "12.2"
    except Exception:
        return None
    return f"{version // 1000}.{version % 1000 // 10}"


def _driver_version(nvml: Any) -> str | None:
    try:
        return _text(nvml.nvmlSystemGetDriverVersion())
    except Exception:
        return None


def _nvlink_links(nvml: Any, handle: Any) -> int | None:
    """Active NVLink links; None when NVML reports none (GPUs without NVLink raise NotSupported)."""
    active = queried = 0
    enabled = getattr(nvml, "NVML_FEATURE_ENABLED", 1)
    for link in range(getattr(nvml, "NVML_NVLINK_MAX_LINKS", _DEFAULT_NVLINK_LINKS)):
        try:
            state = nvml.nvmlDeviceGetNvLinkState(handle, link)
        except Exception:  # past the last link (InvalidArgument) or no NVLink at all (NotSupported)
            break
        queried += 1
        active += state == enabled
    return active if queried else None


# Fields every GPU needs; any other field NVML gets wrong is dropped and the GPU still reported.
_REQUIRED = frozenset({"index", "name", "memory_total_bytes"})


def _validated(fields: dict[str, Any], warnings: list[str | Message]) -> GpuDevice | None:
    """A GpuDevice from what NVML said: a field out of range is dropped with a warning; a GPU
    without a usable name or memory size is left out with one. Never raises."""
    label = f"GPU {fields['index']}" + (f" ({echo(fields['name'])})" if fields.get("name") else "")
    for _ in range(len(fields)):  # every failed pass drops at least one field
        try:
            return GpuDevice(**fields)
        except ValidationError as exc:
            errors = [e for e in exc.errors() if e["loc"]]
            bad = {str(e["loc"][0]) for e in errors}
            what = ", ".join(
                f"{e['loc'][0]} {echo(repr(fields.get(str(e['loc'][0]))), 60)} ({e['msg'].lower()})" for e in errors
            )
            if not bad or bad & _REQUIRED:
                what = what or exc.errors()[0]["msg"].lower()
                warnings.append(Message(N_("{label}: NVML reported {what}; left out"), label=label, what=what))
                return None
            warnings.append(Message(N_("{label}: NVML reported {what}; ignored"), label=label, what=what))
            fields.update(dict.fromkeys(bad))
    return None


def _nvml_device(
    nvml: Any, index: int, driver: str | None, cuda: str | None, warnings: list[str | Message]
) -> GpuDevice | None:
    try:
        handle = nvml.nvmlDeviceGetHandleByIndex(index)
        name = _text(nvml.nvmlDeviceGetName(handle)).strip()
        memory = nvml.nvmlDeviceGetMemoryInfo(handle)
        total, used, free = int(memory.total), int(memory.used), int(memory.free)
    except Exception as exc:
        warnings.append(_unreadable(index, exc))
        return None
    q = _Queries(nvml, handle)
    uuid = q(N_("UUID"), "nvmlDeviceGetUUID")
    capability = q(N_("compute capability"), "nvmlDeviceGetCudaComputeCapability")
    bus = q(N_("memory bus width"), "nvmlDeviceGetMemoryBusWidth")
    clock = q(N_("max memory clock"), "nvmlDeviceGetMaxClockInfo", getattr(nvml, "NVML_CLOCK_MEM", 2))
    power_mw = q(N_("power limit"), "nvmlDeviceGetPowerManagementLimit")
    pcie_gen = q(N_("PCIe generation"), "nvmlDeviceGetMaxPcieLinkGeneration")
    pcie_width = q(N_("PCIe width"), "nvmlDeviceGetMaxPcieLinkWidth")
    processes = q(N_("processes"), "nvmlDeviceGetComputeRunningProcesses")
    if q.missing:
        warnings.append(
            Message(
                N_("GPU {index} ({name}): not reported by NVML: {missing}"),
                index=index,
                name=echo(name),
                missing=joined(", ", q.missing),
            )
        )
    in_use: tuple[int | None, int | None] = (used, free)
    if not (0 <= used <= total and 0 <= free <= total):
        warnings.append(
            Message(
                N_(
                    "GPU {index} ({name}): NVML reported {used} bytes used and {free} free of {total}; "
                    "memory in use unknown"
                ),
                index=index,
                name=echo(name),
                used=used,
                free=free,
                total=total,
            )
        )
        in_use = (None, None)
    bandwidth = memory_bandwidth_bytes_per_s(int(bus), int(clock)) if bus and clock else None
    return _validated(
        {
            "index": index,
            "name": name,
            "vendor": Vendor.NVIDIA,
            "uuid": _text(uuid) if uuid is not None else None,
            "memory_total_bytes": total,
            "memory_used_bytes": in_use[0],
            "memory_free_bytes": in_use[1],
            "bandwidth_bytes_per_s": bandwidth,
            "driver_version": driver,
            "cuda_version": cuda,
            "compute_capability": f"{capability[0]}.{capability[1]}" if capability else None,
            "memory_bus_width_bits": int(bus) if bus else None,
            "max_memory_clock_mhz": int(clock) if clock else None,
            "power_limit_w": power_mw / _MW_PER_W if power_mw else None,
            "pcie_generation": int(pcie_gen) if pcie_gen else None,
            "pcie_width": int(pcie_width) if pcie_width else None,
            "nvlink_links": _nvlink_links(nvml, handle),
            "processes": len(processes) if processes is not None else None,
        },
        warnings,
    )


def _unreadable(index: int, exc: BaseException) -> Message:
    return Message(N_("GPU {index}: NVML could not read it: {error}"), index=index, error=_error_text(exc))


def driver_absent() -> bool:
    """A Linux host without any trace of the NVIDIA driver (elsewhere NVML itself is asked)."""
    return platform.system() == "Linux" and not any(Path(p).exists() for p in _LINUX_DRIVER_PATHS)


def _query_nvml(gpus: list[GpuDevice], warnings: list[str | Message]) -> None:
    """Every NVIDIA GPU into `gpus`, one at a time (a GPU that fails is a warning, the next is read)."""
    if driver_absent():
        warnings.append(Message(N_("NVML unavailable: no NVIDIA driver on this host (no /dev/nvidiactl)")))
        return
    try:
        import pynvml
    except ImportError:
        warnings.append(Message(N_("NVML library not importable (install nvidia-ml-py): NVIDIA GPUs not probed")))
        return
    except Exception as exc:  # OSError from a broken libnvidia-ml, whatever a broken install raises
        warnings.append(
            Message(
                N_("NVML library failed to load ({kind}: {error}): NVIDIA GPUs not probed"),
                kind=type(exc).__name__,
                error=_error_text(exc),
            )
        )
        return
    try:
        pynvml.nvmlInit()
    except Exception as exc:  # NVMLError_LibraryNotFound, _DriverNotLoaded, _LibRmVersionMismatch, …
        warnings.append(
            Message(
                N_("NVML unavailable: {error} (no NVIDIA driver, or it does not match the library)"),
                error=_error_text(exc),
            )
        )
        return
    try:
        count = int(pynvml.nvmlDeviceGetCount())
        if count > MAX_GPUS:
            warnings.append(
                Message(N_("NVML reported {count} GPUs; reading the first {most}"), count=count, most=MAX_GPUS)
            )
        driver, cuda = _driver_version(pynvml), _cuda_version(pynvml)
        for index in range(min(count, MAX_GPUS)):
            try:
                device = _nvml_device(pynvml, index, driver, cuda, warnings)
            except Exception as exc:  # anything unforeseen costs this GPU, not the ones after it
                warnings.append(_unreadable(index, exc))
                continue
            if device is not None:
                gpus.append(device)
    except Exception as exc:
        warnings.append(Message(N_("NVML: {error}"), error=_error_text(exc)))
    finally:
        try:
            pynvml.nvmlShutdown()
        except Exception as exc:
            warnings.append(Message(N_("NVML shutdown: {error}"), error=_error_text(exc)))


def _worker(gpus: list[GpuDevice], warnings: list[str | Message]) -> None:
    try:
        _query_nvml(gpus, warnings)
    except BaseException as exc:  # nothing may escape the thread (Python would print a traceback)
        warnings.append(Message(N_("NVML: {error}"), error=_error_text(exc)))


def _read_nvml(timeout_s: float | None = None) -> tuple[list[GpuDevice], list[str | Message]]:
    """NVIDIA GPUs through NVML; every failure becomes a warning, and a query that hangs (a wedged
    driver) gives up after `timeout_s` (default NVML_TIMEOUT_S) with the GPUs read by then.

    The queries run in a daemon thread: a call stuck inside the driver cannot be interrupted, but
    the probe goes on without it and the process can still exit.
    """
    gpus: list[GpuDevice] = []
    warnings: list[str | Message] = []
    worker = threading.Thread(target=_worker, args=(gpus, warnings), name="sizer-nvml", daemon=True)
    worker.start()
    limit = NVML_TIMEOUT_S if timeout_s is None else timeout_s
    worker.join(limit)
    if worker.is_alive():
        done = list(gpus)
        late = (
            Message(N_("NVML did not answer within {limit:g} s (a hung driver?): no NVIDIA GPU probed"), limit=limit)
            if not done
            else Message(
                N_("NVML did not answer within {limit:g} s (a hung driver?): only {count} NVIDIA GPU(s) probed"),
                limit=limit,
                count=len(done),
            )
        )
        return done, [*list(warnings), late]
    return gpus, warnings
