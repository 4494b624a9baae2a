"""Every SWIG `pcbnew` name our code uses exists in KiCad 9.0.8 and in KiCad 10.0.x.

KiCad 10 removed or renamed names that 9 had (BOARD.GetItem, VIATYPE_BLIND_BURIED,
PCB_IO_MGR.PluginFind); a plugin that calls one raises AttributeError on every run there. The
names are read from the two `pcbnew.py` files themselves: 9.0.8's from the installed KiCad,
10.0.x's unpacked from Debian's package by `.ci/fetch_kicad10_api.sh` (make setup). A name that
9 defines and 10 does not must be reached through `plugin/kicad/compat.py` by string
(`getattr`/`hasattr`), which this scan does not count as a use.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from paths import REPO

PCBNEW9 = Path("/usr/lib/python3/dist-packages/pcbnew.py")
PCBNEW10 = REPO / ".cache" / "kicad10" / "pcbnew.py"
OUR_KICAD_CODE = sorted((REPO / "plugin" / "kicad").glob("*.py")) + sorted(
    (REPO / "fixtures").glob("*.py")) + [REPO / "plugin" / "__init__.py"]


def defined_names(pcbnew_py: Path) -> set[str]:
    """Module-level names and every class member (methods, properties) a pcbnew.py defines."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(pcbnew_py.read_text(encoding="utf-8"))):
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
            names.update(t.attr for t in node.targets if isinstance(t, ast.Attribute))
    return names


def used_names(path: Path) -> dict[str, int]:
    """Attribute names our file reads as `x.Name` (SWIG names start upper-case), with a line."""
    out: dict[str, int] = {}
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Attribute) and node.attr[:1].isupper():
            out.setdefault(node.attr, node.lineno)
    return out


@pytest.fixture(scope="module")
def apis():
    if not PCBNEW9.is_file():
        pytest.skip(f"KiCad 9's {PCBNEW9} is not installed (make setup)")
    if not PCBNEW10.is_file():
        pytest.skip(f"KiCad 10's pcbnew.py is not in {PCBNEW10.parent} "
                    "(make setup runs .ci/fetch_kicad10_api.sh, which needs Debian's archive)")
    return defined_names(PCBNEW9), defined_names(PCBNEW10)


def test_kicad10_reference_is_a_kicad10_pcbnew(apis):
    _, v10 = apis
    assert {"ResolveItem", "VIATYPE_BLIND", "VIATYPE_BURIED", "FindPlugin"} <= v10
    assert not {"VIATYPE_BLIND_BURIED", "PluginFind"} & v10


@pytest.mark.parametrize("path", OUR_KICAD_CODE, ids=lambda p: str(p.relative_to(REPO)))
def test_every_swig_name_we_use_exists_in_kicad_9_and_10(apis, path):
    v9, v10 = apis
    # A name 9 does not know is not a SWIG name (wx, Python, our own classes): not judged here.
    missing = {name: line for name,
               line in used_names(path).items() if name in v9 and name not in v10}
    assert not missing, (f"{path.name} uses names KiCad 10 removed (line numbers): {missing}; "
                         "go through plugin/kicad/compat.py")


def test_the_scan_finds_the_names_kicad10_removed(apis, tmp_path):
    v9, v10 = apis
    bad = tmp_path / "bad.py"
    bad.write_text("def f(board, m):\n    board.GetItem(m.KIID('x'))\n"
                   "    return m.VIATYPE_BLIND_BURIED, m.PCB_IO_MGR.PluginFind\n")
    found = {n for n in used_names(bad) if n in v9 and n not in v10}
    assert found == {"GetItem", "VIATYPE_BLIND_BURIED", "PluginFind"}
