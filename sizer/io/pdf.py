"""Printing an HTML page to PDF through headless Chromium (a subprocess, never a shell)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from sizer.errors import N_, InputError

BROWSERS = ("chromium", "chromium-browser", "google-chrome")
NO_BROWSER = N_("--report FILE.pdf needs Chromium: install the Debian package `chromium` (or write .html)")
PRINT_TIMEOUT_S = 120  # a cold Chromium start and one page; far more than a report takes


def find_browser() -> str | None:
    """The first headless-capable Chromium on PATH, or None."""
    for name in BROWSERS:
        path = shutil.which(name)
        if path is not None:
            return path
    return None


def html_to_pdf(html: str, target: Path, browser: str | None = None) -> None:
    """Write `html` to a temporary file and print it to `target` with `browser --headless`."""

    browser = browser or find_browser()
    if browser is None:
        raise InputError(NO_BROWSER)
    with tempfile.TemporaryDirectory(prefix="sizer-report-") as tmp:
        page = Path(tmp) / "report.html"
        page.write_text(html, encoding="utf-8")
        argv = [
            browser,
            "--headless",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--no-pdf-header-footer",
            f"--user-data-dir={Path(tmp) / 'profile'}",
            f"--print-to-pdf={target.resolve()}",
        ]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            argv.append("--no-sandbox")  # Chromium refuses to start as root with its sandbox
        argv.append(page.as_uri())
        try:
            done = subprocess.run(argv, capture_output=True, timeout=PRINT_TIMEOUT_S, check=False)
        except subprocess.TimeoutExpired:
            raise InputError(
                N_("{browser} did not print the report within {seconds} s"),
                browser=browser,
                seconds=PRINT_TIMEOUT_S,
            ) from None
        except OSError as err:
            raise InputError(N_("could not run {browser}: {reason}"), browser=browser, reason=err) from None
        if done.returncode != 0 or not target.exists():
            tail = done.stderr.decode(errors="replace").strip().splitlines()[-1:] or [f"exit {done.returncode}"]
            raise InputError(N_("{browser} could not print the report: {detail}"), browser=browser, detail=tail[0])
