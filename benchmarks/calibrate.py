"""Print the speed constants fitted to benchmarks/data (the defaults in sizer/models/assumptions.py).

Usage: python benchmarks/calibrate.py   (the fit itself is sizer.calibrate)
"""

from __future__ import annotations

import statistics

from reference import load_rows

from sizer.calibrate import DECODE_PARAMS, PREFILL_PARAMS, errors, fit_all
from sizer.io.loaders import load_catalog


def main() -> None:
    rows = load_rows(load_catalog())
    fitted = fit_all(rows)
    for name in (*DECODE_PARAMS, *PREFILL_PARAMS):
        print(f"{name} = {getattr(fitted, name):.4g}")
    for kind in ("decode", "prefill"):
        errs = errors([r for r in rows if r.kind == kind and r.calibrates], fitted)
        print(f"{kind}: in-sample median {100 * statistics.median(errs):.1f} % over {len(errs)} rows")


if __name__ == "__main__":
    main()
