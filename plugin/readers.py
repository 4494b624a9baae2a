"""Which reader turns a board file into the BoardModel: the native one, or KiCad's pcbnew.

``auto`` (the default) reads the file natively. It falls back to pcbnew, when pcbnew can be
imported, for a file the native reader does not cover: a format older than KiCad 6 or newer than
KiCad 10, a board whose ``.kicad_dru`` sets mask or paste margins by rule (pcbnew evaluates
those rules, the native reader does not), or a defect of the native reader. The report's meta
says which reader ran and why.
"""
from __future__ import annotations

import os
import re
import time

from .core.model import BoardModel

__all__ = ["READERS", "DEFAULT_READER", "read_board"]

READERS = ("auto", "native", "pcbnew")
DEFAULT_READER = "auto"
_MARGIN_RULES = re.compile(rb"\(constraint\s+(solder_mask_expansion|solder_paste_abs_margin|"
                           rb"solder_paste_rel_margin)\b")


def _user_error(message: str, code: int = 2):
    from .api import UserError

    return UserError(message, code)


def margin_rules(path: str) -> str | None:
    """The first mask or paste margin constraint of the board's ``.kicad_dru``, if any."""
    dru = os.path.splitext(path)[0] + ".kicad_dru"
    try:
        with open(dru, "rb") as fh:
            m = _MARGIN_RULES.search(fh.read(1 << 22))
    except OSError:
        return None
    return m.group(1).decode() if m else None


def _pcbnew_available() -> bool:
    try:
        from .kicad import compat

        compat.pcbnew()
        return True
    except Exception:  # noqa: BLE001 - any import failure means "not available"
        return False


def _read_pcbnew(path: str) -> BoardModel:
    from .kicad import compat, pcbnew_reader

    try:
        board = pcbnew_reader.load_board(path)
    except compat.BoardLoadError as exc:
        raise _user_error(str(exc), 2) from None
    except compat.KiCadMissing as exc:
        raise _user_error(str(exc), 3) from None
    return pcbnew_reader.read_board(board, path)


def read_board(path: str, reader: str = DEFAULT_READER) -> tuple[BoardModel, dict]:
    """(model, meta) for a board file, read by ``reader``.

    meta names the reader (``reader``), the file's format version when the native reader ran
    (``board_format``) and why pcbnew ran instead, if it did (``reader_note``). UserError
    (exit code 2, or 3 without pcbnew) on bad input.
    """
    if reader not in READERS:
        raise _user_error(f"unknown reader '{reader}' (known: {', '.join(READERS)})")
    t0 = time.perf_counter()
    if reader == "pcbnew":
        model = _read_pcbnew(path)
        return model, {"reader": "pcbnew", "load_s": time.perf_counter() - t0}
    from .board_file import BoardFileError, read_board_file

    note = ""
    if reader == "auto":
        rule = margin_rules(path)
        if rule and _pcbnew_available():
            model = _read_pcbnew(path)
            return model, {"reader": "pcbnew", "load_s": time.perf_counter() - t0,
                           "reader_note": f"read by pcbnew: the .kicad_dru sets '{rule}', a "
                                          "rule the native reader does not evaluate"}
        if rule:
            note = f"the .kicad_dru sets '{rule}' by rule; the native reader uses the board's " \
                   "own margins (pcbnew not available to evaluate the rule)"
    try:
        model, info = read_board_file(path)
    except BoardFileError as exc:
        if reader == "auto" and exc.kind in ("format", "internal") and _pcbnew_available():
            model = _read_pcbnew(path)
            return model, {"reader": "pcbnew", "load_s": time.perf_counter() - t0,
                           "reader_note": f"read by pcbnew: {exc}"}
        raise _user_error(str(exc), 2) from None
    meta = {"reader": "native", "board_format": info.version, "load_s": time.perf_counter() - t0}
    notes = [n for n in (note, *info.notes) if n]
    if notes:
        meta["reader_note"] = "; ".join(notes)
    return model, meta
