"""Fanout completeness per BGA: every ball on a net leaves its land; dangling dog-bones; plane nets.

A ball is fanned out when a track or via of its net touches its land on the ball's copper layer,
or a filled zone of its net covers it. Balls with no net, no-connect pins and KiCad's
"unconnected-" nets are skipped, and so are balls whose net reaches no other pad (nothing to
connect: KiCad's DRC reports no unconnected item for them either). A via joined to a ball (stub
or in the pad) that touches nothing else on any layer, while its net has other pads to reach, is
a dangling dog-bone.
Everything is restricted to the array's box and found with one spatial index per layer.
"""
from __future__ import annotations

import numpy as np

from ..context import ArrayContext
from ..geometry import DIST_TOL_NM, PAD, TRACK, VIA, AreaLayer, area_box
from ..units import NM_PER_MM
from .land import make_finding, pad_item
from .vias import classify_vias

__all__ = ["check", "skipped_balls"]

SOURCE_ROUTED = "bgacheck: every connected ball must leave its land (KiCad DRC 'unconnected items')"
SOURCE_DANGLING = "bgacheck: a fanout via that joins no other copper leaves the net open"
SOURCE_PLANE = ("UG1099 v2.0 Layer Count Estimation: about 40 % of balls are power/ground taken "
                "straight down to planes")


def skipped_balls(model, balls: np.ndarray) -> np.ndarray:
    """True for balls that need no fanout: no net, no-connect pin, or an 'unconnected-' net."""
    p = model.pads
    out = np.zeros(len(balls), bool)
    for k, i in enumerate(balls):
        net = int(p.net[i])
        name = model.net_names[net] if 0 <= net < len(model.net_names) else ""
        pin = (p.pin_type[i] if i < len(p.pin_type) else "") or ""
        out[k] = (net <= 0 or pin.startswith("no_connect") or name.startswith("unconnected-")
                  or name.startswith("unconnected("))
    return out


def _touching(al: AreaLayer):
    """Symmetric pairs (a, b) of items on one layer whose copper touches (same net)."""
    a, b, _ = al.pairs_within(DIST_TOL_NM)
    same = al.net[a] == al.net[b]
    a, b = a[same], b[same]
    return np.r_[a, b], np.r_[b, a]


def check(ctx: ArrayContext) -> dict:
    """Unrouted balls, dangling fanout vias and plane-net balls of one array."""
    model, arr, out = ctx.model, ctx.arr, ctx.findings
    p, v = model.pads, model.vias
    balls = arr.ball_pads
    n_layers = len(model.copper_layers)
    layer = 0 if arr.footprint.side == "top" else n_layers - 1
    pitch = max(arr.pitch_x_nm, arr.pitch_y_nm)
    box = area_box(model, balls, 0.75 * pitch)
    layers = {k: AreaLayer(model, k, box) for k in range(n_layers)}
    al = layers[layer]
    a, b = _touching(al)
    ball_pos = {int(i): k for k, i in enumerate(balls)}

    fanned = np.zeros(len(balls), bool)
    for x, y in zip(a.tolist(), b.tolist()):
        if al.kind[x] == PAD and al.kind[y] in (TRACK, VIA) and int(al.index[x]) in ball_pos:
            fanned[ball_pos[int(al.index[x])]] = True
    if p.zone_connected is not None:
        fanned |= p.zone_connected[balls]
    sel, in_pad, dogbone, ball_of, stubs = classify_vias(model, arr, layer, al)
    fanned[ball_of[in_pad]] = True
    skip = skipped_balls(model, balls)
    pads_per_net = np.bincount(p.net[p.has_copper & (p.net > 0)], minlength=len(model.net_names))
    lonely = (pads_per_net[p.net[balls]] < 2) & ~skip  # the net reaches no other pad

    unrouted = np.flatnonzero(~fanned & ~skip & ~lonely)
    for ball_k in unrouted:
        i = balls[ball_k]
        out.append(make_finding(
            "fanout.unrouted_ball", "error",
            f"ball {p.number[i]} (net {model.net_names[p.net[i]]}) has no track, via or zone "
            f"leaving its land", arr, model, [i], [pad_item(model, i)], None, None, "mm",
            SOURCE_ROUTED, layer=model.copper_layers[layer]))

    # dangling fanout vias: joined to a ball, nothing else on any layer
    zone_nets = {(z.net, z.layer) for z in model.zones}
    touch = {k: _touching(layers[k]) for k in range(n_layers)}
    dangling = []
    for j in np.flatnonzero(dogbone | in_pad):
        vi = int(sel[j])
        net = int(v.net[vi])
        if net <= 0 or pads_per_net[net] <= 1 or skip[ball_of[j]]:
            continue
        own = set(stubs[j])
        span = range(int(v.layer_from[vi]), int(v.layer_to[vi]) + 1)
        if any((net, k) in zone_nets for k in span):
            continue
        other = False
        for k in span:
            lk = layers[k]
            ta, tb = touch[k]
            me = np.flatnonzero((lk.kind == VIA) & (lk.index == vi))
            if not len(me):
                continue
            nb = tb[np.isin(ta, me)]
            for y in nb.tolist():
                if k == layer and lk.kind[y] == TRACK and int(lk.index[y]) in own:
                    continue
                if k == layer and lk.kind[y] == PAD and int(lk.index[y]) == balls[ball_of[j]]:
                    continue
                other = True
                break
            if other:
                break
        if not other:
            dangling.append(j)
            i = balls[ball_of[j]]
            out.append(make_finding(
                "fanout.dangling_via", "error",
                f"{'via in pad' if in_pad[j] else 'dog-bone via'} of {p.number[i]} (net "
                f"{model.net_names[net]}) connects to nothing else on any layer",
                arr, model, [i], [("via", v.uuid[vi], float(v.x_nm[vi]) / NM_PER_MM,
                                   float(v.y_nm[vi]) / NM_PER_MM), pad_item(model, i)],
                None, None, "mm", SOURCE_DANGLING, at=(v.x_nm[vi], v.y_nm[vi])))

    # balls on plane nets: a fact worth seeing, not a problem
    plane_nets = {z.net for z in model.zones if z.net > 0}
    on_plane = np.flatnonzero(np.isin(p.net[balls], list(plane_nets)) & ~skip) if plane_nets \
        else np.empty(0, np.int64)
    if len(on_plane):
        names = sorted({model.net_names[p.net[balls[k]]] for k in on_plane})
        shown = ", ".join(names[:6]) + (", ..." if len(names) > 6 else "")
        out.append(make_finding(
            "fanout.plane_net", "info",
            f"{len(on_plane)} balls on plane nets ({shown})", arr, model, balls[on_plane],
            [pad_item(model, balls[k]) for k in on_plane], len(on_plane), None, "count",
            SOURCE_PLANE))
    return {"balls_to_fan": int((~skip).sum()), "unrouted": int(len(unrouted)),
            "dangling_vias": int(len(dangling)), "plane_balls": int(len(on_plane)),
            "skipped": int(skip.sum()), "single_pad_nets": int(lonely.sum())}

