"""The user catalog under stress: concurrent `catalog add`, read-only and symlinked files, a corrupt
file (commands warn and go on; `catalog repair` moves it aside), and the same safe write for --report."""

from __future__ import annotations

import json
import os
import re
import stat
import threading
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sizer.cli.app import app
from tests.sources.files import TINY_LLAMA, tiny_llama_gguf, write_model_dir

runner = CliRunner()
HINT = "run `sizer catalog repair` to move it aside"
BROKEN = {
    "invalid YAML": "models:\n  - id: x\n    name: [unclosed\n",
    "fails validation": "models:\n  - id: x\n    name: X\n",
    "not a mapping": "- 1\n- 2\n",
}


def run(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


@pytest.fixture
def config(tmp_path, monkeypatch) -> Path:
    directory = tmp_path / "config"
    directory.mkdir()
    monkeypatch.setenv("SIZER_CONFIG_DIR", str(directory))
    return directory


def _entries(path: Path) -> list[str]:
    import yaml

    return [m["id"] for m in yaml.safe_load(path.read_text())["models"]]


# Concurrent adds (issue item 2): the suite runs 3 trials of 20 threads; benchmarks/concurrent_add.py
# runs 10 trials of 20 separate processes.


def _add_concurrently(sources: list[Path]) -> list[BaseException]:
    from sizer.cli.commands import catalog

    errors: list[BaseException] = []
    start = threading.Barrier(len(sources))

    def add(source: Path) -> None:
        try:
            start.wait()
            catalog.add(source=str(source), model_id=None, output_format=None, json_out=True)
        except BaseException as exc:  # typer.Exit included: every add must succeed
            errors.append(exc)

    threads = [threading.Thread(target=add, args=(s,)) for s in sources]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return errors


def test_twenty_concurrent_adds_keep_all_twenty_entries(tmp_path, monkeypatch, capsys):
    sources = [tiny_llama_gguf(tmp_path / f"Tiny-{i:02d}-Q8_0.gguf") for i in range(10)]
    sources += [write_model_dir(tmp_path / f"dir-{i:02d}", TINY_LLAMA) for i in range(10)]
    expected = sorted([f"tiny-{i:02d}-q8-0" for i in range(10)] + [f"dir-{i:02d}" for i in range(10)])
    for trial in range(3):
        directory = tmp_path / f"config-{trial}"
        monkeypatch.setenv("SIZER_CONFIG_DIR", str(directory))
        assert _add_concurrently(sources) == []
        assert sorted(_entries(directory / "models.yaml")) == expected, trial
        assert sorted(p.name for p in directory.iterdir()) == ["models.yaml", "models.yaml.lock"]  # no temp left
    capsys.readouterr()


# Writes keep what the user set up (item 13)


def test_read_only_catalog_is_refused_and_left_as_it_is(config, tmp_path):
    path = tiny_llama_gguf(tmp_path / "Tiny-Q8_0.gguf")
    assert run("catalog", "add", str(path), "--id", "first").exit_code == 0
    catalog = config / "models.yaml"
    catalog.chmod(0o444)
    before = catalog.read_text()
    result = run("catalog", "add", str(path), "--id", "second")
    assert result.exit_code == 2, result.output
    assert result.stderr.count("\n") == 1 and result.stderr.startswith(f"error: {catalog}: the file is read-only")
    assert catalog.read_text() == before and stat.S_IMODE(catalog.stat().st_mode) == 0o444


def test_catalog_keeps_its_mode_and_a_symlink_stays_a_symlink(config, tmp_path):
    real = tmp_path / "dotfiles" / "sizer-models.yaml"
    real.parent.mkdir()
    real.write_text("models: []\n")
    real.chmod(0o640)
    link = config / "models.yaml"
    link.symlink_to(real)
    path = tiny_llama_gguf(tmp_path / "Tiny-Q8_0.gguf")
    assert run("catalog", "add", str(path)).exit_code == 0
    assert link.is_symlink() and link.resolve() == real.resolve()
    assert _entries(real) == ["tiny-q8-0"]
    assert stat.S_IMODE(real.stat().st_mode) == 0o640
    assert sorted(p.name for p in real.parent.iterdir()) == ["sizer-models.yaml", "sizer-models.yaml.lock"]


def test_new_catalog_gets_the_umask_mode(config, tmp_path):
    old = os.umask(0o027)
    try:
        assert run("catalog", "add", str(tiny_llama_gguf(tmp_path / "Tiny-Q8_0.gguf"))).exit_code == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE((config / "models.yaml").stat().st_mode) == 0o640


def test_report_is_written_through_a_symlink_and_refused_when_read_only(tmp_path):
    real = tmp_path / "site" / "report.html"
    real.parent.mkdir()
    real.write_text("old")
    real.chmod(0o664)
    link = tmp_path / "report.html"
    link.symlink_to(real)
    args = ["recommend", "--gpu", "RTX 4090", "--top", "1", "--json", "--report"]
    result = run(*args, str(link))
    assert result.exit_code == 0, result.output
    assert link.is_symlink() and real.read_text().startswith("<!DOCTYPE html>")
    assert stat.S_IMODE(real.stat().st_mode) == 0o664
    real.chmod(0o444)
    refused = run(*args, str(link))
    assert refused.exit_code == 2 and "the file is read-only" in refused.stderr
    assert real.read_text().startswith("<!DOCTYPE html>")


# A corrupt user catalog (item 9)


@pytest.mark.parametrize("text", BROKEN.values(), ids=BROKEN.keys())
def test_corrupt_catalog_warns_once_and_shipped_models_still_answer(config, text):
    (config / "models.yaml").write_text(text)
    result = run("estimate", "llama-3.1-8b", "--gpu", "RTX 4090", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["model"] == "llama-3.1-8b"
    assert result.stderr.count("\n") == 1 and result.stderr.startswith(f"warning: {config / 'models.yaml'}")
    assert HINT in result.stderr and "using the shipped catalog" in result.stderr


def test_corrupt_catalog_warning_says_what_is_wrong(config):
    (config / "models.yaml").write_text(BROKEN["fails validation"])
    result = run("estimate", "llama-3.1-8b", "--gpu", "RTX 4090")
    assert result.exit_code == 0
    assert "models[x].params_total: Field required" in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["catalog", "models", "--json"],
        ["catalog", "gpus", "--json"],
        ["recommend", "--gpu", "RTX 4090", "--top", "1", "--json"],
        ["check", "tests/data/specs/pass.yaml", "--json"],
        ["probe", "--json"],
    ],
    ids=lambda a: " ".join(a[:2]),
)
def test_every_command_that_reads_the_catalog_goes_on(config, args, fake_nvml):
    fake_nvml()
    (config / "models.yaml").write_text(BROKEN["invalid YAML"])
    result = runner.invoke(app, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    json.loads(result.stdout)
    assert result.stderr.count(HINT) == 1, result.stderr


def test_add_refuses_a_corrupt_catalog_and_repair_moves_it_aside(config, tmp_path):
    catalog = config / "models.yaml"
    catalog.write_text(BROKEN["fails validation"])
    source = str(tiny_llama_gguf(tmp_path / "Tiny-Q8_0.gguf"))
    refused = run("catalog", "add", source)
    assert refused.exit_code == 2 and refused.stderr.count("\n") == 1
    assert refused.stderr.startswith(f"error: {catalog}") and HINT in refused.stderr
    assert catalog.read_text() == BROKEN["fails validation"]  # never overwritten

    repaired = run("catalog", "repair")
    assert repaired.exit_code == 0, repaired.output
    (moved,) = config.glob("models.yaml.bad-*")
    assert re.fullmatch(r"models\.yaml\.bad-\d{8}-\d{6}", moved.name)
    assert moved.read_text() == BROKEN["fails validation"] and not catalog.exists()
    assert (
        repaired.stdout == f"moved {catalog} aside to {moved}: it does not load; `sizer catalog add` starts a new one\n"
    )

    assert run("catalog", "add", source).exit_code == 0
    assert _entries(catalog) == ["tiny-q8-0"]
    again = run("catalog", "repair", "--json")
    assert json.loads(again.stdout) == {"path": str(catalog), "moved_to": None, "problem": None}


def test_repair_with_nothing_to_repair(config):
    result = run("catalog", "repair")
    assert result.exit_code == 0 and result.stdout == f"{config / 'models.yaml'}: does not exist; nothing to repair\n"


def test_repair_reports_the_problem_in_json_and_keeps_an_earlier_bad_file(config):
    catalog = config / "models.yaml"
    for text in (BROKEN["invalid YAML"], BROKEN["not a mapping"]):
        catalog.write_text(text)
        data = json.loads(run("catalog", "repair", "--json").stdout)
        assert data["problem"].startswith(str(catalog)) and Path(data["moved_to"]).read_text() == text
    assert len(list(config.glob("models.yaml.bad-*"))) == 2
