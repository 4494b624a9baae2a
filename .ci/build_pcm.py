#!/usr/bin/env python3
"""Build the KiCad PCM package: dist/bgacheck-<version>-pcm.zip (run: make package).

Zip layout (what KiCad's "Install from File..." expects):
  metadata.json          top-level metadata.json with versions[0].version from plugin/_version.py
                         and install_size filled in; no download_* keys (those belong in a
                         repository's packages.json, written beside the zip)
  plugins/               the plugin/ tree (the `bgacheck` package), with
  plugins/solver/        solver/ inside it (the `bgacheck.solver` subpackage), and
  plugins/resources/     the run-time data: rules, icons, schemas (not the PCM schema)
  plugins/docs/sources.md  the bibliography the findings' sources cite
  resources/icon.png     the 64 x 64 package icon
The zip is reproducible: sorted entries, fixed timestamps and permissions.
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
                 os.path.join("schemas", "pcm.v1.schema.md")}


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


def package_files() -> list[tuple[str, str]]:
    """(source path, path inside the zip) for every file but metadata.json, sorted by zip path."""
    files = list(_walk(os.path.join(ROOT, "plugin"), "plugins"))
    files += _walk(os.path.join(ROOT, "solver"), "plugins/solver")
    files += _walk(os.path.join(ROOT, "resources"), "plugins/resources", RESOURCE_SKIP)
    files.append((os.path.join(ROOT, "resources", "icon.png"), "resources/icon.png"))
    # findings cite docs/sources.md sections: the bibliography travels with the plugin
    files.append((os.path.join(ROOT, "docs", "sources.md"), "plugins/docs/sources.md"))
    return sorted(files, key=lambda f: f[1])


def package_metadata(version: str, install_size: int) -> dict:
    """The zip's metadata.json: the top-level file with this version and install size."""
    with open(os.path.join(ROOT, "metadata.json"), encoding="utf-8") as fh:
        meta = json.load(fh)
    entry = dict(meta["versions"][0])
    for key in ("download_url", "download_sha256", "download_size"):
        entry.pop(key, None)
    entry["version"] = version
    entry["install_size"] = install_size
    meta["versions"] = [entry]
    return meta


def _add(zf: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, FIXED_TIME)
    info.external_attr = 0o644 << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    zf.writestr(info, data)


def build(out_dir: str) -> str:
    """Write the package zip (and a packages.json entry beside it); returns the zip path."""
    version = read_version()
    files = package_files()
    blobs = []
    for src, name in files:
        with open(src, "rb") as fh:
            blobs.append((name, fh.read()))
    meta = package_metadata(version, 0)
    meta_bytes = b""
    for _ in range(3):  # install_size counts metadata.json itself; settles in two passes
        size = sum(len(b) for _, b in blobs) + len(meta_bytes)
        meta = package_metadata(version, size)
        meta_bytes = (json.dumps(meta, indent=4, ensure_ascii=False) + "\n").encode("utf-8")
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, f"bgacheck-{version}-pcm.zip")
    with zipfile.ZipFile(path, "w") as zf:
        _add(zf, "metadata.json", meta_bytes)
        for name, data in blobs:
            _add(zf, name, data)
    with open(path, "rb") as fh:
        digest = hashlib.sha256(fh.read()).hexdigest()
    repo_entry = dict(meta)
    repo_entry["versions"] = [dict(meta["versions"][0], download_sha256=digest,
                                   download_size=os.path.getsize(path))]
    with open(path[:-len(".zip")] + ".packages.json", "w", encoding="utf-8") as fh:
        json.dump({"packages": [repo_entry]}, fh, indent=4)
        fh.write("\n")
    return path


def main(argv=None) -> int:
    """Command line: build_pcm.py [--out DIR]."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join(ROOT, "dist"), help="output folder")
    args = parser.parse_args(argv)
    path = build(args.out)
    with zipfile.ZipFile(path) as zf:
        count = len(zf.namelist())
    print(f"{path}  ({os.path.getsize(path)} bytes, {count} files)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
