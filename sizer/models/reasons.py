"""Reasons: why a result came out as it did, as a code and the numbers behind it, never a sentence.

The core fills a `Reason` wherever a person needs an explanation (what bounds decode speed, why a
model was picked or left out, which rule of a spec broke, what would pass instead); `sizer.render.
messages` words it. A `Reason` dumps flat, `{"code": "offload", "offloaded_layers": 6,
"total_layers": 32}`, and `CODES` names, for every code, exactly the values it carries, so a new
code cannot reach the output without its values and (tests/test_messages.py) its sentence.

Codes are unique across all kinds of reason: one code, one sentence. The check violation codes
(`insufficient-vram`, `too-slow`, `context-too-long`, `license`, `over-budget`, `over-power`,
`engine-no-backend`, `tensor-parallel-split`) are a stable contract: CI jobs match them.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from pydantic import BaseModel, ConfigDict, model_validator

ReasonValue = str | int | float | bool | None

_RIG: Final = frozenset({"gpu_count", "gpu_name"})
_PICK: Final = frozenset(
    {
        "use_case",
        "min_quality",  # the bar of the use case (or --min-quality), sizer's 0-100 scale
        "quality",  # the model's score for the use case after its format's loss, None: unscored
        "quant",  # the weight format the score and speed are for
        "params_total",
        "decode_tokens_per_s",
        *_RIG,
        "replicas",  # copies of the rig, each serving an even share of the users (1: one)
        "users_served",
        "min_tokens_per_s",
        "owned",  # True: the rig is already here, no price to pay
        "hardware_price",
        "currency",
        "per_month",
    }
)

# Every code the core emits -> the names of the values it carries.
CODES: Final[Mapping[str, frozenset[str]]] = MappingProxyType(
    {
        # What bounds a decode step (Estimate.limited_by_code).
        "memory-bandwidth": frozenset(),
        "compute": frozenset(),
        "per-token-fixed-cost": frozenset(),
        "offload": frozenset({"offloaded_layers", "total_layers"}),
        # What else bounds serving at a concurrency (Serving.limited_by).
        "kv-cache-capacity": frozenset(),
        "scheduler": frozenset(),
        # Why recommend picked a model (Recommendation.reason_code): the cheapest that meets the
        # use case's bar (right-sized), the best within budget that meets it, or the best within
        # budget that does not.
        "right-sized": _PICK,
        "best-quality": _PICK,
        "best-below-quality": _PICK,
        # Why recommend --model offers a rig: it holds and serves the model for the users.
        "serves-model": frozenset(
            {
                "model",
                "context",
                "users",
                "decode_tokens_per_s",
                *_RIG,
                "replicas",
                "users_served",
                "min_tokens_per_s",
                "owned",
                "hardware_price",
                "currency",
                "per_month",
            }
        ),
        # Why recommend left a model out (Exclusion.reason_code).
        "not-for-use-case": frozenset({"use_case"}),
        "licence-not-commercial": frozenset({"license"}),
        "exceeds-max-context": frozenset({"max_context", "context"}),
        "no-vision-projector": frozenset({"engine"}),
        "below-quality": frozenset({"use_case", "min_quality", "quality"}),
        "no-hardware": frozenset(),
        "does-not-fit": frozenset({*_RIG, "users", "context"}),  # not even on the largest rig
        "too-slow-on-largest": frozenset({"decode_tokens_per_s", *_RIG, "min_tokens_per_s"}),
        # The engine cannot run the model on the rig at all: an exclusion in recommend, a
        # violation in check. `vendors` and `gpu_counts` list what it does run on, comma-separated.
        "engine-no-backend": frozenset({"engine", "vendor", "gpu_name", "vendors"}),
        "tensor-parallel-split": frozenset({"model", "gpu_count", "attention_heads", "kv_heads", "gpu_counts"}),
        "single-node-engine": frozenset({"engine", "nodes"}),  # llama.cpp, ollama: one node, not `nodes`
        # Check violations (Violation.message_code; its code is Violation.code).
        "insufficient-vram": frozenset({"needs_bytes_per_gpu", "has_bytes_per_gpu", "headroom_frac"}),
        "too-slow": frozenset({"decode_tokens_per_s", "users", "min_tokens_per_s"}),
        "context-too-long": frozenset({"model", "max_context", "context"}),
        "license": frozenset({"model", "license"}),
        "over-budget": frozenset({"price", "budget", "currency"}),
        "over-power": frozenset({"power_w", "limit_w"}),
        # What would pass instead (Outcome.would_pass_code).
        "smaller-quant": frozenset({"quant"}),
        "more-gpus": _RIG,
        "other-gpu": frozenset({*_RIG, "price", "currency"}),
        # One offer against one workload, in figures (Outcome.summary_code).
        "check-summary": frozenset(
            {
                "model",
                "quant",
                "context",
                "users",
                "needs_bytes_per_gpu",
                "has_bytes_per_gpu",
                "fits",
                "decode_tokens_per_s",
                "min_tokens_per_s",
            }
        ),
        # Warnings about a spec (CheckReport.warnings_code).
        "mixed-gpus": frozenset({"path"}),
        # Why a pick has no command (LaunchSpec.no_command_code). `formats`: those the catalog
        # lists repositories (or an ollama tag) for, comma-separated, "" when none.
        "no-weights-repo": frozenset({"model", "quant", "engine", "formats"}),
        "fp8-needs-fp8-gpu": frozenset({"model", "gpu_name"}),
        "native-low-bit": frozenset({"model", "native_format"}),
    }
)
REASON_CODES: Final[frozenset[str]] = frozenset(CODES)


class Reason(BaseModel):
    """A code from `CODES` and its values, as keyword arguments: `Reason(code="offload",
    offloaded_layers=6, total_layers=32)`."""

    model_config = ConfigDict(frozen=True, extra="allow")

    code: str

    @model_validator(mode="after")
    def _declared(self) -> Reason:
        if self.code not in CODES:
            raise ValueError(f"unknown reason code {self.code!r}; declare it in sizer.models.reasons.CODES")
        given, declared = set(self.values), CODES[self.code]
        if given != declared:
            raise ValueError(
                f"reason {self.code!r} carries {sorted(declared)}, got {sorted(given)}"
                " (missing and extra values are both errors)"
            )
        for name, value in self.values.items():
            if not isinstance(value, str | int | float | bool | None):
                raise ValueError(f"reason {self.code!r}: {name} must be a plain number, text or null")
        return self

    @property
    def values(self) -> dict[str, ReasonValue]:
        """The numbers and names behind the code, by name."""
        return dict(self.model_extra or {})
