"""Write a Report onto the board as annotations on one user layer, replacing the previous run's.

What is drawn is decided by ``render/board_marks.layout`` (host-free, shared with the IPC front
end); this module maps each primitive 1:1 to a ``PCB_SHAPE`` or ``PCB_TEXT``. Everything sits
on one user layer named ``BGA.Check`` (User.7, pale cyan in KiCad's default colours, unless
the designer already uses it: ``board_marks.REPORT_LAYERS`` gives the order), inside one
``PCB_GROUP`` named ``bgacheck:report``. Every item gets a UUID that starts with
``UUID_PREFIX`` and is derived from its primitive's key, so: a re-run removes exactly its own
items (even ones an undo left outside the group), and two runs with the same result save
byte-identical files. The layer is enabled, named and made visible, then KiCad's appearance
panel is rebuilt (``pcbnew.UpdateUserInterface``), so it is listed under Appearance > Layers at
once rather than after the board is reopened.

No KiCad markers. KiCad 9.0.8 records an ActionPlugin's changes in
``PCB_EDIT_FRAME::RunActionPlugin`` (``pcbnew/python/scripting/pcbnew_action_plugins.cpp``): it
snapshots ``Tracks()``, ``Footprints()``, ``Drawings()`` and ``Zones()`` before ``Run`` and,
after it, files new and missing items of those four lists only as one undo entry ("Apply Action
Script", the string 9.0.8's ``_pcbnew.so`` carries). Markers (``BOARD::Markers()``) and groups
are in none of them, so markers a plugin adds survive Edit > Undo and point at nothing. The
drawn symbols and codes (which undo removes with the rest) and the results window take their
place; markers an earlier version of this writer left are still removed on a re-run.
"""
from __future__ import annotations

from ..core.report import Report
from ..core.units import mm_to_nm
from ..render.board_marks import (
    REPORT_LAYERS,
    UUID_PREFIX,
    Primitive,
    assembly_line,
    bga_label,
    is_ours,
    layout,
    uuid_for,
    verdict,
)
from . import compat

__all__ = ["GROUP_NAME", "LAYER_NAME", "UUID_PREFIX", "write_report", "remove_annotations",
           "report_layer", "is_ours", "uuid_for", "bga_label", "assembly_line", "verdict"]

GROUP_NAME = "bgacheck:report"
LAYER_NAME = "BGA.Check"


def _set_uuid(item, key: str) -> None:
    # KiCad 9 SWIG: m_Uuid is read-only, but KIID.Clone writes through to the item's own KIID.
    item.m_Uuid.Clone(compat.pcbnew().KIID(uuid_for(key)))


def report_layer(board) -> int:
    """The layer for annotations: one already named BGA.Check, else the first free user layer.

    Free user layers in ``board_marks.REPORT_LAYERS`` order (User.7, User.3, User.5, User.1,
    then User.9 down): the pale cyan and light grey ones read best over copper and zones.
    """
    m = compat.pcbnew()
    user = [getattr(m, f"User_{i}") for i in REPORT_LAYERS if hasattr(m, f"User_{i}")]
    user += [getattr(m, f"User_{i}") for i in range(10, 46) if hasattr(m, f"User_{i}")]
    for layer in user:
        if board.GetLayerName(layer) == LAYER_NAME:
            return layer
    used = set()
    for item in board.GetDrawings():
        if not is_ours(item.m_Uuid.AsString()):
            used.add(item.GetLayer())
    for fp in board.GetFootprints():
        for item in fp.GraphicalItems():
            used.add(item.GetLayer())
    for layer in user:
        if layer not in used and board.GetLayerName(layer) == board.GetStandardLayerName(layer):
            return layer
    raise RuntimeError("no free user layer left for the BGA.Check annotations")


def _claim_layer(board, layer: int) -> None:
    """Enable, name and show the layer, and tell KiCad's layer list about it."""
    enabled = board.GetEnabledLayers()
    if not enabled.Contains(layer):
        enabled.AddLayer(layer)
        board.SetEnabledLayers(enabled)
    if board.GetLayerName(layer) != LAYER_NAME:
        board.SetLayerName(layer, LAYER_NAME)
    visible = board.GetVisibleLayers()
    if not visible.Contains(layer):
        visible.AddLayer(layer)
        board.SetVisibleLayers(visible)
    m = compat.pcbnew()
    # KiCad 9: rebuilds Appearance > Layers from the board; does nothing without an editor window.
    if hasattr(m, "UpdateUserInterface"):
        m.UpdateUserInterface()


def _marker_main_uuid(marker) -> str:
    parts = str(marker.SerializeToString()).split("|")
    return parts[3] if len(parts) > 3 else ""


def remove_annotations(board) -> int:
    """Remove every group, drawing and marker a previous run added; returns how many items."""
    doomed, groups = [], []
    for group in board.Groups():
        if group.GetName() == GROUP_NAME or is_ours(group.m_Uuid.AsString()):
            groups.append(group)
    seen = set()
    for item in board.GetDrawings():
        if is_ours(item.m_Uuid.AsString()):
            doomed.append(item)
            seen.add(item.m_Uuid.AsString())
    for group in groups:
        for item in group.GetItems():
            if item.m_Uuid.AsString() not in seen:
                doomed.append(item)
                seen.add(item.m_Uuid.AsString())
    markers = [mk for mk in board.Markers() if is_ours(_marker_main_uuid(mk))]
    for group in groups:
        group.RemoveAll()
    # Detach, never delete: inside KiCad the undo buffer and the view still hold these items.
    # RemoveNative keeps Python from taking ownership (BOARD.Remove does outside an action run,
    # and freeing a PCB_MARKER from Python corrupts 9.0.8's SWIG type table).
    for item in doomed + groups + markers:
        board.RemoveNative(item)
    return len(doomed) + len(groups) + len(markers)


def _xy(p) -> object:
    return compat.pcbnew().VECTOR2I(mm_to_nm(p[0]), mm_to_nm(p[1]))


def _item(board, layer: int, p: Primitive):
    """The pcbnew item for one primitive, on ``layer``, with its UUID."""
    m = compat.pcbnew()
    if p.kind == "text":
        item = m.PCB_TEXT(board)
        item.SetText(p.text)
        size = mm_to_nm(p.height_mm)
        item.SetTextSize(m.VECTOR2I(size, size))
        item.SetTextThickness(max(1, mm_to_nm(p.width_mm)))
        item.SetHorizJustify(m.GR_TEXT_H_ALIGN_CENTER if p.justify == "center"
                             else m.GR_TEXT_H_ALIGN_LEFT)
        item.SetVertJustify(m.GR_TEXT_V_ALIGN_CENTER)
        item.SetPosition(_xy(p.a))
    else:
        item = m.PCB_SHAPE(board)
        item.SetShape({"circle": m.SHAPE_T_CIRCLE, "segment": m.SHAPE_T_SEGMENT,
                       "rect": m.SHAPE_T_RECT}[p.kind])
        item.SetWidth(mm_to_nm(p.width_mm))
        if p.kind == "circle":
            item.SetCenter(_xy(p.a))
        else:
            item.SetStart(_xy(p.a))
        item.SetEnd(_xy(p.b))
    _set_uuid(item, p.key)
    item.SetLayer(layer)
    return item


def write_report(board, report: Report, profile: str = "") -> dict:
    """Replace the previous annotations with this report's; returns counts and the layer name.

    One group on the report layer holds ``board_marks.layout``'s primitives: a symbol and code
    per spot with a warning or error, an outline and summary per BGA, a block for board-level
    findings. ``markers`` in the result is always 0 (see the module docstring).
    """
    m = compat.pcbnew()
    removed = remove_annotations(board)
    layer = report_layer(board)
    keybase = ",".join(sorted(b.uuid for b in report.bgas)) or report.source
    group = m.PCB_GROUP(board)
    _set_uuid(group, f"group|{keybase}")
    group.SetName(GROUP_NAME)
    items = [_item(board, layer, p) for p in layout(report, profile)]
    board.Add(group)
    for item in items:
        board.Add(item)
        group.AddItem(item)
    _claim_layer(board, layer)
    return {"layer": board.GetLayerName(layer), "layer_id": layer, "items": len(items),
            "markers": 0, "removed": removed, "group": group.m_Uuid.AsString()}
