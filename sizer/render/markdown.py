"""Markdown: the picks as a table with reasons and commands, for issues, wikis and CI summaries."""

from __future__ import annotations

from rich.table import Table

from sizer.core.recommend import Ranking
from sizer.render.formatting import REC_COLUMNS, busy_hour_line, command_line, cost_line, rec_cells
from sizer.render.i18n import _, fill
from sizer.render.messages import message


def recommend_markdown(ranking: Ranking) -> str:
    """Both answers (right-sized, best within budget) as Markdown tables with reasons, the cost
    at the load and commands; with --model, the rigs that serve the model."""
    lines: list[str] = []
    n = ranking.needs
    answers = (
        (("recommendations", fill(_("Serves {model}"), model=n.model)),)
        if n.model is not None
        else (("right_sized", _("Right-sized")), ("best_in_budget", _("Best within budget")))
    )
    for answer, label in answers:
        picks = getattr(ranking, answer)
        bar = (
            fill(_("{context:,} tokens, {users} user(s)"), context=n.context, users=n.users)
            if n.model is not None
            else fill(_("bar {min_quality:g}"), min_quality=ranking.min_quality)
        )
        lines += [f"**{label}** ({n.use_case}, {bar})", ""]
        if not picks:
            lines += [_("nothing meets these needs"), ""]
            continue
        lines += ["| " + " | ".join(_(c) for c in REC_COLUMNS) + " |", "|" + "---|" * len(REC_COLUMNS)]
        lines += ["| " + " | ".join(rec_cells(i, r)) + " |" for i, r in enumerate(picks, 1)]
        lines.append("")
        for i, r in enumerate(picks, 1):
            flag = "" if r.commercial_use else " **" + _("Licence does not allow commercial use.") + "**"
            said = command_line(r.launch, r.command)
            lines += [
                f"{i}. {message(r.reason_code)}{flag}",
                f"   {cost_line(r.cost)}",
                *([f"   {busy_hour_line(r.capacity)}"] if r.capacity else []),
                "",
                f"   ```console\n   {said}\n   ```" if r.command else f"   {said}",
                "",
            ]
    return "\n".join(lines)


def from_table(table: Table) -> str:
    """Any rich table as a Markdown table: the same headers and cells, one row per line."""
    columns = table.columns
    header = [str(c.header) for c in columns]
    cells = [[str(cell) for cell in c.cells] for c in columns]
    rows = [[col[i] if i < len(col) else "" for col in cells] for i in range(table.row_count)]
    title = [f"**{table.title}**", ""] if table.title else []
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell.replace("|", "\\|").replace("\n", " ") for cell in row) + " |" for row in rows]
    return "\n".join(title + lines)
