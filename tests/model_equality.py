"""Field-by-field comparison of two BoardModels (the native reader's and pcbnew's) and of the
reports checked from them; importable by any test module."""
from __future__ import annotations

import dataclasses
import json

import numpy as np

GEOMETRY_FIELDS = {"polygon_nm", "courtyard_nm"}
"""Outlines compared vertex for vertex first; ``geometry_ok`` decides when the vertices differ."""


def _same_array(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return np.array_equal(np.asarray(a), np.asarray(b))


def geometry_ok(a, b, tolerance_nm: float) -> bool:
    """Two outlines describe the same region within ``tolerance_nm`` (Hausdorff distance)."""
    import shapely

    if a is None or b is None:
        return a is None and b is None
    pa, pb = shapely.Polygon(np.asarray(a, float)), shapely.Polygon(np.asarray(b, float))
    return shapely.hausdorff_distance(pa, pb) <= tolerance_nm


def model_differences(native, ref, geometry_tolerance: dict | None = None,
                      skip: set | None = None) -> list[str]:
    """Every field where the two models differ, as readable lines ([] when equal).

    ``geometry_tolerance`` maps a footprint reference or "pad:<index>" to the Hausdorff distance
    allowed for its outline; ``skip`` names fields ("zones.filled_area_nm2", ...) left out."""
    tol = geometry_tolerance or {}
    skip = skip or set()
    out = []
    for name in ("copper_layers", "net_names", "properties", "settings"):
        if getattr(native, name) != getattr(ref, name):
            out.append(f"{name}: {str(getattr(native, name))[:200]} != "
                       f"{str(getattr(ref, name))[:200]}")
    for table in ("pads", "vias", "tracks"):
        a, b = getattr(native, table), getattr(ref, table)
        for f in dataclasses.fields(a):
            if f"{table}.{f.name}" in skip:
                continue
            va, vb = getattr(a, f.name), getattr(b, f.name)
            if va is None or vb is None:
                if (va is None) != (vb is None):
                    out.append(f"{table}.{f.name}: one reader leaves it unset")
                continue
            if f.name in GEOMETRY_FIELDS:
                for i, (x, y) in enumerate(zip(va, vb)):
                    if not _same_array(x, y) and not (
                            f"pad:{i}" in tol and geometry_ok(x, y, tol[f"pad:{i}"])):
                        out.append(f"{table}.{f.name}[{i}] differs")
                continue
            if isinstance(va, np.ndarray) or isinstance(vb, np.ndarray):
                va, vb = np.asarray(va), np.asarray(vb)
                if va.shape != vb.shape:
                    out.append(f"{table}.{f.name}: shape {va.shape} != {vb.shape}")
                    continue
                bad = np.flatnonzero(va != vb)
                if len(bad):
                    i = int(bad[0])
                    out.append(f"{table}.{f.name}: {len(bad)} rows differ, first #{i}: "
                               f"{va[i]!r} != {vb[i]!r}")
            elif tuple(va) != tuple(vb):
                bad = [i for i, (x, y) in enumerate(zip(va, vb)) if x != y]
                out.append(f"{table}.{f.name}: {len(bad) or 'length'} differ")
    if len(native.footprints) != len(ref.footprints):
        out.append(f"footprints: {len(native.footprints)} != {len(ref.footprints)}")
    for fa, fb in zip(native.footprints, ref.footprints):
        for f in dataclasses.fields(fa):
            va, vb = getattr(fa, f.name), getattr(fb, f.name)
            if f.name in GEOMETRY_FIELDS:
                if not _same_array(va, vb) and not (
                        fb.ref in tol and geometry_ok(va, vb, tol[fb.ref])):
                    out.append(f"footprint {fb.ref}.{f.name} differs")
            elif va != vb:
                out.append(f"footprint {fb.ref}.{f.name}: {va!r} != {vb!r}")
    if len(native.zones) != len(ref.zones):
        out.append(f"zones: {len(native.zones)} != {len(ref.zones)}")
    for za, zb in zip(native.zones, ref.zones):
        for f in dataclasses.fields(za):
            if f"zones.{f.name}" in skip or f.name == "polygons":
                continue
            if getattr(za, f.name) != getattr(zb, f.name):
                out.append(f"zone {zb.uuid}.{f.name}: {getattr(za, f.name)!r} != "
                           f"{getattr(zb, f.name)!r}")
        if len(za.polygons) != len(zb.polygons):
            out.append(f"zone {zb.uuid}.polygons: {len(za.polygons)} != {len(zb.polygons)}")
    return out


READER_META = ("timings_s", "reader", "board_format", "reader_note")
"""Report meta that says how (and how fast) the board was read, not what was found."""


def comparable_report(report) -> dict:
    """The JSON report with what depends on the reader left out (timings, which reader, the
    KiCad version string: 9.0.8 from pcbnew, the file's 9.0 from the native reader)."""
    from bgacheck.render.drc_json import render_json

    doc = json.loads(render_json(report))
    doc.pop("date", None)
    doc.pop("kicad_version", None)
    meta = doc.get("meta", {})
    for key in READER_META:
        meta.pop(key, None)
    return doc
