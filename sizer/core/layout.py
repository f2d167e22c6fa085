"""Multi-node rigs: `nodes` x `gpus_per_node` GPUs, tensor parallel inside a node and pipeline
parallel across nodes, over a link between nodes (data/interconnects.yaml). Pure.

vLLM, SGLang and TensorRT-LLM split a model over machines this way: the tensor-parallel size is
the GPUs of one node (its all-reduces stay on NVLink or PCIe), the pipeline-parallel size the
nodes (each node holds a contiguous run of layers, the first the embedding, the last the output
head, and hands the hidden state on to the next). One node is what every engine did before:
these functions then call the engine exactly as the single-node code does.
"""

from __future__ import annotations

import dataclasses
import difflib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sizer.core.memory import MemoryNeed, kv_shards, per_gpu_bytes, pipeline_per_gpu_bytes
from sizer.core.speed import SpeedTerms
from sizer.engines.base import Runtime, check_nodes
from sizer.errors import N_, InputError, UnknownNameError
from sizer.models import Assumptions, GpuSpec, Interconnect, Interconnects, Layout, ModelSpec, Workload
from sizer.units import gb_per_s_to_bytes_per_s

if TYPE_CHECKING:  # rigs builds on estimate, which builds on this
    from sizer.core.rigs import HardwareOption


@dataclass(frozen=True)
class RigLayout:
    """`nodes` x `gpus_per_node` GPUs under an engine, and the link between the nodes."""

    nodes: int
    gpus_per_node: int
    splits_tensors: bool  # the engine's: tensor parallel inside a node (else llama.cpp's layer split)
    link: Interconnect | None = None  # between nodes; None on one node

    @property
    def gpu_count(self) -> int:
        return self.nodes * self.gpus_per_node

    @property
    def tensor_parallel(self) -> int:
        return self.gpus_per_node if self.splits_tensors else 1

    @property
    def pipeline_parallel(self) -> int:
        """Stages run one after another: the nodes, or on one node llama.cpp's GPUs, one run of layers each."""
        return self.nodes if self.splits_tensors else self.gpus_per_node


def pick_link(table: Interconnects, name: str | None) -> Interconnect:
    """The link `name` names in the table (its default when None); UnknownNameError with the
    closest ids for a name it lacks."""
    link = table.get(name if name is not None else table.default)
    if link is None:
        close = difflib.get_close_matches(str(name).strip().lower(), table.ids, n=2, cutoff=0.5)
        raise UnknownNameError(N_("interconnect"), str(name), close or list(table.ids))
    return link


def plan_layout(
    runtime: Runtime, model: ModelSpec, gpus_per_node: int, nodes: int = 1, link: Interconnect | None = None
) -> RigLayout:
    """The layout of `nodes` x `gpus_per_node` under the engine; InputError (one line) where the
    engine cannot run it: nodes below 1, more than one node for llama.cpp or ollama, more
    stages than the model has layers, or no link named between nodes."""
    check_nodes(runtime, nodes)
    if nodes > 1 and nodes > model.layers:
        raise InputError(
            N_("{model} has {layers} layers; it cannot be split over {nodes} nodes"),
            model=model.id,
            layers=model.layers,
            nodes=nodes,
        )
    if nodes > 1 and link is None:
        raise InputError(N_("a multi-node rig needs the link between its nodes (--interconnect)"))
    return RigLayout(nodes=nodes, gpus_per_node=gpus_per_node, splits_tensors=runtime.splits_tensors, link=link)


def option_layout(runtime: Runtime, option: HardwareOption) -> RigLayout:
    """The layout of a rig to consider (its nodes of `count` GPUs), as recommend and check build them."""
    return RigLayout(option.nodes, option.count, runtime.splits_tensors, option.interconnect)


def layout_memory(
    runtime: Runtime, model: ModelSpec, workload: Workload, layout: RigLayout, a: Assumptions, gpu_runtime: bool
) -> MemoryNeed:
    """The engine's memory need on the layout: its per-GPU overheads are those of one node's
    tensor-parallel group (which is what splits its activations), paid on every GPU of every node."""
    need = runtime.memory(model, workload, layout.gpus_per_node, a, gpu_runtime=gpu_runtime)
    if layout.nodes == 1:
        return need
    return dataclasses.replace(need, gpu_count=layout.gpu_count)


def layout_per_gpu_bytes(need: MemoryNeed, model: ModelSpec, layout: RigLayout) -> list[int]:
    """Bytes on each GPU: on one node as the engine splits it (core.memory.per_gpu_bytes); across
    nodes each node's stage of whole layers split over its TP GPUs (pipeline_per_gpu_bytes)."""
    ws, kv, overhead = need.weights, need.kv_cache_bytes, need.per_gpu_overhead_bytes
    if layout.nodes == 1:
        shards = kv_shards(model, layout.gpus_per_node)
        return per_gpu_bytes(ws, kv, overhead, model.layers, layout.gpus_per_node, layout.splits_tensors, shards)
    # Each stage's TP GPUs divide its KV cache as far as its heads allow (memory.kv_shards).
    copies = layout.tensor_parallel / kv_shards(model, layout.tensor_parallel)
    return pipeline_per_gpu_bytes(ws, round(kv * copies), overhead, model.layers, layout.tensor_parallel, layout.nodes)


def layout_terms(
    runtime: Runtime, gpu: GpuSpec, layout: RigLayout, a: Assumptions, bandwidth_gb_per_s: float | None = None
) -> SpeedTerms:
    """What the layout offers a step. The stages run one after another for a token, each reading
    its own layers over its node's TP GPUs, so a step reads all the weights at one node's
    bandwidth and compute (the engine's terms for `gpus_per_node` GPUs, all-reduces inside the
    node included), plus the sends between stages (speed.pipeline_send_s). Modelled without
    overlap: at batch 1 there is none; at larger batches vLLM keeps up to PP micro-batches in
    flight, which this does not credit (a lower bound on throughput, exact on latency)."""
    terms = runtime.speed_terms(gpu, layout.gpus_per_node, a, bandwidth_gb_per_s)
    if layout.nodes == 1 or layout.link is None:
        return terms
    return dataclasses.replace(
        terms,
        pipeline_sends=layout.nodes - 1,
        pipeline_latency_s=layout.link.latency_us * 1e-6,  # microseconds to seconds
        pipeline_s_per_byte=1.0 / gb_per_s_to_bytes_per_s(layout.link.gb_per_s),
    )


def layout_result(layout: RigLayout, per_gpu: list[int]) -> Layout:
    """The layout as `estimate --json` gives it."""
    return Layout(
        nodes=layout.nodes,
        gpus_per_node=layout.gpus_per_node,
        tensor_parallel=layout.tensor_parallel,
        pipeline_parallel=layout.pipeline_parallel,
        per_gpu_bytes=max(per_gpu),
        interconnect=layout.link.id if layout.link is not None and layout.nodes > 1 else None,
    )
