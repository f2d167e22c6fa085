"""Weight layouts kept between runs: what `core.memory.weights` worked out for the shipped models,
so that a recommend or check sweep does not lay out every model in every format again.

The entry lives in the catalog cache (sizer/io/cache.py) under a key that follows the shipped
catalogs and the source of the code that lays weights out, so an edited catalog or formula never
reads an old answer. It holds numbers only, checked on load (a model's layer count, finite
non-negative bytes); anything wrong with it costs the layout, never the answer.
"""

from __future__ import annotations

import contextlib
import itertools
import math
from collections.abc import Iterator
from typing import Any

from sizer.core.memory import WeightSummary, weights
from sizer.core.quant import QuantFormat, resolve_quant
from sizer.errors import InputError
from sizer.io import cache
from sizer.io.loaders import SHIPPED_CATALOG_FILES, _shipped_key, load_shipped_catalog
from sizer.models import ModelSpec

KIND = "weights"
CODE = ("core/memory.py", "core/quant.py", "io/weights_cache.py")


def _runs(values: tuple[int, ...]) -> list[list[int]]:
    """[[value, repeats], ...]: a model's layers mostly weigh the same."""
    return [[v, len(list(group))] for v, group in itertools.groupby(values)]


def _row(m: ModelSpec, fmt: QuantFormat, w: WeightSummary) -> list[Any]:
    return [
        m.id, fmt.name, w.total_bytes, _runs(w.layer_bytes), w.head_bytes, w.embedding_bytes,
        w.read_per_token_bytes, w.active_params, w.expert_bytes,
    ]  # fmt: skip


def _summary(row: Any, m: ModelSpec) -> WeightSummary | None:
    """The WeightSummary a row holds for `m`, or None where it is not one."""
    _, _, total, runs, head, embed, read, active, experts = row
    layers = tuple(v for v, n in runs for _ in range(n)) if sum(n for _, n in runs) == m.layers else None
    ints = (total, head, embed, active, *(layers or ()))
    if layers is None or not all(type(v) is int and v >= 0 for v in ints):
        return None
    if not all(isinstance(v, int | float) and math.isfinite(v) and v >= 0 for v in (read, experts)):
        return None
    return WeightSummary(total, layers, head, embed, float(read), active, float(experts))


def _seed(document: Any, models: dict[str, ModelSpec]) -> set[tuple[str, str]]:
    """Give `weights` the answers `document` holds for `models`; the (model, format) pairs seeded."""
    seeded: set[tuple[str, str]] = set()
    rows = document.get("weights") if isinstance(document, dict) else None
    for row in rows if isinstance(rows, list) else ():
        with contextlib.suppress(TypeError, ValueError, InputError):
            m = models.get(row[0])
            if m is None or len(row) != 9:
                continue
            fmt = resolve_quant(row[1])
            summary = _summary(row, m)
            if summary is not None and fmt.name == row[1]:
                weights.seed(m, (fmt,), summary)
                seeded.add((m.id, fmt.name))
    return seeded


@contextlib.contextmanager
def remembered_weights() -> Iterator[None]:
    """Within the block, `weights` answers for the shipped models from the cache; after it, the
    layouts the block worked out are added to the cache."""
    key = _shipped_key(*SHIPPED_CATALOG_FILES, code=CODE)
    if key is None:
        yield
        return
    shipped = {m.id: m for m in load_shipped_catalog().models}
    seeded = _seed(cache.read_entry(KIND, key), shipped)
    yield
    rows = [
        _row(m, args[0], out)
        for m, args, out in weights.answers()
        if len(args) == 1 and isinstance(args[0], QuantFormat) and shipped.get(m.id) is m
    ]
    if {(r[0], r[1]) for r in rows} - seeded:
        cache.write_entry(KIND, key, {"weights": rows})
