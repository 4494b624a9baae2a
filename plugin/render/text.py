"""Report -> plain text for people: one block per BGA, its findings under it."""
from __future__ import annotations

from ..core.report import Report

__all__ = ["render_text"]


def _mm(value) -> str:
    return "-" if value is None else f"{value:.3f} mm"


def render_text(report: Report) -> str:
    """Human-readable report."""
    out = [f"bga-check {report.tool_version} on {report.source} (KiCad {report.kicad_version})"]
    if not report.bgas:
        out.append("No BGA / area-array footprints found.")
    by_ref: dict[str, list] = {}
    for f in report.sorted_findings():
        by_ref.setdefault(f.ref, []).append(f)
    for b in report.bgas:
        px, py = b.pitch_mm
        pitch = f"{px:g} mm" if px == py else f"{px:g} x {py:g} mm"
        out.append("")
        out.append(f"{b.ref}  {b.footprint}  ({b.side}, rotation {b.rot_deg:g} deg)")
        out.append(f"  balls {b.balls} in {b.rows} rows x {b.cols} cols, pitch {pitch}"
                   + (", staggered" if b.staggered else ""))
        if b.depopulated:
            shown = ", ".join(b.depopulated[:12]) + (" ..." if len(b.depopulated) > 12 else "")
            out.append(f"  depopulated {len(b.depopulated)}: {shown}")
        out.append(f"  land {_mm(b.land_d_mm)} {b.land_shape}, mask opening "
                   f"{_mm(b.mask_opening_d_mm)}, paste {_mm(b.paste_d_mm)}, {b.pad_type}"
                   + (f" {b.pad_types}" if b.pad_type == "mixed" else ""))
        a1 = b.a1 or {}
        if a1:
            out.append(f"  A1 at the {a1.get('corner')} corner"
                       + ("" if a1.get("populated", True) else " (A1 depopulated)"))
        for fields in b.extra.get("fields", []):
            out.append(f"  second field: {fields['balls']} balls at {fields['pitch_mm']} mm")
        for reason, names in sorted(b.ignored_pads.items()):
            out.append(f"  ignored {len(names)} pad(s): {reason}")
        for line in b.extra.get("text_lines", []):
            out.append(f"  {line}")
        for f in by_ref.pop(b.ref, []):
            out.append("  " + _finding_line(f))
    for ref, findings in sorted(by_ref.items()):
        out.append("")
        out.append(f"{ref or 'board'}")
        out.extend("  " + _finding_line(f) for f in findings)
    counts = {s: sum(1 for f in report.findings if f.severity == s)
              for s in ("error", "warning", "info")}
    out.append("")
    out.append(f"{len(report.bgas)} BGA(s); {counts['error']} error(s), "
               f"{counts['warning']} warning(s), {counts['info']} note(s)")
    return "\n".join(out) + "\n"


MAX_BALLS_LISTED = 8
"""Balls named on one text line; the JSON and HTML reports list them all."""


def _finding_line(f) -> str:
    shown = ",".join(f.pads[:MAX_BALLS_LISTED])
    more = len(f.pads) - MAX_BALLS_LISTED
    where = f" {shown}" + (f" (+{more} more)" if more > 0 else "") if f.pads else ""
    value = ""
    if f.measured is not None and f.limit is not None:
        value = f" [{f.measured:.4g} vs limit {f.limit:.4g} {f.unit}]"
    elif f.measured is not None:
        value = f" [{f.measured:.4g} {f.unit}]"
    src = f" ({f.source})" if f.source else ""
    return f"{f.severity.upper():7s} {f.rule_id}{where}: {f.message}{value}{src}"
