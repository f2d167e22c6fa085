"""Where output goes: results to stdout, messages to stderr; errors to exit codes; the --format choice."""

from __future__ import annotations

import difflib
import functools
import os
import re
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import typer

from sizer.bounds import echo, finite
from sizer.errors import N_, InputError, Message, SizerError
from sizer.render.i18n import _, fill, sentence

F = TypeVar("F", bound=Callable[..., Any])

# What rich's console would turn into an emoji (":name:"); a line without one, and with nothing
# but printable characters, leaves rich exactly as it came in.
_EMOJI_CODE = re.compile(r":\S+?:")


def console(stderr: bool = False) -> Any:
    """A rich console; messages on stderr stay one line whatever the terminal width."""
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=stderr)


def message(line: str) -> None:
    """One line on stderr, as the rich console prints it. Rich's console takes tens of ms to
    import, so a line it would print unchanged is written directly; one with control characters,
    tabs or an emoji code goes through rich (which strips, expands and replaces those)."""
    if line.isprintable() and not _EMOJI_CODE.search(line):
        sys.stderr.write(line + "\n")
        sys.stderr.flush()
    else:
        console(stderr=True).print(line, markup=False)


def handle_errors(func: F) -> F:
    """Turn a SizerError into `error: <message>` on stderr and its exit code."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except SizerError as err:
            message(error_line(worded(err)))  # one line
            raise typer.Exit(err.exit_code) from None

    return wrapper  # type: ignore[return-value]


def worded(err: SizerError | Message) -> str:
    """An error's message in the output language: its template translated, filled with its values
    (numbers the locale's way); a message that is data, or has no translation, reads as it came."""
    return sentence(err)


def error_line(text: str) -> str:
    """'error: <message>', the prefix in the output language."""
    return fill(_("error: {message}"), message=text)


def warn(text: str | Message) -> None:
    """'warning: <message>', the prefix and a Message in the output language."""
    message(fill(_("warning: {message}"), message=sentence(text)))


def note(text: str | Message) -> None:
    """'note: <message>', the prefix and a Message in the output language."""
    message(fill(_("note: {message}"), message=sentence(text)))


def positive(name: str, value: float | None) -> None:
    if value is not None and not value >= 1:
        raise InputError(N_("{name} must be >= 1, got {value}"), name=name, value=echo(value))


def count(name: str, value: int | None, high: int) -> None:
    """A whole-number flag: absent, or from 1 to `high` (sizer.bounds), checked before any use."""
    positive(name, value)
    if value is not None and value > high:
        raise InputError(N_("{name} must be <= {high:,}, got {value}"), name=name, high=high, value=echo(value))


def number(name: str, value: float | None, low: float, high: float, *, above: bool = False) -> None:
    """A number flag: absent, or finite and from `low` (exclusive with `above`) to `high`."""
    if value is None:
        return
    finite(name, value)
    if value < low or (above and value == low):
        template = (
            N_("{name} must be > {low:g}, got {value:g}") if above else N_("{name} must be >= {low:g}, got {value:g}")
        )
        raise InputError(template, name=name, low=low, value=value)
    if value > high:
        raise InputError(N_("{name} must be <= {high:g}, got {value:g}"), name=name, high=high, value=value)


def choose_format(output_format: str | None, json_out: bool, choices: tuple[str, ...]) -> str:
    """The output format: --json is --format json; a name outside `choices` is bad input."""
    if json_out:
        if output_format not in (None, "json"):
            raise InputError(N_("--json and --format {format} contradict each other; pass one"), format=output_format)
        return "json"
    chosen = (output_format or choices[0]).strip().lower()
    if chosen not in choices:
        close = difflib.get_close_matches(chosen, choices, n=1)
        raise InputError(
            N_("unknown format {format}; choose {choices}{hint}"),
            format=repr(output_format),
            choices=", ".join(choices),
            hint=Message(N_("; did you mean {name}?"), name=close[0]) if close else "",
        )
    return chosen


def emit(text: str) -> None:
    """Print a finished result (JSON, Markdown, XML, HTML) to stdout as it is."""
    typer.echo(text)


def show(renderable: Any) -> None:
    """Print a rich renderable to stdout."""
    console().print(renderable, crop=False)  # a command wider than the terminal stays whole


class progress:
    """A progress bar on stderr for a sweep long enough to notice (interactive terminals only)."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.bar: Any = None

    def __enter__(self) -> Callable[[int, int], None]:
        # Rich takes stderr for a terminal only when it is a tty or TTY_COMPATIBLE=1 or FORCE_COLOR
        # says so; anywhere else (pipes, CI, --json into a file) its console is not even imported.
        forced = os.environ.get("TTY_COMPATIBLE") == "1" or bool(os.environ.get("FORCE_COLOR"))
        if not (forced or _isatty(sys.stderr)):
            return lambda done, total: None
        self.console = console(stderr=True)
        if not self.console.is_terminal:
            return lambda done, total: None
        from rich.progress import Progress

        self.bar = Progress(console=self.console, transient=True)
        self.bar.start()
        task = self.bar.add_task(self.label, total=None)

        def step(done: int, total: int) -> None:
            self.bar.update(task, completed=done, total=total)

        return step

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False
