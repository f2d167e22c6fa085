"""The output language: one gettext catalog per run, and numbers written the way its locale writes them.

`install(lang)` picks the catalog (`sizer/locale/<lang>/LC_MESSAGES/sizer.mo`, domain "sizer")
once per run; `_` and `ngettext` translate through it. English has no catalog: its strings are the
message ids themselves (gettext's fallback), so English output is exactly the source text.

Numbers: `number(value, spec)` takes a Python format spec (`,`, `.1f`, `,.0f`, `g`, `.0%`) and
writes it in the active locale: in English exactly as `format(value, spec)`, in German through
Babel (`1.234,5`). `fill` fills a template the same way, so a translated sentence keeps its
`{context:,}` placeholders and still shows the locale's separators. Babel is imported only when
a non-English language formats a number.

The language comes from `--lang`, else the environment: SIZER_LANG, then LC_ALL, LC_MESSAGES,
LANG (the POSIX order); anything that is not a supported language reads as English.
"""

from __future__ import annotations

import gettext
import os
import re
import string
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any, Final

from sizer.errors import Message, SizerError

DOMAIN: Final = "sizer"
LOCALEDIR: Final = Path(__file__).resolve().parent.parent / "locale"
LANGUAGES: Final = ("en", "de")  # the first is the source language and the fallback
LANG_ENV: Final = "SIZER_LANG"
# Babel's locale for each language's numbers and currency symbols.
_BABEL_LOCALE: Final = {"de": "de_DE"}

_active: dict[str, Any] = {"lang": "en", "translation": gettext.NullTranslations()}


def language_from_env(environ: Mapping[str, str] | None = None) -> str:
    """The language the environment asks for: SIZER_LANG, then LC_ALL, LC_MESSAGES, LANG; English
    when none names a supported language ('de_DE.UTF-8' is German, 'C' and 'fr_FR' English)."""
    env = os.environ if environ is None else environ
    for name in (LANG_ENV, "LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(name, "").strip()
        if value:  # the first one set decides, as in POSIX
            return _language(value) or LANGUAGES[0]
    return LANGUAGES[0]


def _language(value: str) -> str | None:
    code = re.split(r"[_.@-]", value.lower(), maxsplit=1)[0]
    return code if code in LANGUAGES else None


def parse_language(value: str) -> str | None:
    """A supported language from `--lang` ('de', 'de_DE', 'EN'), or None when it is not one."""
    return _language(value.strip())


def install(lang: str) -> None:
    """Make `lang` the output language of this run (a language without a catalog is English)."""
    _active["lang"] = lang if lang in LANGUAGES else LANGUAGES[0]
    _active["translation"] = gettext.translation(
        DOMAIN, localedir=str(LOCALEDIR), languages=[_active["lang"]], fallback=True
    )


def current() -> str:
    """The active output language."""
    return str(_active["lang"])


@contextmanager
def english() -> Iterator[None]:
    """English inside the block whatever the run's language (JSON is locale-free), restored after."""
    saved = dict(_active)
    install(LANGUAGES[0])
    try:
        yield
    finally:
        _active.update(saved)


def _(text: str) -> str:
    """`text` in the output language (itself where the catalog has no translation)."""
    return str(_active["translation"].gettext(text))


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form for `n`, in the output language."""
    return str(_active["translation"].ngettext(singular, plural, n))


# A format spec this module rewrites for a locale: optional grouping, precision, and type.
_SPEC = re.compile(r"^(?P<group>,)?(?:\.(?P<digits>\d+))?(?P<kind>[fdg%])?$")


def number(value: float, spec: str = "") -> str:
    """`value` formatted by a Python format spec, with the active locale's separators."""
    match = _SPEC.match(spec)
    if current() == LANGUAGES[0] or match is None or isinstance(value, bool):
        return format(value, spec)
    from babel.numbers import format_decimal

    locale = _BABEL_LOCALE[current()]
    group, digits, kind = match["group"], match["digits"], match["kind"]
    whole = "#,##0" if group else "0"
    if kind == "g" or (kind is None and isinstance(value, float) and digits is None):
        # Up to six significant figures, as Python's g writes them (no exponent for these sizes).
        return format_decimal(float(format(value, "g")), format=whole + ".#####", locale=locale)
    places = int(digits) if digits is not None else (6 if kind in ("f", "%") else 0)
    pattern = whole + ("." + "0" * places if places else "")
    if kind == "%":  # German writes a space before the percent sign
        return format_decimal(value * 100, format=pattern, locale=locale) + " %"
    return format_decimal(value, format=pattern, locale=locale)


def currency_symbol(code: str) -> str:
    """How the active locale writes a currency: the ISO code in English ('EUR'), the sign in German ('€')."""
    if current() == LANGUAGES[0]:
        return code
    from babel.numbers import get_currency_symbol

    return str(get_currency_symbol(code, locale=_BABEL_LOCALE[current()]))


class _LocaleFormatter(string.Formatter):
    def format_field(self, value: Any, format_spec: str) -> Any:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return number(value, format_spec)
        return super().format_field(value, format_spec)


_FORMATTER: Final = _LocaleFormatter()


def fill(template: str, /, **values: object) -> str:
    """`template.format(**values)`, numbers in the active locale's way (English: str.format itself)."""
    if current() == LANGUAGES[0]:
        return template.format(**values)
    return _FORMATTER.format(template, **values)


def sentence(text: str | Message | SizerError) -> str:
    """A message (or an error) worded in the output language: its template translated and filled
    with its values; a plain string is taken as it is."""
    return text if isinstance(text, str) else text.render(_, fill)


def date_text(day: date) -> str:
    """A date as the active language writes it: ISO in English ('2026-12-02'), Babel's long form
    otherwise ('2. Dezember 2026')."""
    if current() == LANGUAGES[0]:
        return day.isoformat()
    from babel.dates import format_date

    return str(format_date(day, format="long", locale=_BABEL_LOCALE[current()]))
