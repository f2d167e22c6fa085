"""A machine as `sizer probe` reports it (schema sizer.probe/1)."""

from __future__ import annotations

from typing import Annotated, Final, Literal

from pydantic import ConfigDict, Field

from sizer.bounds import (
    MAX_BANDWIDTH_BYTES_PER_S,
    MAX_BUS_WIDTH_BITS,
    MAX_DEVICE_BYTES,
    MAX_GPUS,
    MAX_MEMORY_CLOCK_MHZ,
    MAX_POWER_W,
    MAX_TFLOPS,
    MIN_BANDWIDTH_BYTES_PER_S,
    MIN_TFLOPS,
)
from sizer.constants import PROBE_SCHEMA_ID
from sizer.models.base import Sentence, Vendor, _Frozen

PROBE_SCHEMA: Final = PROBE_SCHEMA_ID

# A hardware file is untrusted input: every number finite (no NaN, no Infinity) and within
# sizer.bounds, so nothing downstream divides by a denormal or sizes 2^80 bytes.
_STRICT = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False, defer_build=True)
DeviceBytes = Annotated[int, Field(ge=0, le=MAX_DEVICE_BYTES)]
Bandwidth = Annotated[float, Field(ge=MIN_BANDWIDTH_BYTES_PER_S, le=MAX_BANDWIDTH_BYTES_PER_S)]


class CpuInfo(_Frozen):
    model_config = _STRICT

    model: str = "unknown"
    physical_cores: int | None = Field(default=None, ge=1)
    logical_cores: int | None = Field(default=None, ge=1)
    arch: str = "unknown"


class MemoryInfo(_Frozen):
    model_config = _STRICT

    total_bytes: int = Field(ge=0)
    available_bytes: int | None = Field(default=None, ge=0)


class DiskInfo(_Frozen):
    """Free space where models will live; `path` is the directory measured (the nearest existing
    one), `requested_path` the one asked for when it does not exist yet."""

    model_config = _STRICT

    path: str
    total_bytes: int = Field(ge=0)
    free_bytes: int = Field(ge=0)
    label: str | None = None  # huggingface, ollama or models-dir
    requested_path: str | None = None


class GpuDevice(_Frozen):
    """One GPU as this machine reports it. A hand-written file needs only name, memory, bandwidth."""

    model_config = _STRICT

    index: int = Field(default=0, ge=0, lt=MAX_GPUS)
    name: str = Field(min_length=1)
    vendor: Vendor | None = None
    uuid: str | None = None
    memory_total_bytes: int = Field(gt=0, le=MAX_DEVICE_BYTES)
    memory_free_bytes: DeviceBytes | None = None
    memory_used_bytes: DeviceBytes | None = None
    bandwidth_bytes_per_s: Bandwidth | None = None  # from bus width x memory clock, or measured
    bandwidth_measured: bool = False  # True when `sizer probe --bench` measured bandwidth_bytes_per_s
    memory_type: str | None = None  # HBM3, GDDR6X, …; a hand-written file may say (else inferred)
    fp16_tflops: float | None = Field(default=None, ge=MIN_TFLOPS, le=MAX_TFLOPS)
    catalog_id: str | None = None
    driver_version: str | None = None
    cuda_version: str | None = None
    compute_capability: str | None = None
    memory_bus_width_bits: int | None = Field(default=None, ge=1, le=MAX_BUS_WIDTH_BITS)
    max_memory_clock_mhz: int | None = Field(default=None, ge=1, le=MAX_MEMORY_CLOCK_MHZ)
    power_limit_w: float | None = Field(default=None, gt=0, le=MAX_POWER_W)
    pcie_generation: int | None = Field(default=None, ge=1)
    pcie_width: int | None = Field(default=None, ge=1)
    nvlink_links: int | None = Field(default=None, ge=0)
    processes: int | None = Field(default=None, ge=0)  # processes holding memory on it, where the driver tells


class Host(_Frozen):
    """What `sizer probe --json` prints and `--hardware FILE` reads: schema sizer.probe/1."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True, allow_inf_nan=False, defer_build=True)

    schema_: Literal["sizer.probe/1"] = Field(default=PROBE_SCHEMA, alias="schema")
    os: str = "unknown"
    cpu: CpuInfo = CpuInfo()
    memory: MemoryInfo | None = None
    disks: tuple[DiskInfo, ...] = ()
    gpus: tuple[GpuDevice, ...] = Field(default=(), max_length=MAX_GPUS)
    measured_ram_bandwidth_bytes_per_s: Bandwidth | None = None
    warnings: tuple[Sentence, ...] = ()  # what could not be read; English in JSON
