"""`--format shell`: the engine's command line from the launch spec, as `recommend` prints it; across
nodes a script each node runs with its rank and the first node's address."""

from __future__ import annotations

from sizer.core.deploy import DeploymentPlan
from sizer.core.launch import run_command
from sizer.render.deploy import shell_join
from sizer.render.i18n import _

FILE_NAME = "run.sh"
RANK, LEADER = "$NODE_RANK", "$LEADER_ADDRESS"


def usage(plan: DeploymentPlan, path: str) -> str:
    """How each node runs the script."""
    if plan.nodes == 2:
        text = _("on each node: sh {file} RANK FIRST_NODE_ADDRESS (RANK 0 on the first node, 1 on the second)")
    else:
        text = _(
            "on each node: sh {file} RANK FIRST_NODE_ADDRESS (RANK 0 on the first node, 1 to {last} on the others)"
        )
    return text.format(file=path, last=plan.nodes - 1)


def render(plan: DeploymentPlan) -> str:
    """The POSIX shell line that starts the sized engine on this machine; for several nodes, the
    script that starts each node's part."""
    if plan.nodes == 1:
        line = run_command(plan.launch)
        assert line is not None  # a plan is only made from a launch spec with argv
        return line + "\n"
    variables = (RANK, LEADER)
    first = [shell_join(argv, variables) for argv in plan.leader_argv(LEADER, RANK)]
    first[-1] = "exec " + first[-1]
    lines = [
        "#!/bin/sh",
        "# " + usage(plan, FILE_NAME),
        "set -eu",
        'NODE_RANK="${1:?RANK}"',
        'LEADER_ADDRESS="${2:?FIRST_NODE_ADDRESS}"',
        'if [ "$NODE_RANK" = 0 ]; then',
        *("  " + line for line in first),
        "else",
        "  exec " + shell_join(plan.worker_argv(LEADER, RANK), variables),
        "fi",
    ]
    return "\n".join(lines) + "\n"
