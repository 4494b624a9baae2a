"""The layering holds: the core, solver, renderers and front-end modules import without KiCad;
only `bgacheck.kicad` touches pcbnew/wx/kipy; Shapely lives in core/geometry.py; the solver needs
numpy and the standard library only; no module outgrows the size budget."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PLUGIN, SOLVER = REPO / "plugin", REPO / "solver"
HOST_MODULES = {"pcbnew", "wx", "kipy"}
MODULE_LINES_BUDGET = 700
"""Largest module allowed [lines]; the style guide aims at < ~400, this catches runaway growth."""
OVER_BUDGET: dict[str, int] = {}
"""Known exceptions with their own ceiling, each to be split (none today)."""


def _module_name(path: Path) -> str:
    """Import name of a source file: plugin/ is `bgacheck`, solver/ is `bgacheck.solver`."""
    if SOLVER in path.parents:
        root, prefix = SOLVER, ["bgacheck", "solver"]
    else:
        root, prefix = PLUGIN, ["bgacheck"]
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(prefix + parts)


def _sources(*roots: Path) -> list[Path]:
    return sorted(p for r in roots for p in r.rglob("*.py") if "__pycache__" not in p.parts)


HOST_FREE_FILES = [p for p in _sources(PLUGIN, SOLVER)
                   if "kicad" not in p.relative_to(REPO).parts and p.name != "__main__.py"]
"""Everything in the package except the KiCad adapter (and `__main__`, which runs the CLI)."""


def _imports(path: Path) -> list[tuple[str, int]]:
    """(absolute module name, relative level) of every import statement, plus import_module("x")
    and __import__("x") calls with a literal name."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            out += [(a.name, 0) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            out.append((node.module or "", node.level))
        elif (isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant)
              and isinstance(node.args[0].value, str)
              and getattr(node.func, "attr", getattr(node.func, "id", ""))
              in ("import_module", "__import__")
              and not node.args[0].value.startswith(".")):
            out.append((node.args[0].value, 0))
    return out


def _top(name: str) -> str:
    return name.split(".")[0]


@pytest.mark.parametrize("module", [_module_name(p) for p in HOST_FREE_FILES])
def test_module_imports_with_pcbnew_and_wx_poisoned(module):
    """KiBot's trick: a None entry in sys.modules makes `import pcbnew` raise ImportError."""
    code = (
        "import importlib, sys\n"
        "for m in ('pcbnew', 'wx', 'kipy'): sys.modules[m] = None\n"
        f"importlib.import_module({module!r})\n"
        "loaded = sorted(m for m in sys.modules if m.startswith('bgacheck.kicad'))\n"
        "assert not loaded, f'pulled in the KiCad adapter: {loaded}'\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr.strip().splitlines()[-1:]


@pytest.mark.parametrize("argv", [["--help"], ["rules"], ["rules", "--pitch", "0.8"],
                                  ["standoff", "--help"]])
def test_commands_other_than_check_run_without_kicad(argv):
    code = (
        "import sys\n"
        "for m in ('pcbnew', 'wx', 'kipy'): sys.modules[m] = None\n"
        "from bgacheck.cli import main\n"
        f"try:\n    rc = main({argv!r})\nexcept SystemExit as e:\n    rc = e.code\n"
        "sys.exit(rc)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip()


@pytest.mark.parametrize("path", HOST_FREE_FILES, ids=lambda p: str(p.relative_to(REPO)))
def test_only_the_kicad_adapter_imports_pcbnew_wx_or_kipy(path):
    """Covers core/, render/, solver/ and the front-end modules (cli/, api, readers)."""
    bad = [name for name, level in _imports(path) if level == 0 and _top(name) in HOST_MODULES]
    assert not bad, f"{path.relative_to(REPO)} imports {bad}"


def test_the_kicad_cli_runner_imports_without_pcbnew():
    """`ci` and `rules BOARD` need the kicad-cli executable, not KiCad's Python module."""
    code = ("import sys\n"
            "for m in ('pcbnew', 'wx', 'kipy'): sys.modules[m] = None\n"
            "import bgacheck.kicad.kicad_cli\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr.strip().splitlines()[-1:]


def test_shapely_is_imported_only_in_core_geometry():
    users = sorted(str(p.relative_to(REPO)) for p in _sources(PLUGIN, SOLVER)
                   if any(level == 0 and _top(n) == "shapely" for n, level in _imports(p)))
    assert users == ["plugin/core/geometry.py"]


@pytest.mark.parametrize("path", _sources(SOLVER), ids=lambda p: p.name)
def test_solver_imports_only_numpy_stdlib_and_itself(path):
    for name, level in _imports(path):
        if level == 0:
            assert _top(name) == "numpy" or _top(name) in sys.stdlib_module_names, \
                f"{path.name} imports {name}"
        else:
            assert level == 1, f"{path.name} reaches outside the solver: {'.' * level}{name}"


def test_module_sizes_stay_within_budget(capsys):
    sizes = sorted(((len(p.read_text(encoding="utf-8").splitlines()), str(p.relative_to(REPO)))
                    for p in _sources(PLUGIN, SOLVER)), reverse=True)
    with capsys.disabled():
        print(f"\nlargest modules [lines] (budget {MODULE_LINES_BUDGET}):")
        for n, name in sizes[:8]:
            print(f"  {n:5d}  {name}")
    over = [(n, name) for n, name in sizes if n >= OVER_BUDGET.get(name, MODULE_LINES_BUDGET)]
    assert not over, f"modules over {MODULE_LINES_BUDGET} lines: {over}"


def test_the_scan_sees_the_kinds_of_import_it_must_catch(tmp_path):
    """Guard for the scanner itself: plain, from, nested, and import_module("pcbnew") calls."""
    src = tmp_path / "m.py"
    src.write_text("import os\nfrom a.b import c\ndef f():\n    import pcbnew\n"
                   "    importlib.import_module('wx')\n    __import__('kipy.board')\n"
                   "from . import sibling\n")
    found = _imports(src)
    assert {("pcbnew", 0), ("wx", 0), ("kipy.board", 0), ("a.b", 0), ("", 1)} <= set(found)
