"""The file reader: the shipped catalogs (package data), the user catalog and user YAML files.

A YAML file is read with a size limit and `yaml.SafeLoader` (or its C twin), so a tag that would
build a Python object is refused. Validation errors name the file, the entry and the field.
The user catalog (`sizer catalog add`) lives in the user config directory (platformdirs), or in
$SIZER_CONFIG_DIR; its entries are merged over the shipped ones.
"""

from __future__ import annotations

import functools
import os
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from sizer.catalog import Catalog, normalize
from sizer.errors import CatalogError, InputError
from sizer.models import GpuSpec, ModelSpec

_T = TypeVar("_T", bound=BaseModel)

MAX_YAML_BYTES = 8 * 2**20  # no catalog or spec is anywhere near this; refuse larger input unread


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


def read_yaml_file(path: Path) -> Any:
    """Read and parse a YAML file of bounded size."""
    try:
        size = path.stat().st_size
        if size > MAX_YAML_BYTES:
            raise InputError(f"{path}: file is {size} bytes, more than the {MAX_YAML_BYTES} a YAML file may have")
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text") from None
    return read_yaml(text, str(path))


def describe_validation_error(exc: ValidationError, origin: str, prefix: str = "") -> str:
    """One line per problem: 'file: entry.field: message'."""
    lines = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"])
        where = f"{prefix}.{loc}" if prefix and loc else prefix or loc
        lines.append(f"{origin}: {where}: {err['msg']}")
    return "; ".join(lines)


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
def load_shipped_catalog() -> Catalog:
    """The catalogs shipped inside the package (sizer/data/*.yaml), validated."""
    models_text, models_origin = _shipped_text("model_catalog.yaml")
    gpus_text, gpus_origin = _shipped_text("gpu_catalog.yaml")
    return catalog_from_yaml(models_text, gpus_text, models_origin, gpus_origin)


def load_catalog() -> Catalog:
    """The shipped catalogs plus the models the user added (`sizer catalog add`), user entries winning."""
    shipped = load_shipped_catalog()
    user = load_user_models()
    if not user:
        return shipped
    try:
        return Catalog(models=merge_models(shipped.models, user), gpus=shipped.gpus)
    except InputError as exc:
        raise CatalogError(f"{user_models_path()}: {exc}") from None


USER_CONFIG_ENV = "SIZER_CONFIG_DIR"
USER_MODELS_FILE = "models.yaml"
_USER_HEADER = "# sizer user catalog: models added with `sizer catalog add` (format: docs/catalog-format.md)\n"


def user_config_dir() -> Path:
    """Where sizer keeps user files: $SIZER_CONFIG_DIR, else the platform's config directory."""
    override = os.environ.get(USER_CONFIG_ENV)
    if override:
        return Path(override).expanduser()
    from platformdirs import user_config_dir as platform_dir

    return Path(platform_dir("sizer"))


def user_models_path() -> Path:
    """The user catalog file (it may not exist yet)."""
    return user_config_dir() / USER_MODELS_FILE


def load_user_models() -> list[ModelSpec]:
    """The models in the user catalog, validated; none when the file does not exist or is empty."""
    path = user_models_path()
    if not path.is_file():
        return []
    data = read_yaml_file(path)
    if data is None:
        return []
    models = _entries(data, "models", ModelSpec, str(path))
    seen: set[str] = set()
    for m in models:
        if m.id in seen:
            raise CatalogError(f"{path}: duplicate model id {m.id!r}")
        seen.add(m.id)
    return models


def _keys(m: ModelSpec) -> set[str]:
    return {normalize(n) for n in (m.id, m.name, *m.aliases, *([m.hf_repo] if m.hf_repo else []))} - {""}


def merge_models(shipped: tuple[ModelSpec, ...], user: list[ModelSpec]) -> tuple[ModelSpec, ...]:
    """User entries first; a shipped entry sharing a user entry's id or name is replaced, and one
    sharing only an alias or repo keeps its other names (the user's entry takes that one)."""
    taken = set().union(*(_keys(m) for m in user))
    out = list(user)
    for m in shipped:
        if normalize(m.id) in taken or normalize(m.name) in taken:
            continue
        aliases = tuple(a for a in m.aliases if normalize(a) not in taken)
        repo = m.hf_repo if m.hf_repo is None or normalize(m.hf_repo) not in taken else None
        out.append(
            m
            if (aliases, repo) == (m.aliases, m.hf_repo)
            else m.model_copy(update={"aliases": aliases, "hf_repo": repo})
        )
    return tuple(out)


def save_user_model(spec: ModelSpec) -> Path:
    """Add `spec` to the user catalog (replacing an entry with the same id); returns the file."""
    import yaml

    path = user_models_path()
    models = [m for m in load_user_models() if m.id != spec.id] + [spec]
    entries = [m.model_dump(mode="json", exclude_defaults=True) for m in models]
    text = _USER_HEADER + yaml.safe_dump({"models": entries}, sort_keys=False, allow_unicode=True)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
    except OSError as exc:
        raise InputError(f"{path}: cannot write: {exc.strerror or exc}") from None
    return path
