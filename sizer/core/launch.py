"""The command that starts what was sized: the engine's launch spec, and its shell line. Pure."""

from __future__ import annotations

import shlex

from sizer.core.rigs import HardwareOption
from sizer.engines import engine_for
from sizer.models import Assumptions, Estimate, LaunchSpec, ModelSpec, Workload
from sizer.models.assumptions import DEFAULT_ASSUMPTIONS
from sizer.models.needs import Needs


def launch_spec(
    model: ModelSpec, option: HardwareOption, est: Estimate, needs: Needs, a: Assumptions = DEFAULT_ASSUMPTIONS
) -> LaunchSpec:
    """The engine's argv and environment that serve the pick, with knob values from the estimate."""
    workload = Workload(
        quant=est.quant,
        context=needs.context,
        batch=needs.users,
        engine=needs.engine,
        kv_cache_type=needs.kv_cache_type,
    )
    return engine_for(needs.engine).launch(model, workload, option.count, a, est.offload)


def run_command(spec: LaunchSpec) -> str:
    """The spec as one POSIX shell line: `NAME=value ...` assignments, then the quoted argv."""
    return " ".join([*(f"{name}={shlex.quote(value)}" for name, value in spec.env.items()), shlex.join(spec.argv)])
