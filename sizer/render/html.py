"""HTML: a self-contained report from a Jinja2 template (autoescaped) with an SVG chart of cost
against speed (Pareto front marked), the two answers, their costs with each GPU price's source,
and a rollout plan."""

from __future__ import annotations

import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sizer import __version__
from sizer.core.recommend import Ranking, Recommendation
from sizer.engines.containers import CONTAINERS
from sizer.models.catalog import Price
from sizer.render.formatting import (
    REC_COLUMNS,
    break_even,
    busy_hour_line,
    command_line,
    cost_line,
    rec_cells,
    rig_label,
)
from sizer.render.messages import message

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
    currency = ranking.recommendations[0].cost.currency.value if ranking.recommendations else ""
    base: dict[str, Any] = {"width": WIDTH, "height": HEIGHT, "pad": PAD, "currency": currency, "empty": not alts}
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
        {"x": xy(x_max * k / 4, 0)[0], "y": xy(0, y_max * k / 4)[1], "xv": x_max * k / 4, "yv": y_max * k / 4}
        for k in range(5)
    ]
    marks = []
    for i, (a, p) in enumerate(zip(alts, points, strict=True)):
        x, y = xy(*p)
        colour = (
            FRONT_COLOUR if i in front else PICK_COLOUR if (a.model, a.gpu, a.gpu_count) in picked else OTHER_COLOUR
        )
        title = f"{a.model} on {a.gpu_count} x {a.gpu_name}: {a.decode_tokens_per_s:,.0f} tok/s, {a.per_month:,.0f} {currency}/month"
        marks.append({"x": x, "y": y, "r": 4 if colour == OTHER_COLOUR else 6, "colour": colour, "title": title})
    anchors = [xy(*points[i]) for i in front]
    numbers = [str(n) for n in range(1, len(front) + 1)]
    boxes = place_labels(anchors, numbers)
    labels = [
        {
            "number": num,
            "box": box,
            "text": f"{alts[i].model} · {alts[i].gpu_count} x {alts[i].gpu_name}",
            "detail": f"{alts[i].decode_tokens_per_s:,.0f} tok/s, {alts[i].per_month:,.0f} {currency}/month",
        }
        for num, box, i in zip(numbers, boxes, front, strict=True)
    ]
    path = " ".join(f"{xy(*points[i])[0]:.1f},{xy(*points[i])[1]:.1f}" for i in front)
    return base | {"ticks": ticks, "marks": marks, "labels": labels, "path": path if len(front) > 1 else ""}


def _price(gpu: str, prices: Mapping[str, Price]) -> dict[str, Any] | None:
    p = prices.get(gpu)
    if p is None:
        return None
    return {
        "amount": f"{p.amount:,.0f} {p.currency.value}",
        "date": str(p.date),
        "source": p.source,
        "kind": p.kind,
        "vat": "incl. VAT" if p.vat_included else "net of VAT",
        "converted_from": p.converted_from,
    }


def _money(value: float | None, currency: str, digits: int = 0) -> str:
    return "" if value is None else f"{value:,.{digits}f} {currency}"


def _deploy_line(r: Recommendation, ranking: Ranking) -> str:
    argv = ["sizer", "deploy", r.model, "--gpu", r.gpu_name]
    if r.gpu_count > 1:
        argv += ["--gpus", str(r.gpu_count)]
    argv += ["--engine", r.engine.value, "--context", str(ranking.needs.context), "--users", str(r.users_served)]
    argv += ["--format", "compose", "--out", "deploy/"]
    return shlex.join(argv)


def _pick(r: Recommendation | None, ranking: Ranking, prices: Mapping[str, Price]) -> dict[str, Any] | None:
    if r is None:
        return None
    c = r.cost
    cur = c.currency.value
    container = CONTAINERS.get(r.engine)
    serving = r.serving
    return {
        "rec": r,
        "rig": rig_label(r),
        "owned": r.kind == "runs here",
        "price": _price(r.gpu, prices),
        "quality": "unscored" if r.quality is None else f"{r.quality.score_after_quant:g} ({r.quality.use_case})",
        "reason": message(r.reason_code),
        "limited_by": serving.limited_by if serving is not None else None,
        "serving": serving,
        "capacity": r.capacity,
        "busy_hour": busy_hour_line(r.capacity),
        "cost": {
            "hardware": "owned" if r.kind == "runs here" else _money(c.hardware, cur),
            "power": _money(c.power_per_month, cur),
            "per_month": _money(c.per_month, cur),
            "per_million": _money(c.per_million_tokens, cur, 2),
            "monthly_tokens": f"{c.monthly_tokens / 1e6:,.1f} M",
            "monthly_requests": f"{c.monthly_requests:,}",
            "capped": c.capped,
            "api": _money(c.api_per_month, cur),
            "api_reference": c.api_reference,
            "api_class": c.api_class,
            "api_break_even": break_even(c.break_even_months_vs_api, c.api_per_month),
            "cloud": _money(c.cloud_per_month, cur),
            "cloud_break_even": break_even(c.break_even_months_vs_cloud, c.cloud_per_month),
        },
        "command": command_line(r.launch, r.command),
        "deploy": _deploy_line(r, ranking),
        "metrics_path": container.metrics_path if container else None,
        "port": container.port if container else None,
    }


def _question(ranking: Ranking) -> dict[str, Any]:
    n = ranking.needs
    return {
        "use_case": n.use_case,
        "users": n.users,
        "headcount": n.headcount,
        "requests_per_hour": n.requests_per_hour,
        "min_tokens_per_s": f"{n.min_tokens_per_s:g}",
        "max_ttft_s": None if n.max_ttft_s is None else f"{n.max_ttft_s:g}",
        "context": f"{n.context:,}",
        "quant": n.quant,
        "engine": n.engine.value,
        "budget": _money(n.budget.amount, n.budget.currency.value) if n.budget else None,
        "licence": "commercial use only" if n.commercial_only else "any licence (non-commercial ones flagged)",
        "model": n.model,
    }


def recommend_html(
    ranking: Ranking,
    prices: Mapping[str, Price] | None = None,
    catalog_date: str | None = None,
    today: date | None = None,
) -> str:
    """One self-contained HTML page (no external assets): the question, the two answers with
    their costs, every GPU price with its date and source, the chart, the table, a rollout plan.
    `prices`: the catalog's GPU prices by GPU id; `catalog_date`: the newest date among them."""

    from jinja2 import Environment, PackageLoader, select_autoescape

    env = Environment(loader=PackageLoader("sizer.render"), autoescape=select_autoescape())
    prices = prices or {}
    right = _pick(ranking.right_sized[0] if ranking.right_sized else None, ranking, prices)
    best = _pick(ranking.best_in_budget[0] if ranking.best_in_budget else None, ranking, prices)
    priced = {r.gpu: r.gpu_name for r in ranking.recommendations if r.kind == "to buy"}
    priced |= {a.gpu: a.gpu_name for a in ranking.alternatives if not a.owned}
    price_rows = [{"gpu": name, "price": _price(gpu, prices)} for gpu, name in sorted(priced.items())]
    return env.get_template("report.html").render(
        ranking=ranking,
        question=_question(ranking),
        today=(today or date.today()).isoformat(),
        version=__version__,
        catalog_date=catalog_date,
        right=right,
        best=best,
        same=right is not None and best is not None and right["rec"] == best["rec"],
        plan_pick=right or best,
        price_rows=[p for p in price_rows if p["price"] is not None],
        columns=REC_COLUMNS,
        rows=[rec_cells(i, r) for i, r in enumerate(ranking.recommendations, 1)],
        reasons=[
            {"reason": message(r.reason_code), "cost": cost_line(r.cost), "command": command_line(r.launch, r.command)}
            for r in ranking.recommendations
        ],
        excluded=[{"model": e.model, "why": message(e.reason_code)} for e in ranking.excluded],
        chart=chart(ranking),
    )
