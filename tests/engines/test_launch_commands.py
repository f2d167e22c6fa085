"""The commands that start what was sized: the repository that holds the sized format, the knobs
as sized, FP8 only where the GPU has it, and no command (with the reason) rather than a wrong one.
Expected argv are written out by hand from the engines' documented flags and the catalog's repos."""

from __future__ import annotations

import pytest

from sizer.core.launch import run_command
from sizer.core.quant import resolve_quant
from sizer.engines import RUNTIMES
from sizer.engines.base import has_fp8, repo_for
from sizer.engines.llama_cpp import RUNTIME as LLAMA_CPP
from sizer.engines.ollama import RUNTIME as OLLAMA
from sizer.engines.sglang import RUNTIME as SGLANG
from sizer.engines.vllm import RUNTIME as VLLM
from sizer.io.loaders import load_catalog
from sizer.models import REASON_CODES, Engine, ModelSpec, Repos, Workload
from sizer.models.assumptions import DEFAULT_ASSUMPTIONS as A
from sizer.render.messages import message
from tests.conftest import LLAMA_31_8B, LLAMA_31_8B_SERVED

CATALOG = load_catalog()
H100 = CATALOG.gpu("H100 SXM5 80GB")
RTX_3090 = CATALOG.gpu("RTX 3090")
RTX_4090 = CATALOG.gpu("RTX 4090")
RX_7900_XTX = CATALOG.gpu("Radeon RX 7900 XTX")


def vllm(quant: str, context: int = 8192, users: int = 4) -> Workload:
    return Workload(quant=quant, context=context, batch=users, engine=Engine.VLLM)


def _flag(argv: tuple[str, ...], name: str) -> str:
    return argv[argv.index(name) + 1]


@pytest.mark.parametrize(
    ("gpu", "fp8"),
    [
        ("RTX 4090", True),  # Ada
        ("RTX 5090", True),  # Blackwell
        ("RTX 6000 Ada Generation", True),
        ("RTX PRO 6000 Blackwell Workstation Edition", True),
        ("L4", True),
        ("L40S", True),
        ("H100 PCIe 80GB", True),
        ("H200 NVL", True),
        ("B200 (SXM/HGX)", True),
        ("GH200 Grace Hopper Superchip (96GB HBM3)", True),
        ("Instinct MI300X", True),
        ("Instinct MI325X", True),
        ("RTX 3090", False),  # Ampere
        ("A100 80GB SXM4", False),
        ("RTX A6000", False),
        ("Tesla T4", False),
        ("Tesla V100 SXM2 32GB", False),
        ("Radeon RX 7900 XTX", False),
        ("Instinct MI250X", False),
        ("Arc A770 16GB", False),
        ("Apple M2 Max (38-core GPU)", False),
    ],
)
def test_fp8_units_by_generation(gpu, fp8):
    assert has_fp8(CATALOG.gpu(gpu)) is fp8


def test_an_fp8_rate_in_the_catalog_decides_over_the_name():
    class Rated:  # what GpuSpec looks like once it carries fp8_tflops
        def __init__(self, gpu, fp8_tflops):
            self.__dict__.update(gpu.__dict__, fp8_tflops=fp8_tflops)

    assert has_fp8(Rated(CATALOG.gpu("A100 80GB SXM4"), 624.0))  # type: ignore[arg-type]
    assert not has_fp8(Rated(H100, 0.0))  # type: ignore[arg-type]


def test_vllm_serves_the_repository_of_the_sized_format():
    qwen = CATALOG.model("qwen2.5-7b")
    for quant, repo in [
        ("BF16", "Qwen/Qwen2.5-7B-Instruct"),
        ("AWQ", "Qwen/Qwen2.5-7B-Instruct-AWQ"),
        ("GPTQ", "Qwen/Qwen2.5-7B-Instruct-GPTQ-Int4"),
    ]:
        argv = VLLM.launch(qwen, vllm(quant), 1, A, gpu=RTX_4090).argv
        assert argv[:3] == ("vllm", "serve", repo) and "--quantization" not in argv
    fp8 = VLLM.launch(CATALOG.model("qwen3-8b"), vllm("FP8"), 1, A, gpu=RTX_3090).argv
    assert fp8[2] == "Qwen/Qwen3-8B-FP8" and "--quantization" not in fp8  # a checkpoint already in FP8


def test_vllm_knobs_as_sized():
    argv = VLLM.launch(LLAMA_31_8B_SERVED, vllm("BF16", 32768, 20), 2, A, gpu=RTX_4090).argv
    assert _flag(argv, "--max-model-len") == "32768"
    assert _flag(argv, "--max-num-seqs") == "20"
    assert _flag(argv, "--tensor-parallel-size") == "2"
    assert _flag(argv, "--gpu-memory-utilization") == "0.9"
    assert _flag(argv, "--kv-cache-dtype") == "auto"
    fp8_cache = vllm("BF16").model_copy(update={"kv_cache_type": "fp8"})
    assert _flag(VLLM.launch(LLAMA_31_8B_SERVED, fp8_cache, 1, A, gpu=H100).argv, "--kv-cache-dtype") == "fp8"


def test_dynamic_fp8_only_on_fp8_gpus():
    # Llama 3.1 8B has no FP8 repository in the catalog: the 16-bit one, quantized at load.
    on_h100 = VLLM.launch(LLAMA_31_8B_SERVED, vllm("FP8"), 1, A, gpu=H100).argv
    assert on_h100[2] == "meta-llama/Llama-3.1-8B-Instruct" and _flag(on_h100, "--quantization") == "fp8"
    for gpu in (RTX_3090, RX_7900_XTX):
        spec = VLLM.launch(LLAMA_31_8B_SERVED, vllm("FP8"), 1, A, gpu=gpu)
        assert spec.argv == () and run_command(spec) is None
        assert spec.no_command_code is not None and spec.no_command_code.code == "fp8-needs-fp8-gpu"
        assert gpu.name in message(spec.no_command_code)


def test_never_fp8_at_load_for_a_model_that_ships_low_bit():
    gpt_oss = CATALOG.model("gpt-oss-20b")
    assert gpt_oss.native_format == "MXFP4"
    spec = VLLM.launch(gpt_oss, vllm("FP8"), 1, A, gpu=H100)
    assert spec.argv == () and spec.no_command_code is not None
    # Even with a 16-bit conversion listed, a natively low-bit model is not requantized.
    with_bf16 = gpt_oss.model_copy(update={"repos": Repos(BF16="someone/gpt-oss-20b-BF16", MXFP4="openai/gpt-oss-20b")})
    refused = VLLM.launch(with_bf16, vllm("FP8"), 1, A, gpu=H100)
    assert refused.no_command_code is not None and refused.no_command_code.code == "native-low-bit"
    assert VLLM.launch(with_bf16, vllm("BF16"), 1, A, gpu=H100).argv[2] == "someone/gpt-oss-20b-BF16"


def test_no_repository_in_the_format_means_no_command_never_the_16_bit_repo():
    no_awq = CATALOG.model("gemma-2-9b")
    assert no_awq.repos.AWQ is None
    for runtime in (VLLM, SGLANG):
        spec = runtime.launch(no_awq, vllm("AWQ"), 1, A, gpu=RTX_4090)
        assert spec.argv == ()
        assert spec.no_command_code is not None and spec.no_command_code.code == "no-weights-repo"
        assert spec.no_command_code.values["formats"] == "BF16, GGUF"
    deepseek = CATALOG.model("deepseek-v3")  # ships FP8 only
    spec = VLLM.launch(deepseek, vllm("BF16"), 8, A, gpu=H100)
    assert spec.argv == () and spec.no_command_code is not None
    assert VLLM.launch(deepseek, vllm("FP8"), 8, A, gpu=H100).argv[2] == "deepseek-ai/DeepSeek-V3"


def test_f16_is_the_16_bit_checkpoint_cast():
    argv = VLLM.launch(LLAMA_31_8B_SERVED, vllm("F16"), 1, A, gpu=RTX_3090).argv
    assert argv[2] == "meta-llama/Llama-3.1-8B-Instruct" and _flag(argv, "--dtype") == "float16"


def test_sglang_names_the_same_repository():
    argv = SGLANG.launch(CATALOG.model("qwen2.5-7b"), vllm("AWQ", 16384, 8), 2, A, gpu=RTX_4090).argv
    assert _flag(argv, "--model-path") == "Qwen/Qwen2.5-7B-Instruct-AWQ"
    assert (_flag(argv, "--tp"), _flag(argv, "--context-length"), _flag(argv, "--max-running-requests")) == (
        "2",
        "16384",
        "8",
    )


def test_ollama_32k_context_and_a_tag_that_exists():
    w = Workload(quant="Q4_K_M", context=32768, batch=5, engine=Engine.OLLAMA)
    spec = OLLAMA.launch(CATALOG.model("qwen2.5-7b"), w, 1, A, gpu=RTX_4090)
    assert spec.argv == ("ollama", "run", "qwen2.5:7b")
    assert spec.env["OLLAMA_CONTEXT_LENGTH"] == "32768" and spec.env["OLLAMA_NUM_PARALLEL"] == "5"
    assert run_command(spec).startswith("OLLAMA_CONTEXT_LENGTH=32768 OLLAMA_NUM_PARALLEL=5 ")
    # gpt-oss's library tag is its MXFP4 release, not a Q4_K_M file.
    gpt = Workload(quant="MXFP4", context=8192, engine=Engine.OLLAMA)
    assert OLLAMA.launch(CATALOG.model("gpt-oss-20b"), gpt, 1, A).argv[-1] == "gpt-oss:20b"


def test_llama_server_for_a_vision_model_loads_its_projector():
    gemma = CATALOG.model("gemma-3-4b")
    w = Workload(quant="Q4_K_M", context=8192, batch=2, images=True)
    argv = LLAMA_CPP.launch(gemma, w, 1, A, gpu=RTX_4090).argv
    assert argv[:3] == ("llama-server", "-hf", "bartowski/google_gemma-3-4b-it-GGUF:Q4_K_M")
    assert _flag(argv, "--mmproj-url") == (
        "https://huggingface.co/bartowski/google_gemma-3-4b-it-GGUF/resolve/main/mmproj-google_gemma-3-4b-it-f16.gguf"
    )
    assert (_flag(argv, "-c"), _flag(argv, "-np"), _flag(argv, "-ngl")) == ("16384", "2", "99")
    text_only = LLAMA_CPP.launch(CATALOG.model("qwen2.5-7b"), w, 1, A).argv
    assert not any(a.startswith("--mmproj") for a in text_only)
    # Serving text only, the same model's command leaves the projector out, as it was sized.
    text = LLAMA_CPP.launch(gemma, w.model_copy(update={"images": False}), 1, A, gpu=RTX_4090).argv
    assert not any(a.startswith("--mmproj") for a in text)


def test_serving_images_counts_the_projector_in_llama_cpp_memory():
    # Gemma 3 4B's f16 projector: 419,980,144 parameters x 2 bytes = 840 MB (hand computation).
    gemma = CATALOG.model("gemma-3-4b")
    w = Workload(quant="Q4_K_M", context=8192)
    text = LLAMA_CPP.memory(gemma, w, 1, A).per_gpu_overhead_bytes
    images = LLAMA_CPP.memory(gemma, w.model_copy(update={"images": True}), 1, A).per_gpu_overhead_bytes
    assert images - text == pytest.approx(419_980_144 * 2)
    # Mistral Small 3.1's projector file is Q8_0: 34 bytes per 32 parameters.
    mistral = CATALOG.model("mistral-small-3.1-24b")
    text = LLAMA_CPP.memory(mistral, w, 1, A).per_gpu_overhead_bytes
    images = LLAMA_CPP.memory(mistral, w.model_copy(update={"images": True}), 1, A).per_gpu_overhead_bytes
    assert images - text == pytest.approx(440_000_000 * 34 / 32)
    # A text model has no projector to count.
    qwen = CATALOG.model("qwen2.5-7b")
    assert LLAMA_CPP.memory(qwen, w.model_copy(update={"images": True}), 1, A) == LLAMA_CPP.memory(qwen, w, 1, A)


def test_llama_server_without_a_gguf_repository_has_no_command():
    spec = LLAMA_CPP.launch(LLAMA_31_8B, Workload(quant="Q4_K_M", context=4096), 1, A)
    assert spec.argv == () and spec.no_command_code is not None
    assert message(spec.no_command_code).startswith("no command: ")


# --- Over the whole catalog -------------------------------------------------------------------


def test_every_listed_repository_format_is_a_core_quant_format():
    for model in CATALOG.models:
        for fmt in model.repos.formats:
            assert fmt == "GGUF" or resolve_quant(fmt).name == fmt, (model.id, fmt)
        for fmt in (model.native_format, model.ollama_quant):
            assert fmt is None or resolve_quant(fmt).name == fmt, (model.id, fmt)
        if model.repos.formats:
            assert model.repos_source and "2026" in model.repos_source, model.id
        if model.mmproj:
            assert model.repos.GGUF and "vision" in model.use_cases, model.id
            assert model.mmproj_params, model.id  # its memory is counted when it serves images


def _repo_holds(model: ModelSpec, repo: str, fmt: str) -> bool:
    return repo == repo_for(model, fmt)


@pytest.mark.parametrize("model", CATALOG.models, ids=lambda m: m.id)
def test_no_command_names_weights_in_another_format(model):
    for runtime in (VLLM, SGLANG):
        for fmt in runtime.formats:
            spec = runtime.launch(model, vllm(fmt), 1, A, gpu=H100)
            if not spec.argv:
                assert spec.no_command_code is not None and spec.no_command_code.code in REASON_CODES
                continue
            repo = _flag(spec.argv, "serve" if runtime is VLLM else "--model-path")
            dynamic = spec.argv[spec.argv.index(repo) + 1 : spec.argv.index(repo) + 3]
            assert (
                _repo_holds(model, repo, fmt)
                or (dynamic == ("--quantization", "fp8") and fmt == "FP8" and _repo_holds(model, repo, "BF16"))
                or (dynamic == ("--dtype", "float16") and fmt == "F16" and _repo_holds(model, repo, "BF16"))
            ), (model.id, fmt, spec.argv)
    for runtime in (LLAMA_CPP, OLLAMA):
        spec = runtime.launch(model, Workload(quant="Q4_K_M", context=4096, engine=runtime.name), 1, A)
        if model.repos.GGUF:
            assert f"{model.repos.GGUF}:Q4_K_M" in " ".join(spec.argv) or spec.argv[-1] == model.ollama


def test_the_seed_names_resolve():
    assert CATALOG.model("Llama 2 Uncensored").id == "llama2-uncensored-7b"
    assert CATALOG.model("Starling").id == "starling-7b"
    for name in ("Gemma 3n", "Magistral Small", "Devstral Small", "DeepSeek-V3.1"):
        assert CATALOG.model(name)


def test_every_engine_has_the_gpu_keyword():
    for runtime in RUNTIMES.values():
        w = Workload(quant=runtime.default_format, context=4096, engine=runtime.name)
        assert runtime.launch(LLAMA_31_8B_SERVED, w, 1, A, None, RTX_4090).argv


def test_weight_only_formats_need_the_kernels_of_ampere_or_newer():
    from sizer.engines.base import loads_on
    from sizer.io.loaders import load_shipped_catalog

    catalog = load_shipped_catalog()
    v100, t4, a100, h100, b200 = (
        catalog.gpu(g) for g in ("tesla-v100-sxm2-32gb", "tesla-t4", "a100-80gb-sxm", "h100-sxm", "b200")
    )
    assert not loads_on("FP8", v100) and not loads_on("FP8", t4)  # Volta, Turing: no FP8 kernels in vLLM
    assert loads_on("FP8", a100) and loads_on("FP8", h100)  # Ampere weight-only, Hopper FP8 units
    assert not loads_on("AWQ", v100) and loads_on("AWQ", a100)
    assert not loads_on("NVFP4", h100) and loads_on("NVFP4", b200)  # FP4 units only on Blackwell
    assert loads_on("BF16", v100)
