"""Each module imports only from lower layers, the core imports no adapter or UI library, and
`sizer --help` stays light. The layers are those of docs/architecture.md."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "sizer"
# Module prefix -> layer; the longest matching prefix decides. Same-layer imports are allowed.
LAYERS = {
    "sizer": 0,  # __init__, __main__ (imports cli.app: the entry point, see below)
    "sizer.units": 0,
    "sizer.errors": 0,
    "sizer.constants": 0,
    "sizer.bounds": 0,
    "sizer.models": 0,
    # The physics: formats, memory and speed formulas, catalog lookups.
    "sizer.core.quant": 1,
    "sizer.core.memory": 1,
    "sizer.core.speed": 1,
    "sizer.core.catalog": 1,
    "sizer.core.quality": 1,  # benchmark scores per use case, normalised; what a format costs
    "sizer.engines": 2,
    "sizer.core": 3,  # the decisions: estimate, sweep, serving, rigs, cost, recommend, spec, deploy
    "sizer.calibrate": 4,
    "sizer.io": 5,
    "sizer.render": 6,
    "sizer.cli": 7,
}
ENTRY_POINT = {("sizer.__main__", "sizer.cli.app")}
HEAVY = ["rich", "typer", "yaml", "psutil", "pynvml", "huggingface_hub", "gguf", "numpy", "jinja2", "babel"]


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _layer(module: str) -> int:
    best = max((p for p in LAYERS if module == p or module.startswith(p + ".")), key=len)
    return LAYERS[best]


def _imports(path: Path) -> set[str]:
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("sizer"):
            out |= {node.module} if node.module != "sizer" else {f"sizer.{a.name}" for a in node.names}
        elif isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.startswith("sizer")}
    return out


MODULES = sorted(PACKAGE.rglob("*.py"))


def test_the_tree_has_the_documented_rooms():
    rooms = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()}
    assert {"models", "engines", "core", "calibrate", "io", "render", "cli"} <= rooms
    assert {p.stem for p in (PACKAGE / "engines").glob("*.py")} >= {"base", "llama_cpp", "ollama", "vllm", "sglang"}


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_modules_import_only_from_their_layer_or_below(path):
    name = _module_name(path)
    for imported in _imports(path):
        if (name, imported) in ENTRY_POINT or imported == "sizer":
            continue
        assert _layer(imported) <= _layer(name), f"{name} (layer {_layer(name)}) imports {imported}"


def test_nothing_imports_cli():
    for path in MODULES:
        name = _module_name(path)
        if name.startswith("sizer.cli") or (name, "sizer.cli.app") in ENTRY_POINT:
            continue
        assert not any(i.startswith("sizer.cli") for i in _imports(path)), name


def _loaded_after(code: str) -> set[str]:
    probe = f"import sys; {code}; print(' '.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    return set(out.split())


def test_core_and_engines_import_no_adapter_or_ui_library():
    core = [f"sizer.core.{p.stem}" for p in (PACKAGE / "core").glob("*.py") if p.stem != "__init__"]
    engines = [f"sizer.engines.{p.stem}" for p in (PACKAGE / "engines").glob("*.py") if p.stem != "__init__"]
    loaded = _loaded_after("import " + ", ".join([*core, *engines, "sizer.models"]))
    assert not loaded & set(HEAVY)
    assert not {m for m in loaded if m.startswith(("sizer.io", "sizer.render", "sizer.cli"))}


def test_sources_load_heavy_libraries_only_when_used():
    loaded = _loaded_after(
        "import sizer.io.sources, sizer.io.sources.gguf, sizer.io.sources.safetensors, sizer.io.hub, sizer.io.hardware"
    )
    assert not loaded & {"gguf", "huggingface_hub", "numpy", "rich", "typer", "yaml", "pynvml", "psutil"}


def test_help_does_not_import_heavy_modules():
    loaded = _loaded_after("import sizer.cli.app")
    assert not loaded & {"numpy", "pynvml", "huggingface_hub", "gguf", "psutil", "yaml", "pydantic"}
