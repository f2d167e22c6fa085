"""A generated procurement spec of N offers x M workloads over the shipped catalog, for the check
scaling test (tests/test_spec.py) and benchmarks/speed.py."""

from __future__ import annotations

from collections.abc import Sequence

from sizer.core.catalog import Catalog
from sizer.core.spec import Spec


def grid_spec(
    catalog: Catalog,
    offers: int = 100,
    workloads: int = 100,
    model_ids: Sequence[str] | None = None,
    gpu_ids: Sequence[str] | None = None,
) -> Spec:
    """Offer i: GPU i (cycling) at 1 + 7i mod 8 cards. Workload j: model j (cycling) at Q4_K_M or Q8_0,
    4096 x (1 + j mod 8) tokens, 1 + j mod 16 users, 5 + j mod 40 tokens/s; every seventh is a use
    case instead. Default: every model (largest first) and every discrete GPU (by id). Most cells
    fail, so each also searches for what would pass: the expensive case."""
    gpus = (
        [catalog.gpu(g) for g in gpu_ids]
        if gpu_ids
        else sorted((g for g in catalog.gpus if not g.unified_memory), key=lambda g: g.id)
    )
    models = (
        [catalog.model(m) for m in model_ids]
        if model_ids
        else sorted(catalog.models, key=lambda m: (-m.params_total, m.id))
    )
    use_cases = ("chat", "code", "rag")
    return Spec.model_validate(
        {
            "name": f"grid {offers} x {workloads}",
            "offers": [
                {"name": f"offer {i}", "gpus": [{"name": gpus[i % len(gpus)].id, "count": 1 + (i * 7) % 8}]}
                for i in range(offers)
            ],
            "workloads": [
                {"use_case": use_cases[j % 3], "context": 8192 * (1 + j % 4), "concurrent_users": 8}
                if j % 7 == 6
                else {
                    "model": models[j % len(models)].id,
                    "quant": ("Q4_K_M", "Q8_0")[j % 2],
                    "context": 4096 * (1 + j % 8),
                    "concurrent_users": 1 + j % 16,
                    "min_tokens_per_s": 5 + j % 40,
                }
                for j in range(workloads)
            ],
            "constraints": {"budget": {"amount": 200_000, "currency": "EUR"}, "license": "commercial"},
        }
    )
