"""What owning and renting hardware costs: electricity, base system, cloud and API prices."""

from __future__ import annotations

from pydantic import Field

from sizer.models.base import Currency, PositiveFloat, _Frozen


class CloudGpuPrice(_Frozen):
    """On-demand rental of one GPU, per hour."""

    gpu: str
    price_per_hour: PositiveFloat
    currency: Currency
    provider: str
    date: str
    source: str


class ApiPrice(_Frozen):
    """A hosted model's price per million generated (output) tokens."""

    model: str
    provider: str
    output_per_million: PositiveFloat
    input_per_million: float | None = None
    currency: Currency
    date: str
    source: str


class CostSettings(_Frozen):
    """What running hardware costs: electricity, the box around the GPUs, use, write-off period.

    No defaults here: the values and their sources live in data/costs.yaml (`defaults`), once.
    """

    currency: Currency = Currency.EUR
    kwh_price: float = Field(ge=0)  # in `currency`
    base_system_price: float = Field(ge=0)  # in `currency`; CPU, board, RAM, PSU, case
    base_system_power_w: float = Field(ge=0)
    utilisation_frac: float = Field(gt=0, le=1)
    amortisation_years: float = Field(gt=0)
    hours_per_month: float = Field(default=730, gt=0)  # 8760 h / 12
    cloud_gpu_hourly: tuple[CloudGpuPrice, ...] = ()
    api_prices: tuple[ApiPrice, ...] = ()
    api_reference: str | None = None  # the API model cost comparisons use; default: the cheapest listed
