"""Messages on stderr: written as rich's console writes them, without importing it when it would
change nothing; the progress bar only where rich takes stderr for a terminal."""

from __future__ import annotations

import io
import subprocess
import sys

import pytest
from rich.console import Console

from sizer.cli import output


def _rich(line: str) -> str:
    file = io.StringIO()
    Console(file=file, highlight=False, soft_wrap=True).print(line, markup=False)
    return file.getvalue()


@pytest.mark.parametrize(
    "line",
    [
        "note: no GPU in this machine: showing what to buy",
        "warning: [bold]not markup[/bold] 2 x RTX 4090 – 24 GiB × 2, 東京",
        "error: unknown model 'lama' (did you mean llama-3.1-8b?)",
        "a line much longer than any terminal " * 8,
        # Lines rich changes: they must come out as rich prints them.
        "tab\tseparated",
        "bell\x07 and carriage\r return",
        "an emoji code :smile: in a name",
        "escape \x1b[31m red",
    ],
)
def test_a_message_reads_as_rich_prints_it(line, capsys):
    output.message(line)
    assert capsys.readouterr().err == _rich(line)


def test_plain_messages_do_not_import_rich_console():
    code = (
        "import sys; from sizer.cli.output import note, warn, progress\n"
        "note('no GPU in this machine: showing what to buy'); warn('x: y')\n"
        "with progress('sizing') as step: step(1, 2)\n"
        "assert 'rich.console' not in sys.modules, 'rich.console imported'\n"
    )
    env = {"PATH": "", "PYTHONPATH": ":".join(sys.path)}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stderr == "note: no GPU in this machine: showing what to buy\nwarning: x: y\n"


def test_a_plain_line_skips_rich_and_a_line_rich_would_change_does_not(monkeypatch, capsys):
    used = []
    real = output.console
    monkeypatch.setattr(output, "console", lambda stderr=False: used.append(stderr) or real(stderr))
    output.note("plain: text – with unicode")
    assert used == []
    output.note("a tab\there")
    assert used == [True]
    assert capsys.readouterr().err == "note: plain: text – with unicode\n" + _rich("note: a tab\there")


@pytest.mark.parametrize(("env", "bar"), [({}, False), ({"FORCE_COLOR": "1"}, True), ({"TTY_COMPATIBLE": "1"}, True)])
def test_progress_shows_where_rich_takes_stderr_for_a_terminal(monkeypatch, env, bar):
    for name in ("FORCE_COLOR", "TTY_COMPATIBLE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    shown = output.progress("sizing")
    with shown as step:
        step(1, 2)
        assert (shown.bar is not None) is bar
