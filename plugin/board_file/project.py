"""The ``.kicad_pro`` beside a board: design-rule minimums, net classes, DRC rule severities.

KiCad loads the project file with the board: its ``board.design_settings.rules`` give the
minimums (each value scaled to nm and rounded as KiCad's PARAM_SCALED does, out-of-range values
fall back to the default), its ``net_settings.classes`` the net classes. Without a project file
KiCad's own defaults apply; a board that still carries pre-6 minimums in its ``(setup ...)``
keeps those and ignores the project's, as KiCad does.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field

__all__ = ["ProjectRules", "read_project", "RULE_DEFAULTS_NM"]

_MM_PER_IU = 1.0 / 1e6
_INV_SCALE = 1.0 / _MM_PER_IU
"""KiCad scales project millimetres by 1 / MM_PER_IU, which is not exactly 1e6 as a double."""

RULE_DEFAULTS_NM = {
    "min_clearance": 0, "min_track_width": 0, "min_via_diameter": 500_000,
    "min_via_annular": 100_000, "min_through_drill": 300_000, "min_microvia_drill": 100_000,
    "min_hole_clearance": 250_000,
}
"""KiCad 9.0's BOARD_DESIGN_SETTINGS defaults (measured on a board without a project file)."""

_RULE_KEYS = {  # project key -> (our name, max [mm]); every minimum is 0 mm
    "min_clearance": ("min_clearance", 25.0),
    "min_track_width": ("min_track_width", 25.0),
    "min_via_diameter": ("min_via_diameter", 25.0),
    "min_via_annular_width": ("min_via_annular", 25.0),
    "min_through_hole_diameter": ("min_through_drill", 25.0),
    "min_microvia_drill": ("min_microvia_drill", 10.0),
    "min_hole_clearance": ("min_hole_clearance", 100.0),
}
DEFAULT_NETCLASS_CLEARANCE_NM = 200_000
MAX_PROJECT_BYTES = 64 * 1024 * 1024


def _kiround(v: float) -> int:
    return int(v + 0.5) if v >= 0 else int(v - 0.5)


@dataclass
class ProjectRules:
    """What the board reader takes from the project file."""

    path: str = ""
    found: bool = False
    minimums_nm: dict = field(default_factory=lambda: dict(RULE_DEFAULTS_NM))
    netclass_clearance_nm: dict = field(default_factory=dict)
    """Clearance [nm] of every net class, ``Default`` included."""
    rule_severities: dict = field(default_factory=dict)
    text_variables: dict = field(default_factory=dict)
    problem: str = ""
    """Why the project file was ignored (unreadable, not JSON), '' when it was read."""


def _scaled(value, max_mm: float, default: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return default
    nm = _kiround(float(value) * _INV_SCALE)
    return default if nm < 0 or nm > _kiround(max_mm * 1e6) else nm


def read_project(board_path: str, use_rules: bool = True) -> ProjectRules:
    """Read ``<board>.kicad_pro``; a missing or broken file gives KiCad's defaults."""
    out = ProjectRules(path=os.path.splitext(board_path)[0] + ".kicad_pro")
    out.netclass_clearance_nm["Default"] = DEFAULT_NETCLASS_CLEARANCE_NM
    try:
        if not os.path.isfile(out.path):
            return out
        if os.path.getsize(out.path) > MAX_PROJECT_BYTES:
            out.problem = "project file larger than 64 MB, ignored"
            return out
        with open(out.path, "rb") as fh:
            doc = json.loads(fh.read().decode("utf-8", "replace"))
    except (OSError, ValueError, RecursionError) as exc:
        out.problem = f"project file ignored ({type(exc).__name__})"
        return out
    if not isinstance(doc, dict):
        out.problem = "project file is not a JSON object, ignored"
        return out
    out.found = True
    board = doc.get("board") if isinstance(doc.get("board"), dict) else {}
    bds = board.get("design_settings") if isinstance(board.get("design_settings"), dict) else {}
    rules = bds.get("rules") if isinstance(bds.get("rules"), dict) else {}
    if use_rules:
        for key, (name, max_mm) in _RULE_KEYS.items():
            if key in rules:
                out.minimums_nm[name] = _scaled(rules[key], max_mm, RULE_DEFAULTS_NM[name])
    sev = bds.get("rule_severities")
    if isinstance(sev, dict):
        out.rule_severities = {str(k): str(v) for k, v in sev.items()}
    nets = doc.get("net_settings") if isinstance(doc.get("net_settings"), dict) else {}
    for nc in nets.get("classes") or []:
        if isinstance(nc, dict) and isinstance(nc.get("name"), str):
            clearance = nc.get("clearance")
            if isinstance(clearance, (int, float)) and not isinstance(clearance, bool):
                out.netclass_clearance_nm[nc["name"]] = _kiround(float(clearance) * 1e6)
    tv = doc.get("text_variables")
    if isinstance(tv, dict):
        out.text_variables = {str(k): str(v) for k, v in tv.items()}
    return out
