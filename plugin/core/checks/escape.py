"""Escape feasibility per BGA with UG1099's layer-count method.

UG1099 v2.0 "Layer Count Estimation and Optimization": signal layers ~ signals / (routing
channels x routes per channel), with signals ~ 60 % of the balls, channels = (balls per side - 1)
x 4 and 1 or 2 routes per channel; its worked examples round to the nearest layer (484 balls at
1.0 mm: 290 / 84 = 3.45 -> 3 layers). Here the signal count is the balls on signal nets when the
board assigns nets, else the profile's signal fraction; a non-square array has 2 (rows - 1) +
2 (cols - 1) channels. The estimate is compared with the board's routing layers: copper layers
that are not planes (named like GND/PWR/VCC..., or inner layers whose zones cover most of the
board and that carry no tracks or only a few stray ones).
"""
from __future__ import annotations

import re
from typing import Any

import numpy as np

from ..context import ArrayContext
from ..report import Finding
from ..rules import routes_fit
from ..units import NM_PER_MM

__all__ = ["check", "estimate", "PLANE_NET", "PLANE_LAYER"]

PLANE_NET = re.compile(
    r"(^|[/_.\-(])(A|D|P|S|CHASSIS)?(GND|VSS|VCC|VDD|VEE|VPP|VTT|VREF|VBAT|VIN|PWR)|"
    r"^/?\+?\d+V\d*|^/?\+|(^|[/_])P\d+V\d+", re.I)
"""Net names of power and ground (GND, VSS, VCCINT, VDDQ, +3V3, /P1V8, ...): not signals."""
PLANE_LAYER = re.compile(r"GND|PWR|POWER|PLANE|VCC|VDD|VSS", re.I)
"""Copper layer names that mark a plane layer (L2GND, L6PWR, ...)."""
UG1099_SOURCE = ("UG1099 v2.0 Layer Count Estimation and Optimization: layers = signals / "
                 "(channels x routes per channel); channels = (balls per side - 1) x 4; "
                 "signals ~ 60 % of balls; 1 or 2 routes per channel")


def signal_balls(model, arr) -> tuple[int, int, int]:
    """(signal balls, plane balls, unconnected balls) from the nets of the balls."""
    p = model.pads
    nets = p.net[arr.ball_pads]
    zone = (p.zone_connected[arr.ball_pads] if p.zone_connected is not None
            else np.zeros(len(nets), dtype=bool))
    names = [model.net_names[n] if 0 <= n < len(model.net_names) else "" for n in nets]
    unconnected = np.array([n == 0 or nm.startswith("unconnected-") for n, nm in zip(nets, names)])
    plane = ~unconnected & (zone | np.array([bool(PLANE_NET.search(nm)) for nm in names]))
    return int((~unconnected & ~plane).sum()), int(plane.sum()), int(unconnected.sum())


PLANE_STRAY_TRACKS = 4
"""Track segments a zoned inner layer may carry and still be a plane (stitching stubs, a stray
trace or two): routing layers carry far more."""
PLANE_STRAY_LENGTH = 0.05
"""...or total track length up to this fraction of the busiest copper layer's."""
PLANE_MIN_COVER = 0.5
"""Share of the board's extent that a layer's filled zones must cover for a layer with tracks to
count as a plane (checked where the board model holds the fill outlines)."""


def routing_layers(model) -> tuple[list[str], list[str]]:
    """(routing layer names, plane layer names) of the board's copper stack.

    A layer is a plane when its name says so (PLANE_LAYER), or when it is an inner layer with
    zones and either no tracks, or a few stray tracks (PLANE_STRAY_TRACKS segments, or
    PLANE_STRAY_LENGTH of the busiest layer's track length) while its zones cover most of the
    board (PLANE_MIN_COVER; taken as met where zone fills are not in the model).
    """
    n = len(model.copper_layers)
    count, length = _track_use(model, n)
    cover = _zone_cover(model, n)
    zoned = {z.layer for z in model.zones}
    routing: list[str] = []
    planes: list[str] = []
    for k, name in enumerate(model.copper_layers):
        outer = k in (0, n - 1)
        plane = bool(PLANE_LAYER.search(name))
        if not plane and not outer and k in zoned:
            busiest = float(np.delete(length, k).max()) if n > 1 else 0.0
            few = (count[k] <= PLANE_STRAY_TRACKS
                   or length[k] <= PLANE_STRAY_LENGTH * busiest)
            covered = cover[k] is None or cover[k] >= PLANE_MIN_COVER
            plane = count[k] == 0 or (few and covered)
        (planes if plane else routing).append(name)
    return routing, planes


def _track_use(model, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Track segments and total track length [nm] per copper stack layer (arcs as two chords)."""
    t = model.tracks
    if len(t) == 0:
        return np.zeros(n, np.int64), np.zeros(n)
    x1, y1, x2, y2 = (np.asarray(a, dtype=float) for a in (t.x1_nm, t.y1_nm, t.x2_nm, t.y2_nm))
    seg = np.hypot(x2 - x1, y2 - y1)
    if t.is_arc.any():
        xm, ym = np.asarray(t.xm_nm, dtype=float), np.asarray(t.ym_nm, dtype=float)
        arc = np.hypot(xm - x1, ym - y1) + np.hypot(x2 - xm, y2 - ym)
        seg = np.where(t.is_arc, arc, seg)
    layer = np.asarray(t.layer, dtype=np.int64)
    ok = (layer >= 0) & (layer < n)
    return (np.bincount(layer[ok], minlength=n)[:n],
            np.bincount(layer[ok], weights=seg[ok], minlength=n)[:n])


def _zone_cover(model, n: int) -> list:
    """Per copper layer, the share of the board's extent its filled zones cover.

    None where the model has no fill outlines for the layer's zones (the share is then
    unknown). Fills of one layer do not overlap (KiCad cuts each zone's fill out of the
    others'), so areas add up.
    """
    extent = _extent(model)
    cover: list = [None] * n
    if extent is None:
        return cover
    lo, hi = extent
    area = float((hi[0] - lo[0]) * (hi[1] - lo[1]))
    filled: dict[int, float] = {}
    for z in model.zones:
        for poly in z.polygons:
            if poly and len(poly[0]) >= 3:
                a = _ring_area(poly[0]) - sum(_ring_area(h) for h in poly[1:] if len(h) >= 3)
                filled[z.layer] = filled.get(z.layer, 0.0) + max(a, 0.0)
    for k, a in filled.items():
        if 0 <= k < n and area > 0:
            cover[k] = min(1.0, a / area)
    return cover


def _ring_area(ring) -> float:
    """Area of a closed ring of (x, y) vertices [nm^2] (shoelace formula)."""
    xy = np.asarray(ring, dtype=float).reshape(-1, 2)
    x, y = xy[:, 0], xy[:, 1]
    return 0.5 * abs(float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))))


def _extent(model):
    """(min xy, max xy) [nm] of every pad, via, track end and zone fill vertex.

    The board's extent, as the model holds no outline. None for an empty board.
    """
    p, v, t = model.pads, model.vias, model.tracks
    xs = [np.asarray(p.x_nm, float), np.asarray(v.x_nm, float), np.asarray(t.x1_nm, float),
          np.asarray(t.x2_nm, float)]
    ys = [np.asarray(p.y_nm, float), np.asarray(v.y_nm, float), np.asarray(t.y1_nm, float),
          np.asarray(t.y2_nm, float)]
    for z in model.zones:
        for poly in z.polygons:
            for ring in poly:
                ring = np.asarray(ring, dtype=float).reshape(-1, 2)
                xs.append(ring[:, 0])
                ys.append(ring[:, 1])
    x, y = np.concatenate(xs), np.concatenate(ys)
    if len(x) == 0:
        return None
    return np.array([x.min(), y.min()]), np.array([x.max(), y.max()])


def routes_per_channel(rs) -> tuple[int, str]:
    """1 or 2 routes per channel: 2 where the profile's two-route rows fit between lands, vias."""
    two = all(
        getattr(rs, f"{t}_route2_w_mm") is not None and getattr(rs, f"routes_between_{t}s_max") >= 2
        and routes_fit(2, getattr(rs, f"{t}_route2_w_mm"), getattr(rs, f"{t}_route2_s_mm"),
                       getattr(rs, f"route_dist_{t}s_mm"))
        for t in ("pad", "via"))
    if two:
        return 2, "two-route rows fit between lands and between vias (n W + (n+1) S <= R)"
    return 1, "two-route rows missing or not fitting: one route per channel"


def estimate(model, arr, rs) -> dict:
    """The layer-count estimate for one array, as plain data (mm-free: counts only)."""
    sig, plane, nc = signal_balls(model, arr)
    frac = float(rs.signal_fraction or 0.6)
    has_nets = (sig + plane) > 0
    signals = sig if has_nets else int(round(frac * arr.balls))
    channels = 2 * (arr.rows - 1) + 2 * (arr.cols - 1)
    routes, why = routes_per_channel(rs)
    ratio = signals / max(channels * routes, 1)
    needed = max(1, int(np.floor(ratio + 0.5))) if signals else 0
    routing, planes = routing_layers(model)
    return {
        "balls": arr.balls, "signal_balls": sig, "plane_balls": plane, "unconnected_balls": nc,
        "signals_by_fraction": int(round(frac * arr.balls)), "signals_used": signals,
        "signals_from": "nets" if has_nets else f"{frac:g} x balls",
        "channels": channels, "routes_per_channel": routes, "routes_why": why,
        "layers_ratio": round(ratio, 3), "layers_needed": needed,
        "routing_layers": len(routing), "routing_layer_names": routing,
        "plane_layers": planes, "copper_layers": len(model.copper_layers),
    }


def check(ctx: ArrayContext) -> dict:
    """An info finding per BGA, a warning when the board has too few routing layers."""
    model, arr, rs, findings = ctx.model, ctx.arr, ctx.rules, ctx.findings
    e = estimate(model, arr, rs)
    fp = arr.footprint
    src = f"{UG1099_SOURCE}; signal fraction: {rs.source('signal_fraction')}"
    text = (f"{e['signals_used']} signals ({e['signals_from']}) / ({e['channels']} channels x "
            f"{e['routes_per_channel']} routes) = {e['layers_ratio']:.2f} -> "
            f"{e['layers_needed']} routing layer(s); board has {e['routing_layers']} "
            f"of {e['copper_layers']} copper layers for routing")
    common: dict[str, Any] = dict(ref=fp.ref, x_mm=fp.x_nm / NM_PER_MM, y_mm=fp.y_nm / NM_PER_MM,
                  unit="count", source=src, items=((f"footprint {fp.ref}", fp.uuid,
                                                    fp.x_nm / NM_PER_MM, fp.y_nm / NM_PER_MM),))
    findings.append(Finding(
        rule_id="ug1099.layer_count.estimate", severity="info", message=text,
        measured=float(e["layers_needed"]), limit=None, **common))
    if e["routing_layers"] < e["layers_needed"]:
        findings.append(Finding(
            rule_id="ug1099.layer_count.too_few", severity="warning",
            message=f"escape needs about {e['layers_needed']} routing layers, board has "
                    f"{e['routing_layers']}: {text}",
            measured=float(e["routing_layers"]), limit=float(e["layers_needed"]), **common))
    return e
