"""One contract over every registered engine: adding an engine to sizer.engines.RUNTIMES runs it."""

from __future__ import annotations

import math
import re
import shlex
from pathlib import Path
from typing import get_args

import pytest

from sizer.core.estimate import estimate
from sizer.core.launch import run_command
from sizer.core.quant import resolve_quant
from sizer.engines import RUNTIMES, engine_for
from sizer.engines.base import rig_refusal
from sizer.errors import InputError
from sizer.models import Engine, FileWeights, KvCacheType, ModelSpec, Offload, Repos, Workload
from sizer.models.assumptions import DEFAULT_ASSUMPTIONS
from sizer.render.messages import message
from tests.conftest import (
    A100_SXM,
    GEMMA2_9B,
    LLAMA_3_70B,
    LLAMA_31_8B,
    LLAMA_31_8B_SERVED,
    M1_MAX_32,
    MIXTRAL,
    RTX_4090,
)

ENGINES = pytest.mark.parametrize("runtime", list(RUNTIMES.values()), ids=lambda r: r.label)
MI300X = A100_SXM.model_copy(
    update={"id": "mi300x", "name": "Instinct MI300X", "vendor": "amd", "vram_gib": 192, "fp16_tflops": 1307}
)
GPUS = (A100_SXM, RTX_4090, MI300X, M1_MAX_32)
MODELS = (LLAMA_31_8B, GEMMA2_9B, MIXTRAL, LLAMA_3_70B)


def _gpu(runtime):
    """The first test GPU of a vendor the engine runs on."""
    gpu = next((g for g in GPUS if g.vendor in runtime.vendors), None)
    assert gpu is not None, f"no test GPU for {runtime.label}'s vendors {sorted(runtime.vendors)}"
    return gpu


def _scaled(layers: int) -> ModelSpec:
    """Llama 3.1 8B's layer shape stacked `layers` deep: a family that differs only in size."""
    return LLAMA_31_8B.model_copy(
        update={"id": f"llama-{layers}l", "layers": layers, "params_total": 1_050_000_000 + layers * 218_000_000}
    )


def test_the_registry_is_every_engine_and_each_finds_itself():
    assert set(RUNTIMES) == set(Engine)
    for engine, runtime in RUNTIMES.items():
        assert runtime.name is engine
        assert engine_for(engine.value) is runtime
        assert engine_for(runtime.label) is runtime


@ENGINES
def test_default_format_is_declared_and_kv_types_are_known(runtime):
    assert runtime.default_format in runtime.formats
    assert all(resolve_quant(f).name == f for f in runtime.formats)
    assert "f16" in runtime.kv_cache_types  # the workload default must run everywhere
    assert set(runtime.kv_cache_types) <= set(get_args(KvCacheType))
    assert runtime.vendors


@ENGINES
@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.id)
@pytest.mark.parametrize("batch", [1, 4])
def test_memory_never_decreases_with_context(runtime, model, batch):
    gpu = _gpu(runtime)
    totals = []
    for context in (1, 256, 512, 1000, 4096, 8192, 32768, 131072):
        w = Workload(quant=runtime.default_format, context=context, batch=batch, engine=runtime.name)
        totals.append(estimate(model, gpu, w, 2, DEFAULT_ASSUMPTIONS).memory_bytes.total)
    assert totals == sorted(totals), totals
    assert totals[-1] > totals[0]


@ENGINES
@pytest.mark.parametrize("gpu_count", [1, 2])
def test_decode_speed_never_increases_with_model_size(runtime, gpu_count):
    gpu = _gpu(runtime)
    models = sorted([_scaled(n) for n in (4, 8, 16, 32, 48, 64, 96, 126)] + [LLAMA_3_70B], key=lambda m: m.params_total)
    speeds = []
    for m in models:
        w = Workload(quant=runtime.default_format, context=4096, engine=runtime.name)
        speeds.append(estimate(m, gpu, w, gpu_count).decode_tokens_per_s)
    assert speeds == sorted(speeds, reverse=True), speeds
    assert speeds[0] > speeds[-1]


# Shell characters reach argv through the model's own repository (vLLM, SGLang) and through the
# file it was read from (llama.cpp); ollama's names are the catalog's tag or GGUF repository.
_ODD_REPO = LLAMA_31_8B_SERVED.model_copy(update={"hf_repo": "someone/it's a $model", "repos": Repos()})
_ODD_FILE = LLAMA_31_8B_SERVED.model_copy(
    update={"file_weights": FileWeights(quant="Q4_K_M", total_bytes=1, source="/models/it's a $model Q4_K_M.gguf")}
)


@ENGINES
@pytest.mark.parametrize("kind", ["plain", "shell-characters"])
@pytest.mark.parametrize("gpu_count", [1, 2])
@pytest.mark.parametrize("offload", [None, Offload(gpu_layers=20, total_layers=32, cpu_bytes=1)])
def test_launch_spec_round_trips_through_the_shell_line(runtime, kind, gpu_count, offload):
    model = LLAMA_31_8B_SERVED if kind == "plain" else _ODD_REPO if runtime.splits_tensors else _ODD_FILE
    for kv in runtime.kv_cache_types:
        w = Workload(quant=runtime.default_format, context=8192, batch=3, engine=runtime.name, kv_cache_type=kv)
        spec = runtime.launch(model, w, gpu_count, DEFAULT_ASSUMPTIONS, offload, _gpu(runtime))
        assert spec.argv and all(spec.argv) and spec.no_command_code is None
        assert all(re.fullmatch(r"[A-Z_][A-Z0-9_]*", name) for name in spec.env)
        words = shlex.split(run_command(spec))
        assigned = [f"{name}={value}" for name, value in spec.env.items()]
        assert words[: len(assigned)] == assigned
        assert tuple(words[len(assigned) :]) == spec.argv


@ENGINES
def test_every_declared_format_estimates_on_a_suitable_gpu(runtime):
    # A Blackwell-class test GPU: FP8, INT8 and FP4 units, so every format has its kernels.
    gpu = _gpu(runtime).model_copy(
        update={"fp8_tflops": 2250.0, "int8_tops": 2250.0, "fp4_tflops": 4500.0, "launch": "2025-01"}
    )
    for fmt in runtime.formats:
        w = Workload(quant=fmt, context=4096, batch=2, engine=runtime.name)
        runtime.validate(LLAMA_31_8B, gpu, w, 2)
        est = estimate(LLAMA_31_8B, gpu, w, 2)
        assert est.quant == fmt
        assert est.memory_bytes.weights > 0 and est.memory_bytes.total > est.memory_bytes.weights
        assert math.isfinite(est.decode_tokens_per_s) and est.decode_tokens_per_s > 0
        assert math.isfinite(est.prefill_tokens_per_s) and est.prefill_tokens_per_s > 0


@ENGINES
def test_usable_capacity_is_at_most_the_card(runtime):
    gpu = _gpu(runtime)
    usable = runtime.usable_bytes_per_gpu(gpu, DEFAULT_ASSUMPTIONS)
    assert 0 < usable <= gpu.vram_gib * 2**30


_SPECIFIC = re.compile(r"Engine\.(LLAMA_CPP|OLLAMA|VLLM|SGLANG)")
_DEFAULT = re.compile(r"(: Engine|engine)\s*=\s*Engine\.LLAMA_CPP\b")


def test_the_decisions_never_branch_on_an_engine():
    """Adding an engine touches sizer/engines/ only: core, render and cli name none but as a default."""
    package = Path(__file__).resolve().parents[2] / "sizer"
    offending = []
    for folder in ("core", "render", "cli"):
        for path in sorted((package / folder).rglob("*.py")):
            for number, line in enumerate(path.read_text().splitlines(), 1):
                if _SPECIFIC.search(_DEFAULT.sub("", line)):
                    offending.append(f"{path.relative_to(package)}:{number}: {line.strip()}")
    assert not offending, offending


@ENGINES
def test_a_refused_rig_reads_the_same_as_a_result_and_as_an_error(runtime):
    """What validate raises (exit 2) and what recommend/check list (a code, worded by render) agree."""
    w = Workload(quant=runtime.default_format, engine=runtime.name)
    cases = [(g, 1) for g in GPUS if g.vendor not in runtime.vendors]
    cases += [(_gpu(runtime), 3)] if runtime.splits_tensors else []
    assert cases or set(runtime.vendors) >= {g.vendor for g in GPUS}
    for gpu, count in cases:
        reason = rig_refusal(runtime, LLAMA_31_8B, gpu, count)
        assert reason is not None
        with pytest.raises(InputError) as raised:
            runtime.validate(LLAMA_31_8B, gpu, w, count)
        assert str(raised.value) == message(reason)
    assert rig_refusal(runtime, LLAMA_31_8B, _gpu(runtime), 2) is None
