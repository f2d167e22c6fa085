"""Hostile and unlucky input to the parsers: each ends in one `error:` line and exit 2 (or a
warning), fast, never a traceback, a hang or unbounded memory. Inputs live in tests/data/hostile/
when they are small files; the large or special ones (sparse GGUFs, FIFOs) are made here.
"""

from __future__ import annotations

import json
import os
import signal
import struct
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from sizer.bounds import MAX_ECHO_CHARS, MAX_LAYERS
from sizer.cli.app import app
from sizer.errors import CatalogError, InputError
from sizer.io.loaders import load_host, load_spec, load_user_models, read_yaml
from sizer.io.sources.gguf import read_gguf, read_header
from sizer.models import ModelSpec
from tests.sources.files import TINY_LLAMA, tiny_llama_gguf, write_model_dir

HOSTILE = Path(__file__).parent / "data" / "hostile"
POSIX = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs and SIGALRM")
runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def one_error_line(result, code: int = 2) -> str:
    """The single stderr line of a refused input (exit `code`, nothing on stdout)."""
    assert result.exit_code == code, result.output
    assert result.stdout == ""
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1, result.stderr[:500]
    return result.stderr


@contextmanager
def deadline(seconds: float):
    """Fail (instead of hanging the test run) when the block is still running after `seconds`."""

    def fail(*_: object) -> None:
        raise TimeoutError(f"still running after {seconds} s")

    old = signal.signal(signal.SIGALRM, fail)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def sparse_gguf(path: Path, n_tensors: int, n_kv: int, size: int = 2 * 10**9, body: bytes = b"") -> Path:
    """A GGUF v3 header claiming the counts, then `body`, in a sparse file of `size` bytes (zeros)."""
    with path.open("wb") as f:
        f.write(b"GGUF" + struct.pack("<IQQ", 3, n_tensors, n_kv) + body)
        f.truncate(size)
    return path


# 1. Unbounded layer counts ------------------------------------------------------------------


def test_gguf_with_a_million_layers_is_refused_before_the_layout(tmp_path):
    path = tiny_llama_gguf(tmp_path / "m.gguf", extra={"block_count": 10**6})
    start = time.perf_counter()
    with pytest.raises(InputError, match=rf"llama\.block_count is 1000000, more than the {MAX_LAYERS} layers"):
        read_gguf(path)
    assert time.perf_counter() - start < 1.0


def test_estimate_of_a_million_layer_moe_gguf_exits_2_fast(tmp_path):
    extra = {"block_count": 10**6, "expert_count": 8, "expert_used_count": 2, "expert_feed_forward_length": 64}
    path = tiny_llama_gguf(tmp_path / "moe.gguf", extra=extra)
    start = time.perf_counter()
    for command in (("estimate", str(path), "--gpu", "RTX 4090"), ("catalog", "add", str(path))):
        assert "block_count is 1000000" in one_error_line(run(*command))
    assert time.perf_counter() - start < 2.0


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("layers", 10**9),
        ("hidden_size", 2**40),
        ("attention_heads", 10**6),
        ("vocab_size", 2**40),
        ("max_context", 10**30),
        ("params_total", 10**400),
    ],
)
def test_model_spec_bounds_every_architecture_number(field, value):
    good = read_yaml((HOSTILE / "million-layers.yaml").read_text(), "x")["models"][0] | {"layers": 2}
    ModelSpec.model_validate(good)
    with pytest.raises(ValidationError, match=field):
        ModelSpec.model_validate(good | {field: value})


def test_model_spec_bounds_experts():
    base = read_yaml((HOSTILE / "million-layers.yaml").read_text(), "x")["models"][0] | {"layers": 2}
    with pytest.raises(ValidationError, match=r"experts\.count"):
        ModelSpec.model_validate(base | {"experts": {"count": 10**6, "active": 2, "intermediate_size": 64}})


def test_user_catalog_entry_with_a_billion_layers_is_bad_input(monkeypatch, tmp_path):
    monkeypatch.setenv("SIZER_CONFIG_DIR", str(tmp_path))
    (tmp_path / "models.yaml").write_bytes((HOSTILE / "million-layers.yaml").read_bytes())
    with pytest.raises(
        CatalogError, match=rf"models\[huge\]\.layers: Input should be less than or equal to {MAX_LAYERS}$"
    ):
        load_user_models()
    result = run("catalog", "models")
    assert result.exit_code != 3 and "layers" in result.stderr, result.output  # never the internal error


def test_config_json_uses_the_same_layer_bound(tmp_path):
    directory = write_model_dir(tmp_path / "m", TINY_LLAMA)
    (directory / "config.json").write_text(json.dumps(TINY_LLAMA | {"num_hidden_layers": MAX_LAYERS + 1}))
    assert f"from 1 to {MAX_LAYERS}" in one_error_line(run("estimate", str(directory), "--gpu", "RTX 4090"))


# 3. YAML aliases ------------------------------------------------------------------------------


def test_billion_laughs_spec_exits_2_within_a_second():
    start = time.perf_counter()
    message = one_error_line(run("check", str(HOSTILE / "billion-laughs.yaml")))
    assert time.perf_counter() - start < 1.0
    assert "billion-laughs.yaml:2: invalid YAML: anchor &a refused" in message


def test_recursive_alias_exits_2_on_one_line():
    message = one_error_line(run("check", str(HOSTILE / "recursive-alias.yaml")))
    assert "recursive-alias.yaml:1: invalid YAML" in message and "&a" in message


@pytest.mark.parametrize("text", ["a: &x 1\nb: *x\n", "x: *nowhere\n", "base: &b {c: 1}\nother:\n  <<: *b\n"])
def test_aliases_and_anchors_are_refused_with_their_line(text):
    with pytest.raises(InputError, match=r"^f\.yaml:\d: invalid YAML: (alias|anchor)"):
        read_yaml(text, "f.yaml")


def test_deep_nesting_is_refused_not_a_recursion_error():
    message = one_error_line(run("check", str(HOSTILE / "deep-nesting.yaml")))
    assert "nested more than 64 levels deep" in message


def test_nesting_that_crashed_the_c_parser_is_refused(tmp_path):
    # 50,000 open brackets made yaml's C composer overflow the C stack (a segmentation fault).
    with pytest.raises(InputError, match="nested more than 64 levels"):
        read_yaml("a: " + "[" * 50_000, "f.yaml")


def test_values_yaml_cannot_build_are_input_errors():
    message = one_error_line(run("check", str(HOSTILE / "bad-date.yaml")))
    assert "bad-date.yaml:3: invalid YAML: cannot read the value (day is out of range for month)" in message
    for text in ("x: !!int zz", "x: !!bool maybe", "x: !!float a", "x: " + "9" * 5000):
        with pytest.raises(InputError, match=r"^f:1: invalid YAML: cannot read the value"):
            read_yaml(text, "f")


def test_hardware_yaml_refuses_aliases(tmp_path, mini_catalog):
    path = tmp_path / "host.yaml"
    path.write_text("gpus:\n  - &g {name: NVIDIA GeForce RTX 4090, memory_total_bytes: 25757220864}\n  - *g\n")
    with pytest.raises(InputError, match=r"host\.yaml:2: invalid YAML: anchor &g refused"):
        load_host(path, mini_catalog)


def test_spec_line_numbers_still_come_from_the_one_parse(tmp_path):
    path = tmp_path / "spec.yaml"
    path.write_text("hardware:\n  gpus:\n    - name: RTX 4090\nworkloads:\n  - model: llama-3.1-8b\n    context: 0\n")
    with pytest.raises(InputError, match=r"spec\.yaml:6: workloads\[0\]\.context"):
        load_spec(path)


# 4. Special files ------------------------------------------------------------------------------


@POSIX
def test_fifos_are_refused_without_blocking(tmp_path, mini_catalog):
    from sizer.io.sources._json import read_json_file
    from sizer.io.sources.safetensors import read_header as read_safetensors_header

    fifo = tmp_path / "pipe.gguf"
    os.mkfifo(fifo)
    with deadline(5):
        assert "a named pipe, not a regular file" in one_error_line(run("estimate", str(fifo), "--gpu", "RTX 4090"))
        assert "a named pipe" in one_error_line(run("estimate", "llama-3.1-8b", "--hardware", str(fifo)))
        assert "a named pipe" in one_error_line(run("check", str(fifo)))
        for read in (load_host, load_spec, read_header, read_safetensors_header, read_json_file):
            with pytest.raises(InputError, match="a named pipe, not a regular file"):
                read(fifo)


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
@pytest.mark.parametrize("command", [("estimate", "llama-3.1-8b", "--hardware"), ("check",), ("estimate",)])
def test_dev_zero_is_refused_unread(command):
    with deadline(5):
        assert "a character device, not a regular file" in one_error_line(run(*command, "/dev/zero"))


def test_a_directory_as_spec_or_hardware_file_is_bad_input(tmp_path):
    assert "a directory, not a regular file" in one_error_line(run("check", str(tmp_path)))
    with pytest.raises(InputError, match="a directory, not a regular file"):
        load_host(tmp_path)  # the CLI's --hardware option already refuses directories


@pytest.mark.parametrize(
    ("counts", "message"),
    [
        ({"n_tensors": (2 * 10**9 - 24) // 24, "n_kv": 0}, "83333332 tensors and 0 metadata entries; sizer reads"),
        ({"n_tensors": 0, "n_kv": (2 * 10**9 - 24) // 13}, "0 tensors and 153846152 metadata entries; sizer reads"),
    ],
)
def test_sparse_gguf_claiming_millions_fails_before_allocating(tmp_path, counts, message):
    path = sparse_gguf(tmp_path / "sparse.gguf", **counts)
    start = time.perf_counter()
    with pytest.raises(InputError, match=message):
        read_header(path)
    assert time.perf_counter() - start < 1.0


def test_sparse_gguf_with_a_huge_string_array_fails_before_walking_it(tmp_path):
    # One key holding an array of 250 million empty strings: the zeros of the sparse file.
    key = b"tokenizer.ggml.tokens"
    count = (2 * 10**9 - 200) // 8
    body = struct.pack("<Q", len(key)) + key + struct.pack("<IIQ", 9, 8, count)
    path = sparse_gguf(tmp_path / "strings.gguf", n_tensors=0, n_kv=1, body=body)
    start = time.perf_counter()
    with pytest.raises(InputError, match="past 2097152 strings and arrays"):
        read_header(path)
    assert time.perf_counter() - start < 1.0


def test_oversized_json_is_refused_unread(tmp_path):
    directory = write_model_dir(tmp_path / "m", TINY_LLAMA)
    with (directory / "config.json").open("wb") as f:  # sparse: 5 MiB of zeros
        f.truncate(5 * 2**20)
    message = one_error_line(run("estimate", str(directory), "--gpu", "RTX 4090"))
    assert "5242880 bytes, more than the 4194304 a config.json may have" in message


def test_hardware_json_with_a_5000_digit_number_is_bad_input(mini_catalog):
    # Found by benchmarks/fuzz.py: json raises a bare ValueError past 4,300 digits (it was exit 3).
    path = HOSTILE / "fuzz" / "hardware" / "5000-digit-number.json"
    with pytest.raises(InputError, match=r"5000-digit-number\.json: invalid JSON: Exceeds the limit \(4300 digits\)"):
        load_host(path, mini_catalog)


# 11. Messages cap what they echo -------------------------------------------------------------


def test_a_huge_config_json_gives_a_short_error_line(tmp_path):
    directory = write_model_dir(tmp_path / "m", TINY_LLAMA)
    for padding, value in ((15_600_000, "x" * 7_800_000), (0, "x" * 3_000_000)):
        cfg = TINY_LLAMA | {"num_hidden_layers": value, "pad": "y" * padding}
        (directory / "config.json").write_text(json.dumps(cfg))
        message = one_error_line(run("estimate", str(directory), "--gpu", "RTX 4090"))
        assert len(message) < 2 * MAX_ECHO_CHARS + len(str(directory)), len(message)


def test_a_huge_architecture_name_gives_a_short_warning(tmp_path):
    directory = write_model_dir(tmp_path / "m", TINY_LLAMA)
    (directory / "config.json").write_text(json.dumps(TINY_LLAMA | {"model_type": "z" * 1_000_000}))
    result = run("estimate", str(directory), "--gpu", "RTX 4090")
    assert result.exit_code == 0, result.output[:500]
    assert result.stderr.startswith("warning: ") and len(result.stderr) < 3 * MAX_ECHO_CHARS + len(str(directory))


def test_index_file_names_reach_the_terminal_escaped(tmp_path):
    directory = write_model_dir(tmp_path / "m", TINY_LLAMA)
    index = {"metadata": {}, "weight_map": {"w": "evil\n\x1b[31mred" + "q" * 220 + ".safetensors"}}
    (directory / "model.safetensors.index.json").write_text(json.dumps(index))
    message = one_error_line(run("estimate", str(directory), "--gpu", "RTX 4090"))
    assert "\x1b" not in message and "evil\\n\\x1b[31mred" in message and "q" * 220 not in message


def test_unknown_names_are_cut_short():
    message = one_error_line(run("estimate", "llama-3.1-8b", "--gpu", "\x1b[2J" + "g" * 10_000))
    assert "\x1b" not in message and len(message) < 3 * MAX_ECHO_CHARS


# 12. Silly answers ------------------------------------------------------------------------------


def test_a_gguf_with_no_tensors_is_not_a_model(tmp_path):
    path = tmp_path / "empty.gguf"
    path.write_bytes(b"GGUF" + struct.pack("<IQQ", 3, 0, 0))
    assert len(path.read_bytes()) == 24
    assert "has no tensors; not a model" in one_error_line(run("estimate", str(path), "--gpu", "RTX 4090"))


def test_an_empty_model_name_is_bad_input(tmp_path, monkeypatch):
    write_model_dir(tmp_path, TINY_LLAMA)  # the current directory is a model directory
    monkeypatch.chdir(tmp_path)
    for command in (
        ("estimate", "", "--gpu", "RTX 4090"),
        ("estimate", " ", "--gpu", "RTX 4090"),
        ("catalog", "add", ""),
    ):
        assert "the model name is empty" in one_error_line(run(*command))


@pytest.mark.parametrize(
    ("gpu", "message"),
    [
        ("0x RTX 4090", "GPU count must be from 1 to 4096, got 0"),
        ("5000x RTX 4090", "GPU count must be from 1 to 4096, got 5000"),
        ("9" * 200 + "x RTX 4090", "GPU count must be from 1 to 4096"),
        ("Apple M1 Max (32-core GPU, 0GB)", "memory (GB) must be from 1 to 10240, got 0"),
        ("Apple M1 Max (32-core GPU, 99999999999GB)", "memory (GB) must be from 1 to 10240"),
    ],
    ids=["zero", "too-many", "many-digits", "no-memory", "huge-memory"],
)
def test_silly_gpu_names_are_bad_input(gpu, message):
    assert message in one_error_line(run("estimate", "llama-3.1-8b", "--gpu", gpu))


def test_sane_gpu_names_still_resolve():
    data = json.loads(run("estimate", "llama-3.1-8b", "--gpu", "2x RTX 4090", "--json").stdout)
    assert data["gpu_count"] == 2
    apple = run("estimate", "llama-3.1-8b", "--gpu", "Apple M1 Max (32-core GPU, 32GB)", "--json")
    assert json.loads(apple.stdout)["available_bytes"] < 32 * 2**30 < 64 * 2**30


def test_context_beyond_the_model_warns_in_estimate():
    result = run("estimate", "llama-3.1-8b", "--gpu", "H200 SXM", "--context", "200000")
    assert result.exit_code == 0, result.output
    assert result.stderr == "warning: llama-3.1-8b supports 131,072 tokens, not 200,000 (--context); sized as asked\n"
    quiet = run("estimate", "llama-3.1-8b", "--gpu", "H200 SXM", "--context", "131072")
    assert quiet.exit_code == 0 and quiet.stderr == ""


if sys.platform == "win32":  # pragma: no cover - FIFOs and SIGALRM are POSIX
    pytest.skip("POSIX special files", allow_module_level=True)
