"""The PCM package: metadata valid against KiCad's schema, zip layout, one version everywhere."""
from __future__ import annotations

import importlib.util
import json
import re
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import jsonschema
import pytest

from bgacheck import __version__

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "resources" / "schemas" / "pcm.v1.schema.json").read_text("utf-8"))
FOLDER = "com_github_bgacheck_bgacheck"  # the PCM installs plugins/ under the identifier, dots -> _


def _build_module():
    spec = importlib.util.spec_from_file_location("build_pcm", ROOT / ".ci" / "build_pcm.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def package(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    return Path(_build_module().build(str(out)))


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_top_level_metadata_is_valid_and_names_this_version():
    meta = json.loads((ROOT / "metadata.json").read_text("utf-8"))
    jsonschema.validate(meta, SCHEMA)
    assert meta["versions"][0]["version"] == __version__
    assert meta["identifier"].replace(".", "_") == FOLDER
    assert meta["versions"][0]["runtime"] == "swig"
    assert meta["versions"][0]["kicad_version"] == "9.0"


def test_zip_metadata_is_valid_with_version_and_install_size_and_no_download_keys(package):
    with zipfile.ZipFile(package) as zf:
        meta = json.loads(zf.read("metadata.json"))
        unpacked = sum(i.file_size for i in zf.infolist())
    jsonschema.validate(meta, SCHEMA)
    entry = meta["versions"][0]
    assert entry["version"] == __version__ and package.name == f"bgacheck-{__version__}-pcm.zip"
    assert entry["install_size"] == unpacked
    assert not {"download_url", "download_sha256", "download_size"} & set(entry)


def test_zip_holds_the_package_the_solver_the_data_and_the_icon(package):
    with zipfile.ZipFile(package) as zf:
        names = set(zf.namelist())
        icon = zf.read("resources/icon.png")
        toolbar = [zf.read(f"plugins/resources/icons/bgacheck_{t}.png") for t in ("light", "dark")]
    for required in ("metadata.json", "plugins/__init__.py", "plugins/_version.py",
                     "plugins/kicad/action_plugin.py", "plugins/kicad/report_layer.py",
                     "plugins/kicad/dialog.py", "plugins/solver/__init__.py",
                     "plugins/resources/rules/ug1099.toml", "resources/icon.png",
                     "plugins/docs/sources.md"):
        assert required in names
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
    top = re.compile(r"(metadata\.json|plugins/|resources/icon\.png)")
    assert not [n for n in names if not top.match(n)]
    assert _png_size(icon) == (64, 64)
    assert [_png_size(t) for t in toolbar] == [(24, 24), (24, 24)]


def test_build_is_reproducible(package, tmp_path):
    again = Path(_build_module().build(str(tmp_path)))
    assert again.read_bytes() == package.read_bytes()


def test_unzipped_plugins_folder_imports_under_the_pcm_folder_name(package, tmp_path):
    with zipfile.ZipFile(package) as zf:
        for name in zf.namelist():
            if name.startswith("plugins/"):
                target = tmp_path / FOLDER / name[len("plugins/"):]
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(zf.read(name))
    code = (f"import {FOLDER} as p, {FOLDER}.core.rules as r, {FOLDER}.solver;"
            f"print(p.__version__, 'ug1099' in r.list_profiles())")
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [__version__, "True"]


def test_every_package_folder_and_data_folder_is_in_the_wheel_list():
    """`pip install` builds from pyproject.toml's explicit list: a package folder missing from
    it is missing from the installed wheel (tests/cli/test_installed_wheel.py runs that install)."""
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["setuptools"]
    listed = set(config["packages"])
    folders = {"bgacheck" + ("." + ".".join(p.parent.relative_to(ROOT / "plugin").parts)
                             if p.parent != ROOT / "plugin" else "")
               for p in (ROOT / "plugin").rglob("__init__.py") if "__pycache__" not in p.parts}
    folders |= {"bgacheck.solver"}
    assert folders <= listed, f"add to [tool.setuptools] packages: {sorted(folders - listed)}"
    data = {f"bgacheck.resources.{d.name}" for d in (ROOT / "resources").iterdir() if d.is_dir()}
    assert data <= listed and "bgacheck.docs" in listed
    assert config["package-dir"]["bgacheck.resources"] == "resources"
    assert config["package-dir"]["bgacheck.docs"] == "docs"
