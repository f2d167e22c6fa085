"""Models from outside the catalog: Hugging Face repos, local model directories, GGUF files.

`resolve_model` is what commands call with a MODEL argument: a catalog name, else a path, else a
Hub repo id. Every source gives a ModelSpec with the catalog's fields; files set `file_weights`
(exact bytes at the file's own type). gguf, huggingface_hub and the readers load on first use.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from sizer.bounds import echo
from sizer.core.catalog import Catalog
from sizer.errors import N_, InputError, Message, UnknownNameError
from sizer.io.sources.hf_config import Built, Identity
from sizer.models import ModelSpec, slug

Warn = Callable[[str | Message], None]  # one caveat: a Message the CLI words in the output language

_REPO = re.compile(r"^(?:hf:)?(?P<repo>[A-Za-z0-9][\w.-]*/[A-Za-z0-9][\w.-]*)(?:@(?P<rev>[\w./-]+))?$")


def _not_empty(text: str) -> None:
    """An empty MODEL is bad input, not the current directory (Path('') is '.')."""
    if not text.strip():
        raise InputError(
            N_("the model name is empty; give a catalog name, a .gguf file, a model directory or a repo id")
        )


def _exists(text: str) -> bool:
    """Whether a path exists; a name too long for the file system or with a NUL byte does not."""
    if not text.strip():
        return False
    try:
        return Path(text).expanduser().exists()
    except (OSError, ValueError):
        return False


def _looks_like_path(text: str) -> bool:
    return text.lower().endswith(".gguf") or text.startswith((".", "/", "~", "\\")) or "\\" in text


def _path_first(text: str) -> bool:
    """An existing path written as a path ('models/Foo', './x', 'a.gguf') is read before the catalog,
    whose 'org/Name' matching would otherwise pick a catalog model for a local directory."""
    return _exists(text) and ("/" in text or "\\" in text or _looks_like_path(text))


def _emit(built: Built, warn: Warn | None) -> ModelSpec:
    if warn is not None:
        for line in built.warnings:
            warn(line)
    return built.spec


def read_directory(directory: Path) -> Built:
    """A model directory: config.json plus the safetensors headers (parameter count per dtype)."""
    from sizer.io.sources._json import read_json_file
    from sizer.io.sources.hf_config import spec_from_config
    from sizer.io.sources.safetensors import count_files, weight_files

    directory = directory.resolve()
    config_path = directory / "config.json"
    if not config_path.is_file():
        raise InputError(
            N_("{directory}: no config.json (a model directory needs config.json and *.safetensors)"),
            directory=directory,
        )
    config = read_json_file(config_path, what="config.json")
    files = weight_files(directory)
    counts = count_files(files).params_by_dtype if files else None
    ident = Identity(id=slug(directory.name) or "local-model", name=directory.name, source=str(directory))
    built = spec_from_config(config, ident, counts, where=str(config_path))
    if not files:
        missing = Message(
            N_("{directory}: no *.safetensors files; parameters counted from config.json"), directory=directory
        )
        return Built(built.spec, (missing,))
    return built


def read_hub(repo_id: str, revision: str | None = None) -> Built:
    """A Hugging Face repo: config.json (local cache first) and the safetensors parameter counts."""
    from sizer.io import hub
    from sizer.io.sources._json import read_json_file
    from sizer.io.sources.hf_config import spec_from_config

    config = read_json_file(hub.download_config(repo_id, revision), what="config.json")
    counts, reason = hub.safetensors_parameter_counts(repo_id, revision)
    where = f"{repo_id}@{revision}" if revision else repo_id
    ident = Identity(
        id=slug(repo_id) + (f"-{slug(revision)}" if revision else ""),
        name=where,
        source=f"hf:{where}",
        hf_repo=repo_id,
    )
    built = spec_from_config(config, ident, counts, where=f"{where}: config.json")
    return Built(built.spec, ((reason,) if reason else ()) + built.warnings)


def _read_path(path: Path) -> Built:
    if path.is_dir():
        return read_directory(path)
    if path.suffix.lower() == ".safetensors":
        raise InputError(
            N_("{path}: pass the model directory (config.json + *.safetensors), not a weights file"), path=path
        )
    from sizer.io.sources.gguf import read_gguf

    return read_gguf(path)


def read_source(text: str, warn: Warn | None = None) -> ModelSpec:
    """A model from a path (.gguf file or model directory) or a Hub repo id ('org/name[@rev]', 'hf:…')."""
    _not_empty(text)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a file name with bytes that are not UTF-8 (os.fsdecode's surrogates)
        raise InputError(
            N_("{text}: the name is not valid UTF-8; rename the file or directory"), text=echo(text)
        ) from None
    if not text.startswith("hf:") and _exists(text):
        return _emit(_read_path(Path(text).expanduser()), warn)
    if _looks_like_path(text):
        raise InputError(N_("{text}: no such file or directory"), text=echo(text))
    match = _REPO.match(text)
    if match is None:
        raise InputError(
            N_("{text} is not a .gguf file, a model directory or a Hugging Face repo id (org/name)"),
            text=echo(repr(text)),
        )
    return _emit(read_hub(match["repo"], match["rev"]), warn)


def is_source(text: str) -> bool:
    """Whether `text` names a path or a Hub repo id rather than only a catalog name."""
    return text.startswith("hf:") or _exists(text) or _looks_like_path(text) or bool(_REPO.match(text))


def resolve_model(text: str, catalog: Catalog, warn: Warn | None = None) -> ModelSpec:
    """The model for a MODEL argument: catalog name first, then an existing path, then a Hub repo id.

    `warn` receives one line per caveat (an architecture sized by its parameter count, no Hub
    metadata offline). A name that is none of these raises the catalog's did-you-mean error.
    """
    _not_empty(text)
    if text.startswith("hf:") or _path_first(text):
        return read_source(text, warn)
    try:
        return catalog.model(text)
    except UnknownNameError:
        if not is_source(text):
            raise
    return read_source(text, warn)
