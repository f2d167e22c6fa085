"""AMD GPUs through amdsmi, else rocm-smi."""

from __future__ import annotations

import json
import re
import shutil
from typing import Any

from sizer.errors import N_, Message
from sizer.io.hardware import system
from sizer.io.hardware.nvml import _error_text
from sizer.models import GpuDevice, Vendor

# AMD through amdsmi, else rocm-smi


def _read_amd() -> tuple[list[GpuDevice], list[str | Message]]:
    """AMD GPUs through amdsmi when importable, else `rocm-smi --json`; neither present is no warning."""
    try:
        import amdsmi
    except ImportError:
        return _read_rocm_smi()
    try:
        amdsmi.amdsmi_init()
    except Exception as exc:
        return [], [Message(N_("amdsmi unavailable: {error}"), error=_error_text(exc))]
    gpus: list[GpuDevice] = []
    warnings: list[str | Message] = []
    try:
        vram = amdsmi.AmdSmiMemoryType.VRAM
        for index, handle in enumerate(amdsmi.amdsmi_get_processor_handles()):
            try:
                name = str(amdsmi.amdsmi_get_gpu_asic_info(handle)["market_name"])
                total = int(amdsmi.amdsmi_get_gpu_memory_total(handle, vram))
                used = int(amdsmi.amdsmi_get_gpu_memory_usage(handle, vram))
            except Exception as exc:
                warnings.append(
                    Message(
                        N_("AMD GPU {index}: amdsmi could not read it: {error}"), index=index, error=_error_text(exc)
                    )
                )
                continue
            gpus.append(_amd_device(index, name, total, used))
    except Exception as exc:
        warnings.append(Message(N_("amdsmi: {error}"), error=_error_text(exc)))
    finally:
        try:
            amdsmi.amdsmi_shut_down()
        except Exception as exc:
            warnings.append(Message(N_("amdsmi shutdown: {error}"), error=_error_text(exc)))
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


def _read_rocm_smi() -> tuple[list[GpuDevice], list[str | Message]]:
    if shutil.which("rocm-smi") is None:
        return [], []
    out = system._run(["rocm-smi", "--showproductname", "--showmeminfo", "vram", "--json"])
    if out is None:
        return [], [Message(N_("rocm-smi failed: AMD GPUs not probed"))]
    try:
        return parse_rocm_smi(json.loads(out))
    except (ValueError, TypeError, AttributeError) as exc:
        return [], [Message(N_("rocm-smi: unexpected output: {error}"), error=exc)]


def parse_rocm_smi(data: dict[str, Any]) -> tuple[list[GpuDevice], list[str | Message]]:
    """GPUs from `rocm-smi --showproductname --showmeminfo vram --json` ({"card0": {...}, ...})."""
    gpus: list[GpuDevice] = []
    warnings: list[str | Message] = []
    for card, fields in sorted(data.items()):
        m = re.fullmatch(r"card(\d+)", card)
        if m is None or not isinstance(fields, dict):
            continue
        by_key = {k.lower(): str(v) for k, v in fields.items()}
        name = next((by_key[k] for k in ("card series", "market name", "card model") if by_key.get(k)), None)
        total = by_key.get("vram total memory (b)")
        used = by_key.get("vram total used memory (b)")
        if not name or not total or not total.isdigit():
            warnings.append(Message(N_("rocm-smi {card}: no product name or VRAM total"), card=card))
            continue
        gpus.append(_amd_device(int(m.group(1)), name, int(total), int(used) if used and used.isdigit() else None))
    return gpus, warnings
