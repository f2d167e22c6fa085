"""The cache of validated shipped catalogs: same objects as parsing, and any trouble with it
(missing, stale, corrupt, unreadable, unwritable) costs only a parse, never a failed command."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from sizer.io import cache, loaders
from sizer.models import Currency


@pytest.fixture
def fresh(monkeypatch, tmp_path):
    """Empty in-process caches, and a copy of the shipped data directory the test may edit."""
    data = tmp_path / "data"
    shutil.copytree(loaders.data_dir(), data)
    monkeypatch.setattr(loaders, "data_dir", lambda: data)
    loaders.load_shipped_catalog.cache_clear()
    loaders.load_cost_settings.cache_clear()
    yield data
    loaders.load_shipped_catalog.cache_clear()
    loaders.load_cost_settings.cache_clear()


def _parsed():
    models, models_origin = loaders._shipped_text("model_catalog.yaml")
    gpus, gpus_origin = loaders._shipped_text("gpu_catalog.yaml")
    quality, quants = loaders._shipped_text("model_quality.yaml"), loaders._shipped_text("quant_quality.yaml")
    prices = loaders._shipped_text(loaders.PRICES_FILE)
    return loaders.catalog_from_yaml(models, gpus, models_origin, gpus_origin, quality, quants, prices)


def _entries(kind: str) -> list[Path]:
    return sorted(cache.cache_dir().glob(f"{kind}-*.json"))


def _no_parsing(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("parsed the YAML although the cache holds the catalogs")

    monkeypatch.setattr(loaders, "read_yaml", refuse)


def test_second_load_comes_from_the_cache_and_equals_the_parse(fresh, monkeypatch):
    first = loaders.load_shipped_catalog()
    assert len(_entries("catalog")) == 1
    loaders.load_shipped_catalog.cache_clear()
    _no_parsing(monkeypatch)
    cached = loaders.load_shipped_catalog()
    assert cached is not first
    assert cached.models == first.models
    assert cached.gpus == first.gpus
    # The same fields count as set, so a dump with exclude_unset (the user catalog's) is unchanged.
    assert [m.model_fields_set for m in cached.models] == [m.model_fields_set for m in first.models]
    assert cached.model("llama-3.1-8b").layers == 32
    assert cached.gpu("RTX 4090").vram_gib == 24


def test_cached_cost_settings_equal_the_parsed_ones_in_each_currency(fresh, monkeypatch):
    parsed = {c: loaders.load_cost_settings(c.value) for c in Currency}
    assert {p.name.split("-")[1] for p in cache.cache_dir().glob("costs-*.json")} == {"EUR", "USD"}
    loaders.load_cost_settings.cache_clear()
    _no_parsing(monkeypatch)
    for currency, settings in parsed.items():
        cached = loaders.load_cost_settings(currency.value)
        assert cached == settings
        assert cached.currency is currency
    assert parsed[Currency.USD].base_system(1).price != parsed[Currency.EUR].base_system(1).price


def test_an_edited_catalog_file_is_parsed_again(fresh):
    loaders.load_shipped_catalog()
    [old] = _entries("catalog")
    models = fresh / "model_catalog.yaml"
    text = models.read_text(encoding="utf-8")
    assert "name: Llama 3.1 8B\n" in text
    models.write_text(text.replace("name: Llama 3.1 8B\n", "name: Llama 3.1 8B edited\n", 1), encoding="utf-8")
    loaders.load_shipped_catalog.cache_clear()
    assert loaders.load_shipped_catalog().model("llama-3.1-8b").name == "Llama 3.1 8B edited"
    assert old in _entries("catalog")
    assert len(_entries("catalog")) == 2


def test_only_the_newest_entries_of_a_kind_are_kept(fresh):
    import os

    for i in range(cache.KEEP_PER_KIND + 2):
        cache.write_entry("thing", f"k{i}", {"i": i})
        os.utime(cache.cache_dir() / f"thing-k{i}.json", (1000 + i, 1000 + i))  # distinct ages
    cache.write_entry("other", "k0", {})
    cache.write_entry("thing", "k0", {"i": "again"})  # rewritten: now the newest
    kept = {p.name for p in _entries("thing")}
    assert kept == {"thing-k0.json", *(f"thing-k{i}.json" for i in range(3, cache.KEEP_PER_KIND + 2))}
    assert len(kept) == cache.KEEP_PER_KIND
    assert _entries("other")  # another kind is left alone


def test_the_key_follows_the_version_and_each_file(fresh, monkeypatch):
    key = loaders._shipped_key("model_catalog.yaml", "gpu_catalog.yaml")
    assert key == loaders._shipped_key("model_catalog.yaml", "gpu_catalog.yaml")
    assert key != loaders._shipped_key("model_catalog.yaml")
    monkeypatch.setattr(loaders, "__version__", "0.0.0-other")
    assert key != loaders._shipped_key("model_catalog.yaml", "gpu_catalog.yaml")


def test_the_catalog_key_covers_the_prices_file(fresh):
    assert "gpu_prices.yaml" in loaders.SHIPPED_CATALOG_FILES
    before = loaders._shipped_key(*loaders.SHIPPED_CATALOG_FILES)
    first = loaders.load_shipped_catalog().gpu("rtx-4090").price
    assert first is not None
    prices = fresh / "gpu_prices.yaml"
    text = prices.read_text(encoding="utf-8")
    marker = "\n  rtx-4090:\n    amount: "
    assert marker in text
    start = text.index(marker) + len(marker)
    end = text.index("\n", start)
    prices.write_text(text[:start] + "1234" + text[end:], encoding="utf-8")  # a new price, same layout
    assert loaders._shipped_key(*loaders.SHIPPED_CATALOG_FILES) != before
    loaders.load_shipped_catalog.cache_clear()
    assert loaders.load_shipped_catalog().gpu("rtx-4090").price.amount == 1234  # re-parsed, not the old entry


@pytest.mark.parametrize(
    "content",
    [
        b"{not json",
        b"\xff\xfe",
        b"[]",
        b'{"models": [{"id": "x"}], "gpus": []}',  # valid JSON, not valid entries
        b'{"models": [], "gpu": []}',
        json.dumps({"models": [], "gpus": [{"id": "a", "name": "x"}]}).encode(),
        b"[" * 100_000,
        b'{"models": [], "gpus": [], "quant_losses": [], "models": NaN}',
    ],
    ids=["truncated", "not-utf8", "not-a-mapping", "invalid-entry", "missing-key", "invalid-gpu", "deep", "nan"],
)
def test_a_damaged_entry_is_replaced_by_a_parse(fresh, content):
    expected = _parsed()
    loaders.load_shipped_catalog()
    [entry] = _entries("catalog")
    entry.write_bytes(content)
    loaders.load_shipped_catalog.cache_clear()
    assert loaders.load_shipped_catalog().models == expected.models
    assert json.loads(entry.read_bytes())["models"][0]["id"] == expected.models[0].id  # written again


def test_damaged_cost_settings_are_replaced_by_a_parse(fresh):
    expected = loaders.load_cost_settings("EUR")
    [entry] = _entries("costs-EUR")
    document = json.loads(entry.read_bytes())
    entry.write_text(json.dumps({**document, "currency": "USD"}))  # an entry for the wrong currency
    loaders.load_cost_settings.cache_clear()
    assert loaders.load_cost_settings("EUR") == expected
    entry.write_text(json.dumps({**document, "utilisation_frac": 7}))  # out of range
    loaders.load_cost_settings.cache_clear()
    assert loaders.load_cost_settings("EUR") == expected


def test_an_unwritable_cache_directory_never_fails_a_load(fresh, monkeypatch, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("SIZER_CACHE_DIR", str(blocker / "cache"))  # mkdir fails even for root
    assert loaders.load_shipped_catalog().models == _parsed().models
    assert loaders.load_cost_settings("EUR").currency is Currency.EUR
    assert not (blocker / "cache").exists()


def test_an_unreadable_entry_never_fails_a_load(fresh):
    key = loaders._shipped_key(*loaders.SHIPPED_CATALOG_FILES)
    entry = cache.cache_dir() / f"catalog-{key}.json"
    entry.mkdir(parents=True)  # reading and replacing a directory both fail
    assert loaders.load_shipped_catalog().models == _parsed().models
    assert entry.is_dir()
    assert not list(cache.cache_dir().glob(".catalog-*"))  # no temporary file left behind


def test_an_oversized_entry_is_ignored_unread(fresh, monkeypatch):
    monkeypatch.setattr(cache, "MAX_ENTRY_BYTES", 10)
    cache.write_entry("thing", "k", {"a": "more than ten bytes"})
    assert cache.read_entry("thing", "k") is None
    monkeypatch.setattr(cache, "MAX_ENTRY_BYTES", 1000)
    assert cache.read_entry("thing", "k") == {"a": "more than ten bytes"}


def test_cache_dir_is_the_env_override_else_the_platform_cache_dir(monkeypatch, tmp_path):
    import platformdirs

    monkeypatch.setenv("SIZER_CACHE_DIR", str(tmp_path / "here"))
    assert cache.cache_dir() == tmp_path / "here"
    monkeypatch.delenv("SIZER_CACHE_DIR")
    assert cache.cache_dir() == Path(platformdirs.user_cache_dir("sizer"))


def test_keys_do_not_collide_when_parts_shift():
    assert cache.cache_key([b"ab", b"c"]) != cache.cache_key([b"a", b"bc"])
    assert cache.cache_key([b"ab", b"c"]) == cache.cache_key([b"ab", b"c"])


def test_estimate_and_recommend_print_the_same_json_from_a_cold_and_a_warm_cache(fresh):
    from typer.testing import CliRunner

    from sizer.cli.app import app

    commands = (
        ["estimate", "llama-3.1-8b", "--gpu", "RTX 4090", "--json"],
        ["recommend", "--gpu", "RTX 4090", "--budget", "5000", "--currency", "USD", "--json"],
    )
    outputs = []
    for _ in ("cold", "warm"):
        loaders.load_shipped_catalog.cache_clear()
        loaders.load_cost_settings.cache_clear()
        results = [CliRunner().invoke(app, args, catch_exceptions=False) for args in commands]
        assert [r.exit_code for r in results] == [0, 0], [r.output for r in results]
        outputs.append([r.stdout for r in results])
        assert _entries("catalog") and _entries("costs-USD")
    assert outputs[0] == outputs[1]
    assert json.loads(outputs[0][0])["model"] == "llama-3.1-8b"
