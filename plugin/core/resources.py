"""Find shipped data files (rule profiles, schemas, icons) in both install layouts.

The PCM zip puts the package at `plugins/` with data in `plugins/resources/`; the source tree
and an editable install keep `resources/` beside the `plugin/` folder.
"""
from __future__ import annotations

from pathlib import Path

__all__ = ["resource_path", "resource_root"]

_PACKAGE_DIR = Path(__file__).resolve().parent.parent  # the `bgacheck` package folder


def _candidates() -> tuple[Path, ...]:
    return (_PACKAGE_DIR / "resources", _PACKAGE_DIR.parent / "resources")


def resource_root() -> Path:
    """The first existing resources folder: `<package>/resources`, then `<package>/../resources`."""
    for candidate in _candidates():
        if candidate.is_dir():
            return candidate
    tried = ", ".join(str(c) for c in _candidates())
    raise FileNotFoundError(f"bgacheck resources folder not found (tried {tried})")


def resource_path(*parts: str) -> Path:
    """Path of a shipped data file, e.g. `resource_path("rules", "ug1099.toml")`."""
    return resource_root().joinpath(*parts)
