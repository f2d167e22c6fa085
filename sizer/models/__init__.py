"""The vocabulary: pydantic models for catalog entries, workloads, assumptions, hosts, results and
the reasons results carry (codes and numbers; render/messages.py words them).

Layer 0: imports only the standard library and pydantic. Result models are the JSON that
`--json` prints (`model_dump(mode="json")`, with render/json.py adding the sentence of each code);
memory is in bytes (int) everywhere. One module per subject; everything is re-exported here.
"""

from __future__ import annotations

from sizer.constants import UseCase
from sizer.models.assumptions import Assumptions, LlamaCppAssumptions, VllmAssumptions
from sizer.models.base import (
    USD_PER_EUR,
    Currency,
    DateText,
    Engine,
    Money,
    PositiveFloat,
    PositiveInt,
    Sentence,
    Vendor,
    slug,
)
from sizer.models.catalog import (
    BenchmarkScore,
    Experts,
    FileWeights,
    GpuSpec,
    Mla,
    ModelSpec,
    Price,
    Quality,
    QuantLoss,
    Repos,
    SlidingWindow,
    UseCaseScores,
)
from sizer.models.costs import ApiClass, ApiPrice, BaseSystem, CloudGpuPrice, CostSettings, ExchangeRates, Load
from sizer.models.host import PROBE_SCHEMA, CpuInfo, DiskInfo, GpuDevice, Host, MemoryInfo
from sizer.models.interconnect import Interconnect, Interconnects
from sizer.models.launch import LaunchSpec
from sizer.models.needs import Needs
from sizer.models.reasons import REASON_CODES, Reason
from sizer.models.results import Estimate, Layout, MemoryBytes, Offload
from sizer.models.workload import KvCacheType, Workload

__all__ = [
    "PROBE_SCHEMA",
    "REASON_CODES",
    "USD_PER_EUR",
    "ApiClass",
    "ApiPrice",
    "Assumptions",
    "BaseSystem",
    "BenchmarkScore",
    "CloudGpuPrice",
    "CostSettings",
    "CpuInfo",
    "Currency",
    "DateText",
    "DiskInfo",
    "Engine",
    "Estimate",
    "ExchangeRates",
    "Experts",
    "FileWeights",
    "GpuDevice",
    "GpuSpec",
    "Host",
    "Interconnect",
    "Interconnects",
    "KvCacheType",
    "LaunchSpec",
    "Layout",
    "LlamaCppAssumptions",
    "Load",
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
    "QuantLoss",
    "Reason",
    "Repos",
    "Sentence",
    "SlidingWindow",
    "UseCase",
    "UseCaseScores",
    "Vendor",
    "VllmAssumptions",
    "Workload",
    "slug",
]
