"""The command that starts what was sized: the engine's launch spec, and its shell line. Pure."""

from __future__ import annotations

import shlex

from sizer.core.rigs import HardwareOption
from sizer.engines import engine_for
from sizer.engines.base import Runtime, has_fp8
from sizer.models import Assumptions, Engine, Estimate, GpuSpec, LaunchSpec, ModelSpec, Workload
from sizer.models.assumptions import DEFAULT_ASSUMPTIONS
from sizer.models.needs import Needs


def launch_spec(
    model: ModelSpec, option: HardwareOption, est: Estimate, needs: Needs, a: Assumptions = DEFAULT_ASSUMPTIONS
) -> LaunchSpec:
    """The engine's argv and environment that serve the pick, with knob values from the estimate."""
    workload = needs.workload(needs.users, quant=est.quant)
    runtime = engine_for(needs.engine)
    spec = runtime.launch(model, workload, option.count, a, est.offload, option.gpu)
    return _pipelined(runtime, spec, option.nodes)


def estimate_launch(
    model: ModelSpec, gpu: GpuSpec, est: Estimate, a: Assumptions = DEFAULT_ASSUMPTIONS, sequences: int | None = None
) -> LaunchSpec:
    """The engine's argv and environment that serve what `estimate` sized: its format, context,
    sequences, KV-cache type and GPU count, and the layers it keeps on the GPUs. `sequences`: the
    most requests the serving model ran at once (a busy hour's peak), where more than the batch."""
    batch = max(est.batch, sequences or 0)
    workload = Workload(
        quant=est.quant, context=est.context, batch=batch, engine=est.engine, kv_cache_type=est.kv_cache_type
    )
    runtime = engine_for(est.engine)
    if est.layout is None or est.layout.nodes < 2:
        return runtime.launch(model, workload, est.gpu_count, a, est.offload, gpu)
    spec = runtime.launch(model, workload, est.layout.tensor_parallel, a, est.offload, gpu)
    return _pipelined(runtime, spec, est.layout.nodes)


def _pipelined(runtime: Runtime, spec: LaunchSpec, nodes: int) -> LaunchSpec:
    """Across nodes the tensor-parallel size is one node's GPUs (what the spec was built with),
    and the engine's pipeline flag (vLLM --pipeline-parallel-size, SGLang --pp-size, TensorRT-LLM
    --pp_size) gives the nodes; on one node, the spec as it is."""
    flag = getattr(runtime, "pipeline_flag", None)
    if nodes < 2 or not spec.argv or flag is None:
        return spec
    return spec.model_copy(update={"argv": (*spec.argv, flag, str(nodes))})


# has_command's answers by the identity of its arguments (hashing whole catalog entries costs more
# than the launch spec itself); each entry keeps its objects, so an id is never reused while cached.
_COMMANDS: dict[tuple[int, str, str, int, int], tuple[object, object, object, bool]] = {}  # key -> model, gpu, a


def has_command(
    model: ModelSpec, quant: str, engine: Engine, gpu: GpuSpec, a: Assumptions = DEFAULT_ASSUMPTIONS
) -> bool:
    """Whether the engine has a command that loads the model's weights in `quant` on `gpu` (a
    repository holds them in that format, or the engine makes it at load where the GPU allows):
    what recommend asks before it chooses a format itself."""
    # Of the GPU only whether it has FP8 units matters (a dynamic FP8 load needs them).
    key = (id(model), quant, str(engine), int(has_fp8(gpu)), id(a))
    hit = _COMMANDS.get(key)
    if hit is not None and hit[0] is model and hit[2] is a:
        return hit[3]
    workload = Workload(quant=quant, engine=engine)
    answer = bool(engine_for(engine).launch(model, workload, 1, a, None, gpu).argv)
    if len(_COMMANDS) > 65536:
        _COMMANDS.clear()
    _COMMANDS[key] = (model, gpu, a, answer)
    return answer


def run_command(spec: LaunchSpec) -> str | None:
    """The spec as one POSIX shell line: `NAME=value ...` assignments, then the quoted argv (None
    where the spec has no command, only the reason why)."""
    if not spec.argv:
        return None
    return " ".join([*(f"{name}={shlex.quote(value)}" for name, value in spec.env.items()), shlex.join(spec.argv)])
