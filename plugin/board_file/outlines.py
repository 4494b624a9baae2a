"""Courtyards, and arcs as KiCad turns them into polylines.

Courtyard (FOOTPRINT::BuildCourtyardCaches): the courtyard shapes of the footprint's side are
chained into closed outlines (ends within 0.02 mm join), arcs and circles become polylines
within 0.005 mm, and the result is shrunk by 0.005 mm (so that touching courtyards do not
overlap). The shrink is done the way KiCad's polygon library does it: every edge moves inwards,
each new corner is where two moved edges cross, computed in doubles from corners rounded to
the nanometre. The outline then starts, as KiCad's does, at the corner after the top-most one
(smallest y, then smallest x), turning positively.

Pad outlines are in ``pad_outlines``; both share the arc and corner helpers here.
"""
from __future__ import annotations

import math

import numpy as np

from .kimath import area2, normalize, rotate, sin_cos
from .sexpr import board_units

__all__ = ["courtyard", "arc_polyline"]

COURTYARD_MAX_ERROR = 5_000
CHAINING_EPSILON = 20_000
MIN_SEGMENTS_360 = 16


_HALF_SQRT = math.sqrt(0.5)


def _kiround(v: float) -> int:
    return int(v + 0.5) if v >= 0 else int(v - 0.5)


def _points(node: list) -> dict:
    """Named points and values of a graphic shape node (fp_line, fp_arc, gr_poly, ...)."""
    out: dict = {}
    for c in node[1:]:
        if not isinstance(c, list):
            continue
        key = c[0]
        if key in ("start", "end", "mid", "center") and len(c) >= 3:
            out[key] = (board_units(c[1]), board_units(c[2]))
        elif key == "pts":
            pts = []
            for p in c[1:]:
                if isinstance(p, list) and p[0] == "xy" and len(p) >= 3:
                    pts.append(("xy", (board_units(p[1]), board_units(p[2]))))
                elif isinstance(p, list) and p[0] == "arc":
                    arc = {q[0]: (board_units(q[1]), board_units(q[2])) for q in p[1:]
                           if isinstance(q, list) and len(q) >= 3}
                    if {"start", "mid", "end"} <= set(arc):
                        pts.append(("arc", (arc["start"], arc["mid"], arc["end"])))
            out["pts"] = pts
        elif key in ("width", "radius") and len(c) >= 2:
            out[key] = board_units(c[1])
        elif key == "stroke":
            for s in c[1:]:
                if isinstance(s, list) and s[0] == "width" and len(s) >= 2:
                    out["width"] = board_units(s[1])
        elif key == "fill" and len(c) >= 2:
            out["fill"] = str(c[1]) in ("yes", "solid")
    return out


# ---------------------------------------------------------------- arcs as polylines

def _div(n: float, d: float) -> float:
    """The quotient as C++ divides doubles: by zero, an infinity or NaN, never an exception."""
    if d:
        return n / d
    if n != n or n == 0:
        return math.nan
    return math.copysign(math.inf, n) * math.copysign(1.0, d)


def _calc_arc_center(s, m, e) -> tuple[int, int]:
    """KiCad's CalcArcCenter, rounded to integer nanometres.

    Doubles throughout, with C++'s division (a zero denominator gives an infinity or NaN that
    then only disables the snapping), then the snap to a round 100 nm or 10 nm value when that
    is within the propagated rounding error.
    """
    sx, sy = float(s[0]), float(s[1])
    mx, my = float(m[0]), float(m[1])
    ex, ey = float(e[0]), float(e[1])
    yd21, xd21 = my - sy, mx - sx
    yd32, xd32 = ey - my, ex - mx
    if (xd21 == 0.0 and yd32 == 0.0) or (yd21 == 0.0 and xd32 == 0.0):
        return _kiround((sx + ex) / 2.0), _kiround((sy + ey) / 2.0)
    eps = 2.220446049250313e-16
    if xd21 == 0.0:
        xd21 = eps
    if xd32 == 0.0:
        xd32 = -eps
    a, b = yd21 / xd21, yd32 / xd32
    da = a * math.hypot(_div(0.5, yd21), 0.5 / xd21)
    db = b * math.hypot(_div(0.5, yd32), 0.5 / xd32)
    if a == b:
        if (sx, sy) == (ex, ey):
            return _kiround((sx + mx) / 2.0), _kiround((sy + my) / 2.0)
        a += eps
        b -= eps
    # A flat slope is moved off zero by 1e-10 (KiCad: epsilon is too small, false results).
    if a == 0.0:
        a = 1e-10
    if b == 0.0:
        b = 1e-10
    ab = a * b * (sy - ey)
    dab = ab * math.sqrt(_sq(da / a) + _sq(db / b) + _sq(_div(_HALF_SQRT, sy - ey)))
    bsm = b * (sx + mx)
    dbsm = bsm * math.sqrt(_sq(db / b) + _sq(_div(_HALF_SQRT, sx + mx)))
    ame = a * (mx + ex)
    dame = ame * math.sqrt(_sq(da / a) + _sq(_div(_HALF_SQRT, mx + ex)))
    twice = 2 * (b - a)
    dtwice = 2 * math.sqrt(db * db + da * da)
    numx = ab + bsm - ame
    dnumx = math.sqrt(dab * dab + dbsm * dbsm + dame * dame)
    cx = _div(numx, twice)
    dcx = cx * math.sqrt(_sq(_div(dnumx, numx)) + _sq(_div(dtwice, twice)))
    numy = (sx + mx) / 2.0 - cx
    dnumy = math.sqrt(1.0 / 8.0 + dcx * dcx)
    first = numy / a
    dfirst = first * math.sqrt(_sq(_div(dnumy, numy)) + _sq(da / a))
    cy = first + (sy + my) / 2.0
    dcy = math.sqrt(dfirst * dfirst + 1.0 / 8.0)
    if math.isfinite(cx) and math.isfinite(cy):
        r100x = math.floor((cx + 50.0) / 100.0) * 100.0
        r100y = math.floor((cy + 50.0) / 100.0) * 100.0
        r10x, r10y = math.floor((cx + 5.0) / 10.0) * 10.0, math.floor((cy + 5.0) / 10.0) * 10.0
        if abs(r100x - cx) < dcx and abs(r100y - cy) < dcy:
            cx, cy = r100x, r100y
        elif abs(r10x - cx) < dcx and abs(r10y - cy) < dcy:
            cx, cy = r10x, r10y
    # The VECTOR2I overload clamps into the int range (KiROUND gives 0 for NaN).
    return _clamp_round(cx), _clamp_round(cy)


def _clamp_round(v: float) -> int:
    if v != v:
        return 0
    return _kiround(min(max(v, -2147483648.0 + 100), 2147483647.0 - 100))


def _sq(v: float) -> float:
    return v * v


def _segment_count(radius: float, max_error: int, arc_deg: float) -> int:
    """GetArcToSegmentCount (the radius is taken as an int, as KiCad passes it)."""
    radius = max(1, int(radius))
    max_error = max(1, max_error)
    cos_half = 1.0 - max_error / radius
    # An error beyond the diameter: KiCad's acos gives NaN and the 45 degree cap stands.
    increment = math.degrees(math.acos(cos_half)) * 2.0 if cos_half >= -1.0 else 45.0
    increment = min(45.0, increment)
    return max(_kiround(abs(arc_deg) / increment), 2)


def _end_segment_delta(radius: float, count: int) -> int:
    """CircleToEndSegmentDeltaRadius."""
    count = max(count, 3)
    return _kiround(abs(int(radius) * (1 - 1 / math.cos(math.pi / count))))


def _vector_angle(dx: int, dy: int) -> float:
    """EDA_ANGLE( VECTOR2I ) in degrees."""
    if dx == 0 and dy == 0:
        return 0.0
    if dy == 0:
        return 0.0 if dx >= 0 else -180.0
    if dx == 0:
        return 90.0 if dy >= 0 else -90.0
    if dx == dy:
        return 45.0 if dx >= 0 else -135.0
    if dx == -dy:
        return -45.0 if dx >= 0 else 135.0
    return math.degrees(math.atan2(dy, dx))


def arc_polyline(start, mid, end, max_error: int, full_circle: bool = False) -> list:
    """SHAPE_ARC::ConvertToPolyline of the arc start-mid-end.

    With ``full_circle``, of the circle of centre ``start`` through ``mid``. First and last
    points are exact, inner points a half error outside the arc.
    """
    if full_circle:
        c = (int(start[0]), int(start[1]))
        p0 = (int(mid[0]), int(mid[1]))
        r = math.hypot(p0[0] - c[0], p0[1] - c[1])
        sa = normalize(_vector_angle(p0[0] - c[0], p0[1] - c[1]))
        ca = 360.0
        last = p0
    else:
        p0, last = (int(start[0]), int(start[1])), (int(end[0]), int(end[1]))
        c = _calc_arc_center(p0, mid, last)
        r = math.hypot(p0[0] - c[0], p0[1] - c[1])
        sa = normalize(_vector_angle(p0[0] - c[0], p0[1] - c[1]))
        if p0 == last:
            ca = 360.0
        else:
            ca = _vector_angle(last[0] - c[0], last[1] - c[1]) - _vector_angle(p0[0] - c[0],
                                                                                 p0[1] - c[1])
            ccw = (last[0] - mid[0]) * (p0[1] - mid[1]) - (last[1] - mid[1]) * (p0[0] - mid[0]) > 0
            if ccw and ca < 0:
                ca += 360.0
            elif not ccw and ca > 0:
                ca -= 360.0
    half = max(1.0, max_error / 2.0)
    chord_mid = (mid[0], mid[1]) if not full_circle else None
    if r < half or (chord_mid is not None and _seg_distance(p0, last, chord_mid) < half):
        n, err = 0, r
    else:
        n = _segment_count(r, max_error, ca)
        err = _end_segment_delta(r, int(n * 360.0 / abs(ca)))
    rr = r + err / 2
    n *= 2
    out = [p0]
    for i in range(1, n, 2):
        s, co = sin_cos(sa + (ca * i) / n)
        out.append((_kiround(c[0] + rr * co), _kiround(c[1] + rr * s)))
    out.append(last)
    return out


def _seg_distance(a, b, p) -> float:
    ax, ay = a
    bx, by = b
    dx, dy = bx - ax, by - ay
    l2 = dx * dx + dy * dy
    if l2 == 0:
        return math.hypot(p[0] - ax, p[1] - ay)
    t = max(0.0, min(1.0, ((p[0] - ax) * dx + (p[1] - ay) * dy) / l2))
    return math.hypot(p[0] - (ax + t * dx), p[1] - (ay + t * dy))


# ---------------------------------------------------------------- courtyard

def _board_point(p, fp):
    x, y = rotate(p[0], p[1], fp.rot)
    return x + fp.x, y + fp.y


def _shape_contour(kind: str, pts: dict, fp):
    """('closed', ring) for rect/poly/circle, ('open', start, end, polyline[, mid]) otherwise.

    Lines and arcs are open; an arc also carries its mid point.
    """
    bp = lambda p: _board_point(p, fp)  # noqa: E731
    if kind == "fp_line" and "start" in pts and "end" in pts:
        a, b = bp(pts["start"]), bp(pts["end"])
        return ("open", a, b, [a, b])
    if kind == "fp_arc" and {"start", "mid", "end"} <= set(pts):
        a, m, b = bp(pts["start"]), bp(pts["mid"]), bp(pts["end"])
        return ("open", a, b, arc_polyline(a, m, b, COURTYARD_MAX_ERROR), m)
    if kind == "fp_rect" and "start" in pts and "end" in pts:
        (x0, y0), (x1, y1) = pts["start"], pts["end"]
        ring = [bp(p) for p in ((x0, y0), (x1, y0), (x1, y1), (x0, y1))]
        return ("closed", ring)
    if kind == "fp_circle" and "center" in pts and "end" in pts:
        c, e = bp(pts["center"]), bp(pts["end"])
        # KiCad starts a circle's polyline at angle 0 whatever the end point (its radius only).
        start = (c[0] + _kiround(math.hypot(e[0] - c[0], e[1] - c[1])), c[1])
        ring = arc_polyline(c, start, None, COURTYARD_MAX_ERROR, full_circle=True)[:-1]
        return ("closed", ring)
    if kind == "fp_poly" and pts.get("pts"):
        ring = []
        for what, val in pts["pts"]:
            if what == "xy":
                ring.append(bp(val))
            else:
                s, m, e = (bp(v) for v in val)
                seg = arc_polyline(s, m, e, COURTYARD_MAX_ERROR)
                ring.extend(seg if not ring or ring[-1] != seg[0] else seg[1:])
        return ("closed", ring)
    return None


def _close(a, b) -> bool:
    return (a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2 <= CHAINING_EPSILON ** 2


def _chain(opens: list) -> list | None:
    """Join open pieces end to end into closed rings; None when a chain stays open.

    As KiCad 9 chains them: each chain starts at the end of its first piece (file order) and
    runs through that piece backwards; the next piece is one whose end is exactly where the
    chain stands, else the nearest end within 0.02 mm (a piece already used there ends the
    chain). A line keeps its far end; an arc is drawn again from where the chain stands,
    through its mid point. A ring that closes within the chaining distance has its last point
    moved onto its first (arcs are polylines by then).
    """
    rings = []
    used = [False] * len(opens)
    for first, (a, b, _, *mid) in enumerate(opens):
        if used[first]:
            continue
        used[first] = True
        if mid:
            start, end = _arc_ends(a, mid[0], b)
            ring = arc_polyline(end, mid[0], start, COURTYARD_MAX_ERROR)
        else:
            ring = [b, a]
        head, tail, cur = ring[0], ring[-1], first
        while True:
            nxt = _next_piece(opens, used, cur, tail)
            if nxt is None or used[nxt]:
                break
            used[nxt] = True
            c, d, _, *mid = opens[nxt]
            if mid:
                start, end = _arc_ends(c, mid[0], d)
                far = end if _close(tail, start) else start
                ring.extend(arc_polyline(tail, mid[0], far, COURTYARD_MAX_ERROR)[1:])
            else:
                far = d if _dist2(tail, c) < _dist2(tail, d) else c
                ring.append(far)
            tail, cur = far, nxt
        if not _close(head, tail):
            return None
        if len(ring) >= 4:  # fewer: a closed chain with no area (a zero-length line)
            ring[-1] = ring[0]
            rings.append(ring[:-1])
    return rings


def _dist2(a, b) -> int:
    return (a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2


def _arc_ends(a, m, b) -> tuple:
    """KiCad's own (start, end) of an arc: the angle grows from start to end (y down)."""
    cross = (m[0] - a[0]) * (b[1] - m[1]) - (m[1] - a[1]) * (b[0] - m[0])
    return (a, b) if cross > 0 else (b, a)


def _next_piece(opens: list, used: list, cur: int, at) -> int | None:
    """KiCad's findNext: the piece to chain at ``at``.

    An unused piece with an end exactly there, else the piece (used or not) with the nearest
    end closer than the chaining distance.
    """
    for j, (c, d, *_) in enumerate(opens):
        if j != cur and not used[j] and (c == at or d == at):
            return j
    best, best_d = None, CHAINING_EPSILON ** 2
    for j, (c, d, *_) in enumerate(opens):
        if j == cur:
            continue
        for p in (c, d):
            dd = _dist2(p, at)
            if dd < best_d:
                best, best_d = j, dd
    return best


def _round_half_away(v: float) -> int:
    return int(math.floor(v + 0.5)) if v >= 0 else -int(math.floor(-v + 0.5))


def _deflate(ring: list, delta: int) -> list | None:
    """Every edge moved ``delta`` inwards; corners where neighbouring moved edges cross."""
    pts = [ring[0]]
    for p in ring[1:]:
        if p != pts[-1]:
            pts.append(p)
    if len(pts) > 1 and pts[-1] == pts[0]:
        pts.pop()
    if len(pts) < 3:
        return None
    if area2(pts) < 0:
        pts = pts[::-1]
    n = len(pts)
    normals = []
    for i in range(n):
        (x1, y1), (x2, y2) = pts[i], pts[(i + 1) % n]
        dx, dy = x2 - x1, y2 - y1
        length = math.hypot(dx, dy)
        # Inwards for a positive (y-down) ring is to the right of travel: (-dy, dx) / length.
        normals.append((-dy / length, dx / length))
    lines = []
    for i in range(n):
        (x1, y1), (x2, y2) = pts[i], pts[(i + 1) % n]
        nx, ny = normals[i]
        lines.append(((_round_half_away(x1 + nx * delta), _round_half_away(y1 + ny * delta)),
                      (_round_half_away(x2 + nx * delta), _round_half_away(y2 + ny * delta))))
    out = []
    for i in range(n):
        (nkx, nky), (njx, njy) = normals[i - 1], normals[i]
        cos_a = nkx * njx + nky * njy
        # The next edge turns outwards (a notch's tip): the moved edges part there, and past
        # KiCad's miter limit (2, so a turn beyond 120 degrees) the corner is squared off.
        if cos_a <= _SQUARE_COS and (cos_a <= -0.999 or njy * nkx - njx * nky < 0):
            out.extend(_square(pts[i - 1], pts[i], normals[i - 1], normals[i], delta))
            continue
        (a1, a2), (b1, b2) = lines[i - 1], lines[i]
        dx1, dy1 = a2[0] - a1[0], a2[1] - a1[1]
        dx2, dy2 = b2[0] - b1[0], b2[1] - b1[1]
        det = dy1 * dx2 - dy2 * dx1
        if det == 0:
            out.append(b1)
            continue
        t = ((a1[0] - b1[0]) * dy2 - (a1[1] - b1[1]) * dx2) / det
        out.append((int(a1[0] + t * dx1), int(a1[1] + t * dy1)))
    clean = []
    for p in out:
        if not clean or p != clean[-1]:
            clean.append(p)
    if len(clean) > 1 and clean[-1] == clean[0]:
        clean.pop()
    if len(clean) < 3 or area2(clean) <= 0:
        return None
    return clean


_SQUARE_COS = 2.0 / (2.0 * 2.0) - 1.0
"""Clipper's test for a miter within KiCad's limit of 2 (CHAMFER_ACUTE_CORNERS)."""


def _square(prev, p, nk, nj, delta: int) -> list:
    """Clipper's DoSquare: the corner at ``p`` cut square ``delta`` from it (two corners)."""
    # The edge directions from the inward normals (-dy, dx): the incoming one and the
    # outgoing one reversed; their mean points into the notch.
    vx, vy = nk[1] - nj[1], -nk[0] + nj[0]
    length = math.hypot(vx, vy)
    vx, vy = vx / length, vy / length
    qx, qy = p[0] + delta * vx, p[1] + delta * vy
    # The square edge (through q, across vec) meets the incoming edge moved inwards.
    ax, ay = prev[0] + nk[0] * delta, prev[1] + nk[1] * delta
    bx, by = p[0] + nk[0] * delta, p[1] + nk[1] * delta
    ex, ey = bx - ax, by - ay
    den = ex * vx + ey * vy
    t = ((qx - ax) * vx + (qy - ay) * vy) / den if den else 1.0
    px, py = ax + t * ex, ay + t * ey
    return [(_round_half_away(px), _round_half_away(py)),
            (_round_half_away(2 * qx - px), _round_half_away(2 * qy - py))]


def _drop_collinear(ring: list) -> list:
    """The ring without corners on a straight line between their neighbours.

    Removed as the polygon library removes them: repeatedly, so runs of them go.
    """
    changed = True
    while changed and len(ring) > 3:
        changed = False
        out = []
        n = len(ring)
        for i in range(n):
            (ax, ay), (bx, by), (cx, cy) = ring[i - 1], ring[i], ring[(i + 1) % n]
            if (bx - ax) * (cy - by) - (by - ay) * (cx - bx) == 0:
                changed = True
                continue
            out.append(ring[i])
        if len(out) < 3:
            break
        ring = out
    return ring


def _canonical(ring: list, rightmost_top: bool = False) -> np.ndarray:
    """The ring turning positively, starting after the top-most corner.

    As KiCad's polygon library outputs it: of two top-most corners, the left one after an
    offset, the right one after a union.
    """
    ring = _drop_collinear(ring)
    if area2(ring) < 0:
        ring = ring[::-1]
    sign = -1 if rightmost_top else 1
    top = min(range(len(ring)), key=lambda i: (ring[i][1], sign * ring[i][0]))
    start = (top + 1) % len(ring)
    ring = ring[start:] + ring[:start]
    return np.asarray(ring, dtype=np.int64).reshape(-1, 2)


def courtyard(fp, ctx):
    """Courtyard outline on the footprint's side, (n, 2) nm, or None when none is drawn."""
    layer = "B.CrtYd" if fp.bottom else "F.CrtYd"
    closed, opens = [], []
    for lname, node in fp.crtyd:
        if lname != layer:
            continue
        got = _shape_contour(node[0], _points(node), fp)
        if got is None:
            continue
        if got[0] == "closed":
            closed.append(got[1])
        else:
            opens.append(got[1:])
    if not closed and not opens:
        return None
    chained = _chain(opens) if opens else []
    if chained is None:
        return None
    rings = [r for r in closed + chained if len(r) >= 3]
    if not rings:
        return None
    outers = [r for r in rings if sum(_inside(o, r[0]) for o in rings if o is not r) % 2 == 0]
    shrunk = [r for r in (_deflate(o, COURTYARD_MAX_ERROR) for o in outers) if r is not None]
    if not shrunk:
        return None
    return _canonical(min(shrunk, key=_clipper_order))


def _clipper_order(ring) -> tuple:
    """Where the polygon library puts an outline among several (KiCad keeps the first).

    The one reaching lowest (largest y) first; at the same height, those with a flat bottom
    before those ending in a corner, flat ones right to left, cornered ones left to right
    (KiCad 9.0.8's order of every random layout of 2-3 shapes tried).
    """
    low = max(y for _, y in ring)
    xs = [x for x, y in ring if y == low]
    return (-low, 0, -max(xs)) if len(xs) > 1 else (-low, 1, xs[0])


def _inside(ring, p) -> bool:
    inside = False
    n = len(ring)
    px, py = p
    for i in range(n):
        (x1, y1), (x2, y2) = ring[i], ring[(i + 1) % n]
        if (y1 > py) != (y2 > py) and px - x1 < (x2 - x1) * (py - y1) / (y2 - y1):
            inside = not inside
    return inside
