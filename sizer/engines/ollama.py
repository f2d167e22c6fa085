"""ollama: llama.cpp underneath (its formats, memory and speed), with its own model names
(`llama3.1:8b`), knobs (OLLAMA_NUM_PARALLEL, OLLAMA_CONTEXT_LENGTH, OLLAMA_FLASH_ATTENTION,
OLLAMA_KV_CACHE_TYPE) and memory rule: num_ctx tokens of KV cache for each parallel slot."""

from __future__ import annotations

from dataclasses import dataclass

from sizer.core.quant import resolve_quant
from sizer.engines.base import Scheduler
from sizer.engines.llama_cpp import LlamaCpp
from sizer.models import Assumptions, Engine, LaunchSpec, ModelSpec, Offload, Workload

# The quantization ollama's library tags carry when the tag names none (`llama3.1:8b`).
LIBRARY_DEFAULT_FORMAT = "Q4_K_M"


def ollama_tag(model: ModelSpec) -> str | None:
    """The model's ollama library name: the catalog alias written `name:tag`."""
    return next((a for a in model.aliases if ":" in a and "/" not in a), None)


def ollama_model_name(model: ModelSpec, quant: str) -> str:
    """What `ollama run` takes: the library tag at its default format, else a GGUF repo on the Hub
    (`hf.co/ORG/NAME-GGUF:QUANT`, the usual naming of GGUF repos, as llama.cpp's file name is)."""
    tag = ollama_tag(model)
    if tag and quant == LIBRARY_DEFAULT_FORMAT:
        return tag
    return f"hf.co/{model.hf_repo or model.id}-GGUF:{quant}"


@dataclass(frozen=True)
class Ollama(LlamaCpp):
    name: Engine = Engine.OLLAMA
    label: str = "ollama"

    def scheduler(self, workload: Workload, a: Assumptions) -> Scheduler:
        """OLLAMA_NUM_PARALLEL slots, each allocated the full num_ctx (OLLAMA_CONTEXT_LENGTH):
        ollama hands llama.cpp num_ctx x slots, so memory grows with context x parallel slots."""
        return Scheduler(slots=workload.batch, context_per_slot=workload.context, batch_tokens=a.llama_cpp.ubatch)

    def launch(
        self, model: ModelSpec, workload: Workload, gpu_count: int, a: Assumptions, offload: Offload | None = None
    ) -> LaunchSpec:
        """`ollama run NAME` with the server's knobs as sized (the ollama server reads them: set them
        where `ollama serve` runs). ollama spreads layers over the GPUs and offloads by itself."""
        slots = self.scheduler(workload, a)
        env = {
            "OLLAMA_CONTEXT_LENGTH": str(slots.context_per_slot),
            "OLLAMA_NUM_PARALLEL": str(slots.slots),
            "OLLAMA_FLASH_ATTENTION": "1",
            "OLLAMA_KV_CACHE_TYPE": workload.kv_cache_type,
        }
        return LaunchSpec(argv=("ollama", "run", ollama_model_name(model, resolve_quant(workload.quant).name)), env=env)


RUNTIME = Ollama()
