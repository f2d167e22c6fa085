"""A stand-in for nvidia-ml-py's `pynvml` module, driven by a `Scenario` of fake GPUs.

It imitates the calls sizer makes, with nvidia-ml-py's names, return types and error classes:
nvmlDeviceGetName returns str (bytes with `names_as_bytes`, as releases before 11.515 did), memory
sizes are bytes, the power limit is milliwatts, the CUDA driver version an int (12040 = 12.4),
and a query a GPU does not support raises NVMLError_NotSupported. A query named in `hangs` blocks
like a wedged driver until the test sets `Scenario.release` (at most HANG_LIMIT_S).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

NVML_CLOCK_GRAPHICS = 0
NVML_CLOCK_SM = 1
NVML_CLOCK_MEM = 2
NVML_FEATURE_DISABLED = 0
NVML_FEATURE_ENABLED = 1
NVML_NVLINK_MAX_LINKS = 18

NVML_ERROR_UNINITIALIZED = 1
NVML_ERROR_INVALID_ARGUMENT = 2
NVML_ERROR_NOT_SUPPORTED = 3
NVML_ERROR_DRIVER_NOT_LOADED = 9
NVML_ERROR_LIBRARY_NOT_FOUND = 12
NVML_ERROR_LIB_RM_VERSION_MISMATCH = 18
NVML_ERROR_UNKNOWN = 999

_MESSAGES = {
    NVML_ERROR_UNINITIALIZED: "Uninitialized",
    NVML_ERROR_INVALID_ARGUMENT: "Invalid Argument",
    NVML_ERROR_NOT_SUPPORTED: "Not Supported",
    NVML_ERROR_DRIVER_NOT_LOADED: "Driver Not Loaded",
    NVML_ERROR_LIBRARY_NOT_FOUND: "NVML Shared Library Not Found",
    NVML_ERROR_LIB_RM_VERSION_MISMATCH: "RM has detected an NVML/RM version mismatch.",
    NVML_ERROR_UNKNOWN: "Unknown Error",
}


class NVMLError(Exception):
    """Base class; the subclasses carry nvidia-ml-py's names (NVMLError_NotSupported, …)."""

    value = NVML_ERROR_UNKNOWN

    def __str__(self) -> str:
        return _MESSAGES.get(self.value, "Unknown Error")


class NVMLError_Uninitialized(NVMLError):
    value = NVML_ERROR_UNINITIALIZED


class NVMLError_InvalidArgument(NVMLError):
    value = NVML_ERROR_INVALID_ARGUMENT


class NVMLError_NotSupported(NVMLError):
    value = NVML_ERROR_NOT_SUPPORTED


class NVMLError_DriverNotLoaded(NVMLError):
    value = NVML_ERROR_DRIVER_NOT_LOADED


class NVMLError_LibraryNotFound(NVMLError):
    value = NVML_ERROR_LIBRARY_NOT_FOUND


class NVMLError_LibRmVersionMismatch(NVMLError):
    value = NVML_ERROR_LIB_RM_VERSION_MISMATCH


MiB = 2**20


@dataclass
class FakeGpu:
    """One GPU as the driver would describe it."""

    name: str
    memory_total: int
    memory_used: int = 0
    uuid: str = "GPU-00000000-0000-0000-0000-000000000000"
    compute_capability: tuple[int, int] = (8, 9)
    bus_width_bits: int = 384
    max_memory_clock_mhz: int = 10501
    power_limit_mw: int = 450_000
    pcie_generation: int = 4
    pcie_width: int = 16
    nvlink_links: int | None = None  # None: the GPU has no NVLink (NotSupported)
    process_bytes: tuple[int, ...] = ()  # memory each compute process holds
    unsupported: frozenset[str] = frozenset()  # functions that raise NVMLError_NotSupported
    hangs: frozenset[str] = frozenset()  # functions that block until Scenario.release is set


@dataclass
class Scenario:
    gpus: list[FakeGpu] = field(default_factory=list)
    driver_version: str = "550.54.15"
    cuda_driver_version: int = 12040
    init_error: type[NVMLError] | None = None
    names_as_bytes: bool = False
    initialized: bool = False
    shutdowns: int = 0
    release: threading.Event = field(default_factory=threading.Event)


HANG_LIMIT_S = 30.0  # a hung fake call gives up by itself, so no test can leave a thread forever


SCENARIO = Scenario()


def h100(index: int = 0, **kw) -> FakeGpu:
    """NVIDIA H100 SXM5 80GB as nvidia-smi shows it: 81559 MiB, HBM3 5120 bit at 2619 MHz, 700 W, 18 NVLinks."""
    base = dict(
        name="NVIDIA H100 80GB HBM3",
        memory_total=81559 * MiB,
        memory_used=4 * MiB,
        uuid=f"GPU-h100-{index}",
        compute_capability=(9, 0),
        bus_width_bits=5120,
        max_memory_clock_mhz=2619,
        power_limit_mw=700_000,
        pcie_generation=5,
        pcie_width=16,
        nvlink_links=18,
    )
    return FakeGpu(**{**base, **kw})


def rtx4090(index: int = 0, **kw) -> FakeGpu:
    """NVIDIA GeForce RTX 4090: 24564 MiB, GDDR6X 384 bit at 10501 MHz, 450 W, no NVLink."""
    base = dict(
        name="NVIDIA GeForce RTX 4090",
        memory_total=24564 * MiB,
        memory_used=300 * MiB,
        uuid=f"GPU-4090-{index}",
        compute_capability=(8, 9),
        bus_width_bits=384,
        max_memory_clock_mhz=10501,
        power_limit_mw=450_000,
    )
    return FakeGpu(**{**base, **kw})


class _Handle:
    def __init__(self, index: int) -> None:
        self.index = index


class _Memory:
    def __init__(self, total: int, used: int) -> None:
        self.total, self.used, self.free = total, used, total - used


class _Process:
    def __init__(self, pid: int, used: int) -> None:
        self.pid, self.usedGpuMemory = pid, used


def _require_init() -> None:
    if not SCENARIO.initialized:
        raise NVMLError_Uninitialized()


def _gpu(handle: _Handle, function: str) -> FakeGpu:
    _require_init()
    gpu = SCENARIO.gpus[handle.index]
    if function in gpu.hangs:
        SCENARIO.release.wait(HANG_LIMIT_S)
    if function in gpu.unsupported:
        raise NVMLError_NotSupported()
    return gpu


def nvmlInit() -> None:
    if SCENARIO.init_error is not None:
        raise SCENARIO.init_error()
    SCENARIO.initialized = True


def nvmlShutdown() -> None:
    _require_init()
    SCENARIO.initialized = False
    SCENARIO.shutdowns += 1


def nvmlSystemGetDriverVersion() -> str:
    _require_init()
    return SCENARIO.driver_version


def nvmlSystemGetCudaDriverVersion() -> int:
    _require_init()
    return SCENARIO.cuda_driver_version


def nvmlDeviceGetCount() -> int:
    _require_init()
    return len(SCENARIO.gpus)


def nvmlDeviceGetHandleByIndex(index: int) -> _Handle:
    _require_init()
    if not 0 <= index < len(SCENARIO.gpus):
        raise NVMLError_InvalidArgument()
    return _Handle(index)


def nvmlDeviceGetName(handle: _Handle) -> str | bytes:
    name = _gpu(handle, "nvmlDeviceGetName").name
    return name.encode() if SCENARIO.names_as_bytes else name


def nvmlDeviceGetUUID(handle: _Handle) -> str:
    return _gpu(handle, "nvmlDeviceGetUUID").uuid


def nvmlDeviceGetMemoryInfo(handle: _Handle, version: int | None = None) -> _Memory:
    gpu = _gpu(handle, "nvmlDeviceGetMemoryInfo")
    return _Memory(gpu.memory_total, gpu.memory_used + sum(gpu.process_bytes))


def nvmlDeviceGetCudaComputeCapability(handle: _Handle) -> tuple[int, int]:
    return _gpu(handle, "nvmlDeviceGetCudaComputeCapability").compute_capability


def nvmlDeviceGetMemoryBusWidth(handle: _Handle) -> int:
    return _gpu(handle, "nvmlDeviceGetMemoryBusWidth").bus_width_bits


def nvmlDeviceGetMaxClockInfo(handle: _Handle, clock_type: int) -> int:
    gpu = _gpu(handle, "nvmlDeviceGetMaxClockInfo")
    if clock_type != NVML_CLOCK_MEM:
        raise NVMLError_InvalidArgument()
    return gpu.max_memory_clock_mhz


def nvmlDeviceGetPowerManagementLimit(handle: _Handle) -> int:
    return _gpu(handle, "nvmlDeviceGetPowerManagementLimit").power_limit_mw


def nvmlDeviceGetMaxPcieLinkGeneration(handle: _Handle) -> int:
    return _gpu(handle, "nvmlDeviceGetMaxPcieLinkGeneration").pcie_generation


def nvmlDeviceGetMaxPcieLinkWidth(handle: _Handle) -> int:
    return _gpu(handle, "nvmlDeviceGetMaxPcieLinkWidth").pcie_width


def nvmlDeviceGetNvLinkState(handle: _Handle, link: int) -> int:
    gpu = _gpu(handle, "nvmlDeviceGetNvLinkState")
    if gpu.nvlink_links is None:
        raise NVMLError_NotSupported()
    if link >= gpu.nvlink_links:
        raise NVMLError_InvalidArgument()
    return NVML_FEATURE_ENABLED


def nvmlDeviceGetComputeRunningProcesses(handle: _Handle) -> list[_Process]:
    gpu = _gpu(handle, "nvmlDeviceGetComputeRunningProcesses")
    return [_Process(1000 + i, used) for i, used in enumerate(gpu.process_bytes)]
