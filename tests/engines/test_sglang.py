"""SGLang's own rules: vLLM's layout with its own assumptions block, no Intel, its launch server."""

from __future__ import annotations

from sizer.engines.sglang import RUNTIME
from sizer.engines.vllm import RUNTIME as VLLM
from sizer.models import Engine, Vendor, Workload
from sizer.models.assumptions import DEFAULT_ASSUMPTIONS as A
from sizer.units import GiB
from tests.conftest import A100_SXM, LLAMA_31_8B

H100 = A100_SXM.model_copy(update={"id": "h100-sxm", "name": "H100 SXM5 80GB", "launch": "2022-10-01"})

W = Workload(quant="FP8", context=8192, batch=4, engine=Engine.SGLANG)


def test_reads_its_own_block_which_starts_at_vllms_values():
    assert A.sglang == A.vllm
    own = A.model_copy(update={"sglang": A.sglang.model_copy(update={"gpu_memory_utilization_frac": 0.8})})
    assert RUNTIME.usable_bytes_per_gpu(A100_SXM, own) == int(80 * GiB * 0.8)
    assert VLLM.usable_bytes_per_gpu(A100_SXM, own) == int(80 * GiB * 0.9)
    argv = RUNTIME.launch(LLAMA_31_8B, W, 1, own).argv
    assert argv[argv.index("--mem-fraction-static") + 1] == "0.8"


def test_runs_on_nvidia_and_amd_only():
    assert RUNTIME.vendors == {Vendor.NVIDIA, Vendor.AMD}


def test_launch_spec_as_sglang_launch_server_takes_it():
    # No FP8 checkpoint of this model: the 16-bit one, quantized at load on an FP8-capable H100.
    spec = RUNTIME.launch(LLAMA_31_8B, W.model_copy(update={"kv_cache_type": "fp8"}), 2, A, gpu=H100)
    assert spec.argv == (
        "python", "-m", "sglang.launch_server", "--model-path", "meta-llama/Llama-3.1-8B-Instruct",
        "--quantization", "fp8", "--tp", "2", "--context-length", "8192", "--max-running-requests", "4",
        "--mem-fraction-static", "0.9", "--kv-cache-dtype", "fp8_e5m2",
    )  # fmt: skip
