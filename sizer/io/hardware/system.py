"""CPU, RAM, disks and OS of this machine (psutil, /proc/cpuinfo, sysctl); external commands."""

from __future__ import annotations

import os
import platform
import re
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

from sizer.errors import N_, Message
from sizer.models import CpuInfo, DiskInfo, MemoryInfo

_COMMAND_TIMEOUT_S = 15
ModelsDir = tuple[str, Path]  # (label, directory)


def _run(command: Sequence[str]) -> str | None:
    """stdout of a command, or None when it is missing, fails or times out."""
    if shutil.which(command[0]) is None:
        return None
    try:
        done = subprocess.run(list(command), capture_output=True, text=True, timeout=_COMMAND_TIMEOUT_S, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None


# CPU, memory, disks, OS


def _os_name() -> str:
    system = platform.system() or "unknown"
    if system == "Darwin":
        return f"macOS {platform.mac_ver()[0]}".strip()
    name = f"{system} {platform.release()}".strip()
    if system == "Linux":
        try:
            pretty = platform.freedesktop_os_release().get("PRETTY_NAME")
        except OSError:
            pretty = None
        if pretty:
            name += f" ({pretty})"
    return name


def _cpu_model() -> str:
    if platform.system() == "Darwin":
        brand = _run(["sysctl", "-n", "machdep.cpu.brand_string"])
        if brand and brand.strip():
            return brand.strip()
    if platform.system() == "Linux":
        # The kernel's CPU description (psutil reads /proc the same way; platform.processor() says "x86_64").
        try:
            text = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
        except OSError:
            text = ""
        for key in ("model name", "Model", "Hardware", "cpu model"):
            m = re.search(rf"^{key}\s*:\s*(.+)$", text, re.MULTILINE)
            if m:
                return m.group(1).strip()
    return platform.processor() or platform.machine() or "unknown"


def _read_cpu() -> CpuInfo:
    import psutil

    physical = psutil.cpu_count(logical=False)
    logical = psutil.cpu_count(logical=True)
    return CpuInfo(
        model=_cpu_model(),
        physical_cores=physical or None,
        logical_cores=logical or None,
        arch=platform.machine() or "unknown",
    )


def _read_memory() -> MemoryInfo:
    import psutil

    vm = psutil.virtual_memory()
    return MemoryInfo(total_bytes=int(vm.total), available_bytes=int(vm.available))


def default_models_dirs(env: Mapping[str, str] | None = None, home: Path | None = None) -> list[ModelsDir]:
    """Where models live by default: the Hugging Face hub cache and ollama's model store.

    HF_HUB_CACHE (or the older HUGGINGFACE_HUB_CACHE), else HF_HOME/hub, else
    $XDG_CACHE_HOME/huggingface/hub or ~/.cache/huggingface/hub; OLLAMA_MODELS, else ~/.ollama/models.
    """
    env = os.environ if env is None else env
    home = Path.home() if home is None else home
    if env.get("HF_HUB_CACHE") or env.get("HUGGINGFACE_HUB_CACHE"):
        hf = Path(env.get("HF_HUB_CACHE") or env["HUGGINGFACE_HUB_CACHE"])
    elif env.get("HF_HOME"):
        hf = Path(env["HF_HOME"]) / "hub"
    else:
        hf = Path(env.get("XDG_CACHE_HOME") or home / ".cache") / "huggingface" / "hub"
    ollama = Path(env["OLLAMA_MODELS"]) if env.get("OLLAMA_MODELS") else home / ".ollama" / "models"
    return [("huggingface", hf.expanduser()), ("ollama", ollama.expanduser())]


def _nearest_existing(path: Path) -> Path | None:
    for candidate in (path, *path.parents):
        try:
            if candidate.is_dir():
                return candidate
        except OSError:
            continue
    return None


def _read_disks(dirs: Sequence[ModelsDir], warnings: list[str | Message]) -> list[DiskInfo]:
    """Free space for each models directory: itself where it exists, else its nearest existing parent."""
    import psutil

    out = []
    for label, requested in dirs:
        requested = requested.expanduser().absolute()
        existing = _nearest_existing(requested)
        if existing is None:
            warnings.append(
                Message(N_("disk for {label} ({path}): no existing directory on its path"), label=label, path=requested)
            )
            continue
        try:
            usage = psutil.disk_usage(str(existing))
        except OSError as exc:
            warnings.append(
                Message(N_("disk for {label} ({path}): {error}"), label=label, path=existing, error=exc.strerror or exc)
            )
            continue
        out.append(
            DiskInfo(
                path=str(existing),
                total_bytes=int(usage.total),
                free_bytes=int(usage.free),
                label=label,
                requested_path=None if existing == requested else str(requested),
            )
        )
    return out
