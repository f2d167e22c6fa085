"""Reason codes and their sentences: every code the core can emit has a template, each template
gives the sentence sizer has always printed, and every template goes through the translation hook."""

from __future__ import annotations

import ast
import inspect
import re

import pytest
from pydantic import ValidationError

from sizer.models import REASON_CODES, Reason
from sizer.models.reasons import CODES
from sizer.render import messages
from sizer.render.json import with_messages
from sizer.render.messages import PIECES, TEMPLATES, message

GIB = 2**30
# 25.6 GiB and 24 GiB in bytes: 25.6 x 2**30 = 27,487,790,694.4.
NEED_25_6_GIB, HAS_24_GIB = 27_487_790_694, 24 * GIB

# One case per code (and per phrase a value chooses): the values, and the sentence written by hand.
SENTENCES = [
    ("memory-bandwidth", {}, "memory bandwidth"),
    ("compute", {}, "compute (large batch)"),
    ("per-token-fixed-cost", {}, "fixed cost per step (kernel launches, GPU syncs), more than reading the weights"),
    ("kv-cache-capacity", {}, "KV cache capacity: more requests than it holds wait"),
    ("scheduler", {}, "the engine's limit on sequences per step"),
    ("offload", {"offloaded_layers": 6, "total_layers": 32}, "system RAM: 6 of 32 layers offloaded"),
    (
        "right-sized",
        {
            "use_case": "chat",
            "min_quality": 40.0,
            "quality": 65.62,
            "quant": "Q4_K_M",
            "params_total": 3_090_000_000,
            "decode_tokens_per_s": 66.4,
            "gpu_count": 1,
            "gpu_name": "Apple M2 Max (30-core GPU)",
            "replicas": 1,
            "users_served": 89,
            "min_tokens_per_s": 10.0,
            "owned": False,
            "hardware_price": 1714.2,
            "currency": "EUR",
            "per_month": 54.3,
        },
        "cheapest that meets chat's bar 40 (score 65.62 at Q4_K_M); 66 tok/s per user on 1 x Apple M2 Max "
        "(30-core GPU), serves 89 user(s) at 10 tok/s; 1,714 EUR, 54 EUR/month",
    ),
    (
        "best-quality",
        {
            "use_case": "code",
            "min_quality": 50.0,
            "quality": 81.3,
            "quant": "Q6_K",
            "params_total": 32_800_000_000,
            "decode_tokens_per_s": 20.4,
            "gpu_count": 2,
            "gpu_name": "GeForce RTX 3090",
            "replicas": 3,
            "users_served": 21,
            "min_tokens_per_s": 10.0,
            "owned": False,
            "hardware_price": 4070.0,
            "currency": "EUR",
            "per_month": 208.0,
        },
        "best code quality within budget (score 81.3 at Q6_K, bar 50); 20 tok/s per user on 3 servers of "
        "2 x GeForce RTX 3090 each, serves 21 user(s) at 10 tok/s; 4,070 EUR, 208 EUR/month",
    ),
    (
        "best-below-quality",
        {
            "use_case": "vision",
            "min_quality": 90.0,
            "quality": None,
            "quant": "Q4_K_M",
            "params_total": 7_240_000_000,
            "decode_tokens_per_s": 33.6,
            "gpu_count": 2,
            "gpu_name": "GeForce RTX 3060 12GB",
            "replicas": 1,
            "users_served": 5,
            "min_tokens_per_s": 12.5,
            "owned": True,
            "hardware_price": 0.0,
            "currency": "USD",
            "per_month": 12.4,
        },
        "best that fits, below vision's bar 90 (7 B, no vision score); 34 tok/s per user on "
        "2 x GeForce RTX 3060 12GB, serves 5 user(s) at 12.5 tok/s; already here, 12 USD/month",
    ),
    (
        "serves-model",
        {
            "model": "llama-3.3-70b",
            "context": 32768,
            "users": 20,
            "decode_tokens_per_s": 14.2,
            "gpu_count": 4,
            "gpu_name": "H100 PCIe",
            "replicas": 1,
            "users_served": 23,
            "min_tokens_per_s": 10.0,
            "owned": False,
            "hardware_price": 101234.5,
            "currency": "EUR",
            "per_month": 3101.4,
        },
        "holds llama-3.3-70b for 20 user(s) at 32,768 tokens on 4 x H100 PCIe; 14 tok/s per user, serves 23 "
        "user(s) at 10 tok/s; 101,234 EUR, 3,101 EUR/month",
    ),
    ("not-for-use-case", {"use_case": "code"}, "not made for code"),
    (
        "licence-not-commercial",
        {"license": "CC BY-NC-SA 4.0"},
        "licence (CC BY-NC-SA 4.0) does not allow commercial use",
    ),
    (
        "no-vision-projector",
        {"engine": "llama.cpp"},
        "the catalog names no vision projector file for it, so llama.cpp would serve it text only",
    ),
    ("exceeds-max-context", {"max_context": 8192, "context": 65536}, "supports 8,192 tokens, not 65,536"),
    (
        "below-quality",
        {"use_case": "reasoning", "min_quality": 75.0, "quality": 68.4},
        "below the bar 75 for reasoning (score 68.4)",
    ),
    (
        "below-quality",
        {"use_case": "chat", "min_quality": 65.0, "quality": None},
        "below the bar 65 for chat (no chat score)",
    ),
    ("no-hardware", {}, "no hardware to consider (none here, none within budget)"),
    (
        "does-not-fit",
        {"gpu_count": 1, "gpu_name": "GeForce RTX 4090", "users": 1, "context": 65536},
        "does not fit even 1 x GeForce RTX 4090 for 1 user(s) at 65,536 tokens",
    ),
    (
        "too-slow-on-largest",
        {"decode_tokens_per_s": 33.56, "gpu_count": 1, "gpu_name": "GeForce RTX 3060 12GB", "min_tokens_per_s": 200.0},
        "33.6 tokens/s per user on 1 x GeForce RTX 3060 12GB, needs 200",
    ),
    (
        "engine-no-backend",
        {"engine": "vLLM", "vendor": "apple", "gpu_name": "Apple M2 Max", "vendors": "amd, intel, nvidia"},
        "vLLM does not run on apple GPUs (Apple M2 Max); it runs on amd, intel or nvidia",
    ),
    (
        "engine-no-backend",
        {"engine": "TensorRT-LLM", "vendor": "amd", "gpu_name": "Instinct MI300X", "vendors": "nvidia"},
        "TensorRT-LLM does not run on amd GPUs (Instinct MI300X); it runs on nvidia",
    ),
    (
        "tensor-parallel-split",
        {"model": "llama-3.1-8b", "gpu_count": 3, "attention_heads": 32, "kv_heads": 8, "gpu_counts": "1, 2, 4, 8"},
        "tensor-parallel size 3 does not divide llama-3.1-8b's 32 attention and 8 KV heads; use 1, 2, 4 or 8 GPUs",
    ),
    (
        "single-node-engine",
        {"engine": "llama.cpp", "nodes": 2},
        "llama.cpp runs on one node, not 2 (llama.cpp's RPC back end is experimental and not sized); "
        "sized on one node, or use vLLM, SGLang or TensorRT-LLM",
    ),
    (
        "insufficient-vram",
        {"needs_bytes_per_gpu": NEED_25_6_GIB, "has_bytes_per_gpu": HAS_24_GIB, "headroom_frac": 0.1},
        "needs 25.6 GiB per GPU, the offer has 24.0 GiB less 10% headroom",
    ),
    (
        "insufficient-vram",
        {"needs_bytes_per_gpu": NEED_25_6_GIB, "has_bytes_per_gpu": HAS_24_GIB, "headroom_frac": 0.0},
        "needs 25.6 GiB per GPU, the offer has 24.0 GiB",
    ),
    (
        "too-slow",
        {"decode_tokens_per_s": 88.84, "users": 1, "min_tokens_per_s": 500.0},
        "88.8 tokens/s per user for 1 user(s), needs 500",
    ),
    (
        "context-too-long",
        {"model": "llama-3-8b", "max_context": 8192, "context": 16384},
        "llama-3-8b supports 8,192 tokens, not 16,384",
    ),
    (
        "license",
        {"model": "orca-mini-3b", "license": "CC BY-NC-SA 4.0"},
        "orca-mini-3b: CC BY-NC-SA 4.0 does not allow commercial use",
    ),
    (
        "over-budget",
        {"price": 9000.0, "budget": 8000.0, "currency": "EUR"},
        "costs 9,000 EUR, the budget is 8,000",
    ),
    ("over-power", {"power_w": 800.0, "limit_w": 500.0}, "the GPUs alone draw 800 W, the limit is 500 W"),
    ("smaller-quant", {"quant": "IQ3_M"}, "quant IQ3_M"),
    ("more-gpus", {"gpu_count": 3, "gpu_name": "GeForce RTX 4090"}, "3 x GeForce RTX 4090"),
    (
        "other-gpu",
        {"gpu_count": 2, "gpu_name": "GeForce RTX 5090", "price": 3998.0, "currency": "USD"},
        "2 x GeForce RTX 5090 (about 3,998 USD for the GPUs)",
    ),
    (
        "check-summary",
        {
            "model": "llama-3.3-70b",
            "quant": "Q4_K_M",
            "context": 8192,
            "users": 4,
            "needs_bytes_per_gpu": NEED_25_6_GIB,
            "has_bytes_per_gpu": HAS_24_GIB,
            "fits": False,
            "decode_tokens_per_s": 3.2,
            "min_tokens_per_s": 8.0,
        },
        # 25.6 - 24 = 1.6 GiB short.
        "llama-3.3-70b Q4_K_M, 8,192 tokens x 4 user(s): needs 25.6 GiB, the offer has 24.0 GiB per GPU: "
        "1.6 GiB short; does not fit",
    ),
    (
        "check-summary",
        {
            "model": "llama-3.1-8b",
            "quant": "Q4_K_M",
            "context": 8192,
            "users": 1,
            "needs_bytes_per_gpu": 6 * GIB,
            "has_bytes_per_gpu": HAS_24_GIB,
            "fits": True,
            "decode_tokens_per_s": 105.62,
            "min_tokens_per_s": 20.0,
        },
        # 1 - 6/24 = 75 % headroom.
        "llama-3.1-8b Q4_K_M, 8,192 tokens x 1 user(s): needs 6.0 GiB, the offer has 24.0 GiB per GPU: "
        "75% headroom; 105.6 tokens/s per user (needs 20)",
    ),
    (
        "mixed-gpus",
        {"path": "offers[1]"},
        "offers[1]: mixed GPUs are sized as that many of the smallest, slowest one",
    ),
    (
        "no-weights-repo",
        {"model": "gemma-2-9b", "quant": "AWQ", "engine": "vLLM", "formats": "BF16, GGUF"},
        "no command: no repository in the catalog holds gemma-2-9b as AWQ for vLLM (it lists BF16, GGUF)",
    ),
    (
        "no-weights-repo",
        {"model": "my-model", "quant": "Q4_K_M", "engine": "llama.cpp", "formats": ""},
        "no command: no repository in the catalog holds my-model as Q4_K_M for llama.cpp (it lists none)",
    ),
    (
        "fp8-needs-fp8-gpu",
        {"model": "llama-3.1-8b", "gpu_name": "GeForce RTX 3090"},
        "no command: no FP8 checkpoint of llama-3.1-8b, and GeForce RTX 3090 has no FP8 tensor cores to "
        "quantize it at load",
    ),
    (
        "native-low-bit",
        {"model": "gpt-oss-20b", "native_format": "MXFP4"},
        "no command: gpt-oss-20b ships as MXFP4; sizer does not requantize it to FP8 at load",
    ),
]


def test_every_code_the_core_can_emit_has_a_template_and_a_pinned_sentence():
    assert set(TEMPLATES) == REASON_CODES
    assert {code for code, _, _ in SENTENCES} == REASON_CODES


@pytest.mark.parametrize(("code", "values", "sentence"), SENTENCES)
def test_sentence(code, values, sentence):
    assert message(Reason(code=code, **values)) == sentence


def test_every_template_and_piece_is_marked_for_extraction():
    """`pybabel extract -k N_` finds a template only where it is written as N_("...")."""
    tree = ast.parse(inspect.getsource(messages))
    tables = {
        node.target.id: node.value
        for node in tree.body
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and isinstance(node.value, ast.Dict)
    }
    assert set(tables) == {"TEMPLATES", "PIECES"}
    for table in tables.values():
        for value in table.values:
            assert isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id == "N_"
            assert all(isinstance(arg, ast.Constant) for arg in value.args)  # a literal, not a built string


def test_every_template_and_piece_goes_through_the_translation_hook(monkeypatch):
    """What a gettext catalog would do: each template and chosen phrase replaced as a whole."""
    monkeypatch.setattr(messages, "_", lambda text: "«" + text + "»")
    owned = next(values for code, values, _ in SENTENCES if code == "best-below-quality")
    assert message(Reason(code="best-below-quality", **owned)) == (
        "«best that fits, below vision's bar 90 («7 B, no vision score»); 34 tok/s per user on "
        "«2 x GeForce RTX 3060 12GB», serves 5 user(s) at 12.5 tok/s; «already here», 12 USD/month»"
    )
    assert message(Reason(code="memory-bandwidth")) == "«memory bandwidth»"


def test_a_translation_may_reorder_the_values(monkeypatch):
    english = "system RAM: {offloaded_layers} of {total_layers} layers offloaded"
    german = {english: "{total_layers} Schichten, davon {offloaded_layers} im Arbeitsspeicher"}
    monkeypatch.setattr(messages, "_", lambda text: german.get(text, text))
    reason = Reason(code="offload", offloaded_layers=6, total_layers=32)
    assert message(reason) == "32 Schichten, davon 6 im Arbeitsspeicher"


def test_identity_today():
    assert messages._("memory bandwidth") == messages.N_("memory bandwidth") == "memory bandwidth"


def test_pieces_are_all_used():
    source = inspect.getsource(messages._pieces)
    assert all(f'"{name}"' in source for name in PIECES)


def test_a_reason_dumps_flat_and_reads_back():
    reason = Reason(code="offload", offloaded_layers=6, total_layers=32)
    assert reason.model_dump(mode="json") == {"code": "offload", "offloaded_layers": 6, "total_layers": 32}
    assert Reason.model_validate(reason.model_dump(mode="json")) == reason
    assert reason.values == {"offloaded_layers": 6, "total_layers": 32}


@pytest.mark.parametrize(
    ("fields", "needle"),
    [
        ({"code": "out-of-coffee"}, "unknown reason code 'out-of-coffee'"),
        ({"code": "offload", "offloaded_layers": 6}, "carries ['offloaded_layers', 'total_layers']"),
        ({"code": "compute", "batch": 64}, "carries [], got ['batch']"),
        ({"code": "smaller-quant", "quant": ["Q4_K_M"]}, "quant must be a plain number, text or null"),
    ],
)
def test_a_reason_carries_exactly_its_declared_values(fields, needle):
    with pytest.raises(ValidationError, match=re.escape(needle)):
        Reason(**fields)


def test_every_value_name_is_declared_once_per_code():
    assert all(isinstance(names, frozenset) for names in CODES.values())
    assert "code" not in set().union(*CODES.values())  # the code itself is not a value


def test_json_gains_the_sentence_before_each_code_and_leaves_other_codes_alone():
    data = {
        "limited_by_code": {"code": "compute"},
        "would_pass_code": [{"code": "smaller-quant", "quant": "Q3_K_M"}],
        "warnings_code": [],
        "nested": [{"reason_code": {"code": "no-hardware"}}],
        "country_code": "DE",
        "zip_code": {"code": "12345"},
    }
    assert with_messages(data) == {
        "limited_by": "compute (large batch)",
        "limited_by_code": {"code": "compute"},
        "would_pass": ["quant Q3_K_M"],
        "would_pass_code": [{"code": "smaller-quant", "quant": "Q3_K_M"}],
        "warnings": [],
        "warnings_code": [],
        "nested": [
            {
                "reason": "no hardware to consider (none here, none within budget)",
                "reason_code": {"code": "no-hardware"},
            }
        ],
        "country_code": "DE",
        "zip_code": {"code": "12345"},
    }
    assert list(with_messages({"x_code": {"code": "compute"}})) == ["x", "x_code"]
