"""Hub repos through a local Hugging Face cache built by the test (offline) or a mocked HfApi; never the network."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from sizer.errors import HubError
from sizer.io.sources import read_hub
from tests.sources.files import TINY_LLAMA, populate_hf_cache

REV = "0123456789abcdef0123456789abcdef01234567"


@pytest.fixture
def hf_cache(tmp_path, monkeypatch):
    """An offline huggingface_hub whose cache is tmp_path/hub."""
    from huggingface_hub import constants

    cache = tmp_path / "hub"
    cache.mkdir()
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(cache))
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    return cache


def test_offline_reads_config_from_the_cache(hf_cache):
    populate_hf_cache(hf_cache, "acme/Tiny-Llama", TINY_LLAMA, REV)
    built = read_hub("acme/Tiny-Llama")
    spec = built.spec
    assert (spec.id, spec.name, spec.hf_repo, spec.source) == (
        "acme-tiny-llama",
        "acme/Tiny-Llama",
        "acme/Tiny-Llama",
        "hf:acme/Tiny-Llama",
    )
    assert (spec.layers, spec.hidden_size, spec.kv_heads) == (2, 64, 2)
    assert spec.file_weights is None  # offline: no safetensors metadata
    assert len(built.warnings) == 1 and "offline" in str(built.warnings[0])


def test_revision_is_part_of_id_and_lookup(hf_cache):
    populate_hf_cache(hf_cache, "acme/Tiny-Llama", TINY_LLAMA, REV, ref="v1")
    spec = read_hub("acme/Tiny-Llama", "v1").spec
    assert spec.id == "acme-tiny-llama-v1" and spec.source == "hf:acme/Tiny-Llama@v1"
    assert read_hub("acme/Tiny-Llama", REV).spec.layers == 2


def test_offline_and_not_cached_is_one_clear_line(hf_cache):
    with pytest.raises(HubError, match="not in the local Hugging Face cache") as info:
        read_hub("acme/Missing")
    assert "\n" not in str(info.value)


def test_safetensors_metadata_gives_counts_and_file_weights(hf_cache, monkeypatch):
    import huggingface_hub
    from huggingface_hub import constants

    from sizer.io import hub

    snapshot = populate_hf_cache(hf_cache, "acme/Tiny-Llama", TINY_LLAMA, REV)
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setattr(hub, "reachable", lambda endpoint: True)  # the mocked Hub is there; no network
    monkeypatch.setattr(huggingface_hub, "hf_hub_download", lambda *a, **k: str(snapshot / "config.json"))
    calls = []

    def metadata(self, repo_id, revision=None, **kwargs):
        calls.append((repo_id, revision))
        return SimpleNamespace(parameter_count={"BF16": 100_000, "F32": 500})

    monkeypatch.setattr(huggingface_hub.HfApi, "get_safetensors_metadata", metadata)
    built = read_hub("acme/Tiny-Llama", "main")
    assert calls == [("acme/Tiny-Llama", "main")]
    assert built.warnings == ()
    assert built.spec.params_total == 100_500
    assert built.spec.file_weights.model_dump() == {
        "quant": "BF16",
        "total_bytes": 2 * 100_000 + 4 * 500,
        "source": "hf:acme/Tiny-Llama@main",
    }


@pytest.mark.parametrize(
    ("error", "message"),
    [("GatedRepoError", "gated repository"), ("RepositoryNotFoundError", "no such model")],
)
def test_hub_errors_become_hub_errors(monkeypatch, error, message):
    import huggingface_hub
    from huggingface_hub import errors

    def fail(*args, **kwargs):
        response = SimpleNamespace(headers={}, request=None, status_code=401)
        raise getattr(errors, error)("401 Client Error", response=response)

    monkeypatch.setattr(huggingface_hub, "hf_hub_download", fail)
    with pytest.raises(HubError, match=message) as info:
        read_hub("acme/Gated")
    assert info.value.exit_code == 2


def test_cli_end_to_end_in_a_fresh_process(tmp_path):
    """The real CLI with HF_HUB_CACHE and HF_HUB_OFFLINE=1 as a user would set them."""
    cache = tmp_path / "hub"
    populate_hf_cache(cache, "acme/Tiny-Llama", TINY_LLAMA, REV)
    env = {**os.environ, "HF_HUB_CACHE": str(cache), "HF_HUB_OFFLINE": "1", "SIZER_CONFIG_DIR": str(tmp_path)}
    root = Path(__file__).resolve().parents[2]
    cmd = [sys.executable, "-m", "sizer", "estimate", "acme/Tiny-Llama", "--gpu", "RTX 4090", "--json"]
    result = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=root, timeout=60)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["model"] == "acme-tiny-llama"
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("warning: acme/Tiny-Llama: offline")
    missing = subprocess.run([*cmd[:4], "acme/Missing", *cmd[5:]], capture_output=True, text=True, env=env, cwd=root)
    assert missing.returncode == 2
    assert missing.stderr.count("\n") == 1 and missing.stderr.startswith("error: acme/Missing: config.json is not")


# Without a network, or with a Hub that never answers (issue 10, item 8). Only 127.0.0.1 is used.


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def silent_endpoint(lifetime_s: float = 30.0):
    """An HTTP endpoint on 127.0.0.1 that accepts connections and never answers (for `lifetime_s` at most)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    server.settimeout(0.1)
    stop = threading.Event()
    held = []

    def serve():
        deadline = time.monotonic() + lifetime_s
        while not stop.is_set() and time.monotonic() < deadline:
            try:
                held.append(server.accept()[0])
            except OSError:
                continue
        for conn in held:
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(5)
        server.close()


@pytest.fixture
def online_hub(tmp_path, monkeypatch):
    """huggingface_hub online (HF_HUB_OFFLINE unset) with an empty cache; set_endpoint points it at 127.0.0.1."""
    from huggingface_hub import constants

    cache = tmp_path / "hub"
    cache.mkdir()
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(cache))
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)

    def set_endpoint(url: str) -> Path:
        monkeypatch.setattr(constants, "ENDPOINT", url)
        return cache

    return set_endpoint


def test_no_route_fails_at_once_with_sizers_own_line(tmp_path):
    """estimate of a repo-like name waited 24 s through five retries, printing the library's warnings."""
    env = {k: v for k, v in os.environ.items() if k != "HF_HUB_OFFLINE"}
    env |= {"HF_ENDPOINT": f"http://127.0.0.1:{_closed_port()}", "HF_HUB_CACHE": str(tmp_path / "hub")}
    env |= {"SIZER_CONFIG_DIR": str(tmp_path)}
    root = Path(__file__).resolve().parents[2]
    cmd = [sys.executable, "-m", "sizer", "estimate", "meta/llama-3.1-8bb", "--gpu", "RTX 4090"]
    start = time.monotonic()
    result = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=root, timeout=120)
    waited = time.monotonic() - start
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1 and result.stderr.startswith(
        "error: meta/llama-3.1-8bb: config.json is not in the local Hugging Face cache and the Hub cannot be reached"
    ), result.stderr
    assert waited < 15, waited  # start-up included, on a loaded machine; it was 24 s of retries


def test_no_route_still_reads_the_cache_and_skips_the_metadata(online_hub):
    cache = online_hub(f"http://127.0.0.1:{_closed_port()}")
    populate_hf_cache(cache, "acme/Tiny-Llama", TINY_LLAMA, REV)
    start = time.monotonic()
    built = read_hub("acme/Tiny-Llama")
    assert time.monotonic() - start < 5  # the metadata call retried for 24 s
    assert built.spec.layers == 2
    assert tuple(map(str, built.warnings)) == (
        "acme/Tiny-Llama: offline, so no safetensors metadata; parameters counted from config.json",
    )


def test_a_silent_endpoint_gives_up_within_the_hub_timeout(online_hub, monkeypatch, capsys):
    from typer.testing import CliRunner

    from sizer.cli.app import app
    from sizer.io import hub

    monkeypatch.setattr(hub, "HUB_TIMEOUT_S", 1.0)
    with silent_endpoint() as url:
        online_hub(url)
        start = time.monotonic()
        result = CliRunner().invoke(app, ["catalog", "add", "acme/Tiny-Llama"], catch_exceptions=False)
        waited = time.monotonic() - start
    assert result.exit_code == 2, result.output
    assert result.stderr == (
        f"error: acme/Tiny-Llama: {url} did not answer within 1 s; try again later, "
        "or set HF_HUB_OFFLINE=1 to use only the local Hugging Face cache\n"
    )
    assert waited < 10, waited  # it waited past 180 s
    assert "Retrying" not in capsys.readouterr().err


def test_reachable_is_false_for_a_closed_port_and_true_for_a_listener():
    from sizer.io.hub import reachable

    assert reachable(f"http://127.0.0.1:{_closed_port()}") is False
    with silent_endpoint() as url:
        assert reachable(url) is True
