"""The documented pip install works: a wheel built from the repository, installed into a fresh
virtualenv outside it, runs `rules`, `check` and `ci` with its own copy of the rule files.

One venv for the whole test run: the wheel is built from a copy of the files the build needs (so
no `build/` folder of the working tree leaks into it), installed with numpy and shapely from its
declared dependencies, and given KiCad's pcbnew through a .pth file that appends pcbnew's folder
to sys.path (as `make venv` does), so the venv's own numpy and shapely win.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from bgacheck import __version__
from fixture_boards import FINDINGS_RULES, copy_board
from paths import REPO

pytestmark = pytest.mark.slow

BUILD_INPUTS = ("pyproject.toml", "README.md", "LICENSE", "plugin", "solver", "resources", "docs")
"""What `pip wheel` reads; everything else in the working tree stays out of the build."""
PIP_TIMEOUT_S = 900


def _env() -> dict[str, str]:
    """The environment of a user's shell: no PYTHONPATH, no pip chatter."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env.update(PIP_DISABLE_PIP_VERSION_CHECK="1", PYTHONWARNINGS="ignore")
    return env


def _run(cmd: list, cwd: Path, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run([str(c) for c in cmd], cwd=cwd, env=_env(), capture_output=True,
                          text=True, timeout=timeout)


def _checked(cmd: list, cwd: Path, timeout: float = PIP_TIMEOUT_S) -> str:
    proc = _run(cmd, cwd, timeout)
    assert proc.returncode == 0, f"{' '.join(map(str, cmd))}:\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


def _pcbnew_folder() -> Path | None:
    try:
        import pcbnew
    except ImportError:
        return None
    return Path(pcbnew.__file__).resolve().parent


@pytest.fixture(scope="session")
def installed(tmp_path_factory) -> Path:
    """bin/ folder of a fresh venv holding the wheel built from this repository."""
    root = tmp_path_factory.mktemp("wheel-install")
    src, dist, venv = root / "src", root / "dist", root / "venv"
    src.mkdir()
    skip = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    for name in BUILD_INPUTS:
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, src / name, ignore=skip)
        else:
            shutil.copy2(REPO / name, src / name)
    _checked([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", dist, src], root)
    wheels = sorted(dist.glob("bgacheck-*.whl"))
    assert [w.name for w in wheels] == [f"bgacheck-{__version__}-py3-none-any.whl"]
    _checked([sys.executable, "-m", "venv", venv], root)
    bin_dir = venv / "bin"
    _checked([bin_dir / "python", "-m", "pip", "install", "-q", wheels[0]], root)
    folder = _pcbnew_folder()
    if folder is not None:
        purelib = _checked([bin_dir / "python", "-c",
                            "import sysconfig; print(sysconfig.get_paths()['purelib'])"], root)
        (Path(purelib.strip()) / "zz_kicad_dist_packages.pth").write_text(f"{folder}\n")
    return bin_dir


def test_the_wheel_carries_the_rules_schemas_icons_and_bibliography(installed, tmp_path):
    code = ("import bgacheck, sys\n"
            "from bgacheck.core.resources import doc_path, resource_path, resource_root\n"
            "pkg = bgacheck.__file__.rsplit('/', 1)[0]\n"
            "paths = [resource_root(), resource_path('rules', 'ug1099.toml'),\n"
            "         resource_path('schemas', 'report.v1.schema.json'),\n"
            "         resource_path('icons', 'bgacheck_light.png'), doc_path('sources.md')]\n"
            "for p in paths:\n"
            "    assert p.exists() and str(p).startswith(pkg), p\n"
            "print(pkg)\n")
    pkg = _checked([installed / "python", "-c", code], tmp_path).strip()
    site = sysconfig.get_path("purelib", vars={"base": str(installed.parent),
                                               "platbase": str(installed.parent)})
    assert Path(pkg).resolve() == (Path(site) / "bgacheck").resolve()
    assert not str(pkg).startswith(str(REPO))


def test_the_installed_script_lists_and_resolves_rules(installed, tmp_path):
    assert _checked([installed / "bga-check", "--version"], tmp_path).split() == [
        "bga-check", __version__]
    listing = _checked([installed / "bga-check", "rules"], tmp_path)
    assert "ug1099 (default)" in listing
    pitch = _checked([installed / "bga-check", "rules", "--pitch", "0.8"], tmp_path)
    assert "Rules for a 0.8 mm pitch BGA: profile ug1099" in pitch
    assert "land_d_mm" in pitch and "source: " in pitch


def test_the_installed_script_checks_a_board(installed, tmp_path, pcbnew_module):
    board = copy_board(REPO / "fixtures" / "boards" / "bga-0.8mm-clean.kicad_pcb", tmp_path)
    res = _run([installed / "bga-check", "check", board.name], tmp_path)
    assert res.returncode in (0, 1), res.stderr
    assert "verdict  " in res.stdout and "U1" in res.stdout
    module = _run([installed / "python", "-m", "bgacheck", "check", board.name, "--format",
                   "json"], tmp_path)
    assert module.returncode == res.returncode, module.stderr
    assert '"violations"' in module.stdout


def test_the_installed_script_runs_ci_on_a_generated_board(installed, tmp_path, generated_board):
    board = copy_board(generated_board, tmp_path / "board")
    res = _run([installed / "bga-check", "ci", board.name, "--no-kicad-drc", "--out-dir",
                tmp_path / "reports"], board.parent)
    assert res.returncode == 1, res.stderr
    merged = (tmp_path / "reports" / "bga-check.json").read_text(encoding="utf-8")
    assert all(rule in merged for rule in FINDINGS_RULES)
    for name in ("bga-check.junit.xml", "bga-check.sarif", "bga-check.md", "bga-check.html"):
        assert (tmp_path / "reports" / name).is_file(), name
