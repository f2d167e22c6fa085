"""`--format shell`: the engine's command line from the launch spec, as `recommend` prints it."""

from __future__ import annotations

from sizer.core.deploy import DeploymentPlan
from sizer.core.launch import run_command

FILE_NAME = "run.sh"


def render(plan: DeploymentPlan) -> str:
    """The POSIX shell line that starts the sized engine on this machine."""
    line = run_command(plan.launch)
    assert line is not None  # a plan is only made from a launch spec with argv
    return line + "\n"
