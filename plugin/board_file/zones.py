"""Copper zones: net, layers, pad connection, outline, and the filled outlines.

pcbnew's reader keeps a row per zone and copper layer (net, pad connection, filled area) without
the fill itself, records for each pad whether a filled zone of its net covers the pad centre on
an outer layer and which zone outline holds it, and for each via where it joins a zone. The
``(pts ...)`` text of fills and outlines goes to numpy in one C call per outline, and the inside
test is KiCad's own (SHAPE_LINE_CHAIN_BASE::PointInside with its integer rescale), vectorised,
so the answer is the same to the nanometre on every edge. Areas are summed in KiCad's order.
"""
from __future__ import annotations

import re

import numpy as np

from .grown_fill import grown_fill_area
from .kimath import round_half_away
from .layout import split
from .sexpr import SexprError, board_units, parse_span

__all__ = ["ZoneRecord", "read_zone", "points_inside_rings", "points_inside_fill",
           "points_near_rings", "fill_area", "CONNECTIONS"]

_LAYER_HEAD = re.compile(
    rb'\(filled_polygon\s+\(layer\s+"([^"\\]*)"\)\s*(\(island[^()]*\)\s*)?\(pts')
_LIMIT = float(2**31 - 1 - 10)
_PAIRS_PER_CHUNK = 4_000_000
CONNECTIONS = {-1: "", 0: "none", 1: "thermal", 2: "full", 3: "thru_hole_only"}
"""KiCad's ZONE_CONNECTION codes (pad and footprint ``zone_connect``) to the model's words."""
OUTLINE_ARC_ERROR = 5000
STROKED_FILL_BEFORE = 20250210


class ZoneRecord:
    """A zone as read: what the model keeps, its outline rings and its fills per layer."""

    __slots__ = ("uuid", "net", "layers", "name", "rule_area", "corners", "fills", "net_name",
                 "start", "filled", "connection", "outline", "min_thickness", "stroked",
                 "grow")

    def __init__(self, start: int):
        self.start = start
        self.uuid = self.name = ""
        self.net = 0
        self.net_name = None
        self.layers: list[str] = []
        self.rule_area = False
        self.corners = 0
        self.filled = False
        self.connection = "thermal"
        self.outline: list[np.ndarray] = []   # first ring the outline, the others holes
        self.fills: dict[str, list[np.ndarray]] = {}
        self.min_thickness = 250_000
        self.stroked = True     # fills written before KiCad 6's fill change (see read_zone)
        self.grow = 0


def _ring(text: bytes) -> np.ndarray:
    """Numbers of ``(xy a b) ...`` text to an (n, 2) int64 nm ring, KiCad's rounding."""
    vals = np.fromstring(text.translate(None, b"()xy"), dtype=np.float64, sep=" ")  # noqa: NPY201
    if vals.size % 2 or not np.isfinite(vals).all():
        raise SexprError("a zone outline point is not a pair of numbers")
    return round_half_away(np.clip(vals * 1e6, -_LIMIT, _LIMIT)).reshape(-1, 2)


def _pts_ring(pts: list) -> np.ndarray:
    """A parsed ``(pts ...)`` node to a ring; arcs become polylines as KiCad appends them."""
    from .outlines import arc_polyline
    out: list = []
    for p in pts[1:]:
        if isinstance(p, list) and p[0] == "xy" and len(p) >= 3:
            out.append((board_units(p[1]), board_units(p[2])))
        elif isinstance(p, list) and p[0] == "arc":
            arc = {q[0]: (board_units(q[1]), board_units(q[2])) for q in p[1:]
                   if isinstance(q, list) and len(q) >= 3}
            if not {"start", "mid", "end"} <= set(arc):
                raise SexprError("an arc in a zone outline needs start, mid and end")
            line = arc_polyline(arc["start"], arc["mid"], arc["end"], OUTLINE_ARC_ERROR)
            out.extend(line if not out or out[-1] != line[0] else line[1:])
    return np.asarray(out, dtype=np.int64).reshape(-1, 2)


def _fill_from_span(data: bytes, cstart: int, cend: int, zone: ZoneRecord) -> None:
    m = _LAYER_HEAD.match(data, cstart, cend)
    if m is None:
        _fill_from_node(parse_span(data, cstart, cend), zone)
        return
    layer = m.group(1).decode("utf-8", "replace")
    body = data[m.end():cend]
    # The body closes (pts and (filled_polygon: two more ')' than '(' when it is all (xy ...).
    opening = body.count(b"(")
    ring = None
    if b"arc" not in body and opening + 2 == body.count(b")") and \
            body.count(b"(xy ") == opening:
        try:
            ring = _ring(body)
        except (ValueError, SexprError):
            ring = None
    if ring is None or len(ring) != opening:  # not plain (xy x y) points: the exact parser
        _fill_from_node(parse_span(data, cstart, cend), zone)
        return
    zone.fills.setdefault(layer, []).append(ring)


def _fill_from_node(node: list, zone: ZoneRecord) -> None:
    layer = zone.layers[0] if zone.layers else ""
    pts = None
    for c in node[1:]:
        if isinstance(c, list):
            if c[0] == "layer" and len(c) > 1:
                layer = str(c[1])
            elif c[0] == "pts":
                pts = c
    if pts is not None:
        zone.fills.setdefault(layer, []).append(_pts_ring(pts))


def read_zone(data: bytes, start: int, end: int, ctx) -> ZoneRecord:
    """One board-level ``(zone ...)`` with its outline and fills."""
    zone = ZoneRecord(start)
    cut = split(data, start, end, 2, ctx.unit) if ctx.unit == b"\t" else None
    if cut is None:
        node = parse_span(data, start, end)
        children = [(c[0], c, start, end) for c in node[1:] if isinstance(c, list)]
    else:
        children = [(c.keyword, None, c.start, c.end) for c in cut[1]]
    fills_later = []
    for key, node, cstart, cend in children:
        if key == "filled_polygon":
            fills_later.append((node, cstart, cend))
            continue
        if key == "fill_segments":
            continue
        if node is None:
            node = parse_span(data, cstart, cend)
        _zone_child(zone, key, node, ctx, cstart)
    for node, cstart, cend in fills_later:
        if node is None:
            _fill_from_span(data, cstart, cend, zone)
        else:
            _fill_from_node(node, zone)
    enabled = set(ctx.layers.stack_names)
    zone.fills = {k: v for k, v in zone.fills.items() if k in enabled and k in zone.layers}
    # A fill written without "(filled_areas_thickness no)" by a file older than KiCad 10's
    # format is KiCad 5's stroked fill: KiCad grows it by half the minimum width on load.
    if zone.stroked and ctx.version < STROKED_FILL_BEFORE and zone.fills and not zone.rule_area \
            and zone.min_thickness > 0:
        zone.grow = zone.min_thickness // 2
    return zone


def fill_area(rings: list, grow: int = 0) -> float:
    """SHAPE_POLY_SET::Area of fill outlines.

    Each ring's shoelace sum added in order, halved, absolute (doubles throughout, as KiCad
    adds them). A stroked fill is grown by ``grow`` first, as KiCad grows it on load
    (``grown_fill.grown_fill_area``).
    """
    if grow:
        return grown_fill_area(rings, grow)
    total = 0.0
    for ring in rings:
        if len(ring) < 3:
            continue
        x = ring[:, 0].astype(np.float64)
        y = ring[:, 1].astype(np.float64)
        xj, yj = np.roll(x, 1), np.roll(y, 1)
        terms = (xj + x) * (yj - y)
        total += abs(float(np.cumsum(terms)[-1]) * 0.5)
    return total


def _zone_child(zone: ZoneRecord, key: str, node: list, ctx, pos: int) -> None:
    args = node[1:]
    if key == "net" and args:
        from .tracks import _net_from_node
        zone.net = _net_from_node(node, ctx)
    elif key == "net_name" and args:
        zone.net_name = str(args[0])
    elif key == "layer" and args:
        zone.layers = [str(args[0])]
        ctx.check_layer_name(zone.layers[0], pos)
    elif key == "layers":
        from .pads import layer_set
        zone.layers = sorted(layer_set(args))
    elif key in ("uuid", "tstamp") and args:
        zone.uuid = str(args[0])
    elif key == "name" and args:
        zone.name = str(args[0])
    elif key in ("keepout", "placement"):
        zone.rule_area = True
    elif key == "min_thickness" and args:
        zone.min_thickness = board_units(args[0])
    elif key == "filled_areas_thickness" and args:
        zone.stroked = str(args[0]) != "no"
    elif key == "fill":
        zone.filled = "yes" in [a for a in args if not isinstance(a, list)]
    elif key == "connect_pads":
        for a in args:
            if not isinstance(a, list):
                zone.connection = {"yes": "full", "no": "none",
                                   "thru_hole_only": "thru_hole_only"}.get(str(a), zone.connection)
    elif key == "polygon":
        for c in args:
            if isinstance(c, list) and c[0] == "pts":
                ring = _pts_ring(c)
                zone.corners += len(ring)
                zone.outline.append(ring)


def points_inside_fill(px: np.ndarray, py: np.ndarray, rings: list[np.ndarray],
                       grow: int = 0) -> np.ndarray:
    """Points inside a fill.

    KiCad's crossing test, and for a stroked fill grown by ``grow`` also the points within
    ``grow`` of its outline (the grown polygon's round corners are KiCad's arcs, exact to its
    arc error).
    """
    inside = points_inside_rings(px, py, rings)
    if grow and len(px):
        rest = np.flatnonzero(~inside)
        if len(rest):
            inside[rest] = points_near_rings(px[rest], py[rest], rings, grow)
    return inside


def points_near_rings(px: np.ndarray, py: np.ndarray, rings: list, dist: float) -> np.ndarray:
    """Points closer than ``dist`` to an edge of any ring."""
    near = np.zeros(len(px), dtype=bool)
    for ring in rings:
        if len(ring) < 2:
            continue
        ax, ay = ring[:, 0].astype(float), ring[:, 1].astype(float)
        bx, by = np.roll(ax, -1), np.roll(ay, -1)
        lo_x, hi_x = np.minimum(ax, bx) - dist, np.maximum(ax, bx) + dist
        lo_y, hi_y = np.minimum(ay, by) - dist, np.maximum(ay, by) + dist
        for j in np.flatnonzero(~near):
            x, y = float(px[j]), float(py[j])
            sel = (lo_x <= x) & (hi_x >= x) & (lo_y <= y) & (hi_y >= y)
            if not sel.any():
                continue
            dx, dy = bx[sel] - ax[sel], by[sel] - ay[sel]
            l2 = dx * dx + dy * dy
            with np.errstate(invalid="ignore", divide="ignore"):
                s = np.clip(np.where(l2 > 0, ((x - ax[sel]) * dx + (y - ay[sel]) * dy) / l2,
                                     0.0), 0.0, 1.0)
            d2 = (ax[sel] + s * dx - x) ** 2 + (ay[sel] + s * dy - y) ** 2
            near[j] = bool((d2 < dist * dist).any())
    return near


def points_inside_rings(px: np.ndarray, py: np.ndarray, rings: list[np.ndarray]) -> np.ndarray:
    """Points inside any ring by KiCad's crossing test (``rescale`` rounding, strict compares).

    Each ring is a closed outline of a zone fill (KiCad stores fills fractured: one outline per
    polygon, holes joined by zero-width slits, so the parity test needs no hole list).
    """
    inside_any = np.zeros(len(px), dtype=bool)
    for ring in rings:
        if len(ring) < 3 or not len(px):
            continue
        x1, y1 = ring[:, 0], ring[:, 1]
        x2, y2 = np.roll(x1, -1), np.roll(y1, -1)
        keep = (y2 - y1) != 0
        x1, y1, x2, y2 = x1[keep], y1[keep], x2[keep], y2[keep]
        lo, hi = ring[:, 0].min(), ring[:, 0].max()
        ylo, yhi = ring[:, 1].min(), ring[:, 1].max()
        cand = np.flatnonzero((px >= lo) & (px <= hi) & (py >= ylo) & (py <= yhi) & ~inside_any)
        if not len(cand):
            continue
        inside_any[cand] = _parity(px[cand], py[cand], x1, y1, x2, y2)
    return inside_any


def _trunc_div(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    q = a // b
    return np.where((a % b != 0) & ((a < 0) != (b < 0)), q + 1, q)


def _parity(px, py, x1, y1, x2, y2) -> np.ndarray:
    """Crossing parity of each point against the edges.

    All (point, edge) pairs that share a horizontal band are evaluated at once.
    """
    ymin, ymax = np.minimum(y1, y2), np.maximum(y1, y2)
    lo, span = int(ymin.min()), int(ymax.max() - ymin.min()) + 1
    bands = max(1, min(4096, len(x1) // 4))
    while True:
        b0 = (ymin - lo) * bands // span
        b1 = (ymax - lo) * bands // span
        reps = b1 - b0 + 1
        if reps.sum() <= 8 * len(x1) + 1024 or bands == 1:
            break
        bands = max(1, bands // 4)
    edge = np.repeat(np.arange(len(x1)), reps)
    first = np.repeat(np.cumsum(reps) - reps, reps)
    band = b0[edge] + (np.arange(len(edge)) - first)
    order = np.argsort(band, kind="stable")
    edge, band = edge[order], band[order]
    bounds = np.searchsorted(band, np.arange(bands + 1))
    pb = np.clip((py - lo) * bands // span, 0, bands - 1)
    outside = (py < lo) | (py >= lo + span)
    count = np.where(outside, 0, bounds[pb + 1] - bounds[pb])
    hits = np.zeros(len(px), dtype=np.int64)
    ends = np.cumsum(count)
    first_pt = 0
    while first_pt < len(px):  # points in chunks of at most _PAIRS_PER_CHUNK (point, edge) pairs
        base = int(ends[first_pt - 1]) if first_pt else 0
        last = max(first_pt + 1, int(np.searchsorted(ends, base + _PAIRS_PER_CHUNK, "right")))
        sl = slice(first_pt, last)
        hits[sl] = _crossings(px[sl], py[sl], count[sl], bounds[pb[sl]], edge, x1, y1, x2, y2)
        first_pt = last
    return (hits & 1).astype(bool)


def _crossings(px, py, count, first_edge, edge, x1, y1, x2, y2) -> np.ndarray:
    """Edges each point's leftward ray crosses, over the edges of its band."""
    total = int(count.sum())
    if total == 0:
        return np.zeros(len(px), dtype=np.int64)
    pt = np.repeat(np.arange(len(px)), count)
    start = np.repeat(np.cumsum(count) - count, count)
    e = edge[first_edge[pt] + (np.arange(total) - start)]
    x, y = px[pt], py[pt]
    ex1, ey1, ey2 = x1[e], y1[e], y2[e]
    dx, dy = x2[e] - ex1, ey2 - ey1
    num = dx * (y - ey1)
    half = _trunc_div(dy, np.full_like(dy, 2))
    neg = (num < 0) != (dy < 0)
    d = np.where(neg, _trunc_div(num - half, dy), _trunc_div(num + half, dy))
    crosses = ((ey1 > y) != (ey2 > y)) & ((x - ex1) < d)
    return np.bincount(pt, weights=crosses, minlength=len(px)).astype(np.int64)
