"""Routing channels: the traces passing between adjacent balls and between adjacent vias.

A channel is the gap between two neighbours on one copper layer (balls on the package's own
outer layer, vias on every layer they cross); a trace passes through it when its centre line
crosses the segment joining the two copper edges. UG1099 Tables 2 and 3 fit n traces of width W
with n + 1 spacings S into the gap R (n W + (n+1) S <= R); the profile gives W and S for one and
two routes and how many routes a channel may take. Each channel gets at most one finding, the
first that applies: too many traces, a trace wider than the row's W, a gap below the row's S.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from ..context import rules_for
from ..geometry import (DIST_TOL_NM, PAD, TRACK, VIA, AreaLayer, area_box, nearest,
                        point_pairs_within)
from ..pipeline import register_stage
from ..report import Finding
from ..units import NM_PER_MM

__all__ = ["run", "analyse", "box_for", "describe_item", "ChannelResult", "NEIGHBOUR_TOL"]

NEIGHBOUR_TOL = 0.10
"""Two vias are neighbours when their distance is within 10 % of a pitch and along a grid axis."""
AXIS_TOL_DEG = 5.0
RULE = {
    ("pads", "count"): "ug1099.t2.routes_between_pads",
    ("pads", "width"): "ug1099.t2.trace_width_between_pads",
    ("pads", "space"): "ug1099.t2.trace_space_between_pads",
    ("vias", "count"): "ug1099.t3.routes_between_vias",
    ("vias", "width"): "ug1099.t3.trace_width_between_vias",
    ("vias", "space"): "ug1099.t3.trace_space_between_vias",
}
"""Rule ids name the UG1099 table whose method applies; the source names where each value comes."""


@dataclass
class ChannelResult:
    """Findings for one BGA, the (layer, kind, index) items they cover, and per-layer counts."""

    findings: list = field(default_factory=list)
    claimed: set = field(default_factory=set)
    stats: dict = field(default_factory=dict)
    candidates: list = field(default_factory=list)
    ball_of_net: dict = field(default_factory=dict)
    """Net code -> name of a ball on it, to name the balls behind vias and traces."""
    layers: dict = field(default_factory=dict)
    """Stack layer -> AreaLayer of the array's box, for the clearance stage to reuse."""


_CACHE: dict = {}


def analyse(model, arr, options) -> ChannelResult:
    """Channel findings of one array, cached per (board, array, options): the clearance stage
    reads the claims and reuses the layer geometry. Holds the last board only."""
    if _CACHE.get("model") is not model or _CACHE.get("options") is not options:
        _CACHE.clear()
        _CACHE.update(model=model, options=options)
    hit = _CACHE.get(id(arr))
    if hit is not None and hit[0] is arr:
        return hit[1]
    res = _analyse(model, arr, options)
    _CACHE[id(arr)] = (arr, res)
    return res


def box_for(model, arr):
    """The array's checking area [nm]: its balls plus one pitch all round."""
    return area_box(model, arr.ball_pads, max(arr.pitch_x_nm, arr.pitch_y_nm))


def _analyse(model, arr, options) -> ChannelResult:
    rs = rules_for(model, arr, options)
    res = ChannelResult()
    layers = res.layers
    p = model.pads
    for i in arr.ball_pads[::-1]:  # first ball of each net wins
        if p.net[i] > 0:
            res.ball_of_net[int(p.net[i])] = p.number[i]
    box = box_for(model, arr)
    n_layers = len(model.copper_layers)
    own = 0 if arr.footprint.side == "top" else n_layers - 1
    for layer in range(n_layers):
        al = layers.get(layer) or AreaLayer(model, layer, box)
        layers[layer] = al
        nb = []
        if layer == own:
            nb.append(("pads", _ball_neighbours(model, arr, al)))
        nb.append(("vias", _via_neighbours(model, arr, al, skip_in_pad=(layer == own))))
        for what, (a, b) in nb:
            _check(model, arr, rs, al, what, a, b, res)
    _merge(res)
    return res


def _merge(res: ChannelResult) -> None:
    """One finding per (layer, rule, offending trace net): a route that breaks the rule in
    several channels is one defect, reported at its worst channel."""
    groups: dict = {}
    for cand in res.candidates:
        groups.setdefault(cand["group"], []).append(cand)
    for group in groups.values():
        group.sort(key=lambda c: c["rank"])
        worst = group[0]
        f = worst["finding"]
        if len(group) > 1:
            pads = tuple(dict.fromkeys(q for c in group for q in c["finding"].pads))
            f = replace(f, pads=pads, message=f"{f.message}; same in {len(group) - 1} more "
                                              f"channel(s)")
        res.findings.append(f)
        for c in group:
            res.claimed.update(c["claimed"])
    res.candidates.clear()


def _ball_neighbours(model, arr, al: AreaLayer):
    """Item pairs (a, b) of row/column-adjacent balls in this layer's items."""
    pos = {int(i): k for k, i in enumerate(al.index) if al.kind[k] == PAD}
    items = np.array([pos.get(int(i), -1) for i in arr.ball_pads])
    code = {(int(r), int(c)): k for k, (r, c) in enumerate(zip(arr.row, arr.col))}
    a, b = [], []
    for k, (r, c) in enumerate(zip(arr.row, arr.col)):
        for nbr in ((int(r), int(c) + 1), (int(r) + 1, int(c))):
            j = code.get(nbr)
            if j is not None and items[k] >= 0 and items[j] >= 0:
                a.append(items[k])
                b.append(items[j])
    a, b = np.array(a, dtype=np.int64), np.array(b, dtype=np.int64)
    p = model.pads
    # Keep true neighbours only (secondary fields have their own grid numbering).
    d = np.hypot(*(np.array([p.x_nm[al.index[a]] - p.x_nm[al.index[b]],
                             p.y_nm[al.index[a]] - p.y_nm[al.index[b]]], dtype=float)))
    ok = (d <= max(arr.pitch_x_nm, arr.pitch_y_nm) * (1 + NEIGHBOUR_TOL)) & \
         (d >= min(arr.pitch_x_nm, arr.pitch_y_nm) * (1 - NEIGHBOUR_TOL))
    return a[ok], b[ok]


def _via_neighbours(model, arr, al: AreaLayer, skip_in_pad: bool):
    """Item pairs of vias one pitch apart along a grid axis, inside the ball field."""
    vk = np.flatnonzero(al.kind == VIA)
    if len(vk) < 2:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    v, p = model.vias, model.pads
    x, y = v.x_nm[al.index[vk]].astype(float), v.y_nm[al.index[vk]].astype(float)
    bx, by = p.x_nm[arr.ball_pads], p.y_nm[arr.ball_pads]
    half = max(arr.pitch_x_nm, arr.pitch_y_nm) / 2
    inside = (x >= bx.min() - half) & (x <= bx.max() + half) & \
             (y >= by.min() - half) & (y <= by.max() + half)
    if skip_in_pad:
        # On the package's own layer a via inside a land is a via-in-pad: the ball channel holds it.
        lands = np.minimum(p.w_nm[arr.ball_pads], p.h_nm[arr.ball_pads]) / 2.0
        k, d = nearest(np.column_stack([bx, by]).astype(float), np.column_stack([x, y]))
        inside &= ~(d < lands[k])
    vk, x, y = vk[inside], x[inside], y[inside]
    if len(vk) < 2:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    pitches = np.array([arr.pitch_x_nm, arr.pitch_y_nm])
    i, j = point_pairs_within(np.column_stack([x, y]), pitches.max() * (1 + NEIGHBOUR_TOL))
    # Order each pair left to right, as a sweep along x would.
    swap = x[j] < x[i]
    i, j = np.where(swap, j, i), np.where(swap, i, j)
    dx, dy = x[j] - x[i], y[j] - y[i]
    d = np.hypot(dx, dy)
    ang = (np.degrees(np.arctan2(dy, dx)) - arr.grid_rot_deg) % 90.0
    axis = (ang < AXIS_TOL_DEG) | (ang > 90.0 - AXIS_TOL_DEG)
    near = (np.abs(d[:, None] - pitches[None, :]) <= NEIGHBOUR_TOL * pitches).any(axis=1)
    hit = axis & near
    order = np.lexsort((x[j][hit], x[i][hit]))
    return vk[i[hit]][order], vk[j[hit]][order]


def _check(model, arr, rs, al: AreaLayer, what, a, b, res: ChannelResult) -> None:
    """Count, width and spacing of the traces crossing each channel (a[k], b[k])."""
    if len(a) == 0:
        return
    xa, ya, xb, yb = (_centre(model, al, a) + _centre(model, al, b))
    d = np.hypot(xb - xa, yb - ya)
    ux, uy = (xb - xa) / d, (yb - ya) / d
    ra, rb = _edge_radius(model, al, a), _edge_radius(model, al, b)
    probes = np.column_stack([xa + ux * ra, ya + uy * ra, xb - ux * rb, yb - uy * rb])
    room = d - ra - rb
    probe, item = al.crossing(probes, TRACK)
    # A trace on the net of both neighbours joins them rather than passing between.
    joins = (al.net[item] == al.net[a[probe]]) & (al.net[item] == al.net[b[probe]])
    keep = ~joins | (al.net[item] == 0)
    probe, item = probe[keep], item[keep]
    stats = res.stats.setdefault(al.layer, {"pads": [0, 0], "vias": [0, 0]})
    stats[what][0] += len(a)
    if len(probe) == 0:
        return
    tag = "pads" if what == "pads" else "vias"
    max_n = getattr(rs, f"routes_between_{tag}_max") or 0
    order = np.argsort(probe, kind="stable")
    probe, item = probe[order], item[order]
    starts = np.flatnonzero(np.r_[True, probe[1:] != probe[:-1]])
    for s, e in zip(starts, np.r_[starts[1:], len(probe)]):
        k = int(probe[s])
        tracks = item[s:e]
        nets = al.net[tracks]
        n = len(set(int(q) for q in nets if q != 0)) + int((nets == 0).sum())
        stats[what][1] += 1
        _judge(model, arr, rs, al, what, tag, int(a[k]), int(b[k]), tracks, n, max_n,
               float(room[k]), ((xa[k] + xb[k]) / 2, (ya[k] + yb[k]) / 2), res)


def _judge(model, arr, rs, al, what, tag, ia, ib, tracks, n, max_n, room_nm, at, res) -> None:
    """At most one finding for one occupied channel."""
    kind = "ball" if what == "pads" else "via"
    names = _names(model, al, ia, ib)
    layer = model.copper_layers[al.layer]
    where = f"between {kind}s {names} on {layer}"
    row = 1 if n <= 1 else 2
    w_key, s_key = f"{tag[:-1]}_route{row}_w_mm", f"{tag[:-1]}_route{row}_s_mm"
    w_lim, s_lim = getattr(rs, w_key), getattr(rs, s_key)
    tw = al.radius_nm[tracks] * 2.0
    pairs_a = np.r_[np.full(len(tracks), ia), np.full(len(tracks), ib)]
    pairs_b = np.r_[tracks, tracks]
    foreign = (al.net[pairs_a] != al.net[pairs_b]) | (al.net[pairs_b] == 0)
    pairs_a, pairs_b = pairs_a[foreign], pairs_b[foreign]
    if len(tracks) > 1:
        ti, tj = np.triu_indices(len(tracks), 1)
        other = (al.net[tracks[ti]] != al.net[tracks[tj]]) | (al.net[tracks[ti]] == 0)
        pairs_a = np.r_[pairs_a, tracks[ti[other]]]
        pairs_b = np.r_[pairs_b, tracks[tj[other]]]
    if len(pairs_a) == 0:
        return
    gaps = al.gaps(pairs_a, pairs_b)
    fab_nm = (rs.min_space_mm or 0) * NM_PER_MM
    pads_kept = what == "vias" and bool(rs.remove_unused_via_pads) and \
        not al.hole_only[[ia, ib]].all()
    if s_lim is None:
        lim = np.full(len(gaps), fab_nm)
    else:
        # The profile's S is measured from the drill when it assumes unused via pads removed; a
        # via that keeps its pad here is held at S minus its annular ring (not below the fab).
        lim = np.full(len(gaps), s_lim * NM_PER_MM)
        if pads_kept:
            v = model.vias
            vi = al.index[pairs_a]
            ring = np.where((al.kind[pairs_a] == VIA) & ~al.hole_only[pairs_a],
                            (v.d_nm[np.where(al.kind[pairs_a] == VIA, vi, 0)]
                             - v.drill_nm[np.where(al.kind[pairs_a] == VIA, vi, 0)]) / 2.0, 0.0)
            lim = np.maximum(lim - ring, fab_nm)
    worst = int(np.argmax(lim - gaps))
    gap, s_eff = float(gaps[worst]), float(lim[worst])
    # Error where the channel cannot be built at the fab tier, warning where it only leaves the
    # profile's routing row.
    sev = "error" if float(gaps.min()) < fab_nm - DIST_TOL_NM else "warning"
    short = gap < s_eff - DIST_TOL_NM
    spacing = f"narrowest gap {max(gap, 0) / NM_PER_MM:.4f} mm vs {s_eff / NM_PER_MM:.4f} mm"
    if n > max_n or w_lim is None or s_lim is None:
        rid, key = RULE[(tag, "count")], f"routes_between_{tag}_max"
        measured, limit, unit = float(n), float(max_n), "count"
        msg = (f"{n} traces {where} where the profile allows {max_n} "
               f"(room {room_nm / NM_PER_MM:.4f} mm, {spacing})")
    elif tw.max() > w_lim * NM_PER_MM + DIST_TOL_NM:
        rid, key = RULE[(tag, "width")], w_key
        measured, limit, unit = tw.max() / NM_PER_MM, w_lim, "mm"
        msg = (f"trace {measured:.4f} mm wide {where}, {row}-route row allows {w_lim:.4f} mm: "
               f"{spacing}" + ("" if short else " (spacing still met)"))
        if not short and sev == "warning":
            # Wider than the table's W but every gap keeps S: n W + (n+1) S <= R still holds
            # with the real width, so the channel works; a note, not a warning.
            sev = "info"
    elif not short:
        return
    else:
        rid, key = RULE[(tag, "space")], s_key
        measured, limit, unit = max(gap, 0.0) / NM_PER_MM, s_eff / NM_PER_MM, "mm"
        msg = f"spacing {measured:.4f} mm {where}, {row}-route row asks {limit:.4f} mm"
    if pads_kept:
        msg += " (via pads kept on this layer: S taken from the pad, less the annular ring)"
    items = tuple(describe_item(model, al, q) for q in (ia, ib, *tracks))
    # The ball named first: the route's own ball for a count or width finding, the ball (or the
    # via's ball) left too close for a spacing finding.
    if unit == "count":
        lead = tuple(tracks)
    elif rid == RULE[(tag, "width")]:
        lead = (int(tracks[int(np.argmax(tw))]),)
    else:
        lead = (int(pairs_a[worst]) if al.kind[pairs_a[worst]] != TRACK else int(pairs_b[worst]),)
    finding = Finding(
        rule_id=rid, severity=sev, message=msg, ref=arr.footprint.ref,
        x_mm=float(at[0]) / NM_PER_MM, y_mm=float(at[1]) / NM_PER_MM, measured=float(measured),
        limit=None if limit is None else float(limit),
        unit=unit, source=rs.source(key), layer=layer,
        pads=_pads_named(al, res.ball_of_net, lead, (ia, ib)), items=items)
    if unit == "count":
        group = (al.layer, rid, tuple(sorted(set(al.net[tracks].tolist()))))
        rank = (-measured, at)
    else:
        culprit = int(tracks[int(np.argmax(tw))]) if rid.endswith(("width_between_pads",
                                                                     "width_between_vias")) \
            else int(pairs_b[worst])
        group = (al.layer, rid, int(al.net[culprit]) or al.uuid[culprit])
        # Worst gap first (to 0.1 um); on a tie, the channel beside the route's own ball or via.
        starts_here = bool((al.net[[ia, ib]] == al.net[culprit]).any())
        rank = (round(gap, -2), not starts_here, at)
    res.candidates.append({"group": group, "rank": rank, "finding": finding, "claimed": {
        (al.layer, int(al.kind[q]), int(al.index[q])) for q in (ia, ib, *tracks)}})


def _pads_named(al, ball_of_net, lead, ends) -> tuple[str, ...]:
    """Ball names for a finding: the balls on the lead items' nets, then the channel's ends."""
    names = [ball_of_net.get(int(al.net[q])) for q in (*lead, *ends)]
    return tuple(dict.fromkeys(n for n in names if n))


def _centre(model, al, k):
    """Centres [nm] of channel ends, all balls or all vias."""
    table = model.pads if len(k) and al.kind[k[0]] == PAD else model.vias
    return table.x_nm[al.index[k]].astype(float), table.y_nm[al.index[k]].astype(float)


def _edge_radius(model, al, k):
    """Centre-to-edge distance of a ball land or a via (pad or hole) on this layer [nm]."""
    if len(k) and al.kind[k[0]] == PAD:
        p = model.pads
        return np.minimum(p.w_nm[al.index[k]], p.h_nm[al.index[k]]) / 2.0
    return al.radius_nm[k]


def _names(model, al, ia, ib) -> str:
    if al.kind[ia] == PAD:
        return f"{model.pads.number[al.index[ia]]} and {model.pads.number[al.index[ib]]}"
    return "at ({:.3f}, {:.3f}) and ({:.3f}, {:.3f}) mm".format(
        *(float(c) / NM_PER_MM for q in (ia, ib)
          for c in (model.vias.x_nm[al.index[q]], model.vias.y_nm[al.index[q]])))


def describe_item(model, al, k) -> tuple[str, str, float, float]:
    """(description, uuid, x_mm, y_mm) of one layer item for a finding."""
    i, kind = int(al.index[k]), int(al.kind[k])
    net = model.net_names[al.net[k]] if 0 <= al.net[k] < len(model.net_names) else ""
    if kind == PAD:
        p = model.pads
        ref = model.footprints[p.fp_index[i]].ref
        return (f"pad {ref}.{p.number[i]} [{net}]", p.uuid[i], float(p.x_nm[i]) / NM_PER_MM,
                float(p.y_nm[i]) / NM_PER_MM)
    if kind == VIA:
        v = model.vias
        hole = " (hole only)" if al.hole_only[k] else ""
        return (f"via [{net}]{hole}", v.uuid[i], float(v.x_nm[i]) / NM_PER_MM,
                float(v.y_nm[i]) / NM_PER_MM)
    t = model.tracks
    return (f"track {t.width_nm[i] / NM_PER_MM:.4f} mm [{net}]", t.uuid[i],
            float(t.x1_nm[i] + t.x2_nm[i]) / 2 / NM_PER_MM,
            float(t.y1_nm[i] + t.y2_nm[i]) / 2 / NM_PER_MM)


def run(model, arrays, options, report) -> None:
    """Pipeline stage: channel findings for every array, and channel counts in ``extra``."""
    for arr, summary in zip(arrays, report.bgas):
        res = analyse(model, arr, options)
        report.findings.extend(res.findings)
        summary.extra["channels"] = {
            model.copper_layers[layer]: {"ball_channels": s["pads"][0], "ball_channels_used":
                                         s["pads"][1], "via_channels": s["vias"][0],
                                         "via_channels_used": s["vias"][1]}
            for layer, s in sorted(res.stats.items())}


register_stage("channels", run)
