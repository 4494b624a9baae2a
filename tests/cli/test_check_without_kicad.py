"""`check` (and `rules`, `standoff`) from a Python that has no KiCad at all.

A fresh venv, made without the system site-packages (where Debian puts pcbnew) and with the
KiCad modules shut out, sees this repository's package and the test venv's numpy and shapely,
nothing else: the native reader must carry `check` alone, and `--reader pcbnew` must say in one
line that KiCad is missing.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from paths import REPO

BOARD = REPO / "fixtures" / "boards" / "bga-0.8mm-clean.kicad_pcb"
PACKAGE_DIRS = {"solver": "solver", "resources": "resources", "docs": "docs"}
"""Folders pyproject.toml maps into the package (bgacheck.solver = solver/, ...)."""


@pytest.fixture(scope="module")
def python(tmp_path_factory) -> Path:
    """A venv's python that can import bgacheck, numpy and shapely, and not pcbnew."""
    root = tmp_path_factory.mktemp("no-kicad")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root / "venv")],
                   check=True, capture_output=True, timeout=120)
    package = root / "src" / "bgacheck"
    package.mkdir(parents=True)
    for entry in (REPO / "plugin").iterdir():
        if entry.name != "__pycache__":
            (package / entry.name).symlink_to(entry)
    for name, folder in PACKAGE_DIRS.items():
        (package / name).symlink_to(REPO / folder)
    bin_python = root / "venv" / "bin" / "python"
    purelib = subprocess.run([str(bin_python), "-c",
                              "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             check=True, capture_output=True, text=True).stdout.strip()
    # Plain path lines: the test venv's .pth files (the one that adds KiCad) are not run. The
    # last line shuts out the KiCad modules even from a direct path (the adapter tries Debian's
    # dist-packages when pcbnew is not on sys.path): importing them raises ImportError.
    (Path(purelib) / "bgacheck_src.pth").write_text(
        f"{root / 'src'}\n{sysconfig.get_paths()['purelib']}\n"
        "import sys; sys.modules.update(pcbnew=None, wx=None, kipy=None)\n")
    return bin_python


def _run(python: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    return subprocess.run([str(python), *args], capture_output=True, text=True, timeout=300,
                          env=env, cwd=str(REPO.parent))


def test_the_venv_really_has_no_kicad(python):
    proc = _run(python, "-c", "import pcbnew")
    assert proc.returncode != 0 and "pcbnew" in proc.stderr
    proc = _run(python, "-c", "import bgacheck, numpy, shapely; print(bgacheck.__file__)")
    assert proc.returncode == 0, proc.stderr


def test_check_runs_on_the_native_reader(python, tmp_path):
    out = tmp_path / "report.json"
    proc = _run(python, "-m", "bgacheck", "check", str(BOARD), "--format", "json", "-o", str(out))
    assert proc.returncode in (0, 1), proc.stderr
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["meta"]["reader"] == "native"
    assert report["meta"]["board_format"] == 20241229
    assert report["bgas"], "the BGA was not found"


def test_pcbnew_reader_without_kicad_is_one_line_and_exit_3(python):
    proc = _run(python, "-m", "bgacheck", "check", str(BOARD), "--reader", "pcbnew")
    assert proc.returncode == 3, proc.stderr
    assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


def test_rules_and_standoff_run_too(python):
    assert _run(python, "-m", "bgacheck", "rules", "--pitch", "0.8").returncode == 0
    proc = _run(python, "-m", "bgacheck", "standoff", "--pkg-pad", "0.4", "--board-pad", "0.4")
    assert proc.returncode == 0, proc.stderr
