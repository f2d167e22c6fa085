"""A machine as `sizer probe` reports it (schema sizer.probe/1)."""

from __future__ import annotations

from typing import Final, Literal

from pydantic import ConfigDict, Field

from sizer.constants import PROBE_SCHEMA_ID
from sizer.models.base import PositiveFloat, PositiveInt, Vendor, _Frozen

PROBE_SCHEMA: Final = PROBE_SCHEMA_ID


class CpuInfo(_Frozen):
    model: str = "unknown"
    physical_cores: int | None = Field(default=None, ge=1)
    logical_cores: int | None = Field(default=None, ge=1)
    arch: str = "unknown"


class MemoryInfo(_Frozen):
    total_bytes: int = Field(ge=0)
    available_bytes: int | None = Field(default=None, ge=0)


class DiskInfo(_Frozen):
    """Free space where models will live; `path` is the directory measured (the nearest existing
    one), `requested_path` the one asked for when it does not exist yet."""

    path: str
    total_bytes: int = Field(ge=0)
    free_bytes: int = Field(ge=0)
    label: str | None = None  # huggingface, ollama or models-dir
    requested_path: str | None = None


class GpuDevice(_Frozen):
    """One GPU as this machine reports it. A hand-written file needs only name, memory, bandwidth."""

    index: int = Field(default=0, ge=0)
    name: str = Field(min_length=1)
    vendor: Vendor | None = None
    uuid: str | None = None
    memory_total_bytes: PositiveInt
    memory_free_bytes: int | None = Field(default=None, ge=0)
    memory_used_bytes: int | None = Field(default=None, ge=0)
    bandwidth_bytes_per_s: PositiveFloat | None = None  # from bus width x memory clock, or measured
    bandwidth_measured: bool = False  # True when `sizer probe --bench` measured bandwidth_bytes_per_s
    memory_type: str | None = None  # HBM3, GDDR6X, …; a hand-written file may say (else inferred)
    fp16_tflops: PositiveFloat | None = None
    catalog_id: str | None = None
    driver_version: str | None = None
    cuda_version: str | None = None
    compute_capability: str | None = None
    memory_bus_width_bits: int | None = None
    max_memory_clock_mhz: int | None = None
    power_limit_w: float | None = None
    pcie_generation: int | None = None
    pcie_width: int | None = None
    nvlink_links: int | None = None
    processes: int | None = None  # processes holding memory on it, where the driver tells


class Host(_Frozen):
    """What `sizer probe --json` prints and `--hardware FILE` reads: schema sizer.probe/1."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    schema_: Literal["sizer.probe/1"] = Field(default=PROBE_SCHEMA, alias="schema")
    os: str = "unknown"
    cpu: CpuInfo = CpuInfo()
    memory: MemoryInfo | None = None
    disks: tuple[DiskInfo, ...] = ()
    gpus: tuple[GpuDevice, ...] = ()
    measured_ram_bandwidth_bytes_per_s: PositiveFloat | None = None
    warnings: tuple[str, ...] = ()
