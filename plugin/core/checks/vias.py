"""Vias in each BGA area: size vs the profile, annular ring, dog-bone geometry and via-in-pad.

A via belongs to a ball when its centre lies inside the ball's land (via-in-pad) or when a track
on the ball's copper layer touches both (dog-bone). The vendor's via figures (UG1099 Table 1 VD,
VH and the dog-bone distance D = e/sqrt 2) govern only vias in pads and field vias, the ones
between populated balls; escape vias outside the field, vias on depopulated sites or in empty
centre columns and power vias beside the part are held to the fab's minimums only. A field via
is judged by its clearance to the ball lands around it, not by its centre: only a via that sits
closer to a land than the centred position by more than ``dogbone_clearance_tol_mm`` is reported.
A via-in-pad should be filled and capped (IPC-4761 type VII), and the two styles should not be
mixed in one array (AMD UG575). Laser microvias and blind vias make an HDI board: on a tier
without them they are said once per board (board_notes), not per via.
"""
from __future__ import annotations

import numpy as np

from ..context import ArrayContext
from ..geometry import (
    DIST_TOL_NM,
    PAD,
    TRACK,
    VIA,
    AreaLayer,
    Cores,
    area_box,
    nearest,
    neighbours_within,
)
from ..options import HDI_VIA_TYPES
from ..report import Finding
from ..rules import tiers_allowing
from ..severity import beyond_tolerance, recommendation_applies
from ..units import NM_PER_MM, fab_minimum
from .land import SLACK_MM, make_finding, pad_item

__all__ = ["check", "classify_vias", "classified", "area_layer", "copper_cores", "fanout_box",
           "field_vias", "nearest_balls", "nearest_memo", "via_protection_declared"]

FIELD_RADIUS = 1.35
"""A via is a field via when enough balls lie within this many half-diagonals of it (four on a
square or rectangular grid, three on a staggered one): it sits between populated balls, where
the dog-bone rules apply. A via on a depopulated site, in an empty centre column or outside the
field has at most two balls that close (its neighbours sit a pitch away, 1.41 half-diagonals on
a square grid); a via up to about 0.35 half-diagonals off the centre still counts."""
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


def fanout_box(model, arr) -> tuple[float, ...]:
    """The area the via and fanout stages look at [nm]: the balls plus 0.75 pitch all round."""
    return area_box(model, arr.ball_pads, 0.75 * max(arr.pitch_x_nm, arr.pitch_y_nm))


def copper_cores(ctx: ArrayContext) -> Cores:
    """The board's copper cores, shared by every array's areas (``ctx.board``)."""
    cores = ctx.board.get("copper_cores")
    if cores is None:
        cores = ctx.board["copper_cores"] = Cores(ctx.model)
    return cores


def area_layer(ctx: ArrayContext, layer: int) -> AreaLayer:
    """The copper of ``fanout_box`` on one stack layer, built once per array (``ctx.shared``)."""
    layers = ctx.shared.setdefault("fanout_layers", {})
    if layer not in layers:
        layers[layer] = AreaLayer(ctx.model, layer, fanout_box(ctx.model, ctx.arr),
                                  copper_cores(ctx))
    return layers[layer]


def classified(ctx: ArrayContext):
    """``classify_vias`` on the package's own layer, made once per array.

    The via, fanout and assembly stages share it (``ctx.shared``; the arrays are read-only).
    """
    if "vias" not in ctx.shared:
        res = classify_vias(ctx.model, ctx.arr, ctx.own_layer, area_layer(ctx, ctx.own_layer),
                            nearest_memo(ctx))
        for a in res[:4]:
            a.flags.writeable = False
        ctx.shared["vias"] = res
    return ctx.shared["vias"]


def nearest_memo(ctx: ArrayContext) -> dict:
    """Where ``nearest_balls`` keeps its answers for one array (``ctx.shared``)."""
    return ctx.shared.setdefault("nearest_balls", {})


def nearest_balls(model, arr, vias: np.ndarray, memo: dict | None = None):
    """(ball, distance [nm]): the nearest ball (arr.ball_pads index) to each via of ``vias``.

    ``memo`` keeps the answer per set of vias (the via and channel stages ask the same).
    """
    key = np.asarray(vias, dtype=np.int64).tobytes()
    if memo is not None and key in memo:
        return memo[key]
    p, v, balls = model.pads, model.vias, arr.ball_pads
    out = nearest(np.column_stack([p.x_nm[balls], p.y_nm[balls]]).astype(float),
                  np.column_stack([v.x_nm[vias], v.y_nm[vias]]).astype(float))
    if memo is not None:
        memo[key] = out
    return out


def classify_vias(model, arr, layer: int, al: AreaLayer | None = None,
                  memo: dict | None = None):
    """Vias of one array's area and the ball each belongs to.

    Returns (vias, in_pad, dogbone, ball_of, stubs): via-table indices in the area; per via
    whether its centre is inside a land, whether a stub on ``layer`` joins it to a ball, the
    arr.ball_pads index of that ball (-1 if none), and the stub track indices per via.
    ``memo``: see ``nearest_balls``.
    """
    p, v = model.pads, model.vias
    balls = arr.ball_pads
    box = fanout_box(model, arr)
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
    land_r = np.minimum(p.w_nm[balls], p.h_nm[balls]) / 2.0
    k, d = nearest_balls(model, arr, sel, memo)
    hit = (d < land_r[k]) & (v.net[sel] == p.net[balls[k]])
    in_pad[hit], ball_of[hit] = True, k[hit]
    # dog-bones: a track on the ball layer touching both a ball and a via
    al = al if al is not None else AreaLayer(model, layer, box)
    a, b, _ = al.pairs_within(DIST_TOL_NM)
    a, b = np.r_[a, b], np.r_[b, a]
    ball_pos = {int(i): k for k, i in enumerate(balls)}
    via_pos = {int(i): j for j, i in enumerate(sel)}
    kind, index, same_net = al.kind, al.index, al.net[a] == al.net[b]
    # The pairs that can qualify, picked in bulk; the dictionaries below see them in pair order,
    # so a track touching two balls keeps the later one, as one loop over all pairs would.
    pick = np.flatnonzero((kind[a] == TRACK) & (kind[b] == PAD) & same_net)
    trk_ball: dict[int, int] = {}
    for t, y in zip(index[a[pick]].tolist(), index[b[pick]].tolist()):
        if y in ball_pos:
            trk_ball[t] = ball_pos[y]
    pick = np.flatnonzero((kind[a] == VIA) & (kind[b] == TRACK) & same_net)
    for x, t in zip(index[a[pick]].tolist(), index[b[pick]].tolist()):
        if t not in trk_ball:
            continue
        j = via_pos.get(x)
        if j is None or in_pad[j]:
            continue
        dogbone[j] = True
        ball_of[j] = trk_ball[t]
        stubs[j].append(t)
    return sel, in_pad, dogbone, ball_of, stubs


def field_vias(model, arr, sel: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per via of ``sel``: whether it sits between populated balls, and its clearance [nm].

    The clearance is to the nearest ball land around it (via pad edge to land edge; inf for
    non-field vias).
    """
    p, v = model.pads, model.vias
    balls = arr.ball_pads
    half_diag = float(np.hypot(arr.pitch_x_nm, arr.pitch_y_nm)) / 2.0
    need = 4
    if arr.staggered:
        half_diag, need = arr.min_spacing_nm / np.sqrt(3.0), 3
    vi, bk = neighbours_within(np.column_stack([p.x_nm[balls], p.y_nm[balls]]),
                               np.column_stack([v.x_nm[sel], v.y_nm[sel]]),
                               FIELD_RADIUS * half_diag)
    counts = np.bincount(vi, minlength=len(sel))
    field = counts >= need
    d = np.hypot((v.x_nm[sel[vi]] - p.x_nm[balls[bk]]).astype(float),
                 (v.y_nm[sel[vi]] - p.y_nm[balls[bk]]).astype(float))
    land_r = np.minimum(p.w_nm[balls[bk]], p.h_nm[balls[bk]]) / 2.0
    gap = d - v.d_nm[sel[vi]] / 2.0 - land_r
    clearance = np.full(len(sel), np.inf)
    np.minimum.at(clearance, vi, gap)
    return field, np.where(field, clearance, np.inf)


def _group(rule, severity, msg, arr, model, vias_idx, balls_k, values, limit, source,
           worst="max", unit="mm", fix="") -> Finding:
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
                        values[k], limit, unit, source,
                        at=(v.x_nm[vias_idx[0]], v.y_nm[vias_idx[0]]), fix=fix)


def _vendor_sizes(ctx, sel, governed, ball_of, d, drill, out) -> None:
    """VD and VH of vias in pads and field vias against the vendor's figures, beyond tolerance."""
    rs = ctx.rules
    for key, values, rule, what in (
            ("via_pad_d_mm", d, "ug1099.t1.via_pad_diameter", "pad"),
            ("via_drill_d_mm", drill, "ug1099.t1.via_drill", "hole")):
        lim = getattr(rs, key)
        if lim is None:
            continue
        bad = np.flatnonzero(governed & (values > lim) & beyond_tolerance(values, lim, rs))
        if len(bad) == 0:
            continue
        applies, why = recommendation_applies(ctx, key)
        out.append(_group(
            rule, "warning" if applies else "info",
            "{n} via{s} between balls with a {v:.3f} mm " + what + f", above {rs.profile}'s "
            f"{lim:.3f} mm" + ("" if applies else f" ({why})"),
            ctx.arr, ctx.model, sel[bad], ball_of[bad], values[bad], lim, rs.source(key),
            fix=f"use the profile's {lim:.3f} mm via {what} under the BGA"))


GENERIC_TIERS = ("standard", "advanced", "hdi")


def _tier_hint(rs, key: str, value_mm: float) -> str:
    """'--fab-tier a or b': two tiers that allow the value, fab presets before generic tiers."""
    tiers = [t for t in tiers_allowing(key, float(value_mm), rs.profile, rs.pitch_mm)
             if t != rs.fab_tier]
    tiers.sort(key=lambda t: t in GENERIC_TIERS)
    return f"--fab-tier {' or '.join(tiers[:2])}" if tiers else "no known fab tier allows it"


def _fab_minimums(ctx, sel, ball_of, drill, ring, hdi, out) -> None:
    """Drill and annular ring of every via in the area against the fab tier (errors)."""
    rs = ctx.rules
    micro = hdi & bool(rs.microvia_available)
    for mask, key in ((~hdi, "min_drill_mm"), (micro, "microvia_drill_min_mm")):
        lim = getattr(rs, key)
        if lim is None:
            continue
        bad = np.flatnonzero(mask & (drill < fab_minimum(lim) - SLACK_MM))
        if len(bad):
            out.append(_group(
                "fab.min_drill", "error",
                "{n} via{s} drilled {v:.3f} mm, below the " + f"{rs.fab_tier} tier",
                ctx.arr, ctx.model, sel[bad], ball_of[bad], drill[bad], lim, rs.source(key), "min",
                fix=f"drill >= {lim:.3f} mm, or {_tier_hint(rs, key, drill[bad].min())}"))
    lim = rs.annular_ring_min_mm
    if lim is not None:
        bad = np.flatnonzero((~hdi | micro) & (ring < fab_minimum(lim) - SLACK_MM))
        if len(bad):
            out.append(_group(
                "fab.annular_ring", "error",
                "{n} via{s} with a {v:.3f} mm annular ring, below the " + f"{rs.fab_tier} tier",
                ctx.arr, ctx.model, sel[bad], ball_of[bad],
                ring[bad], lim, rs.source("annular_ring_min_mm"), "min",
                fix=f"via pad >= drill + {2 * lim:.3f} mm, or "
                    f"{_tier_hint(rs, 'annular_ring_min_mm', ring[bad].min())}"))
    if (hdi & ~micro).any():
        # Said once per board by board_notes, with the tier to choose.
        ctx.board.setdefault("hdi_vias", []).extend(int(i) for i in sel[hdi & ~micro])


def _dogbones(ctx, sel, dogbone, field, clearance, ball_of, stubs, out) -> list[float]:
    """Stub widths (fab) and field vias closer to a land than the centred position."""
    model, arr, rs = ctx.model, ctx.arr, ctx.rules
    p, v = model.pads, model.vias
    balls = arr.ball_pads
    layer = ctx.own_layer
    w_min = rs.min_trace_w_mm
    stub_of = [(j, t) for j in np.flatnonzero(dogbone).tolist() for t in stubs[j]]
    if w_min is None or not stub_of:
        stub_of = []
    else:  # the widths in bulk; a finding per narrow stub, in the same order
        widths = model.tracks.width_nm[[t for _, t in stub_of]] / NM_PER_MM
        stub_of = [stub_of[k] for k in
                   np.flatnonzero(widths < fab_minimum(w_min) - SLACK_MM).tolist()]
    for j, t in stub_of:
        b = balls[ball_of[j]]
        w = model.tracks.width_nm[t] / NM_PER_MM
        x, y = v.x_nm[sel[j]], v.y_nm[sel[j]]
        out.append(make_finding(
            "fab.trace_width", "error",
            f"dog-bone stub of {p.number[b]} is {w:.3f} mm wide, below the "
            f"{rs.fab_tier} tier's {w_min:.3f} mm", arr, model, [b],
            [("track", model.tracks.uuid[t], x / NM_PER_MM, y / NM_PER_MM)],
            w, w_min, "mm", rs.source("min_trace_w_mm"), at=(x, y),
            layer=model.copper_layers[layer], fix=f"widen the stub to {w_min:.3f} mm"))
    fld = np.flatnonzero(field)
    if len(fld) == 0:
        return []
    # Centred, a via keeps D - VD/2 - L/2 to each of its four lands (UG1099 Table 1).
    land = float(np.median(np.minimum(p.w_nm[balls], p.h_nm[balls]))) / 2.0
    half_diag = (arr.min_spacing_nm / np.sqrt(3.0) if arr.staggered
                 else float(np.hypot(arr.pitch_x_nm, arr.pitch_y_nm)) / 2.0)
    centred = half_diag - v.d_nm[sel[fld]] / 2.0 - land
    loss = (centred - clearance[fld]) / NM_PER_MM
    tol = float(rs.dogbone_clearance_tol_mm or 0.05)
    bad = np.flatnonzero(loss > tol + 1e-6)
    if len(bad):
        off = fld[bad]
        worst = int(np.argmax(loss[bad]))
        out.append(_group(
            "ug1099.t1.pad_to_via", "warning",
            "{n} via{s} between balls off the four-ball centre: " +
            f"{clearance[off[worst]] / NM_PER_MM:.3f} mm to the nearest land where the centred "
            f"via keeps {centred[bad][worst] / NM_PER_MM:.3f} mm (loss up to {{v:.3f}} mm)",
            arr, model, sel[off], ball_of[off], loss[bad], tol,
            f"{rs.source('pad_to_via_mm')}; tolerance: {rs.source('dogbone_clearance_tol_mm')}",
            fix=f"centre the via between its four balls ({rs.pad_to_via_mm:.3f} mm from each)"))
    return [float(x) for x in loss]


def _via_in_pad(ctx, sel, in_pad, dogbone, field, ball_of, out) -> int:
    """Vias in lands: inside the land, expected at fine pitch, filled and capped, not mixed."""
    model, arr, rs = ctx.model, ctx.arr, ctx.rules
    p, v = model.pads, model.vias
    balls = arr.ball_pads
    vip, dog = np.flatnonzero(in_pad), np.flatnonzero(dogbone & field)
    if len(vip):
        b = balls[ball_of[vip]]
        off = np.hypot((p.x_nm[b] - v.x_nm[sel[vip]]).astype(float),
                       (p.y_nm[b] - v.y_nm[sel[vip]]).astype(float))
        out_by = (off + v.d_nm[sel[vip]] / 2.0 - np.minimum(p.w_nm[b], p.h_nm[b]) / 2.0) / NM_PER_MM
        bad = np.flatnonzero(out_by > SLACK_MM)
        if len(bad):
            out.append(_group(
                "ug1099.via_in_pad_offset", "warning",
                "{n} via{s} in pad reaching {v:.3f} mm past the land edge", arr, model,
                sel[vip[bad]], ball_of[vip[bad]], out_by[bad], 0.0,
                "UG1099 v2.0: via-in-pad places the via 'directly on top of a BGA pad'; a via pad "
                "past the land changes the land's size and shape",
                fix="centre the via in the land or use a smaller via pad"))
    if rs.via_in_pad_expected and len(dog):
        applies, why = recommendation_applies(ctx, "via_in_pad_expected")
        out.append(_group(
            "ug1099.via_in_pad_expected", "warning" if applies else "info",
            "{n} dog-bone via{s} between balls at " + f"{rs.pitch_mm:g} mm pitch, where "
            f"{rs.profile} expects via-in-pad" + ("" if applies else f" ({why})"),
            arr, model, sel[dog], ball_of[dog], np.full(len(dog), float(len(dog))), None,
            rs.source("via_in_pad_expected"), unit="count",
            fix="check the routing escapes at this pitch, or move to via-in-pad"))
    declared = via_protection_declared(model)
    filled = (v.filled[sel] & v.capped[sel]) | bool(declared)
    if len(vip) and rs.via_in_pad_fill_required:
        bad = vip[~filled[vip]]
        if len(bad):
            out.append(_group(
                "ipc4761.via_in_pad_fill", "error",
                "{n} via{s} in pad not recorded as filled and capped (IPC-4761 type VII)",
                arr, model, sel[bad], ball_of[bad], np.full(len(bad), float(len(bad))), None,
                rs.source("via_in_pad_fill_required"), unit="count",
                fix="order filled and capped vias and say so: board text variable "
                    "VIA_PROTECTION = IPC-4761 Type VII (KiCad 9 files hold no per-via fill)"))
        if rs.via_fill_available is False:
            out.append(_group(
                "fab.via_fill_unavailable", "warning",
                "{n} via{s} in pad, but the " + f"{rs.fab_tier} tier offers no via fill",
                arr, model, sel[vip], ball_of[vip], np.full(len(vip), float(len(vip))), None,
                rs.source("via_fill_available"), unit="count",
                fix="pick a fab tier with filled and capped vias"))
    if len(vip) and len(dog) and rs.via_in_pad_mix_allowed is False:
        minority = vip if len(vip) < len(dog) else dog
        word = "via-in-pad" if minority is vip else "dog-bone"
        out.append(_group(
            "ug575.via_in_pad_mixed", "warning",
            "{n} " + f"{word} ball{{s}} among {len(vip) + len(dog) - len(minority)} of the "
            "other style: joints of the two styles reflow to different heights",
            arr, model, sel[minority], ball_of[minority],
            np.full(len(minority), float(len(minority))), None,
            rs.source("via_in_pad_mix_allowed"), unit="count",
            fix="use one fanout style under the BGA"))
    return len(vip)


def check(ctx: ArrayContext) -> dict:
    """Via sizes, fab minimums, dog-bone position and via-in-pad for one array."""
    model, arr, out = ctx.model, ctx.arr, ctx.findings
    v = model.vias
    sel, in_pad, dogbone, ball_of, stubs = classified(ctx)
    if len(sel) == 0:
        return {"vias": 0}
    d = v.d_nm[sel] / NM_PER_MM
    drill = v.drill_nm[sel] / NM_PER_MM
    ring = (d - drill) / 2
    hdi = np.array([v.via_type[i] in HDI_VIA_TYPES for i in sel], bool)
    field, clearance = field_vias(model, arr, sel)
    field &= ~in_pad
    _vendor_sizes(ctx, sel, field | in_pad, ball_of, d, drill, out)
    _fab_minimums(ctx, sel, ball_of, drill, ring, hdi, out)
    losses = _dogbones(ctx, sel, dogbone, field, clearance, ball_of, stubs, out)
    n_vip = _via_in_pad(ctx, sel, in_pad, dogbone, field, ball_of, out)
    return {"vias": int(len(sel)), "field_vias": int(field.sum()), "via_in_pad": n_vip,
            "dogbone": int(dogbone.sum()), "hdi_vias": int(hdi.sum()),
            "via_fill_declared": via_protection_declared(model) or None,
            "via_clearance_loss_max_mm": round(max(losses), 4) if losses else None}
