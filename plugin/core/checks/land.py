"""Land checks per BGA: copper diameter, land vs ball, SMD/NSMD, mask clearance and web, paste.

Values per ball come from the pad table; limits from the pitch's RuleSet (profile and fab tier).
BGA-wide deviations (every land the wrong size) give one finding per BGA and rule listing the
balls; a thin solder-mask web gives one finding per cluster of touching thin webs.
Also home of the per-BGA inputs that the standoff stage shares: ball size, stencil, apertures.
"""
from __future__ import annotations

import re

import numpy as np

from ...solver import stencil as _stencil
from ..balls import pad_types, paste_apertures
from ..context import ArrayContext
from ..model import PadShape
from ..report import Finding
from ..rules import RulesError, ipc7351_land_mm
from ..severity import beyond_tolerance, recommendation_applies, vendor_part
from ..units import MIL_MM, NM_PER_MM, fab_minimum

__all__ = ["check", "ball_diameter", "stencil_thickness", "aperture_shapes", "make_finding",
           "grid_neighbours", "mask_webs", "SLACK_MM"]

SLACK_MM = 0.001
"""Measured values within 1 µm of a limit pass (board coordinates are whole nm; mm rules are
rounded conversions of mils)."""
MASK_AS_PROFILE_MM = 0.005
"""A mask clearance within 5 µm of the profile's own (M - L) / 2 was drawn to the profile."""
BALL_IN_NAME = re.compile(r"_Ball(\d+(?:\.\d+)?)mm", re.I)
"""KiCad library convention: BGA-xxx_..._Ball0.45mm (KiCad Library Convention F3.x names)."""
STENCIL_KEYS = ("STENCIL_THICKNESS", "STENCIL_THICKNESS_MM", "STENCIL_MM", "STENCIL")
_LENGTH = re.compile(r"^\s*([0-9]*\.?[0-9]+)\s*(mm|um|µm|mil|in)?\s*$", re.I)
_UNIT_MM = {"mm": 1.0, "um": 1e-3, "µm": 1e-3, "mil": MIL_MM, "in": 25.4, None: 1.0}


def make_finding(rule_id, severity, message, arr, model, pads_idx=(), items=(), measured=None,
                 limit=None, unit="mm", source="", at=None, layer="", fix="") -> Finding:
    """A Finding located at ``at`` (x, y nm), else the first listed pad, else the footprint."""
    p = model.pads
    pads_idx = [int(i) for i in pads_idx]
    if at is None:
        at = ((p.x_nm[pads_idx[0]], p.y_nm[pads_idx[0]]) if pads_idx
              else (arr.footprint.x_nm, arr.footprint.y_nm))
    return Finding(
        rule_id=rule_id, severity=severity, message=message, ref=arr.footprint.ref,
        x_mm=float(at[0]) / NM_PER_MM, y_mm=float(at[1]) / NM_PER_MM,
        measured=None if measured is None else round(float(measured), 4),
        limit=None if limit is None else round(float(limit), 4), unit=unit, source=source,
        layer=layer, pads=tuple(p.number[i] for i in pads_idx), items=tuple(items), fix=fix)


def pad_item(model, i, what="ball") -> tuple:
    p = model.pads
    return (f"{what} {p.number[i]}", p.uuid[i], float(p.x_nm[i]) / NM_PER_MM,
            float(p.y_nm[i]) / NM_PER_MM)


def ball_diameter(model, arr, options, rs) -> tuple[float, str]:
    """Ball diameter [mm] and where it came from: option, footprint name, or profile typical."""
    if getattr(options, "ball_d_mm", None):
        return float(options.ball_d_mm), "option --ball-mm"
    for text in (arr.footprint.fpid, arr.footprint.value):
        m = BALL_IN_NAME.search(text or "")
        if m:
            return float(m.group(1)), f"footprint name ({m.group(0).strip('_')})"
    return float(rs.ball_d_mm), f"profile typical for {rs.pitch_mm:g} mm: {rs.source('ball_d_mm')}"


def stencil_thickness(model, options, rs) -> tuple[float, str]:
    """Stencil thickness [mm] and its source: option, board text variable, else the rule default."""
    if getattr(options, "stencil_mm", None):
        return float(options.stencil_mm), "option --stencil-mm"
    props = {str(k).upper(): v for k, v in (model.properties or {}).items()}
    for key in STENCIL_KEYS:
        if key in props:
            m = _LENGTH.match(str(props[key]))
            if m:
                unit = (m.group(2) or "").lower() or None
                return float(m.group(1)) * _UNIT_MM[unit], f"board text variable {key}"
    return float(rs.stencil_thickness_mm), f"default: {rs.source('stencil_thickness_mm')}"


def aperture_shapes(model, arr) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
    """Per ball: solver aperture shape, width, height and corner radius [mm] (width 0: no paste).

    A ball's own paste opening keeps the pad shape; a separate paste-only pad is taken as round.
    """
    p = model.pads
    balls = arr.ball_pads
    w = p.paste_w_nm[balls].astype(float) / NM_PER_MM
    h = p.paste_h_nm[balls].astype(float) / NM_PER_MM
    own = paste_apertures(model, arr).astype(float) / NM_PER_MM
    s = p.shape[balls]
    none = w <= 0
    w, h = np.where(none, own, w), np.where(none, own, h)
    rounded = ~none & ((s == PadShape.ROUNDRECT) | (s == PadShape.OVAL))
    margin = (w - p.w_nm[balls] / NM_PER_MM) / 2
    base = np.where(s == PadShape.ROUNDRECT, p.corner_r_nm[balls] / NM_PER_MM,
                    np.minimum(p.w_nm[balls], p.h_nm[balls]) / 2 / NM_PER_MM)
    r = np.where(rounded, base + margin, 0.0)
    r = np.where(r < 0.0, 0.0, r)
    shapes = np.full(len(balls), "rect", dtype=object)
    shapes[s == PadShape.CIRCLE] = "round"
    shapes[rounded] = "roundrect"
    shapes[none] = "round"
    return shapes.tolist(), w, h, r


def grid_neighbours(arr) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs (into arr.ball_pads) of grid neighbours: right, down and both diagonals."""
    row, col = np.asarray(arr.row, dtype=np.int64), np.asarray(arr.col, dtype=np.int64)
    if len(row) == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    grid = -np.ones((row.max() + 2, col.max() + 3), dtype=np.int64)
    grid[row, col + 1] = np.arange(len(row))
    a_all, b_all = [], []
    for dr, dc in ((0, 1), (1, 0), (1, 1), (1, -1)):
        nb = grid[row + dr, col + 1 + dc]
        keep = nb >= 0
        a_all.append(np.flatnonzero(keep))
        b_all.append(nb[keep])
    return np.concatenate(a_all), np.concatenate(b_all)


def _support_nm(model, idx, ux, uy, w, h):
    """Half-extent [nm] of each opening (size w x h, pad shape, rotation) along unit vector u."""
    p = model.pads
    a = np.deg2rad(p.rot_deg[idx])
    # pad axes in board coordinates (KiCad: y down, counter-clockwise angles)
    ax, ay = np.cos(a), -np.sin(a)
    along = np.abs(ux * ax + uy * ay)
    across = np.abs(-ux * ay + uy * ax)
    s = p.shape[idx]
    round_ = (s == PadShape.CIRCLE) | ((s == PadShape.OVAL) & (w == h))
    r = np.where(s == PadShape.ROUNDRECT, p.corner_r_nm[idx] + (w - p.w_nm[idx]) / 2, 0.0)
    r = np.where(s == PadShape.OVAL, np.minimum(w, h) / 2, r)
    r = np.clip(r, 0, np.minimum(w, h) / 2)
    rect = along * (w / 2 - r) + across * (h / 2 - r) + r
    return np.where(round_, np.minimum(w, h) / 2, rect)


def mask_webs(model, arr) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(a, b, web_nm): solder-mask web between neighbouring balls' openings.

    Measured along the centre line (exact for round openings and for rectangles facing each
    other).
    """
    p = model.pads
    a, b = grid_neighbours(arr)
    ia, ib = arr.ball_pads[a], arr.ball_pads[b]
    dx = (p.x_nm[ib] - p.x_nm[ia]).astype(float)
    dy = (p.y_nm[ib] - p.y_nm[ia]).astype(float)
    d = np.hypot(dx, dy)
    ux, uy = dx / np.maximum(d, 1), dy / np.maximum(d, 1)
    sa = _support_nm(model, ia, ux, uy, p.mask_w_nm[ia].astype(float),
                     p.mask_h_nm[ia].astype(float))
    sb = _support_nm(model, ib, ux, uy, p.mask_w_nm[ib].astype(float),
                     p.mask_h_nm[ib].astype(float))
    keep = (p.mask_w_nm[ia] > 0) & (p.mask_w_nm[ib] > 0)
    return a[keep], b[keep], (d - sa - sb)[keep]


def _clusters(n: int, a: np.ndarray, b: np.ndarray) -> list[np.ndarray]:
    """Connected groups of nodes joined by the pairs (a, b) (union-find)."""
    parent = np.arange(n)

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x
    for x, y in zip(a.tolist(), b.tolist()):
        rx, ry = find(x), find(y)
        if rx != ry:
            parent[rx] = ry
    groups: dict[int, list[int]] = {}
    for x in sorted(set(a.tolist()) | set(b.tolist())):
        groups.setdefault(find(x), []).append(x)
    return [np.asarray(g) for g in groups.values()]


def _aggregate(rule, severity, text, arr, model, bad_idx, values, limit, source, worst="min",
               unit="mm", fix=""):
    """One finding for every ball in ``bad_idx`` (indices into arr.ball_pads), at the worst one."""
    k = int(np.argmin(values) if worst == "min" else np.argmax(values))
    balls = arr.ball_pads[bad_idx]
    order = np.r_[k, np.delete(np.arange(len(balls)), k)]
    n = len(balls)
    msg = text.format(n=n, v=float(values[k]), lim=limit, ball=model.pads.number[balls[k]],
                      s="" if n == 1 else "s")
    return make_finding(rule, severity, msg, arr, model, balls[order],
                        [pad_item(model, i) for i in balls[order]], values[k], limit, unit, source,
                        fix=fix)


def check(ctx: ArrayContext) -> dict:
    """Land, mask and paste checks for one array."""
    model, arr, options, rs, out = ctx.model, ctx.arr, ctx.options, ctx.rules, ctx.findings
    p = model.pads
    balls = arr.ball_pads
    land = np.minimum(p.w_nm[balls], p.h_nm[balls]).astype(float) / NM_PER_MM
    mask = np.minimum(p.mask_w_nm[balls], p.mask_h_nm[balls]).astype(float) / NM_PER_MM
    src = rs.source

    # 1. land diameter vs the profile band (the vendor's nominal +/- its tolerance)
    lo, hi = rs.land_d_min_mm, rs.land_d_max_mm
    applies, why = recommendation_applies(ctx, "land_d_mm")
    sev, aside = ("warning", "") if applies else ("info", f" ({why})")
    bounds = ((lo, np.less, "smaller", "min"), (hi, np.greater, "larger", "max"))
    for lim, cmp, word, worst in bounds:
        if lim is None:
            continue
        bad = np.flatnonzero(cmp(land, lim + (-SLACK_MM if worst == "min" else SLACK_MM)))
        if len(bad):
            out.append(_aggregate(
                "ug1099.t1.land_diameter", sev,
                "{n} land{s} " + f"{word} than {rs.profile}'s " + "{lim:.3f} mm " +
                ("minimum" if worst == "min" else "maximum") + " (" +
                ("smallest" if worst == "min" else "largest") + " {v:.3f} mm at {ball})" + aside,
                arr, model, bad, land[bad], lim,
                f"{src('land_d_mm')}; band: {src('land_tol_mm')}", worst=worst,
                fix=f"draw the lands {rs.land_d_mm:.3f} mm"))

    # 2. land vs ball: IPC-7351's nominal land, and AMD UG575's 80-120 % of the ball
    ball_d, ball_src = ball_diameter(model, arr, options, rs)
    ratio = land / ball_d
    known = not ball_src.startswith("profile typical")
    try:
        nominal, reduction, ipc_src = ipc7351_land_mm(ball_d) if known else (None, 0.0, "")
    except RulesError:  # a ball outside IPC-7351's bands: no nominal land to compare with
        nominal = None
    if nominal is not None:
        bad = np.flatnonzero(beyond_tolerance(land, nominal, rs))
        if len(bad):
            out.append(_aggregate(
                "ipc7351.land_to_ball", "info",
                "{n} land{s} of {v:.3f} mm where IPC-7351 gives " + f"{nominal:.3f} mm for the "
                f"{ball_d:g} mm ball ({ball_src}; {reduction:.0%} smaller than the ball)",
                arr, model, bad, land[bad], nominal, ipc_src,
                worst="min" if land[bad].min() < nominal else "max",
                fix=f"a {nominal:.3f} mm land, unless the part's datasheet says otherwise"))
    ug575 = known and rs.vendor.startswith("AMD") and (vendor_part(ctx) or options.profile_chosen)
    for key, cmp, word in (("ball_land_ratio_min", np.less, "below"),
                           ("ball_land_ratio_max", np.greater, "above")):
        lim = getattr(rs, key)
        if lim is None or not known:
            continue
        bad = np.flatnonzero(cmp(ratio, lim + (-1e-6 if word == "below" else 1e-6)))
        if len(bad):
            out.append(_aggregate(
                "ug575.land_to_ball", "warning" if ug575 else "info",
                "{n} land{s} at {v:.2f} of the " + f"{ball_d:g} mm ball ({ball_src}), {word} "
                "{lim:.2f}" + ("" if ug575 else " (AMD's rule for AMD parts)"), arr, model, bad,
                ratio[bad], lim, src(key), worst="min" if word == "below" else "max", unit="ratio",
                fix=f"a land {lim:.0%} of the ball"))

    # 3. SMD / NSMD per pad, and mixing within the array
    types = pad_types(model, balls)
    want = (rs.pad_type or "").upper()
    uniq, counts = np.unique(types, return_counts=True)
    if len(uniq) > 1:
        minority = uniq[np.argmin(counts)]
        bad = np.flatnonzero(types == minority)
        out.append(_aggregate("land.pad_type_mixed", "warning",
                              "{n} " + f"{minority} land{{s}} among {len(balls) - len(bad)} "
                              f"{uniq[np.argmax(counts)]} lands: joints of two land types reflow "
                              "to different heights", arr, model, bad,
                              np.full(len(bad), float(len(bad))), None,
                              "docs/sources.md R7: one land type per array (Lattice: match the "
                              "package; AMD/Intel/Microchip: NSMD)", unit="count",
                              fix=f"make every land {uniq[np.argmax(counts)]}"))
    elif want and len(uniq) == 1 and uniq[0] != want:
        applies, why = recommendation_applies(ctx, "pad_type")
        out.append(_aggregate("ug1099.land_type", "warning" if applies else "info",
                              "{n} " + f"{uniq[0]} land{{s}}; {rs.profile} recommends {want}"
                              + ("" if applies else f" ({why})"),
                              arr, model, np.arange(len(balls)), np.full(len(balls), 1.0), None,
                              src("pad_type"), unit="count",
                              fix=f"{want} lands: mask opening larger than the copper"))

    # 4. NSMD mask clearance per side: 0 is KiCad's default, "the fab decides" (said once per
    # board by board_notes); above 0 but below the fab's minimum is a warning.
    clear = (mask - land) / 2
    nsmd = (types == "NSMD") & (mask > 0)
    zero = nsmd & (np.abs(clear) <= SLACK_MM)
    if zero.any():
        ctx.board.setdefault("mask_margin_zero", []).append((arr.footprint.ref, int(zero.sum())))
    # A clearance drawn to the profile's own M - L is the vendor's choice; where it is below the
    # tier, board_notes says so once for the board.
    own_m = None
    if rs.own("mask_opening_d_mm") and None not in (rs.mask_opening_d_mm, rs.land_d_mm):
        own_m = (rs.mask_opening_d_mm - rs.land_d_mm) / 2
    as_profile = np.zeros(len(clear), bool) if own_m is None else \
        np.abs(clear - own_m) <= MASK_AS_PROFILE_MM
    lim = rs.mask_expansion_min_mm
    if lim is not None:
        bad = np.flatnonzero(nsmd & ~zero & ~as_profile & (clear < fab_minimum(lim) - SLACK_MM))
        if len(bad):
            # The fab opens such masks to its minimum: a note (the web check below says whether
            # that leaves a dam between the lands).
            out.append(_aggregate("fab.mask_clearance", "info",
                                  "{n} NSMD land{s} with {v:.3f} mm mask clearance per side, below "
                                  f"the {rs.fab_tier} tier's "
                                  "{lim:.3f} mm (smallest at {ball}): "
                                  "the fab will open the mask to its minimum",
                                  arr, model, bad, clear[bad], lim, src("mask_expansion_min_mm"),
                                  fix=f"mask opening = land + {2 * lim:.3f} mm, or margin 0 to "
                                      "let the fab set it"))

    # 5. solder-mask web between neighbouring openings, against the fab tier. (The board setup's
    # "solder mask minimum web width" is KiCad's threshold for merging openings in plots, not a
    # fab rule.) A web the fab cannot hold is removed (gang relief). Where the openings are the
    # vendor's own (fine-pitch CSPs are drawn that way, e.g. TI's DSBGA lands) that is a note;
    # where the designer opened the mask wider than the vendor's figure or than the array's other
    # openings, a bridging risk the vendor did not accept: a warning.
    web_lim, web_src = rs.mask_web_min_mm or 0.0, src("mask_web_min_mm")
    vendor_m = rs.mask_opening_d_mm if rs.own("mask_opening_d_mm") else None
    usual_m = float(np.median(mask))  # an opening wider than its siblings was opened by hand
    opened = (mask > usual_m) & beyond_tolerance(mask, usual_m, rs)
    if vendor_m is not None:
        opened |= (mask > vendor_m) & beyond_tolerance(mask, vendor_m, rs)
    a, b, web = mask_webs(model, arr)
    web_mm = web / NM_PER_MM
    thin = web_mm < fab_minimum(web_lim) - SLACK_MM
    for group in _clusters(len(balls), a[thin], b[thin]):
        sel = thin & np.isin(a, group) & np.isin(b, group)
        deg = np.bincount(np.r_[a[sel], b[sel]], minlength=len(balls))[group]
        centre = group[np.argmax(deg)]
        idx = balls[[centre, *(g for g in group if g != centre)]]
        thinnest = float(web_mm[sel].min())
        wider = bool(opened[group].any())
        out.append(make_finding(
            "fab.mask_web", "warning" if wider else "info",
            f"solder-mask web {max(thinnest, 0):.3f} mm around {p.number[balls[centre]]}"
            f"{' (openings merge)' if thinnest <= 0 else ''}, below the {rs.fab_tier} tier's "
            f"{web_lim:.3f} mm ({int(sel.sum())} neighbour pair{'s' if sel.sum() != 1 else ''}): "
            "the fab removes such webs, leaving no dam against bridging"
            + (f"; openings wider than the array's {usual_m:.3f} mm"
               + (f" or {rs.profile}'s {vendor_m:.3f} mm" if vendor_m else "") if wider else ""),
            arr, model, idx, [pad_item(model, i) for i in idx], thinnest, web_lim, "mm", web_src,
            layer="F.Mask" if arr.footprint.side == "top" else "B.Mask",
            fix=(f"open the mask to {vendor_m or usual_m:.3f} mm" if wider else
                 "a fab tier that holds the web, or accept gang relief")))

    # 6. paste: missing apertures and IPC-7525 area ratio
    t, t_src = stencil_thickness(model, options, rs)
    shapes, pw, ph, pr = aperture_shapes(model, arr)
    ar = np.zeros(len(balls))
    for shape in set(shapes):
        sel = np.array([s == shape for s in shapes])
        ar[sel] = _stencil.area_ratio(shape, pw[sel], ph[sel], pr[sel], t)
    ar = np.where(pw > 0, ar, 0.0)
    missing = np.flatnonzero(pw <= 0)
    if len(missing) and len(missing) < len(balls):
        out.append(_aggregate("paste.missing", "warning",
                              "{n} ball{s} without a paste aperture while the others have one",
                              arr, model, missing, np.zeros(len(missing)), None,
                              "docs/sources.md R7, S2: the joint volume includes the "
                              "printed paste", unit="count",
                              fix="give every ball the same paste aperture"))
    ar_lim = rs.stencil_area_ratio_min
    if ar_lim is not None:
        bad = np.flatnonzero((pw > 0) & (ar < ar_lim - 1e-6))
        if len(bad):
            # At the stencil in use a real assembly risk; with the default stencil a note that
            # asks for the real one.
            known_t = not t_src.startswith("default")
            out.append(_aggregate(
                "ipc7525.area_ratio", "warning" if known_t else "info",
                "{n} paste aperture{s} with area ratio {v:.2f} < {lim:.2f} for a " +
                f"{t:g} mm stencil ({t_src}); smallest at {{ball}}", arr, model, bad, ar[bad],
                ar_lim, src("stencil_area_ratio_min"), unit="ratio",
                fix="a thinner stencil or larger apertures (area ratio = d / 4t)" + (
                    "" if known_t else "; give your stencil as STENCIL_THICKNESS or --stencil-mm")))
    return {
        "land_d_mm": [round(float(np.min(land)), 4), round(float(np.max(land)), 4)],
        "land_limits_mm": [lo, hi],
        "mask_clearance_mm": round(float(np.median(clear[nsmd])), 4) if nsmd.any() else None,
        "mask_web_min_mm": round(float(web_mm.min()), 4) if len(web_mm) else None,
        "mask_web_limit_mm": round(web_lim, 4),
        "ball_d_mm": ball_d, "ball_source": ball_src,
        "land_to_ball": round(float(np.median(ratio)), 3),
        "stencil_mm": t, "stencil_source": t_src,
        "area_ratio_min": round(float(ar[pw > 0].min()), 3) if (pw > 0).any() else None,
    }

