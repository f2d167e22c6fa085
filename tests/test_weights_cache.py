"""Weight layouts kept between runs (sizer/io/weights_cache.py): a second run takes the first
run's answers without laying anything out, and an entry that is damaged or for other models costs
only the layout, never a wrong answer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sizer.core import memory
from sizer.core.quant import resolve_quant
from sizer.io import cache, weights_cache
from sizer.io.loaders import load_shipped_catalog

PACKAGE = Path(weights_cache.__file__).resolve().parents[1]
PAIRS = [("llama-3.1-8b", "Q4_K_M"), ("mixtral-8x7b", "Q8_0"), ("gemma-3-12b", "F16")]


def _forget() -> None:
    """A new process, as far as `weights` knows."""
    memory.weights._memo.clear()
    memory.weights.__wrapped__.cache_clear()


@pytest.fixture
def fresh(monkeypatch, tmp_path):
    monkeypatch.setenv("SIZER_CACHE_DIR", str(tmp_path))
    _forget()
    yield tmp_path
    _forget()


def _lay_out() -> dict[tuple[str, str], memory.WeightSummary]:
    catalog = load_shipped_catalog()
    return {(m, q): memory.weights(catalog.model(m), resolve_quant(q)) for m, q in PAIRS}


def _no_layout(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("laid the weights out although the cache holds them")

    monkeypatch.setattr(memory, "_tensor_groups", refuse)


def _entry(directory: Path) -> Path:
    (path,) = directory.glob(f"{weights_cache.KIND}-*.json")
    return path


def test_a_second_run_takes_the_first_runs_layouts(fresh, monkeypatch):
    with weights_cache.remembered_weights():
        first = _lay_out()
    assert len(json.loads(_entry(fresh).read_text())["weights"]) == len(PAIRS)
    _forget()
    _no_layout(monkeypatch)
    with weights_cache.remembered_weights():
        assert _lay_out() == first


def test_a_run_with_nothing_new_leaves_the_entry_as_it_was(fresh, monkeypatch):
    with weights_cache.remembered_weights():
        _lay_out()
    path = _entry(fresh)
    before = path.stat().st_mtime_ns, path.read_bytes()
    _forget()
    written = []
    monkeypatch.setattr(cache, "write_entry", lambda *a: written.append(a))
    with weights_cache.remembered_weights():
        _lay_out()
    assert written == []
    assert (path.stat().st_mtime_ns, path.read_bytes()) == before


@pytest.mark.parametrize(
    "damage",
    [
        lambda row: row.__setitem__(3, [[row[3][0][0], row[3][0][1] + 1], *row[3][1:]]),  # one layer too many
        lambda row: row.__setitem__(2, -1),  # negative bytes
        lambda row: row.__setitem__(6, float("nan")),
        lambda row: row.__setitem__(2, "many"),
        lambda row: row.__setitem__(1, "Q9_X"),  # no such format
        lambda row: row.pop(),
        lambda row: row.__setitem__(0, ["not", "an", "id"]),
    ],
)
def test_a_damaged_row_is_laid_out_again(fresh, damage):
    with weights_cache.remembered_weights():
        truth = _lay_out()
    path = _entry(fresh)
    document = json.loads(path.read_text())
    for row in document["weights"]:
        damage(row)
    path.write_text(json.dumps(document))  # NaN allowed: json writes it as a bare word
    _forget()
    with weights_cache.remembered_weights():
        assert _lay_out() == truth


@pytest.mark.parametrize("text", ["", "[]", '{"weights": 3}', '{"weights": [null, 1, "x"]}', "{" * 10_000])
def test_an_entry_that_is_no_table_costs_only_the_layout(fresh, text):
    with weights_cache.remembered_weights():
        truth = _lay_out()
    _entry(fresh).write_text(text)
    _forget()
    with weights_cache.remembered_weights():
        assert _lay_out() == truth


def test_a_model_the_user_changed_is_laid_out_again(fresh):
    """An answer is for the shipped object only: a user entry with the shipped id is another model."""
    with weights_cache.remembered_weights():
        _lay_out()
    _forget()
    shipped = load_shipped_catalog().model("llama-3.1-8b")
    changed = shipped.model_copy(update={"layers": 16})
    with weights_cache.remembered_weights():
        summary = memory.weights(changed, resolve_quant("Q4_K_M"))
    assert len(summary.layer_bytes) == 16


def test_the_key_follows_the_code_that_lays_weights_out():
    """Each module named in the key exists, so a rename cannot drop it from the key unnoticed."""
    for module in weights_cache.CODE:
        assert (PACKAGE / module).is_file(), module
    assert {"core/memory.py", "core/quant.py"} <= set(weights_cache.CODE)
