"""What hardware this machine has: CPU, RAM and disks through psutil; GPUs through NVML (NVIDIA),
amdsmi or rocm-smi (AMD) and sysctl (Apple Silicon). An adapter: it never raises for a missing GPU,
driver or library. Whatever cannot be read becomes a line in `Host.warnings`, and a machine
without a GPU is a normal answer (no GPUs, and the warnings say why).

NVML comes from the `pynvml` module that nvidia-ml-py provides, imported inside the functions
that use it, as are amdsmi, numpy, torch and cupy.

Memory bandwidth from NVML: bytes/s = bus_width_bits / 8 x max_memory_clock_MHz x 10**6 x 2.
`nvmlDeviceGetMaxClockInfo(NVML_CLOCK_MEM)` reports the clock that GDDR and HBM move data on both
edges of, so the data rate per pin is twice it, for every memory type checked against datasheets
(`nvidia-smi -q` "Max Clocks / Memory" with the bus width):
  RTX 4090, GDDR6X: 384 bit, 10501 MHz -> 1008 GB/s (datasheet 1008)
  A100 SXM4 80GB, HBM2e: 5120 bit, 1593 MHz -> 2039 GB/s (datasheet 2039)
  H100 SXM5, HBM3: 5120 bit, 2619 MHz -> 3352 GB/s (datasheet 3350)
"""

from __future__ import annotations

import itertools
import json
import math
import os
import platform
import re
import shutil
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from sizer.catalog import Catalog
from sizer.errors import UnknownNameError
from sizer.models import CpuInfo, DiskInfo, GpuDevice, Host, MemoryInfo, Vendor
from sizer.units import MiB, bits_to_bytes

# Data transfers per NVML memory clock cycle (double data rate relative to the reported clock;
# see the module docstring for the datasheet check).
TRANSFERS_PER_MEMORY_CLOCK = 2
_HZ_PER_MHZ = 10**6
_MW_PER_W = 1000
_COMMAND_TIMEOUT_S = 15
_DEFAULT_NVLINK_LINKS = 18  # NVML_NVLINK_MAX_LINKS in older nvidia-ml-py

# `sizer probe --bench`: array sizes and repeats (best of N).
BENCH_RAM_BYTES = 256 * MiB
BENCH_GPU_BYTES = 1024 * MiB
BENCH_REPEATS = 5

Progress = Callable[[str, int, int], None]  # (what, steps done, steps in all)
ModelsDir = tuple[str, Path]  # (label, directory)


def memory_bandwidth_bytes_per_s(bus_width_bits: int, max_memory_clock_mhz: int) -> float:
    """Peak memory bandwidth in bytes/s from NVML's bus width and max memory clock (module docstring)."""
    return bits_to_bytes(bus_width_bits) * max_memory_clock_mhz * _HZ_PER_MHZ * TRANSFERS_PER_MEMORY_CLOCK


# ---------------------------------------------------------------------------------------------
# The whole probe


def probe(catalog: Catalog | None = None, models_dirs: Sequence[Path] | None = None) -> Host:
    """Probe this machine; never raises for missing GPUs, drivers or libraries.

    `catalog` matches each GPU by the name its driver reports (exactly); `models_dirs` replaces
    the Hugging Face and ollama cache directories whose free disk space is reported.
    """
    warnings: list[str] = []
    gpus: list[GpuDevice] = []
    if platform.system() == "Darwin":
        found, notes = _read_apple()
        gpus += found
        warnings += notes
    else:
        for reader in (_read_nvml, _read_amd):
            found, notes = reader()
            gpus += found
            warnings += notes
    if catalog is not None:
        gpus = [_match_catalog(g, catalog, warnings) for g in gpus]
    dirs = [("models-dir", Path(p)) for p in models_dirs] if models_dirs else default_models_dirs()
    return Host(
        os=_os_name(),
        cpu=_read_cpu(),
        memory=_read_memory(),
        disks=tuple(_read_disks(dirs, warnings)),
        gpus=tuple(gpus),
        warnings=tuple(warnings),
    )


def _match_catalog(gpu: GpuDevice, catalog: Catalog, warnings: list[str]) -> GpuDevice:
    """Set `catalog_id` from the name exactly as the driver prints it; note a GPU the catalog lacks."""
    try:
        entry = catalog.gpu(gpu.name)
    except UnknownNameError:
        warnings.append(
            f"GPU {gpu.index} {gpu.name!r} is not in the catalog: estimates use its probed memory and "
            "bandwidth and an assumed FP16 rate (Assumptions.fallback_fp16_tflops_per_gb_per_s)"
        )
        return gpu
    return gpu.model_copy(update={"catalog_id": entry.id})


def _run(command: Sequence[str]) -> str | None:
    """stdout of a command, or None when it is missing, fails or times out."""
    if shutil.which(command[0]) is None:
        return None
    try:
        done = subprocess.run(list(command), capture_output=True, text=True, timeout=_COMMAND_TIMEOUT_S, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None


# ---------------------------------------------------------------------------------------------
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


def _read_disks(dirs: Sequence[ModelsDir], warnings: list[str]) -> list[DiskInfo]:
    """Free space for each models directory: itself where it exists, else its nearest existing parent."""
    import psutil

    out = []
    for label, requested in dirs:
        requested = requested.expanduser().absolute()
        existing = _nearest_existing(requested)
        if existing is None:
            warnings.append(f"disk for {label} ({requested}): no existing directory on its path")
            continue
        try:
            usage = psutil.disk_usage(str(existing))
        except OSError as exc:
            warnings.append(f"disk for {label} ({existing}): {exc.strerror or exc}")
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


# ---------------------------------------------------------------------------------------------
# NVIDIA through NVML


def _text(value: Any) -> str:
    """nvidia-ml-py returns str; releases before 11.515 returned bytes."""
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)


def _error_text(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__


class _Queries:
    """Calls into pynvml for one device; each failure becomes a note instead of an exception."""

    def __init__(self, nvml: Any, handle: Any) -> None:
        self.nvml, self.handle = nvml, handle
        self.missing: list[str] = []

    def __call__(self, what: str, function: str, *args: Any) -> Any:
        try:
            return getattr(self.nvml, function)(self.handle, *args)
        except Exception as exc:  # NVMLError_NotSupported and friends; AttributeError on old pynvml
            self.missing.append(f"{what} ({_error_text(exc)})")
            return None


def _cuda_version(nvml: Any) -> str | None:
    try:
        version = int(nvml.nvmlSystemGetCudaDriverVersion())  # 12020 -> "12.2"
    except Exception:
        return None
    return f"{version // 1000}.{version % 1000 // 10}"


def _driver_version(nvml: Any) -> str | None:
    try:
        return _text(nvml.nvmlSystemGetDriverVersion())
    except Exception:
        return None


def _nvlink_links(nvml: Any, handle: Any) -> int | None:
    """Active NVLink links; None when NVML reports none (GPUs without NVLink raise NotSupported)."""
    active = queried = 0
    enabled = getattr(nvml, "NVML_FEATURE_ENABLED", 1)
    for link in range(getattr(nvml, "NVML_NVLINK_MAX_LINKS", _DEFAULT_NVLINK_LINKS)):
        try:
            state = nvml.nvmlDeviceGetNvLinkState(handle, link)
        except Exception:  # past the last link (InvalidArgument) or no NVLink at all (NotSupported)
            break
        queried += 1
        active += state == enabled
    return active if queried else None


def _nvml_device(nvml: Any, index: int, driver: str | None, cuda: str | None, warnings: list[str]) -> GpuDevice | None:
    try:
        handle = nvml.nvmlDeviceGetHandleByIndex(index)
        name = _text(nvml.nvmlDeviceGetName(handle))
        memory = nvml.nvmlDeviceGetMemoryInfo(handle)
    except Exception as exc:
        warnings.append(f"GPU {index}: NVML could not read it: {_error_text(exc)}")
        return None
    q = _Queries(nvml, handle)
    uuid = q("UUID", "nvmlDeviceGetUUID")
    capability = q("compute capability", "nvmlDeviceGetCudaComputeCapability")
    bus = q("memory bus width", "nvmlDeviceGetMemoryBusWidth")
    clock = q("max memory clock", "nvmlDeviceGetMaxClockInfo", getattr(nvml, "NVML_CLOCK_MEM", 2))
    power_mw = q("power limit", "nvmlDeviceGetPowerManagementLimit")
    pcie_gen = q("PCIe generation", "nvmlDeviceGetMaxPcieLinkGeneration")
    pcie_width = q("PCIe width", "nvmlDeviceGetMaxPcieLinkWidth")
    processes = q("processes", "nvmlDeviceGetComputeRunningProcesses")
    if q.missing:
        warnings.append(f"GPU {index} ({name}): not reported by NVML: {', '.join(q.missing)}")
    bandwidth = memory_bandwidth_bytes_per_s(int(bus), int(clock)) if bus and clock else None
    return GpuDevice(
        index=index,
        name=name,
        vendor=Vendor.NVIDIA,
        uuid=_text(uuid) if uuid is not None else None,
        memory_total_bytes=int(memory.total),
        memory_free_bytes=int(memory.free),
        memory_used_bytes=int(memory.used),
        bandwidth_bytes_per_s=bandwidth,
        driver_version=driver,
        cuda_version=cuda,
        compute_capability=f"{capability[0]}.{capability[1]}" if capability else None,
        memory_bus_width_bits=int(bus) if bus else None,
        max_memory_clock_mhz=int(clock) if clock else None,
        power_limit_w=power_mw / _MW_PER_W if power_mw else None,
        pcie_generation=int(pcie_gen) if pcie_gen else None,
        pcie_width=int(pcie_width) if pcie_width else None,
        nvlink_links=_nvlink_links(nvml, handle),
        processes=len(processes) if processes is not None else None,
    )


def _read_nvml() -> tuple[list[GpuDevice], list[str]]:
    """NVIDIA GPUs through NVML; every failure becomes a warning."""
    try:
        import pynvml
    except ImportError:
        return [], ["NVML library not importable (install nvidia-ml-py): NVIDIA GPUs not probed"]
    try:
        pynvml.nvmlInit()
    except Exception as exc:  # NVMLError_LibraryNotFound, _DriverNotLoaded, _LibRmVersionMismatch, …
        return [], [f"NVML unavailable: {_error_text(exc)} (no NVIDIA driver, or it does not match the library)"]
    gpus: list[GpuDevice] = []
    warnings: list[str] = []
    try:
        count = int(pynvml.nvmlDeviceGetCount())
        driver, cuda = _driver_version(pynvml), _cuda_version(pynvml)
        for index in range(count):
            device = _nvml_device(pynvml, index, driver, cuda, warnings)
            if device is not None:
                gpus.append(device)
    except Exception as exc:
        warnings.append(f"NVML: {_error_text(exc)}")
    finally:
        try:
            pynvml.nvmlShutdown()
        except Exception as exc:
            warnings.append(f"NVML shutdown: {_error_text(exc)}")
    return gpus, warnings


# ---------------------------------------------------------------------------------------------
# AMD through amdsmi, else rocm-smi


def _read_amd() -> tuple[list[GpuDevice], list[str]]:
    """AMD GPUs through amdsmi when importable, else `rocm-smi --json`; neither present is no warning."""
    try:
        import amdsmi
    except ImportError:
        return _read_rocm_smi()
    try:
        amdsmi.amdsmi_init()
    except Exception as exc:
        return [], [f"amdsmi unavailable: {_error_text(exc)}"]
    gpus: list[GpuDevice] = []
    warnings: list[str] = []
    try:
        vram = amdsmi.AmdSmiMemoryType.VRAM
        for index, handle in enumerate(amdsmi.amdsmi_get_processor_handles()):
            try:
                name = str(amdsmi.amdsmi_get_gpu_asic_info(handle)["market_name"])
                total = int(amdsmi.amdsmi_get_gpu_memory_total(handle, vram))
                used = int(amdsmi.amdsmi_get_gpu_memory_usage(handle, vram))
            except Exception as exc:
                warnings.append(f"AMD GPU {index}: amdsmi could not read it: {_error_text(exc)}")
                continue
            gpus.append(_amd_device(index, name, total, used))
    except Exception as exc:
        warnings.append(f"amdsmi: {_error_text(exc)}")
    finally:
        try:
            amdsmi.amdsmi_shut_down()
        except Exception as exc:
            warnings.append(f"amdsmi shutdown: {_error_text(exc)}")
    return gpus, warnings


def _amd_device(index: int, name: str, total: int, used: int | None) -> GpuDevice:
    return GpuDevice(
        index=index,
        name=name,
        vendor=Vendor.AMD,
        memory_total_bytes=total,
        memory_used_bytes=used,
        memory_free_bytes=max(0, total - used) if used is not None else None,
    )


def _read_rocm_smi() -> tuple[list[GpuDevice], list[str]]:
    if shutil.which("rocm-smi") is None:
        return [], []
    out = _run(["rocm-smi", "--showproductname", "--showmeminfo", "vram", "--json"])
    if out is None:
        return [], ["rocm-smi failed: AMD GPUs not probed"]
    try:
        return parse_rocm_smi(json.loads(out))
    except (ValueError, TypeError, AttributeError) as exc:
        return [], [f"rocm-smi: unexpected output: {exc}"]


def parse_rocm_smi(data: dict[str, Any]) -> tuple[list[GpuDevice], list[str]]:
    """GPUs from `rocm-smi --showproductname --showmeminfo vram --json` ({"card0": {...}, ...})."""
    gpus, warnings = [], []
    for card, fields in sorted(data.items()):
        m = re.fullmatch(r"card(\d+)", card)
        if m is None or not isinstance(fields, dict):
            continue
        by_key = {k.lower(): str(v) for k, v in fields.items()}
        name = next((by_key[k] for k in ("card series", "market name", "card model") if by_key.get(k)), None)
        total = by_key.get("vram total memory (b)")
        used = by_key.get("vram total used memory (b)")
        if not name or not total or not total.isdigit():
            warnings.append(f"rocm-smi {card}: no product name or VRAM total")
            continue
        gpus.append(_amd_device(int(m.group(1)), name, int(total), int(used) if used and used.isdigit() else None))
    return gpus, warnings


# ---------------------------------------------------------------------------------------------
# Apple Silicon through sysctl


def _apple_gpu_cores() -> int | None:
    out = _run(["system_profiler", "SPDisplaysDataType", "-json"])
    try:
        displays = json.loads(out or "{}").get("SPDisplaysDataType", [])
        return int(displays[0]["sppci_cores"]) if displays else None
    except (ValueError, KeyError, TypeError, IndexError):
        return None


def _read_apple() -> tuple[list[GpuDevice], list[str]]:
    """The Apple Silicon GPU: chip name, GPU core count and unified memory size."""
    chip = (_run(["sysctl", "-n", "machdep.cpu.brand_string"]) or "").strip()
    if not chip.startswith("Apple"):
        return [], [f"no Apple Silicon GPU (CPU {chip or 'unknown'})"]
    memsize = (_run(["sysctl", "-n", "hw.memsize"]) or "").strip()
    if not memsize.isdigit():
        return [], [f"{chip}: sysctl hw.memsize unreadable; unified memory unknown"]
    import psutil

    cores = _apple_gpu_cores()
    return [
        GpuDevice(
            index=0,
            name=f"{chip} ({cores}-core GPU)" if cores else chip,
            vendor=Vendor.APPLE,
            memory_total_bytes=int(memsize),
            memory_free_bytes=int(psutil.virtual_memory().available),
            memory_type="LPDDR (unified)",
        )
    ], []


# ---------------------------------------------------------------------------------------------
# --bench: measured bandwidth


def measure_ram_bandwidth(
    size_bytes: int = BENCH_RAM_BYTES, repeats: int = BENCH_REPEATS, tick: Callable[[], None] | None = None
) -> float:
    """System-RAM copy bandwidth in bytes/s: best of `repeats` timed copies of a `size_bytes` array.

    A copy reads and writes every byte, counted as 2 x size (as STREAM's Copy does). The array is
    split across threads (numpy releases the GIL while copying) so all memory channels are used,
    as llama.cpp's CPU threads use them.
    """
    import numpy as np

    threads = max(1, min(os.cpu_count() or 1, 32))
    src = np.ones(size_bytes, dtype=np.uint8)
    dst = np.empty_like(src)
    bounds = [size_bytes * k // threads for k in range(threads + 1)]
    chunks = [(dst[lo:hi], src[lo:hi]) for lo, hi in itertools.pairwise(bounds)]
    best = math.inf
    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(lambda pair: np.copyto(*pair), chunks))  # warm-up: fault every page in
        for _ in range(repeats):
            start = time.perf_counter()
            list(pool.map(lambda pair: np.copyto(*pair), chunks))
            best = min(best, time.perf_counter() - start)
            if tick:
                tick()
    return 2 * size_bytes / best


def _gpu_backend() -> tuple[str, Any] | None:
    """torch or cupy with a usable CUDA/ROCm device, else None."""
    try:
        import torch

        if torch.cuda.is_available():
            return "torch", torch
    except Exception:
        pass
    try:
        import cupy

        if cupy.cuda.runtime.getDeviceCount() > 0:
            return "cupy", cupy
    except Exception:
        pass
    return None


def _backend_index(kind: str, lib: Any, device: GpuDevice, taken: set[int]) -> int | None:
    """The backend's device index for a probed GPU: by UUID where torch tells, else by name in order."""
    if kind == "torch":
        count = lib.cuda.device_count()
        names = [lib.cuda.get_device_name(i) for i in range(count)]
        for i in range(count):
            uuid = getattr(lib.cuda.get_device_properties(i), "uuid", None)
            if uuid is not None and device.uuid and str(uuid) in device.uuid and i not in taken:
                return i
    else:
        count = lib.cuda.runtime.getDeviceCount()
        names = [_text(lib.cuda.runtime.getDeviceProperties(i)["name"]) for i in range(count)]
    return next((i for i, n in enumerate(names) if n == device.name and i not in taken), None)


def _gpu_copy_bandwidth(
    kind: str, lib: Any, index: int, size_bytes: int, repeats: int, tick: Callable[[], None] | None
) -> float:
    """Device-memory copy bandwidth in bytes/s (2 x size per copy), best of `repeats`."""
    if kind == "torch":
        dev = lib.device("cuda", index)
        src = lib.ones(size_bytes, dtype=lib.uint8, device=dev)
        dst = lib.empty_like(src)

        def copy() -> None:
            dst.copy_(src)
            lib.cuda.synchronize(dev)
    else:
        lib.cuda.Device(index).use()
        src = lib.ones(size_bytes, dtype=lib.uint8)
        dst = lib.empty_like(src)

        def copy() -> None:
            lib.copyto(dst, src)
            lib.cuda.Device(index).synchronize()

    copy()  # warm-up
    best = math.inf
    for _ in range(repeats):
        start = time.perf_counter()
        copy()
        best = min(best, time.perf_counter() - start)
        if tick:
            tick()
    return 2 * size_bytes / best  # the arrays are freed when this frame goes


def bench(
    host: Host,
    progress: Progress | None = None,
    ram_bytes: int | None = None,
    gpu_bytes: int | None = None,
    repeats: int | None = None,
) -> Host:
    """`host` with measured RAM bandwidth and, where torch or cupy can reach them, measured GPU bandwidth.

    Takes seconds. `progress(what, done, total)` is called after every timed copy. Never raises
    for a missing library or GPU: what cannot be measured becomes a warning.
    """
    ram_bytes, gpu_bytes = ram_bytes or BENCH_RAM_BYTES, gpu_bytes or BENCH_GPU_BYTES
    repeats = repeats or BENCH_REPEATS
    warnings = list(host.warnings)
    backend = _gpu_backend() if any(g.vendor in {Vendor.NVIDIA, Vendor.AMD} for g in host.gpus) else None
    if host.gpus and backend is None:
        warnings.append("GPU bandwidth not measured: neither torch nor cupy with a GPU is importable")
    kind, lib = backend if backend else ("", None)
    targets = list(host.gpus) if backend else []
    total, done = repeats * (1 + len(targets)), 0

    def tick(what: str) -> Callable[[], None]:
        def advance() -> None:
            nonlocal done
            done += 1
            if progress:
                progress(what, done, total)

        return advance

    if progress:
        progress("system RAM copy", 0, total)
    try:
        ram = measure_ram_bandwidth(ram_bytes, repeats, tick("system RAM copy"))
    except Exception as exc:  # MemoryError on a small machine
        ram = None
        warnings.append(f"RAM bandwidth not measured: {_error_text(exc)}")
    gpus, taken = list(host.gpus), set[int]()
    for pos, device in enumerate(targets):
        try:
            index = _backend_index(kind, lib, device, taken)
            if index is None:
                warnings.append(f"GPU {device.index}: {kind} does not see {device.name!r}; bandwidth not measured")
                continue
            taken.add(index)
            free = device.memory_free_bytes or device.memory_total_bytes
            size = min(gpu_bytes, free // 4)
            measured = _gpu_copy_bandwidth(kind, lib, index, size, repeats, tick(f"GPU {device.index} copy"))
        except Exception as exc:  # out of memory, a busy GPU, a broken runtime
            warnings.append(f"GPU {device.index}: bandwidth not measured: {_error_text(exc)}")
            continue
        gpus[pos] = device.model_copy(update={"bandwidth_bytes_per_s": measured, "bandwidth_measured": True})
    return host.model_copy(
        update={"measured_ram_bandwidth_bytes_per_s": ram, "gpus": tuple(gpus), "warnings": tuple(warnings)}
    )
