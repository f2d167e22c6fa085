"""`sizer probe --bench`: measured RAM bandwidth (numpy) and GPU copy bandwidth (torch or cupy)."""

from __future__ import annotations

import itertools
import math
import os
import time
from collections.abc import Callable
from typing import Any

from sizer.errors import N_, Message
from sizer.io.hardware.nvml import _error_text, _text
from sizer.models import GpuDevice, Host, Vendor
from sizer.units import MiB

# `sizer probe --bench`: array sizes and repeats (best of N).
BENCH_RAM_BYTES = 256 * MiB
BENCH_GPU_BYTES = 1024 * MiB
BENCH_REPEATS = 5

Progress = Callable[[Message, int, int], None]  # (what, steps done, steps in all)


def measure_ram_bandwidth(
    size_bytes: int = BENCH_RAM_BYTES, repeats: int = BENCH_REPEATS, tick: Callable[[], None] | None = None
) -> float:
    """System-RAM copy bandwidth in bytes/s: best of `repeats` timed copies of a `size_bytes` array.

    A copy reads and writes every byte, counted as 2 x size (as STREAM's Copy does). The array is
    split across threads (numpy releases the GIL while copying) so all memory channels are used,
    as llama.cpp's CPU threads use them.
    """
    from concurrent.futures import ThreadPoolExecutor  # with logging, some 20 ms: only when measuring

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
    warnings: list[str | Message] = list(host.warnings)
    backend = _gpu_backend() if any(g.vendor in {Vendor.NVIDIA, Vendor.AMD} for g in host.gpus) else None
    if host.gpus and backend is None:
        warnings.append(Message(N_("GPU bandwidth not measured: neither torch nor cupy with a GPU is importable")))
    kind, lib = backend if backend else ("", None)
    targets = list(host.gpus) if backend else []
    total, done = repeats * (1 + len(targets)), 0

    def tick(what: Message) -> Callable[[], None]:
        def advance() -> None:
            nonlocal done
            done += 1
            if progress:
                progress(what, done, total)

        return advance

    ram_copy = Message(N_("system RAM copy"))
    if progress:
        progress(ram_copy, 0, total)
    try:
        ram = measure_ram_bandwidth(ram_bytes, repeats, tick(ram_copy))
    except Exception as exc:  # MemoryError on a small machine
        ram = None
        warnings.append(Message(N_("RAM bandwidth not measured: {error}"), error=_error_text(exc)))
    gpus, taken = list(host.gpus), set[int]()
    for pos, device in enumerate(targets):
        try:
            index = _backend_index(kind, lib, device, taken)
            if index is None:
                warnings.append(
                    Message(
                        N_("GPU {index}: {backend} does not see {name}; bandwidth not measured"),
                        index=device.index,
                        backend=kind,
                        name=repr(device.name),
                    )
                )
                continue
            taken.add(index)
            free = device.memory_free_bytes or device.memory_total_bytes
            size = min(gpu_bytes, free // 4)
            what = Message(N_("GPU {index} copy"), index=device.index)
            measured = _gpu_copy_bandwidth(kind, lib, index, size, repeats, tick(what))
        except Exception as exc:  # out of memory, a busy GPU, a broken runtime
            warnings.append(
                Message(N_("GPU {index}: bandwidth not measured: {error}"), index=device.index, error=_error_text(exc))
            )
            continue
        gpus[pos] = device.model_copy(update={"bandwidth_bytes_per_s": measured, "bandwidth_measured": True})
    return host.model_copy(
        update={"measured_ram_bandwidth_bytes_per_s": ram, "gpus": tuple(gpus), "warnings": tuple(warnings)}
    )
