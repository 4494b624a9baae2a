"""Via table, with the copper pads a via keeps on each layer (its flash mask).

A via whose unused pads are removed keeps a pad on a layer when KiCad's connectivity finds an
item of its net there. KiCad connects two items when their shapes collide on a copper layer they
share (a via counts as its bare hole on the layers where it may drop its pad), and then keeps
the via's pad on every layer the connected item spans. That is reproduced here with KiCad's
integer collision rules (SEG::NearestPoint with rounding, strict ``<`` against the summed radii,
a distance of 0 always colliding). Candidate pairs of the same net are found for all vias at once
by a grid join; a via-track pair is decided in doubles unless it lies within a few nanometres
of the threshold, where the exact integer test decides.
"""
from __future__ import annotations

import math

import numpy as np

from ..core.model import ViaTable
from .pads import PTH
from .sexpr import SexprError, kiids
from .shapes import pad_hits_circle, pad_reach

__all__ = ["via_table", "nearest_on_segment", "circle_hits_segment"]

_CELL = 1_000_000     # 1 mm grid for the candidate join
_SPAN = 1 << 13
_BIG_CELLS = 4096     # boxes above 64 x 64 mm are matched one by one
_MAX_PAIRS = 50_000_000


def _rescale64(a: int, b: int, c: int) -> int:
    """KiCad's int64 rescale: a * b / c rounded half away from zero (exact)."""
    num = a * b
    half = abs(c) // 2
    q = (abs(num) + half) // abs(c)
    return q if (num < 0) == (c < 0) else -q


def nearest_on_segment(ax: int, ay: int, bx: int, by: int, px: int, py: int) -> tuple[int, int]:
    """SEG::NearestPoint."""
    dx, dy = bx - ax, by - ay
    l2 = dx * dx + dy * dy
    if l2 == 0:
        return ax, ay
    t = dx * (px - ax) + dy * (py - ay)
    if t < 0:
        return ax, ay
    if t > l2:
        return bx, by
    return ax + _rescale64(t, dx, l2), ay + _rescale64(t, dy, l2)


def circle_hits_segment(cx, cy, r, ax, ay, bx, by, width) -> bool:
    """SHAPE_CIRCLE vs SHAPE_SEGMENT (KiCad: clearance = width / 2, integer division)."""
    nx, ny = nearest_on_segment(ax, ay, bx, by, cx, cy)
    d2 = (nx - cx) ** 2 + (ny - cy) ** 2
    reach = r + width // 2
    return d2 == 0 or d2 < reach * reach


def _circle_hits_arc(cx, cy, r, sx, sy, mx, my, ex, ey, width) -> bool:
    """A track arc against a circle: distance to the arc's centre line below r + w/2."""
    reach = r + width / 2
    if math.hypot(sx - cx, sy - cy) < reach or math.hypot(ex - cx, ey - cy) < reach:
        return True
    ax, ay, bx, by = float(sx), float(sy), float(ex), float(ey)
    d = 2 * (ax * (my - by) + mx * (by - ay) + bx * (ay - my))
    if d == 0:
        nx, ny = nearest_on_segment(sx, sy, ex, ey, cx, cy)
        return math.hypot(nx - cx, ny - cy) < reach
    ux = ((ax * ax + ay * ay) * (my - by) + (mx * mx + my * my) * (by - ay)
          + (bx * bx + by * by) * (ay - my)) / d
    uy = ((ax * ax + ay * ay) * (bx - mx) + (mx * mx + my * my) * (ax - bx)
          + (bx * bx + by * by) * (mx - ax)) / d
    rad = math.hypot(ax - ux, ay - uy)
    tau = 2 * math.pi
    a0, am, a1, ac = (math.atan2(p[1] - uy, p[0] - ux) for p in ((ax, ay), (mx, my), (bx, by),
                                                                  (cx, cy)))
    if (am - a0) % tau <= (a1 - a0) % tau:
        on_arc = (ac - a0) % tau <= (a1 - a0) % tau
    else:
        on_arc = (ac - a1) % tau <= (a0 - a1) % tau
    return on_arc and abs(math.hypot(cx - ux, cy - uy) - rad) < reach


def _via_width(v, layer: str) -> int:
    sizes = v.layer_sizes
    mode = sizes.get("mode", "normal")
    if mode == "front_inner_back":
        return sizes.get(layer if layer in ("F.Cu", "B.Cu") else "Inner", v.size)
    if mode == "custom":
        return sizes.get(layer, v.size)
    return v.size


class _Vias:
    """Column view of the vias: layer span, widths and which layers may drop their pad."""

    def __init__(self, vias, ctx):
        names = ctx.layers.stack_names
        n = len(names)
        self.recs = [rec for _, rec in vias]
        self.names = names
        lo, hi, top = [], [], []
        for r in self.recs:
            t, b = ("F.Cu", "B.Cu") if r.via_type == "through" else (r.top, r.bottom)
            a, c = ctx.layers.stack_index.get(t, 0), ctx.layers.stack_index.get(b, n - 1)
            if a > c:
                a, c, t = c, a, b
            lo.append(a)
            hi.append(c)
            top.append(t)
        self.lo = np.asarray(lo, dtype=np.int64)
        self.hi = np.asarray(hi, dtype=np.int64)
        self.top = top
        self.x = np.asarray([r.x for r in self.recs], dtype=np.int64)
        self.y = np.asarray([r.y for r in self.recs], dtype=np.int64)
        self.net = np.asarray([r.net for r in self.recs], dtype=np.int64)
        self.drill = np.asarray([r.drill for r in self.recs], dtype=np.int64)
        self.size = np.asarray([r.size for r in self.recs], dtype=np.int64)
        self.plain = np.asarray([not r.layer_sizes for r in self.recs], dtype=bool)
        self.mode = [r.mode for r in self.recs]
        self.reach = np.asarray([max(_via_width(r, nm) for nm in names + ["Inner"]) // 2 + 1
                                 if r.layer_sizes else r.size // 2 + 1 for r in self.recs],
                                dtype=np.int64)
        self.reach = np.maximum(self.reach, self.drill // 2 + 1)

    def conditional(self, i: int, k: int) -> bool:
        """ConditionallyFlashed: via ``i`` may drop its pad on stack layer k."""
        mode = self.mode[i]
        if mode in ("keep_all", "start_end_only"):
            return False
        return not (mode == "remove_except_ends" and k in (self.lo[i], self.hi[i]))

    def radius(self, i: int, k: int) -> int:
        r = self.recs[i]
        return int(r.drill // 2) if self.conditional(i, k) else _via_width(r, self.names[k]) // 2


def _cells(x0, y0, x1, y1):
    """(item index, cell key) for every 1 mm cell an item's box covers."""
    ix0, iy0, ix1, iy1 = x0 // _CELL, y0 // _CELL, x1 // _CELL, y1 // _CELL
    nx, ny = ix1 - ix0 + 1, iy1 - iy0 + 1
    count = nx * ny
    item = np.repeat(np.arange(len(x0)), count)
    k = np.arange(len(item)) - np.repeat(np.cumsum(count) - count, count)
    return item, ix0[item] + k % nx[item], iy0[item] + k // nx[item]


def _key(net, cx, cy):
    return (net * _SPAN + (cx + _SPAN // 2)) * _SPAN + (cy + _SPAN // 2)


def _pairs(qnet, qx, qy, net, x0, y0, x1, y1):
    """(query, item) index pairs of the same net where the query point lies in the item box.

    Boxes are binned in a 1 mm grid; the few boxes larger than ``_BIG_CELLS`` cells (long
    diagonal tracks, hostile sizes) are matched against every query of their net instead.
    """
    if not len(qnet) or not len(net):
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    cells = (x1 // _CELL - x0 // _CELL + 1) * (y1 // _CELL - y0 // _CELL + 1)
    big = np.flatnonzero(cells > _BIG_CELLS)
    small = np.flatnonzero(cells <= _BIG_CELLS)
    if len(big) * len(qnet) > _MAX_PAIRS * 10:
        raise SexprError(f"{len(big)} items larger than {_BIG_CELLS} mm2: too large to join")
    qs, its = [], []
    for j in big.tolist():
        hit = np.flatnonzero((qnet == net[j]) & (qx >= x0[j]) & (qx <= x1[j]) & (qy >= y0[j])
                             & (qy <= y1[j]))
        qs.append(hit)
        its.append(np.full(len(hit), j, dtype=np.int64))
    if len(small):
        item, cx, cy = _cells(x0[small], y0[small], x1[small], y1[small])
        item = small[item]
        keys = _key(net[item], cx, cy)
        order = np.argsort(keys, kind="stable")
        keys, item = keys[order], item[order]
        qkey = _key(qnet, qx // _CELL, qy // _CELL)
        a = np.searchsorted(keys, qkey, side="left")
        b = np.searchsorted(keys, qkey, side="right")
        count = b - a
        if int(count.sum()) > _MAX_PAIRS:
            raise SexprError("too many items stacked on one another to join (more than "
                             f"{_MAX_PAIRS} candidate pairs)")
        q = np.repeat(np.arange(len(qnet)), count)
        off = np.arange(len(q)) - np.repeat(np.cumsum(count) - count, count)
        it = item[a[q] + off]
        inside = (qx[q] >= x0[it]) & (qx[q] <= x1[it]) & (qy[q] >= y0[it]) & (qy[q] <= y1[it])
        qs.append(q[inside])
        its.append(it[inside])
    if not qs:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    q, it = np.concatenate(qs).astype(np.int64), np.concatenate(its).astype(np.int64)
    if len(big):  # the grid's order: by query, then item
        order = np.lexsort((it, q))
        q, it = q[order], it[order]
    return q, it


def _track_hits(v: _Vias, vi, t: dict, ti):
    """Layer bits each (via, track) pair adds; decided in doubles, exactly near the threshold."""
    k = t["layer"][ti].astype(np.int64)
    on = (k >= v.lo[vi]) & (k <= v.hi[vi])
    vi, ti, k = vi[on], ti[on], k[on]
    if not len(vi):
        return vi, k
    conditional = np.ones(len(vi), dtype=bool)
    for j in range(len(vi)):
        conditional[j] = v.conditional(int(vi[j]), int(k[j]))
    rad = np.where(conditional, v.drill[vi] // 2, v.size[vi] // 2)
    plain = v.plain[vi]
    for j in np.flatnonzero(~plain):
        rad[j] = v.radius(int(vi[j]), int(k[j]))
    ax, ay = t["x1_nm"][ti].astype(float), t["y1_nm"][ti].astype(float)
    bx, by = t["x2_nm"][ti].astype(float), t["y2_nm"][ti].astype(float)
    px, py = v.x[vi].astype(float), v.y[vi].astype(float)
    dx, dy = bx - ax, by - ay
    l2 = dx * dx + dy * dy
    with np.errstate(invalid="ignore", divide="ignore"):
        s = np.clip(np.where(l2 > 0, ((px - ax) * dx + (py - ay) * dy) / l2, 0.0), 0.0, 1.0)
    d2 = (ax + s * dx - px) ** 2 + (ay + s * dy - py) ** 2
    reach = (rad + t["width_nm"][ti] // 2).astype(float)
    hit = d2 < reach * reach
    unsure = (np.abs(np.sqrt(d2) - reach) < 4.0) | t["is_arc"][ti]
    for j in np.flatnonzero(unsure):
        i, ii = int(vi[j]), int(ti[j])
        args = (int(v.x[i]), int(v.y[i]), int(rad[j]))
        if t["is_arc"][ii]:
            hit[j] = _circle_hits_arc(*args, int(t["x1_nm"][ii]), int(t["y1_nm"][ii]),
                                      int(t["xm_nm"][ii]), int(t["ym_nm"][ii]),
                                      int(t["x2_nm"][ii]), int(t["y2_nm"][ii]),
                                      int(t["width_nm"][ii]))
        else:
            hit[j] = circle_hits_segment(*args, int(t["x1_nm"][ii]), int(t["y1_nm"][ii]),
                                         int(t["x2_nm"][ii]), int(t["y2_nm"][ii]),
                                         int(t["width_nm"][ii]))
    return vi[hit], k[hit]


def _base_masks(v: _Vias) -> tuple[np.ndarray, np.ndarray]:
    """(span, pads kept whatever the connectivity) per via.

    Every layer when nothing is removed, the ends when only those are kept, else the layers
    zones are forced to join and, when asked, the end layers.
    """
    names = v.names
    span = ((np.int64(1) << (v.hi + 1)) - (np.int64(1) << v.lo)).astype(np.int64)
    base = np.zeros(len(v.recs), dtype=np.int64)
    bit = {name: 1 << k for k, name in enumerate(names)}
    for i, r in enumerate(v.recs):
        if r.mode == "keep_all":
            base[i] = span[i]
        elif r.mode == "start_end_only":
            base[i] = (1 << int(v.lo[i])) | (1 << int(v.hi[i]))
        else:
            m = sum(bit.get(name, 0) for name in (r.forced or ())) & int(span[i])
            if r.mode == "remove_except_ends":
                m |= (1 << int(v.lo[i])) | (1 << int(v.hi[i]))
            base[i] = m
    return span, base


def _connected(v: _Vias, todo: np.ndarray, tracks: dict, footprints, ctx) -> np.ndarray:
    """Per via, the union of the stack ranges of the items connected to it.

    Tracks, vias and pads count; only the vias in ``todo`` are computed (0 elsewhere).
    """
    names = v.names
    conn = np.zeros(len(v.recs), dtype=np.int64)
    if not len(todo):
        return conn
    full = (1 << len(names)) - 1
    qx, qy, qnet = v.x[todo], v.y[todo], v.net[todo]
    t = tracks
    if len(t["net"]):
        grow = int(v.reach.max()) + t["width_nm"] // 2 + 1
        xs = np.stack([t["x1_nm"], t["x2_nm"], t["xm_nm"]])
        ys = np.stack([t["y1_nm"], t["y2_nm"], t["ym_nm"]])
        q, it = _pairs(qnet, qx, qy, t["net"].astype(np.int64), xs.min(0) - grow,
                       ys.min(0) - grow, xs.max(0) + grow, ys.max(0) + grow)
        vi, k = _track_hits(v, todo[q], t, it)
        np.bitwise_or.at(conn, vi, np.int64(1) << k)
    span = ((np.int64(1) << (v.hi + 1)) - (np.int64(1) << v.lo)).astype(np.int64)
    grow = v.reach + int(v.reach.max())
    q, o = _pairs(qnet, qx, qy, v.net, v.x - grow, v.y - grow, v.x + grow, v.y + grow)
    for a, b in zip(todo[q].tolist(), o.tolist()):
        if a == b or v.hi[b] < v.lo[a] or v.lo[b] > v.hi[a]:
            continue
        d2 = int(v.x[b] - v.x[a]) ** 2 + int(v.y[b] - v.y[a]) ** 2
        for k in range(max(int(v.lo[a]), int(v.lo[b])), min(int(v.hi[a]), int(v.hi[b])) + 1):
            reach = v.radius(a, k) + v.radius(b, k)
            if d2 == 0 or d2 < reach * reach:
                conn[a] |= int(span[b])
                break
    pads = [(p, fp) for fp in footprints for p in fp.pads]
    if pads:
        px = np.asarray([p.x for p, _ in pads], dtype=np.int64)
        py = np.asarray([p.y for p, _ in pads], dtype=np.int64)
        pr = np.asarray([pad_reach(p) for p, _ in pads], dtype=np.int64) + int(v.reach.max())
        pn = np.asarray([p.net for p, _ in pads], dtype=np.int64)
        q, pi = _pairs(qnet, qx, qy, pn, px - pr, py - pr, px + pr, py + pr)
        pad_layers: dict[int, tuple] = {}  # pad -> (its range, its stack layers), made once
        lo, hi = v.lo.tolist(), v.hi.tolist()
        for a, j in zip(todo[q].tolist(), pi.tolist()):
            p = pads[j][0]
            if j not in pad_layers:
                rng = _pad_range(p, names)
                pad_layers[j] = (rng, [k for k, name in enumerate(names) if name in p.layers])
            rng, on = pad_layers[j]
            if rng is None:
                continue
            for k in on:  # the stack layers of the via's span that the pad is on, in order
                if lo[a] <= k <= hi[a] and pad_hits_circle(p, names[k], int(v.x[a]),
                                                            int(v.y[a]), v.radius(a, k), k, ctx):
                    conn[a] |= ((1 << (rng[1] + 1)) - (1 << rng[0])) & full
                    break
    return conn


def _zone_layers(v: _Vias, conn: np.ndarray, zones, ctx) -> np.ndarray:
    """Per via, the stack layers where it joins a filled zone of its net.

    On F.Cu and B.Cu when the fill holds the via centre; on inner layers when KiCad's
    connectivity joins the via to anything of its net there (tracks, vias, pads, or a fill
    island it reaches).
    """
    from .zones import points_inside_fill

    names = v.names
    out = np.zeros(len(v.recs), dtype=np.int64)
    fills: dict[tuple[int, int], list] = {}
    for z in zones:
        if z.rule_area or z.net <= 0 or not z.filled:
            continue
        for name in z.layers:
            if name in ctx.layers.stack_index:
                fills.setdefault((z.net, ctx.layers.stack_index[name]), []).extend(
                    (ring, z.grow) for ring in z.fills.get(name, ()))
    if not fills:
        return out
    last = len(names) - 1
    for (net, k), rings in fills.items():
        idx = np.flatnonzero((v.net == net) & (v.lo <= k) & (v.hi >= k))
        if not len(idx):
            continue
        if k in (0, last):
            hit = np.zeros(len(idx), dtype=bool)
            for ring, grow in rings:
                rest = np.flatnonzero(~hit)
                if len(rest):
                    hit[rest] = points_inside_fill(v.x[idx[rest]], v.y[idx[rest]], [ring], grow)
        else:
            hit = ((conn[idx] >> k) & 1).astype(bool)
            rest = idx[~hit]
            if len(rest) and rings:
                hit[~hit] = _islands_join(v, rest, k, rings)
        out[idx[hit]] |= np.int64(1) << k
    return out


def _islands_join(v: _Vias, idx: np.ndarray, k: int, rings: list) -> np.ndarray:
    """Vias joined to a fill island on inner layer k.

    A via joins when its zone-layer list does not bar it, the island holds its centre or
    reaches its pad (the always-flashed circle), and the island reaches beyond the pad.
    """
    from .zones import points_inside_fill

    name = v.names[k]
    ok = np.asarray([not (v.conditional(int(i), k) and v.recs[int(i)].forced is not None
                          and name not in v.recs[int(i)].forced) for i in idx], dtype=bool)
    r = np.asarray([_via_width(v.recs[int(i)], name) // 2 for i in idx], dtype=np.float64)
    joined = np.zeros(len(idx), dtype=bool)
    cx, cy = v.x[idx], v.y[idx]
    for ring, grow in rings:
        if len(ring) < 3:
            continue
        lo, hi = ring.min(0) - grow, ring.max(0) + grow
        near = ok & ~joined & (cx + r >= lo[0]) & (cx - r <= hi[0]) & (cy + r >= lo[1]) & \
            (cy - r <= hi[1])
        cand = np.flatnonzero(near)
        if not len(cand):
            continue
        inside = points_inside_fill(cx[cand], cy[cand], [ring], grow)
        reach = inside.copy()
        out = cand[~inside]
        if len(out):
            reach[~inside] = _circles_reach_ring(cx[out], cy[out], r[out] + grow, ring)
        for j in np.flatnonzero(reach):
            c = cand[j]
            rad = r[c] - grow
            if lo[0] + grow < cx[c] - rad or hi[0] - grow > cx[c] + rad or \
                    lo[1] + grow < cy[c] - rad or hi[1] - grow > cy[c] + rad:
                joined[c] = True  # the island's box already leaves the pad's box
                continue
            d2 = (ring[:, 0] - cx[c]).astype(float) ** 2 + (ring[:, 1] - cy[c]).astype(float) ** 2
            if ((d2 >= rad * rad) & (d2 != 0)).any():
                joined[c] = True
    return joined


def _pad_range(p, names):
    """The stack range KiCad's connectivity gives a pad.

    All layers for a plated hole, else its first copper layer.
    """
    on = [k for k, name in enumerate(names) if name in p.layers]
    if not on:
        return None
    return (0, len(names) - 1) if p.attrib == PTH else (on[0], on[0])


def _circles_reach_ring(cx, cy, rad, ring) -> np.ndarray:
    """Circles (centre, radius) that an edge of ``ring`` passes closer than the radius to."""
    ax, ay = ring[:, 0], ring[:, 1]
    bx, by = np.roll(ax, -1), np.roll(ay, -1)
    grow = int(np.ceil(rad.max())) + 1
    q, e = _pairs(np.zeros(len(cx), dtype=np.int64), cx, cy, np.zeros(len(ax), dtype=np.int64),
                  np.minimum(ax, bx) - grow, np.minimum(ay, by) - grow,
                  np.maximum(ax, bx) + grow, np.maximum(ay, by) + grow)
    hit = np.zeros(len(cx), dtype=bool)
    if not len(q):
        return hit
    x0, y0 = ax[e].astype(float), ay[e].astype(float)
    dx, dy = bx[e] - x0, by[e] - y0
    px, py = cx[q].astype(float), cy[q].astype(float)
    l2 = dx * dx + dy * dy
    with np.errstate(invalid="ignore", divide="ignore"):
        s = np.clip(np.where(l2 > 0, ((px - x0) * dx + (py - y0) * dy) / l2, 0.0), 0.0, 1.0)
    d2 = (x0 + s * dx - px) ** 2 + (y0 + s * dy - py) ** 2
    close = d2 < rad[q] * rad[q]
    hit[q[close]] = True
    return hit


def via_table(vias, tracks: dict, footprints, ctx, zones=()) -> ViaTable:
    """ViaTable in file order; ``vias`` are (offset, ViaRecord) pairs."""
    v = _Vias(vias, ctx)
    s = ctx.setup
    recs = v.recs
    if recs:
        span, base = _base_masks(v)
        todo = base != span
        if zones:
            last = len(v.names) - 1
            inner = {(z.net, ctx.layers.stack_index[n]) for z in zones
                     if z.filled and not z.rule_area and z.net > 0 for n in z.layers
                     if n in ctx.layers.stack_index and ctx.layers.stack_index[n] not in (0, last)}
            for i in range(len(recs)):
                if not todo[i] and any((int(v.net[i]), k) in inner
                                       for k in range(int(v.lo[i]), int(v.hi[i]) + 1)):
                    todo[i] = True
        conn = _connected(v, np.flatnonzero(todo), tracks, footprints, ctx)
        flash = np.where(base != span, (base | conn) & span, base)
        zone_layers = _zone_layers(v, conn, zones, ctx)
    else:
        flash = zone_layers = np.zeros(0, dtype=np.int64)
    width = [_via_width(r, top) for r, top in zip(recs, v.top)]
    return ViaTable(
        uuid=kiids(r.uuid for r in recs), net=v.net.astype(np.int32),
        x_nm=v.x, y_nm=v.y, d_nm=np.asarray(width, dtype=np.int64), drill_nm=v.drill,
        layer_from=v.lo.astype(np.int16), layer_to=v.hi.astype(np.int16),
        via_type=tuple(r.via_type for r in recs), flash_mask=flash,
        remove_unused=np.asarray([r.mode != "keep_all" for r in recs], dtype=bool),
        tented_front=np.asarray([s.tent_vias_front if r.tent_front is None else r.tent_front
                                 for r in recs], dtype=bool),
        tented_back=np.asarray([s.tent_vias_back if r.tent_back is None else r.tent_back
                                for r in recs], dtype=bool),
        filled=np.asarray([bool(s.fill_vias if r.filled is None else r.filled) for r in recs],
                          dtype=bool),
        capped=np.asarray([bool(s.cap_vias if r.capped is None else r.capped) for r in recs],
                          dtype=bool),
        zone_layers=zone_layers)
