"""Format families the engines draw on (core.quant names)."""

from __future__ import annotations

from sizer.core.quant import all_formats

GGUF: tuple[str, ...] = tuple(q.name for q in all_formats() if q.kind == "gguf")
# 16-bit and the engine formats vLLM and SGLang load (never GGUF k-quants).
GPU_SERVER: tuple[str, ...] = ("F16", "BF16", "FP8", "INT8", "AWQ", "GPTQ", "NF4", "MXFP4", "NVFP4")
