"""Number and label formatting shared by the formats: GiB, GB/s, tokens/s, money, rigs."""

from __future__ import annotations

import math

from sizer.core.cost import Cost
from sizer.core.recommend import Recommendation
from sizer.models import LaunchSpec
from sizer.models.results import Capacity, Layout
from sizer.render.i18n import _, currency_symbol, fill, ngettext, number
from sizer.render.messages import N_, message
from sizer.units import GB, bytes_to_gib


def gib(n_bytes: float) -> str:
    """'12.34 GiB' from bytes ('12,34 GiB' in German)."""
    return f"{number(bytes_to_gib(n_bytes), '.2f')} GiB"


def tokens(rate: float) -> str:
    return f"{number(rate, ',.1f')} tok/s" if rate < 1000 else f"{number(rate, ',.0f')} tok/s"


def gb_per_s(bytes_per_s: float) -> str:
    return f"{number(bytes_per_s / GB, ',.0f')} GB/s"


def money(amount: float | None, currency: str, digits: int = 0) -> str:
    """'1,900 EUR' in English, '1.900 €' in German: grouped, `digits` decimals, the locale's currency sign."""
    return "" if amount is None else f"{number(amount, f',.{digits}f')} {currency_symbol(currency)}"


def amount(value: float) -> str:
    """An estimate's amount: whole units from 10 up, two significant figures below ('0.43', '3.5'),
    so a small monthly figure does not read as 0."""
    if value == 0 or abs(value) >= 10:
        return number(value, ",.0f")
    digits = 1 - math.floor(math.log10(abs(value)))  # decimals that keep two significant figures
    return number(value, f",.{digits}f")


def command_line(launch: LaunchSpec, command: str | None) -> str:
    """'$ the shell line', or the sentence saying why there is no command."""
    if command is None or launch.no_command_code is not None:
        return message(launch.no_command_code) if launch.no_command_code else ""
    return f"$ {command}"


def rig_label(rec: Recommendation) -> str:
    box = f"{rec.gpu_count} x {rec.gpu_name}" if rec.gpu_count > 1 else rec.gpu_name
    box = f"{rec.nodes} x ({box})" if rec.nodes > 1 else box
    return fill(_("{replicas} servers of {box}"), replicas=rec.replicas, box=box) if rec.replicas > 1 else box


# The recommendation table's headers, marked for the catalog; a format translates them with _().
REC_COLUMNS = (
    "#",
    N_("kind"),
    N_("model"),
    N_("quant"),
    N_("hardware"),
    N_("VRAM used / available"),
    N_("decode"),
    N_("users served"),
    N_("price"),
    N_("per month"),
    N_("per 1M tokens"),
    N_("tokens per month"),
    N_("break-even vs API"),
    N_("break-even vs cloud"),
    N_("score"),
    N_("license"),
    N_("commercial use"),
)


# How each kind of catalog price reads (models/catalog.py PriceKind).
PRICE_KINDS = {"street": N_("street"), "list": N_("list"), "system": N_("system")}
# How each kind of pick reads (core/recommend.py Recommendation.kind).
KINDS = {"runs here": N_("runs here"), "to buy": N_("to buy")}


def quality_text(r: Recommendation) -> str:
    """'78.7 (chat)', or 'unscored' where no benchmark places the model."""
    if r.quality is None:
        return _("unscored")
    return f"{number(r.quality.score_after_quant, 'g')} ({r.quality.use_case})"


def rec_cells(i: int, r: Recommendation) -> list[str]:
    c = r.cost.currency.value
    used, has = bytes_to_gib(r.memory_bytes.total), bytes_to_gib(r.available_bytes)
    return [
        str(i),
        _(KINDS[r.kind]),
        r.model,
        r.quant,
        rig_label(r),
        f"{number(used, '.1f')} / {number(has, '.1f')} GiB",
        f"{number(r.decode_tokens_per_s, ',.0f')} tok/s",
        str(r.users_served),
        _("owned") if r.kind == "runs here" else money(r.cost.hardware, c),
        money(r.cost.per_month, c),
        money(r.cost.per_million_tokens, c, 2),
        fill(_("{tokens:,.1f} M"), tokens=r.cost.monthly_tokens / 1e6),
        break_even(r.cost.break_even_months_vs_api, r.cost.api_per_month),
        break_even(r.cost.break_even_months_vs_cloud, r.cost.cloud_per_month),
        quality_text(r),
        r.license,
        _("yes") if r.commercial_use else _("NO"),
    ]


# Beyond ten years a break-even is past any write-off period or planning horizon: it is shown as
# such rather than as a count of months no one would plan with.
BREAK_EVEN_HORIZON_MONTHS = 120


def break_even(months: float | None, alternative_per_month: float | None) -> str:
    """'14 months' (whole months), '< 1 month', '> 10 years' (beyond 120 months), 'already paid'
    (hardware here), 'never' (the alternative costs no more than the power), '' (no price to compare)."""
    if alternative_per_month is None:
        return ""
    if months == 0:
        return _("already paid")
    if months is None:
        return _("never")
    if months > BREAK_EVEN_HORIZON_MONTHS:
        return fill(_("> {years} years"), years=BREAK_EVEN_HORIZON_MONTHS // 12)
    if months < 1:
        return _("< 1 month")
    whole = round(months)
    return fill(ngettext("{months} month", "{months} months", whole), months=whole)


def cost_line(cost: Cost) -> str:
    """The load and what buying is compared with, as the text and Markdown reasons show it."""
    c = currency_symbol(cost.currency.value)
    load = _("{tokens:,.1f} M tokens/month ({requests:,} requests, all the rig produces)")
    if not cost.capped:
        load = _("{tokens:,.1f} M tokens/month ({requests:,} requests)")
    parts = [fill(load, tokens=cost.monthly_tokens / 1e6, requests=cost.monthly_requests)]
    if cost.api_per_month is not None:
        api = (
            fill(_("{reference}, {api_class} class"), reference=cost.api_reference, api_class=cost.api_class)
            if cost.api_class
            else f"{cost.api_reference}"
        )
        parts.append(
            fill(
                _("API ({api}) {amount} {currency}/month, break-even {break_even}"),
                api=api,
                amount=amount(cost.api_per_month),
                currency=c,
                break_even=break_even(cost.break_even_months_vs_api, cost.api_per_month),
            )
        )
    if cost.cloud_per_month is not None:
        parts.append(
            fill(
                _("renting the GPUs {amount} {currency}/month, break-even {break_even}"),
                amount=amount(cost.cloud_per_month),
                currency=c,
                break_even=break_even(cost.break_even_months_vs_cloud, cost.cloud_per_month),
            )
        )
    return "; ".join(parts)


def layout_line(layout: Layout | None) -> str:
    """How a multi-node rig splits the model, in one line ('' on one node)."""
    if layout is None or layout.nodes < 2:
        return ""
    return fill(
        _(
            "{nodes} nodes x {gpus} GPUs: tensor parallel {tp} within each node, pipeline parallel {pp} "
            "across nodes over {link}; {per_gpu} on the fullest GPU"
        ),
        nodes=layout.nodes,
        gpus=layout.gpus_per_node,
        tp=layout.tensor_parallel,
        pp=layout.pipeline_parallel,
        link=layout.interconnect or "?",
        per_gpu=gib(layout.per_gpu_bytes),
    )


def busy_hour_line(capacity: Capacity | None) -> str:
    """A pick's simulated busy hour in one line ('' without --headcount)."""
    if capacity is None:
        return ""
    c = capacity
    head = fill(
        _("busy hour of {headcount:,} people ({rate:.2f} requests/s)"), headcount=c.headcount, rate=c.arrival_rate_per_s
    )
    if c.ttft_p95_s is None:
        return fill(
            _("{head}: the queue grows without bound; serves up to {most:,} people"),
            head=head,
            most=c.max_headcount_at_slo,
        )
    verdict = (
        _("{head}: first token p95 {ttft:.2f} s, meets the SLO; serves up to {most:,} people")
        if c.meets_slo
        else _("{head}: first token p95 {ttft:.2f} s, misses the SLO; serves up to {most:,} people")
    )
    return fill(verdict, head=head, ttft=c.ttft_p95_s, most=c.max_headcount_at_slo)
