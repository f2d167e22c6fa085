"""Messages: the English sentence for each reason code the core emits (sizer.models.reasons).

`TEMPLATES` maps every code to one sentence. Its `{placeholders}` are the code's values, with
their format specs (`{context:,}`, `{decode_tokens_per_s:.1f}`), plus, for a few codes, pieces
worked out from the values by `_pieces`: GiB from bytes, and a phrase chosen by a value (a
published score or the size; a price or "already here"), itself a template in `PIECES`.

Translation: every template is marked with `N_` where it is written, so that `pybabel extract`
(babel.cfg) finds it, and goes through `_` (sizer.render.i18n: the run's gettext catalog) when it
is filled in; English has no catalog, so its output is exactly what the table says. The codes,
their values and the JSON do not change, and a translated template may reorder the placeholders
freely. Numbers are filled by `fill`, with the output locale's separators (8,192 / 8.192).
"""

from __future__ import annotations

from typing import Final

from sizer.models.reasons import Reason, ReasonValue
from sizer.render.i18n import _, currency_symbol, fill
from sizer.units import bytes_to_gib


def N_(text: str) -> str:  # the name gettext tools look for
    """Mark a template for extraction; returns it unchanged (translation happens in `_`)."""
    return text


TEMPLATES: Final[dict[str, str]] = {
    # What bounds a decode step.
    "memory-bandwidth": N_("memory bandwidth"),
    "kv-cache-capacity": N_("KV cache capacity: more requests than it holds wait"),
    "scheduler": N_("the engine's limit on sequences per step"),
    "compute": N_("compute (large batch)"),
    "per-token-fixed-cost": N_("fixed cost per step (kernel launches, GPU syncs), more than reading the weights"),
    "offload": N_("system RAM: {offloaded_layers} of {total_layers} layers offloaded"),
    # Why a pick.
    "right-sized": N_(
        "cheapest that meets {use_case}'s bar {min_quality:g} ({quality_text}); "
        "{decode_tokens_per_s:.0f} tok/s per user on {rig_text}, serves {users_served:,} user(s) at "
        "{min_tokens_per_s:g} tok/s; {price_text}, {per_month:,.0f} {currency}/month"
    ),
    "best-quality": N_(
        "best {use_case} quality within budget ({quality_text}, bar {min_quality:g}); "
        "{decode_tokens_per_s:.0f} tok/s per user on {rig_text}, serves {users_served:,} user(s) at "
        "{min_tokens_per_s:g} tok/s; {price_text}, {per_month:,.0f} {currency}/month"
    ),
    "best-below-quality": N_(
        "best that fits, below {use_case}'s bar {min_quality:g} ({quality_text}); "
        "{decode_tokens_per_s:.0f} tok/s per user on {rig_text}, serves {users_served:,} user(s) at "
        "{min_tokens_per_s:g} tok/s; {price_text}, {per_month:,.0f} {currency}/month"
    ),
    "serves-model": N_(
        "holds {model} for {users:,} user(s) at {context:,} tokens on {rig_text}; "
        "{decode_tokens_per_s:.0f} tok/s per user, serves {users_served:,} user(s) at {min_tokens_per_s:g} tok/s; "
        "{price_text}, {per_month:,.0f} {currency}/month"
    ),
    # Why a model was left out.
    "not-for-use-case": N_("not made for {use_case}"),
    "licence-not-commercial": N_("licence ({license}) does not allow commercial use"),
    "no-vision-projector": N_(
        "the catalog names no vision projector file for it, so {engine} would serve it text only"
    ),
    "exceeds-max-context": N_("supports {max_context:,} tokens, not {context:,}"),
    "below-quality": N_("below the bar {min_quality:g} for {use_case} ({score_text})"),
    "no-hardware": N_("no hardware to consider (none here, none within budget)"),
    "does-not-fit": N_("does not fit even {gpu_count} x {gpu_name} for {users:,} user(s) at {context:,} tokens"),
    "too-slow-on-largest": N_(
        "{decode_tokens_per_s:.1f} tokens/s per user on {gpu_count} x {gpu_name}, needs {min_tokens_per_s:g}"
    ),
    # The engine cannot run it on the rig (exclusions and check violations).
    "engine-no-backend": N_("{engine} does not run on {vendor} GPUs ({gpu_name}); it runs on {vendors_text}"),
    "tensor-parallel-split": N_(
        "tensor-parallel size {gpu_count} does not divide {model}'s {attention_heads} attention and "
        "{kv_heads} KV heads; use {gpu_counts_text} GPUs"
    ),
    "single-node-engine": N_(
        "{engine} runs on one node, not {nodes} (llama.cpp's RPC back end is experimental and not sized); "
        "sized on one node, or use vLLM, SGLang or TensorRT-LLM"
    ),
    # Check violations.
    "insufficient-vram": N_("needs {needs_gib:.1f} GiB per GPU, the offer has {has_gib:.1f} GiB{headroom_text}"),
    "too-slow": N_("{decode_tokens_per_s:.1f} tokens/s per user for {users:,} user(s), needs {min_tokens_per_s:g}"),
    "context-too-long": N_("{model} supports {max_context:,} tokens, not {context:,}"),
    "license": N_("{model}: {license} does not allow commercial use"),
    "over-budget": N_("costs {price:,.0f} {currency}, the budget is {budget:,.0f}"),
    "over-power": N_("the GPUs alone draw {power_w:,.0f} W, the limit is {limit_w:,.0f} W"),
    # What would pass instead.
    "smaller-quant": N_("quant {quant}"),
    "more-gpus": N_("{gpu_count} x {gpu_name}"),
    "other-gpu": N_("{gpu_count} x {gpu_name} (about {price:,.0f} {currency} for the GPUs)"),
    # One offer against one workload.
    "check-summary": N_(
        "{model} {quant}, {context:,} tokens x {users:,} user(s): needs {needs_gib:.1f} GiB, "
        "the offer has {has_gib:.1f} GiB per GPU: {margin_text}; {speed_text}"
    ),
    # Warnings about a spec.
    "mixed-gpus": N_("{path}: mixed GPUs are sized as that many of the smallest, slowest one"),
    # Why a pick has no command.
    "no-weights-repo": N_(
        "no command: no repository in the catalog holds {model} as {quant} for {engine} ({formats_text})"
    ),
    "fp8-needs-fp8-gpu": N_(
        "no command: no FP8 checkpoint of {model}, and {gpu_name} has no FP8 tensor cores to quantize it at load"
    ),
    "native-low-bit": N_("no command: {model} ships as {native_format}; sizer does not requantize it to FP8 at load"),
}

# Phrases some sentences choose between, by a value.
PIECES: Final[dict[str, str]] = {
    "quality-score": N_("score {quality:g} at {quant}"),
    "quality-unscored": N_("{params_billions:.0f} B, no {use_case} score"),
    "score-published": N_("score {quality:g}"),
    "score-unpublished": N_("no {use_case} score"),
    "price": N_("{hardware_price:,.0f} {currency}"),
    "price-owned": N_("already here"),
    "headroom-kept": N_(" less {headroom_frac:.0%} headroom"),
    "margin-headroom": N_("{headroom_frac:.0%} headroom"),
    "margin-short": N_("{short_gib:.1f} GiB short"),
    "speed": N_("{decode_tokens_per_s:.1f} tokens/s per user (needs {min_tokens_per_s:g})"),
    "speed-no-fit": N_("does not fit"),
    "or-list": N_("{items} or {last}"),
    "repos-listed": N_("it lists {formats}"),
    "repos-none": N_("it lists none"),
    "rig-one": N_("{gpu_count} x {gpu_name}"),
    "rig-copies": N_("{replicas} servers of {gpu_count} x {gpu_name} each"),
}


def message(reason: Reason) -> str:
    """The sentence for a reason: its code's template filled with its values."""
    values = reason.values
    if isinstance(values.get("currency"), str):  # 'EUR' in English, '€' in German
        values = {**values, "currency": currency_symbol(str(values["currency"]))}
    return fill(_(TEMPLATES[reason.code]), **values, **_pieces(reason.code, values))


def messages(reasons: tuple[Reason, ...] | list[Reason]) -> list[str]:
    """The sentence of each reason, in order."""
    return [message(r) for r in reasons]


def _piece(name: str, **values: object) -> str:
    return fill(_(PIECES[name]), **values)


def _number(values: dict[str, ReasonValue], name: str) -> float:
    value = values[name]
    if not isinstance(value, int | float):
        raise TypeError(f"{name} must be a number, got {value!r}")
    return value


def _pieces(code: str, v: dict[str, ReasonValue]) -> dict[str, object]:
    """The placeholders a template needs beyond the code's own values."""
    rig = ""
    if "replicas" in v:  # '2 x L40S', or '3 servers of 2 x L40S each' for copies of the rig
        rig = _piece("rig-copies", **v) if _number(v, "replicas") > 1 else _piece("rig-one", **v)
    if code == "serves-model":
        price = _piece("price-owned") if v["owned"] else _piece("price", **v)
        return {"price_text": price, "rig_text": rig}
    if code in ("right-sized", "best-quality", "best-below-quality"):
        quality = (
            _piece("quality-score", quality=v["quality"], quant=v["quant"])
            if v["quality"] is not None
            else _piece("quality-unscored", params_billions=_number(v, "params_total") / 1e9, use_case=v["use_case"])
        )
        price = _piece("price-owned") if v["owned"] else _piece("price", **v)
        return {"quality_text": quality, "price_text": price, "rig_text": rig}
    if code == "below-quality":
        score = _piece("score-published", **v) if v["quality"] is not None else _piece("score-unpublished", **v)
        return {"score_text": score}
    if code == "insufficient-vram":
        headroom = _piece("headroom-kept", **v) if v["headroom_frac"] else ""
        return {**_gib(v), "headroom_text": headroom}
    if code in ("engine-no-backend", "tensor-parallel-split"):  # '1, 2, 4, 8' as a sentence lists it
        listed = "vendors" if code == "engine-no-backend" else "gpu_counts"
        *items, last = str(v[listed]).split(", ")
        return {f"{listed}_text": _piece("or-list", items=", ".join(items), last=last) if items else last}
    if code == "no-weights-repo":
        formats = str(v["formats"])
        return {"formats_text": _piece("repos-listed", formats=formats) if formats else _piece("repos-none")}
    if code == "check-summary":
        need, has = _number(v, "needs_bytes_per_gpu"), _number(v, "has_bytes_per_gpu")
        margin = (
            _piece("margin-headroom", headroom_frac=1 - need / has)
            if need <= has
            else _piece("margin-short", short_gib=bytes_to_gib(need - has))
        )
        speed = _piece("speed", **v) if v["fits"] else _piece("speed-no-fit")
        return {**_gib(v), "margin_text": margin, "speed_text": speed}
    return {}


def _gib(v: dict[str, ReasonValue]) -> dict[str, float]:
    """Memory per GPU in GiB, as the sentences show it."""
    return {
        "needs_gib": bytes_to_gib(_number(v, "needs_bytes_per_gpu")),
        "has_gib": bytes_to_gib(_number(v, "has_bytes_per_gpu")),
    }
