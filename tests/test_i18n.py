"""German output: the catalog is complete and compiled, --lang and the environment choose it, German
text reads German, numbers are written the German way, and JSON and English output do not change."""

from __future__ import annotations

import json
import os
import re
import string
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from typer.testing import CliRunner

from sizer.cli.app import app
from sizer.render import i18n
from sizer.render.formatting import break_even, gib, money
from sizer.render.messages import TEMPLATES

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "sizer" / "locale" / "de" / "LC_MESSAGES" / "sizer.po"
MO = PO.with_suffix(".mo")
runner = CliRunner()


def _catalog():
    with PO.open("rb") as f:
        return read_po(f)


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_every_message_has_a_german_translation_that_is_not_fuzzy():
    untranslated = [
        m.id for m in _catalog() if m.id and (m.fuzzy or not all(m.string if m.pluralizable else [m.string]))
    ]
    assert untranslated == []


def test_the_catalog_holds_exactly_the_messages_in_the_source():
    """A new `_()` or `N_()` string without a German entry (or a stale entry) fails here: run
    `pybabel extract` and `pybabel update` (docs/usage.md), translate, compile."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as cfg:  # the mapping pybabel extract reads
        method_map, options_map = parse_mapping_cfg(cfg, str(ROOT / "babel.cfg"))
    keywords = {"N_": None, "_": None, "ngettext": (1, 2)}
    found = {
        m[2] if isinstance(m[2], str) else m[2][0]
        for m in extract_from_dir(ROOT / "sizer", method_map, options_map, keywords=keywords)
    }
    assert found == {m.id if isinstance(m.id, str) else m.id[0] for m in _catalog() if m.id}


def test_translations_keep_every_placeholder():
    for m in _catalog():
        if not m.id:
            continue
        pairs = zip(m.id, m.string, strict=True) if m.pluralizable else [(m.id, m.string)]
        for english, german in pairs:
            assert _fields(german) == _fields(english), m.id


def _entries(catalog) -> dict[object, object]:
    """id -> translation, plural ids and forms as tuples (a .mo reads them back as lists)."""

    def flat(v):
        return tuple(v) if isinstance(v, list | tuple) else v

    return {flat(m.id): flat(m.string) for m in catalog if m.id}


def test_the_committed_mo_matches_the_po():
    """The .mo is committed so an install needs no compile step; `pybabel compile` rewrites it."""
    with MO.open("rb") as f:
        compiled = _entries(read_mo(f))
    assert compiled == _entries(_catalog())
    assert len(compiled) > 100


@pytest.mark.parametrize(
    ("env", "lang"),
    [
        ({}, "en"),
        ({"LANG": "de_DE.UTF-8"}, "de"),
        ({"LANG": "C"}, "en"),
        ({"LANG": "fr_FR.UTF-8"}, "en"),
        ({"LANG": "en_US.UTF-8", "LC_MESSAGES": "de_AT"}, "de"),
        ({"LANG": "de_DE.UTF-8", "LC_ALL": "en_GB.UTF-8"}, "en"),  # LC_ALL before LANG
        ({"LC_ALL": "de_DE.UTF-8", "SIZER_LANG": "en"}, "en"),  # SIZER_LANG before all
        ({"LANG": "en_US.UTF-8", "SIZER_LANG": "de"}, "de"),
    ],
)
def test_the_language_comes_from_the_environment(env, lang):
    assert i18n.language_from_env(env) == lang


def test_german_numbers_and_money():
    """Hand-checked against how German writes them: point between thousands, comma before decimals."""
    i18n.install("de")
    assert i18n.number(1234.5, ",.1f") == "1.234,5"
    assert i18n.number(8192, ",") == "8.192"
    assert i18n.number(0.15, ".0%") == "15 %"
    assert i18n.number(62.5, "g") == "62,5"
    assert money(1900, "EUR") == "1.900 €"
    assert money(1234.567, "EUR", 2) == "1.234,57 €"
    assert gib(1.5 * 2**30) == "1,50 GiB"
    assert break_even(14.2, 100.0) == "14 Monate"
    assert break_even(1.2, 100.0) == "1 Monat"


def test_english_numbers_are_python_formats():
    assert i18n.number(1234.5, ",.1f") == "1,234.5"
    assert money(1900, "EUR") == "1,900 EUR"
    assert break_even(14.2, 100.0) == "14 months"


# English sentences and labels the German output must not contain (each has a German entry).
ENGLISH = [
    "cheapest that meets",
    "tok/s per user",
    "user(s)",
    "already here",
    "tokens/month",
    "break-even",
    "Right-sized",
    "runs here",
    "licence:",
    "Weights",
    "Limited by",
    "memory bandwidth",
    "headroom",
    "per sequence",
]


def _run(*args: str, env: dict[str, str] | None = None):
    result = runner.invoke(app, list(args), env={"COLUMNS": "200", **(env or {})})
    assert result.exit_code == 0, result.output
    return result.output


def test_german_recommend():
    out = _run("--lang", "de", "recommend", "--gpu", "RTX 4090")
    for german in (
        "das günstigste, das die Schwelle",
        "pro Nutzer",
        "Passend dimensioniert",
        "Amortisation",
        "Lizenz:",
    ):
        assert german in out
    assert "€/Monat" in out
    assert [e for e in ENGLISH if e in out] == []


def test_german_estimate():
    out = _run("--lang", "de", "estimate", "llama-3.1-8b", "--gpu", "RTX 4090")
    for german in ("Gewichte", "Begrenzt durch", "Speicherbandbreite", "Reserve", "pro Sequenz", "Kontextlänge 4.096"):
        assert german in out
    assert [e for e in ENGLISH if e in out] == []


def test_sizer_lang_in_the_environment_chooses_german():
    assert "Gewichte" in _run("estimate", "llama-3.1-8b", "--gpu", "RTX 4090", env={"SIZER_LANG": "de"})
    assert "Weights" in _run("--lang", "en", "estimate", "llama-3.1-8b", "--gpu", "RTX 4090", env={"SIZER_LANG": "de"})


def test_json_does_not_change_with_the_language():
    args = ("recommend", "--gpu", "RTX 4090", "--json")
    assert json.loads(_run("--lang", "de", *args)) == json.loads(_run(*args))


def test_every_template_reads_german():
    """Every reason template has a translation that differs from the English (a few are names only)."""
    i18n.install("de")
    same = {code for code, text in TEMPLATES.items() if i18n._(text) == text}
    assert same == {"more-gpus"}  # '{gpu_count} x {gpu_name}' reads the same in German


def _sizer(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k not in ("SIZER_LANG", "LANG", "LC_ALL", "LC_MESSAGES")}
    return subprocess.run(
        [sys.executable, "-m", "sizer", *args], capture_output=True, text=True, timeout=60, env={**environ, **env}
    )


def test_the_error_prefix_is_german_and_a_bad_language_is_one_line_exit_2():
    german = _sizer("--lang", "de", "estimate", "no-such-model")
    assert german.returncode == 2
    assert german.stderr.startswith("Fehler: ")
    usage = _sizer("estimate", "--no-such-flag", LANG="de_DE.UTF-8")
    assert usage.returncode == 2
    assert usage.stderr.startswith("Fehler: ")
    bad = _sizer("--lang", "fr", "estimate", "llama-3.1-8b")
    assert bad.returncode == 2
    assert bad.stderr.strip().splitlines() == ["error: --lang 'fr' is not a supported language; choose en, de"]


# English words of `sizer check` that the German report must not contain (whole words: 'passt' is German).
CHECK_ENGLISH = [
    "offer",
    "workload",
    "result",
    "figures",
    "pass",
    "FAIL",
    "would pass",
    "requirements not met",
    "all requirements met",
    "tokens",
    "needs",
    "short by",
]
TEAM_CHAT = str(ROOT / "docs" / "examples" / "team-chat.yaml")


def _english_words(out: str, words: list[str]) -> list[str]:
    return [w for w in words if re.search(rf"\b{re.escape(w)}\b", out)]


def _check(*args: str) -> str:
    result = runner.invoke(app, ["--lang", "de", "check", TEAM_CHAT, *args], env={"COLUMNS": "200"})
    assert result.exit_code == 1, result.output  # the example spec has offers that fall short
    return result.output


def test_german_check_text():
    out = _check()
    for german in ("Angebot", "Arbeitslast", "Ergebnis", "Kennzahlen", "Anforderungen nicht erfüllt", "NICHT ERFÜLLT"):
        assert german in out
    assert re.search(r"\berfüllt\b", out)  # the offer that meets a workload
    assert "würde erfüllen mit: Quantisierung" in out
    assert _english_words(out, CHECK_ENGLISH) == []


def test_german_check_github_and_junit_keep_their_codes():
    github = _check("--format", "github")
    assert "würde erfüllen mit:" in github and "would pass" not in github
    assert "title=insufficient-vram: " in github  # the machine code stays
    junit = _check("--format", "junit")
    assert "würde erfüllen mit:" in junit and "would pass" not in junit
    assert 'type="insufficient-vram"' in junit


def test_the_check_text_stays_english_without_a_language():
    result = runner.invoke(app, ["check", TEAM_CHAT], env={"COLUMNS": "200"})
    assert result.exit_code == 1
    for english in ("offer", "workload", "result", "figures", "FAIL", "would pass:", "requirements not met"):
        assert english in result.output


def test_a_bad_number_is_one_german_line():
    done = _sizer("--lang", "de", "estimate", "llama-3.1-8b", "--gpu", "RTX 4090", "--context", "0")
    assert done.returncode == 2
    assert done.stderr.splitlines() == ["Fehler: --context muss >= 1 sein, angegeben: 0"]
    english = _sizer("estimate", "llama-3.1-8b", "--gpu", "RTX 4090", "--context", "0")
    assert english.stderr.splitlines() == ["error: --context must be >= 1, got 0"]


def test_an_unknown_format_is_german_with_its_hint():
    done = _sizer("--lang", "de", "check", TEAM_CHAT, "--format", "jsn")
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        "Fehler: unbekanntes Format 'jsn'; zur Wahl stehen text, json, junit, github; meinten Sie json?"
    ]


def test_german_warning_prefix():
    """A spec asking for more context than the model has warns; the prefix is German."""
    done = _sizer("--lang", "de", "estimate", "llama-3.1-8b", "--gpu", "RTX 4090", "--context", "200000")
    assert done.returncode == 0, done.stderr
    # Llama 3.1's context is 128 Ki tokens (131,072), written the German way.
    assert done.stderr.splitlines() == [
        "Warnung: llama-3.1-8b unterstützt 131.072 Tokens, nicht 200.000 (--context); wie angegeben dimensioniert"
    ]


def test_german_catalog_and_markdown_headers():
    models = _run("--lang", "de", "catalog", "models")
    assert "VRAM-Bedarf" in models and "Einsatzzwecke" in models and "smallest GPU class" not in models
    gpus = _run("--lang", "de", "catalog", "gpus")
    assert "Bandbreite" in gpus and "Preis" in gpus and "bandwidth" not in gpus
    markdown = _run("--lang", "de", "recommend", "--gpu", "RTX 4090", "--markdown")
    header = next(line for line in markdown.splitlines() if line.startswith("| # |"))
    assert "| Quantisierung |" in header and "| Amortisation ggü. API |" in header
    assert _english_words(header, ["kind", "quant", "price", "per month", "license", "break-even"]) == []
    assert "**Passend dimensioniert**" in markdown


def test_help_reads_german_under_lang_de_and_english_again_after():
    german = runner.invoke(app, ["--lang", "de", "recommend", "--help"], env={"COLUMNS": "200"})
    assert german.exit_code == 0, german.output
    assert "Kontextlänge in Tokens pro Sequenz." in german.stdout and "Beispiele:" in german.stdout
    assert "Context length in tokens per sequence." not in german.stdout
    assert "sizer recommend --use-case code --users 5 --budget 5000" in german.stdout  # commands stay
    root = runner.invoke(app, ["--lang", "de", "--help"], env={"COLUMNS": "200"})
    assert "Welches offene LLM" in root.stdout
    english = runner.invoke(app, ["--lang", "en", "recommend", "--help"], env={"COLUMNS": "200"})
    assert "Context length in tokens per sequence." in english.stdout and "Examples:" in english.stdout
    assert "Kontextlänge" not in english.stdout


def test_lang_after_the_command_holds_for_that_run():
    after = runner.invoke(
        app, ["estimate", "llama-3.1-8b", "--gpu", "RTX 4090", "--lang", "de"], env={"COLUMNS": "200"}
    )
    assert after.exit_code == 0, after.output
    assert "Kontextlänge" in after.stdout or "Grafikspeicher" in after.stdout
    assert "Context" not in after.stdout
    bad = runner.invoke(app, ["estimate", "llama-3.1-8b", "--lang", "fr"])
    assert bad.exit_code == 2 and "--lang 'fr'" in bad.stderr
