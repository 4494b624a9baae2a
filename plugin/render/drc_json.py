"""Report -> JSON in the shape of ``kicad-cli pcb drc --format json``, plus a ``bgas`` list."""
from __future__ import annotations

import dataclasses
import datetime as _dt
import json

import numpy as np

from ..core.report import Finding, Report

__all__ = ["SCHEMA_URL", "TYPE_PREFIX", "report_dict", "render_json", "violation"]

SCHEMA_URL = "https://schemas.kicad.org/drc.v1.json"
"""kicad-cli's schema id; our additions (``bgas``, ``rule``, ``measured`` ...) are extra keys."""
TYPE_PREFIX = "bga_"
"""Our violation types start with this, so merged reports tell KiCad's from ours."""


def _plain(value):
    """Numpy scalars and arrays, tuples and dataclasses to JSON-native values."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return _plain(value.tolist())
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, float):
        return round(value, 6)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {field.name: _plain(getattr(value, field.name))
                for field in dataclasses.fields(value)}
    return value


def violation(f: Finding) -> dict:
    """One finding as a kicad-cli violation object.

    With rule, measured, limit and source (and ``fix``, what to change, when the check gave
    one).
    """
    items = [{"description": d, "pos": {"x": round(x, 6), "y": round(y, 6)}, "uuid": u}
             for d, u, x, y in f.items]
    if not items:
        items = [{"description": f"{f.ref} {' '.join(f.pads)}".strip(),
                  "pos": {"x": round(f.x_mm, 6), "y": round(f.y_mm, 6)}, "uuid": ""}]
    out = {
        "type": TYPE_PREFIX + f.rule_id.replace(".", "_"),
        "severity": f.severity,
        "description": f.message,
        "items": items,
        "rule": f.rule_id,
        "ref": f.ref,
        "measured": f.measured,
        "limit": f.limit,
        "unit": f.unit,
        "source": f.source,
    }
    if f.layer:
        out["layer"] = f.layer
    if f.pads:
        out["pads"] = list(f.pads)
    if f.fix:
        out["fix"] = f.fix
    return _plain(out)


def report_dict(report: Report, date: str | None = None) -> dict:
    """The report as a JSON-ready dict."""
    date = date or _dt.datetime.now().astimezone().replace(microsecond=0).isoformat()
    return {
        "$schema": SCHEMA_URL,
        "source": report.source,
        "date": date,
        "kicad_version": report.kicad_version,
        "coordinate_units": "mm",
        "tool": {"name": "bga-check", "version": report.tool_version},
        "violations": [violation(f) for f in report.sorted_findings()],
        "unconnected_items": [],
        "schematic_parity": [],
        "bgas": [_plain(b) for b in report.bgas],  # not asdict: it deep-copies every ball
        "meta": _plain(report.meta),
    }


def render_json(report: Report, date: str | None = None) -> str:
    """The report as indented JSON text."""
    return json.dumps(report_dict(report, date), indent=2, sort_keys=False) + "\n"
