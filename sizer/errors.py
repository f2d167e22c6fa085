"""The exception tree. Every error sizer raises on purpose carries the exit code the CLI uses.

A message is a template and its values, so that the CLI can word it in the output language:
`InputError(N_("{name} has {layers} layers"), name=..., layers=...)`. `N_` marks the template for
the message catalog (`pybabel extract -k N_`); the layers below the CLI never translate, and
`str(err)` is always the English (`template.format(**values)`), which JSON and logs carry.
`cli.output` fills the translated template with the same values and the locale's numbers.

A value that is itself a sentence is a `Message` (or an error), rendered the same way. A message
with no values is taken as it is, braces and all: that is how a message that is data (a parser's
own words, a path) passes, and also how a single marked word (`Message(N_("GPU"))`) is carried.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

Translate = Callable[[str], str]
Fill = Callable[..., str]


def N_(text: str) -> str:  # the name gettext tools look for
    """Mark a message template for extraction; returns it unchanged (cli/ translates it)."""
    return text


def _same(text: str) -> str:
    return text


def _format(template: str, /, **values: object) -> str:
    return template.format(**values)


class Message:
    """A sentence as a template and its values; `str()` is the English text."""

    __slots__ = ("template", "values")

    def __init__(self, template: str, /, **values: object) -> None:
        self.template = template
        self.values = values

    def render(self, translate: Translate = _same, fill: Fill = _format) -> str:
        """The sentence through `translate` (gettext's `_`) and `fill` (a locale-aware format);
        nested messages and errors among the values are rendered the same way first."""
        text = translate(self.template) if self.template else self.template  # "" is the catalog header
        if not self.values:
            return text
        return fill(text, **{key: _render(value, translate, fill) for key, value in self.values.items()})

    def __str__(self) -> str:
        return self.render()

    def __repr__(self) -> str:
        return f"Message({self.template!r}, **{self.values!r})"


def joined(separator: str, parts: Iterable[str | Message]) -> Message:
    """The parts one after another with `separator` between them, each worded on its own; the
    template is not marked, so it is no message to translate (gettext gives it back as it is)."""
    items = list(parts)
    glue = separator.replace("{", "{{").replace("}", "}}")
    return Message(glue.join(f"{{part{i}}}" for i in range(len(items))), **{f"part{i}": p for i, p in enumerate(items)})


def _render(value: Any, translate: Translate, fill: Fill) -> Any:
    if isinstance(value, Message | SizerError):
        return value.render(translate, fill)
    return value


class SizerError(Exception):
    """Base class; the CLI prints `error: <message>` and exits with `exit_code`."""

    exit_code = 3

    def __init__(self, template: str | Message = "", /, **values: object) -> None:
        self.message = template if isinstance(template, Message) else Message(template, **values)
        super().__init__(str(self.message))

    @property
    def template(self) -> str:
        return self.message.template

    @property
    def values(self) -> dict[str, object]:
        return self.message.values

    def render(self, translate: Translate = _same, fill: Fill = _format) -> str:
        """The message in the language `translate` and `fill` write (the English by default)."""
        return self.message.render(translate, fill)


class InputError(SizerError):
    """Bad input from the user: a flag value, a file, a spec. Exit code 2."""

    exit_code = 2


class CatalogError(InputError):
    """A catalog file that does not validate; the message names file, entry and field."""


class UnknownNameError(InputError):
    """A model, GPU or quantization name that resolves to nothing (message carries did-you-mean).

    `kind` is the English word, marked `N_` where it is written ("GPU", "model"); the message
    carries it as a word to translate."""

    def __init__(self, kind: str, name: str, suggestions: list[str]) -> None:
        from sizer.bounds import echo  # bounds imports this module

        self.kind = kind
        self.name = name
        self.suggestions = suggestions
        shown = echo(repr(name))
        if suggestions:
            super().__init__(
                N_("unknown {kind} {name}; did you mean {suggestions}?"),
                kind=Message(kind),
                name=shown,
                suggestions=", ".join(repr(s) for s in suggestions),
            )
        else:
            super().__init__(N_("unknown {kind} {name}"), kind=Message(kind), name=shown)


class HubError(InputError):
    """A Hugging Face Hub look-up that failed (offline and not cached, gated, missing)."""
