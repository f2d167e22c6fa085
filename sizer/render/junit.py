"""JUnit XML: one test case per offer x workload of `sizer check`, for CI test views."""

from __future__ import annotations

from collections.abc import Sequence

from sizer.core.spec import CheckReport
from sizer.render.i18n import _, fill
from sizer.render.messages import message, messages


def check_junit(reports: Sequence[tuple[str, CheckReport]]) -> str:
    """JUnit XML: a testsuite per spec file, a testcase per offer x workload, a failure per unmet one."""
    from xml.etree import ElementTree as ET

    suites = ET.Element("testsuites", name="sizer check")
    for origin, report in reports:
        failures = sum(not o.passed for o in report.outcomes)
        suite = ET.SubElement(
            suites,
            "testsuite",
            name=f"{origin}: {report.name}",
            tests=str(len(report.outcomes)),
            failures=str(failures),
        )
        for o in report.outcomes:
            case = ET.SubElement(
                suite, "testcase", classname=f"{origin}.{o.offer_path}", name=f"{o.offer} | {o.workload}"
            )
            ET.SubElement(case, "system-out").text = message(o.summary_code)
            ideas = messages(o.would_pass_code)
            for v in o.violations:
                failure = ET.SubElement(case, "failure", type=v.code, message=message(v.message_code))
                failure.text = f"{v.path}: {message(v.message_code)}" + (
                    "\n" + fill(_("would pass: {ideas}"), ideas="; ".join(ideas)) if ideas else ""
                )
    ET.indent(suites)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True)
