"""`check` with multi-node offers (`nodes: N`): sized as N machines, TP within, PP across."""

from __future__ import annotations

import pytest

from sizer.core.spec import Spec, check
from sizer.errors import InputError
from sizer.io.loaders import load_catalog, load_interconnects

LINKS = load_interconnects()


def spec(nodes: int = 1, engine: str = "vllm", **offer):
    return Spec.model_validate(
        {
            "hardware": {"gpus": [{"name": "H100 SXM", "count": 8}], "nodes": nodes, **offer},
            "workloads": [
                {"model": "llama-3.1-405b", "quant": "BF16" if engine == "vllm" else "Q4_K_M", "engine": engine}
            ],
        }
    )


def test_two_nodes_meet_a_405b_at_bf16_that_one_node_cannot():
    catalog = load_catalog()
    one = check(spec(1), catalog, interconnects=LINKS).outcomes[0]
    two = check(spec(2), catalog, interconnects=LINKS).outcomes[0]
    # 756 GiB of BF16 weights: 97.6 GiB per GPU on 8 (overhead included), more than vLLM's 72 GiB of an 80 GB
    # H100; on 2 x 8 each GPU holds half a node's share, about 50 GiB.
    assert not one.passed and [v.code for v in one.violations] == ["insufficient-vram"]
    assert two.passed, two.violations
    assert two.needs_bytes_per_gpu is not None and one.needs_bytes_per_gpu is not None
    assert two.needs_bytes_per_gpu < one.needs_bytes_per_gpu * 0.55
    assert two.offer == "2 x (8 x H100 SXM)"


def test_a_named_link_is_used_and_a_misspelt_one_is_bad_input():
    catalog = load_catalog()
    ndr = check(spec(2), catalog, interconnects=LINKS).outcomes[0]
    slow = check(spec(2, interconnect="eth-25"), catalog, interconnects=LINKS).outcomes[0]
    assert slow.decode_tokens_per_s is not None and ndr.decode_tokens_per_s is not None
    assert slow.decode_tokens_per_s < ndr.decode_tokens_per_s
    with pytest.raises(InputError, match=r"hardware\.interconnect: .*did you mean 'ib-ndr'"):
        check(spec(2, interconnect="ib-nrd"), catalog, interconnects=LINKS)
    with pytest.raises(InputError, match="nodes: 2 or more"):
        check(spec(1, interconnect="ib-ndr"), catalog, interconnects=LINKS)


def test_llama_cpp_on_two_nodes_is_a_violation_sized_on_one():
    outcome = check(spec(2, engine="llama.cpp"), load_catalog(), interconnects=LINKS).outcomes[0]
    assert not outcome.passed
    assert outcome.violations[0].code == "single-node-engine"
    assert outcome.violations[0].message_code.nodes == 2


def test_price_and_power_are_per_machine():
    # 8 x 700 W per node, 2 nodes: 11,200 W against a 10,000 W limit; 2 x 150,000 EUR over 200,000.
    data = spec(2, max_power_w=10000, price={"amount": 150000, "currency": "EUR"}).model_dump(mode="json")
    data["constraints"]["budget"] = {"amount": 200000, "currency": "EUR"}
    codes = {
        v.code for v in check(Spec.model_validate(data), load_catalog(), interconnects=LINKS).outcomes[0].violations
    }
    assert {"over-power", "over-budget"} <= codes
