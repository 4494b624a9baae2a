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
from ..geometry import DIST_TOL_NM, PAD, TRACK, VIA, AreaLayer
from ..units import NM_PER_MM
from .land import make_finding, pad_item
from .vias import area_layer, classified

__all__ = ["check", "skipped_balls"]

SOURCE_ROUTED = "bgacheck: every connected ball must leave its land (KiCad DRC 'unconnected items')"
SOURCE_DANGLING = "bgacheck: a fanout via that joins no other copper leaves the net open"
SOURCE_PLANE = ("UG1099 v2.0 Layer Count Estimation: about 40 % of balls are power/ground taken "
                "straight down to planes")


def skipped_balls(model, balls: np.ndarray) -> np.ndarray:
    """True for balls that need no fanout: no net, no-connect pin, or an 'unconnected-' net."""
    p = model.pads
    names, pins = model.net_names, p.pin_type
    out = np.zeros(len(balls), bool)
    for k, (i, net) in enumerate(zip(np.asarray(balls).tolist(), p.net[balls].tolist())):
        name = names[net] if 0 <= net < len(names) else ""
        pin = (pins[i] if i < len(pins) else "") or ""
        out[k] = (net <= 0 or pin.startswith("no_connect") or name.startswith("unconnected-")
                  or name.startswith("unconnected("))
    return out


def _touching(al: AreaLayer):
    """Symmetric pairs (a, b) of items on one layer whose copper touches (same net)."""
    a, b, _ = al.pairs_within(DIST_TOL_NM)
    same = al.net[a] == al.net[b]
    a, b = a[same], b[same]
    return np.r_[a, b], np.r_[b, a]


def _via_touches(al: AreaLayer):
    """(via-table indices, sorted; the item touching each): what touches every via on a layer."""
    a, b = _touching(al)
    on_via = al.kind[a] == VIA
    keys, items = al.index[a[on_via]], b[on_via]
    order = np.argsort(keys, kind="stable")
    return keys[order], items[order]


def check(ctx: ArrayContext) -> dict:
    """Unrouted balls, dangling fanout vias and plane-net balls of one array."""
    model, arr, out = ctx.model, ctx.arr, ctx.findings
    p, v = model.pads, model.vias
    balls = arr.ball_pads
    layer = ctx.own_layer
    al = area_layer(ctx, layer)
    a, b = _touching(al)
    # A ball is fanned out when its land touches a track or via of its net.
    ball_at = -np.ones(len(p), np.int64)
    ball_at[balls] = np.arange(len(balls))
    hit = (al.kind[a] == PAD) & ((al.kind[b] == TRACK) | (al.kind[b] == VIA))
    k_hit = ball_at[al.index[a[hit]]]
    fanned = np.zeros(len(balls), bool)
    fanned[k_hit[k_hit >= 0]] = True
    if p.zone_connected is not None:
        fanned |= p.zone_connected[balls]
    sel, in_pad, dogbone, ball_of, stubs = classified(ctx)
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
    touches: dict = {}  # stack layer -> _via_touches, made when a via first needs it
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
            lk = area_layer(ctx, k)
            if k not in touches:
                touches[k] = _via_touches(lk)
            keys, items = touches[k]
            nb = items[np.searchsorted(keys, vi):np.searchsorted(keys, vi, side="right")]
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

