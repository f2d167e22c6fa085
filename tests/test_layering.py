"""The core imports no adapter, UI or framework library, and `sizer --help` stays light."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "sizer"
LAYERS = {
    "units": 0,
    "errors": 0,
    "models": 0,
    "catalog": 1,
    "quant": 1,
    "estimate": 1,
    "recommend": 1,
    "spec": 1,
    "loaders": 2,
    "hardware": 2,
    "hub": 2,
    "sources": 2,  # sizer/sources/: __init__, hf_config, safetensors, gguf, _json
    "render": 3,
    "cli": 4,
}
# Same-layer imports between adapters, each on purpose: the resolver reads Hub repos through hub.
ALLOWED = {("sources", "hub")}
HEAVY = ["rich", "typer", "yaml", "psutil", "pynvml", "huggingface_hub", "gguf", "numpy"]


def _files(module: str) -> list[Path]:
    package = PACKAGE / module
    return sorted(package.glob("*.py")) if package.is_dir() else [PACKAGE / f"{module}.py"]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("sizer."):
            out.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            out |= {a.name.split(".")[1] for a in node.names if a.name.startswith("sizer.")}
    return out


def test_every_module_has_a_layer():
    modules = {p.stem for p in PACKAGE.glob("*.py")} | {
        p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()
    }
    assert modules - {"__init__", "__main__"} <= set(LAYERS)


@pytest.mark.parametrize("module", sorted(m for m in LAYERS if _files(m)[0].exists()))
def test_modules_import_only_from_lower_layers(module):
    for path in _files(module):
        for imported in _imports(path):
            if imported in LAYERS:
                assert LAYERS[imported] <= LAYERS[module], f"{path.name} imports {imported}"
                if LAYERS[imported] == LAYERS[module] and (module, imported) not in ALLOWED:
                    assert LAYERS[module] <= 1 or imported == module, f"{path.name} imports {imported}"


def _loaded_after(code: str) -> set[str]:
    probe = f"import sys; {code}; print(' '.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    return set(out.split())


def test_core_imports_no_adapter_or_ui_library():
    loaded = _loaded_after("import sizer.estimate, sizer.catalog, sizer.recommend, sizer.quant, sizer.models")
    assert not loaded & set(HEAVY)
    assert not loaded & {"sizer.sources", "sizer.hub", "sizer.loaders"}


def test_sources_load_heavy_libraries_only_when_used():
    loaded = _loaded_after("import sizer.sources, sizer.sources.gguf, sizer.sources.safetensors, sizer.hub")
    assert not loaded & {"gguf", "huggingface_hub", "numpy", "rich", "typer", "yaml"}


def test_help_does_not_import_heavy_modules():
    loaded = _loaded_after("import sizer.cli")
    assert not loaded & {"numpy", "pynvml", "huggingface_hub", "gguf", "psutil", "yaml"}
