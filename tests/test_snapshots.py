"""Snapshots: the exact text output of each command at 80 and 120 columns, in English and German.

Each file under tests/snapshots/ is what a user sees in a terminal of that width (stdout and
stderr as they interleave). A change to the output fails here until the snapshots are rewritten:

    PYTHONPATH=$PWD python -m pytest tests/test_snapshots.py --update-snapshots

then read the diff (`git diff tests/snapshots/`) as a user would before committing it.

The output is made deterministic: COLUMNS fixed, no colour (not a terminal, NO_COLOR), an empty
user catalog and calibration directory (tests/conftest.py), the fake NVML of tests/fakes/ and a
fixed CPU, RAM and disk for `probe`. No text output prints the date (the HTML report does; its
tests pass `today`).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sizer.io.hardware import system
from sizer.models.host import CpuInfo, DiskInfo, MemoryInfo
from sizer.units import GiB
from tests.fakes.pynvml import rtx4090

ROOT = Path(__file__).resolve().parent.parent
SNAPSHOTS = Path(__file__).resolve().parent / "snapshots"
TEAM_CHAT = "docs/examples/team-chat.yaml"  # relative: the snapshot must not hold this checkout's path

# command name -> (argv, expected exit code)
COMMANDS: dict[str, tuple[tuple[str, ...], int]] = {
    "recommend": (("recommend", "--gpu", "RTX 4090", "--headcount", "30", "--budget", "10000", "--top", "2"), 0),
    "estimate": (
        (
            *("estimate", "llama-3.1-8b", "--gpu", "RTX 4090", "--batch", "4", "--context", "8192"),
            *("--prompt-tokens", "1000", "--output-tokens", "200", "--headcount", "20", "--requests-per-hour", "6"),
        ),
        0,
    ),
    "probe": (("probe",), 0),
    "check": (("check", TEAM_CHAT), 1),  # the example spec has offers that fall short
    "catalog": (("catalog", "gpus", "--vendor", "intel"), 0),
    "deploy": (("deploy", "llama-3.1-8b", "--gpu", "RTX 4090", "--engine", "llama.cpp", "--format", "shell"), 0),
}
WIDTHS = (80, 120)
LANGS = ("en", "de")


@pytest.fixture
def fixed_host(monkeypatch, fake_nvml):
    """Two RTX 4090s (one holding 6 GiB) in a machine whose CPU, RAM and disk are fixed."""
    fake_nvml(rtx4090(0), rtx4090(1, process_bytes=(6 * GiB,)))
    monkeypatch.setattr(system, "_os_name", lambda: "Ubuntu 24.04.1 LTS")
    cpu = CpuInfo(model="AMD EPYC 9124 16-Core Processor", physical_cores=16, logical_cores=32, arch="x86_64")
    monkeypatch.setattr(system, "_read_cpu", lambda: cpu)
    monkeypatch.setattr(system, "_read_memory", lambda: MemoryInfo(total_bytes=256 * GiB, available_bytes=240 * GiB))
    disk = DiskInfo(path="/srv/models", total_bytes=3725 * GiB, free_bytes=2900 * GiB, label="huggingface")
    monkeypatch.setattr(system, "_read_disks", lambda dirs, warnings: [disk])


def _output(args: tuple[str, ...], width: int, lang: str, code: int, monkeypatch) -> str:
    monkeypatch.chdir(ROOT)
    for name in ("FORCE_COLOR", "TTY_COMPATIBLE", "TERM", "LINES"):
        monkeypatch.delenv(name, raising=False)
    from sizer.cli.app import app

    env = {"COLUMNS": str(width), "NO_COLOR": "1", "SIZER_LANG": lang}
    result = CliRunner().invoke(app, ["--lang", lang, *args], env=env, catch_exceptions=False)
    assert result.exit_code == code, result.output
    return result.output


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("command", list(COMMANDS))
def test_snapshot(command, width, lang, monkeypatch, request, update_snapshots):
    if command == "probe":
        request.getfixturevalue("fixed_host")
    args, code = COMMANDS[command]
    out = _output(args, width, lang, code, monkeypatch)
    path = SNAPSHOTS / f"{command}-{width}-{lang}.txt"
    if update_snapshots:
        path.write_text(out, encoding="utf-8")
        return
    assert path.exists(), f"no snapshot {path.name}: run pytest {Path(__file__).name} --update-snapshots"
    expected = path.read_text(encoding="utf-8")
    assert out == expected, f"{path.name} differs; if the change is meant, rerun with --update-snapshots"


def _message_prefixes() -> tuple[str, ...]:
    """How a note or warning on stderr starts, in each language of the snapshots."""
    from sizer.render import i18n

    before = i18n.current()
    prefixes = []
    try:
        for lang in LANGS:
            i18n.install(lang)
            for template in ("note: {message}", "warning: {message}"):
                prefixes.append(i18n._(template).split("{message}")[0])
    finally:
        i18n.install(before)
    return tuple(prefixes)


@pytest.mark.parametrize("width", WIDTHS)
def test_no_line_is_wider_than_the_terminal_but_a_command(width):
    """At each width every line fits but the command lines, which are printed whole to be copied,
    and the notes and warnings on stderr, which sizer keeps one line each whatever the width
    (cli/output.py), as a log wants them. `deploy` is left out: its stdout is the manifest, its
    summary lines on stderr."""
    paths = sorted(p for p in SNAPSHOTS.glob(f"*-{width}-*.txt") if not p.name.startswith("deploy-"))
    assert len(paths) == (len(COMMANDS) - 1) * len(LANGS)
    messages = _message_prefixes()
    assert "note: " in messages and all(messages)
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            command = line.lstrip().startswith(("$ ", "llama-server ", "vllm ", "docker ", "sh "))
            assert command or line.startswith(messages) or len(line) <= width, f"{path.name}: {line!r}"


def test_the_readme_german_example_is_what_sizer_prints(monkeypatch):
    """README.md shows one German output; it must stay what the tool prints at 80 columns."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    command = '$ sizer --lang de estimate llama-3.1-8b --gpu "RTX 4090" --context 8192'
    shown = readme.split(command + "\n", 1)[1].split("```", 1)[0]
    args = ("estimate", "llama-3.1-8b", "--gpu", "RTX 4090", "--context", "8192")
    out = _output(args, 80, "de", 0, monkeypatch)
    assert [line.rstrip() for line in shown.splitlines()] == [line.rstrip() for line in out.splitlines()]


ID = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9.]+)+$")


def test_every_id_in_a_table_is_whole():
    """An id a user types (a model or GPU id, first in its cell) is never folded over two lines:
    each one in a table cell is a catalog id, not the front part of one."""
    from sizer.io.loaders import load_catalog

    catalog = load_catalog()
    ids = {m.id for m in catalog.models} | {g.id for g in catalog.gpus}
    seen = 0
    for path in sorted(SNAPSHOTS.glob("*.txt")):
        for line in path.read_text(encoding="utf-8").splitlines():
            for cell in line.split("│")[1:-1]:
                words = cell.split()
                # (a word ending in ':' labels what follows: a check violation's code)
                if words and not words[0].endswith(":") and ID.match(words[0].rstrip(",")):
                    seen += 1
                    assert words[0].rstrip(",") in ids, f"{path.name}: {line!r}"
    assert seen > 50
