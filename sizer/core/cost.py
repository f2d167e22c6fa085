"""Cost: buying and running a rig, per month and per million tokens, and break-even against renting
the GPUs and against a hosted API. Pure; money in the settings' currency."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from sizer.core.rigs import HardwareOption
from sizer.models import CostSettings, Currency, Money


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Cost(_Frozen):
    currency: Currency
    hardware: float
    power_per_month: float
    per_month: float
    per_million_tokens: float | None
    cloud_per_month: float | None = None
    break_even_months_vs_cloud: float | None = None
    api_per_month: float | None = None
    break_even_months_vs_api: float | None = None
    api_reference: str | None = None


def hardware_price(option: HardwareOption, settings: CostSettings) -> float | None:
    """Price of buying the rig in the settings' currency: GPUs plus the base system; None if unpriced.

    The base system is the class that holds `option.count` GPUs (CostSettings.base_system);
    Apple and other unified-memory machines are priced as whole computers (no base system).
    """
    if option.owned:
        return 0.0
    price = option.gpu.price
    if price is None:
        return None
    gpus = Money(amount=price.amount, currency=price.currency).to(settings.currency) * option.count
    return gpus + (0.0 if option.gpu.unified_memory else settings.base_system(option.count).price)


def cost(hardware: float, option: HardwareOption, aggregate_tokens_per_s: float, settings: CostSettings) -> Cost:
    """Monthly cost of owning and running a rig, per million tokens at the stated load, and the
    break-even against renting the same GPUs and against a hosted API.

    power = (GPU board power + base system) x utilisation x hours x price per kWh;
    per month = hardware / (years x 12) + power; tokens = aggregate tok/s x busy seconds.
    """
    busy_hours = settings.hours_per_month * settings.utilisation_frac
    box_w = 0.0 if option.gpu.unified_memory else settings.base_system(option.count).power_w
    watts = option.gpu.tdp_w * option.count + box_w
    power = watts / 1000 * busy_hours * settings.kwh_price
    per_month = hardware / (settings.amortisation_years * 12) + power
    tokens = aggregate_tokens_per_s * busy_hours * 3600
    per_million = per_month / (tokens / 1e6) if tokens > 0 else None
    cloud = _cloud_per_month(option, busy_hours, settings)
    api_name, api = _api_per_million(settings)
    api_month = api * tokens / 1e6 if api is not None else None
    return Cost(
        currency=settings.currency,
        hardware=round(hardware, 2),
        power_per_month=round(power, 2),
        per_month=round(per_month, 2),
        per_million_tokens=round(per_million, 4) if per_million is not None else None,
        cloud_per_month=round(cloud, 2) if cloud is not None else None,
        break_even_months_vs_cloud=_break_even(hardware, cloud, power),
        api_per_month=round(api_month, 2) if api_month is not None else None,
        break_even_months_vs_api=_break_even(hardware, api_month, power),
        api_reference=api_name,
    )


def _break_even(hardware: float, alternative_per_month: float | None, power: float) -> float | None:
    """Months until buying beats the alternative (None: never, or nothing to compare)."""
    if alternative_per_month is None or alternative_per_month <= power:
        return None
    return round(hardware / (alternative_per_month - power), 1)


def _cloud_per_month(option: HardwareOption, busy_hours: float, settings: CostSettings) -> float | None:
    names = {option.gpu.name.lower(), *(a.lower() for a in option.gpu.aliases)}
    prices = [
        Money(amount=p.price_per_hour, currency=p.currency).to(settings.currency)
        for p in settings.cloud_gpu_hourly
        if p.gpu.lower() in names
    ]
    return min(prices) * option.count * busy_hours if prices else None


def _api_per_million(settings: CostSettings) -> tuple[str | None, float | None]:
    prices = [
        (f"{p.provider} {p.model}", Money(amount=p.output_per_million, currency=p.currency).to(settings.currency))
        for p in settings.api_prices
        if settings.api_reference is None or settings.api_reference.lower() in p.model.lower()
    ]
    if not prices:
        return None, None
    return min(prices, key=lambda p: (p[1], p[0]))
