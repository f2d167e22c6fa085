"""What starts a sized setup in a container: one `DeploymentPlan` per estimate. Pure.

The plan carries the engine's launch spec (`Runtime.launch`, the same argv `estimate` sized and
`recommend` prints), the container image that runs it, the knobs as numbers (for formats that
name them, such as the production-stack Helm values), the resources to request and the endpoints
to probe. The renderers in sizer/render/deploy/ turn it into files; nothing here knows a file
format. Past one node (vLLM over Ray, SGLang with node ranks) the plan also says what the first
node and the others run (`leader_argv`, `worker_argv`); a pod or machine per node.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from sizer.engines import engine_for
from sizer.engines.base import or_list
from sizer.engines.containers import CONTAINERS, IMAGES, MODEL_FLAGS, POSITIONAL_AFTER, Container, MultiNode
from sizer.errors import N_, InputError
from sizer.models import Assumptions, Engine, Estimate, GpuSpec, LaunchSpec, ModelSpec, Vendor, Workload
from sizer.units import GiB

# The device-plugin resource names (https://github.com/NVIDIA/k8s-device-plugin,
# https://github.com/ROCm/k8s-device-plugin).
GPU_RESOURCES = {Vendor.NVIDIA: "nvidia.com/gpu", Vendor.AMD: "amd.com/gpu"}

# The most GPUs one node holds (8 in an HGX/DGX or MI300X platform); more is a multi-node layout.
GPUS_PER_NODE = 8

# The model volume holds the weight files and what the engine keeps beside them (tokenizer,
# config, a download's partial file): 1.2 x the weights, rounded up to whole GiB.
VOLUME_FACTOR = 1.2
# Host memory the pod requests: the production-stack chart's example engine asks 16 GiB
# (https://github.com/vllm-project/production-stack/blob/main/helm/values.yaml, requestMemory),
# plus the layers llama.cpp/ollama keep in system RAM when the model does not fit.
BASE_MEMORY_BYTES = 16 * GiB
# CPUs the pod requests: the chart's example asks 6 for one GPU; each further GPU's worker
# process keeps one more core busy with its scheduler loop.
BASE_CPUS = 6
CPUS_PER_EXTRA_GPU = 1
# How long a server may take to come up before its health checks count: the weights' download at
# 100 MB/s (an assumption: a sustained 0.8 Gbit/s from the Hub; a volume already filled is faster)
# plus 20 minutes to load them and warm up (CUDA graphs, compiled kernels).
DOWNLOAD_BYTES_PER_S = 100e6
LOAD_S = 20 * 60
# /dev/shm: PyTorch and NCCL pass tensors between processes through it; vLLM's Docker guide uses
# --shm-size=10.24gb (https://docs.vllm.ai/en/latest/deployment/docker.html). llama.cpp and
# ollama run one process and need only more than Docker's 64 MB default.
SHM_BYTES_SHARED = 10 * GiB
SHM_BYTES_SINGLE = 1 * GiB


@dataclass(frozen=True)
class DeploymentPlan:
    """One sized setup as containers run it: the same knob values `estimate` sized."""

    name: str  # a DNS-1123 label: the Kubernetes objects and the compose service are named after it
    model_id: str
    model_ref: str  # what the launch argv names: a Hub repository, a GGUF file, an ollama tag
    weight_format: str  # Q4_K_M, BF16, AWQ, ...
    engine: Engine
    engine_label: str
    image: str
    vendor: Vendor
    gpu: str
    gpu_count: int  # all nodes together
    tensor_parallel: int  # 1 for engines that split layers (llama.cpp, ollama)
    max_model_len: int  # tokens each sequence holds
    max_num_seqs: int  # sequences at once
    gpu_memory_utilization: float | None  # the share of each GPU the engine takes (vLLM, SGLang, TRT-LLM)
    kv_cache_dtype: str
    launch: LaunchSpec  # the engine's own command, as `estimate`/`recommend` print it
    argv: tuple[str, ...]  # the process the container runs, its program first
    env: dict[str, str]
    container: Container
    gpu_resource: str
    cpu_request: int
    memory_request_bytes: int
    shm_bytes: int
    weight_bytes: int
    volume_bytes: int
    after_start: tuple[str, ...] = ()  # a command to run in the container once it is up (ollama pulls the model)
    local_file: str | None = None  # a model file the launch argv reads from disk (llama-server -m), not downloads
    nodes: int = 1  # machines (pods) the model spans, `gpus_per_node` GPUs each
    pipeline_parallel: int = 1  # stages across the nodes
    multinode: MultiNode | None = None  # how the nodes find each other (set when nodes > 1)
    # Copies of the whole setup behind one Service, each serving its share of the users (the
    # Kubernetes formats run them; compose and shell are one server's file, started on each).
    replicas: int = 1

    @property
    def gpus_per_node(self) -> int:
        """What each pod or machine requests."""
        return self.gpu_count // self.nodes

    def leader_argv(self, leader: str, rank: str) -> tuple[tuple[str, ...], ...]:
        """What the first node runs, command after command: on one node the argv; across nodes
        what the engine starts first there (a Ray head), then the server with its multi-node
        flags. `leader` and `rank` are how the format names the first node's address and this
        node's index (a shell variable, say)."""
        if self.multinode is None:
            return (self.argv,)
        m = self.multinode
        first = (_fill(m.leader_first, leader, rank, self.nodes),) if m.leader_first else ()
        return (*first, _fill((*self.argv, *m.server_extra), leader, rank, self.nodes))

    def worker_argv(self, leader: str, rank: str) -> tuple[str, ...]:
        """What every node after the first runs (only across nodes)."""
        assert self.multinode is not None
        m = self.multinode
        words = m.worker_argv if m.worker_argv is not None else (*self.argv, *m.server_extra)
        return _fill(words, leader, rank, self.nodes)

    @property
    def args(self) -> tuple[str, ...]:
        """The container's arguments: the argv after its program."""
        return self.argv[1:]

    @property
    def startup_s(self) -> int:
        """Seconds to allow for the first start: download and load (DOWNLOAD_BYTES_PER_S, LOAD_S)."""
        return LOAD_S + math.ceil(self.weight_bytes / DOWNLOAD_BYTES_PER_S)

    @property
    def volume_gib(self) -> int:
        return max(1, math.ceil(self.volume_bytes / GiB))

    @property
    def memory_gib(self) -> int:
        return math.ceil(self.memory_request_bytes / GiB)

    @property
    def shm_gib(self) -> int:
        return max(1, math.ceil(self.shm_bytes / GiB))


def _fill(words: tuple[str, ...], leader: str, rank: str, nodes: int) -> tuple[str, ...]:
    return tuple(w.replace("{leader}", leader).replace("{rank}", rank).replace("{nodes}", str(nodes)) for w in words)


def dns_label(text: str) -> str:
    """A Kubernetes object name (RFC 1123 label): lower case letters, digits and '-', at most 63."""
    label = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:63].strip("-")
    if not label or not label[0].isalpha():
        label = ("m-" + label)[:63].strip("-")
    return label


def model_ref(engine: Engine, spec: LaunchSpec, fallback: str) -> str:
    """The model the launch argv names (a flag's value, or the word after the subcommand)."""
    argv = spec.argv
    for i, word in enumerate(argv[:-1]):
        if word in MODEL_FLAGS.get(engine, ()):
            return argv[i + 1]
    after = POSITIONAL_AFTER.get(engine)
    if after in argv:
        i = argv.index(after) + 1
        if i < len(argv) and not argv[i].startswith("-"):
            return argv[i]
    return fallback


def image_for(engine: Engine, label: str, vendor: Vendor) -> str:
    """The pinned official image of `engine` for `vendor`'s GPUs; bad input if there is none."""
    image = IMAGES.get((engine, vendor))
    if image is None:
        have = sorted({str(e) for e, v in IMAGES if v is vendor})
        if not have:
            raise InputError(
                N_(
                    "sizer deploy has container images for NVIDIA and AMD GPUs only, not {vendor}; "
                    "on this machine run the engine itself (--format shell)"
                ),
                vendor=vendor.value,
            )
        raise InputError(
            N_("{engine} has no official {vendor} image; for {vendor} GPUs use --engine {engines}, or --format shell"),
            engine=label,
            vendor=vendor.value.upper(),
            engines=or_list(have),
        )
    return image


def check_node_size(gpus_per_node: int) -> None:
    """Bad input for more GPUs than one node holds, naming the layout over nodes that has them."""
    if gpus_per_node > GPUS_PER_NODE:
        raise InputError(
            N_(
                "{gpus} GPUs are more than one node holds ({most}); spread them over nodes: "
                "--gpus {most} --nodes {nodes}"
            ),
            gpus=gpus_per_node,
            most=GPUS_PER_NODE,
            nodes=math.ceil(gpus_per_node / GPUS_PER_NODE),
        )


def plan_deployment(
    model: ModelSpec,
    gpu: GpuSpec,
    workload: Workload,
    est: Estimate,
    a: Assumptions,
    launch: LaunchSpec,
    replicas: int = 1,
) -> DeploymentPlan:
    """`replicas` copies of the deployment of `est` (one model on `est.gpu_count` GPUs, on the nodes of its layout, as
    sized) started by `launch`, the engine's launch spec for it (one with argv)."""
    runtime = engine_for(workload.engine)
    nodes = est.layout.nodes if est.layout is not None else 1
    per_node = est.gpu_count // nodes
    check_node_size(per_node)
    container = CONTAINERS[runtime.name]
    if nodes > 1 and container.multinode is None:
        raise InputError(
            N_(
                "{engine} across nodes runs under MPI, for which sizer deploy has no template; "
                "use --engine vllm or sglang, or --nodes 1"
            ),
            engine=runtime.label,
        )
    if not est.fits:
        raise InputError(
            N_(
                "{model} ({quant}, {context:,} tokens x {batch}) does not fit on {gpus}x {gpu}; try more GPUs "
                "(--gpus), a smaller format (--quant) or less --context/--users (`sizer estimate` shows the breakdown)"
            ),
            model=model.id,
            quant=est.quant,
            context=est.context,
            batch=est.batch,
            gpus=est.gpu_count,
            gpu=gpu.name,
        )
    image = image_for(runtime.name, runtime.label, gpu.vendor)
    if not launch.argv:
        raise InputError(
            N_("{engine} has no command that serves {model} as {quant}; see `sizer estimate`"),
            engine=runtime.label,
            model=model.id,
            quant=est.quant,
        )
    slots = runtime.scheduler(workload, a)
    settings = getattr(runtime, "settings", None)
    share = settings(a).gpu_memory_utilization_frac if runtime.splits_tensors and settings else None
    ref = model_ref(runtime.name, launch, model.hf_repo or model.id)
    if container.server_argv:
        # `ollama run NAME` is a client: the container runs the server with the sized knobs, and
        # the model is pulled into its volume once it is up.
        argv: tuple[str, ...] = container.server_argv
        after: tuple[str, ...] = (*container.pull_argv, ref)
    else:
        argv, after = (*launch.argv, *container.serve_args), ()
    offloaded = est.offload.cpu_bytes if est.offload else 0
    return DeploymentPlan(
        name=dns_label(f"{model.id}-{runtime.name.value}"),
        model_id=model.id,
        model_ref=ref,
        weight_format=est.quant,
        engine=runtime.name,
        engine_label=runtime.label,
        image=image,
        vendor=gpu.vendor,
        gpu=gpu.name,
        gpu_count=est.gpu_count,
        tensor_parallel=per_node if runtime.splits_tensors else 1,
        max_model_len=slots.context_per_slot,
        max_num_seqs=slots.slots,
        gpu_memory_utilization=share,
        kv_cache_dtype=workload.kv_cache_type,
        launch=launch,
        argv=argv,
        env={**dict(container.env), **launch.env},
        container=container,
        gpu_resource=GPU_RESOURCES[gpu.vendor],
        cpu_request=BASE_CPUS + CPUS_PER_EXTRA_GPU * (per_node - 1),
        memory_request_bytes=BASE_MEMORY_BYTES + offloaded,
        shm_bytes=SHM_BYTES_SHARED if container.shares_memory else SHM_BYTES_SINGLE,
        weight_bytes=est.memory_bytes.weights,
        volume_bytes=math.ceil(VOLUME_FACTOR * est.memory_bytes.weights),
        after_start=after,
        local_file=_flag_value(launch.argv, container.local_file_flag) if container.local_file_flag else None,
        nodes=nodes,
        replicas=replicas,
        pipeline_parallel=est.layout.pipeline_parallel if est.layout is not None and nodes > 1 else 1,
        multinode=container.multinode if nodes > 1 else None,
    )


def _flag_value(argv: tuple[str, ...], name: str) -> str | None:
    return argv[argv.index(name) + 1] if name in argv[:-1] else None


FORMATS = ("compose", "k8s", "helm", "kserve", "shell")


def check_format(plan: DeploymentPlan, fmt: str) -> None:
    """Bad input when `fmt` has no template for the plan's engine, naming what would work."""
    if plan.nodes > 1 and fmt not in plan.container.multinode_formats:
        fitting = ", ".join(plan.container.multinode_formats)
        raise InputError(
            N_("--format {format} starts one node; {nodes} nodes of {engine} need --format {fitting}"),
            format=fmt,
            nodes=plan.nodes,
            engine=plan.engine_label,
            fitting=fitting,
        )
    if fmt not in plan.container.formats:
        engines = [str(e) for e, c in CONTAINERS.items() if fmt in c.formats]
        fitting = ", ".join(plan.container.formats)
        raise InputError(
            N_("--format {format} runs {engines} only, not {engine}; use --engine {engines}, or --format {fitting}"),
            format=fmt,
            engines=or_list(engines),
            engine=plan.engine_label,
            fitting=fitting,
        )
    if fmt == "kserve" and "/" not in plan.model_ref:
        raise InputError(
            N_(
                "--format kserve downloads from the Hugging Face Hub, and {model} names no repository "
                "(hf_repo); use --format k8s or compose"
            ),
            model=plan.model_id,
        )
