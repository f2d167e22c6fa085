"""Shared fixtures: an in-code mini catalog (architectures from the models' config.json files)."""

from __future__ import annotations

import os
import sys

import pytest

from sizer.core.catalog import Catalog
from sizer.models import GpuSpec, ModelSpec, Repos

os.environ["HF_HUB_OFFLINE"] = "1"  # no test reaches the Hub; Hub tests build a local cache or mock HfApi


@pytest.fixture(autouse=True)
def _user_config_dir(tmp_path_factory, monkeypatch):
    """Every test gets an empty user catalog directory and catalog cache, never the real ones."""
    monkeypatch.setenv("SIZER_CONFIG_DIR", str(tmp_path_factory.mktemp("sizer-config")))
    monkeypatch.setenv("SIZER_CACHE_DIR", str(tmp_path_factory.mktemp("sizer-cache")))


@pytest.fixture(autouse=True)
def _english(monkeypatch):
    """Every test runs in English whatever the machine's locale, and leaves English behind."""
    from sizer.render import i18n

    monkeypatch.setenv(i18n.LANG_ENV, "en")
    i18n.install("en")
    yield
    i18n.install("en")


LLAMA_31_8B = ModelSpec(
    id="llama-3.1-8b",
    name="Llama 3.1 8B",
    arch="llama",
    hf_repo="meta-llama/Llama-3.1-8B-Instruct",
    aliases=("Meta-Llama-3.1-8B-Instruct",),
    params_total=8_030_261_248,
    layers=32,
    hidden_size=4096,
    intermediate_size=14336,
    attention_heads=32,
    kv_heads=8,
    head_dim=128,
    vocab_size=128256,
    max_context=131072,
    license="Llama 3.1 Community License",
    commercial_use=True,
)
# The same model with the repositories the catalog lists for it (data/model_catalog.yaml).
LLAMA_31_8B_SERVED = LLAMA_31_8B.model_copy(
    update={
        "repos": Repos(
            BF16="meta-llama/Llama-3.1-8B-Instruct",
            AWQ="hugging-quants/Meta-Llama-3.1-8B-Instruct-AWQ-INT4",
            GPTQ="hugging-quants/Meta-Llama-3.1-8B-Instruct-GPTQ-INT4",
            GGUF="bartowski/Meta-Llama-3.1-8B-Instruct-GGUF",
        ),
        "ollama": "llama3.1:8b",
    }
)
LLAMA_3_70B = LLAMA_31_8B.model_copy(
    update={
        "id": "llama-3-70b",
        "name": "Llama 3 70B",
        "hf_repo": "meta-llama/Meta-Llama-3-70B",
        "aliases": ("Meta-Llama-3-70B",),
        "params_total": 70_553_706_496,
        "layers": 80,
        "hidden_size": 8192,
        "intermediate_size": 28672,
        "attention_heads": 64,
        "max_context": 8192,
    }
)
MIXTRAL = ModelSpec.model_validate(
    {
        "id": "mixtral-8x7b",
        "name": "Mixtral 8x7B",
        "arch": "mixtral",
        "params_total": 46_702_792_704,
        "params_active": 12_900_000_000,
        "layers": 32,
        "hidden_size": 4096,
        "intermediate_size": 14336,
        "attention_heads": 32,
        "kv_heads": 8,
        "head_dim": 128,
        "vocab_size": 32000,
        "max_context": 32768,
        "experts": {"count": 8, "active": 2, "intermediate_size": 14336},
    }
)
GEMMA2_9B = ModelSpec.model_validate(
    {
        "id": "gemma-2-9b",
        "name": "Gemma 2 9B",
        "arch": "gemma2",
        "params_total": 9_241_705_984,
        "layers": 42,
        "hidden_size": 3584,
        "intermediate_size": 14336,
        "attention_heads": 16,
        "kv_heads": 8,
        "head_dim": 256,
        "vocab_size": 256000,
        "max_context": 8192,
        "tie_embeddings": True,
        "sliding_window": {"size": 4096, "global_every": 2},
    }
)
RTX_4090 = GpuSpec(
    id="rtx-4090",
    name="GeForce RTX 4090",
    vendor="nvidia",
    category="consumer",
    aliases=("NVIDIA GeForce RTX 4090", "RTX 4090"),
    vram_gib=24,
    memory_type="GDDR6X",
    mem_bandwidth_gb_per_s=1008,
    fp16_tflops=165.2,
    fp8_tflops=330.3,  # FP8 with FP32 accumulate, dense (Ada whitepaper)
    tdp_w=450,
    source="NVIDIA Ada whitepaper",
)
A100_SXM = GpuSpec(
    id="a100-sxm4-80gb",
    name="A100 80GB SXM4",
    vendor="nvidia",
    category="datacenter",
    aliases=("NVIDIA A100-SXM4-80GB", "A100 80GB SXM"),
    vram_gib=80,
    memory_type="HBM2e",
    mem_bandwidth_gb_per_s=2039,
    fp16_tflops=312,
    tdp_w=400,
    source="NVIDIA A100 datasheet",
)
A100_PCIE = A100_SXM.model_copy(
    update={
        "id": "a100-pcie-80gb",
        "name": "A100 80GB PCIe",
        "aliases": ("NVIDIA A100 80GB PCIe", "A100 80GB PCIe"),
        "mem_bandwidth_gb_per_s": 1935,
        "tdp_w": 300,
    }
)
M1_MAX_32 = GpuSpec(
    id="apple-m1-max-32c",
    name="Apple M1 Max (32-core GPU)",
    vendor="apple",
    category="soc",
    aliases=("Apple M1 Max", "M1 Max"),
    vram_gib=64,
    memory_options_gib=(32, 64),
    gpu_cores=32,
    unified_memory=True,
    memory_type="LPDDR5",
    mem_bandwidth_gb_per_s=400,
    fp16_tflops=10.4,
    tdp_w=90,
    source="Apple",
)
M1_MAX_24 = M1_MAX_32.model_copy(
    update={
        "id": "apple-m1-max-24c",
        "name": "Apple M1 Max (24-core GPU)",
        "aliases": (),
        "gpu_cores": 24,
        "fp16_tflops": 7.8,
        "memory_options_gib": (32, 64),
    }
)


@pytest.fixture
def mini_catalog() -> Catalog:
    return Catalog(
        models=(LLAMA_31_8B, LLAMA_3_70B, MIXTRAL, GEMMA2_9B),
        gpus=(RTX_4090, A100_SXM, A100_PCIE, M1_MAX_32, M1_MAX_24),
    )


@pytest.fixture
def fake_nvml(monkeypatch):
    """Put tests/fakes/pynvml.py in place of nvidia-ml-py with the given fake GPUs; returns the scenario.

    The probe also runs as on Linux with no AMD tools, so the result does not depend on this machine.
    """
    from sizer.io import hardware
    from tests.fakes import pynvml as fake

    def install(*gpus, **options):
        scenario = fake.Scenario(gpus=list(gpus), **options)
        monkeypatch.setattr(fake, "SCENARIO", scenario)
        monkeypatch.setitem(sys.modules, "pynvml", fake)
        monkeypatch.setattr(hardware.platform, "system", lambda: "Linux")
        monkeypatch.setattr(hardware.nvml, "driver_absent", lambda: False)
        monkeypatch.setattr(hardware.amd, "_read_amd", lambda: ([], []))
        return scenario

    return install


def pytest_addoption(parser):
    parser.addoption(
        "--update-snapshots",
        action="store_true",
        default=False,
        help="rewrite tests/snapshots/ from the current output instead of comparing with it",
    )


@pytest.fixture
def update_snapshots(request) -> bool:
    """True when the run was asked to rewrite the snapshot files (tests/test_snapshots.py)."""
    return bool(request.config.getoption("--update-snapshots"))
