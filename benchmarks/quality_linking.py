"""Does linking benchmark versions through shared models predict results it has not seen?

    python benchmarks/quality_linking.py

For every model with results on two or more linked benchmark versions of a use case, each result
is left out in turn: the versions' offsets are fitted without that model (sizer.core.quality.link)
and its z-score there is predicted from its other results (their mean z plus offsets, less the
left-out version's offset). Unlinked, the prediction is the plain mean of its other z-scores.
Printed: per use case, the median and mean absolute error of the predicted z, in population
standard deviations.
"""

from __future__ import annotations

import statistics

from sizer.core import quality as q
from sizer.io.loaders import load_catalog


def main() -> int:
    catalog = load_catalog()
    table = q.QualityTable(catalog.models, catalog.quant_losses)
    by_use: dict[str, dict[str, dict[tuple[str, str], float]]] = {}
    for m in catalog.models:
        for u in m.quality_by_use_case:
            for g, es in table._used(m, u.use_case).items():
                pop = table.populations[(u.use_case, *g)]
                by_use.setdefault(u.use_case, {}).setdefault(m.id, {})[g] = q._z(q._raw(es), pop)
    print(f"{'use case':14s} {'n':>4s}  linked median/mean   unlinked median/mean")
    for use_case, zs in sorted(by_use.items()):
        linked, unlinked = [], []
        for mid, mine in zs.items():
            if len(mine) < 2:
                continue
            for g, actual in mine.items():
                rest = {k: v for k, v in mine.items() if k != g}
                offsets = q.link({m: z for m, z in zs.items() if m != mid})
                if g not in offsets or not all(k in offsets for k in rest):
                    continue
                ability = statistics.fmean(v + offsets[k] for k, v in rest.items())
                linked.append(abs(ability - offsets[g] - actual))
                unlinked.append(abs(statistics.fmean(rest.values()) - actual))
        if linked:
            print(
                f"{use_case:14s} {len(linked):4d}  {statistics.median(linked):6.2f} {statistics.fmean(linked):6.2f}"
                f"          {statistics.median(unlinked):6.2f} {statistics.fmean(unlinked):6.2f}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
