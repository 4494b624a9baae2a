"""Routing channels: the traces passing between adjacent balls and between adjacent vias.

A channel is the gap between two neighbours on one copper layer (balls on the package's own
outer layer, vias on every layer they cross); a trace passes through it when its centre line
crosses the segment joining the two copper edges (a via's own stub, which starts at the via, is
not a route through its channel). Each channel is judged by its own room, from the actual lands
and via pads on the layer:
- a gap below the fab tier's or the board's minimum is a clearance finding (clearance stage);
- more routes than the vendor's table allows (UG1099 Tables 2-3: one or two) is a warning where
  the vendor's figure applies to the part, else a note;
- gaps below the vendor's S but above the fab minimum are one note per BGA, layer and kind
  (lands or vias), listing how many channels and the narrowest gap; a trace wider than the
  table's W is not a finding by itself (the gaps are what matter).
Balls are named by their own pads; a trace is named by its ball only when its net has one ball
in the array (a GND trace is not "A1").
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..context import ArrayContext
from ..geometry import (
    DIST_TOL_NM,
    PAD,
    TRACK,
    VIA,
    AreaLayer,
    area_box,
    point_pairs_within,
)
from ..report import Finding
from ..severity import beyond_tolerance, recommendation_applies
from ..units import NM_PER_MM
from .vias import copper_cores, nearest_balls, nearest_memo

__all__ = ["check", "analyse", "box_for", "describe_item", "ChannelResult", "NEIGHBOUR_TOL"]

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
    """Findings for one BGA, per-layer channel counts, and the layer geometry for reuse."""

    findings: list = field(default_factory=list)
    stats: dict = field(default_factory=dict)
    narrow: dict = field(default_factory=dict)
    """(layer, kind) -> channels whose gaps are below the vendor's S but meet the fab minimum."""
    ball_of_net: dict = field(default_factory=dict)
    """Net code -> the one ball on it in this array (nets with several balls are not named)."""
    ctx: Any = None
    """The array's context (rules and whether the vendor's figures apply to the part)."""
    layers: dict = field(default_factory=dict)
    """Stack layer -> AreaLayer of the array's box, for the clearance stage to reuse."""


def analyse(ctx: ArrayContext) -> ChannelResult:
    """Channel findings of one array, made once and kept on the context.

    The clearance stage reads the claims and reuses the layer geometry.
    """
    if "channels" not in ctx.shared:
        ctx.shared["channels"] = _analyse(ctx)
    return ctx.shared["channels"]


def box_for(model, arr):
    """The array's checking area [nm]: its balls plus one pitch all round."""
    return area_box(model, arr.ball_pads, max(arr.pitch_x_nm, arr.pitch_y_nm))


def _analyse(ctx: ArrayContext) -> ChannelResult:
    model, arr, rs = ctx.model, ctx.arr, ctx.rules
    res = ChannelResult(ctx=ctx)
    layers = res.layers
    p = model.pads
    nets, counts = np.unique(p.net[arr.ball_pads], return_counts=True)
    single = set(nets[(counts == 1) & (nets > 0)].tolist())
    for i in arr.ball_pads[np.isin(p.net[arr.ball_pads], list(single))].tolist():
        res.ball_of_net[int(p.net[i])] = p.number[i]
    box = box_for(model, arr)
    n_layers = len(model.copper_layers)
    own = 0 if arr.footprint.side == "top" else n_layers - 1
    via_pairs: dict = {}  # the same vias on several layers pair up the same way
    for layer in range(n_layers):
        al = layers.get(layer) or AreaLayer(model, layer, box, copper_cores(ctx))
        layers[layer] = al
        nb = []
        if layer == own:
            nb.append(("pads", _ball_neighbours(model, arr, al)))
        nb.append(("vias", _via_neighbours(model, arr, al, skip_in_pad=(layer == own),
                                           seen=via_pairs, memo=nearest_memo(ctx))))
        for what, (a, b) in nb:
            _check(model, arr, rs, al, what, a, b, res)
    _summarise_narrow(model, arr, rs, res)
    return res


def _summarise_narrow(model, arr, rs, res: ChannelResult) -> None:
    """One note per (layer, kind) for the channels narrower than the vendor's S."""
    for (layer, tag), chans in sorted(res.narrow.items()):
        worst = min(chans, key=lambda c: c["gap"] - c["s"])
        kind = "balls" if tag == "pads" else "vias"
        names = tuple(dict.fromkeys(n for c in chans for n in c["pads"]))
        res.findings.append(Finding(
            rule_id=RULE[(tag, "space")], severity="info",
            message=(f"{len(chans)} channel(s) between {kind} on {model.copper_layers[layer]} with "
                     f"gaps below {rs.profile}'s S (narrowest {worst['gap'] / NM_PER_MM:.4f} mm vs "
                     f"{worst['s'] / NM_PER_MM:.4f} mm); the {rs.fab_tier} tier's "
                     f"{(rs.min_space_mm or 0):.4f} mm is met"),
            ref=arr.footprint.ref, x_mm=worst["at"][0] / NM_PER_MM, y_mm=worst["at"][1] / NM_PER_MM,
            measured=round(worst["gap"] / NM_PER_MM, 4), limit=round(worst["s"] / NM_PER_MM, 4),
            unit="mm", source=worst["source"], layer=model.copper_layers[layer], pads=names,
            items=worst["items"],
            fix="nothing the fab needs; route fewer or narrower traces there to follow the table"))


def _ball_neighbours(model, arr, al: AreaLayer):
    """Item pairs (a, b) of row/column-adjacent balls in this layer's items.

    In ball order, each ball with the next one along its row, then along its column; where two
    balls share a grid site (secondary fields number their own grid) the later one stands there.
    """
    pad_items = np.flatnonzero(al.kind == PAD)
    item_of_pad = -np.ones(len(model.pads), np.int64)
    item_of_pad[al.index[pad_items]] = pad_items
    items = item_of_pad[arr.ball_pads]
    row = np.asarray(arr.row, dtype=np.int64)
    col = np.asarray(arr.col, dtype=np.int64)
    a = b = np.empty(0, np.int64)
    if len(row):
        width = int(col.max() - col.min()) + 2  # a row's last site + 1 never reaches the next row
        site = (row - row.min()) * width + (col - col.min())
        order = np.argsort(site, kind="stable")
        last = np.r_[site[order][1:] != site[order][:-1], True]
        sites, at = site[order][last], order[last]  # each site once, with its last ball

        def ball_at(q):
            j = np.minimum(np.searchsorted(sites, q), len(sites) - 1)
            return np.where(sites[j] == q, at[j], -1)

        nbr = np.column_stack([ball_at(site + 1), ball_at(site + width)])
        ok = (nbr >= 0) & (items[:, None] >= 0) & (items[np.maximum(nbr, 0)] >= 0)
        a = np.broadcast_to(items[:, None], nbr.shape)[ok]
        b = items[nbr[ok]]
    p = model.pads
    # Keep true neighbours only (secondary fields have their own grid numbering).
    d = np.hypot(*(np.array([p.x_nm[al.index[a]] - p.x_nm[al.index[b]],
                             p.y_nm[al.index[a]] - p.y_nm[al.index[b]]], dtype=float)))
    ok = (d <= max(arr.pitch_x_nm, arr.pitch_y_nm) * (1 + NEIGHBOUR_TOL)) & \
         (d >= min(arr.pitch_x_nm, arr.pitch_y_nm) * (1 - NEIGHBOUR_TOL))
    return a[ok], b[ok]


def _via_neighbours(model, arr, al: AreaLayer, skip_in_pad: bool, seen: dict | None = None,
                    memo: dict | None = None):
    """Item pairs of vias one pitch apart along a grid axis, inside the ball field.

    ``seen`` keeps the answer per set of vias, for the next layer that holds the same ones;
    ``memo`` is ``vias.nearest_balls``'.
    """
    vk = np.flatnonzero(al.kind == VIA)
    if len(vk) < 2:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    key = (skip_in_pad, al.index[vk].tobytes())
    pairs = seen.get(key) if seen is not None else None
    if pairs is None:
        pairs = _via_pairs(model, arr, al.index[vk], skip_in_pad, memo)
        if seen is not None:
            seen[key] = pairs
    return vk[pairs[0]], vk[pairs[1]]


def _via_pairs(model, arr, vias: np.ndarray, skip_in_pad: bool, memo: dict | None = None):
    """Positions in ``vias`` (via-table indices) of the neighbour pairs, ordered along x."""
    v, p = model.vias, model.pads
    vk = np.arange(len(vias))
    x, y = v.x_nm[vias].astype(float), v.y_nm[vias].astype(float)
    bx, by = p.x_nm[arr.ball_pads], p.y_nm[arr.ball_pads]
    half = max(arr.pitch_x_nm, arr.pitch_y_nm) / 2
    inside = (x >= bx.min() - half) & (x <= bx.max() + half) & \
             (y >= by.min() - half) & (y <= by.max() + half)
    if skip_in_pad:
        # On the package's own layer a via inside a land is a via-in-pad: the ball channel holds it.
        lands = np.minimum(p.w_nm[arr.ball_pads], p.h_nm[arr.ball_pads]) / 2.0
        k, d = nearest_balls(model, arr, vias, memo)
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
    # A trace on the net of both neighbours joins them rather than passing between; a trace that
    # touches one end on that end's net starts there (a via's own stub) and passes nowhere.
    ea, eb = a[probe], b[probe]
    joins = (al.net[item] == al.net[ea]) & (al.net[item] == al.net[eb])
    own_a = (al.net[item] == al.net[ea]) & (al.gaps(ea, item) <= DIST_TOL_NM)
    own_b = (al.net[item] == al.net[eb]) & (al.gaps(eb, item) <= DIST_TOL_NM)
    keep = (~joins & ~own_a & ~own_b) | (al.net[item] == 0)
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
    """Route count against the vendor's table; gaps below the vendor's S kept for one note."""
    kind = "ball" if what == "pads" else "via"
    layer = model.copper_layers[al.layer]
    where = f"between {kind}s {_names(model, al, ia, ib)} on {layer}"
    items = tuple(describe_item(model, al, q) for q in (ia, ib, *tracks))
    names = _pads_named(model, al, res.ball_of_net, tuple(tracks), (ia, ib))
    if n > max_n:
        key = f"routes_between_{tag}_max"
        applies, why = recommendation_applies(res.ctx, key)
        res.findings.append(Finding(
            rule_id=RULE[(tag, "count")], severity="warning" if applies else "info",
            message=(f"{n} traces {where} where {rs.profile} allows {max_n} (room "
                     f"{room_nm / NM_PER_MM:.4f} mm)" + ("" if applies else f" ({why})")),
            ref=arr.footprint.ref, x_mm=float(at[0]) / NM_PER_MM, y_mm=float(at[1]) / NM_PER_MM,
            measured=float(n), limit=float(max_n), unit="count", source=rs.source(key),
            layer=layer, pads=names, items=items,
            fix=f"route at most {max_n} trace(s) through this channel"))
        return
    row = 1 if n <= 1 else 2
    s_key = f"{tag[:-1]}_route{row}_s_mm"
    s_lim = getattr(rs, s_key)
    if s_lim is None or not _pitch_matches(model, al, ia, ib, rs):
        return
    pairs_a = np.r_[np.full(len(tracks), ia), np.full(len(tracks), ib)]
    pairs_b = np.r_[tracks, tracks]
    if len(tracks) > 1:
        ti, tj = np.triu_indices(len(tracks), 1)
        pairs_a, pairs_b = np.r_[pairs_a, tracks[ti]], np.r_[pairs_b, tracks[tj]]
    foreign = (al.net[pairs_a] != al.net[pairs_b]) | (al.net[pairs_b] == 0)
    if not foreign.any():
        return
    gaps = al.gaps(pairs_a[foreign], pairs_b[foreign])
    s_nm = s_lim * NM_PER_MM
    if what == "vias" and rs.remove_unused_via_pads and not al.hole_only[[ia, ib]].all():
        # The table's S is from the drill (unused via pads removed); a via that keeps its pad
        # here is held at S less its annular ring.
        v = model.vias
        vi = al.index[[ia, ib]]
        s_nm -= float(np.max((v.d_nm[vi] - v.drill_nm[vi]) / 2.0))
    gap = float(gaps.min())
    fab_nm = (rs.min_space_mm or 0.0) * NM_PER_MM
    if not beyond_tolerance(gap / NM_PER_MM, s_nm / NM_PER_MM, rs) or gap >= s_nm \
            or gap < fab_nm - DIST_TOL_NM:
        return  # meets the table within tolerance, or breaks the fab minimum (clearance stage)
    res.narrow.setdefault((al.layer, tag), []).append(
        {"gap": gap, "s": s_nm, "at": at, "pads": names, "items": items,
         "source": rs.source(s_key)})


def _pitch_matches(model, al, ia, ib, rs) -> bool:
    """Whether the channel is as long as the pitch the rule row was picked for.

    A 0.8 x 0.65 grid's 0.8 mm channels are not held to the 0.65 mm row.
    """
    table = model.pads if al.kind[ia] == PAD else model.vias
    d = float(np.hypot(float(table.x_nm[al.index[ia]] - table.x_nm[al.index[ib]]),
                       float(table.y_nm[al.index[ia]] - table.y_nm[al.index[ib]])))
    return abs(d / NM_PER_MM - rs.pitch_mm) <= NEIGHBOUR_TOL * rs.pitch_mm


def _pads_named(model, al, ball_of_net, lead, ends) -> tuple[str, ...]:
    """Ball names for a finding.

    The channel's own balls by their pads, then the balls of the lead items' nets where a net
    has one ball in the array.
    """
    names = [model.pads.number[al.index[q]] if al.kind[q] == PAD
             else ball_of_net.get(int(al.net[q])) for q in (*ends, *lead)]
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


def check(ctx: ArrayContext) -> dict:
    """Channel findings of one array; channel counts per layer for the report."""
    res = analyse(ctx)
    ctx.findings.extend(res.findings)
    return {ctx.model.copper_layers[layer]: {
        "ball_channels": s["pads"][0], "ball_channels_used": s["pads"][1],
        "via_channels": s["vias"][0], "via_channels_used": s["vias"][1]}
        for layer, s in sorted(res.stats.items())}
