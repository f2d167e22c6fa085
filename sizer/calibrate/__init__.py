"""Calibration: the fit of the estimator's constants to measured runs (the shipped defaults, and later a
user's own runs as an overlay). Pure; reading the runs is the caller's job."""

from __future__ import annotations

from sizer.calibrate.fit import DECODE_PARAMS, PREFILL_PARAMS, PRIOR, errors, fit, fit_all, plausible, predict
from sizer.calibrate.runs import Row

__all__ = ["DECODE_PARAMS", "PREFILL_PARAMS", "PRIOR", "Row", "errors", "fit", "fit_all", "plausible", "predict"]
