"""What owning and renting hardware costs: electricity, base system, load, cloud and API prices,
exchange rates."""

from __future__ import annotations

import math

from pydantic import Field, model_validator

from sizer.models.base import USD_PER_EUR, Currency, PositiveFloat, PositiveInt, _Frozen


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


class ApiClass(_Frozen):
    """A quality class of models and the hosted API a self-hosted model of that class is compared
    with: models up to `max_params_b` billion parameters (None: any size) belong to it."""

    name: str = Field(min_length=1)
    max_params_b: PositiveFloat | None = None
    model: str = Field(min_length=1)  # an ApiPrice.model


class Load(_Frozen):
    """How much an active user asks of the model: the basis of tokens per month.

    No defaults here: the values and their sources live in data/costs.yaml (`load`), once.
    """

    busy_hours_per_month: float = Field(gt=0, le=744)  # hours a month the users work with it
    requests_per_user_hour: float = Field(gt=0)  # requests one active user sends in a busy hour
    prompt_tokens: float = Field(ge=0)  # tokens the model reads per request (history included)
    output_tokens: float = Field(gt=0)  # tokens the model writes per request


class ExchangeRates(_Frozen):
    """Units of each currency one `base` buys, on `date`; a currency not listed cannot be converted."""

    base: str = "EUR"
    per_base: dict[str, PositiveFloat] = Field(default_factory=lambda: {"USD": USD_PER_EUR})
    date: str = "2025"
    source: str = "sizer.models.base.USD_PER_EUR"

    def convert(self, amount: float, currency: str, to: str) -> float | None:
        """`amount` of `currency` in `to` (None: no rate for one of them)."""
        rate = {**self.per_base, self.base: 1.0}
        have, want = rate.get(str(currency)), rate.get(str(to))
        if have is None or want is None:
            return None
        return amount / have * want


class CostSettings(_Frozen):
    """What running hardware costs: electricity, the box around the GPUs, use, write-off period.

    No defaults here: the values and their sources live in data/costs.yaml (`defaults`), once.
    """

    currency: Currency = Currency.EUR
    kwh_price: float = Field(ge=0)  # in `currency`
    base_systems: tuple[BaseSystem, ...] = ()  # one class per GPU count band, in `currency`
    base_system_price: float | None = Field(default=None, ge=0)  # overrides every class's price (--base-price)
    base_system_power_w: float | None = Field(default=None, ge=0)  # overrides every class's own draw
    utilisation_frac: float = Field(gt=0, le=1)  # --utilisation: busy hours = this x hours_per_month
    amortisation_years: float = Field(gt=0)
    hours_per_month: float = Field(default=730, gt=0)  # 8760 h / 12
    load: Load
    exchange_rates: ExchangeRates = ExchangeRates()
    cloud_gpu_hourly: tuple[CloudGpuPrice, ...] = ()
    api_prices: tuple[ApiPrice, ...] = ()
    api_classes: tuple[ApiClass, ...] = ()
    api_reference: str | None = None  # the API model cost comparisons use; default: the model's class

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
