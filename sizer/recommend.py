"""Matching models to hardware. Pure: catalog and workload in, answers out; calls the estimator only."""

from __future__ import annotations

from sizer.catalog import Catalog
from sizer.estimate import DEFAULT_ASSUMPTIONS, memory_needed, usable_bytes_per_gpu
from sizer.models import Assumptions, Engine, GpuSpec, ModelSpec, Workload


def smallest_gpu_class(catalog: Catalog, need_bytes: int, assumptions: Assumptions = DEFAULT_ASSUMPTIONS) -> str:
    """The smallest discrete-GPU memory size in the catalog that holds `need_bytes` ('16 GiB' or 'multi-GPU')."""
    sizes = sorted(
        {
            g.vram_gib
            for g in catalog.gpus
            if not g.unified_memory and usable_bytes_per_gpu(g, assumptions, Engine.LLAMA_CPP) >= need_bytes
        }
    )
    return f"{sizes[0]:g} GiB" if sizes else "multi-GPU"


def model_memory(model: ModelSpec, workload: Workload, assumptions: Assumptions = DEFAULT_ASSUMPTIONS) -> int:
    """Total bytes `model` needs on one GPU for `workload`."""
    return memory_needed(model, workload, 1, assumptions).memory_bytes.total


def largest_fitting_model(
    catalog: Catalog, gpu: GpuSpec, workload: Workload, assumptions: Assumptions = DEFAULT_ASSUMPTIONS
) -> ModelSpec | None:
    """The catalog model with the most parameters that fits entirely on one `gpu` (ties: by id)."""
    capacity = usable_bytes_per_gpu(gpu, assumptions, workload.engine)
    fitting = [m for m in catalog.models if model_memory(m, workload, assumptions) <= capacity]
    return max(fitting, key=lambda m: (m.params_total, m.id), default=None)
