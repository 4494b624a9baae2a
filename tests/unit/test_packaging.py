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
    assert entry["version"] == _build_module().package_version(__version__, "swig")
    assert package.name == f"bgacheck-{__version__}-pcm.zip" and entry["runtime"] == "swig"
    assert entry["install_size"] == unpacked
    assert not {"download_url", "download_sha256", "download_size"} & set(entry)


def test_zip_holds_the_package_the_solver_the_data_and_the_icon(package):
    with zipfile.ZipFile(package) as zf:
        names = set(zf.namelist())
        icon = zf.read("resources/icon.png")
        toolbar = [zf.read(f"plugins/resources/icons/bgacheck_{t}.png") for t in ("light", "dark")]
    for required in ("metadata.json", "plugins/__init__.py", "plugins/_version.py",
                     "plugins/kicad/action_plugin.py", "plugins/kicad/report_layer.py",
                     "plugins/kicad/results_window.py", "plugins/solver/__init__.py",
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


@pytest.fixture(scope="module")
def ipc_package(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist-ipc")
    return Path(_build_module().build(str(out), "ipc"))


def test_the_two_flavours_have_distinct_versions_and_the_ipc_one_is_newer():
    build = _build_module()
    assert build.package_version("0.2.0", "swig") == "0.2.0"
    assert build.package_version("0.2.0", "ipc") == "0.2.1"
    assert build.package_version("0.2.1", "swig") == "0.2.2"  # newer than the last IPC build
    key = [tuple(map(int, build.package_version(v, f).split(".")))
           for v in ("0.2.0", "0.2.1") for f in build.FLAVOURS]
    assert key == sorted(key) and len(set(key)) == 4


def test_ipc_zip_is_a_valid_ipc_package_that_kicad_can_set_up(ipc_package):
    schema_file = Path("/usr/share/kicad/schemas/api.v1.schema.json")
    api_schema = json.loads(schema_file.read_text("utf-8")) if schema_file.is_file() else None
    with zipfile.ZipFile(ipc_package) as zf:
        names = set(zf.namelist())
        meta = json.loads(zf.read("metadata.json"))
        plugin = json.loads(zf.read("plugins/plugin.json"))
        requirements = zf.read("plugins/requirements.txt").decode()
    jsonschema.validate(meta, SCHEMA)
    assert meta["versions"][0]["runtime"] == "ipc" and meta["identifier"] == plugin["identifier"]
    if api_schema:  # KiCad's own schema for plugin.json, where KiCad is installed
        jsonschema.validate(plugin, api_schema)
    action = plugin["actions"][0]
    for path in [action["entrypoint"], *action["icons-light"], *action["icons-dark"]]:
        assert "plugins/" + path in names, path
    assert "plugins/bgacheck/kicad/ipc_plugin.py" in names
    assert "plugins/__init__.py" not in names  # KiCad's SWIG loader must not take it for its own
    wanted = {line.split(">")[0].split("=")[0].strip() for line in requirements.splitlines()
              if line.strip() and not line.startswith("#")}
    assert wanted == {"numpy", "shapely", "kicad-python"}
