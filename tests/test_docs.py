"""Every command has help text and appears in the README; the docs name real flags."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from sizer.cli.app import app

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
USAGE = (ROOT / "docs" / "usage.md").read_text()


def _commands(group, prefix: str = ""):
    out = []
    for name, cmd in group.commands.items():
        full = f"{prefix}{name}"
        if hasattr(cmd, "commands"):  # a group (typer ships its own copy of click)
            out += _commands(cmd, full + " ")
        else:
            out.append((full, cmd))
    return out


COMMANDS = _commands(typer.main.get_command(app))


@pytest.mark.parametrize(("name", "cmd"), COMMANDS, ids=[n for n, _ in COMMANDS])
def test_command_has_help_and_is_documented(name, cmd):
    assert cmd.help and cmd.help.strip()
    assert f"sizer {name}" in README
    assert f"sizer {name}" in USAGE
    result = CliRunner().invoke(app, [*name.split(), "--help"])
    assert result.exit_code == 0
    assert "Examples" in result.output


@pytest.mark.parametrize(("name", "cmd"), COMMANDS, ids=[n for n, _ in COMMANDS])
def test_every_option_is_in_the_usage_guide(name, cmd):
    for param in cmd.params:
        if param.param_type_name == "option" and param.opts[0] != "--help":
            assert param.opts[0] in USAGE, f"{name} {param.opts[0]} missing from docs/usage.md"
