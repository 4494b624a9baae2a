"""Outline of the union of a few small polygons (a custom pad's anchor and primitives).

Edges of every ring are split where they cross edges of the others; the pieces that lie inside
another ring, or on a shared edge run the other way, are dropped; the rest are chained into
rings and the largest is the outline. Meant for the handful of rings of one pad, not for zones:
beyond that, or where the pieces do not chain into closed rings (crossings rounded apart by a
nanometre), Shapely's union gives the outline.
"""
from __future__ import annotations

import functools

import numpy as np

from .kimath import area2

__all__ = ["union_outline", "MAX_UNION_EDGES"]

MAX_UNION_EDGES = 4000
_MAX_COORD = 50_000_000
"""Pad-local corners beyond 50 mm: the largest ring stands for the union (products of
coordinates stay exact in doubles below this)."""


def _inside_any(rings: list, owner: np.ndarray, mx: np.ndarray, my: np.ndarray) -> np.ndarray:
    """Per midpoint: strictly inside a ring other than its own.

    A point within half a nanometre of an edge counts as on it, not inside.
    """
    hit = np.zeros(len(mx), dtype=bool)
    for rj, ring in enumerate(rings):
        sel = np.flatnonzero((owner != rj) & ~hit)
        if not len(sel):
            continue
        r = np.asarray(ring, dtype=np.float64)
        x1, y1 = r[:, 0][None, :], r[:, 1][None, :]
        x2, y2 = np.roll(r[:, 0], -1)[None, :], np.roll(r[:, 1], -1)[None, :]
        x, y = mx[sel][:, None], my[sel][:, None]
        cross = (x2 - x1) * (y - y1) - (y2 - y1) * (x - x1)
        length2 = (x2 - x1) ** 2 + (y2 - y1) ** 2
        on = ((length2 > 0) & (cross * cross <= 0.25 * length2)
              & (np.minimum(x1, x2) - 0.5 <= x) & (x <= np.maximum(x1, x2) + 0.5)
              & (np.minimum(y1, y2) - 0.5 <= y) & (y <= np.maximum(y1, y2) + 0.5)).any(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            crosses = ((y1 > y) != (y2 > y)) & (x < x1 + (x2 - x1) * (y - y1) / (y2 - y1))
        hit[sel] = ~on & (crosses.sum(axis=1) % 2 == 1)
    return hit


def _split_params(ax, ay, bx, by, ring) -> list:
    """Per edge, the sorted parameters (0 and 1 included) where edges of other rings meet it."""
    n = len(ax)
    found: list = [[] for _ in range(n)]
    for lo in range(0, n, 256):
        hi = min(n, lo + 256)
        rx, ry = (bx[lo:hi] - ax[lo:hi])[:, None], (by[lo:hi] - ay[lo:hi])[:, None]
        sx, sy = (bx - ax)[None, :], (by - ay)[None, :]
        qpx, qpy = ax[None, :] - ax[lo:hi, None], ay[None, :] - ay[lo:hi, None]
        other = ring[lo:hi, None] != ring[None, :]
        den = rx * sy - ry * sx
        with np.errstate(divide="ignore", invalid="ignore"):
            t = (qpx * sy - qpy * sx) / den
            u = (qpx * ry - qpy * rx) / den
        ok = other & (den != 0) & (t > 0) & (t < 1) & (u >= 0) & (u <= 1)
        for a, b in zip(*np.nonzero(ok)):
            found[lo + a].append(float(t[a, b]))
        # collinear overlaps: the other edge's ends that fall inside this one
        rr = rx * rx + ry * ry
        line = other & (den == 0) & (qpx * ry - qpy * rx == 0) & (rr != 0)
        for a, b in zip(*np.nonzero(line)):
            e = lo + a
            for px, py in ((ax[b], ay[b]), (bx[b], by[b])):
                tt = ((int(px) - int(ax[e])) * int(rx[a, 0]) + (int(py) - int(ay[e]))
                      * int(ry[a, 0])) / int(rr[a, 0])
                if 0 < tt < 1:
                    found[e].append(tt)
    return [sorted({0.0, 1.0, *ts}) for ts in found]


def union_outline(rings: list) -> list | None:
    """Outer boundary of the union of simple rings (nm corners), the largest outline of it.

    None without a ring of positive area. Footprints repeat their pads: a union already made
    for the same rings is reused.
    """
    key = tuple(tuple(map(tuple, r)) for r in rings)
    out = _union_cached(key)
    return None if out is None else list(out)


@functools.lru_cache(maxsize=4096)
def _union_cached(key: tuple) -> list | None:
    out = _union(list(key))
    return None if out is None else tuple(tuple(p) for p in out)


def _union(rings: list) -> list | None:
    """The work of ``union_outline``.

    Above ``MAX_UNION_EDGES`` edges (Mounting_Wuerth's paste windows of stroked arcs) or
    far-off corners, Shapely's union, to bound the quadratic edge split.
    """
    rings = [list(r) for r in rings if len(r) >= 3 and area2(r) != 0]
    if not rings:
        return None
    rings = [r if area2(r) > 0 else r[::-1] for r in rings]
    if len(rings) == 1:
        return rings[0]
    if sum(map(len, rings)) > MAX_UNION_EDGES:
        return _shapely_union(rings)
    if max(abs(v) for ring in rings for pt in ring for v in pt) > _MAX_COORD:
        return _shapely_union(rings)
    edges = [(ri, ring[i], ring[(i + 1) % len(ring)])
             for ri, ring in enumerate(rings) for i in range(len(ring))]
    ax = np.asarray([a[0] for _, a, _ in edges], dtype=np.int64)
    ay = np.asarray([a[1] for _, a, _ in edges], dtype=np.int64)
    bx = np.asarray([b[0] for _, _, b in edges], dtype=np.int64)
    by = np.asarray([b[1] for _, _, b in edges], dtype=np.int64)
    params = _split_params(ax, ay, bx, by, np.asarray([e[0] for e in edges], dtype=np.int64))
    pieces = []
    for (ri, a, b), ts in zip(edges, params):
        pts = [(round(a[0] + (b[0] - a[0]) * t), round(a[1] + (b[1] - a[1]) * t)) for t in ts]
        for p, q in zip(pts, pts[1:]):
            if p != q:
                pieces.append((ri, p, q))
    inside = _inside_any(rings, np.asarray([ri for ri, _, _ in pieces], dtype=np.int64),
                         np.asarray([(p[0] + q[0]) / 2.0 for _, p, q in pieces]),
                         np.asarray([(p[1] + q[1]) / 2.0 for _, p, q in pieces]))
    owners: dict = {}
    for ri, p, q in pieces:
        owners.setdefault((p, q), set()).add(ri)
    keep = []
    taken = set()
    for (ri, p, q), within in zip(pieces, inside.tolist()):
        if (p, q) in taken:
            continue
        if any(rj != ri for rj in owners.get((q, p), ())):
            continue  # a seam between two rings, filled on both sides
        if within:
            continue
        keep.append((p, q))
        taken.add((p, q))
    nxt = {}
    for p, q in keep:
        nxt.setdefault(p, []).append(q)
    out_rings = []
    used = set()
    for p, q in keep:
        if (p, q) in used:
            continue
        ring = [p]
        cur, to = p, q
        while (cur, to) not in used:
            used.add((cur, to))
            ring.append(to)
            cands = [c for c in nxt.get(to, ()) if (to, c) not in used]
            if not cands:
                break
            cur, to = to, cands[0]
        if ring[-1] != ring[0]:
            return _shapely_union(rings)  # a piece left dangling: the split went wrong
        if len(ring) > 3:
            out_rings.append(ring[:-1])
    if not out_rings:
        return _shapely_union(rings)
    return max(out_rings, key=lambda r: abs(area2(r)))


def _shapely_union(rings: list) -> list | None:
    """The outer boundary of the largest part of the union (``core.geometry.union_outline``)."""
    from ..core.geometry import union_outline

    out = union_outline(rings)
    if out is None or len(out) < 3 or area2(out) == 0:
        return max(rings, key=area2)
    return out if area2(out) > 0 else out[::-1]
