"""Name resolution: exact device strings, vendor words optional, nothing looser; did-you-mean."""

from __future__ import annotations

import pytest

from sizer.core.catalog import Catalog, normalize
from sizer.errors import InputError, UnknownNameError
from tests.conftest import LLAMA_31_8B, RTX_4090


@pytest.mark.parametrize(
    ("name", "gpu_id"),
    [
        ("NVIDIA GeForce RTX 4090", "rtx-4090"),
        ("nvidia geforce rtx 4090", "rtx-4090"),
        ("RTX 4090", "rtx-4090"),
        ("GeForce RTX 4090", "rtx-4090"),
        ("rtx-4090", "rtx-4090"),
        ("NVIDIA A100-SXM4-80GB", "a100-sxm4-80gb"),
        ("NVIDIA A100 80GB PCIe", "a100-pcie-80gb"),
        ("A100 80GB PCIe", "a100-pcie-80gb"),
    ],
)
def test_gpu_names_resolve(mini_catalog, name, gpu_id):
    assert mini_catalog.gpu(name).id == gpu_id


def test_sxm_and_pcie_never_mix(mini_catalog):
    assert mini_catalog.gpu("NVIDIA A100-SXM4-80GB").mem_bandwidth_gb_per_s == 2039
    assert mini_catalog.gpu("NVIDIA A100 80GB PCIe").mem_bandwidth_gb_per_s == 1935


def test_a_bare_family_name_is_not_guessed(mini_catalog):
    with pytest.raises(UnknownNameError) as info:
        mini_catalog.gpu("A100")
    assert "did you mean" in str(info.value)


def test_count_prefix_is_parsed(mini_catalog):
    match = mini_catalog.match_gpu("4x NVIDIA A100-SXM4-80GB")
    assert (match.gpu.id, match.count) == ("a100-sxm4-80gb", 4)


def test_apple_core_count_and_memory_pick_the_bin(mini_catalog):
    match = mini_catalog.match_gpu("Apple M1 Max (24-core GPU, 32GB)")
    assert match.gpu.id == "apple-m1-max-24c"
    assert match.memory_gib == 32
    assert mini_catalog.gpu("Apple M1 Max").id == "apple-m1-max-32c"


def test_models_resolve_by_id_name_alias_and_repo(mini_catalog):
    for name in (
        "llama-3.1-8b",
        "Llama 3.1 8B",
        "meta-llama/Llama-3.1-8B-Instruct",
        "Meta-Llama-3.1-8B-Instruct",
        "someone/Meta-Llama-3.1-8B-Instruct",
    ):
        assert mini_catalog.model(name).id == "llama-3.1-8b"


def test_unknown_model_suggests(mini_catalog):
    with pytest.raises(UnknownNameError, match=r"llama-3\.1-8b"):
        mini_catalog.model("llama-3.1-7b")


def test_an_alias_claimed_twice_is_a_catalog_error():
    clash = RTX_4090.model_copy(update={"id": "other", "name": "Other", "aliases": ("RTX 4090",)})
    with pytest.raises(InputError, match="claimed by both"):
        Catalog(models=(LLAMA_31_8B,), gpus=(RTX_4090, clash))


def test_normalize_ignores_case_and_punctuation():
    assert normalize("NVIDIA A100-SXM4-80GB") == normalize("nvidia a100 sxm4 80gb")


def _gpu(gpu_id: str, name: str):
    return RTX_4090.model_copy(update={"id": gpu_id, "name": name, "aliases": ()})


# Names chosen so that spelling distance alone ranks the wrong cards first: 'h100' is closer by
# difflib to 'h200 sxm', 'mi100' and 'v100s' than to any H100 name, which are longer.
LOOKALIKES = Catalog(
    models=(LLAMA_31_8B,),
    gpus=(
        _gpu("h200-sxm", "H200 SXM"),
        _gpu("h100-sxm", "H100 SXM5 80GB"),
        _gpu("mi100", "MI100"),
        _gpu("h100-pcie", "H100 PCIe"),
        _gpu("tesla-v100s", "Tesla V100S"),
        _gpu("h100-nvl", "H100 NVL"),
    ),
)


def test_a_name_that_begins_several_entries_suggests_those_first():
    with pytest.raises(UnknownNameError) as info:
        LOOKALIKES.gpu("H100")
    assert info.value.suggestions == ["h100-sxm", "h100-pcie", "h100-nvl"]  # catalog order
    with pytest.raises(UnknownNameError) as info:
        LOOKALIKES.gpu("h1")  # the start of a word is enough; 'h200' does not begin with it
    assert info.value.suggestions == ["h100-sxm", "h100-pcie", "h100-nvl"]


def test_vendor_words_do_not_hide_the_entries_a_name_begins():
    with pytest.raises(UnknownNameError) as info:
        LOOKALIKES.gpu("NVIDIA H100")
    assert info.value.suggestions == ["h100-sxm", "h100-pcie", "h100-nvl"]


def test_the_shipped_catalog_suggests_every_h100_for_h100():
    from sizer.io.loaders import load_shipped_catalog

    with pytest.raises(UnknownNameError) as info:
        load_shipped_catalog().gpu("H100")
    assert set(info.value.suggestions) == {"h100-sxm", "h100-pcie", "h100-nvl"}
