"""What the user wants to run."""

from __future__ import annotations

from typing import Literal

from sizer.models.base import Engine, PositiveInt, _Frozen

# KV-cache element types across engines (each engine offers a subset: sizer.engines).
KvCacheType = Literal["f16", "q8_0", "q4_0", "fp8"]


class Workload(_Frozen):
    """What the user wants to run: quantization, context, concurrent sequences, engine, KV cache type."""

    quant: str = "Q4_K_M"
    context: PositiveInt = 4096
    batch: PositiveInt = 1
    engine: Engine = Engine.LLAMA_CPP
    kv_cache_type: KvCacheType = "f16"
    # Images too (the vision use case): llama.cpp then loads the model's vision projector (--mmproj),
    # whose weights count in its memory; text alone leaves it out.
    images: bool = False
