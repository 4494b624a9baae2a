"""Where the tests find real boards and KiCad's libraries (importable by any test module)."""
from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED_BOARDS_ENV = "BGACHECK_SHARED_BOARDS"
SHARED_BOARDS = Path(os.environ.get(SHARED_BOARDS_ENV, REPO.parent / "shared" / "boards"))
"""Third-party real boards, read only: not part of the repository, so a fresh clone lacks them."""
VME_WREN = Path("/usr/share/kicad/demos/vme-wren/vme-wren.kicad_pcb")
BGA_LIBRARY = Path("/usr/share/kicad/footprints/Package_BGA.pretty")


def shared_boards_missing(board: str | os.PathLike | None = None) -> str | None:
    """Why the shared real boards folder (or ``board`` in it, relative or absolute) cannot be
    used, as a skip reason; None when it can."""
    if not SHARED_BOARDS.is_dir():
        return (f"shared real boards folder {SHARED_BOARDS} not present (third-party boards, "
                f"not in the repository): put them in ../shared/boards beside the clone or set "
                f"{SHARED_BOARDS_ENV} to their folder")
    if board is not None and not (SHARED_BOARDS / board).exists():
        return (f"real board {board} not in the shared boards folder {SHARED_BOARDS} "
                f"(set {SHARED_BOARDS_ENV} to a folder that holds it)")
    return None


def shared_board(board: str | os.PathLike) -> Path:
    """Path of a real board in the shared folder; skips the calling test when it is absent."""
    import pytest

    __tracebackhide__ = True  # a skip reported at the test, not here
    reason = shared_boards_missing(board)
    if reason:
        pytest.skip(reason)
    return SHARED_BOARDS / board
