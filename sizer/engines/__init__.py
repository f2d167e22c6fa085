"""Engines as plugins: one module per engine behind the `Runtime` protocol (base.py), found here by name.

`RUNTIMES` is the one list of engines: the core, render and CLI ask it and never name an engine
(tests/engines/test_contract.py holds them to that and runs its contract over every entry).
"""

from __future__ import annotations

import difflib

from sizer.engines import llama_cpp, ollama, sglang, tensorrt_llm, vllm
from sizer.engines.base import Runtime
from sizer.errors import N_, InputError, Message
from sizer.models import Engine

RUNTIMES: dict[Engine, Runtime] = {m.RUNTIME.name: m.RUNTIME for m in (llama_cpp, ollama, vllm, sglang, tensorrt_llm)}
# Other spellings people use: the label ("vLLM", "SGLang") and llama.cpp's usual variants.
_ALIASES = {
    **{r.label.lower(): e for e, r in RUNTIMES.items()},
    "llamacpp": Engine.LLAMA_CPP,
    "llama-cpp": Engine.LLAMA_CPP,
    "llama-server": Engine.LLAMA_CPP,
    "trtllm": Engine.TENSORRT_LLM,
    "trt-llm": Engine.TENSORRT_LLM,
    "tensorrt": Engine.TENSORRT_LLM,
    "nim": Engine.TENSORRT_LLM,
}


def engine_for(name: str | Engine) -> Runtime:
    """The engine module for a name as people write it (llama.cpp, ollama, vllm, sglang); InputError else."""
    key = str(name).strip().lower()
    engine = _ALIASES.get(key) or next((e for e in RUNTIMES if e.value == key), None)
    if engine is None:
        names = [e.value for e in RUNTIMES]
        close = difflib.get_close_matches(key, names, n=1)
        hint = Message(N_("; did you mean {name}?"), name=close[0]) if close else ""
        raise InputError(
            N_("unknown engine {name!r}; choose {choices}{hint}"), name=name, choices=", ".join(names), hint=hint
        )
    return RUNTIMES[engine]
