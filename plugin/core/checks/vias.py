"""Vias in each BGA area: size vs the profile, annular ring, dog-bone geometry and via-in-pad.

A via belongs to a ball when its centre lies inside the ball's land (via-in-pad) or when a track
on the ball's copper layer touches both (dog-bone). A dog-bone via should sit at the four-ball
interstice, e/sqrt 2 from its ball (UG1099 Table 1, D); a via-in-pad should be filled and capped
(IPC-4761 type VII), and the two styles should not be mixed in one array (AMD UG575).
"""
from __future__ import annotations

import numpy as np

from ..context import rules_for
from ..geometry import DIST_TOL_NM, PAD, TRACK, VIA, AreaLayer, area_box, nearest
from ..pipeline import register_array_check
from ..report import Finding
from ..units import NM_PER_MM, fab_minimum
from .land import SLACK_MM, make_finding, pad_item

__all__ = ["run", "classify_vias", "via_protection_declared", "DOGBONE_CENTRE_TOL_MM"]

DOGBONE_CENTRE_TOL_MM = 0.01
"""Largest accepted distance of a dog-bone via from the four-ball interstice [mm]: UG1099 prints
D to 0.01 mm (and its 0.70/0.56 are e/sqrt 2 truncated, bga-rules.md §1.5)."""
PROTECTION_KEYS = ("VIA_PROTECTION", "VIA_FILL", "VIA_IN_PAD")
"""Board text variables that declare via fill for the whole board, e.g. "IPC-4761 Type VII":
KiCad 9.0.8 files carry no per-via fill/cap syntax, so fab notes are the designer's only place."""


def via_protection_declared(model) -> str:
    """The board text variable declaring filled and capped vias (IPC-4761 VII), or ""."""
    for k, v in (model.properties or {}).items():
        if str(k).upper() in PROTECTION_KEYS:
            text = "".join(str(v).upper().split()).replace("-", "").replace("_", "")
            if "TYPEVII" in text or text.endswith("VII") or ("FILLED" in text and "CAPPED" in text):
                return f"board text variable {k} = {v}"
    return ""


def _frame(model, arr):
    """Grid unit vectors ex, ey [nm per pitch] from ball positions (handles rotation/mirroring)."""
    p = model.pads
    b = arr.ball_pads
    x, y = p.x_nm[b].astype(float), p.y_nm[b].astype(float)
    row, col = np.asarray(arr.row), np.asarray(arr.col)
    vecs = []
    for same, step in ((row, col), (col, row)):
        order = np.lexsort((step, same))
        s, t = same[order], step[order]
        nxt = (s[1:] == s[:-1]) & (t[1:] - t[:-1] == 1)
        if not nxt.any():
            vecs.append(None)
            continue
        i, j = order[:-1][nxt], order[1:][nxt]
        vecs.append(np.array([np.median(x[j] - x[i]), np.median(y[j] - y[i])]))
    ex, ey = vecs
    if ex is None and ey is None:
        ex, ey = np.array([arr.pitch_x_nm, 0.0]), np.array([0.0, arr.pitch_y_nm])
    elif ex is None:
        ex = np.array([-ey[1], ey[0]]) * arr.pitch_x_nm / max(np.hypot(*ey), 1)
    elif ey is None:
        ey = np.array([-ex[1], ex[0]]) * arr.pitch_y_nm / max(np.hypot(*ex), 1)
    return ex, ey


def classify_vias(model, arr, layer: int, al: AreaLayer | None = None):
    """Vias of one array's area and the ball each belongs to.

    Returns (vias, in_pad, dogbone, ball_of, stubs): via-table indices in the area; per via
    whether its centre is inside a land, whether a stub on ``layer`` joins it to a ball, the
    arr.ball_pads index of that ball (-1 if none), and the stub track indices per via.
    """
    p, v = model.pads, model.vias
    balls = arr.ball_pads
    pitch = max(arr.pitch_x_nm, arr.pitch_y_nm)
    box = area_box(model, balls, 0.75 * pitch)
    sel = np.flatnonzero((v.x_nm >= box[0]) & (v.x_nm <= box[2]) & (v.y_nm >= box[1])
                         & (v.y_nm <= box[3]))
    n = len(sel)
    in_pad = np.zeros(n, bool)
    dogbone = np.zeros(n, bool)
    ball_of = -np.ones(n, np.int64)
    stubs: list[list[int]] = [[] for _ in range(n)]
    if n == 0 or len(balls) == 0:
        return sel, in_pad, dogbone, ball_of, stubs
    # via in pad: the via centre lies inside its nearest ball's land, on the ball's net
    bx, by = p.x_nm[balls].astype(float), p.y_nm[balls].astype(float)
    vx, vy = v.x_nm[sel].astype(float), v.y_nm[sel].astype(float)
    land_r = np.minimum(p.w_nm[balls], p.h_nm[balls]) / 2.0
    k, d = nearest(np.column_stack([bx, by]), np.column_stack([vx, vy]))
    hit = (d < land_r[k]) & (v.net[sel] == p.net[balls[k]])
    in_pad[hit], ball_of[hit] = True, k[hit]
    # dog-bones: a track on the ball layer touching both a ball and a via
    al = al if al is not None else AreaLayer(model, layer, box)
    a, b, _ = al.pairs_within(DIST_TOL_NM)
    a, b = np.r_[a, b], np.r_[b, a]
    ball_pos = {int(i): k for k, i in enumerate(balls)}
    via_pos = {int(i): j for j, i in enumerate(sel)}
    trk_ball: dict[int, int] = {}
    for x, y in zip(a.tolist(), b.tolist()):
        if al.kind[x] == TRACK and al.kind[y] == PAD and int(al.index[y]) in ball_pos \
                and al.net[x] == al.net[y]:
            trk_ball[int(al.index[x])] = ball_pos[int(al.index[y])]
    for x, y in zip(a.tolist(), b.tolist()):
        if al.kind[x] == VIA and al.kind[y] == TRACK and int(al.index[y]) in trk_ball:
            j = via_pos.get(int(al.index[x]))
            if j is None or in_pad[j] or al.net[x] != al.net[y]:
                continue
            dogbone[j] = True
            ball_of[j] = trk_ball[int(al.index[y])]
            stubs[j].append(int(al.index[y]))
    return sel, in_pad, dogbone, ball_of, stubs


def _group(rule, severity, msg, arr, model, vias_idx, balls_k, values, limit, source,
           worst="max", unit="mm") -> Finding:
    v = model.vias
    k = int(np.argmax(values) if worst == "max" else np.argmin(values))
    order = np.r_[k, np.delete(np.arange(len(vias_idx)), k)]
    vias_idx, balls_k = np.asarray(vias_idx)[order], np.asarray(balls_k)[order]
    items = [("via", v.uuid[i], float(v.x_nm[i]) / NM_PER_MM, float(v.y_nm[i]) / NM_PER_MM)
             for i in vias_idx]
    pads = [int(arr.ball_pads[b]) for b in balls_k if b >= 0]
    pads = list(dict.fromkeys(pads))
    return make_finding(rule, severity, msg.format(n=len(vias_idx), v=float(values[k]),
                                                   s="" if len(vias_idx) == 1 else "s"),
                        arr, model, pads, items + [pad_item(model, i) for i in pads],
                        values[k], limit, unit, source, at=(v.x_nm[vias_idx[0]], v.y_nm[vias_idx[0]]))


def _check_array(model, arr, options, out: list) -> dict:
    rs = rules_for(model, arr, options)
    p, v = model.pads, model.vias
    balls = arr.ball_pads
    layer = 0 if arr.footprint.side == "top" else len(model.copper_layers) - 1
    sel, in_pad, dogbone, ball_of, stubs = classify_vias(model, arr, layer)
    if len(sel) == 0:
        return {"vias": 0}
    d = v.d_nm[sel] / NM_PER_MM
    drill = v.drill_nm[sel] / NM_PER_MM
    ring = (d - drill) / 2
    src = rs.source

    def over(key, values, rule, text, severity="warning"):
        lim = getattr(rs, key)
        if lim is None:
            return
        bad = np.flatnonzero(values > lim + SLACK_MM)
        if len(bad):
            out.append(_group(rule, severity, text + f", above the profile's {lim:.3f} mm",
                              arr, model, sel[bad], ball_of[bad], values[bad], lim, src(key)))

    over("via_pad_d_mm", d, "ug1099.t1.via_pad_diameter", "{n} via{s} with a {v:.3f} mm pad")
    over("via_drill_d_mm", drill, "ug1099.t1.via_drill", "{n} via{s} with a {v:.3f} mm hole")
    micro = np.array([t == "micro" for t in (v.via_type[i] for i in sel)])
    for mask, key in ((~micro, "min_drill_mm"), (micro, "microvia_drill_min_mm")):
        lim = getattr(rs, key)
        if lim is None and key == "microvia_drill_min_mm" and mask.any():
            lim, key = rs.min_drill_mm, "min_drill_mm"
        if lim is None:
            continue
        bad = np.flatnonzero(mask & (drill < fab_minimum(lim) - SLACK_MM))
        if len(bad):
            out.append(_group("fab.min_drill", "error",
                              "{n} via{s} drilled {v:.3f} mm, below the fab tier's " + f"{lim:.3f} mm",
                              arr, model, sel[bad], ball_of[bad], drill[bad], lim, src(key), "min"))
    lim = rs.annular_ring_min_mm
    if lim is not None:
        bad = np.flatnonzero(ring < fab_minimum(lim) - SLACK_MM)
        if len(bad):
            out.append(_group("fab.annular_ring", "error",
                              "{n} via{s} with a {v:.3f} mm annular ring, below the fab tier's "
                              f"{lim:.3f} mm", arr, model, sel[bad], ball_of[bad], ring[bad], lim,
                              src("annular_ring_min_mm"), "min"))

    # dog-bone geometry: distance from the nearest interstice of its ball
    ex, ey = _frame(model, arr)
    offsets, off_j, off_v = [], [], []
    dog = np.flatnonzero(dogbone)
    centre = np.column_stack([p.x_nm[balls[ball_of[dog]]], p.y_nm[balls[ball_of[dog]]]]).astype(float)
    via_xy = np.column_stack([v.x_nm[sel[dog]], v.y_nm[sel[dog]]]).astype(float)
    corners = np.stack([centre + sx * ex / 2 + sy * ey / 2 for sx in (-1, 1) for sy in (-1, 1)])
    dog_off = np.hypot(*(corners - via_xy).transpose(2, 0, 1)).min(axis=0) / NM_PER_MM
    for n, (j, off) in enumerate(zip(dog.tolist(), dog_off.tolist())):
        b, vp = balls[ball_of[j]], via_xy[n]
        offsets.append(off)
        if off > DOGBONE_CENTRE_TOL_MM + 1e-6:
            off_j.append(j)
            off_v.append(off)
        for t in stubs[j]:
            w = model.tracks.width_nm[t] / NM_PER_MM
            w_min = rs.min_trace_w_mm
            if w_min is not None and w < fab_minimum(w_min) - SLACK_MM:
                out.append(make_finding(
                    "fab.trace_width", "error",
                    f"dog-bone stub of {p.number[b]} is {w:.3f} mm wide, below the fab tier's "
                    f"{rs.min_trace_w_mm:.3f} mm", arr, model, [b],
                    [("track", model.tracks.uuid[t], vp[0] / NM_PER_MM, vp[1] / NM_PER_MM)],
                    w, rs.min_trace_w_mm, "mm", src("min_trace_w_mm"), at=(vp[0], vp[1]),
                    layer=model.copper_layers[layer]))
    if off_j:
        off_j, off_v = np.asarray(off_j), np.asarray(off_v)
        out.append(_group(
            "ug1099.t1.pad_to_via", "warning",
            "{n} dog-bone via{s} off the four-ball interstice by more than "
            f"{DOGBONE_CENTRE_TOL_MM:g} mm (worst {{v:.3f}} mm; the via belongs at e/sqrt 2 = "
            f"{rs.pad_to_via_mm:.3f} mm from its ball)", arr, model, sel[off_j], ball_of[off_j],
            off_v, DOGBONE_CENTRE_TOL_MM, f"{src('pad_to_via_mm')}; tolerance: UG1099 prints D "
            "to 0.01 mm"))

    # via-in-pad: centred, expected at fine pitch, filled and capped, not mixed with dog-bones
    vip, dog = np.flatnonzero(in_pad), np.flatnonzero(dogbone)
    vip_off = []
    for j in vip:
        b = balls[ball_of[j]]
        off = float(np.hypot(p.x_nm[b] - v.x_nm[sel[j]], p.y_nm[b] - v.y_nm[sel[j]])) / NM_PER_MM
        offsets.append(off)
        vip_off.append(off)
    vip_off = np.asarray(vip_off)
    bad = np.flatnonzero(vip_off > DOGBONE_CENTRE_TOL_MM + 1e-6)
    if len(bad):
        out.append(_group(
            "ug1099.via_in_pad_offset", "warning",
            "{n} via{s} in pad off the land centre by more than " + f"{DOGBONE_CENTRE_TOL_MM:g} mm "
            "(worst {v:.3f} mm)", arr, model, sel[vip[bad]], ball_of[vip[bad]], vip_off[bad],
            DOGBONE_CENTRE_TOL_MM, "UG1099 v2.0: via-in-pad places the via 'directly on top of a "
            "BGA pad'; tolerance as for the dog-bone D (printed to 0.01 mm)"))
    if rs.via_in_pad_expected and len(dog):
        out.append(_group("ug1099.via_in_pad_expected", "warning",
                          "{n} dog-bone via{s} at " + f"{rs.pitch_mm:g} mm pitch, where the "
                          "profile expects via-in-pad", arr, model, sel[dog], ball_of[dog],
                          np.full(len(dog), float(len(dog))), None, src("via_in_pad_expected"),
                          unit="count"))
    declared = via_protection_declared(model)
    filled = (v.filled[sel] & v.capped[sel]) | bool(declared)
    if len(vip) and rs.via_in_pad_fill_required:
        bad = vip[~filled[vip]]
        if len(bad):
            out.append(_group(
                "ipc4761.via_in_pad_fill", "error",
                "{n} via{s} in pad not recorded as filled and capped (IPC-4761 type VII); "
                "KiCad 9.0 files hold no per-via fill, declare it with a board text variable "
                "VIA_PROTECTION = IPC-4761 Type VII", arr, model, sel[bad], ball_of[bad],
                np.full(len(bad), float(len(bad))), None, src("via_in_pad_fill_required"),
                unit="count"))
        if rs.via_fill_available is False:
            out.append(_group("fab.via_fill_unavailable", "warning",
                              "{n} via{s} in pad, but the fab tier offers no via fill",
                              arr, model, sel[vip], ball_of[vip], np.full(len(vip), float(len(vip))), None,
                              src("via_fill_available"), unit="count"))
    if len(vip) and len(dog) and rs.via_in_pad_mix_allowed is False:
        minority = vip if len(vip) < len(dog) else dog
        word = "via-in-pad" if minority is vip else "dog-bone"
        out.append(_group("ug575.via_in_pad_mixed", "warning",
                          "{n} " + f"{word} ball{{s}} among {len(vip) + len(dog) - len(minority)} "
                          "of the other style: do not mix VIPPO and non-VIPPO lands",
                          arr, model, sel[minority], ball_of[minority],
                          np.full(len(minority), float(len(minority))), None,
                          src("via_in_pad_mix_allowed"), unit="count"))
    return {"vias": int(len(sel)), "via_in_pad": int(len(vip)), "dogbone": int(len(dog)),
            "via_fill_declared": declared or None,
            "via_offset_max_mm": round(max(offsets), 4) if offsets else None}


run = register_array_check("vias", _check_array)
