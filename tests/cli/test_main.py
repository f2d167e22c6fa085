"""The real entry point (`python -m sizer`): usage errors are one line and exit 2; --version; --help."""

from __future__ import annotations

import subprocess
import sys

import pytest

from sizer import __version__


def sizer(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "sizer", *args], capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["estimate", "llama-3.1-8b", "--context", "abc"], "--context"),
        (["estimate"], "Missing argument"),
        (["no-such-command"], "No such command"),
        (["estimate", "llama-3.1-8b", "--gpu", "RTX 9090"], "did you mean"),
    ],
)
def test_bad_usage_is_one_line_exit_2(args, needle):
    result = sizer(*args)
    assert result.returncode == 2, result.stderr
    assert needle in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_version_and_help():
    assert sizer("--version").stdout.strip() == f"sizer {__version__}"
    result = sizer("--help")
    assert result.returncode == 0 and "estimate" in result.stdout
