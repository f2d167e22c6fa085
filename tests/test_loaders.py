"""Catalog and YAML loading: errors name file, entry and field; the safe loader refuses object tags."""

from __future__ import annotations

import pytest

from sizer.errors import CatalogError, InputError
from sizer.io.loaders import MAX_HOST_BYTES, MAX_YAML_BYTES, catalog_from_yaml, load_host, read_yaml, read_yaml_file

GPUS = """
gpus:
  - id: rtx-4090
    name: GeForce RTX 4090
    vendor: nvidia
    category: consumer
    vram_gib: 24
    memory_type: GDDR6X
    mem_bandwidth_gb_per_s: 1008
    fp16_tflops: 165.2
    tdp_w: 450
    source: NVIDIA
"""
MODELS = """
models:
  - id: tiny
    name: Tiny
    params_total: 1000000
    layers: 2
    hidden_size: 64
    intermediate_size: 256
    attention_heads: 4
    kv_heads: 2
    head_dim: 16
    vocab_size: 1000
    max_context: 2048
"""


def test_valid_catalog_loads():
    catalog = catalog_from_yaml(MODELS, GPUS, "models.yaml", "gpus.yaml")
    assert catalog.gpu("RTX 4090").id == "rtx-4090"
    assert catalog.model("tiny").layers == 2


def test_error_names_file_entry_and_field():
    bad = GPUS.replace("vram_gib: 24", "vram_gib: -24")
    with pytest.raises(CatalogError, match=r"gpus\.yaml: gpus\[rtx-4090\]\.vram_gib: .*greater than 0"):
        catalog_from_yaml(MODELS, bad, "models.yaml", "gpus.yaml")


def test_missing_field_is_named():
    bad = MODELS.replace("    layers: 2\n", "")
    with pytest.raises(CatalogError, match=r"models\[tiny\]\.layers: Field required"):
        catalog_from_yaml(bad, GPUS, "models.yaml", "gpus.yaml")


def test_duplicate_ids_are_refused():
    doubled = MODELS + MODELS.replace("models:\n", "")
    with pytest.raises(CatalogError, match="duplicate model id 'tiny'"):
        catalog_from_yaml(doubled, GPUS, "models.yaml", "gpus.yaml")


def test_python_object_tags_are_refused():
    with pytest.raises(InputError, match=r"evil\.yaml:1"):
        read_yaml("!!python/object/apply:os.system ['echo hi']", "evil.yaml")


def test_broken_yaml_names_the_line():
    with pytest.raises(InputError, match=r"x\.yaml:3"):
        read_yaml("a: 1\nb: 2\n  c: [\n", "x.yaml")


def test_oversized_file_is_refused_unread(tmp_path):
    big = tmp_path / "big.yaml"
    with big.open("wb") as f:
        f.truncate(MAX_YAML_BYTES + 1)
    with pytest.raises(InputError, match="more than"):
        read_yaml_file(big)


def test_not_a_mapping_is_a_catalog_error():
    with pytest.raises(CatalogError, match="expected a mapping"):
        catalog_from_yaml("- 1\n- 2\n", GPUS, "models.yaml", "gpus.yaml")


MINIMAL_HOST = '{"gpus": [{"name": "Acme X1", "memory_total_bytes": 51539607552, "bandwidth_bytes_per_s": 1.2e12}]}'


def test_hand_written_host_needs_only_name_memory_and_bandwidth(tmp_path, mini_catalog):
    path = tmp_path / "server.json"
    path.write_text(MINIMAL_HOST)
    host = load_host(path, mini_catalog)
    assert host.schema_ == "sizer.probe/1"
    (gpu,) = host.gpus
    assert (gpu.name, gpu.memory_total_bytes, gpu.bandwidth_bytes_per_s) == ("Acme X1", 51539607552, 1.2e12)


def test_host_yaml_is_accepted(tmp_path, mini_catalog):
    path = tmp_path / "server.yaml"
    path.write_text("gpus:\n  - name: NVIDIA GeForce RTX 4090\n    memory_total_bytes: 25757220864\n")
    assert load_host(path, mini_catalog).gpus[0].name == "NVIDIA GeForce RTX 4090"  # a catalog GPU: no bandwidth


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"gpus": [{"name": "Acme X1"}]}', "gpus[0].memory_total_bytes: Field required"),
        ('{"gpus": [{"name": "Acme X1", "memory_total_bytes": -1}]}', "gpus[0].memory_total_bytes: Input should be"),
        ('{"schema": "sizer.probe/2"}', "schema: Input should be 'sizer.probe/1'"),
        ('{"gpus": [], "colour": "red"}', "colour: Extra inputs are not permitted"),
        ('{"gpus": [', ":1: invalid JSON"),
        ("[1, 2]", "expected a JSON object"),
        (
            '{"gpus": [{"name": "Acme X1", "memory_total_bytes": 1}]}',
            "gpus[0].bandwidth_bytes_per_s: required for a GPU the catalog lacks ('Acme X1')",
        ),
    ],
)
def test_bad_host_file_names_file_and_field_on_one_line(tmp_path, mini_catalog, text, message):
    path = tmp_path / "server.json"
    path.write_text(text)
    with pytest.raises(InputError) as info:
        load_host(path, mini_catalog)
    assert str(info.value).startswith(f"{path}: ") or str(info.value).startswith(f"{path}:1: ")
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_oversized_host_file_is_refused_unread(tmp_path):
    big = tmp_path / "big.json"
    with big.open("wb") as f:
        f.truncate(MAX_HOST_BYTES + 1)
    with pytest.raises(InputError, match="more than"):
        load_host(big)
