"""Synthetic reports for the renderer and baseline tests: one 4 x 4 BGA with known findings."""
from __future__ import annotations

from bgacheck.core.report import BgaSummary, Finding, Report

VIA_UUID = "11111111-2222-3333-4444-555555555555"
PAD_UUID = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
FP_UUID = "99999999-8888-7777-6666-555555555555"
PITCH = 0.8
ROWS = "ABCD"


def ball_xy(name: str, cx: float = 100.0, cy: float = 50.0) -> tuple[float, float]:
    """Board position [mm] of a ball of the unrotated top-side 4 x 4 BGA centred at (cx, cy)."""
    r, c = ROWS.index(name[0]), int(name[1:]) - 1
    return cx + (c - 1.5) * PITCH, cy + (r - 1.5) * PITCH


def make_bga(**extra) -> BgaSummary:
    """U1: 4 x 4 at 0.8 mm, B2 depopulated, so 15 balls."""
    names = tuple(f"{r}{c}" for r in ROWS for c in range(1, 5) if f"{r}{c}" != "B2")
    ax, ay = ball_xy("A1")
    return BgaSummary(
        ref="U1", footprint="Package_BGA:Test-16_4x4_P0.8mm", uuid=FP_UUID, side="top",
        rot_deg=0.0, x_mm=100.0, y_mm=50.0, balls=15, rows=4, cols=4, pitch_mm=(PITCH, PITCH),
        depopulated=("B2",), land_d_mm=0.4, land_shape="circle", mask_opening_d_mm=0.5,
        paste_d_mm=0.4, pad_type="NSMD", pad_types={"NSMD": 15},
        a1={"ball": "A1", "corner": "top-left", "populated": True, "x_mm": ax, "y_mm": ay},
        staggered=False, ignored_pads={}, ball_names=names, extra=dict(extra))


def make_findings() -> list[Finding]:
    """A via error at B3, an off-ball channel warning, unfanned D4, an info, a board finding."""
    bx, by = ball_xy("B3")
    dx, dy = ball_xy("D4")
    return [
        Finding("ug1099.t1.pad_to_via", "error", "via too close to pad", "U1", bx + 0.3, by + 0.3,
                0.25, 0.3, "mm", "UG1099 Table 1", "F.Cu", ("B3",),
                (("Via [GND]", VIA_UUID, bx + 0.4, by + 0.4), ("Pad B3 of U1", PAD_UUID, bx, by))),
        Finding("ug1099.t3.channel_width", "warning", "trace | too wide", "U1", 100.0, 50.4,
                0.15, 0.1, "mm", "UG1099 Table 3", "In1.Cu"),
        Finding("bga.fanout.unfanned", "error", "ball not fanned out", "U1", dx, dy,
                unit="count", source="issue 4", pads=("D4",)),
        Finding("bga.land.note", "info", "NSMD lands", "U1", 100.0, 50.0, source="IPC-7351B"),
        Finding("board.clearance", "warning", "board clearance setting", "", 0.0, 0.0,
                0.1, 0.127, "mm", "fab tier"),
    ]


def make_report(**extra) -> Report:
    """A report holding U1 and the findings above, with a standoff result unless told otherwise."""
    if "standoff" not in extra:
        extra["standoff"] = {"height_mm": 0.30, "tolerance_mm": 0.02,
                             "per_ball_height_mm": [0.29 + 0.001 * k for k in range(15)]}
    report = Report(source="/tmp/board/test.kicad_pcb", kicad_version="9.0.8",
                    tool_version="0.1.0", bgas=[make_bga(**extra)], findings=make_findings())
    return report


def kicad_violation(vtype: str = "clearance", severity: str = "error",
                    uuid: str = "cccccccc-0000-0000-0000-000000000001") -> dict:
    """One violation in kicad-cli's JSON shape."""
    return {"type": vtype, "severity": severity, "description": f"{vtype} violation",
            "items": [{"description": "Track [GND] on F.Cu", "pos": {"x": 1.0, "y": 2.0},
                       "uuid": uuid}]}


def kicad_drc(*violations: dict) -> dict:
    """A kicad-cli DRC report holding the given violations."""
    return {"$schema": "https://schemas.kicad.org/drc.v1.json", "coordinate_units": "mm",
            "date": "2026-11-24T10:00:00+0000", "included_severities": ["error", "warning"],
            "kicad_version": "9.0.8", "source": "test.kicad_pcb",
            "violations": list(violations), "unconnected_items": [], "schematic_parity": []}
