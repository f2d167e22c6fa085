"""The file reader: the shipped catalogs (package data) and user YAML files. Safe loader only.

A YAML file is read with a size limit and `yaml.SafeLoader` (or its C twin), so a tag that would
build a Python object is refused. Validation errors name the file, the entry and the field.
"""

from __future__ import annotations

import functools
import json
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from sizer.catalog import Catalog
from sizer.errors import CatalogError, InputError
from sizer.models import GpuSpec, Host, ModelSpec

_T = TypeVar("_T", bound=BaseModel)

MAX_YAML_BYTES = 8 * 2**20  # no catalog or spec is anywhere near this; refuse larger input unread
MAX_HOST_BYTES = 2**20  # a probe document is a few KiB


def read_yaml(text: str, origin: str) -> Any:
    """Parse YAML text with the safe loader; errors name `origin` and the line."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        return yaml.load(text, Loader=loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise InputError(f"{origin}{where}: invalid YAML: {problem}") from None


def _read_text(path: Path, limit: int, kind: str) -> str:
    """A UTF-8 text file of at most `limit` bytes (checked before reading)."""
    try:
        size = path.stat().st_size
        if size > limit:
            raise InputError(f"{path}: file is {size} bytes, more than the {limit} a {kind} file may have")
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text") from None


def read_yaml_file(path: Path) -> Any:
    """Read and parse a YAML file of bounded size."""
    return read_yaml(_read_text(path, MAX_YAML_BYTES, "YAML"), str(path))


def describe_validation_error(exc: ValidationError, origin: str, prefix: str = "") -> str:
    """One line per problem: 'file: entry.field: message'."""
    lines = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"])
        where = f"{prefix}.{loc}" if prefix and loc else prefix or loc
        lines.append(f"{origin}: {where}: {err['msg']}")
    return "; ".join(lines)


def _location(loc: tuple[int | str, ...]) -> str:
    """pydantic's error location as a path: ('gpus', 0, 'memory_total_bytes') -> 'gpus[0].memory_total_bytes'."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _in_catalog(catalog: Catalog, *names: str | None) -> bool:
    for name in names:
        if name:
            try:
                catalog.gpu(name)
                return True
            except InputError:
                continue
    return False


def load_host(path: Path, catalog: Catalog | None = None) -> Host:
    """A hardware description (schema sizer.probe/1): `sizer probe --json` output or a hand-written
    JSON or YAML file. Each GPU needs only name and memory_total_bytes, plus bandwidth_bytes_per_s
    when `catalog` lacks its name. Errors name the file and the field, on one line."""
    text = _read_text(path, MAX_HOST_BYTES, "hardware")
    if path.suffix.lower() in {".yaml", ".yml"}:
        data = read_yaml(text, str(path))
    else:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"{path}:{exc.lineno}: invalid JSON: {exc.msg}") from None
    if not isinstance(data, dict):
        raise InputError(f"{path}: expected a JSON object (a sizer.probe/1 document with a 'gpus' list)")
    try:
        host = Host.model_validate(data)
    except ValidationError as exc:
        problems = [f"{_location(tuple(e['loc'])) or '(document)'}: {e['msg']}" for e in exc.errors()]
        raise InputError(f"{path}: {'; '.join(problems)}") from None
    if catalog is not None:
        for i, gpu in enumerate(host.gpus):
            if gpu.bandwidth_bytes_per_s is None and not _in_catalog(catalog, gpu.catalog_id, gpu.name):
                raise InputError(
                    f"{path}: gpus[{i}].bandwidth_bytes_per_s: required for a GPU the catalog lacks ({gpu.name!r})"
                )
    return host


def _entries(data: Any, key: str, cls: type[_T], origin: str) -> list[_T]:
    if not isinstance(data, dict) or not isinstance(data.get(key), list):
        raise CatalogError(f"{origin}: expected a mapping with a '{key}' list")
    out = []
    for i, raw in enumerate(data[key]):
        name = raw.get("id", f"#{i}") if isinstance(raw, dict) else f"#{i}"
        try:
            out.append(cls.model_validate(raw))
        except ValidationError as exc:
            raise CatalogError(describe_validation_error(exc, origin, f"{key}[{name}]")) from None
    return out


def _shipped_text(filename: str) -> tuple[str, str]:
    ref = resources.files("sizer").joinpath("data", filename)
    return ref.read_text(encoding="utf-8"), f"sizer/data/{filename}"


def catalog_from_yaml(models_text: str, gpus_text: str, models_origin: str, gpus_origin: str) -> Catalog:
    """Validate catalog YAML texts into a Catalog (CatalogError names file, entry and field)."""
    models = _entries(read_yaml(models_text, models_origin), "models", ModelSpec, models_origin)
    gpus = _entries(read_yaml(gpus_text, gpus_origin), "gpus", GpuSpec, gpus_origin)
    for kind, ids, origin in (
        ("model", [m.id for m in models], models_origin),
        ("GPU", [g.id for g in gpus], gpus_origin),
    ):
        seen: set[str] = set()
        for entry_id in ids:
            if entry_id in seen:
                raise CatalogError(f"{origin}: duplicate {kind} id {entry_id!r}")
            seen.add(entry_id)
    try:
        return Catalog(models=tuple(models), gpus=tuple(gpus))
    except InputError as exc:
        raise CatalogError(str(exc)) from None


@functools.cache
def load_catalog() -> Catalog:
    """The catalogs shipped inside the package (sizer/data/*.yaml), validated."""
    models_text, models_origin = _shipped_text("model_catalog.yaml")
    gpus_text, gpus_origin = _shipped_text("gpu_catalog.yaml")
    return catalog_from_yaml(models_text, gpus_text, models_origin, gpus_origin)
