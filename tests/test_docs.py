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


def test_every_command_has_its_own_module():
    from sizer.cli.app import COMMANDS as WIRED

    modules = {p.stem for p in (ROOT / "sizer" / "cli" / "commands").glob("*.py")} - {"__init__"}
    for _, name, function in WIRED:
        module = function.__module__.rsplit(".", 1)[-1]
        assert module in modules, f"{name} lives in {function.__module__}, not sizer/cli/commands/"
    assert {n for n, _ in COMMANDS} == {(f"catalog {name}" if parent is not app else name) for parent, name, _ in WIRED}


def test_architecture_map_names_every_room():
    text = (ROOT / "docs" / "architecture.md").read_text()
    for room in ("data/", "models/", "engines/", "core/", "calibrate/", "io/", "render/", "cli/"):
        assert room in text, room
    for recipe in ("Add an engine", "Add an output format", "Add a command"):
        assert recipe in text, recipe


def test_no_install_line_resolves_to_another_project():
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]:
        for line in path.read_text().splitlines():
            if "pip install" in line or "pipx install" in line:
                assert "sizer-llm" in line or "install ." in line or "install '.[" in line or "git+" in line, (
                    f"{path.name}: {line.strip()}"
                )
