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
    "render": 3,
    "cli": 4,
}
HEAVY = ["rich", "typer", "yaml", "psutil", "pynvml", "huggingface_hub", "gguf", "numpy"]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("sizer."):
            out.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            out |= {a.name.split(".")[1] for a in node.names if a.name.startswith("sizer.")}
    return out


@pytest.mark.parametrize("module", sorted(m for m in LAYERS if (PACKAGE / f"{m}.py").exists()))
def test_modules_import_only_from_lower_layers(module):
    for imported in _imports(PACKAGE / f"{module}.py"):
        if imported in LAYERS:
            assert LAYERS[imported] <= LAYERS[module], f"{module} imports {imported}"
            if LAYERS[imported] == LAYERS[module]:
                assert LAYERS[module] == 1 or imported == module or LAYERS[module] == 0


def _loaded_after(code: str) -> set[str]:
    probe = f"import sys; {code}; print(' '.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    return set(out.split())


def test_core_imports_no_adapter_or_ui_library():
    loaded = _loaded_after("import sizer.estimate, sizer.catalog, sizer.recommend, sizer.quant, sizer.models")
    assert not loaded & set(HEAVY)


def test_help_does_not_import_heavy_modules():
    loaded = _loaded_after("import sizer.cli")
    assert not loaded & {"numpy", "pynvml", "huggingface_hub", "gguf", "psutil", "yaml"}
