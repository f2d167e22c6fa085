"""How each engine runs in its official container image: the images with their pinned tags (the
one place they are named), ports, health and metrics endpoints, where the model files live, and
the deployment formats with a template for it. Data for `sizer.core.deploy`."""

from __future__ import annotations

from dataclasses import dataclass

from sizer.models import Engine, Vendor

# The container images, the one place they are named. Tags looked up on 2026-12-02:
# vLLM v0.28.0 released 2026-08-26 (https://github.com/coreweave/ml-containers/pull/218; images at
#   https://hub.docker.com/r/vllm/vllm-openai/tags, ROCm builds at https://hub.docker.com/r/vllm/vllm-openai-rocm/tags);
# llama.cpp server-cuda-b11243 / server-rocm-b11243 (https://github.com/ggml-org/llama.cpp/pkgs/container/llama.cpp,
#   tags named in https://github.com/ggml-org/llama.cpp/blob/master/docs/docker.md);
# ollama 0.24.0 and its -rocm build (https://hub.docker.com/r/ollama/ollama/tags; bumped to v0.24.0 in
#   https://github.com/MinionTech/vexilon/releases/tag/v1.0.1);
# SGLang v0.5.18 (https://hub.docker.com/r/lmsysorg/sglang/tags);
# TensorRT-LLM 1.3.0rc5 (https://nvidia.github.io/TensorRT-LLM/quick-start-guide.html).
IMAGES: dict[tuple[Engine, Vendor], str] = {
    (Engine.VLLM, Vendor.NVIDIA): "vllm/vllm-openai:v0.28.0",
    (Engine.VLLM, Vendor.AMD): "vllm/vllm-openai-rocm:v0.28.0",
    (Engine.LLAMA_CPP, Vendor.NVIDIA): "ghcr.io/ggml-org/llama.cpp:server-cuda-b11243",
    (Engine.LLAMA_CPP, Vendor.AMD): "ghcr.io/ggml-org/llama.cpp:server-rocm-b11243",
    (Engine.OLLAMA, Vendor.NVIDIA): "ollama/ollama:0.24.0",
    (Engine.OLLAMA, Vendor.AMD): "ollama/ollama:0.24.0-rocm",
    (Engine.SGLANG, Vendor.NVIDIA): "lmsysorg/sglang:v0.5.18",
    (Engine.TENSORRT_LLM, Vendor.NVIDIA): "nvcr.io/nvidia/tensorrt-llm/release:1.3.0rc5",
}


@dataclass(frozen=True)
class MultiNode:
    """How an engine's processes on several nodes find each other. Words may hold the placeholders
    {leader} (the first node's address), {rank} (this node's index, 0 on the first) and {nodes}."""

    port: int  # where the first node listens for the others
    leader_first: tuple[str, ...] = ()  # run on the first node before its server (vLLM: the Ray head)
    server_extra: tuple[str, ...] = ()  # added to the server's argv on the nodes that run it
    worker_argv: tuple[str, ...] | None = None  # what the other nodes run; None: the server, with its rank


# vLLM across nodes runs on a Ray cluster: a head on the first node, the others join it and
# `vllm serve` on the head places its workers there
# (https://docs.vllm.ai/en/latest/serving/distributed_serving.html, "Running vLLM on multiple nodes").
VLLM_RAY = MultiNode(
    port=6379,  # Ray's default GCS port
    leader_first=("ray", "start", "--head", "--port=6379"),
    server_extra=("--distributed-executor-backend", "ray"),
    worker_argv=("ray", "start", "--address={leader}:6379", "--block"),
)
# SGLang runs the same server on every node with its rank; the first node's address sets up
# torch.distributed (https://docs.sglang.io/references/multi_node_deployment/multi_node.html: --nnodes, --node-rank,
# --dist-init-addr; its tensor- and pipeline-parallel sizes span the nodes).
SGLANG_NODES = MultiNode(
    port=20000,
    server_extra=("--nnodes", "{nodes}", "--node-rank", "{rank}", "--dist-init-addr", "{leader}:20000"),
)


@dataclass(frozen=True)
class Container:
    """How an engine runs in its official image (each engine's documented server defaults)."""

    port: int  # the port the server listens on in the container
    serve_args: tuple[str, ...]  # what a server in a container adds to the launch argv (listen on all interfaces)
    health_path: str  # HTTP GET answering 200 once the model is loaded
    metrics_path: str | None  # Prometheus text endpoint
    cache_path: str  # where the model files live in the container (the volume's mount)
    keeps_entrypoint: bool  # the image's entrypoint is the server: the argv after its program are its args
    shares_memory: bool  # one process per GPU passing tensors through /dev/shm (ipc: host)
    health_command: tuple[str, ...]  # the compose healthcheck: a probe with what the image has
    workdir: str | None = None  # the working directory (llama-server reads a relative -m from the volume)
    env: tuple[tuple[str, str], ...] = ()  # what the container sets beside the launch spec's environment
    hub_token: bool = False  # downloads from the Hugging Face Hub: pass HF_TOKEN through for gated models
    server_argv: tuple[str, ...] = ()  # the server the container runs when the launch argv is a client (ollama run)
    pull_argv: tuple[str, ...] = ()  # fetches the model once the server is up; the model name follows
    local_file_flag: str | None = None  # the flag naming a model file read from disk, not downloaded
    formats: tuple[str, ...] = ("compose", "k8s", "shell")  # the deployment formats with a template for it
    multinode: MultiNode | None = None  # how it spans nodes; None: one node only
    multinode_formats: tuple[str, ...] = ("k8s", "shell")  # the formats with a multi-node template


def _python_get(port: int, path: str) -> tuple[str, ...]:
    """A healthcheck with the Python every Python-based engine image has."""
    url = f"http://localhost:{port}{path}"
    return ("python3", "-c", f"import urllib.request; urllib.request.urlopen({url!r}, timeout=5)")


CONTAINERS: dict[Engine, Container] = {
    # llama-server listens on 127.0.0.1:8080 by default; /health and --metrics (/metrics):
    # https://github.com/ggml-org/llama.cpp/blob/master/tools/server/README.md. The image's
    # entrypoint is /app/llama-server; the model file is read from the volume (the working directory).
    Engine.LLAMA_CPP: Container(
        port=8080,
        serve_args=("--host", "0.0.0.0", "--port", "8080", "--metrics"),
        health_path="/health",
        metrics_path="/metrics",
        cache_path="/models",
        keeps_entrypoint=True,
        shares_memory=False,
        health_command=("curl", "-fsS", "http://localhost:8080/health"),
        workdir="/models",
        env=(("LLAMA_CACHE", "/models"),),  # where -hf downloads go: the volume
        hub_token=True,
        local_file_flag="-m",
    ),
    # The ollama image's entrypoint is /bin/ollama and it serves on 0.0.0.0:11434; GET / answers
    # "Ollama is running" (https://github.com/ollama/ollama/blob/main/docs/api.md); models in /root/.ollama.
    Engine.OLLAMA: Container(
        port=11434,
        serve_args=(),
        health_path="/",
        metrics_path=None,
        cache_path="/root/.ollama",
        keeps_entrypoint=True,
        shares_memory=False,
        health_command=("ollama", "list"),  # the image has no curl
        server_argv=("ollama", "serve"),
        pull_argv=("ollama", "pull"),
    ),
    # vllm serve listens on 0.0.0.0:8000 with /health and /metrics
    # (https://docs.vllm.ai/en/latest/serving/openai_compatible_server.html); Hub cache under /root/.cache/huggingface.
    Engine.VLLM: Container(
        port=8000,
        serve_args=("--host", "0.0.0.0", "--port", "8000"),
        health_path="/health",
        metrics_path="/metrics",
        cache_path="/root/.cache/huggingface",
        keeps_entrypoint=False,
        shares_memory=True,
        health_command=_python_get(8000, "/health"),
        hub_token=True,
        # The production-stack chart and KServe's Hugging Face runtime both run vLLM
        # (https://kserve.github.io/website/docs/model-serving/generative-inference/overview).
        formats=("compose", "k8s", "helm", "kserve", "shell"),
        multinode=VLLM_RAY,
        multinode_formats=("k8s", "kserve", "shell"),
    ),
    # SGLang's server defaults to 127.0.0.1:30000; /health, and /metrics with --enable-metrics
    # (https://docs.sglang.ai/references/production_metrics.html).
    Engine.SGLANG: Container(
        port=30000,
        serve_args=("--host", "0.0.0.0", "--port", "30000", "--enable-metrics"),
        health_path="/health",
        metrics_path="/metrics",
        cache_path="/root/.cache/huggingface",
        keeps_entrypoint=False,
        shares_memory=True,
        health_command=_python_get(30000, "/health"),
        hub_token=True,
        multinode=SGLANG_NODES,
    ),
    # trtllm-serve defaults to localhost:8000; /health and /metrics
    # (https://nvidia.github.io/TensorRT-LLM/commands/trtllm-serve/trtllm-serve.html).
    Engine.TENSORRT_LLM: Container(
        port=8000,
        serve_args=("--host", "0.0.0.0", "--port", "8000"),
        health_path="/health",
        metrics_path="/metrics",
        cache_path="/root/.cache/huggingface",
        keeps_entrypoint=False,
        shares_memory=True,
        health_command=_python_get(8000, "/health"),
        hub_token=True,
    ),
}

# Where each engine's launch argv names the model: a flag, or the first word after these.
MODEL_FLAGS = {Engine.LLAMA_CPP: ("-m", "--model", "-hf", "--hf-repo"), Engine.SGLANG: ("--model-path",)}
POSITIONAL_AFTER = {Engine.VLLM: "serve", Engine.OLLAMA: "run", Engine.TENSORRT_LLM: "trtllm-serve"}
