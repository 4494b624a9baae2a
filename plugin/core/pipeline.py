"""The run order: detect area arrays, summarise each, then hand them to the check stages."""
from __future__ import annotations

import re
import time
from collections import Counter

import numpy as np

from .balls import pad_types, paste_apertures
from .context import ArrayContext, rules_for
from .detect import AreaArray, detect_arrays, package_kind
from .model import BoardModel, PadShape
from .options import CheckOptions
from .report import BgaSummary, Finding, Report
from .units import NM_PER_MM

__all__ = ["run", "summarise", "unrecognised_packages", "PACKAGE_NAME"]

PACKAGE_NAME = re.compile(r"BGA|WLCSP", re.I)
"""Library ids or values that name a ball-array package (BGA, FBGA, DSBGA, WLCSP ...). LGA is
not among them: most LGA footprints are perimeter lands (sensors, modules), not arrays."""


def run(model: BoardModel, options: CheckOptions, report: Report) -> list[AreaArray]:
    """Detect, summarise and check; fills ``report`` in place and returns the arrays.

    The check stages and their order are listed in ``checks.ARRAY_STAGES`` (one per rule
    family, each ``fn(ctx) -> dict | None`` for one array) and ``checks.BOARD_STAGES`` (once per
    board, after every array, for facts that would otherwise repeat per BGA).
    """
    t0 = time.perf_counter()
    arrays = detect_arrays(model)
    report.bgas.extend(summarise(model, a) for a in arrays)
    report.findings.extend(unrecognised_packages(model, arrays))
    timings = report.meta.setdefault("timings_s", {})
    timings["detect"] = round(time.perf_counter() - t0, 4)
    if not options.checks:
        report.findings.sort(key=lambda f: f.sort_key())
        return arrays
    from .checks import ARRAY_STAGES, BOARD_STAGES

    board: dict = {}
    contexts = [ArrayContext(model, arr, options, rules_for(model, arr, options), summary,
                             report.findings, board=board)
                for arr, summary in zip(arrays, report.bgas)]
    for ctx in contexts:
        _record_rules(ctx)
    for name, stage in ARRAY_STAGES:
        t = time.perf_counter()
        for ctx in contexts:
            extra = stage(ctx)
            if extra is None:
                continue
            ctx.summary.extra.setdefault("text_lines", []).extend(extra.pop("text_lines", []))
            ctx.summary.extra[name] = extra
        timings[name] = round(time.perf_counter() - t, 4)
    for name, board_stage in BOARD_STAGES:
        t = time.perf_counter()
        board_stage(model, contexts, options, report)
        timings[name] = round(time.perf_counter() - t, 4)
    report.findings.sort(key=lambda f: f.sort_key())
    return arrays


def unrecognised_packages(model: BoardModel, arrays: list[AreaArray]) -> list[Finding]:
    """A warning per footprint named BGA (or WLCSP) that detection did not take as an array.

    Such a footprint was not checked, and a run must not pass it silently.
    """
    seen = {a.footprint.uuid for a in arrays}
    out = []
    for fp in model.footprints:
        if fp.uuid in seen or not PACKAGE_NAME.search(f"{fp.fpid} {fp.value}"):
            continue
        pads = model.footprint_pads(fp)
        n = int(model.pads.has_copper[pads].sum()) if len(pads) else 0
        if n < 4:
            continue
        out.append(Finding(
            rule_id="detect.package_not_recognised", severity="warning",
            message=(f"{fp.fpid} ({fp.value}, {n} copper pads) is named as an area-array package "
                     "but its pads were not recognised as a ball grid: it was NOT checked"),
            ref=fp.ref, x_mm=fp.x_nm / NM_PER_MM, y_mm=fp.y_nm / NM_PER_MM, unit="count",
            measured=float(n), source="bgacheck detection (docs/detection.md): a ball grid is "
            "found from the pads; a name alone is not enough",
            items=((f"footprint {fp.ref}", fp.uuid, fp.x_nm / NM_PER_MM, fp.y_nm / NM_PER_MM),),
            fix="check the footprint's pads (off-grid or overlapping pads), or report the case"))
    return out


def _record_rules(ctx: ArrayContext) -> None:
    """Say per BGA which profile row (or fill-in) and fab tier its rules came from."""
    rs = ctx.rules
    ctx.summary.extra["rules"] = {
        "profile": rs.profile, "fab_tier": rs.fab_tier, "pitch_mm": rs.pitch_mm,
        "row_profile": rs.row_profile, "row_pitch_mm": rs.row_pitch_mm, "match": rs.match}
    ctx.summary.extra.setdefault("text_lines", []).append(
        f"rules: {rs.profile}, fab tier {rs.fab_tier}; {rs.match}")


def summarise(model: BoardModel, arr: AreaArray) -> BgaSummary:
    """The per-BGA facts the report shows, in mm."""
    p = model.pads
    balls = arr.ball_pads
    land = np.minimum(p.w_nm[balls], p.h_nm[balls])
    mask = np.minimum(p.mask_w_nm[balls], p.mask_h_nm[balls])
    paste = paste_apertures(model, arr)
    types = pad_types(model, balls)
    counts = Counter(types.tolist())
    shape = Counter(PadShape.NAMES[s] for s in p.shape[balls]).most_common(1)[0][0]
    fp = arr.footprint
    a1 = {"ball": "A1", "corner": arr.a1_corner, "populated": False}
    if arr.a1_pad is not None:
        a1 = {"ball": p.number[arr.a1_pad], "corner": arr.a1_corner, "populated": True,
              "x_mm": float(p.x_nm[arr.a1_pad]) / NM_PER_MM,
              "y_mm": float(p.y_nm[arr.a1_pad]) / NM_PER_MM}
    return BgaSummary(
        ref=fp.ref, footprint=fp.fpid, uuid=fp.uuid, side=fp.side,
        rot_deg=round(arr.grid_rot_deg, 3),
        x_mm=float(fp.x_nm) / NM_PER_MM, y_mm=float(fp.y_nm) / NM_PER_MM,
        balls=arr.balls, rows=arr.rows, cols=arr.cols,
        pitch_mm=(round(arr.pitch_x_nm / NM_PER_MM, 4), round(arr.pitch_y_nm / NM_PER_MM, 4)),
        depopulated=arr.depopulated,
        land_d_mm=round(float(np.median(land)) / NM_PER_MM, 4),
        land_shape=shape,
        mask_opening_d_mm=(round(float(np.median(mask[mask > 0])) / NM_PER_MM, 4)
                           if (mask > 0).any() else None),
        paste_d_mm=(round(float(np.median(paste[paste > 0])) / NM_PER_MM, 4)
                    if (paste > 0).any() else None),
        pad_type=(counts.most_common(1)[0][0] if len(counts) == 1 else "mixed"),
        pad_types=dict(counts),
        a1=a1,
        staggered=arr.staggered,
        ignored_pads=arr.ignored,
        ball_names=tuple(p.number[i] for i in balls),
        kind=package_kind(fp),
        extra={"balls": _ball_table(model, arr, types, paste),
               **({"fields": arr.fields} if arr.fields else {})},
    )


def _ball_table(model: BoardModel, arr: AreaArray, types, paste) -> list[dict]:
    """Per ball: name, grid row/col, board position, land, mask opening, paste, SMD/NSMD [mm]."""
    p = model.pads
    b = arr.ball_pads
    cols = {
        "x_mm": p.x_nm[b] / NM_PER_MM, "y_mm": p.y_nm[b] / NM_PER_MM,
        "land_d_mm": np.minimum(p.w_nm[b], p.h_nm[b]) / NM_PER_MM,
        "mask_d_mm": np.minimum(p.mask_w_nm[b], p.mask_h_nm[b]) / NM_PER_MM,
        "paste_d_mm": paste / NM_PER_MM,
    }
    table = [{"name": p.number[i], "row": int(arr.row[k]), "col": int(arr.col[k]),
              **{key: round(float(v[k]), 6) for key, v in cols.items()},
              "pad_type": str(types[k])}
             for k, i in enumerate(b)]
    for name, (r, c), (x, y) in zip(arr.depopulated, arr.depopulated_sites,
                                    _grid_positions(model, arr, arr.depopulated_sites)):
        table.append({"name": name, "row": int(r), "col": int(c), "x_mm": round(x, 6),
                      "y_mm": round(y, 6), "status": "depopulated"})
    return table


def _grid_positions(model: BoardModel, arr: AreaArray, sites: np.ndarray) -> np.ndarray:
    """Board positions [mm] of grid sites, from a least-squares fit of the main field's balls."""
    if len(sites) == 0:
        return np.zeros((0, 2))
    main = arr.main_field if arr.main_field is not None else np.ones(arr.balls, bool)
    b = arr.ball_pads[main]
    design = np.column_stack([np.ones(len(b)), arr.col[main], arr.row[main]]).astype(float)
    xy = np.column_stack([model.pads.x_nm[b], model.pads.y_nm[b]]).astype(float) / NM_PER_MM
    coef, *_ = np.linalg.lstsq(design, xy, rcond=None)
    return np.column_stack([np.ones(len(sites)), sites[:, 1], sites[:, 0]]) @ coef
