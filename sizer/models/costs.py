"""What owning and renting hardware costs: electricity, base system, cloud and API prices."""

from __future__ import annotations

import math

from pydantic import Field, model_validator

from sizer.models.base import Currency, PositiveFloat, PositiveInt, _Frozen


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


class BaseSystem(_Frozen):
    """The machine around the GPUs (CPU, board, RAM, SSD, PSU, case) for up to `max_gpus` cards."""

    name: str = Field(min_length=1)  # desktop | workstation | server-8gpu (data/costs.yaml)
    max_gpus: PositiveInt
    price: float = Field(ge=0)  # in the settings' currency, net of VAT
    power_w: float = Field(ge=0)  # the system's own draw under load, GPUs not counted
    boxes: PositiveInt = 1  # how many such machines a rig needs (more GPUs than the largest class holds)


class CostSettings(_Frozen):
    """What running hardware costs: electricity, the box around the GPUs, use, write-off period.

    No defaults here: the values and their sources live in data/costs.yaml (`defaults`), once.
    """

    currency: Currency = Currency.EUR
    kwh_price: float = Field(ge=0)  # in `currency`
    base_systems: tuple[BaseSystem, ...] = ()  # one class per GPU count band, in `currency`
    base_system_price: float | None = Field(default=None, ge=0)  # overrides every class's price (--base-price)
    base_system_power_w: float | None = Field(default=None, ge=0)  # overrides every class's own draw
    utilisation_frac: float = Field(gt=0, le=1)
    amortisation_years: float = Field(gt=0)
    hours_per_month: float = Field(default=730, gt=0)  # 8760 h / 12
    cloud_gpu_hourly: tuple[CloudGpuPrice, ...] = ()
    api_prices: tuple[ApiPrice, ...] = ()
    api_reference: str | None = None  # the API model cost comparisons use; default: the cheapest listed

    @model_validator(mode="after")
    def _has_base_system(self) -> CostSettings:
        if not self.base_systems and (self.base_system_price is None or self.base_system_power_w is None):
            raise ValueError("base_systems, or both base_system_price and base_system_power_w, are needed")
        return self

    def base_system(self, gpu_count: int) -> BaseSystem:
        """The machine a rig of `gpu_count` GPUs sits in: the smallest class that holds them; beyond
        the largest class, as many of the largest as it takes (price and power times the boxes).
        `base_system_price` / `base_system_power_w`, when set, replace the class's figures."""
        fits = sorted((s for s in self.base_systems if s.max_gpus >= gpu_count), key=lambda s: s.max_gpus)
        if fits:
            chosen, boxes = fits[0], 1
        elif self.base_systems:
            chosen = max(self.base_systems, key=lambda s: s.max_gpus)
            boxes = math.ceil(gpu_count / chosen.max_gpus)
        else:
            chosen, boxes = BaseSystem(name="base", max_gpus=max(gpu_count, 1), price=0, power_w=0), 1
        price = self.base_system_price if self.base_system_price is not None else chosen.price
        power = self.base_system_power_w if self.base_system_power_w is not None else chosen.power_w
        return chosen.model_copy(update={"price": price * boxes, "power_w": power * boxes, "boxes": boxes})
