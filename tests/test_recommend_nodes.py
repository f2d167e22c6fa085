"""recommend --model: multi-node rigs to buy when no single node serves the model."""

from __future__ import annotations

import pytest

from sizer.core.cost import hardware_price, running_cost
from sizer.core.recommend import buyable_options, multi_node_options, recommend_for_model
from sizer.engines import engine_for
from sizer.io.loaders import load_catalog, load_cost_settings, load_interconnects
from sizer.models import Needs
from sizer.render.formatting import rig_label

NDR = load_interconnects().get("ib-ndr")
NEEDS = Needs(use_case="chat", users=1, context=8192, quant="BF16", engine="vllm", model="llama-3.1-405b")


@pytest.fixture(scope="module")
def setup():
    catalog, settings = load_catalog(), load_cost_settings()
    return catalog, settings, catalog.model("llama-3.1-405b"), buyable_options(catalog, NEEDS, settings)


def _only(options, gpu_id):
    return [o for o in options if o.gpu.id == gpu_id]


def test_a_multi_node_rig_costs_its_nodes_times_one_node(setup):
    _, settings, _, options = setup
    node = next(o for o in _only(options, "h100-sxm") if o.count == 8)
    two = node.model_copy(update={"nodes": 2, "interconnect": NDR})
    assert hardware_price(two, settings) == pytest.approx(2 * hardware_price(node, settings))
    # Power: (8 x 700 W + the server's own draw) on each node; with the write-off, twice one node.
    one_power, one_month = running_cost(hardware_price(node, settings), node, settings)
    two_power, two_month = running_cost(hardware_price(two, settings), two, settings)
    assert two_power == pytest.approx(2 * one_power) and two_month == pytest.approx(2 * one_month)


def test_405b_at_bf16_on_h100s_is_bought_as_two_nodes_of_eight(setup):
    catalog, settings, model, options = setup
    h100 = _only(options, "h100-sxm")  # 1, 2, 4 and 8 GPUs: none holds 756 GiB of weights
    ranking = recommend_for_model(catalog, model, NEEDS, h100, settings, interconnect=NDR)
    [pick] = ranking.recommendations
    assert (pick.gpu_count, pick.nodes, pick.kind) == (8, 2, "to buy")
    node = next(o for o in h100 if o.count == 8)
    assert pick.cost.hardware == pytest.approx(2 * hardware_price(node, settings), abs=0.01)
    assert pick.launch.argv[-2:] == ("--pipeline-parallel-size", "2")
    assert rig_label(pick) == "2 x (8 x H100 SXM5 80GB)"
    # Without the link no multi-node rig is tried, and nothing serves.
    assert not recommend_for_model(catalog, model, NEEDS, h100, settings).recommendations


def test_one_node_that_serves_leaves_multi_node_out(setup):
    catalog, settings, model, options = setup
    ranking = recommend_for_model(catalog, model, NEEDS, _only(options, "h200-sxm"), settings, interconnect=NDR)
    assert ranking.recommendations and all(r.nodes == 1 for r in ranking.recommendations)


def test_multi_node_candidates_are_8_gpu_datacenter_rigs_and_none_for_llama_cpp(setup):
    _, settings, model, options = setup
    wide = multi_node_options(engine_for("vllm"), model, options, NEEDS, settings, NDR)
    assert wide and all(o.count == 8 and o.nodes in (2, 4) and o.gpu.category == "datacenter" for o in wide)
    assert multi_node_options(engine_for("llama.cpp"), model, options, NEEDS, settings, NDR) == []
    assert multi_node_options(engine_for("vllm"), model, options, NEEDS, settings, None) == []


def test_recommend_by_use_case_buys_two_nodes_when_only_a_model_past_one_node_meets_the_bar(setup):
    from sizer.core.catalog import Catalog
    from sizer.core.recommend import recommend

    catalog, settings, model, options = setup
    # The catalog of this one model (alone it places no score, so it heads the best within budget).
    only = Catalog(models=[model], gpus=catalog.gpus, quant_losses=catalog.quant_losses)
    needs = NEEDS.model_copy(update={"model": None})
    h100 = _only(options, "h100-sxm")
    ranking = recommend(only, needs, h100, settings, interconnect=NDR)
    picks = [r for r in ranking.best_in_budget if r.kind == "to buy"]
    assert [(p.model, p.gpu_count, p.nodes) for p in picks] == [("llama-3.1-405b", 8, 2)]
    assert picks[0].launch.argv[-2:] == ("--pipeline-parallel-size", "2")
    assert picks[0].users_served >= 1
    # Without a link between nodes nothing is tried past one node.
    assert not recommend(only, needs, h100, settings).recommendations
