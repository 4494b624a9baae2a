"""Escape feasibility per BGA with UG1099's layer-count method.

UG1099 v2.0 "Layer Count Estimation and Optimization": signal layers ~ signals / (routing
channels x routes per channel), with signals ~ 60 % of the balls, channels = (balls per side - 1)
x 4 and 1 or 2 routes per channel; its worked examples round to the nearest layer (484 balls at
1.0 mm: 290 / 84 = 3.45 -> 3 layers). Here the signal count is the balls on signal nets when the
board assigns nets, else the profile's signal fraction; a non-square array has 2 (rows - 1) +
2 (cols - 1) channels. The estimate is compared with the board's routing layers: copper layers
that are not planes (named like GND/PWR/VCC..., or carrying zones but no tracks).
"""
from __future__ import annotations

import re

import numpy as np

from ..context import rules_for
from ..pipeline import register_stage
from ..report import Finding
from ..rules import routes_fit
from ..units import NM_PER_MM

__all__ = ["run", "estimate", "PLANE_NET", "PLANE_LAYER"]

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


def routing_layers(model) -> tuple[list[str], list[str]]:
    """(routing layer names, plane layer names) of the board's copper stack."""
    used = set(np.unique(model.tracks.layer).tolist())
    zoned = {z.layer for z in model.zones}
    routing, planes = [], []
    for k, name in enumerate(model.copper_layers):
        outer = k in (0, len(model.copper_layers) - 1)
        plane = bool(PLANE_LAYER.search(name)) or (k not in used and k in zoned and not outer)
        (planes if plane else routing).append(name)
    return routing, planes


def routes_per_channel(rs) -> tuple[int, str]:
    """1 or 2 routes per channel: 2 where the profile's two-route rows fit between lands and vias."""
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


def run(model, arrays, options, report) -> None:
    """Pipeline stage: an info finding per BGA, a warning when the board has too few layers."""
    for arr, summary in zip(arrays, report.bgas):
        rs = rules_for(model, arr, options)
        e = estimate(model, arr, rs)
        summary.extra["escape"] = e
        fp = arr.footprint
        src = f"{UG1099_SOURCE}; signal fraction: {rs.source('signal_fraction')}"
        text = (f"{e['signals_used']} signals ({e['signals_from']}) / ({e['channels']} channels x "
                f"{e['routes_per_channel']} routes) = {e['layers_ratio']:.2f} -> "
                f"{e['layers_needed']} routing layer(s); board has {e['routing_layers']} "
                f"of {e['copper_layers']} copper layers for routing")
        common = dict(ref=fp.ref, x_mm=fp.x_nm / NM_PER_MM, y_mm=fp.y_nm / NM_PER_MM,
                      unit="count", source=src, items=((f"footprint {fp.ref}", fp.uuid,
                                                        fp.x_nm / NM_PER_MM, fp.y_nm / NM_PER_MM),))
        report.findings.append(Finding(
            rule_id="ug1099.layer_count.estimate", severity="info", message=text,
            measured=float(e["layers_needed"]), limit=None, **common))
        if e["routing_layers"] < e["layers_needed"]:
            report.findings.append(Finding(
                rule_id="ug1099.layer_count.too_few", severity="warning",
                message=f"escape needs about {e['layers_needed']} routing layers, board has "
                        f"{e['routing_layers']}: {text}",
                measured=float(e["routing_layers"]), limit=float(e["layers_needed"]), **common))


register_stage("escape", run)
