"""Cost: buying and running a rig, per month and per million tokens at the stated load, and
break-even against renting the same GPUs and against a hosted API of the model's quality class.
Pure; money in the settings' currency (a price in a currency without a rate is not used)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from sizer.core.rigs import HardwareOption
from sizer.models import ApiPrice, BaseSystem, CostSettings, Currency, Load, ModelSpec, Money


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)


class Cost(_Frozen):
    currency: Currency
    hardware: float
    power_per_month: float
    per_month: float
    monthly_tokens: int = 0  # prompt + output tokens the stated users send and get in a month
    per_million_tokens: float | None
    cloud_per_month: float | None = None
    break_even_months_vs_cloud: float | None = None
    api_per_month: float | None = None
    break_even_months_vs_api: float | None = None
    api_reference: str | None = None
    api_class: str | None = None
    monthly_requests: int = 0
    capped: bool = False  # the users ask for more than the rig produces; tokens are what it produces


class Demand(_Frozen):
    """What the users ask for in a month: requests, and the tokens read and written."""

    requests: float
    prompt_tokens: float
    output_tokens: float
    capped: bool

    @property
    def tokens(self) -> float:
        return self.prompt_tokens + self.output_tokens


def convert(amount: float, currency: object, settings: CostSettings) -> float | None:
    """`amount` of `currency` (a Currency or its code) in the settings' currency, at the dated rate
    from data/costs.yaml; None where there is no rate for it."""
    code = currency.value if isinstance(currency, Currency) else str(currency)
    return settings.exchange_rates.convert(amount, code, settings.currency.value)


def money_in(money: Money, settings: CostSettings) -> float | None:
    return convert(money.amount, money.currency, settings)


def hardware_price(option: HardwareOption, settings: CostSettings) -> float | None:
    """Price of buying the rig in the settings' currency: GPUs plus the base system; None if
    unpriced or priced in a currency without a rate. Hardware the user has costs nothing to buy.

    The base system is the class that holds `option.count` GPUs (CostSettings.base_system);
    Apple and other unified-memory machines are priced as whole computers (no base system).
    """
    if option.owned:
        return 0.0
    price = option.gpu.price
    if price is None:
        return None
    each = convert(price.amount, price.currency, settings)
    if each is None:
        return None
    node = each * option.count + (0.0 if option.gpu.unified_memory else base_system(option, settings).price)
    return node * option.machines  # a multi-node rig, or copies of one: that many machines of `count` GPUs each


def base_system(option: HardwareOption, settings: CostSettings) -> BaseSystem:
    """The machine around one node's GPUs: the class that holds their count; socketed modules
    (`baseboard_gpus`) go in a server built for their largest baseboard, whatever the count."""
    return settings.base_system(max((option.count, *option.gpu.baseboard_gpus)))


def busy_hours(settings: CostSettings) -> float:
    return settings.load.busy_hours_per_month


def running_cost(hardware: float, option: HardwareOption, settings: CostSettings) -> tuple[float, float]:
    """(power per month, cost per month) of owning and running the rig.

    power = (GPU board power x count + the base system's own draw) x busy hours x price per kWh: the
    box at full board power while the users work with it (an upper bound), off otherwise; the base
    system is the class that holds the rig's GPU count (CostSettings.base_system), none for Apple;
    per month = hardware / (write-off years x 12) + power.
    """
    box_w = 0.0 if option.gpu.unified_memory else base_system(option, settings).power_w
    watts = (option.gpu.tdp_w * option.count + box_w) * option.machines
    power = watts / 1000 * busy_hours(settings) * settings.kwh_price
    return power, hardware / (settings.amortisation_years * 12) + power


def demand(users: int, load: Load, prefill_tokens_per_s: float, aggregate_tokens_per_s: float) -> Demand:
    """The month's requests and tokens from the load, no more than the rig can produce.

    asked = users x requests per user-hour x busy hours; each request takes the rig
    prompt / prefill rate + output / aggregate decode rate seconds (prefill runs one prompt at a
    time, decode serves every user at once), so it produces at most busy seconds / that many.
    """
    asked = users * load.requests_per_user_hour * load.busy_hours_per_month
    seconds_each = (load.prompt_tokens / prefill_tokens_per_s if prefill_tokens_per_s > 0 else 0.0) + (
        load.output_tokens / aggregate_tokens_per_s if aggregate_tokens_per_s > 0 else float("inf")
    )
    most = load.busy_hours_per_month * 3600 / seconds_each
    served = min(asked, most)
    return Demand(
        requests=served,
        prompt_tokens=served * load.prompt_tokens,
        output_tokens=served * load.output_tokens,
        capped=asked > most,
    )


def api_for(model: ModelSpec | None, settings: CostSettings) -> tuple[str | None, ApiPrice | None]:
    """The hosted API a model is compared with: `api_reference` if set, else its quality class's
    (the first class whose size limit holds the model's parameters); (class, price) or Nones."""
    if settings.api_reference is not None:
        wanted = settings.api_reference.lower()
        return None, next((p for p in settings.api_prices if wanted in p.model.lower()), None)
    if model is None:
        return None, None
    billions = model.params_total / 1e9
    chosen = next((c for c in settings.api_classes if c.max_params_b is None or billions <= c.max_params_b), None)
    if chosen is None:
        return None, None
    return chosen.name, next((p for p in settings.api_prices if p.model == chosen.model), None)


def cost(
    hardware: float,
    option: HardwareOption,
    settings: CostSettings,
    users: int,
    prefill_tokens_per_s: float,
    aggregate_tokens_per_s: float,
    model: ModelSpec | None = None,
) -> Cost:
    """Monthly cost of owning and running a rig for `users` active users, per million of the
    tokens they send and get, and the break-even against renting the same GPUs for the busy hours
    and against the hosted API of the model's class for the same tokens.

    per million tokens = cost per month / (monthly tokens / 1e6).
    """
    power, per_month = running_cost(hardware, option, settings)
    asked = demand(users, settings.load, prefill_tokens_per_s, aggregate_tokens_per_s)
    tokens = round(asked.tokens)
    per_month = round(per_month, 2)
    per_million = round(per_month / (tokens / 1e6), 6) if tokens > 0 else None
    cloud = _cloud_per_month(option, settings)
    api_class, api = api_for(model, settings)
    api_month = _api_per_month(api, asked, settings)
    return Cost(
        currency=settings.currency,
        hardware=round(hardware, 2),
        power_per_month=round(power, 2),
        per_month=per_month,
        monthly_tokens=tokens,
        per_million_tokens=per_million,
        cloud_per_month=round(cloud, 2) if cloud is not None else None,
        break_even_months_vs_cloud=_break_even(hardware, cloud, power),
        api_per_month=round(api_month, 2) if api_month is not None else None,
        break_even_months_vs_api=_break_even(hardware, api_month, power),
        api_reference=f"{api.provider} {api.model}" if api is not None else None,
        api_class=api_class,
        monthly_requests=round(asked.requests),
        capped=asked.capped,
    )


def _break_even(hardware: float, alternative_per_month: float | None, power: float) -> float | None:
    """Months until buying beats the alternative: hardware / (alternative - power) a month
    (None: never, or nothing to compare; 0 for hardware already here)."""
    if alternative_per_month is None or alternative_per_month <= power:
        return None
    return round(hardware / (alternative_per_month - power), 1)


def _cloud_per_month(option: HardwareOption, settings: CostSettings) -> float | None:
    """Renting the same GPUs for the busy hours: the cheapest listed hourly price x every GPU x hours."""
    names = {option.gpu.name.lower(), *(a.lower() for a in option.gpu.aliases)}
    prices = [
        price
        for p in settings.cloud_gpu_hourly
        if p.gpu.lower() in names and (price := convert(p.price_per_hour, p.currency, settings)) is not None
    ]
    return min(prices) * option.count * option.machines * busy_hours(settings) if prices else None


def _api_per_month(api: ApiPrice | None, asked: Demand, settings: CostSettings) -> float | None:
    """The same tokens from the API: prompt tokens at its input price, output at its output price."""
    if api is None or api.input_per_million is None:
        return None
    rate_in = convert(api.input_per_million, api.currency, settings)
    rate_out = convert(api.output_per_million, api.currency, settings)
    if rate_in is None or rate_out is None:
        return None
    return (asked.prompt_tokens * rate_in + asked.output_tokens * rate_out) / 1e6


# A purchase order wants prices from the last 12 months (older ones: ask for a quote first).
PRICE_MAX_AGE_MONTHS = 12


def months_old(date: str, today: tuple[int, int]) -> int:
    """Whole months from a price's `date` (YYYY, YYYY-MM or YYYY-MM-DD) to `today` (year, month);
    a bare year counts from its January."""
    year, _, rest = date.partition("-")
    month = int(rest[:2]) if rest else 1
    return (today[0] - int(year)) * 12 + today[1] - month


def old_prices(gpus: list[tuple[str, str, str]], today: tuple[int, int]) -> list[tuple[str, str, str]]:
    """Of (GPU name, price date, price kind) the ones whose price is older than
    PRICE_MAX_AGE_MONTHS, each GPU once, in the order given."""
    seen: set[str] = set()
    out = []
    for name, date, kind in gpus:
        if name not in seen and months_old(date, today) > PRICE_MAX_AGE_MONTHS:
            seen.add(name)
            out.append((name, date, kind))
    return out
