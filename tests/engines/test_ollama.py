"""ollama's own rules, by hand: library names, num_ctx per parallel slot, its knobs in the environment."""

from __future__ import annotations

from sizer.core.launch import run_command
from sizer.engines.llama_cpp import RUNTIME as LLAMA_CPP
from sizer.engines.ollama import RUNTIME, ollama_model_name
from sizer.models import Engine, Workload
from sizer.models.assumptions import DEFAULT_ASSUMPTIONS as A
from sizer.units import GiB
from tests.conftest import LLAMA_31_8B, LLAMA_31_8B_SERVED, RTX_4090

TAGGED = LLAMA_31_8B_SERVED


def test_library_tag_at_its_format_else_the_catalogs_gguf_repo_else_none():
    assert ollama_model_name(TAGGED, "Q4_K_M") == "llama3.1:8b"
    assert ollama_model_name(TAGGED, "Q8_0") == "hf.co/bartowski/Meta-Llama-3.1-8B-Instruct-GGUF:Q8_0"
    tag_only = LLAMA_31_8B.model_copy(update={"ollama": "llama3.1:8b"})
    assert ollama_model_name(tag_only, "Q4_K_M") == "llama3.1:8b"
    assert ollama_model_name(tag_only, "Q8_0") is None  # no guessed hf.co name
    assert ollama_model_name(LLAMA_31_8B, "Q4_K_M") is None
    q4_0_tag = tag_only.model_copy(update={"ollama_quant": "Q4_0"})  # older library tags are Q4_0
    assert ollama_model_name(q4_0_tag, "Q4_0") == "llama3.1:8b" and ollama_model_name(q4_0_tag, "Q4_K_M") is None


def test_memory_is_num_ctx_for_each_parallel_slot():
    need = RUNTIME.memory(LLAMA_31_8B, Workload(context=8192, batch=4, engine=Engine.OLLAMA), 1, A)
    assert need.kv_cache_bytes == 4 * GiB  # OLLAMA_NUM_PARALLEL=4 slots x 8,192 tokens x 128 KiB per token
    slots = RUNTIME.scheduler(Workload(context=8192, batch=4), A)
    assert (slots.slots, slots.context_per_slot, slots.context_total) == (4, 8192, 32768)


def test_llama_cpp_underneath_same_memory_and_speed():
    w = Workload(context=8192, batch=2)
    assert RUNTIME.memory(LLAMA_31_8B, w, 2, A) == LLAMA_CPP.memory(LLAMA_31_8B, w, 2, A)
    assert RUNTIME.speed_terms(RTX_4090, 2, A) == LLAMA_CPP.speed_terms(RTX_4090, 2, A)
    assert RUNTIME.offloads and not RUNTIME.splits_tensors


def test_launch_spec_sets_the_server_knobs():
    w = Workload(quant="Q4_K_M", context=8192, batch=3, engine=Engine.OLLAMA, kv_cache_type="q8_0")
    spec = RUNTIME.launch(TAGGED, w, 2, A)
    assert spec.argv == ("ollama", "run", "llama3.1:8b")
    assert spec.env == {
        "OLLAMA_CONTEXT_LENGTH": "8192",
        "OLLAMA_NUM_PARALLEL": "3",
        "OLLAMA_FLASH_ATTENTION": "1",
        "OLLAMA_KV_CACHE_TYPE": "q8_0",
    }
    assert run_command(spec) == (
        "OLLAMA_CONTEXT_LENGTH=8192 OLLAMA_NUM_PARALLEL=3 OLLAMA_FLASH_ATTENTION=1 OLLAMA_KV_CACHE_TYPE=q8_0 "
        "ollama run llama3.1:8b"
    )
