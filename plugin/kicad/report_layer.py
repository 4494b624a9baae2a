"""Write a Report onto the board as annotations on one user layer, replacing the previous run's.

Everything this module adds sits on one user layer named ``BGA.Check`` (User.9 unless the
designer already uses it), inside one ``PCB_GROUP`` named ``bgacheck:report``. Every item it
adds gets a UUID that starts with ``UUID_PREFIX`` and is derived from the report's content, so:
a re-run removes exactly its own items (even ones an undo left outside the group), and two runs
with the same result save byte-identical files. Findings at warning or error also become KiCad
markers (in memory only: KiCad does not save markers in the board file).
"""
from __future__ import annotations

import uuid
from typing import Optional

from ..core.report import Report, severity_rank
from ..core.units import mm_to_nm
from ..core.verdict import verdict as core_verdict
from . import compat

__all__ = ["GROUP_NAME", "LAYER_NAME", "UUID_PREFIX", "write_report", "remove_annotations",
           "report_layer", "is_ours", "bga_label", "assembly_line", "finding_label",
           "location_label",
           "verdict"]

GROUP_NAME = "bgacheck:report"
LAYER_NAME = "BGA.Check"
UUID_PREFIX = "b9acc4ec"
"""First 8 hex digits of every UUID this writer creates: its tag on the board."""
_NAMESPACE = uuid.UUID("6f0c1d52-2a59-4c1e-9a43-5b1a3f0e7c11")

TEXT_MM = 0.8          # BGA summary text height [mm]
FINDING_TEXT_MM = 0.25  # finding label height [mm]
LINE_MM = 0.05         # outline and marker circle stroke [mm]
_SEV_LETTER = {"info": "I", "warning": "W", "error": "E"}


def is_ours(uuid_text: str) -> bool:
    """True for a UUID this writer made."""
    return uuid_text.lower().startswith(UUID_PREFIX)


def _uuid_for(key: str) -> str:
    tail = uuid.uuid5(_NAMESPACE, key).hex[8:]
    return str(uuid.UUID(UUID_PREFIX + tail))


def _set_uuid(item, key: str) -> None:
    # KiCad 9 SWIG: m_Uuid is read-only, but KIID.Clone writes through to the item's own KIID.
    item.m_Uuid.Clone(compat.pcbnew().KIID(_uuid_for(key)))


def verdict(report: Report, ref: str, severity: Optional[str] = None) -> str:
    """'FAIL (2 errors, 1 warning)', 'PASS (1 info)' or 'PASS' for one BGA.

    PASS or FAIL is ``core.verdict`` at ``severity`` (default: the run's own, as for the exit
    code of ``bga-check check``); the counts are every finding of the BGA.
    """
    judged = core_verdict(report, severity, ref=ref)
    parts = [f"{n} {s}{'s' if n != 1 else ''}" for s, n in reversed(judged.counts.items()) if n]
    return f"{judged.word} ({', '.join(parts)})" if parts else judged.word


def _fmt(x) -> str:
    return f"{x:.3f}".rstrip("0").rstrip(".") if isinstance(x, (int, float)) else str(x)


def bga_label(report: Report, bga, profile: str = "") -> str:
    """Multi-line summary text placed next to one BGA: size, pitch, profile, standoff, verdict."""
    px, py = bga.pitch_mm
    pitch = _fmt(px) if abs(px - py) < 1e-6 else f"{_fmt(px)} x {_fmt(py)}"
    rules = bga.extra.get("rules") or {}
    prof = rules.get("profile") or report.meta.get("profile") or profile or "?"
    tier = rules.get("fab_tier") or report.meta.get("fab_tier")
    lines = [f"{bga.ref}: {bga.balls} balls {bga.rows}x{bga.cols} @ {pitch} mm",
             f"profile {prof}" + (f" / {tier}" if tier else "")]
    standoff = bga.extra.get("standoff") or {}  # written by core/checks/standoff.py
    if standoff.get("height_mm") is not None:
        tol = standoff.get("tolerance_mm")
        lines.append(f"standoff {_fmt(standoff['height_mm'])}"
                     + (f" ± {_fmt(tol)}" if tol is not None else "") + " mm")
    line = assembly_line(bga)
    if line:
        lines.append(line)
    lines.append(verdict(report, bga.ref))
    return "\n".join(lines)


def assembly_line(bga) -> str:
    """One line from the assembly review (core/checks/assembly.py): warpage margin and X-ray."""
    a = bga.extra.get("assembly") or {}
    if not a.get("xray"):
        return ""
    margin = a.get("warpage_margin_mm")
    text = ""
    if margin is not None:
        text = (f"warpage margin {margin:+.3f} mm" + ("" if a.get("warpage_given") else " (typ.)")
                + "; ")
    return f"{text}X-ray {a['xray'].get('advice', 'advised')}"


def finding_label(f) -> str:
    """Short label at a finding: severity letter, rule id, measured vs limit."""
    text = f"{_SEV_LETTER[f.severity]} {f.rule_id}"
    if f.measured is not None and f.limit is not None:
        text += f" {_fmt(f.measured)}/{_fmt(f.limit)} {f.unit}"
    elif f.measured is not None:
        text += f" {_fmt(f.measured)} {f.unit}"
    return text


MAX_LABEL_LINES = 3


def location_label(findings) -> str:
    """Label for all findings at one spot: one line per distinct finding, at most three lines."""
    lines = list(dict.fromkeys(finding_label(f) for f in
                               sorted(findings, key=lambda f: -severity_rank(f.severity))))
    extra = len(lines) - MAX_LABEL_LINES
    return "\n".join(lines[:MAX_LABEL_LINES] + ([f"+{extra} more"] if extra > 0 else []))


def _by_location(report: Report):
    """Findings grouped by position [nm], in the report's stable order.

    KiCad 9 drops drawings that compare equal (same kind, layer and geometry) when it saves, so
    findings at one spot share one circle and one label.
    """
    spots: dict = {}
    for f in report.sorted_findings():
        spots.setdefault((mm_to_nm(f.x_mm), mm_to_nm(f.y_mm)), []).append(f)
    return list(spots.items())


def report_layer(board) -> int:
    """The layer for annotations: one already named BGA.Check, else the first free user layer."""
    m = compat.pcbnew()
    user = [getattr(m, f"User_{i}") for i in (9, 8, 7, 6, 5, 4, 3, 2, 1) if hasattr(m, f"User_{i}")]
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


def _text(board, layer, key, text, x_nm, y_nm, height_mm, bottom_align=False):
    m = compat.pcbnew()
    item = m.PCB_TEXT(board)
    _set_uuid(item, key)
    item.SetText(text)
    item.SetLayer(layer)
    size = mm_to_nm(height_mm)
    item.SetTextSize(m.VECTOR2I(size, size))
    item.SetTextThickness(max(1, size // 8))
    item.SetHorizJustify(m.GR_TEXT_H_ALIGN_LEFT)
    item.SetVertJustify(m.GR_TEXT_V_ALIGN_BOTTOM if bottom_align else m.GR_TEXT_V_ALIGN_TOP)
    item.SetPosition(m.VECTOR2I(int(x_nm), int(y_nm)))
    return item


def _shape(board, layer, key, kind, a, b):
    m = compat.pcbnew()
    item = m.PCB_SHAPE(board)
    _set_uuid(item, key)
    item.SetShape(kind)
    item.SetLayer(layer)
    item.SetWidth(mm_to_nm(LINE_MM))
    if kind == m.SHAPE_T_CIRCLE:
        item.SetCenter(m.VECTOR2I(*a))
        item.SetEnd(m.VECTOR2I(*b))
    else:
        item.SetStart(m.VECTOR2I(*a))
        item.SetEnd(m.VECTOR2I(*b))
    return item


def _bga_box(board, bga):
    """Footprint bounding box [nm] (x0, y0, x1, y1), or a box from the ball field if not found."""
    for fp in board.GetFootprints():
        if fp.m_Uuid.AsString() == bga.uuid:
            box = fp.GetBoundingBox(False, False)
            return box.GetX(), box.GetY(), box.GetRight(), box.GetBottom()
    half_x = mm_to_nm((bga.cols + 1) * bga.pitch_mm[0] / 2)
    half_y = mm_to_nm((bga.rows + 1) * bga.pitch_mm[1] / 2)
    cx, cy = mm_to_nm(bga.x_mm), mm_to_nm(bga.y_mm)
    return cx - half_x, cy - half_y, cx + half_x, cy + half_y


def _marker(board, f, text_uuid, side):
    m = compat.pcbnew()
    kind = "generic_error" if f.severity == "error" else "generic_warning"
    layer = f.layer if f.layer in ("F.Cu", "B.Cu") or f.layer.startswith("In") else (
        "B.Cu" if side == "bottom" else "F.Cu")
    data = f"{kind}|{mm_to_nm(f.x_mm)}|{mm_to_nm(f.y_mm)}|{text_uuid}|{layer}"
    return m.PCB_MARKER.DeserializeFromString(data)


def write_report(board, report: Report, profile: str = "", markers: bool = True) -> dict:
    """Replace the previous annotations with this report's; returns counts and the layer name.

    Adds one group (summary text and outline per BGA, circle and label per spot with findings)
    on the report layer, plus a marker per spot whose worst finding is a warning or error.
    """
    m = compat.pcbnew()
    removed = remove_annotations(board)
    layer = report_layer(board)
    _claim_layer(board, layer)
    keybase = ",".join(sorted(b.uuid for b in report.bgas)) or report.source
    group = m.PCB_GROUP(board)
    _set_uuid(group, f"group|{keybase}")
    group.SetName(GROUP_NAME)
    items, new_markers = [], []
    side_of = {b.ref: b.side for b in report.bgas}
    pitch_of = {b.ref: min(b.pitch_mm) for b in report.bgas}
    for bga in sorted(report.bgas, key=lambda b: (b.ref, b.uuid)):
        x0, y0, x1, y1 = _bga_box(board, bga)
        items.append(_shape(board, layer, f"box|{bga.uuid}", m.SHAPE_T_RECT, (x0, y0), (x1, y1)))
        items.append(_text(board, layer, f"bga|{bga.uuid}", bga_label(report, bga, profile),
                           x0, y0 - mm_to_nm(TEXT_MM / 2), TEXT_MM, bottom_align=True))
    for i, (xy, group_findings) in enumerate(_by_location(report)):
        worst = max(group_findings, key=lambda f: severity_rank(f.severity))
        key = f"finding|{i}|{xy[0]}|{xy[1]}|{worst.rule_id}|{keybase}"
        x, y = xy
        r = mm_to_nm(0.4 * pitch_of.get(worst.ref, 0.75))
        items.append(_shape(board, layer, key + "|o", m.SHAPE_T_CIRCLE, (x, y), (x + r, y)))
        label = _text(board, layer, key + "|t", location_label(group_findings), x + r, y - r,
                      FINDING_TEXT_MM, bottom_align=True)
        items.append(label)
        if markers and severity_rank(worst.severity) >= severity_rank("warning"):
            marker = _marker(board, worst, label.m_Uuid.AsString(), side_of.get(worst.ref, "top"))
            if marker is not None:
                new_markers.append(marker)
    board.Add(group)
    for item in items:
        board.Add(item)
        group.AddItem(item)
    for marker in new_markers:
        board.Add(marker)
    return {"layer": board.GetLayerName(layer), "layer_id": layer, "items": len(items),
            "markers": len(new_markers), "removed": removed, "group": group.m_Uuid.AsString()}
