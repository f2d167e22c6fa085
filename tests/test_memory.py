"""The weight layout: grouping the tensors by shape, run by run, is the per-tensor layout grouped."""

from __future__ import annotations

import pytest

from sizer.core.memory import _tensor_groups, weight_tensors
from sizer.io.loaders import load_shipped_catalog

CATALOG = load_shipped_catalog()


def _grouped_tensor_by_tensor(m):
    groups = {}
    for t in weight_tensors(m):
        groups.setdefault((t.role, t.row_size, t.params), []).append(t.layer)
    return tuple((role, row, params, tuple(layers)) for (role, row, params), layers in groups.items())


@pytest.mark.parametrize("model", CATALOG.models, ids=lambda m: m.id)
def test_tensor_groups_are_the_layout_grouped_in_order(model):
    # Same shapes, in the same order, with the same layers in the same order: weights() sums
    # floats in this order, so any other would move its results in the last bits.
    assert _tensor_groups(model) == _grouped_tensor_by_tensor(model)


def test_a_model_with_dense_and_expert_layers_and_shared_experts_is_covered():
    # deepseek-v3: 3 dense FFN layers, then experts with a shared one, and MLA attention.
    m = CATALOG.model("deepseek-v3")
    assert m.experts is not None and 0 < m.experts.dense_layers < m.layers and m.experts.shared_count
    groups = {(role, params): layers for role, _, params, layers in _tensor_groups(m)}
    dense_up = m.hidden_size * m.intermediate_size
    assert groups["ffn_up", dense_up] == tuple(range(m.experts.dense_layers))
    assert groups["router", m.hidden_size * m.experts.count] == tuple(range(m.experts.dense_layers, m.layers))
