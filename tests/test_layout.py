"""Multi-node rigs (core/layout.py): tensor parallel inside a node, pipeline parallel across, on
hand-checked cases."""

from __future__ import annotations

import pytest

from sizer.core.estimate import estimate
from sizer.core.memory import WeightSummary, pipeline_per_gpu_bytes
from sizer.core.speed import SpeedTerms, pipeline_send_s
from sizer.errors import InputError
from sizer.io.loaders import load_interconnects
from sizer.models import Interconnect, Workload
from tests.conftest import A100_SXM, LLAMA_3_70B, LLAMA_31_8B

NDR = load_interconnects().get("ib-ndr")
VLLM = Workload(quant="BF16", context=4096, batch=1, engine="vllm")


def test_pipeline_split_gives_each_stage_whole_layers_over_its_tp_gpus():
    # 4 layers of 100 bytes, embedding 40 (first stage), head 60 (last), KV 80 = 20 per layer.
    # Two stages of two layers: 200 + 40 + 40 = 280 and 200 + 40 + 60 = 300 bytes; each split
    # over 2 TP GPUs (140, 150) plus 5 bytes of overhead on every GPU.
    ws = WeightSummary(
        total_bytes=500,
        layer_bytes=(100, 100, 100, 100),
        head_bytes=60,
        embedding_bytes=40,
        read_per_token_bytes=460.0,
        active_params=250,
    )
    assert pipeline_per_gpu_bytes(ws, 80, 5.0, 4, tensor_parallel=2, stages=2) == [145, 145, 155, 155]


def test_two_nodes_of_eight_hold_half_a_node_each_plus_the_overhead():
    one = estimate(LLAMA_3_70B, A100_SXM, VLLM, 8)
    two = estimate(LLAMA_3_70B, A100_SXM, VLLM, 8, nodes=2, interconnect=NDR)
    assert two.gpu_count == 16 and len(two.per_gpu_bytes) == 16
    # The same weights and KV cache, on twice the GPUs, with each GPU's overhead: summed over the
    # 16 GPUs they give weights + KV + 16 x overhead (within the rounding of 16 GPUs' figures).
    overhead = two.memory_bytes.overhead / 16
    stored = sum(two.per_gpu_bytes) - 16 * overhead
    assert abs(stored - (two.memory_bytes.weights + two.memory_bytes.kv_cache)) <= 16
    # 80 layers: 40 per stage; the fullest stage is within a layer's bytes of half the node's load.
    half = (one.per_gpu_bytes[0] - overhead) / 2 + overhead
    assert abs(max(two.per_gpu_bytes) - half) < 0.02 * half
    assert two.layout is not None
    assert (two.layout.tensor_parallel, two.layout.pipeline_parallel, two.layout.interconnect) == (8, 2, "ib-ndr")
    assert two.layout.per_gpu_bytes == max(two.per_gpu_bytes)


def test_stage_send_is_latency_plus_the_hidden_state_over_the_link():
    # Llama 3 70B: hidden 8192 x 2 bytes = 16,384 bytes a token; NDR 50 GB/s, 0.75 us a hop.
    # One boundary, batch 1: 0.75e-6 + 16384 / 50e9 = 0.75e-6 + 0.32768e-6 = 1.07768e-6 s.
    terms = SpeedTerms(
        bandwidth_bytes_per_s=1.0,
        flops_per_s=1.0,
        fixed_s=0.0,
        fixed_per_layer_s=0.0,
        ubatch_tokens=512,
        pipeline_sends=1,
        pipeline_latency_s=0.75e-6,
        pipeline_s_per_byte=1 / 50e9,
    )
    assert pipeline_send_s(LLAMA_3_70B, 1, terms) == pytest.approx(1.07768e-6)
    # Three boundaries (4 nodes), a batch of 8 in one message: 3 x (0.75e-6 + 8 x 0.32768e-6).
    four = terms.__class__(**{**terms.__dict__, "pipeline_sends": 3})
    assert pipeline_send_s(LLAMA_3_70B, 8, four) == pytest.approx(3 * (0.75e-6 + 8 * 0.32768e-6))
    assert pipeline_send_s(LLAMA_3_70B, 8, terms.__class__(**{**terms.__dict__, "pipeline_sends": 0})) == 0.0


@pytest.mark.parametrize("nodes", [2, 4])
def test_a_decode_step_across_nodes_is_one_node_step_plus_the_sends(nodes):
    # The stages run one after another, each reading its layers over its node's 8 GPUs: the step
    # is one node's (same weights, KV and TP-8 all-reduces) plus (nodes - 1) sends of 1.07768 us.
    one = estimate(LLAMA_3_70B, A100_SXM, VLLM, 8)
    many = estimate(LLAMA_3_70B, A100_SXM, VLLM, 8, nodes=nodes, interconnect=NDR)
    extra = 1 / many.decode_tokens_per_s - 1 / one.decode_tokens_per_s
    assert extra == pytest.approx((nodes - 1) * 1.07768e-6, rel=1e-6)


def test_pipeline_is_not_tensor_parallel_over_every_gpu():
    # Sixteen GPUs as 2 x 8 read the weights at one node's bandwidth; as TP 16 they would read
    # them at twice that. Llama 3 8B has 8 KV heads, so TP 16 is refused; compare at 2 x 4 vs 8.
    two_by_four = estimate(LLAMA_3_70B, A100_SXM, VLLM, 4, nodes=2, interconnect=NDR)
    eight = estimate(LLAMA_3_70B, A100_SXM, VLLM, 8)
    assert two_by_four.decode_tokens_per_s < eight.decode_tokens_per_s


@pytest.mark.parametrize("model", [LLAMA_31_8B, LLAMA_3_70B])
def test_more_nodes_never_raise_the_bytes_on_a_gpu(model):
    fullest = [max(estimate(model, A100_SXM, VLLM, 8, nodes=n, interconnect=NDR).per_gpu_bytes) for n in (1, 2, 4, 8)]
    assert fullest == sorted(fullest, reverse=True) and fullest[0] > fullest[-1]


def test_one_node_is_what_it_always_was():
    plain = estimate(LLAMA_3_70B, A100_SXM, VLLM, 4)
    assert estimate(LLAMA_3_70B, A100_SXM, VLLM, 4, nodes=1, interconnect=NDR) == plain
    assert plain.layout is not None
    assert (plain.layout.nodes, plain.layout.tensor_parallel, plain.layout.interconnect) == (1, 4, None)


@pytest.mark.parametrize("engine", ["llama.cpp", "ollama"])
def test_layer_splitting_engines_refuse_more_than_one_node(engine):
    w = Workload(quant="Q4_K_M", engine=engine)
    with pytest.raises(InputError, match=r"one node.*RPC.*experimental"):
        estimate(LLAMA_3_70B, A100_SXM, w, 2, nodes=2, interconnect=NDR)


def test_nodes_below_one_and_a_missing_link_are_refused():
    with pytest.raises(InputError, match="at least 1"):
        estimate(LLAMA_3_70B, A100_SXM, VLLM, 8, nodes=0)
    with pytest.raises(InputError, match="interconnect"):
        estimate(LLAMA_3_70B, A100_SXM, VLLM, 8, nodes=2)


def test_a_slower_link_only_adds_send_time():
    slow = Interconnect(id="slow", name="slow", gb_per_s=1.0, latency_us=100.0, source="test", date="2026")
    fast = estimate(LLAMA_3_70B, A100_SXM, VLLM, 8, nodes=2, interconnect=NDR)
    worse = estimate(LLAMA_3_70B, A100_SXM, VLLM, 8, nodes=2, interconnect=slow)
    # 100e-6 + 16384 / 1e9 = 116.384 us a step, against 1.07768 us.
    extra = 1 / worse.decode_tokens_per_s - 1 / fast.decode_tokens_per_s
    assert extra == pytest.approx(116.384e-6 - 1.07768e-6, rel=1e-6)
    assert worse.per_gpu_bytes == fast.per_gpu_bytes
