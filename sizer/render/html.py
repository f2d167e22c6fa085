"""HTML: a self-contained report with an SVG chart of cost against speed (Pareto front marked)."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from sizer.core.recommend import Ranking
from sizer.render.formatting import REC_COLUMNS, command_line, cost_line, rec_cells
from sizer.render.messages import message


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


def _svg_chart(ranking: Ranking) -> str:
    """SVG scatter of cost per month against decode tok/s for every rig that serves a pick; the
    picks in blue, the Pareto front (faster for less) joined and labelled in red."""

    width, height, pad = 760, 440, 64
    alts = list(ranking.alternatives)
    if not alts:
        return f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="60"><text x="10" y="30">no picks to chart</text></svg>'
    currency = ranking.recommendations[0].cost.currency.value if ranking.recommendations else ""
    points = [(a.decode_tokens_per_s, a.per_month) for a in alts]
    x_max = max(p[0] for p in points) * 1.1 or 1
    y_max = max(p[1] for p in points) * 1.1 or 1

    def xy(speed: float, price: float) -> tuple[float, float]:
        return pad + speed / x_max * (width - 2 * pad), height - pad - price / y_max * (height - 2 * pad)

    picked = {(r.model, r.gpu, r.gpu_count) for r in ranking.recommendations}
    front = sorted(set(pareto_front(points)), key=lambda i: points[i][0])
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img">',
        f'<rect width="{width}" height="{height}" fill="#fff"/>',
        f'<line x1="{pad}" y1="{height - pad}" x2="{width - pad}" y2="{height - pad}" stroke="#333"/>',
        f'<line x1="{pad}" y1="{pad}" x2="{pad}" y2="{height - pad}" stroke="#333"/>',
        f'<text x="{width / 2}" y="{height - 18}" text-anchor="middle" font-size="13">decode tokens/s per user</text>',
        f'<text x="18" y="{height / 2}" text-anchor="middle" font-size="13" transform="rotate(-90 18 {height / 2})">cost per month ({escape(currency)})</text>',
    ]
    for k in range(5):
        gx, _ = xy(x_max * k / 4, 0)
        parts.append(
            f'<text x="{gx:.0f}" y="{height - pad + 18}" text-anchor="middle" font-size="11">{x_max * k / 4:,.0f}</text>'
        )
        _, gy = xy(0, y_max * k / 4)
        parts.append(
            f'<text x="{pad - 6}" y="{gy + 4:.0f}" text-anchor="end" font-size="11">{y_max * k / 4:,.0f}</text>'
        )
    if len(front) > 1:
        path = " ".join(f"{xy(*points[i])[0]:.1f},{xy(*points[i])[1]:.1f}" for i in front)
        parts.append(
            f'<polyline points="{path}" fill="none" stroke="#d62728" stroke-width="2" stroke-dasharray="6 4"/>'
        )
    for i, (a, p) in enumerate(zip(alts, points, strict=True)):
        x, y = xy(*p)
        rig = f"{a.gpu_count} x {a.gpu_name}"
        colour = "#d62728" if i in front else "#1f77b4" if (a.model, a.gpu, a.gpu_count) in picked else "#bbb"
        label = f"{a.model} on {rig}: {a.decode_tokens_per_s:,.0f} tok/s, {a.per_month:,.0f} {currency}/month"
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{6 if colour != "#bbb" else 4}" fill="{colour}"><title>{escape(label)}</title></circle>'
        )
    for n, i in enumerate(front):
        x, y = xy(*points[i])
        a = alts[i]
        parts.append(
            f'<text x="{x + 8:.1f}" y="{y - 8 - 12 * (n % 2):.1f}" font-size="11" fill="#d62728">{escape(a.model)} · {a.gpu_count} x {escape(a.gpu_name)}</text>'
        )
    parts.append(
        f'<text x="{width - pad}" y="{pad - 24}" text-anchor="end" font-size="12" fill="#d62728">red: Pareto front (faster for less); blue: picks; grey: other rigs</text>'
    )
    parts.append("</svg>")
    return "\n".join(parts)


def recommend_html(ranking: Ranking) -> str:
    """One self-contained HTML page (no external assets): the table, the chart, the reasons."""

    n = ranking.needs
    head = "".join(f"<th>{escape(c)}</th>" for c in REC_COLUMNS)
    rows = "".join(
        "<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in rec_cells(i, r)) + "</tr>"
        for i, r in enumerate(ranking.recommendations, 1)
    )
    reasons = "".join(
        f"<li>{escape(message(r.reason_code))}<br>{escape(cost_line(r.cost))}<br><code>{escape(command_line(r.launch, r.command))}</code></li>"
        for r in ranking.recommendations
    )
    excluded = "".join(
        f"<tr><td>{escape(e.model)}</td><td>{escape(message(e.reason_code))}</td></tr>" for e in ranking.excluded
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>sizer: {escape(n.use_case)} recommendations</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2rem; color: #222; }}
table {{ border-collapse: collapse; margin: 1rem 0; font-size: 14px; }}
th, td {{ border: 1px solid #ccc; padding: 4px 8px; text-align: left; }}
th {{ background: #f0f0f0; }}
code {{ background: #f6f6f6; padding: 1px 4px; }}
</style></head>
<body>
<h1>Self-hosted LLM recommendations: {escape(n.use_case)}</h1>
<p>{n.users} user(s) at {n.min_tokens_per_s:g} tokens/s each, {n.context:,} tokens of context, {escape(n.quant)},
{escape(n.engine.value)}{escape(f", budget {n.budget.amount:,.0f} {n.budget.currency.value}" if n.budget else "")}.</p>
<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>
<h2>Cost against speed</h2>
{_svg_chart(ranking)}
<h2>Why these</h2><ol>{reasons}</ol>
<h2>Excluded</h2><table><thead><tr><th>model</th><th>why</th></tr></thead><tbody>{excluded}</tbody></table>
<p>Memory in GiB (2<sup>30</sup> bytes). Generated by sizer.</p>
</body></html>
"""
