"""Boards the project generates (fixtures/fanout.py) for tests that need any board with a BGA.

They exist wherever the repository is cloned, unlike the third-party boards in SHARED_BOARDS, so
the tests that use them never skip for want of a board.
"""
from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path

from paths import REPO

_NAME = "bgacheck_fixtures_fanout"

FINDINGS_PITCH_MM = 0.8
FINDINGS_DEFECT = "unfanned_ball"
FINDINGS_RULES = ("fanout.unrouted_ball",)
"""What the board with findings is known to give (fixtures/README.md): ball F6, whose net also
reaches test point TP1, has nothing leaving its land - an error at any fab tier."""


def fanout():
    """fixtures/fanout.py as a module (it needs pcbnew only when a board is made)."""
    if _NAME not in sys.modules:
        spec = importlib.util.spec_from_file_location(_NAME, REPO / "fixtures" / "fanout.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[_NAME] = module  # dataclasses look their module up
        spec.loader.exec_module(module)
    return sys.modules[_NAME]


def write_board_with_findings(outdir: Path) -> Path:
    """The generated 8 x 8, 0.8 mm dog-bone board with ball F6 left unfanned, its project file
    and an override file naming the fab tier it was drawn for (as the demo board has). The BGA
    checks report an error there (FINDINGS_RULES) besides their notes, and kicad-cli's DRC
    reports on the board too (dangling vias and tracks, a footprint library it cannot find)."""
    fx = fanout()
    path = Path(outdir) / fx.board_name(FINDINGS_PITCH_MM, FINDINGS_DEFECT)
    info = fx.make_board(FINDINGS_PITCH_MM, FINDINGS_DEFECT, str(path))
    path.with_suffix(".kicad_prl").unlink(missing_ok=True)
    path.with_name(path.stem + ".bgacheck.toml").write_text(f'fab_tier = "{info.fab_tier}"\n')
    return path


def copy_board(board: Path, dest: Path) -> Path:
    """Copy a board with the files beside it that share its name (project, overrides) to dest."""
    dest.mkdir(parents=True, exist_ok=True)
    for f in board.parent.glob(board.stem + ".*"):
        shutil.copy(f, dest / f.name)
    return dest / board.name
