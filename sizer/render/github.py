"""GitHub Actions annotations (`::error file=…,line=…::`) for `sizer check`."""

from __future__ import annotations

from collections.abc import Sequence

from sizer.core.spec import CheckReport
from sizer.render.i18n import _, fill
from sizer.render.messages import message, messages


def _escape_annotation(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def check_github(reports: Sequence[tuple[str, CheckReport, dict[str, int]]]) -> str:
    """GitHub Actions workflow commands: ::error file=…,line=…::… per unmet requirement."""
    out = []
    for origin, report, lines in reports:
        for o in report.outcomes:
            for v in o.violations:
                line = lines.get(v.path) or lines.get(v.path.split(".")[0]) or 1
                title = f"{v.code}: {o.offer} | {o.workload}"
                ideas = messages(o.would_pass_code)
                body = message(v.message_code) + (
                    " — " + fill(_("would pass: {ideas}"), ideas="; ".join(ideas)) if ideas else ""
                )
                out.append(
                    f"::error file={origin},line={line},title={_escape_annotation(title)}::{_escape_annotation(body)}"
                )
        for w in messages(report.warnings_code):
            out.append(f"::warning file={origin}::{_escape_annotation(w)}")
        if report.passed:
            out.append(
                f"::notice file={origin}::"
                + _escape_annotation(fill(_("{name}: all requirements met"), name=report.name))
            )
    return "\n".join(out)
