"""Help in the output language: each option's help and each command's description go through the
message catalog when click formats them (`sizer --lang de recommend --help`).

A command's description is its docstring: each prose paragraph is one message (its lines joined,
as click rewraps them anyway); in a `\\b` block (kept as written) each line that is not indented is
one message ("Examples:") and the indented ones, the commands to copy, stay as they are.
`extract` gives pybabel the same messages (babel.cfg), so the catalog and the runtime agree.
"""

from __future__ import annotations

import ast
import io
from collections.abc import Callable, Iterator
from typing import Any

VERBATIM = "\b"


def _paragraphs(text: str) -> list[str]:
    return [p for p in text.split("\n\n") if p.strip()]


def _sentence(line: str) -> bool:
    """A line of a kept block to translate: not indented (a heading, a sentence), not the marker."""
    return bool(line.strip()) and not line[0].isspace() and line != VERBATIM


def messages(doc: str) -> Iterator[str]:
    """The messages of a command description, in order."""
    for para in _paragraphs(doc):
        if para.lstrip("\n").startswith(VERBATIM):
            yield from (
                line for line in para.splitlines() if line.strip() and not line[0].isspace() and line != VERBATIM
            )
        else:
            yield " ".join(para.split())


def translated(doc: str, translate: Callable[[str], str]) -> str:
    """`doc` with each of its messages through `translate`; blocks kept as written stay so."""
    out = []
    for para in _paragraphs(doc):
        if para.lstrip("\n").startswith(VERBATIM):
            lines = para.splitlines()
            out.append(
                "\n".join(translate(x) if x.strip() and not x[0].isspace() and x != VERBATIM else x for x in lines)
            )
        else:
            out.append(translate(" ".join(para.split())))
    return "\n\n".join(out)


def translate_command(command: Any, translate: Callable[[str], str]) -> None:
    """Translate a click command's description and its options' help in place, and its
    subcommands' (a group's listing shows their first sentences); from the English each time."""
    english = command.__dict__.setdefault("_sizer_english", {"help": command.help, "params": {}})
    if english["help"]:
        command.help = translated(english["help"], translate)
    for param in command.params:
        text = english["params"].setdefault(param.name, getattr(param, "help", None))
        if text:
            param.help = translate(text)
    for sub in getattr(command, "commands", {}).values():
        translate_command(sub, translate)


def use_language(ctx: Any, value: str | None) -> str | None:
    """The --lang callback (before a command or after it): install the output language, --lang
    else the environment's, and word the help in it; eager, so `--lang de --help` reads German."""
    from sizer.cli.output import console, error_line
    from sizer.errors import InputError
    from sizer.render import i18n

    chosen = i18n.language_from_env() if value is None else i18n.parse_language(value)
    if chosen is None:
        i18n.install(i18n.language_from_env())
        message = i18n.fill(
            i18n._("--lang {lang} is not a supported language; choose {choices}"),
            lang=repr(value),
            choices=", ".join(i18n.LANGUAGES),
        )
        console(stderr=True).print(error_line(message), markup=False)
        import typer

        raise typer.Exit(InputError.exit_code)
    if value is not None or ctx.parent is None:  # a command's own --lang, absent, keeps the root's
        i18n.install(chosen)
        translate_command(ctx.find_root().command, i18n._)
    return value


def extract(fileobj: Any, keywords: Any, comment_tags: Any, options: Any) -> Iterator[tuple[int, Any, Any, Any]]:
    """pybabel's extractor for sizer/cli: what the Python extractor finds (N_, _), plus every
    `help=` string and the description of every command (a function under @handle_errors)."""
    from babel.messages.extract import extract_python

    source = fileobj.read()
    yield from extract_python(io.BytesIO(source), keywords, comment_tags, options)
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.keyword) and node.arg == "help":
            value = node.value
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                yield value.lineno, None, value.value, []
        elif isinstance(node, ast.FunctionDef) and any(
            isinstance(d, ast.Name) and d.id == "handle_errors" for d in node.decorator_list
        ):
            doc = ast.get_docstring(node)
            for text in messages(doc or ""):
                yield node.lineno, None, text, []
