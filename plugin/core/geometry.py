"""Copper geometry of one BGA area, one copper layer at a time: the only module importing Shapely.

Every copper item is a *core* plus a radius: the copper is the core dilated by the radius.
Round pads and vias are points, tracks and oval pads segments, round-rect pads their inner
rectangle, other pads polygons of radius 0. The edge-to-edge gap of two items is then exactly
``shapely.distance(core_a, core_b) - r_a - r_b``: no circle is approximated by a polygon, so no
``quad_segs`` enters a distance. Arcs are the one approximation: polylines whose chords stay
within ``ARC_TOLERANCE_NM`` of the true arc, so a gap to an arc is off by at most that much.

``AreaLayer`` holds the cores and one STRtree per (area, layer) in private attributes; its
methods take and return numpy arrays only, so no Shapely object leaves this module. Requires
Shapely 2 (vectorised functions, ``STRtree.query(predicate="dwithin")``).
"""
from __future__ import annotations

import functools
import gc
import math

import numpy as np

try:
    import shapely
except ImportError as _exc:  # pragma: no cover - depends on the host Python
    raise ImportError("bgacheck needs Shapely 2 (pip install 'shapely>=2'); "
                      "Shapely is not installed in this Python") from _exc
if int(shapely.__version__.split(".")[0]) < 2:  # pragma: no cover - Debian's KiCad has 1.8.5
    raise ImportError(f"bgacheck needs Shapely 2 (pip install 'shapely>=2'); this Python has "
                      f"Shapely {shapely.__version__}")

from .model import BoardModel, PadAttrib, PadShape

__all__ = [
    "PAD", "VIA", "TRACK", "KIND_NAMES", "ARC_TOLERANCE_NM", "DIST_TOL_NM", "AreaLayer", "Cores",
    "area_box", "pad_layers_mask", "via_on_layer", "arc_polyline", "nearest",
    "point_pairs_within", "neighbours_within", "union_outline",
]

PAD, VIA, TRACK = 0, 1, 2
KIND_NAMES = ("pad", "via", "track")

ARC_TOLERANCE_NM = 500.0
"""Largest distance between an arc and the polyline that stands for it [nm]."""
DIST_TOL_NM = 1_000.0
"""Slack when a measured gap or width is compared with a limit [nm]: covers the arc chords and
the 1 nm grid of board coordinates; a gap is short only when below ``limit - DIST_TOL_NM``."""


def _quiet_collector(fn):
    """Run ``fn`` with the cycle collector paused (it runs again afterwards).

    A bulk Shapely call makes one Python object per geometry. Counted as allocations, thousands
    of short-lived ones would start the collector over and over, and each full pass scans every
    object alive (a large board's cores among them) for cycles that geometries never form.
    """
    @functools.wraps(fn)
    def run(*args, **kwargs):
        if not gc.isenabled():
            return fn(*args, **kwargs)
        gc.disable()
        try:
            return fn(*args, **kwargs)
        finally:
            gc.enable()
    return run


_BULK_DWITHIN = hasattr(shapely, "dwithin")  # Shapely 2.1 and newer


def _within(tree, items: np.ndarray, geoms: np.ndarray, reach, upper: bool = False):
    """(geometry, item) index pairs at most ``reach`` [nm] apart, in the tree's order.

    What ``tree.query(geoms, predicate="dwithin", distance=reach)`` answers (``reach`` one value
    or one per geometry), pair for pair and in its order: the tree's boxes against each
    geometry's box grown by its reach (the tree lists the items of a box in one fixed order,
    as it does those of the query), then the query's own test in one vectorised call on the
    pairs kept. That test takes each geometry prepared, as the query does: a prepared
    zero-length track is within reach of nothing, and the answers stay the query's. ``upper``:
    only pairs whose item index is larger than the geometry's (``geoms`` are then the tree's
    ``items``); the other half is never tested, which is where the time is saved.
    """
    reach = np.broadcast_to(np.asarray(reach, dtype=float), (len(geoms),))
    if _BULK_DWITHIN:
        lo = shapely.bounds(geoms)
        a, b = tree.query(shapely.box(lo[:, 0] - reach, lo[:, 1] - reach, lo[:, 2] + reach,
                                      lo[:, 3] + reach))
    else:  # Shapely 2.0: the query itself
        a, b = tree.query(geoms, predicate="dwithin", distance=reach)
    if upper:
        keep = a < b
        a, b = a[keep], b[keep]
    if _BULK_DWITHIN:
        fresh = geoms[~shapely.is_prepared(geoms)]
        shapely.prepare(fresh)
        keep = shapely.dwithin(geoms[a], items[b], reach[a])
        shapely.destroy_prepared(fresh)  # as the query leaves them: no memory held
        a, b = a[keep], b[keep]
    return a, b


def area_box(model: BoardModel, pads: np.ndarray, margin_nm: float) -> tuple[float, ...]:
    """(xmin, ymin, xmax, ymax) [nm] of the given pads' copper plus a margin on every side."""
    p = model.pads
    half = np.maximum(p.w_nm[pads], p.h_nm[pads]) / 2.0
    return (float((p.x_nm[pads] - half).min() - margin_nm),
            float((p.y_nm[pads] - half).min() - margin_nm),
            float((p.x_nm[pads] + half).max() + margin_nm),
            float((p.y_nm[pads] + half).max() + margin_nm))


def pad_layers_mask(model: BoardModel, layer: int) -> np.ndarray:
    """Pads with copper on stack layer ``layer``; plated through pads count on every layer."""
    p = model.pads
    last = len(model.copper_layers) - 1
    through = (p.attrib == PadAttrib.PTH) & (p.drill_nm > 0)
    if layer == 0:
        return p.on_front_cu | through
    if layer == last:
        return p.on_back_cu | through
    return through


def via_on_layer(model: BoardModel, layer: int) -> tuple[np.ndarray, np.ndarray]:
    """(spans, flashed): vias whose barrel crosses stack layer ``layer``, and those with a pad.

    A via without a pad on a layer (KiCad's unused-pad removal) leaves only its hole there.
    """
    v = model.vias
    spans = (v.layer_from <= layer) & (v.layer_to >= layer)
    flashed = spans & ((v.flash_mask >> layer) & 1).astype(bool)
    return spans, flashed


def arc_polyline(start, mid, end, tol_nm: float = ARC_TOLERANCE_NM) -> np.ndarray:
    """Points [nm] of a polyline through start, mid and end, chords within ``tol_nm`` of the arc."""
    (x1, y1), (xm, ym), (x2, y2) = (np.asarray(q, dtype=float) for q in (start, mid, end))
    d = 2.0 * (x1 * (ym - y2) + xm * (y2 - y1) + x2 * (y1 - ym))
    if abs(d) < 1e-6:  # collinear: a straight segment
        return np.array([[x1, y1], [x2, y2]])
    s1, sm, s2 = x1 * x1 + y1 * y1, xm * xm + ym * ym, x2 * x2 + y2 * y2
    cx = (s1 * (ym - y2) + sm * (y2 - y1) + s2 * (y1 - ym)) / d
    cy = (s1 * (x2 - xm) + sm * (x1 - x2) + s2 * (xm - x1)) / d
    r = math.hypot(x1 - cx, y1 - cy)
    a1, am, a2 = (math.atan2(y - cy, x - cx) for x, y in ((x1, y1), (xm, ym), (x2, y2)))
    sweep = (a2 - a1) % (2 * math.pi)
    if (am - a1) % (2 * math.pi) > sweep:  # the mid point lies on the other way round
        sweep -= 2 * math.pi
    step = 2.0 * math.acos(max(-1.0, 1.0 - tol_nm / r)) if r > tol_nm else math.pi
    n = max(2, int(math.ceil(abs(sweep) / step)) + 1)
    ang = a1 + np.linspace(0.0, sweep, n)
    pts = np.column_stack([cx + r * np.cos(ang), cy + r * np.sin(ang)])
    pts[0], pts[-1] = (x1, y1), (x2, y2)
    return pts


def _rotate(lx, ly, rot_deg):
    """Pad-frame offsets to board offsets: KiCad angles are counter-clockwise on a y-down screen."""
    a = np.deg2rad(rot_deg)
    c, s = np.cos(a), np.sin(a)
    return lx * c + ly * s, -lx * s + ly * c


def _pad_cores(model: BoardModel, idx: np.ndarray):
    """(cores, radius [nm]) of pads: exact for circle, oval and round-rect; polygons otherwise."""
    p = model.pads
    cores = np.empty(len(idx), dtype=object)
    radius = np.zeros(len(idx))
    x, y = p.x_nm[idx].astype(float), p.y_nm[idx].astype(float)
    w, h = p.w_nm[idx].astype(float), p.h_nm[idx].astype(float)
    rot, shape = p.rot_deg[idx], p.shape[idx]
    cr = np.where(shape == PadShape.ROUNDRECT, p.corner_r_nm[idx], 0).astype(float)
    cr = np.minimum(cr, np.minimum(w, h) / 2)
    round_ = (shape == PadShape.CIRCLE) | ((shape == PadShape.OVAL) & (w == h))
    cr = np.where(round_, np.minimum(w, h) / 2, cr)
    oval = (shape == PadShape.OVAL) & ~round_
    cr = np.where(oval, np.minimum(w, h) / 2, cr)
    polys = p.polygon_nm if len(p.polygon_nm) == len(p) else ()
    # Inner half-sizes: what is left of the pad once the corner radius is taken off.
    hw, hh = w / 2 - cr, h / 2 - cr
    # Round lands (nearly every ball) become points in one vectorised call.
    dots = (hw <= 0) & (hh <= 0) & ~np.isin(shape, (PadShape.CUSTOM, PadShape.CHAMFERED_RECT,
                                                     PadShape.TRAPEZOID))
    cores[dots] = shapely.points(x[dots], y[dots])
    radius[dots] = cr[dots]
    for k in np.flatnonzero(~dots):
        i = idx[k]
        poly = polys[i] if polys else None
        if shape[k] in (PadShape.CUSTOM, PadShape.CHAMFERED_RECT, PadShape.TRAPEZOID) \
                and poly is not None and len(poly) >= 3:
            cores[k] = shapely.polygons(np.asarray(poly, dtype=float))
            continue
        radius[k] = cr[k]
        if hw[k] <= 0 and hh[k] <= 0:
            cores[k] = shapely.points(x[k], y[k])
            continue
        lx = np.array([-hw[k], hw[k], hw[k], -hw[k]])
        ly = np.array([-hh[k], -hh[k], hh[k], hh[k]])
        bx, by = _rotate(lx, ly, rot[k])
        bx, by = bx + x[k], by + y[k]
        if hw[k] <= 0 or hh[k] <= 0:  # a segment (oval, or a round-rect that is a stadium)
            cores[k] = shapely.linestrings([[bx[0], by[0]], [bx[2], by[2]]])
        else:
            cores[k] = shapely.polygons(np.column_stack([bx, by]))
    return cores, radius


def _track_cores(model: BoardModel, idx: np.ndarray):
    """(cores, radius [nm]) of track segments and arcs: centre lines, half the width."""
    t = model.tracks
    coords = np.stack([np.column_stack([t.x1_nm[idx], t.y1_nm[idx]]),
                       np.column_stack([t.x2_nm[idx], t.y2_nm[idx]])], axis=1).astype(float)
    cores = np.asarray(shapely.linestrings(coords), dtype=object)
    for k in np.flatnonzero(t.is_arc[idx]):
        i = idx[k]
        cores[k] = shapely.linestrings(arc_polyline((t.x1_nm[i], t.y1_nm[i]),
                                                    (t.xm_nm[i], t.ym_nm[i]),
                                                    (t.x2_nm[i], t.y2_nm[i])))
    return cores, t.width_nm[idx].astype(float) / 2.0


def _in_box(xmin, ymin, xmax, ymax, box):
    return (xmax >= box[0]) & (xmin <= box[2]) & (ymax >= box[1]) & (ymin <= box[3])


class Cores:
    """The cores and radii of a board's pads, vias and tracks, each made once when first needed.

    One per board (the checks keep it in ``ctx.board``): the areas of every array and layer take
    their items from it instead of each making its own, which saves the time and the many
    objects (a via crosses every layer). The cores are the same either way: each is made from
    its own row of the tables.
    """

    def __init__(self, model: BoardModel):
        self._model = model
        self._store = {kind: (np.empty(n, dtype=object), np.zeros(n), np.zeros(n, bool))
                       for kind, n in ((PAD, len(model.pads)), (VIA, len(model.vias)),
                                       (TRACK, len(model.tracks)))}

    @_quiet_collector
    def get(self, kind: int, idx: np.ndarray):
        """(cores, radius [nm]) of the items ``idx`` of one table; a via's radius is 0 here."""
        cores, radius, done = self._store[kind]
        missing = idx[~done[idx]]
        if len(missing):
            m = self._model
            if kind == PAD:
                cores[missing], radius[missing] = _pad_cores(m, missing)
            elif kind == VIA:
                cores[missing] = shapely.points(m.vias.x_nm[missing].astype(float),
                                                m.vias.y_nm[missing].astype(float))
            else:
                cores[missing], radius[missing] = _track_cores(m, missing)
            done[missing] = True
        return cores[idx], radius[idx]


class AreaLayer:
    """Copper items of one stack layer whose extent meets one box, with one spatial index.

    Public arrays (one row per item): ``kind`` (PAD, VIA, TRACK), ``index`` (row in the model's
    pad, via or track table), ``net``, ``radius_nm``, ``hole_only`` (a via with no pad on this
    layer: its copper here is nothing, the core stands for the drilled hole), ``uuid``.
    """

    @_quiet_collector
    def __init__(self, model: BoardModel, layer: int, box: tuple[float, ...],
                 cores: Cores | None = None):
        self.layer = layer
        cores = cores if cores is not None else Cores(model)
        p, v, t = model.pads, model.vias, model.tracks
        half = np.maximum(p.w_nm, p.h_nm) / 2.0
        pad_sel = np.flatnonzero(pad_layers_mask(model, layer) & (p.attrib != PadAttrib.NPTH)
                                 & _in_box(p.x_nm - half, p.y_nm - half, p.x_nm + half,
                                           p.y_nm + half, box))
        spans, flashed = via_on_layer(model, layer)
        vr = np.where(flashed, v.d_nm, v.drill_nm) / 2.0
        via_sel = np.flatnonzero(spans & _in_box(v.x_nm - vr, v.y_nm - vr, v.x_nm + vr,
                                                 v.y_nm + vr, box))
        tw = t.width_nm / 2.0
        # An arc's mid point bounds it well enough for a box test (it bulges at most that far).
        txmin = np.minimum(np.minimum(t.x1_nm, t.x2_nm), t.xm_nm) - tw
        txmax = np.maximum(np.maximum(t.x1_nm, t.x2_nm), t.xm_nm) + tw
        tymin = np.minimum(np.minimum(t.y1_nm, t.y2_nm), t.ym_nm) - tw
        tymax = np.maximum(np.maximum(t.y1_nm, t.y2_nm), t.ym_nm) + tw
        trk_sel = np.flatnonzero((t.layer == layer) & _in_box(txmin, tymin, txmax, tymax, box))

        pad_cores, pad_r = cores.get(PAD, pad_sel)
        via_cores, _ = cores.get(VIA, via_sel)
        trk_cores, trk_r = cores.get(TRACK, trk_sel)
        n_p, n_v = len(pad_sel), len(via_sel)
        self.kind = np.concatenate([np.full(n_p, PAD), np.full(n_v, VIA),
                                    np.full(len(trk_sel), TRACK)]).astype(np.int8)
        self.index = np.concatenate([pad_sel, via_sel, trk_sel]).astype(np.int64)
        self.net = np.concatenate([p.net[pad_sel], v.net[via_sel], t.net[trk_sel]]).astype(np.int32)
        self.radius_nm = np.concatenate([pad_r, vr[via_sel], trk_r]).astype(float)
        self.hole_only = np.zeros(len(self.kind), dtype=bool)
        self.hole_only[n_p:n_p + n_v] = ~flashed[via_sel]
        self.uuid = tuple([p.uuid[i] for i in pad_sel] + [v.uuid[i] for i in via_sel]
                          + [t.uuid[i] for i in trk_sel])
        self._cores = np.concatenate([pad_cores, via_cores, trk_cores]) if len(self.kind) \
            else np.empty(0, dtype=object)
        self._tree = shapely.STRtree(self._cores)
        self._pairs: dict = {}

    def __len__(self) -> int:
        """Number of copper items on the layer."""
        return len(self.kind)

    @_quiet_collector
    def pairs_within(self, max_gap_nm: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every unordered item pair (a < b) whose edge-to-edge gap is at most max_gap [nm].

        Returns (a, b, gap_nm); a gap is negative where the copper overlaps (depth of overlap,
        bounded by the radii). One bulk query on the tree, then distances on the pairs; the
        answer is kept, so stages asking the same question of one layer share it (read-only
        arrays).
        """
        key = float(max_gap_nm)
        if key in self._pairs:
            return self._pairs[key]
        if len(self) == 0:
            return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0)
        reach = max_gap_nm + self.radius_nm + self.radius_nm.max()
        a, b = _within(self._tree, self._cores, self._cores, reach, upper=True)
        gap = self.gaps(a, b)
        keep = gap <= max_gap_nm
        out = (a[keep], b[keep], gap[keep])
        for arr in out:
            arr.flags.writeable = False
        self._pairs[key] = out
        return out

    @_quiet_collector
    def gaps(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Edge-to-edge gap [nm] of item pairs (negative where they overlap)."""
        if len(a) == 0:
            return np.empty(0)
        d = shapely.distance(self._cores[a], self._cores[b])
        return d - self.radius_nm[a] - self.radius_nm[b]

    @_quiet_collector
    def gap_points(self, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(x_nm, y_nm): the middle of the narrowest gap between each item pair's copper."""
        if len(a) == 0:
            return np.empty(0), np.empty(0)
        lines = shapely.shortest_line(self._cores[a], self._cores[b])
        xy = shapely.get_coordinates(lines).reshape(-1, 2, 2)
        pa, pb = xy[:, 0], xy[:, 1]
        d = np.hypot(*(pb - pa).T)
        u = np.divide(pb - pa, d[:, None], out=np.zeros_like(pa), where=d[:, None] > 0)
        ea = pa + u * self.radius_nm[a][:, None]
        eb = pb - u * self.radius_nm[b][:, None]
        mid = np.where(d[:, None] > 0, (ea + eb) / 2.0, pa)
        return mid[:, 0], mid[:, 1]

    @_quiet_collector
    def crossing(self, probes_nm: np.ndarray, kind: int = TRACK) -> tuple[np.ndarray, np.ndarray]:
        """(probe, item): items of ``kind`` whose core crosses each probe segment.

        ``probes_nm`` is (n, 4) as x1, y1, x2, y2. A track crosses a channel probe when its centre
        line does; one bulk ``intersects`` query.
        """
        if len(probes_nm) == 0 or not (self.kind == kind).any():
            return np.empty(0, np.int64), np.empty(0, np.int64)
        segs = shapely.linestrings(np.asarray(probes_nm, dtype=float).reshape(-1, 2, 2))
        probe, item = self._tree.query(segs, predicate="intersects")
        keep = self.kind[item] == kind
        return probe[keep], item[keep]


@_quiet_collector
def nearest(targets_xy: np.ndarray, points_xy: np.ndarray):
    """For each point, the index of the nearest target and the distance to it [nm].

    One STRtree over the targets, one bulk nearest query: no loop over points.
    """
    if len(targets_xy) == 0 or len(points_xy) == 0:
        return np.zeros(len(points_xy), np.int64), np.full(len(points_xy), np.inf)
    tree = shapely.STRtree(shapely.points(np.asarray(targets_xy, dtype=float)))
    (src, dst), dist = tree.query_nearest(shapely.points(np.asarray(points_xy, dtype=float)),
                                          return_distance=True, all_matches=False)
    index = np.zeros(len(points_xy), np.int64)
    out = np.full(len(points_xy), np.inf)
    index[src], out[src] = dst, dist
    return index, out


@_quiet_collector
def point_pairs_within(points_xy: np.ndarray, distance_nm: float):
    """Index pairs (i < j) of points at most ``distance_nm`` apart: one bulk STRtree query."""
    if len(points_xy) < 2:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    pts = shapely.points(np.asarray(points_xy, dtype=float))
    i, j = _within(shapely.STRtree(pts), pts, pts, float(distance_nm), upper=True)
    return i.astype(np.int64), j.astype(np.int64)


@_quiet_collector
def neighbours_within(targets_xy: np.ndarray, points_xy: np.ndarray, distance_nm: float):
    """(point, target) index pairs with the target at most ``distance_nm`` from the point.

    One STRtree over the targets, one bulk ``dwithin`` query; pairs sorted by point.
    """
    if len(targets_xy) == 0 or len(points_xy) == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    tree = shapely.STRtree(shapely.points(np.asarray(targets_xy, dtype=float)))
    p, t = tree.query(shapely.points(np.asarray(points_xy, dtype=float)), predicate="dwithin",
                      distance=float(distance_nm))
    order = np.lexsort((t, p))
    return p[order].astype(np.int64), t[order].astype(np.int64)


def union_outline(rings: list) -> list | None:
    """Outer boundary of the largest part of the union of integer rings, as (x, y) nm tuples.

    Corners are rounded to the nanometre and repeated points dropped; None when the union holds
    no polygon. The board-file reader's last resort for custom pads whose pieces do not chain
    into rings (Shapely lives in this module only).
    """
    parts = shapely.union_all([shapely.make_valid(shapely.Polygon(r)) for r in rings])
    polys = [g for g in getattr(parts, "geoms", [parts]) if isinstance(g, shapely.Polygon)]
    if not polys:
        return None
    coords = np.rint(np.asarray(max(polys, key=lambda g: g.area).exterior.coords)[:-1])
    out: list = []
    for x, y in coords.astype(np.int64).tolist():
        if not out or out[-1] != (x, y):
            out.append((x, y))
    if len(out) > 1 and out[0] == out[-1]:
        out.pop()
    return out
