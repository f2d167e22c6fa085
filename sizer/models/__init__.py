"""The vocabulary: pydantic models for catalog entries, workloads, assumptions, hosts and results.

Layer 0: imports only the standard library and pydantic. Result models are the JSON that
`--json` prints (`model_dump(mode="json")`); memory is in bytes (int) everywhere. One module per
subject; everything is re-exported here.
"""

from __future__ import annotations

from sizer.constants import UseCase
from sizer.models.assumptions import Assumptions
from sizer.models.base import USD_PER_EUR, Currency, DateText, Engine, Money, PositiveFloat, PositiveInt, Vendor, slug
from sizer.models.catalog import Experts, FileWeights, GpuSpec, Mla, ModelSpec, Price, Quality, SlidingWindow
from sizer.models.costs import ApiPrice, CloudGpuPrice, CostSettings
from sizer.models.host import PROBE_SCHEMA, CpuInfo, DiskInfo, GpuDevice, Host, MemoryInfo
from sizer.models.needs import Needs
from sizer.models.results import Estimate, MemoryBytes, Offload
from sizer.models.workload import Workload

__all__ = [
    "PROBE_SCHEMA",
    "USD_PER_EUR",
    "ApiPrice",
    "Assumptions",
    "CloudGpuPrice",
    "CostSettings",
    "CpuInfo",
    "Currency",
    "DateText",
    "DiskInfo",
    "Engine",
    "Estimate",
    "Experts",
    "FileWeights",
    "GpuDevice",
    "GpuSpec",
    "Host",
    "MemoryBytes",
    "MemoryInfo",
    "Mla",
    "ModelSpec",
    "Money",
    "Needs",
    "Offload",
    "PositiveFloat",
    "PositiveInt",
    "Price",
    "Quality",
    "SlidingWindow",
    "UseCase",
    "Vendor",
    "Workload",
    "slug",
]
