"""HTML: a self-contained report from a Jinja2 template (autoescaped) with an SVG chart of cost
against speed (Pareto front marked), a chart of latency against load for the picks, the two
answers, their costs with each GPU price's source, and a rollout plan.

Every word on the page comes from here through the message catalog (`_`, `fill`): the template
holds markup only, so the report reads in the run's language like the text output."""

from __future__ import annotations

import math
import shlex
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from markupsafe import Markup, escape

from sizer import __version__
from sizer.core.recommend import Ranking, Recommendation, per_copy
from sizer.engines.containers import CONTAINERS
from sizer.models.catalog import Price
from sizer.models.reasons import Reason
from sizer.render.formatting import (
    KINDS,
    PRICE_KINDS,
    REC_COLUMNS,
    break_even,
    busy_hour_line,
    command_line,
    cost_line,
    money,
    quality_text,
    rec_cells,
    rig_label,
)
from sizer.render.i18n import _, currency_symbol, date_text, fill, ngettext, number
from sizer.render.i18n import current as current_lang
from sizer.render.messages import N_, message

# The marks' colours; the legend uses the same constants.
FRONT_COLOUR = "#d62728"
PICK_COLOUR = "#1f77b4"
OTHER_COLOUR = "#bbb"
WIDTH, HEIGHT, PAD = 760, 440, 64
LABEL_FONT_PX = 11
CHAR_PX = 7  # the width of one digit at 11 px in a sans-serif face, rounded up


def pareto_front(points: Sequence[tuple[float, float]]) -> list[int]:
    """Indices of points no other point beats on both speed (higher) and cost (lower)."""
    front = []
    for i, (speed, price) in enumerate(points):
        dominated = any(
            (s >= speed and p <= price) and (s > speed or p < price) for j, (s, p) in enumerate(points) if j != i
        )
        if not dominated:
            front.append(i)
    return front


@dataclass(frozen=True)
class Box:
    """A label's box in SVG units (x, y the top left)."""

    x: float
    y: float
    w: float
    h: float

    def overlaps(self, other: Box) -> bool:
        return not (
            self.x + self.w <= other.x
            or other.x + other.w <= self.x
            or self.y + self.h <= other.y
            or other.y + other.h <= self.y
        )


def place_labels(anchors: Sequence[tuple[float, float]], texts: Sequence[str]) -> list[Box]:
    """Boxes for short labels next to their marks, none overlapping another or leaving the plot:
    each takes the first of eight positions around its mark, at growing distance, that is free."""

    placed: list[Box] = []
    h = LABEL_FONT_PX + 2
    for (x, y), text in zip(anchors, texts, strict=True):
        w = CHAR_PX * len(text) + 2
        box = None
        for dist in range(8, 200, 6):
            for dx, dy in ((1, -1), (1, 1), (-1, -1), (-1, 1), (0, -1), (0, 1), (1, 0), (-1, 0)):
                bx = x + dx * dist - (w if dx < 0 else w / 2 if dx == 0 else 0)
                by = y + dy * dist - (h if dy < 0 else h / 2 if dy == 0 else 0)
                cand = Box(bx, by, w, h)
                inside = bx >= PAD and bx + w <= WIDTH - 4 and by >= 4 and by + h <= HEIGHT - PAD
                if inside and not any(cand.overlaps(b) for b in placed):
                    box = cand
                    break
            if box is not None:
                break
        placed.append(box if box is not None else Box(x + 8, y - h - 8, w, h))
    return placed


def chart(ranking: Ranking) -> dict[str, Any]:
    """The cost-against-speed chart as data for the template: axes, ticks, marks, the Pareto
    front's path, its numbered labels (placed apart) and the list they refer to."""

    alts = list(ranking.alternatives)
    code = ranking.recommendations[0].cost.currency.value if ranking.recommendations else ""
    currency = currency_symbol(code) if code else ""
    base: dict[str, Any] = {"width": WIDTH, "height": HEIGHT, "pad": PAD, "currency": currency, "empty": not alts}
    base["y_label"] = fill(_("cost per month ({currency})"), currency=currency)
    base |= {"front_colour": FRONT_COLOUR, "pick_colour": PICK_COLOUR, "other_colour": OTHER_COLOUR}
    if not alts:
        return base
    points = [(a.decode_tokens_per_s, a.per_month) for a in alts]
    x_max = max(p[0] for p in points) * 1.1 or 1
    y_max = max(p[1] for p in points) * 1.1 or 1

    def xy(speed: float, price: float) -> tuple[float, float]:
        return PAD + speed / x_max * (WIDTH - 2 * PAD), HEIGHT - PAD - price / y_max * (HEIGHT - 2 * PAD)

    picked = {(r.model, r.gpu, r.gpu_count) for r in ranking.recommendations}
    front = sorted(set(pareto_front(points)), key=lambda i: points[i][0])
    ticks = [
        {
            "x": xy(x_max * k / 4, 0)[0],
            "y": xy(0, y_max * k / 4)[1],
            "xv": number(x_max * k / 4, ",.0f"),
            "yv": number(y_max * k / 4, ",.0f"),
        }
        for k in range(5)
    ]
    marks = []
    for i, (a, p) in enumerate(zip(alts, points, strict=True)):
        x, y = xy(*p)
        colour = (
            FRONT_COLOUR if i in front else PICK_COLOUR if (a.model, a.gpu, a.gpu_count) in picked else OTHER_COLOUR
        )
        title = fill(
            _("{model} on {hardware}: {rate:,.0f} tok/s, {amount:,.0f} {currency}/month"),
            model=a.model,
            hardware=f"{a.gpu_count} x {a.gpu_name}",
            rate=a.decode_tokens_per_s,
            amount=a.per_month,
            currency=currency,
        )
        marks.append({"x": x, "y": y, "r": 4 if colour == OTHER_COLOUR else 6, "colour": colour, "title": title})
    anchors = [xy(*points[i]) for i in front]
    numbers = [str(n) for n in range(1, len(front) + 1)]
    boxes = place_labels(anchors, numbers)
    labels = [
        {
            "number": num,
            "box": box,
            "text": f"{alts[i].model} · {alts[i].gpu_count} x {alts[i].gpu_name}",
            "detail": fill(
                _("{rate:,.0f} tok/s, {amount:,.0f} {currency}/month"),
                rate=alts[i].decode_tokens_per_s,
                amount=alts[i].per_month,
                currency=currency,
            ),
        }
        for num, box, i in zip(numbers, boxes, front, strict=True)
    ]
    path = " ".join(f"{xy(*points[i])[0]:.1f},{xy(*points[i])[1]:.1f}" for i in front)
    return base | {"ticks": ticks, "marks": marks, "labels": labels, "path": path if len(front) > 1 else ""}


# The latency chart: one colour per pick (its legend, beside the chart, uses the same list).
SERIES_COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd")
SLO_COLOUR = "#d62728"


def _series_picks(ranking: Ranking) -> list[tuple[str, Recommendation]]:
    """The picks the latency chart draws: the first of each answer, each with the answer's name
    (one line named by both where the two answers are the same pairing)."""
    out: list[tuple[list[str], Recommendation]] = []
    for picks, label in ((ranking.right_sized, N_("Right-sized")), (ranking.best_in_budget, N_("Best within budget"))):
        if not picks or not picks[0].latency_curve:
            continue
        pick = picks[0]
        same = [
            names
            for names, r in out
            if (r.model, r.quant, r.gpu, r.gpu_count) == (pick.model, pick.quant, pick.gpu, pick.gpu_count)
        ]
        if same:
            same[0].append(_(label))
        else:
            out.append(([_(label)], pick))
    return [(" / ".join(names), r) for names, r in out]


def nice_ticks(top: float, count: int = 4) -> list[float]:
    """Round tick values from 0 to at least `top`: a step of 1, 2, 2.5 or 5 times a power of ten,
    at most `count` steps."""
    if top <= 0:
        return [0.0, 1.0]
    rough = top / count
    power = 10 ** math.floor(math.log10(rough))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= rough)
    return [k * step for k in range(math.ceil(top / step - 1e-9) + 1)]


def latency_chart(ranking: Ranking) -> dict[str, Any]:
    """Time to first token against load (people at the busy hour, or requests in flight) for the
    picks, as data for the template: axes, ticks, one polyline and legend row per pick, and the
    SLO's line where one was asked. The points come from the serving model (Recommendation.latency_curve)."""
    series_picks = _series_picks(ranking)
    base: dict[str, Any] = {"width": WIDTH, "height": HEIGHT, "pad": PAD, "empty": not series_picks}
    if not series_picks:
        return base
    by_people = ranking.needs.headcount is not None
    load = [
        (p.headcount if by_people and p.headcount is not None else p.concurrency)
        for _, r in series_picks
        for p in r.latency_curve
    ]
    slo = ranking.needs.max_ttft_s
    ttfts = [p.ttft_s for _, r in series_picks for p in r.latency_curve] + ([slo] if slo else [])
    x_ticks, y_ticks = nice_ticks(max(load)), nice_ticks(max(ttfts))
    x_max, y_max = x_ticks[-1], y_ticks[-1]
    top = PAD

    def xy(x: float, y: float) -> tuple[float, float]:
        return PAD + x / x_max * (WIDTH - 2 * PAD), HEIGHT - PAD - y / y_max * (HEIGHT - PAD - top)

    x_spec = ",.0f" if x_ticks[1] >= 1 else ",.1f"
    y_spec = ".1f" if (y_ticks[1] * 10) % 1 == 0 else ".2f"
    series = []
    for (answer, r), colour in zip(series_picks, SERIES_COLOURS, strict=False):
        points = []
        for p in r.latency_curve:
            x = p.headcount if by_people and p.headcount is not None else p.concurrency
            px, py = xy(x, p.ttft_s)
            title = fill(
                _("{load:,} people: {n} in flight, first token {ttft:.2f} s, {itl:.0f} ms between tokens")
                if by_people
                else _("{load:,} in flight: first token {ttft:.2f} s, {itl:.0f} ms between tokens"),
                load=x,
                n=p.concurrency,
                ttft=p.ttft_s,
                itl=p.itl_s * 1000,
            )
            points.append({"x": px, "y": py, "title": title})
        series.append(
            {
                "colour": colour,
                "label": fill(
                    _("{answer}: {model} on {hardware}"), answer=answer, model=r.model, hardware=rig_label(r)
                ),
                "path": " ".join(f"{p['x']:.1f},{p['y']:.1f}" for p in points),
                "points": points,
            }
        )
    slo_line = None
    if slo:
        slo_line = {"y": xy(0, slo)[1], "label": fill(_("SLO: first token within {ttft:g} s"), ttft=slo)}
    return base | {
        "top": top,
        "x_ticks": [{"x": xy(v, 0)[0], "text": number(v, x_spec)} for v in x_ticks],
        "y_ticks": [{"y": xy(0, v)[1], "text": number(v, y_spec)} for v in y_ticks],
        "series": series,
        "slo": slo_line,
        "slo_colour": SLO_COLOUR,
        "x_label": _("people at the busy hour") if by_people else _("requests in flight"),
        "y_label": _("time to first token (s)"),
    }


def _price(gpu: str, prices: Mapping[str, Price]) -> dict[str, Any] | None:
    p = prices.get(gpu)
    if p is None:
        return None
    return {
        "amount": money(p.amount, p.currency.value),
        "date": str(p.date),
        "source": fill(_("source: {source}"), source=p.source),
        "kind": _("used") if p.used else _(PRICE_KINDS[p.kind]),
        "vat": _("incl. VAT") if p.vat_included else _("net of VAT"),
        "converted_from": fill(_("; converted from {original}"), original=p.converted_from) if p.converted_from else "",
    }


def _money(value: float | None, currency: str, digits: int = 0) -> str:
    return "" if value is None else money(value, currency, digits)


def _deploy_line(r: Recommendation, ranking: Ranking) -> str:
    """The `sizer deploy` line that writes what starts the pick as it was sized: its format, GPUs,
    nodes and copies, the asked context and each copy's share of the users (the sequences its
    command serves at once)."""
    argv = ["sizer", "deploy", r.model, "--quant", r.quant, "--gpu", r.gpu_name]
    if r.gpu_count > 1:
        argv += ["--gpus", str(r.gpu_count)]
    if r.nodes > 1:
        argv += ["--nodes", str(r.nodes)]
    users = per_copy(ranking.needs, r.replicas).users
    argv += ["--engine", r.engine.value, "--context", str(ranking.needs.context), "--users", str(users)]
    if r.replicas > 1:
        argv += ["--replicas", str(r.replicas)]
    many = r.nodes > 1 or r.replicas > 1  # Kubernetes runs nodes and copies; a compose file is one server
    argv += ["--format", "k8s" if many else "compose", "--out", "deploy/"]
    return shlex.join(argv)


def _code(template: str, codes: Mapping[str, str], **values: object) -> Markup:
    """A translated sentence with commands or ids in it: its words and `values` escaped (numbers
    in the locale's way), each of `codes` as <code>."""
    out = Markup("")
    for literal, field, spec, _conversion in string.Formatter().parse(template):
        out += escape(literal)
        if field is None:
            continue
        if field in codes:
            out += Markup("<code>{}</code>").format(codes[field])
        else:
            out += escape(fill("{value:" + spec + "}" if spec else "{value}", value=values[field]))
    return out


def _facts(r: Recommendation, pick: dict[str, Any]) -> list[tuple[str, Any]]:
    """The rows of a pick's facts table: label and value (text, or Markup for the licence)."""
    rows: list[tuple[str, Any]] = [
        (_("Hardware"), fill("{rig} ({kind})", rig=pick["rig"], kind=_(KINDS[r.kind]))),
    ]
    rows.append(
        (
            _("Model"),
            _code(
                _("{name} ({id}), {quant} on {engine}"),
                {"id": r.model},
                name=r.model_name,
                quant=r.quant,
                engine=r.engine.value,
            ),
        )
    )
    rows.append((_("Quality"), quality_text(r)))
    rows.append(
        (
            _("Expected speed"),
            fill(
                ngettext(
                    "{decode:,.0f} tokens/s per user generating, {prefill:,.0f} tokens/s reading the prompt; {users} user served at once",
                    "{decode:,.0f} tokens/s per user generating, {prefill:,.0f} tokens/s reading the prompt; {users} users served at once",
                    r.users_served,
                ),
                decode=r.decode_tokens_per_s,
                prefill=r.prefill_tokens_per_s,
                users=r.users_served,
            ),
        )
    )
    s = r.serving
    if s is not None:
        rows.append(
            (
                _("At the stated load"),
                fill(
                    _(
                        "{n} request(s) in flight of {prompt:,} tokens in, {output:,} out: first token (TTFT) "
                        "{ttft:.2f} s, between tokens (ITL) {itl:.0f} ms, {total:,.0f} tokens/s in all; "
                        "peak {peak:,.0f} tokens/s at {peak_n} in flight"
                    ),
                    n=s.concurrency,
                    prompt=s.prompt_tokens,
                    output=s.output_tokens,
                    ttft=s.ttft_s,
                    itl=s.itl_s * 1000,
                    total=s.output_tokens_per_s,
                    peak=s.peak.output_tokens_per_s,
                    peak_n=s.peak.concurrency,
                ),
            )
        )
    c = r.capacity
    if c is not None:
        first = fill(_("; first token p50 {ttft:.2f} s"), ttft=c.ttft_p50_s) if c.ttft_p50_s is not None else ""
        rows.append(
            (
                _("Busy hour"),
                pick["busy_hour"]
                + first
                + fill(
                    _(", between tokens p95 {itl:.0f} ms, peak {n} in flight"),
                    itl=c.itl_p95_s * 1000,
                    n=c.peak_concurrency,
                ),
            )
        )
    limited = pick["reason"]
    if s is not None:
        limited += fill(_("; throughput limited by {what}"), what=message(Reason(code=s.limited_by)))
    rows.append((_("What limits it"), limited))
    return rows


def _cost_rows(r: Recommendation) -> list[tuple[str, str]]:
    c = r.cost
    cur = c.currency.value
    load = fill(
        _("{tokens:,.1f} M tokens/month, {requests:,} requests"),
        tokens=c.monthly_tokens / 1e6,
        requests=c.monthly_requests,
    )
    if c.capped:
        load += _(", all the rig produces")
    rows = [
        (_("Purchase"), _("owned") if r.kind == "runs here" else _money(c.hardware, cur)),
        (_("Power per month"), _money(c.power_per_month, cur)),
        (_("Per month (write-off and power)"), _money(c.per_month, cur)),
        (_("Per 1M tokens at the stated load"), f"{_money(c.per_million_tokens, cur, 2) or '—'} ({load})"),
    ]
    if c.api_per_month is not None:
        name = _("Hosted API")
        if c.api_reference:
            ref = (
                fill(_("{reference}, {api_class} class"), reference=c.api_reference, api_class=c.api_class)
                if c.api_class
                else c.api_reference
            )
            name += f" ({ref})"
        rows.append(
            (
                name,
                fill(
                    _("{amount} per month; break-even {break_even}"),
                    amount=_money(c.api_per_month, cur),
                    break_even=break_even(c.break_even_months_vs_api, c.api_per_month),
                ),
            )
        )
    if c.cloud_per_month is not None:
        rows.append(
            (
                _("Renting the GPUs"),
                fill(
                    _("{amount} per month; break-even {break_even}"),
                    amount=_money(c.cloud_per_month, cur),
                    break_even=break_even(c.break_even_months_vs_cloud, c.cloud_per_month),
                ),
            )
        )
    return rows


def _pick(r: Recommendation | None, ranking: Ranking, prices: Mapping[str, Price]) -> dict[str, Any] | None:
    if r is None:
        return None
    container = CONTAINERS.get(r.engine)
    pick: dict[str, Any] = {
        "rec": r,
        "rig": rig_label(r),
        "owned": r.kind == "runs here",
        "price": _price(r.gpu, prices),
        "reason": message(r.reason_code),
        "busy_hour": busy_hour_line(r.capacity),
        "licence": r.license if r.commercial_use else fill(_("{license} — not for commercial use"), license=r.license),
        "command": command_line(r.launch, r.command),
        "deploy": _deploy_line(r, ranking),
        "metrics_path": container.metrics_path if container else None,
        "port": container.port if container else None,
    }
    pick["facts"] = _facts(r, pick)
    pick["costs"] = _cost_rows(r)
    return pick


def _question(ranking: Ranking) -> list[tuple[str, str]]:
    n = ranking.needs
    use_case = (
        n.use_case
        if n.model is None
        else fill(_("{use_case} (model asked for: {model})"), use_case=n.use_case, model=n.model)
    )
    if n.headcount is not None:
        users = fill(
            _("{headcount:,} people at {rate:g} requests each per busy hour, sized as {users} at once"),
            headcount=n.headcount,
            rate=n.requests_per_hour or 10,
            users=n.users,
        )
    else:
        users = fill(_("{users} at once"), users=n.users)
    level = fill(_("{rate:g} tokens/s per user"), rate=n.min_tokens_per_s)
    if n.max_ttft_s is not None:
        level += fill(_(", first token within {ttft:g} s (p95)"), ttft=n.max_ttft_s)
    level += fill(_("; {context:,} tokens of context"), context=n.context)
    budget = _money(n.budget.amount, n.budget.currency.value) if n.budget else _("none given")
    licence = _("commercial use only") if n.commercial_only else _("any licence (non-commercial ones flagged)")
    return [
        (_("Use case"), use_case),
        (_("Users"), users),
        (_("Service level"), level),
        (_("Budget"), budget),
        (_("Licence"), licence),
        (_("Engine and format"), f"{n.engine.value}, {n.quant}"),
    ]


def _plan(pick: dict[str, Any]) -> dict[str, Any]:
    """The rollout plan for the pick, after a 14-30-day plan: each step's title and text."""
    r: Recommendation = pick["rec"]
    deploy = _code(
        _("Generate them with {deploy}, keep them in version control and start the service from them"),
        {"deploy": pick["deploy"]},
    )
    if pick["port"]:
        deploy += fill(_(" (the engine listens on port {port} in its container)"), port=pick["port"])
    deploy += "."
    if pick["metrics_path"]:
        monitor = _code(
            _(
                "Monitor the engine's metrics endpoint ({path}, Prometheus text): requests waiting, time to first "
                "token, tokens per second, KV-cache use; alert when the queue grows."
            ),
            {"path": pick["metrics_path"]},
        )
    else:
        monitor = escape(
            _(
                "This engine has no metrics endpoint: monitor GPU memory and load and the request log, and alert "
                "when answers slow down."
            )
        )
    steps = [
        (
            _("Days 1–5, hardware check."),
            _code(
                _(
                    "On the delivered server run {probe} and compare GPUs, memory and driver with the order. Write "
                    "the request as a spec and run {check} as the acceptance test: it fails where the machine "
                    "delivered does not serve the model at the speed asked for."
                ),
                {"probe": "sizer probe --json > server.json", "check": "sizer check spec.yaml --hardware server.json"},
            ),
        ),
        (_("Days 3–8, deployment files."), deploy),
        (
            _("Days 6–12, maintenance plan."),
            escape(
                _(
                    "Name who updates the model, the engine image and the GPU driver, how often, and how an update "
                    "is tested before it goes live."
                )
            )
            + " "
            + monitor,
        ),
        (
            _("Days 13–20, data protection."),
            _(
                "Document where prompts, answers and logs are stored, for how long and who can read them; keep "
                "them on the server or in your own network, and have a data protection officer review the "
                "processing record."
            ),
        ),
        (
            _("Days 21–25, staff training."),
            _(
                "Train the people who run the service (updates, monitoring, restarts) and those who use it (what "
                "the model is good for, what not to send to it, the licence's terms)."
            ),
        ),
        (
            _("Days 26–30, review."),
            _(
                "Meet with the stakeholders: compare the measured speed and the monitoring figures with this "
                "report, decide on adjustments and write down the results for the next review."
            ),
        ),
    ]
    return {
        "intro": fill(
            _("For {model} on {rig} with {engine}."), model=r.model_name, rig=pick["rig"], engine=r.engine.value
        ),
        "steps": steps,
    }


def _words(ranking: Ranking) -> dict[str, str]:
    """The page's fixed words, in the run's language."""
    return {
        "title": fill(_("sizer: {use_case} recommendations"), use_case=ranking.needs.use_case),
        "heading": fill(_("Self-hosted LLM recommendation: {use_case}"), use_case=ranking.needs.use_case),
        "question": _("The question"),
        "answers": _("The answers"),
        "right": _("Right-sized: the cheapest that meets the request"),
        "best": _("Best within budget: the highest quality"),
        "no_pick": _("No pick: nothing in the catalog meets the request."),
        "no_pick_budget": _("No pick: nothing in the catalog meets the request within the budget."),
        "gpu_price": _("GPU price (per card)"),
        "owned": _("owned"),
        "no_price": _("no catalog price"),
        "licence": _("Licence"),
        "cost": _("Cost"),
        "same": _("Both answers are the same pairing."),
        "cost_chart": _("Cost against speed"),
        "no_picks_chart": _("no picks to chart"),
        "x_speed": _("decode tokens/s per user"),
        "front": _("Pareto front (faster for less)"),
        "picks": _("picks"),
        "others": _("other rigs"),
        "latency_chart": _("Latency against load"),
        "latency_note": _(
            "From the serving model: the requests in flight at each load (the 95th percentile of the busy hour) "
            "served in a closed loop; hover a point for its figures."
        ),
        "plan": _("Rollout plan (14–30 days)"),
        "prices": _("GPU prices"),
        "price_header": _("price, date and source"),
        "all_picks": _("All picks"),
        "why": _("Why these"),
        "excluded": _("Excluded"),
        "model": _("model"),
        "why_header": _("why"),
        "footer": fill(_("Memory in GiB (2^30 bytes). Generated by sizer {version}."), version=__version__),
    }


def recommend_html(
    ranking: Ranking,
    prices: Mapping[str, Price] | None = None,
    catalog_date: str | None = None,
    today: date | None = None,
) -> str:
    """One self-contained HTML page (no external assets) in the run's language: the question, the
    two answers with their costs, every GPU price with its date and source, the two charts, the
    table, a rollout plan. `prices`: the catalog's GPU prices by GPU id; `catalog_date`: the newest
    date among them (ISO); `today`: the report's date (default: the clock's)."""

    from jinja2 import Environment, PackageLoader, select_autoescape

    env = Environment(loader=PackageLoader("sizer.render"), autoescape=select_autoescape())
    prices = prices or {}
    right = _pick(ranking.right_sized[0] if ranking.right_sized else None, ranking, prices)
    best = _pick(ranking.best_in_budget[0] if ranking.best_in_budget else None, ranking, prices)
    priced = {r.gpu: r.gpu_name for r in ranking.recommendations if r.kind == "to buy"}
    priced |= {a.gpu: a.gpu_name for a in ranking.alternatives if not a.owned}
    price_rows = [{"gpu": name, "price": _price(gpu, prices)} for gpu, name in sorted(priced.items())]
    meta = date_text(today or date.today()) + f" · sizer {__version__}"
    if catalog_date:
        meta += " · " + fill(_("catalog prices as of {date}"), date=date_text(date.fromisoformat(catalog_date)))
    plan_pick = right or best
    return env.get_template("report.html").render(
        lang=current_lang(),
        t=_words(ranking),
        meta=meta,
        question=_question(ranking),
        right=right,
        best=best,
        same=right is not None and best is not None and right["rec"] == best["rec"],
        plan=_plan(plan_pick) if plan_pick else None,
        price_rows=[p for p in price_rows if p["price"] is not None],
        columns=[_(c) for c in REC_COLUMNS],
        rows=[rec_cells(i, r) for i, r in enumerate(ranking.recommendations, 1)],
        reasons=[
            {"reason": message(r.reason_code), "cost": cost_line(r.cost), "command": command_line(r.launch, r.command)}
            for r in ranking.recommendations
        ],
        excluded=[{"model": e.model, "why": message(e.reason_code)} for e in ranking.excluded],
        chart=chart(ranking),
        latency=latency_chart(ranking),
    )
