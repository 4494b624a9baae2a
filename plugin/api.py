"""The library entry points that every front end (CLI, ActionPlugin, tests) calls.

``check_model`` is host-free; ``read_model`` and ``check_file`` use the pcbnew adapter.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Optional

from ._version import __version__
from .core.model import BoardModel
from .core.report import Report

__all__ = ["CheckOptions", "UserError", "check_model", "read_model", "check_file"]


class UserError(Exception):
    """A problem the user can fix (bad file, bad option); carries the CLI exit code."""

    def __init__(self, message: str, code: int = 2):
        super().__init__(message)
        self.code = code


@dataclass
class CheckOptions:
    """Choices a run is made with; the same names in the CLI, the dialog and the project file."""

    profile: str = "ug1099"
    fab_tier: str = "standard"
    stencil_mm: Optional[float] = None
    ball_d_mm: Optional[float] = None
    severity: str = "warning"
    overrides: dict = field(default_factory=dict)
    checks: bool = True
    standoff: bool = True


def check_model(model: BoardModel, options: Optional[CheckOptions] = None) -> Report:
    """Detect area arrays on a board model and run every stage on them."""
    from .core import pipeline

    options = options or CheckOptions()
    t0 = time.perf_counter()
    report = Report(source=model.path, kicad_version=model.kicad_version,
                    tool_version=__version__)
    pipeline.run(model, options, report)
    report.meta.setdefault("timings_s", {})["check"] = round(time.perf_counter() - t0, 4)
    return report


def read_model(path: str) -> BoardModel:
    """Load a .kicad_pcb through pcbnew into a BoardModel; UserError on any bad input."""
    from .kicad import compat, pcbnew_reader

    try:
        board = pcbnew_reader.load_board(path)
    except compat.BoardLoadError as exc:
        raise UserError(str(exc), 2) from None
    except compat.KiCadMissing as exc:
        raise UserError(str(exc), 3) from None
    return pcbnew_reader.read_board(board, path)


def check_file(path: str, options: Optional[CheckOptions] = None) -> Report:
    """Read a board file and check it; the file is never written."""
    t0 = time.perf_counter()
    model = read_model(path)
    load_s = time.perf_counter() - t0
    report = check_model(model, options)
    report.meta["timings_s"]["load"] = round(load_s, 4)
    return report
