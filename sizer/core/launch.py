"""The command that starts what was sized, per engine. Pure; returns text."""

from __future__ import annotations

from sizer.core.rigs import HardwareOption
from sizer.models import Engine, Estimate, ModelSpec
from sizer.models.assumptions import DEFAULT_ASSUMPTIONS
from sizer.models.needs import Needs


def ollama_tag(model: ModelSpec) -> str | None:
    return next((a for a in model.aliases if ":" in a and "/" not in a), None)


def run_command(model: ModelSpec, option: HardwareOption, est: Estimate, needs: Needs) -> str:
    """The command that serves the pick, with knob values taken from the estimate."""
    context_total = needs.context * needs.users
    if needs.engine in (Engine.VLLM, Engine.SGLANG):
        quantization = {"AWQ": " --quantization awq", "GPTQ": " --quantization gptq", "FP8": " --quantization fp8"}
        return (
            f"vllm serve {model.hf_repo or model.id} --tensor-parallel-size {option.count} "
            f"--max-model-len {needs.context} --max-num-seqs {needs.users} "
            f"--gpu-memory-utilization {DEFAULT_ASSUMPTIONS.vllm_gpu_memory_utilization_frac:g}"
            + quantization.get(est.quant, "")
        )
    tag = ollama_tag(model)
    if tag and needs.users == 1 and est.quant == "Q4_K_M":
        return f"ollama run {tag}"
    layers = est.offload.gpu_layers if est.offload else 99
    repo = (model.hf_repo or model.id).rsplit("/", 1)[-1]
    split = f" --split-mode layer --tensor-split {','.join(['1'] * option.count)}" if option.count > 1 else ""
    return (
        f"llama-server -m {repo}-{est.quant}.gguf -ngl {layers} -c {context_total} -np {needs.users}"
        f" --flash-attn on{split}"
    )
