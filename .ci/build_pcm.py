#!/usr/bin/env python3
"""Build the two KiCad PCM packages (run: make package): one per front end, same identifier.

  dist/bgacheck-<version>-pcm.zip      runtime "swig": the ActionPlugin inside KiCad's Python
                                       (KiCad 9 and 10; KiCad 11 refuses SWIG packages)
  dist/bgacheck-<version>-ipc-pcm.zip  runtime "ipc": its own process through KiCad's IPC API,
                                       numpy/Shapely/kicad-python installed by KiCad (9.0.1+)
  dist/bgacheck-<version>.packages.json  both as two versions of one package, for a repository

Both carry the same identifier, so installing one replaces the other and KiCad never shows two
buttons. Their package versions differ (PCM versions have at most three numbers): release
X.Y.Z is SWIG X.Y.(2Z) and IPC X.Y.(2Z+1), so the IPC build is the newer one that KiCad 10 and
11 offer first, and a SWIG build is still there to pick on KiCad 9 without the API server.

SWIG zip layout (what KiCad's "Install from File..." expects):
  metadata.json          versions[0] with this flavour's version and install_size filled in; no
                         download_* keys (those belong in the packages.json written beside it)
  plugins/               the plugin/ tree (the `bgacheck` package), with
  plugins/solver/        solver/ inside it (the `bgacheck.solver` subpackage), and
  plugins/resources/     the run-time data: rules, icons, schemas (not the PCM schema)
  plugins/docs/sources.md  the bibliography the findings' sources cite
  resources/icon.png     the 64 x 64 package icon
IPC zip layout: the same package one level down, as plugins/bgacheck/, beside the three files
of resources/ipc/ (plugin.json, requirements.txt and the entry point bgacheck_ipc.py).
The zips are reproducible: sorted entries, fixed timestamps and permissions.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import sys
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXED_TIME = (1980, 1, 1, 0, 0, 0)
SKIP_DIRS = {"__pycache__", ".pytest_cache"}
SKIP_SUFFIXES = (".pyc", ".pyo", ".egg-info")
RESOURCE_SKIP = {"make_icons.py", "icon.png", os.path.join("schemas", "pcm.v1.schema.json"),
                 os.path.join("schemas", "pcm.v1.schema.md"), os.path.join("ipc", "plugin.json"),
                 os.path.join("ipc", "requirements.txt"), os.path.join("ipc", "bgacheck_ipc.py")}
FLAVOURS = ("swig", "ipc")
IPC_FILES = ("plugin.json", "requirements.txt", "bgacheck_ipc.py")


def read_version() -> str:
    """The one version string, from plugin/_version.py."""
    with open(os.path.join(ROOT, "plugin", "_version.py"), encoding="utf-8") as fh:
        found = re.search(r'__version__\s*=\s*"([^"]+)"', fh.read())
    if not found:
        sys.exit("build_pcm: no __version__ in plugin/_version.py")
    return found.group(1)


def _walk(src: str, dest: str, skip=()):
    for dirpath, dirnames, filenames in os.walk(src):
        dirnames[:] = sorted(d for d in dirnames
                             if d not in SKIP_DIRS and not d.endswith(SKIP_SUFFIXES))
        for name in sorted(filenames):
            if name.endswith(SKIP_SUFFIXES):
                continue
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, src)
            if rel in skip:
                continue
            yield path, dest + "/" + rel.replace(os.sep, "/")


def package_version(version: str, flavour: str) -> str:
    """The PCM version of one flavour: X.Y.Z -> X.Y.(2Z) for SWIG, X.Y.(2Z+1) for IPC."""
    parts = [int(p) for p in version.split(".")] + [0, 0]
    major, minor, patch = parts[:3]
    return f"{major}.{minor}.{2 * patch + (flavour == 'ipc')}"


def package_files(flavour: str = "swig") -> list[tuple[str, str]]:
    """(source path, path inside the zip) for every file but metadata.json, sorted by zip path."""
    base = "plugins" if flavour == "swig" else "plugins/bgacheck"
    files = list(_walk(os.path.join(ROOT, "plugin"), base))
    files += _walk(os.path.join(ROOT, "solver"), base + "/solver")
    files += _walk(os.path.join(ROOT, "resources"), base + "/resources", RESOURCE_SKIP)
    files.append((os.path.join(ROOT, "resources", "icon.png"), "resources/icon.png"))
    # findings cite docs/sources.md sections: the bibliography travels with the plugin
    files.append((os.path.join(ROOT, "docs", "sources.md"), base + "/docs/sources.md"))
    if flavour == "ipc":
        files += [(os.path.join(ROOT, "resources", "ipc", name), "plugins/" + name)
                  for name in IPC_FILES]
    return sorted(files, key=lambda f: f[1])


def package_metadata(version: str, install_size: int, flavour: str = "swig") -> dict:
    """The zip's metadata.json: the top-level file with this flavour's version, runtime, size."""
    with open(os.path.join(ROOT, "metadata.json"), encoding="utf-8") as fh:
        meta = json.load(fh)
    entry = dict(meta["versions"][0])
    for key in ("download_url", "download_sha256", "download_size"):
        entry.pop(key, None)
    entry["version"] = package_version(version, flavour)
    entry["runtime"] = flavour
    if flavour == "ipc":
        entry["kicad_version"] = "9.0.1"  # the first KiCad that runs IPC plugins from the PCM
        entry.pop("kicad_version_max", None)
        meta["description_full"] = IPC_DESCRIPTION
    entry["install_size"] = install_size
    meta["versions"] = [entry]
    return meta


IPC_DESCRIPTION = (
    "Finds every BGA and area-array footprint on the board, checks its lands, solder mask, vias, "
    "traces and escape channels against pitch-based rules (AMD/Xilinx UG1099 first, Intel "
    "AN114), and predicts the solder-joint standoff after reflow with its tolerance. This build "
    "runs through KiCad's IPC API: enable it once under Preferences > Plugins; KiCad then "
    "installs numpy, Shapely and kicad-python for the plugin by itself. The button checks the "
    "open board, draws warnings and errors on a user layer in one undoable step, and lists the "
    "findings in a window beside the board that stays open while you work.")


def _add(zf: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, FIXED_TIME)
    info.external_attr = 0o644 << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    zf.writestr(info, data)


def build(out_dir: str, flavour: str = "swig") -> str:
    """Write one flavour's package zip; returns its path."""
    version = read_version()
    blobs = []
    for src, name in package_files(flavour):
        with open(src, "rb") as fh:
            blobs.append((name, fh.read()))
    meta_bytes = b""
    for _ in range(3):  # install_size counts metadata.json itself; settles in two passes
        size = sum(len(b) for _, b in blobs) + len(meta_bytes)
        meta = package_metadata(version, size, flavour)
        meta_bytes = (json.dumps(meta, indent=4, ensure_ascii=False) + "\n").encode("utf-8")
    os.makedirs(out_dir, exist_ok=True)
    suffix = "" if flavour == "swig" else f"-{flavour}"
    path = os.path.join(out_dir, f"bgacheck-{version}{suffix}-pcm.zip")
    with zipfile.ZipFile(path, "w") as zf:
        _add(zf, "metadata.json", meta_bytes)
        for name, data in blobs:
            _add(zf, name, data)
    return path


def build_all(out_dir: str) -> list[str]:
    """Both zips and one packages.json listing them as two versions of the package."""
    paths = [build(out_dir, flavour) for flavour in FLAVOURS]
    entry: dict = {}
    for path in paths:
        with zipfile.ZipFile(path) as zf:
            meta = json.loads(zf.read("metadata.json"))
        with open(path, "rb") as fh:
            digest = hashlib.sha256(fh.read()).hexdigest()
        version = dict(meta["versions"][0], download_sha256=digest,
                       download_size=os.path.getsize(path))
        entry = entry or dict(meta, versions=[])
        entry["versions"].append(version)
    listing = os.path.join(out_dir, f"bgacheck-{read_version()}.packages.json")
    with open(listing, "w", encoding="utf-8") as fh:
        json.dump({"packages": [entry]}, fh, indent=4)
        fh.write("\n")
    return paths


def main(argv=None) -> int:
    """Command line: build_pcm.py [--out DIR]."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join(ROOT, "dist"), help="output folder")
    args = parser.parse_args(argv)
    for path in build_all(args.out):
        with zipfile.ZipFile(path) as zf:
            count = len(zf.namelist())
        print(f"{path}  ({os.path.getsize(path)} bytes, {count} files)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
