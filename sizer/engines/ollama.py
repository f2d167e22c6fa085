"""ollama: llama.cpp underneath (its formats, memory and speed), with its own model names
(`llama3.1:8b`), knobs (OLLAMA_NUM_PARALLEL, OLLAMA_CONTEXT_LENGTH, OLLAMA_FLASH_ATTENTION,
OLLAMA_KV_CACHE_TYPE) and memory rule: num_ctx tokens of KV cache for each parallel slot."""

from __future__ import annotations

from dataclasses import dataclass

from sizer.core.quant import resolve_quant
from sizer.engines.base import Scheduler, no_weights, repo_for
from sizer.engines.llama_cpp import LlamaCpp
from sizer.models import Assumptions, Engine, GpuSpec, LaunchSpec, ModelSpec, Offload, Workload

# The quantization ollama's library tags carry when the tag names none (`llama3.1:8b`).
LIBRARY_DEFAULT_FORMAT = "Q4_K_M"


def tag_format(model: ModelSpec) -> str:
    """The weight format of the model's ollama library tag."""
    return model.ollama_quant or LIBRARY_DEFAULT_FORMAT


def ollama_model_name(model: ModelSpec, quant: str) -> str | None:
    """What `ollama run` takes for `quant`: the library tag where its format is the one sized,
    else the catalog's GGUF repository on the Hub (`hf.co/OWNER/NAME-GGUF:QUANT`, which ollama
    pulls by quant type); None where the catalog has neither."""
    if model.ollama and tag_format(model) == quant:
        return model.ollama
    gguf = repo_for(model, "GGUF")
    return f"hf.co/{gguf}:{quant}" if gguf else None


@dataclass(frozen=True)
class Ollama(LlamaCpp):
    name: Engine = Engine.OLLAMA
    label: str = "ollama"
    vision_needs_projector: bool = False  # the library tag carries the projector

    def scheduler(self, workload: Workload, a: Assumptions) -> Scheduler:
        """OLLAMA_NUM_PARALLEL slots, each allocated the full num_ctx (OLLAMA_CONTEXT_LENGTH):
        ollama hands llama.cpp num_ctx x slots, so memory grows with context x parallel slots."""
        return Scheduler(slots=workload.batch, context_per_slot=workload.context, batch_tokens=a.llama_cpp.ubatch)

    def launch(
        self,
        model: ModelSpec,
        workload: Workload,
        gpu_count: int,
        a: Assumptions,
        offload: Offload | None = None,
        gpu: GpuSpec | None = None,
    ) -> LaunchSpec:
        """`ollama run NAME` with the server's knobs as sized (the ollama server reads them: set them
        where `ollama serve` runs). ollama spreads layers over the GPUs and offloads by itself."""
        quant = resolve_quant(workload.quant).name
        name = ollama_model_name(model, quant)
        if name is None:
            return no_weights(self, model, quant, f"{tag_format(model)} ({model.ollama})" if model.ollama else "")
        slots = self.scheduler(workload, a)
        env = {
            "OLLAMA_CONTEXT_LENGTH": str(slots.context_per_slot),
            "OLLAMA_NUM_PARALLEL": str(slots.slots),
            "OLLAMA_FLASH_ATTENTION": "1",
            "OLLAMA_KV_CACHE_TYPE": workload.kv_cache_type,
        }
        return LaunchSpec(argv=("ollama", "run", name), env=env)


RUNTIME = Ollama()
