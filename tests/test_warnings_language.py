"""Warnings and notes in the output language: the probe's host warnings, a model file's layout
guess, a user catalog that does not load and `catalog repair`'s result read German under
--lang de, while `probe --json` and a hardware file keep plain English strings."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from sizer.cli.app import app
from sizer.errors import N_, Message, joined
from sizer.io import hardware
from sizer.io.loaders import load_host
from sizer.models import Host, Workload
from sizer.render import i18n
from sizer.units import GiB, MiB
from tests.fakes.pynvml import FakeGpu, NVMLError_DriverNotLoaded
from tests.sources.files import TINY_LLAMA, tiny_llama_gguf, write_model_dir

runner = CliRunner()
WIDE = {"COLUMNS": "250"}
FUTURE = {"name": "NVIDIA Future X200", "memory_total": 96 * GiB, "bus_width_bits": 6144, "max_memory_clock_mhz": 2600}
NOT_IN_CATALOG = (
    "GPU 0 'NVIDIA Future X200' is not in the catalog: estimates use its probed memory and bandwidth and an "
    "assumed FP16 rate (Assumptions.fallback_fp16_tflops_per_gb_per_s)"
)


def run(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False, env=WIDE)


@pytest.fixture
def german():
    """German for code that renders outside a command; English again afterwards."""
    i18n.install("de")
    yield
    i18n.install("en")


# The probe


def test_a_gpu_the_catalog_lacks_is_a_german_warning(fake_nvml):
    fake_nvml(FakeGpu(**FUTURE))
    out = run("--lang", "de", "probe").output
    assert (
        "Warnung: GPU 0 'NVIDIA Future X200' ist nicht im Katalog: Schätzungen verwenden ihren ausgelesenen "
        "Grafikspeicher, ihre Bandbreite und eine angenommene FP16-Leistung "
        "(Assumptions.fallback_fp16_tflops_per_gb_per_s)"
    ) in out
    assert "is not in the catalog" not in out and "warning:" not in out


def test_an_nvml_failure_is_a_german_warning(fake_nvml):
    fake_nvml(init_error=NVMLError_DriverNotLoaded)
    out = run("--lang", "de", "probe").output
    assert (
        "Warnung: NVML nicht verfügbar: Driver Not Loaded (kein NVIDIA-Treiber, oder er passt nicht zur Bibliothek)"
    ) in out
    assert "NVML unavailable" not in out and "no NVIDIA driver" not in out


def test_the_english_probe_report_is_unchanged(fake_nvml):
    fake_nvml(init_error=NVMLError_DriverNotLoaded)
    out = run("probe").output
    english = "warning: NVML unavailable: Driver Not Loaded (no NVIDIA driver, or it does not match the library)"
    assert english in out


def test_no_gpu_error_words_the_probe_warnings_in_german(fake_nvml):
    fake_nvml(init_error=NVMLError_DriverNotLoaded)
    result = run("--lang", "de", "estimate", "llama-3.1-8b")
    assert result.exit_code == 2
    assert result.stderr.startswith(
        "Fehler: keine GPU in diesem Rechner (NVML nicht verfügbar: Driver Not Loaded (kein NVIDIA-Treiber, "
    )


def test_probe_json_keeps_the_english_string_in_every_language(fake_nvml):
    fake_nvml(FakeGpu(**FUTURE))
    for lang in ("de", "en"):
        result = run("--lang", lang, "probe", "--json")
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)["warnings"] == [NOT_IN_CATALOG]


def test_a_gpu_left_out_of_the_estimates_is_german(fake_nvml):
    unsupported = frozenset({"nvmlDeviceGetMemoryBusWidth", "nvmlDeviceGetMaxClockInfo"})
    fake_nvml(FakeGpu(name="NVIDIA Mystery", memory_total=32 * GiB, unsupported=unsupported))
    out = run("--lang", "de", "probe").output
    assert "Warnung: GPU 0 (NVIDIA Mystery): von NVML nicht gemeldet: Speicherbusbreite (Not Supported), " in out
    assert "; keine Schätzungen dafür" in out and "no estimates for it" not in out
    note = run("--lang", "de", "recommend", "--top", "1").stderr
    assert "Hinweis: GPU 0 'NVIDIA Mystery' ist nicht im Katalog und hat keine bandwidth_bytes_per_s" in note


def test_a_hardware_file_with_plain_string_warnings_loads_and_prints_them(tmp_path, german):
    from sizer.render.text import probe_report

    path = tmp_path / "server.json"
    gpu = {"name": "NVIDIA H100 80GB HBM3", "memory_total_bytes": 80 * GiB}
    path.write_text(json.dumps({"schema": "sizer.probe/1", "gpus": [gpu], "warnings": ["fan {1} loud"]}))
    host = load_host(path)
    assert host.warnings == ("fan {1} loud",)
    assert json.loads(host.model_dump_json(by_alias=True))["warnings"] == ["fan {1} loud"]
    from rich.console import Console

    console = Console(width=250, record=True)
    console.print(probe_report(host, {}, [(None, [])], Workload(), 10.0))
    assert "Warnung: fan {1} loud" in console.export_text()  # a file's own words, as they are
    result = run("estimate", "llama-3.1-8b", "--hardware", str(path), "--json")
    assert result.exit_code == 0, result.output


def test_bench_progress_reads_german(german, monkeypatch):
    monkeypatch.setattr(hardware.bench, "_gpu_backend", lambda: None)
    steps: list[str] = []
    hardware.bench.bench(Host(), lambda what, done, total: steps.append(i18n.sentence(what)), 4 * MiB, repeats=1)
    assert steps[0] == "Kopie im Arbeitsspeicher"
    assert i18n.sentence(Message(N_("GPU {index} copy"), index=3)) == "Kopie auf GPU 3"


# The host warnings' type: a Message or a string in, the English string out


def test_host_warnings_hold_messages_and_write_english():
    warning = Message(N_("NVML: {error}"), error="Unknown Error")
    host = Host(warnings=(warning, "plain"))
    assert host.warnings[0] is warning
    assert host.model_dump(mode="json")["warnings"] == ["NVML: Unknown Error", "plain"]
    assert Host.model_json_schema()["properties"]["warnings"]["items"] == {"type": "string"}
    with pytest.raises(ValueError, match="valid string"):
        Host.model_validate({"warnings": [1]})


def test_joined_words_each_part_and_keeps_the_separator(german):
    parts = [Message(N_("power limit")), "UUID {x}"]
    assert str(joined(", ", parts)) == "power limit, UUID {x}"
    assert i18n.sentence(joined(", ", parts)) == "Leistungsgrenze, UUID {x}"
    assert str(joined("; ", [])) == ""


# Model files


def test_a_gguf_layout_guess_reads_german(tmp_path):
    path = tiny_llama_gguf(tmp_path / "Odd.gguf", arch="rwkv7")
    result = run("--lang", "de", "estimate", str(path), "--gpu", "RTX 4090", "--json")
    assert result.exit_code == 0, result.output
    assert result.stderr == (
        f"Warnung: {path}: Architektur 'rwkv7' ist nicht modelliert; verwendet wird ein Llama-artiger Aufbau "
        "mit ihren 0,00 Mrd. Parametern\n"
    )
    english = run("estimate", str(path), "--gpu", "RTX 4090", "--json")
    assert english.stderr == (
        f"warning: {path}: architecture 'rwkv7' is not modelled; using a llama-like layout sized to its "
        "0.00 B parameters\n"
    )


def test_a_config_json_layout_guess_reads_german(tmp_path):
    directory = write_model_dir(tmp_path / "encoder", {**TINY_LLAMA, "model_type": "bert"})
    result = run("--lang", "de", "estimate", str(directory), "--gpu", "RTX 4090", "--json")
    assert result.exit_code == 0, result.output
    assert "Architektur 'bert' ist nicht modelliert; verwendet wird ein Llama-artiger Aufbau" in result.stderr
    assert "not modelled" not in result.stderr


# The user catalog


@pytest.fixture
def config(tmp_path, monkeypatch):
    directory = tmp_path / "config"
    directory.mkdir()
    monkeypatch.setenv("SIZER_CONFIG_DIR", str(directory))
    return directory


def test_a_user_catalog_that_does_not_load_is_a_german_warning(config):
    (config / "models.yaml").write_text("- 1\n- 2\n")
    result = run("--lang", "de", "estimate", "llama-3.1-8b", "--gpu", "RTX 4090", "--json")
    assert result.exit_code == 0, result.output
    assert result.stderr.startswith(f"Warnung: {config / 'models.yaml'}")
    assert result.stderr.rstrip().endswith(
        "; der mitgelieferte Katalog wird ohne Ihre Modelle verwendet; `sizer catalog repair` ausführen, um sie "
        "beiseitezulegen (Ihre Einträge bleiben zum Korrigieren erhalten)"
    )
    assert "using the shipped catalog" not in result.stderr


def test_catalog_repair_says_its_result_in_german(config):
    catalog = config / "models.yaml"
    assert run("--lang", "de", "catalog", "repair").stdout == f"{catalog}: existiert nicht; nichts zu reparieren\n"
    catalog.write_text("- 1\n")
    moved = run("--lang", "de", "catalog", "repair").stdout
    (bad,) = config.glob("models.yaml.bad-*")
    assert moved == (
        f"{catalog} beiseitegelegt nach {bad}: die Datei lädt nicht; `sizer catalog add` legt eine neue an\n"
    )
