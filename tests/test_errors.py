"""Errors carry a template and its values: `str()` is the English, `render` words it through a
catalog and a formatter, nested sentences included; a message that is data passes as it is."""

from __future__ import annotations

import pytest

from sizer.errors import N_, CatalogError, InputError, Message, SizerError, UnknownNameError

# A stand-in catalog: each English template and its translation (the real one is sizer.po).
GERMAN = {
    "{model} has {layers:,} layers": "{model} hat {layers:,} Schichten",
    "{path}: {error}": "{path}: {error}",
    "unknown {kind} {name}; did you mean {suggestions}?": "{kind} {name} ist unbekannt; meinten Sie {suggestions}?",
    "unknown {kind} {name}": "{kind} {name} ist unbekannt",
    "GPU": "GPU",
    "model": "Modell",
    "a directory": "ein Verzeichnis",
}


def _german(template: str) -> str:
    return GERMAN.get(template, template)


def _dots(template: str, /, **values: object) -> str:
    """A stand-in for the locale's fill: thousands with dots."""
    return template.replace(":,}", "}").format(
        **{k: f"{v:,}".replace(",", ".") if isinstance(v, int) else v for k, v in values.items()}
    )


def test_str_is_the_english_template_filled_in():
    err = InputError(N_("{model} has {layers:,} layers"), model="big", layers=1234)
    assert str(err) == "big has 1,234 layers"
    assert err.template == "{model} has {layers:,} layers"
    assert err.values == {"model": "big", "layers": 1234}
    assert err.exit_code == 2


def test_render_translates_the_template_and_fills_it_with_the_same_values():
    err = InputError(N_("{model} has {layers:,} layers"), model="big", layers=1234)
    assert err.render(_german, _dots) == "big hat 1.234 Schichten"
    assert err.render() == str(err)


def test_a_nested_error_or_message_is_translated_too():
    inner = InputError(N_("{model} has {layers:,} layers"), model="big", layers=1234)
    outer = InputError(N_("{path}: {error}"), path="spec.yaml", error=inner)
    assert str(outer) == "spec.yaml: big has 1,234 layers"
    assert outer.render(_german, _dots) == "spec.yaml: big hat 1.234 Schichten"
    word = InputError(N_("{path}: {error}"), path="x", error=Message(N_("a directory")))
    assert word.render(_german, _dots) == "x: ein Verzeichnis"


@pytest.mark.parametrize("text", ["yaml said {oops}", "a {{literal}} } brace", ""])
def test_a_message_without_values_is_data_and_passes_as_it_is(text):
    err = InputError(text)
    assert str(err) == text
    assert err.render(_german, _dots) == text


def test_an_error_rewrapped_keeps_its_template():
    inner = InputError(N_("{model} has {layers:,} layers"), model="big", layers=1234)
    wrapped = CatalogError(inner.message)
    assert isinstance(wrapped, InputError) and wrapped.template == inner.template
    assert wrapped.render(_german, _dots) == "big hat 1.234 Schichten"


def test_unknown_name_words_its_kind_and_keeps_the_english_message():
    err = UnknownNameError(N_("model"), "lama", ["llama-3.1-8b", "llava-7b"])
    assert str(err) == "unknown model 'lama'; did you mean 'llama-3.1-8b', 'llava-7b'?"
    assert err.render(_german, _dots) == "Modell 'lama' ist unbekannt; meinten Sie 'llama-3.1-8b', 'llava-7b'?"
    assert (err.kind, err.name, err.suggestions) == ("model", "lama", ["llama-3.1-8b", "llava-7b"])
    bare = UnknownNameError(N_("GPU"), "x\x1b", [])
    assert str(bare) == "unknown GPU 'x\\x1b'"  # untrusted text escaped, as before
    assert bare.render(_german, _dots) == "GPU 'x\\x1b' ist unbekannt"


def test_the_base_error_is_an_internal_one():
    assert SizerError(N_("{path}: {error}"), path="p", error="e").exit_code == 3
