"""The catalog: models and GPUs, and name resolution with did-you-mean. Reads no files.

GPU names are matched exactly as NVML and llama.cpp print them, after case and punctuation are
normalised; vendor words ("NVIDIA", "GeForce", "Tesla", "AMD", "Radeon") may be left out, but
nothing looser: "A100 80GB PCIe" never resolves to the SXM card.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

from sizer.bounds import MAX_DEVICE_BYTES, MAX_GPUS, MAX_NAME_CHARS, echo
from sizer.errors import N_, InputError, Message, UnknownNameError
from sizer.models import GpuSpec, ModelSpec, QuantLoss
from sizer.units import GiB

_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_VENDOR_WORDS = {"nvidia", "geforce", "tesla", "amd", "radeon", "intel", "r", "tm", "graphics", "apple"}
_COUNT_PREFIX = re.compile(r"^\s*(\d+)\s*[x×]\s+(.+)$", re.IGNORECASE)
_PAREN = re.compile(r"\s*\(([^)]*)\)\s*")
_CORES = re.compile(r"(\d+)\s*-?\s*core\s*gpu", re.IGNORECASE)
_MEMORY = re.compile(r"(\d+)\s*gb\b", re.IGNORECASE)
_MAX_DIGITS = 9  # digits of a count or size worth reading; int() of thousands of digits is refused or slow
_MAX_PART_SUGGESTIONS = 5  # entries a did-you-mean lists when the name is part of several (one line stays short)


def normalize(name: str) -> str:
    """Case- and punctuation-insensitive key: 'NVIDIA A100-SXM4-80GB' -> 'nvidia a100 sxm4 80gb'."""
    return _NON_ALNUM.sub(" ", name.lower()).strip()


def _number(name: str, what: str, digits: str, low: int, high: int) -> int:
    """A count or size written in a GPU name, within [low, high]; InputError naming the name otherwise."""
    value = int(digits) if len(digits) <= _MAX_DIGITS else high + 1
    if not low <= value <= high:
        raise InputError(
            N_("{name}: {what} must be from {low} to {high}, got {value}"),
            name=echo(repr(name)),
            what=Message(what),
            low=low,
            high=high,
            value=echo(digits, 20),
        )
    return value


def _strip_vendor(key: str) -> str:
    return " ".join(w for w in key.split() if w not in _VENDOR_WORDS)


@dataclass(frozen=True)
class GpuMatch:
    """A resolved GPU name: the entry, a count parsed from 'Nx …', and a memory size from '(…, 64GB)'."""

    gpu: GpuSpec
    count: int | None = None
    memory_gib: float | None = None


def _index(entries: list[tuple[str, list[str]]], kind: str, loose: bool) -> dict[str, str]:
    index: dict[str, str] = {}
    for entry_id, names in entries:
        keys = {normalize(n) for n in names}
        if loose:
            keys |= {_strip_vendor(k) for k in keys}
        for key in keys:
            if not key:
                continue
            other = index.setdefault(key, entry_id)
            if other != entry_id:
                raise InputError(
                    N_("catalog: {kind} name {key} is claimed by both {other} and {entry}"),
                    kind=Message(kind),
                    key=repr(key),
                    other=repr(other),
                    entry=repr(entry_id),
                )
    return index


@dataclass(frozen=True)
class Catalog:
    """Every model and GPU sizer knows, with look-ups by id, name and alias."""

    models: tuple[ModelSpec, ...]
    gpus: tuple[GpuSpec, ...]
    quant_losses: tuple[QuantLoss, ...] = ()  # each weight format's measured quality loss
    _model_index: dict[str, str] = field(init=False, repr=False, compare=False)
    _gpu_index: dict[str, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        models = [(m.id, [m.id, m.name, *(m.aliases), *([m.hf_repo] if m.hf_repo else [])]) for m in self.models]
        gpus = [(g.id, [g.id, g.name, *g.aliases]) for g in self.gpus]
        object.__setattr__(self, "_model_index", _index(models, N_("model"), loose=False))
        object.__setattr__(self, "_gpu_index", _index(gpus, N_("GPU"), loose=True))

    def model(self, name: str) -> ModelSpec:
        """The model for an id, display name, alias or Hugging Face repo (case-insensitive)."""
        key = normalize(name)
        hit = self._model_index.get(key)
        if hit is None and "/" in name:  # "org/Name" whose last part is known
            hit = self._model_index.get(normalize(name.rsplit("/", 1)[1]))
        if hit is None:
            raise UnknownNameError(
                N_("model"), name, self._suggest(key, self._model_index, [m.id for m in self.models])
            )
        return next(m for m in self.models if m.id == hit)

    def gpu(self, name: str) -> GpuSpec:
        """The GPU for an id, name or device string (see `match_gpu` for 'Nx' and Apple suffixes)."""
        return self.match_gpu(name).gpu

    def match_gpu(self, name: str) -> GpuMatch:
        """Resolve a GPU name as a user, NVML or llama-bench writes it.

        '4x NVIDIA A40' gives count 4; 'Apple M1 Max (32-core GPU, 64GB)' picks the 32-core bin and
        64 GiB of memory.
        """
        if len(name) > MAX_NAME_CHARS:  # before any regex or did-you-mean runs over it
            raise InputError(
                N_("GPU name {name} is longer than {most} characters"), name=echo(repr(name)), most=MAX_NAME_CHARS
            )
        count = None
        text = name
        m = _COUNT_PREFIX.match(text)
        if m:
            count, text = _number(name, N_("GPU count"), m.group(1), 1, MAX_GPUS), m.group(2)
        hit = self._lookup_gpu(text)
        memory = None
        paren = _PAREN.search(text)
        if hit is None and paren:
            detail = paren.group(1)
            plain = _PAREN.sub(" ", text).strip()
            hit = self._apple_bin(plain, detail) or self._lookup_gpu(plain)
            mem = _MEMORY.search(detail)
            memory = float(_number(name, N_("memory (GB)"), mem.group(1), 1, MAX_DEVICE_BYTES // GiB)) if mem else None
        if hit is None:
            key = _strip_vendor(normalize(text)) or normalize(text)  # 'NVIDIA H100' suggests as 'H100' does
            raise UnknownNameError(N_("GPU"), name, self._suggest(key, self._gpu_index, [g.id for g in self.gpus]))
        gpu = next(g for g in self.gpus if g.id == hit)
        return GpuMatch(gpu=gpu, count=count, memory_gib=memory)

    def _lookup_gpu(self, text: str) -> str | None:
        key = normalize(text)
        return self._gpu_index.get(key) or self._gpu_index.get(_strip_vendor(key))

    def _apple_bin(self, plain: str, detail: str) -> str | None:
        cores = _CORES.search(detail)
        base = self._lookup_gpu(plain)
        if cores is None or base is None:
            return None
        family = next(g for g in self.gpus if g.id == base)
        want = int(cores.group(1)) if len(cores.group(1)) <= _MAX_DIGITS else 0  # no bin has that many
        chip = normalize(family.name.split("(")[0])
        for g in self.gpus:
            if g.gpu_cores == want and normalize(g.name.split("(")[0]) == chip:
                return g.id
        return None

    @staticmethod
    def _suggest(key: str, index: dict[str, str], ids: list[str]) -> list[str]:
        """Did-you-mean for an unknown name. A name that begins words of several entries' names
        ('h100' of 'h100 sxm', 'h100 pcie', 'h100 nvl') names those entries, up to
        _MAX_PART_SUGGESTIONS in catalog order; otherwise the three closest spellings (difflib)."""
        out: list[str] = []
        if key:
            starts = re.compile(r"(?:^| )" + re.escape(key))
            for k, entry in index.items():
                if entry not in out and starts.search(k):
                    out.append(entry)
        if len(out) > 1:
            return out[:_MAX_PART_SUGGESTIONS]
        for k in difflib.get_close_matches(key, list(index), n=6, cutoff=0.6):
            if index[k] not in out:
                out.append(index[k])
        if not out:  # substring hint: 'rtx' -> the entries whose names contain it
            out = [i for i in ids if key and key.replace(" ", "-") in i][:3]
        return out[:3]
