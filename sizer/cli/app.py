"""The `sizer` application: the commands wired into one typer app, and the entry point.

Exit codes: 0 ok, 1 `check` found unmet requirements, 2 bad input, 3 internal error.
"""

from __future__ import annotations

import gc
import os
import sys
from typing import Annotated

import typer

from sizer import __version__
from sizer.cli import options as o
from sizer.cli.commands import calibrate, catalog, check, deploy, estimate, probe, recommend, schema
from sizer.cli.help import translate_command
from sizer.cli.output import console, error_line
from sizer.constants import DEBUG_ENV
from sizer.render import i18n

app = typer.Typer(
    name="sizer",
    help="Which open LLM, on which GPU, how much memory, how fast, at what cost.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    add_completion=False,
    rich_markup_mode=None,
)
catalog_app = typer.Typer(
    help="List the model and GPU catalogs; add your own models; repair your catalog.", no_args_is_help=True
)
app.add_typer(catalog_app, name="catalog")

# Every command: (typer app, name, function). tests/test_docs.py checks each has help and docs.
COMMANDS = (
    (app, "estimate", estimate.estimate),
    (app, "probe", probe.probe),
    (app, "recommend", recommend.recommend),
    (app, "check", check.check),
    (app, "deploy", deploy.deploy),
    (app, "schema", schema.schema),
    (app, "calibrate", calibrate.calibrate),
    (catalog_app, "models", catalog.models),
    (catalog_app, "gpus", catalog.gpus),
    (catalog_app, "add", catalog.add),
    (catalog_app, "repair", catalog.repair),
)
for parent, name, function in COMMANDS:
    parent.command(name)(function)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"sizer {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = False,
    lang: o.LangOpt = None,
) -> None:
    """Size self-hosted LLMs: memory, speed and cost of open models on GPUs."""


def main() -> None:
    """Entry point: usage errors become one line with exit 2; anything unexpected exit 3."""
    # One command builds many small objects (the catalogs' models) and frees few before it exits:
    # collect the young generation every 50,000 allocations instead of CPython's 700 (a recommend
    # spends about a tenth of its time in collections at the default).
    gc.set_threshold(50_000, 20, 100)
    i18n.install(i18n.language_from_env())  # usage errors come before the --lang callback runs
    command = typer.main.get_command(app)
    translate_command(command, i18n._)  # `sizer --help` comes before it too
    try:
        code = command.main(args=sys.argv[1:], prog_name="sizer", standalone_mode=False)
    except typer.Abort:
        sys.exit(1)
    except Exception as exc:
        # click's UsageError family (typer ships its own copy of click): bad flags, missing arguments.
        if hasattr(exc, "format_message") and isinstance(getattr(exc, "exit_code", None), int):
            console(stderr=True).print(error_line(exc.format_message()), markup=False)
            sys.exit(getattr(exc, "exit_code", 2))
        if os.environ.get(DEBUG_ENV) == "1":
            raise
        console(stderr=True).print(
            f"internal error: {type(exc).__name__}: {exc} (set {DEBUG_ENV}=1 for the traceback)",
            markup=False,
            soft_wrap=True,
        )
        sys.exit(3)
    sys.exit(code if isinstance(code, int) else 0)
