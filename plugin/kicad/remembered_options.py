"""The options a designer last checked a board with, remembered in a file next to the board.

Options live in ``<board stem>.bgacheck.json`` (profile, fab tier, stencil thickness, ball
diameter, severity); a missing or unreadable file means the defaults. The rule override file
``<board stem>.bgacheck.toml`` is separate and written by the designer, not here. Both KiCad front
ends (the SWIG button and the IPC plugin) read and write it through these functions, so a board
checked with one opens with the same choices in the other.
"""
from __future__ import annotations

import json
import os
from typing import Optional

from ..core.options import CheckOptions
from ..core.report import SEVERITIES

__all__ = ["PERSISTED", "options_path", "load_options", "save_options"]

PERSISTED = ("profile", "fab_tier", "stencil_mm", "ball_d_mm", "severity")
"""CheckOptions fields remembered per board."""
_NOT_CHOSEN = ("(project)",)
"""Words older versions of the dialog could leave for "not chosen": read as None."""


def options_path(board_path: str) -> Optional[str]:
    """``<dir>/<stem>.bgacheck.json`` for a saved board; None for a board never saved."""
    if not board_path:
        return None
    stem, _ = os.path.splitext(os.path.abspath(board_path))
    return stem + ".bgacheck.json"


def load_options(board_path: str) -> CheckOptions:
    """The options last used with this board, or the defaults (unknown or bad values ignored)."""
    options = CheckOptions()
    path = options_path(board_path)
    if not path or not os.path.isfile(path):
        return options
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except (OSError, ValueError):
        return options
    if not isinstance(data, dict):
        return options
    for key in ("profile", "fab_tier"):  # null: take the project file's or the default
        if isinstance(data.get(key), str) and data[key] and data[key] not in _NOT_CHOSEN:
            setattr(options, key, data[key])
    for key in ("stencil_mm", "ball_d_mm"):
        value = data.get(key)
        if value is None or (isinstance(value, (int, float)) and 0 < value < 10):
            setattr(options, key, None if value is None else float(value))
    if data.get("severity") in SEVERITIES:
        options.severity = data["severity"]
    return options


def save_options(board_path: str, options: CheckOptions) -> Optional[str]:
    """Write the remembered options next to the board; returns the path (None if unsaved board)."""
    path = options_path(board_path)
    if not path:
        return None
    data = {key: getattr(options, key) for key in PERSISTED}
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=2, sort_keys=True)
        fh.write("\n")
    return path
