"""A run as a benchmark tool printed it, before it is matched to the catalog.

The parsers in sizer.io.runs produce these; sizer.io.runs.match turns them into calibration rows
(sizer.calibrate.Row) once the model and the GPU are known.
"""

from __future__ import annotations

from dataclasses import dataclass

# What a run measured, in tokens per second:
# decode: one sequence generating (llama-bench tgN, ollama eval rate);
# prefill: one prompt processed (llama-bench ppN, ollama prompt eval rate);
# batched_decode: B sequences generating together, all their tokens (llama-batched-bench S_TG);
# serve_output: output tokens per second of a serving benchmark (vllm bench serve);
# batch_latency: one static batch's output tokens per second, B x output length over its mean
# latency (vllm bench latency).
KINDS = ("decode", "prefill", "batched_decode", "serve_output", "batch_latency")


@dataclass(frozen=True)
class Measured:
    source: str  # "FILE:LINE" where the run was printed
    tool: str  # "llama-bench", "llama-batched-bench", "vllm bench serve", "vllm bench latency", "ollama"
    kind: str  # one of KINDS
    value: float  # tokens per second
    model: str = ""  # what names the model: file name, repository, ollama tag or llama.cpp type
    model_type: str = ""  # llama.cpp's type string ("qwen2 7B Q4_K - Medium"), when printed
    params: float | None = None  # parameter count, when printed
    gpu: str = ""  # the GPU as printed, "" when the file does not say
    backend: str = ""  # llama.cpp backend ("CUDA", "Metal"), "" when unknown
    prompt_tokens: int = 0  # tokens of each prompt (ppN, PP, input length)
    output_tokens: int = 0  # tokens generated per sequence (tgN, TG, output length)
    depth: int = 0  # tokens already in the cache before the test (llama-bench -d)
    batch: int = 1  # sequences at once (B, max concurrency)
    gpu_layers: int | None = None  # n_gpu_layers (-1 or 99: all), when printed
    kv_cache: str = "f16"  # type_k as printed
    rate: float | None = None  # requests per second offered (serving runs; None: all at once)
    latency_s: float | None = None  # vllm bench latency: mean seconds of the batch, as printed
    shape_known: bool = True  # False: a vllm bench latency run whose lengths or batch nobody gave
