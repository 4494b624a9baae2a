"""Find shipped data files (rule profiles, schemas, icons, the bibliography) in every layout.

An installed wheel and the PCM zip keep the data inside the package: ``<package>/resources/``
(``bgacheck/resources`` in site-packages, ``plugins/resources`` in KiCad's plugin folder) and
the bibliography ``sources.md`` in ``<package>/docs/``. The source tree and an editable install
keep ``resources/`` and ``docs/`` beside the ``plugin/`` folder.
"""
from __future__ import annotations

from pathlib import Path

__all__ = ["resource_path", "resource_root", "doc_path"]

_PACKAGE_DIR = Path(__file__).resolve().parent.parent  # the `bgacheck` package folder


def _candidates(folder: str) -> tuple[Path, ...]:
    return (_PACKAGE_DIR / folder, _PACKAGE_DIR.parent / folder)


def _first(folder: str) -> Path:
    for candidate in _candidates(folder):
        if candidate.is_dir():
            return candidate
    tried = ", ".join(str(c) for c in _candidates(folder))
    raise FileNotFoundError(f"bgacheck {folder} folder not found (tried {tried})")


def resource_root() -> Path:
    """The first existing resources folder: ``<package>/resources``, then ``../resources``.

    Raises
    ------
    FileNotFoundError
        When neither exists (a broken install).
    """
    return _first("resources")


def resource_path(*parts: str) -> Path:
    """Path of a shipped data file, e.g. ``resource_path("rules", "ug1099.toml")``."""
    return resource_root().joinpath(*parts)


def doc_path(name: str = "sources.md") -> Path:
    """Path of a shipped document; ``sources.md`` is the bibliography that findings cite.

    Raises
    ------
    FileNotFoundError
        When no docs folder exists (a broken install).
    """
    return _first("docs") / name
