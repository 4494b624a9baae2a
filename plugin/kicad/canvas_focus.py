"""Show a finding's board items in KiCad's PCB editor (SWIG): select them, centre and zoom.

KiCad 9.0.8's SWIG API has no zoom call: ``pcbnew.FocusOnItem`` centres an item only when it is
off screen or within 10 % of the canvas edge (and keeps the zoom), and the View menu's "Zoom to
Selection" is the interactive zoom-to-drawn-rectangle tool. The editor's zoom preset box (the
``wx.Choice`` with id ``pcbnew.ID_ON_ZOOM_SELECT`` in its top toolbar) does set the zoom, about
the centre of the canvas, when sent its choice event. So: zoom in to the largest preset, which
puts the item off screen, so that ``FocusOnItem`` centres it; then choose the preset that shows
the finding's items with some of their surroundings. Tested for real under Xvfb
(tests/gui/test_pcbnew_gui.py reads the zoom from the editor's status bar).
"""
from __future__ import annotations

import math
import os
from typing import Optional

import pcbnew

__all__ = ["Focus", "zoom_presets", "pick_zoom", "below_toolbars", "clear_selection",
           "release_pads", "PX_PER_MM_AT_ZOOM_1"]

PX_PER_MM_AT_ZOOM_1 = 3.6
"""Canvas pixels per mm at zoom 1 (KiCad 9.0.8: at "Zoom 20" a 0.8 mm ball pitch is 58 px)."""
MIN_SPAN_MM = 8.0
"""Least width of board shown around a finding: about ten ball pitches at 0.8 mm."""
MAX_SPAN_MM = 80.0
MAX_SELECTED = 200
"""Items of one finding selected at most (a finding can name every via of a large BGA)."""
CANVAS_SHARE = 0.6
"""Part of the canvas width the span may take: the results window covers its right edge."""


def zoom_presets(choice) -> list[tuple[int, float]]:
    """(index, zoom) of the preset entries of the editor's zoom box ("Zoom 2.20"; not "Auto")."""
    out = []
    for i in range(choice.GetCount()):
        word = choice.GetString(i).split()[-1:] or [""]
        try:
            out.append((i, float(word[0].replace(",", "."))))
        except ValueError:
            continue  # "Zoom Auto", translated or not
    return out


def pick_zoom(presets: list[tuple[int, float]], span_mm: float, view_px: float) -> Optional[int]:
    """Index of the largest preset zoom at which ``span_mm`` fits in ``view_px`` pixels."""
    if not presets:
        return None
    fitting = [(z, i) for i, z in presets if span_mm * z * PX_PER_MM_AT_ZOOM_1 <= view_px]
    return max(fitting)[1] if fitting else min((z, i) for i, z in presets)[1]


def _editor_frame():
    import wx

    return wx.FindWindowByName("PcbFrame")


def _zoom_box(frame):
    import wx

    box_id = getattr(pcbnew, "ID_ON_ZOOM_SELECT", None)
    box = wx.FindWindowById(box_id, frame) if frame and box_id is not None else None
    return box if isinstance(box, wx.Choice) and zoom_presets(box) else None


def _choose(box, index: int) -> None:
    import wx

    box.SetSelection(index)
    event = wx.CommandEvent(wx.wxEVT_CHOICE, box.GetId())
    event.SetEventObject(box)
    event.SetInt(index)
    event.SetString(box.GetString(index))
    box.GetEventHandler().ProcessEvent(event)


def _canvas(frame):
    """The editor's drawing canvas (KiCad 9: a "GLCanvas" in a panel of the frame), or None."""
    for child in frame.GetChildren() if frame else ():
        for grand in child.GetChildren():
            if grand.GetName() == "GLCanvas":
                return grand
    return None


def _canvas_px(frame) -> float:
    """Pixels the span may take: the smaller side of the drawing canvas, less the covered part."""
    canvas = _canvas(frame)
    w, h = canvas.GetClientSize() if canvas else (800, 500)
    return max(min(w * CANVAS_SHARE, h) * 0.9, 100)


def below_toolbars(frame) -> Optional[tuple[int, int, int, int]]:
    """The editor's screen rectangle from the top of its canvas down, or None.

    The results window sits beside it, so the toolbars (where the plugin's button is) stay
    uncovered.
    """
    canvas = _canvas(frame)
    if frame is None or canvas is None:
        return None
    x, y, w, h = frame.GetScreenRect()
    top = canvas.GetScreenPosition().y
    return (x, top, w, y + h - top) if y <= top < y + h else None


def _mm(nm) -> float:
    return float(nm) / 1e6


_selected: list[str] = []
"""UUIDs of the items the last focus selected. KiCad's selection tool adopts selected tracks,
vias and footprints on ``pcbnew.Refresh`` but not pads, whose flag would stay set (drawn
selected) after the designer clicks elsewhere; so each focus clears the previous one's flags,
looked up again by UUID (never through a pointer that an edit may have freed)."""


def clear_selection(board) -> None:
    """Unselect what the last focus selected, and whatever KiCad has selected."""
    from . import compat

    for uid in _selected:
        item = compat.resolve_item(board, uid)
        if item is not None:
            item.ClearSelected()
    _selected.clear()
    for item in list(pcbnew.GetCurrentSelection()):
        item.ClearSelected()


def release_pads(board) -> None:
    """Clear the selected flag of the pads the last focus selected.

    KiCad did not adopt them into its selection, so nothing else would; tracks, vias and
    footprints stay in KiCad's selection as usual. Called when the results window closes and
    before a re-check.
    """
    from . import compat

    if board is None:
        return
    kept = []
    for uid in _selected:
        item = compat.resolve_item(board, uid)
        if item is not None and item.GetClass() == "PAD":
            item.ClearSelected()
        else:
            kept.append(uid)
    _selected[:] = kept


class Focus:
    """``focus(finding_or_ref) -> note | None`` for the results window, on the editor's board.

    Every call looks the board up again (``pcbnew.GetBoard``) and its items by UUID, so a
    board closed, re-opened or edited since the check is never touched through stale pointers.
    """

    def __init__(self, board_path: str):
        self.board_path = os.path.abspath(board_path) if board_path else ""

    def _board(self):
        board = pcbnew.GetBoard()
        if board is None:
            return None
        path = board.GetFileName() or ""
        return board if (os.path.abspath(path) if path else "") == self.board_path else None

    def _items(self, board, target) -> tuple[list, tuple[float, float]]:
        from . import compat  # numpy is there by now: Run checked the dependencies

        if isinstance(target, str):
            fp = board.FindFootprintByReference(target)
            return ([fp] if fp else []), (0.0, 0.0)
        items = []
        for _, uid, _, _ in target.items[:MAX_SELECTED]:
            item = compat.resolve_item(board, uid) if uid else None
            if item is not None:
                items.append(item)
        if not items and target.ref:
            fp = board.FindFootprintByReference(target.ref)
            items = [fp] if fp else []
        return items, (target.x_mm, target.y_mm)

    def __call__(self, target) -> Optional[str]:
        """Select, centre and zoom to a finding's items (a str: that BGA); a note, or None."""
        board = self._board()
        if board is None:
            return "the editor shows another board now: click BGA check again"
        items, (x, y) = self._items(board, target)
        if not items:
            return "its item is not on the board any more (edited since the check?)"
        clear_selection(board)
        for item in items:
            item.SetSelected()
            _selected.append(item.m_Uuid.AsString())
        pcbnew.Refresh()  # KiCad's selection follows the items' selected flags
        pos = [(_mm(i.GetPosition().x), _mm(i.GetPosition().y)) for i in items]
        if len(items) > 1:  # centre the one nearest the middle of them all: all in view
            x, y = sum(p[0] for p in pos) / len(pos), sum(p[1] for p in pos) / len(pos)
        main = items[min(range(len(items)),
                         key=lambda k: math.hypot(pos[k][0] - x, pos[k][1] - y))]
        return self._show(main, items, pos)

    def _show(self, main, items, pos) -> Optional[str]:
        frame = _editor_frame()
        box = _zoom_box(frame)
        if box is None:  # no zoom box (a KiCad without it): centred at the current zoom
            pcbnew.FocusOnItem(main)
            return "shown at the current zoom (the editor's zoom box was not found)"
        bbox = main.GetBoundingBox()
        cx, cy = _mm(main.GetPosition().x), _mm(main.GetPosition().y)
        reach = max((math.hypot(px - cx, py - cy) for px, py in pos), default=0.0)
        span = max(MIN_SPAN_MM, 2 * _mm(max(bbox.GetWidth(), bbox.GetHeight())),
                   2 * reach + 2.0)
        presets = zoom_presets(box)
        _choose(box, max(presets, key=lambda p: p[1])[0])  # the item is now off screen ...
        pcbnew.FocusOnItem(main)                               # ... so this centres it
        _choose(box, pick_zoom(presets, min(span, MAX_SPAN_MM), _canvas_px(frame)))
        return None
