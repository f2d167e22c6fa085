"""`sizer recommend` through CliRunner: the JSON contract, Markdown, the HTML report, bad input."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
from html.parser import HTMLParser
from xml.etree import ElementTree as ET

import pytest
from typer.testing import CliRunner

from sizer.cli.app import app
from sizer.io import hardware

runner = CliRunner()
PICK_KEYS = {
    "model",
    "quant",
    "gpu",
    "gpu_count",
    "memory_bytes",
    "available_bytes",
    "decode_tokens_per_s",
    "prefill_tokens_per_s",
    "users_served",
    "cost",
    "license",
    "reason",
    "command",
    "launch",
}


@pytest.fixture(autouse=True)
def no_gpu_here(monkeypatch):
    monkeypatch.setattr(hardware.nvml, "_read_nvml", lambda *a, **k: ([], ["NVML unavailable (test)"]), raising=False)


def run(*args: str):
    return runner.invoke(app, ["recommend", *args], env={"COLUMNS": "200"})


def test_json_contract_and_budget():
    result = run("--use-case", "code", "--users", "3", "--budget", "6000", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert {"hardware", "needs", "recommendations", "excluded"} <= set(data)
    assert data["recommendations"]
    for pick in data["recommendations"]:
        assert set(pick) >= PICK_KEYS
        assert set(pick["memory_bytes"]) == {"weights", "kv_cache", "overhead", "total"}
        assert all(isinstance(v, int) for v in pick["memory_bytes"].values())
        assert {"currency", "hardware", "power_per_month", "per_month", "per_million_tokens"} <= set(pick["cost"])
        assert pick["cost"]["hardware"] <= 6000
        assert pick["memory_bytes"]["total"] <= pick["available_bytes"]
        assert pick["users_served"] >= 3
        assert {"argv", "env", "no_command_code"} <= set(pick["launch"])
        assert pick["launch"]["env"] == {} and shlex.join(pick["launch"]["argv"]) == pick["command"]
    assert all({"model", "reason"} <= set(e) for e in data["excluded"])


def test_given_gpu_and_licence_filter():
    data = json.loads(run("--gpu", "RTX 4090", "--license", "commercial", "--json").stdout)
    assert {p["gpu"] for p in data["recommendations"]} == {"rtx-4090"}
    excluded = {e["model"]: e["reason"] for e in data["excluded"]}
    assert any("commercial" in reason for reason in excluded.values())


def test_table_markdown_and_explain():
    table = run("--use-case", "chat", "--budget", "4000", "--explain")
    assert table.exit_code == 0, table.output
    assert "Right-sized: to buy" in table.stdout and "Best within budget: to buy" in table.stdout
    assert "Excluded" in table.stdout and "$ " in table.stdout and "unscored" in table.stdout
    markdown = run("--use-case", "chat", "--budget", "4000", "--markdown").stdout
    assert markdown.startswith("**Right-sized**") and "**Best within budget**" in markdown
    assert "| # |" in markdown and "```console" in markdown


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.stack, self.seen, self.external = [], set(), []

    def handle_starttag(self, tag, attrs):
        self.seen.add(tag)
        for name, value in attrs:
            if name in {"src", "href"} and value and "://" in value:
                self.external.append(value)
        if tag not in {"meta", "br", "circle", "line", "rect", "polyline"}:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if tag in {"circle", "line", "rect", "polyline"}:
            return
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes <{self.stack[-1] if self.stack else None}>"
        self.stack.pop()


def test_html_report_is_self_contained_and_well_formed(tmp_path):
    report = tmp_path / "report.html"
    result = run("--use-case", "chat", "--budget", "20000", "--report", str(report))
    assert result.exit_code == 0, result.output
    html = report.read_text()
    tags = _Tags()
    tags.feed(html)
    assert tags.stack == [] and not tags.external
    assert {"html", "table", "svg", "circle"} <= tags.seen
    svg = html[html.index("<svg") : html.index("</svg>") + len("</svg>")]
    root = ET.fromstring(svg)  # the chart is well-formed XML
    assert root.tag.endswith("svg")
    assert "Pareto front" in html


@pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian's chromium is not installed")
def test_html_report_renders_in_headless_chromium(tmp_path):
    report = tmp_path / "report.html"
    assert run("--use-case", "chat", "--budget", "20000", "--report", str(report)).exit_code == 0
    shot = tmp_path / "shot.png"
    subprocess.run(
        [
            "chromium",
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={tmp_path / 'profile'}",
            f"--screenshot={shot}",
            "--window-size=1200,1600",
            report.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    png = shot.read_bytes()
    assert png.startswith(b"\x89PNG")
    assert _non_blank(png)


@pytest.mark.skipif(
    not any(shutil.which(b) for b in ("chromium", "chromium-browser", "google-chrome")),
    reason="no Chromium installed (Debian package chromium)",
)
def test_pdf_report_prints_through_headless_chromium(tmp_path):
    report = tmp_path / "report.pdf"
    result = run("--use-case", "chat", "--budget", "20000", "--report", str(report))
    assert result.exit_code == 0, result.output
    pdf = report.read_bytes()
    assert pdf.startswith(b"%PDF-")
    pages = len(re.findall(rb"/Type\s*/Page(?!s)", pdf))
    assert pages >= 1
    assert not (tmp_path / "report.html").exists()


def test_pdf_report_without_chromium_names_the_package(tmp_path, monkeypatch):
    monkeypatch.setattr("sizer.io.pdf.shutil.which", lambda name: None)
    result = run("--use-case", "chat", "--budget", "20000", "--report", str(tmp_path / "r.pdf"))
    assert result.exit_code == 2
    lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1 and "`chromium`" in lines[0]
    assert not (tmp_path / "r.pdf").exists()


def test_report_of_another_kind_is_refused(tmp_path):
    result = run("--use-case", "chat", "--report", str(tmp_path / "r.docx"))
    assert result.exit_code == 2 and "error:" in result.stderr and ".pdf" in result.stderr


def _non_blank(png: bytes) -> bool:
    """True when the screenshot has more than one colour (decodes the PNG with zlib only)."""
    import struct
    import zlib

    pos, chunks, width = 8, [], 0
    while pos < len(png):
        length, kind = struct.unpack(">I4s", png[pos : pos + 8])
        data = png[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, _, _depth, colour = struct.unpack(">IIBB", data[:10])
            channels = {2: 3, 6: 4}[colour]
        elif kind == b"IDAT":
            chunks.append(data)
        pos += 12 + length
    raw = zlib.decompress(b"".join(chunks))
    stride = width * channels + 1
    rows = [raw[i + 1 : i + stride] for i in range(0, len(raw), stride)]
    # Filter bytes make raw rows differ from pixels, but a blank page gives a handful of row kinds.
    return len(set(rows)) > 20


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--use-case", "poetry"], "unknown use case"),
        (["--users", "0"], "--users must be >= 1"),
        (["--budget", "-5"], "--budget must be >= 0"),
        (["--currency", "GBP"], "--currency takes EUR or USD"),
        (["--license", "gpl"], "--license takes"),
        (["--gpu", "RTX 9999"], "unknown GPU"),
        (["--quant", "Q9"], "quantization"),
        (["--utilisation", "2"], "--utilisation"),
    ],
)
def test_bad_input_is_one_line_exit_2(args, needle):
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert needle in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_recommend_on_a_hardware_file_only_uses_that_hardware():
    from pathlib import Path

    hardware_file = Path(__file__).resolve().parent.parent / "data" / "hardware" / "two-4090.json"
    data = json.loads(run("--hardware", str(hardware_file), "--use-case", "chat", "--json").stdout)
    assert data["hardware"] == ["2 x GeForce RTX 4090"]
    assert data["recommendations"]
    assert all(p["kind"] == "runs here" and p["cost"]["hardware"] == 0 for p in data["recommendations"])
    assert all(p["gpu"] == "rtx-4090" and p["gpu_count"] <= 2 for p in data["recommendations"])


def test_measured_bandwidth_in_a_hardware_file_sets_the_speed(tmp_path):
    def pick(extra):
        gpu = {"name": "NVIDIA GeForce RTX 4090", "memory_total_bytes": 25757220864, **extra}
        path = tmp_path / "hw.json"
        path.write_text(json.dumps({"schema": "sizer.probe/1", "gpus": [gpu]}))
        data = json.loads(run("--hardware", str(path), "--use-case", "chat", "--json").stdout)
        return {p["model"]: p["decode_tokens_per_s"] for p in data["recommendations"]}

    datasheet = pick({})
    measured = pick({"bandwidth_bytes_per_s": 5e11, "bandwidth_measured": True})
    common = set(datasheet) & set(measured)
    assert common
    assert all(measured[m] < datasheet[m] for m in common)
