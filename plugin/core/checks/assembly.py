"""Assembly-risk review per BGA: warpage on the joints, thermal balance, voids, X-ray advice.

- **Warpage** (docs/sources.md S7, S8): the package is a rigid bowl of the given corner warpage
  (``--warpage-mm``, the project file's ``warpage_mm``, else JEITA's maximum for the pitch, tried
  both ways) over a board of its own (``board_warpage_mm``), on joints whose force-height curves
  come from the solver (the standoff stage's inputs: ball, pads, paste, stencil). Per ball:
  height, force, lift off the paste when the solder melts, status. A ball lifted off its paste
  is a head-in-pillow / open; a joint stretched past its largest pull opens; one squeezed until
  its bulge comes closer to a neighbour than the fab's spacing, or past its pad, is a bridging
  risk. The margin is the warpage the joints still absorb, and the first ball to fail names the
  corner or edge. Severity: a given warpage that opens a joint is an error, bridging or a margin
  below ``warpage_margin_min_mm`` a warning; the typical warpage gives notes.
- **Thermal balance** (R12): balls tied solidly to copper pours or planes (land in a solid pour;
  a via in the land or at the end of the dog-bone joined to a zone) heat slower; corners and
  edges where they crowd against the opposite side are noted with the remedy.
- **Voids** (R13): open vias in lands, thermal pads beside the array and their paste coverage.
- **X-ray** (R14): one line per BGA, "advised" or "strongly advised" and why.
"""
from __future__ import annotations

import re

import numpy as np

from ...solver import force_curve, warpage
from ..context import ArrayContext
from ..model import PadAttrib, PadShape
from ..units import NM_PER_MM
from .land import aperture_shapes, grid_neighbours, make_finding, pad_item, stencil_thickness
from .standoff import predicted
from .vias import classified, via_protection_declared

__all__ = ["check", "warpage_inputs", "regions"]

SOURCE_WARP = ("joints under a warped rigid package: force balance per docs/sources.md S8; "
               "head-in-pillow when a ball is lifted off its paste before the solder melts and "
               "JEITA ED-7306 limits, docs/sources.md S7")
SOURCE_THERMAL = "plane balls heat slower; KiCad joins vias to zones solidly (docs/sources.md R12)"
SOURCE_VOIDS = "voids from open vias, thermal pads and paste coverage (docs/sources.md R13)"
SOURCE_XRAY = "X-ray inspection advice for joints under the package (docs/sources.md R14)"
DIRECTION_WORDS = {1: "corners up", -1: "corners down"}
MECHANISM_WORDS = {"head_in_pillow": "head-in-pillow", "stretched": "overstretched",
                   "bridging": "bridging", "": "nothing up to 1 mm"}
SOLID = ("full", "thru_hole_only")  # thru_hole_only: reliefs on through-hole pads only


def _mm(v) -> str:
    return f"{v:.3f} mm"


_BALL_NAME = re.compile(r"^([A-Z]+)(\d+)$")
CLUSTER_MIN_BALLS = 3
NECK_TOL_MM = 0.005
"""A dog-bone stub up to this much wider than the one-route trace counts as necked."""
"""A corner or edge needs at least this many plane balls to be called a cluster: two ground
balls on the edge of a 24-ball memory are no imbalance worth a designer's time."""


def regions(arr):
    """Per ball its region 0..8 of the grid's thirds (row third * 3 + column third)."""
    r, c = np.asarray(arr.row, float), np.asarray(arr.col, float)
    rt = np.clip(((r - r.min()) * 3 // (np.ptp(r) + 1)).astype(int), 0, 2)
    ct = np.clip(((c - c.min()) * 3 // (np.ptp(c) + 1)).astype(int), 0, 2)
    return rt * 3 + ct


def _line_label(names):
    """The label of one grid line from its balls' names.

    ("row", "A") when every ball on it shares its letters, ("column", "12") when it shares its
    number; (None, None) otherwise.
    """
    parts = [_BALL_NAME.match(n.upper()) for n in names]
    if not parts or not all(parts):
        return None, None
    letters, digits = {m.group(1) for m in parts}, {m.group(2) for m in parts}
    if len(letters) == 1:
        return "row", letters.pop()
    if len(digits) == 1:
        return "column", digits.pop()
    return None, None


def region_names(model, arr) -> list[str]:
    """Names of the nine regions, by the package's own ball names.

    "A1 corner", "row A edge", "column 16 edge", "centre"; a corner's site is named even when it
    is depopulated.
    """
    num = [model.pads.number[i] for i in arr.ball_pads]
    r, c = np.asarray(arr.row), np.asarray(arr.col)
    lines = {("r", 0): r == r.min(), ("r", 2): r == r.max(), ("c", 0): c == c.min(),
             ("c", 2): c == c.max()}
    label = {k: _line_label([num[i] for i in np.flatnonzero(v)]) for k, v in lines.items()}
    names = []
    for region in range(9):
        rr, cc = divmod(region, 3)
        if rr == 1 and cc == 1:
            names.append("centre")
            continue
        if rr != 1 and cc != 1:
            a, b = label[("r", rr)], label[("c", cc)]
            parts = {k: v for k, v in (a, b) if k}
            if len(parts) == 2:
                names.append(f"{parts['row']}{parts['column']} corner")
                continue
            sel = lines[("r", rr)] & lines[("c", cc)]
            corner_r = r.min() if rr == 0 else r.max()
            corner_c = c.min() if cc == 0 else c.max()
            k = int(np.flatnonzero(sel)[0]) if sel.any() else int(np.argmin(
                np.hypot(r - corner_r, c - corner_c)))
            names.append(f"{num[k]} corner")
            continue
        kind, text = label[("r", rr)] if rr != 1 else label[("c", cc)]
        if kind:
            names.append(f"{kind} {text} edge")
        else:
            names.append({(0, 1): "first-row edge", (2, 1): "last-row edge",
                          (1, 0): "first-column edge", (1, 2): "last-column edge"}[(rr, cc)])
    return names


def _centre_xy(model, arr):
    """Ball positions [mm] relative to the centre of the ball grid.

    The centre comes from a fit of the grid (depopulated sites included); the package's weight
    and its warpage bowl are centred there.
    """
    p, b = model.pads, arr.ball_pads
    xy = np.column_stack([p.x_nm[b], p.y_nm[b]]).astype(float) / NM_PER_MM
    design = np.column_stack([np.ones(len(b)), arr.col, arr.row]).astype(float)
    coef, *_ = np.linalg.lstsq(design, xy, rcond=None)
    r, c = np.asarray(arr.row, float), np.asarray(arr.col, float)
    centre = np.array([1.0, (c.min() + c.max()) / 2, (r.min() + r.max()) / 2]) @ coef
    return xy - centre


def _part_value(ctx, option: str, key: str):
    """(value, where from) of a per-part input: the option, else the project file, else None."""
    value = getattr(ctx.options, option, None)
    if value is not None:
        return float(value), f"option --{option.replace('_', '-')}"
    ov = ctx.options.project_overrides
    if ov is not None and hasattr(ov, "part_value"):
        value = ov.part_value(key, ctx.arr.footprint.ref)
        if value is not None:
            return value, f"project file {ov.path.name}"
    return None, ""


def warpage_inputs(ctx) -> dict:
    """Joint curves, positions, paste heights and neighbour pairs of one array's valid joints."""
    model, arr, rs = ctx.model, ctx.arr, ctx.rules
    inp, res = predicted(ctx)
    ok = np.asarray(res.valid).ravel()
    n = len(arr.ball_pads)
    p, balls = model.pads, arr.ball_pads
    land = np.minimum(p.w_nm[balls], p.h_nm[balls]).astype(float) / NM_PER_MM
    mask = np.minimum(p.mask_w_nm[balls], p.mask_h_nm[balls]).astype(float) / NM_PER_MM
    board_d = np.where(mask > 0, mask, land) if inp["board_pad_type"] == "smd" else land
    a_b, a_p = board_d / 2.0, np.full(n, inp["pkg_pad_d_mm"] / 2.0)
    h = np.broadcast_to(np.asarray(res.height_mm, float), (n,))
    vol = np.pi * h / 6.0 * (3 * a_b ** 2 + 3 * a_p ** 2 + h ** 2)  # the segment, exactly
    key = np.round(np.column_stack([a_b, a_p, vol]), 9)
    uniq, curve = (np.unique(key[ok], axis=0, return_inverse=True) if ok.any()
                   else (key[:0], np.zeros(0, np.int64)))
    t, t_src = stencil_thickness(model, ctx.options, rs)
    _shapes, pw, _ph, _pr = aperture_shapes(model, arr)
    a, b = grid_neighbours(arr)
    xy = _centre_xy(model, arr)
    keep = ok[a] & ok[b]
    index = -np.ones(n, np.int64)
    index[ok] = np.arange(int(ok.sum()))
    a, b = index[a[keep]], index[b[keep]]
    dist = np.hypot(*(xy[ok][a] - xy[ok][b]).T)
    return {"ok": ok, "xy": xy[ok], "curve": np.asarray(curve).ravel(),
            "curves": _curves(ctx, uniq) if len(uniq) else None,
            "paste_mm": np.where(pw[ok] > 0, t, 0.0), "stencil_mm": t, "stencil_source": t_src,
            "pairs": (a, b, dist)}


def _curves(ctx, keys: np.ndarray) -> force_curve.ForceCurves:
    """Force-height curves of these joints, each solved once per board (identical footprints
    and rotated copies share them)."""
    cache = ctx.board.setdefault("assembly_force_curves", {})
    rows = [tuple(k) for k in keys.tolist()]
    missing = [k for k in dict.fromkeys(rows) if k not in cache]
    if missing:
        fc = force_curve.force_curves(*np.array(missing).T)
        for i, k in enumerate(missing):
            cache[k] = {f: getattr(fc, f)[i] for f in fc.__dataclass_fields__}
    return force_curve.ForceCurves(**{f: np.stack([cache[k][f] for k in rows])
                                      for f in force_curve.ForceCurves.__dataclass_fields__})


def _assess(ctx, w, wi, direction_given: bool):
    """Balance at relative warpage ``w`` and the absorbable warpage in its direction(s)."""
    rs = ctx.rules
    xy, curves, curve = wi["xy"], wi["curves"], wi["curve"]
    unit = warpage.bowl_shape(xy[:, 0], xy[:, 1], 1.0)
    mass, _ = _part_value(ctx, "package_mass_g", "package_mass_g")
    kw = dict(mass_g=mass or 0.0, paste_height_mm=wi["paste_mm"], pairs=wi["pairs"],
              min_gap_mm=float(rs.min_space_mm or 0.0))
    dirs = [1 if w >= 0 else -1] if direction_given else [1, -1]
    limits = {d: warpage.absorbable_warpage(xy[:, 0], xy[:, 1], curve, curves, unit, d, **kw)
              for d in dirs}
    worst = min(dirs, key=lambda d: limits[d].limit_mm)
    w_applied = abs(w) * worst if not direction_given else w
    bal = warpage.solve_package(xy[:, 0], xy[:, 1], curve, curves, unit * w_applied,
                                mass or 0.0, paste_height_mm=wi["paste_mm"])
    gaps = warpage.bulge_gaps(bal.diameter_mm, wi["pairs"])
    return w_applied, bal, gaps, limits, worst, mass


def _warpage(ctx, out_findings) -> dict:
    model, arr, rs = ctx.model, ctx.arr, ctx.rules
    wi = warpage_inputs(ctx)
    if wi["curves"] is None:
        return {"warpage_mm": None, "warpage_margin_mm": None, "per_ball_height_mm": [],
                "text_lines": ["assembly: no valid joint to put a warped package on"]}
    w_pkg, w_src = _part_value(ctx, "warpage_mm", "warpage_mm")
    w_brd, b_src = _part_value(ctx, "board_warpage_mm", "board_warpage_mm")
    given = w_pkg is not None or w_brd is not None
    if w_pkg is None:
        w_pkg = float(rs.warpage_typical_mm) if not given else 0.0
        w_src = (f"typical maximum for {rs.pitch_mm:g} mm pitch, sign unknown: "
                 f"{rs.source('warpage_typical_mm')}") if not given else "not given: flat"
    w_rel = w_pkg - (w_brd or 0.0)
    w_applied, bal, gaps, limits, worst, mass = _assess(ctx, w_rel, wi, given)
    lim = limits[worst]
    margin = lim.limit_mm - abs(w_rel)
    ok_idx = np.flatnonzero(wi["ok"])
    reg, names = regions(arr), region_names(model, arr)
    first_region = _area_words([names[reg[ok_idx[k]]] for k in lim.balls])
    curves, curve = wi["curves"], wi["curve"]
    neck = curves.necking_height_mm[curve]
    paste = wi["paste_mm"]
    gap_margin = np.where(bal.status == warpage.JOINT_HEAD_IN_PILLOW, paste - bal.lift_mm,
                          np.minimum(paste - bal.lift_mm, neck - bal.height_mm))
    bridging = np.zeros(len(curve), bool)
    low = gaps < float(rs.min_space_mm or 0.0)
    bridging[wi["pairs"][0][low]] = bridging[wi["pairs"][1][low]] = True
    n = len(arr.ball_pads)

    def full(values, fill=None, nd=4):
        outv = [fill] * n
        items = values.tolist() if isinstance(values, np.ndarray) else values
        for i, x in zip(ok_idx.tolist(), items):
            outv[i] = round(float(x), nd) if not isinstance(x, str) else x
        return outv

    status = [warpage.STATUS_NAMES[int(s)] for s in bal.status]
    status = ["bridging" if bridging[k] and s == "ok" else s for k, s in enumerate(status)]
    data = {
        "warpage_mm": round(w_applied + (w_brd or 0.0), 4), "warpage_source": w_src,
        "warpage_given": given,
        "board_warpage_mm": w_brd, "board_warpage_source": b_src or "not given: flat",
        "relative_warpage_mm": round(w_applied, 4),
        "package_mass_g": mass, "paste_height_mm": wi["stencil_mm"],
        "warpage_margin_mm": round(margin, 4),
        "warpage_margin_min_mm": float(rs.warpage_margin_min_mm or 0.0),
        "absorbable_mm": {DIRECTION_WORDS[d]: round(v.limit_mm, 4) for d, v in limits.items()},
        "limit_mechanism": {DIRECTION_WORDS[d]: v.mechanism for d, v in limits.items()},
        "first_failure": {"ball": model.pads.number[arr.ball_pads[ok_idx[lim.ball]]]
                          if lim.ball >= 0 else None, "region": first_region,
                          "mechanism": lim.mechanism, "direction": DIRECTION_WORDS[worst]},
        "package_z_mm": round(bal.z_mm, 5), "package_tilt": [round(bal.tilt_x, 6),
                                                             round(bal.tilt_y, 6)],
        "balance_residual_mN": bal.residual_mN,
        "per_ball_height_mm": full(bal.height_mm), "per_ball_force_mN": full(bal.force_mN, nd=5),
        "per_ball_lift_mm": full(bal.lift_mm), "per_ball_gap_margin_mm": full(gap_margin),
        "per_ball_status": full(status, fill="invalid"),
    }
    _warpage_findings(ctx, data, bal, wi, ok_idx, bridging, gaps, out_findings)
    return data


def _area_words(areas) -> str:
    """"A1 corner", "corners A1, A10, K1, K10" or "row A edge, centre": the regions, once each."""
    seen = list(dict.fromkeys(areas))
    if len(seen) > 1 and all(a.endswith(" corner") for a in seen):
        return "corners " + ", ".join(a[: -len(" corner")] for a in seen)
    return ", ".join(seen)


def _names(model, arr, ok_idx, mask, limit=6) -> tuple[list, str]:
    idx = arr.ball_pads[ok_idx[np.flatnonzero(mask)]]
    names = [model.pads.number[i] for i in idx]
    return list(idx), ", ".join(names[:limit]) + (f" +{len(names) - limit}" if len(names) > limit
                                                   else "")


def _warpage_findings(ctx, d, bal, wi, ok_idx, bridging, gaps, out) -> None:
    model, arr, rs = ctx.model, ctx.arr, ctx.rules
    given = d["warpage_given"]
    w = d["relative_warpage_mm"]
    way = "corners up" if w >= 0 else "corners down"
    src = SOURCE_WARP
    worst_area = d["first_failure"]["region"] or "-"
    hip = bal.status == warpage.JOINT_HEAD_IN_PILLOW
    necked = bal.status == warpage.JOINT_STRETCHED
    if not given:
        up, down = d["absorbable_mm"]["corners up"], d["absorbable_mm"]["corners down"]
        mech = d["limit_mechanism"]
        idx, names = _names(model, arr, ok_idx, hip | necked | bridging)
        text = (f"at the typical maximum warpage {abs(w):.3f} mm (sign unknown) the joints absorb "
                f"{up:.3f} mm corners up ({MECHANISM_WORDS[mech['corners up']]}) and {down:.3f} mm "
                f"corners down ({MECHANISM_WORDS[mech['corners down']]}); first to fail: "
                f"{worst_area}")
        out.append(make_finding(
            "assembly.warpage_margin", "info", text, arr, model, idx[:1] or (),
            [pad_item(model, i) for i in idx[:50]], d["warpage_margin_mm"], 0.0, "mm", src,
            fix="give the part's reflow warpage (--warpage-mm, or warpage_mm in the project "
                "file) to check it"))
        return
    if hip.any():
        idx, names = _names(model, arr, ok_idx, hip)
        k = int(np.argmax(np.where(hip, bal.lift_mm - wi["paste_mm"], -np.inf)))
        out.append(make_finding(
            "assembly.head_in_pillow", "error",
            f"{int(hip.sum())} balls ({names}) stand {bal.lift_mm[k]:.3f} mm above the board when "
            f"the solder melts at {abs(w):.3f} mm {way}, over {wi['paste_mm'][k]:.3f} mm of "
            f"paste: they never touch it (head-in-pillow / open)", arr, model, idx,
            [pad_item(model, i) for i in idx[:50]], float(bal.lift_mm[k]),
            float(wi["paste_mm"][k]), "mm", src,
            fix="a flatter part (the vendor's reflow warpage), or a thicker stencil or larger "
                "apertures where the balls lift"))
    if necked.any():
        idx, names = _names(model, arr, ok_idx, necked)
        over = bal.height_mm - wi["curves"].necking_height_mm[wi["curve"]]
        k = int(np.argmax(np.where(necked, over, -np.inf)))
        out.append(make_finding(
            "assembly.stretched_joint", "warning",
            f"{int(necked.sum())} joints ({names}) held {over[k]:.3f} mm above the height of "
            f"their largest pull at {abs(w):.3f} mm {way}: hourglass joints that may neck "
            f"open", arr, model, idx, [pad_item(model, i) for i in idx[:50]],
            float(bal.height_mm[k]), float(wi["curves"].necking_height_mm[wi["curve"][k]]), "mm",
            src, fix="a flatter part, or more solder (paste) at the stretched balls"))
    if bridging.any():
        idx, names = _names(model, arr, ok_idx, bridging)
        gmin = float(gaps.min()) if len(gaps) else 0.0
        out.append(make_finding(
            "assembly.bridging", "warning",
            f"{int(bridging.sum())} balls ({names}) squeezed at {abs(w):.3f} mm {way}: molten "
            f"joints bulge to {gmin:.3f} mm from their neighbours", arr, model, idx,
            [pad_item(model, i) for i in idx[:50]], gmin, float(rs.min_space_mm or 0), "mm",
            f"{src}; spacing: {rs.source('min_space_mm')}",
            fix="less paste on the squeezed balls, or a flatter part"))
    margin, thr = d["warpage_margin_mm"], float(rs.warpage_margin_min_mm or 0.0)
    failing = hip.any() or necked.any() or bridging.any()
    sev = "warning" if (margin < thr and not failing) else "info"
    first = d["first_failure"]["ball"]
    pads = [i for i in arr.ball_pads if model.pads.number[i] == first][:1]
    out.append(make_finding(
        "assembly.warpage_margin", sev,
        f"warpage {abs(w):.3f} mm {way} ({d['warpage_source']}): the joints absorb "
        f"{abs(w) + margin:.3f} mm, margin {margin:+.3f} mm; first to fail: {worst_area} "
        f"({MECHANISM_WORDS[d['first_failure']['mechanism']]})", arr, model, pads,
        [pad_item(model, i) for i in pads], margin, thr, "mm",
        f"{src}; threshold: {rs.source('warpage_margin_min_mm')}",
        fix="" if sev == "info" else "ask the vendor for a flatter part or print more paste"))


# ---------------------------------------------------------------- thermal balance

def _thermal(ctx, vias, out) -> dict:
    model, arr, rs = ctx.model, ctx.arr, ctx.rules
    p, v = model.pads, model.vias
    balls = arr.ball_pads
    n = len(balls)
    if p.zone_index is None or v.zone_layers is None:
        return {"known": False, "note": "not assessed: the board reader that ran gives no zone "
                                        "connections (KiCad's pcbnew reader does)"}
    area = np.array([z.filled_area_nm2 for z in model.zones], float) / NM_PER_MM ** 2
    copper = np.zeros(n)
    how = np.array([""] * n, dtype=object)
    relief = np.zeros(n, bool)
    own = p.zone_connection or ("",) * len(p)
    for k in np.flatnonzero(p.zone_index[balls] >= 0).tolist():
        i = balls[k]
        zi = int(p.zone_index[i])
        mode = own[i] or model.zones[zi].connection
        if mode in SOLID and (p.zone_connected is None or p.zone_connected[i]):
            copper[k] += area[zi]
            how[k] = "pour"
        elif mode == "thermal":
            relief[k] = True
    sel, in_pad, dogbone, ball_of, stubs = vias
    stub_w = np.full(n, np.inf)
    by_layer: dict[tuple[int, int], float] = {}
    for z, a in zip(model.zones, area, strict=True):
        by_layer[(z.net, z.layer)] = max(by_layer.get((z.net, z.layer), 0.0), a)
    for j in np.flatnonzero((in_pad | dogbone) & (v.zone_layers[sel] != 0)):
        vi, k = int(sel[j]), int(ball_of[j])
        bits = int(v.zone_layers[vi])
        joined = sum(by_layer.get((int(v.net[vi]), L), 0.0)
                     for L in range(len(model.copper_layers)) if bits >> L & 1)
        if joined <= 0:
            continue
        copper[k] += joined
        how[k] = how[k] or ("via in pad" if in_pad[j] else "dog-bone")
        for t in stubs[j]:
            stub_w[k] = min(stub_w[k], model.tracks.width_nm[t] / NM_PER_MM)
    plane = copper >= float(rs.thermal_copper_min_mm2 or 0.0)
    # A dog-bone stub no wider than a routing trace is itself a thermal relief: such balls count
    # as plane balls but not towards an imbalance (the remedy is already in place).
    neck_w = float(rs.pad_route1_w_mm or 0.0) + NECK_TOL_MM
    heavy_tie = plane & ((how != "dog-bone") | (stub_w > neck_w))
    reg, names = regions(arr), region_names(model, arr)
    share = np.array([heavy_tie[reg == r].mean() if (reg == r).any() else 0.0 for r in range(9)])
    a, b = grid_neighbours(arr)
    border = np.zeros(n, bool)  # heavily tied balls with a signal ball beside them
    edge = plane[a] != plane[b]
    border[a[edge & plane[a]]] = border[b[edge & plane[b]]] = True
    border &= heavy_tie
    heavy = [r for r in (0, 1, 2, 3, 5, 6, 7, 8)
             if (heavy_tie & (reg == r)).sum() >= CLUSTER_MIN_BALLS
             and share[r] >= float(rs.thermal_cluster_min_ratio)
             and share[r] - share[8 - r] >= float(rs.thermal_imbalance_min_ratio)
             and (border & (reg == r)).any()]
    data = {"known": True, "plane_balls": int(plane.sum()), "relief_balls": int(relief.sum()),
            "signal_balls": int((~plane).sum()),
            "by_path": {w: int((plane & (how == w)).sum()) for w in ("pour", "via in pad",
                                                                     "dog-bone")},
            "necked_dogbone_balls": int((plane & ~heavy_tie).sum()),
            "copper_tied_mm2_max": round(float(copper.max()), 1) if n else 0.0,
            "heavy_regions": [names[r] for r in heavy],
            "per_ball_copper_mm2": [round(float(c), 1) for c in copper]}
    if plane.any():
        idx = balls[plane]
        out.append(make_finding(
            "assembly.plane_balls", "info",
            f"{int(plane.sum())} of {n} balls tied solidly to copper planes or pours "
            f"({data['by_path']['pour']} in a pour, {data['by_path']['via in pad']} by a via in "
            f"the land, {data['by_path']['dog-bone']} by a dog-bone via, "
            f"{data['necked_dogbone_balls']} of them through a stub no wider than "
            f"{rs.pad_route1_w_mm:.3f} mm), up to {data['copper_tied_mm2_max']:.0f} mm2; "
            f"{int(relief.sum())} in pours with reliefs",
            arr, model, idx[:1], [pad_item(model, i) for i in idx[:50]], float(plane.sum()), None,
            "count", f"{SOURCE_THERMAL}; {rs.source('thermal_copper_min_mm2')}"))
    for r in heavy:
        tied = (reg == r) & heavy_tie
        idx = balls[tied]
        kinds = {w: int((how[tied] == w).sum()) for w in ("pour", "via in pad", "dog-bone")}
        fixes = []
        if kinds["pour"]:
            fixes.append("thermal reliefs on the pour (zone or pad connection)")
        if kinds["dog-bone"]:
            widest = float(stub_w[tied & (how == "dog-bone")].max())
            fixes.append(f"neck the {widest:.3f} mm dog-bone stubs to {rs.pad_route1_w_mm:.3f} mm "
                         "where the supply current allows")
        if kinds["via in pad"]:
            fixes.append("a necked dog-bone instead of the via in the land")
        how_words = ", ".join(f"{n_} {w}" for w, n_ in kinds.items() if n_)
        out.append(make_finding(
            "assembly.thermal_imbalance", "info",
            f"{names[r]}: {int(tied.sum())} of {int((reg == r).sum())} balls tied to planes "
            f"({how_words}), beside signal balls, against {share[8 - r]:.0%} at the "
            f"{names[8 - r]}: they melt later and can tilt the package", arr, model, idx,
            [pad_item(model, i) for i in idx[:50]], float(share[r]),
            float(rs.thermal_cluster_min_ratio), "ratio",
            f"{SOURCE_THERMAL}; {rs.source('thermal_imbalance_min_ratio')}",
            fix="; ".join(fixes)))
    return data


# ---------------------------------------------------------------- voids

def _voids(ctx, vias, out) -> dict:
    model, arr, rs = ctx.model, ctx.arr, ctx.rules
    p, v = model.pads, model.vias
    sel, in_pad, _dog, ball_of, _stubs = vias
    declared = via_protection_declared(model)
    vip = np.flatnonzero(in_pad)
    open_vip = vip[~((v.filled[sel[vip]] & v.capped[sel[vip]]) | bool(declared))]
    data = {"via_in_pad": int(len(vip)), "open_via_in_pad": int(len(open_vip)),
            "thermal_pads": []}
    if len(open_vip):
        idx = arr.ball_pads[np.unique(ball_of[open_vip])]
        out.append(make_finding(
            "assembly.void_via_in_pad", "info",
            f"{len(open_vip)} open via(s) in lands ({', '.join(p.number[i] for i in idx[:6])}"
            f"{' ...' if len(idx) > 6 else ''}): trapped air and flux outgas into the joint "
            f"and solder wicks down the hole; expect voids", arr, model, idx,
            [pad_item(model, i) for i in idx[:50]], float(len(open_vip)), None, "count",
            f"{SOURCE_VOIDS}; {rs.source('via_in_pad_fill_required')}",
            fix="filled and capped vias (IPC-4761 VII), or X-ray these joints"))
    # thermal pads beside the array (the BGA's own centre pad included)
    balls = arr.ball_pads
    side_front = arr.footprint.side == "top"
    box = (p.x_nm[balls].min(), p.y_nm[balls].min(), p.x_nm[balls].max(), p.y_nm[balls].max())
    reach = float(rs.thermal_pad_distance_mm) * NM_PER_MM
    w, h = p.w_nm.astype(float), p.h_nm.astype(float)
    pad_area = np.where(p.shape == PadShape.CIRCLE, np.pi / 4 * w * h, w * h) / NM_PER_MM ** 2
    dx = np.maximum(0, np.maximum(box[0] - p.x_nm, p.x_nm - box[2]) - w / 2)
    dy = np.maximum(0, np.maximum(box[1] - p.y_nm, p.y_nm - box[3]) - h / 2)
    on_side = p.on_front_cu if side_front else p.on_back_cu
    cand = np.flatnonzero(on_side & (p.attrib == PadAttrib.SMD)
                          & (pad_area >= float(rs.thermal_pad_area_min_mm2))
                          & (np.hypot(dx, dy) <= reach))
    paste_only = np.flatnonzero(~p.has_copper & (p.paste_w_nm > 0))
    for i in cand:
        own = float(p.paste_w_nm[i]) * float(p.paste_h_nm[i]) / NM_PER_MM ** 2
        inside = paste_only[(np.abs(p.x_nm[paste_only] - p.x_nm[i]) <= w[i] / 2)
                            & (np.abs(p.y_nm[paste_only] - p.y_nm[i]) <= h[i] / 2)]
        own += float((p.paste_w_nm[inside].astype(float) * p.paste_h_nm[inside]).sum()) \
            / NM_PER_MM ** 2
        cover = own / pad_area[i] if pad_area[i] else 0.0
        fp = model.footprints[int(p.fp_index[i])]
        name = f"{fp.ref}.{p.number[i]}"
        gap = float(np.hypot(dx[i], dy[i])) / NM_PER_MM
        data["thermal_pads"].append({"pad": name, "area_mm2": round(pad_area[i], 2),
                                     "distance_mm": round(gap, 3),
                                     "paste_coverage": round(cover, 3)})
        item = pad_item(model, i, "pad")
        out.append(make_finding(
            "assembly.thermal_pad", "info",
            f"thermal pad {name} ({pad_area[i]:.1f} mm2, paste {cover:.0%}) {gap:.1f} mm from the "
            f"balls: a heat sink beside the array in reflow and a void risk under itself; "
            f"include it in the BGA's X-ray", arr, model, (),
            [item], round(gap, 3), float(rs.thermal_pad_distance_mm), "mm",
            f"{SOURCE_VOIDS}; {rs.source('thermal_pad_area_min_mm2')}", at=(p.x_nm[i], p.y_nm[i])))
        if cover > float(rs.paste_coverage_max_ratio):
            out.append(make_finding(
                "assembly.paste_coverage", "info",
                f"paste covers {cover:.0%} of thermal pad {name}: one large print outgasses into "
                f"voids and can float the part", arr, model, (), [item], round(cover, 3),
                float(rs.paste_coverage_max_ratio), "ratio", rs.source("paste_coverage_max_ratio"),
                at=(p.x_nm[i], p.y_nm[i]),
                fix="split the paste into windowpane openings covering 50-80 % of the pad"))
    return data


# ---------------------------------------------------------------- X-ray, and the stage

def _xray(ctx, warp, thermal, voids, out) -> dict:
    rs, arr, model = ctx.rules, ctx.arr, ctx.model
    strong = []
    if rs.pitch_mm <= float(rs.xray_fine_pitch_mm) + 1e-9:
        strong.append(f"{rs.pitch_mm:g} mm pitch")
    if voids.get("open_via_in_pad"):
        strong.append(f"{voids['open_via_in_pad']} open vias in lands")
    if thermal.get("heavy_regions"):
        strong.append("plane balls crowd " + ", ".join(thermal["heavy_regions"]))
    margin = warp.get("warpage_margin_mm")
    if warp.get("warpage_given") and margin is not None and \
            margin < float(rs.warpage_margin_min_mm):
        strong.append(f"warpage margin {margin:+.3f} mm at {warp['first_failure']['region']}")
    look = []
    ff = warp.get("first_failure") or {}
    if ff.get("region"):
        look.append(f"the {ff['region']} first ({MECHANISM_WORDS[ff['mechanism']]})")
    if voids.get("open_via_in_pad") or voids.get("thermal_pads"):
        look.append("the voids under " + " and ".join(
            w for w, n in (("the vias in lands", voids.get("open_via_in_pad")),
                           ("the thermal pads beside", voids.get("thermal_pads"))) if n))
    word = "strongly advised" if strong else "advised"
    why = "; ".join(strong) if strong else "joints under the body"
    line = f"X-ray {word} ({why})" + (f": look at {' and at '.join(look)}" if look else "")
    out.append(make_finding("assembly.xray", "info", line, arr, model, (), (), None, None, "mm",
                            f"{SOURCE_XRAY}; {rs.source('xray_fine_pitch_mm')}"))
    return {"advice": word, "reasons": strong, "line": line}


def check(ctx: ArrayContext) -> dict:
    """Warpage margin, thermal balance, voids and X-ray advice for one array."""
    out = ctx.findings
    warp = _warpage(ctx, out)
    vias = classified(ctx)
    thermal = _thermal(ctx, vias, out)
    voids = _voids(ctx, vias, out)
    xray = _xray(ctx, warp, thermal, voids, out)
    lines = warp.pop("text_lines", [])
    if warp.get("warpage_margin_mm") is not None:
        ff = warp["first_failure"]
        absorb = ", ".join(f"{v:.3f} mm {k}" for k, v in warp["absorbable_mm"].items())
        lines.append(f"assembly: warpage {abs(warp['relative_warpage_mm']):.3f} mm"
                     f"{'' if warp['warpage_given'] else ' (typical, either way)'}, margin "
                     f"{warp['warpage_margin_mm']:+.3f} mm; first to fail: "
                     f"{ff['region'] or '-'} ({MECHANISM_WORDS[ff['mechanism']]})")
        lines.append(f"assembly: the joints absorb {absorb}")
    if not thermal.get("known"):
        lines.append(f"assembly: thermal balance {thermal['note']}")
    else:
        lines.append(f"assembly: {thermal['plane_balls']} plane balls, {thermal['relief_balls']} "
                     f"with reliefs" + (f"; plane-heavy: {', '.join(thermal['heavy_regions'])}"
                                        if thermal["heavy_regions"] else ""))
    if voids["open_via_in_pad"] or voids["thermal_pads"]:
        lines.append(f"assembly: {voids['open_via_in_pad']} open vias in lands, "
                     f"{len(voids['thermal_pads'])} thermal pads beside")
    lines.append(f"assembly: {xray['line']}")
    return {**warp, "thermal": thermal, "voids": voids, "xray": xray, "text_lines": lines}
