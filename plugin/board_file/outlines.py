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

from .kimath import normalize, rotate, sin_cos
from .sexpr import board_units

__all__ = ["courtyard", "arc_polyline"]

COURTYARD_MAX_ERROR = 5_000
CHAINING_EPSILON = 20_000
MIN_SEGMENTS_360 = 16


_HALF_SQRT = np.float64(math.sqrt(0.5))


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

def _calc_arc_center(s, m, e) -> tuple[int, int]:
    """KiCad's CalcArcCenter, rounded to integer nanometres.

    Doubles throughout, then the snap to a round 100 nm or 10 nm value when that is within
    the propagated rounding error.
    """
    sx, sy = float(s[0]), float(s[1])
    mx, my = float(m[0]), float(m[1])
    ex, ey = float(e[0]), float(e[1])
    yd21, xd21 = my - sy, mx - sx
    yd32, xd32 = ey - my, ex - mx
    if (xd21 == 0.0 and yd32 == 0.0) or (yd21 == 0.0 and xd32 == 0.0):
        return _kiround((sx + ex) / 2.0), _kiround((sy + ey) / 2.0)
    eps = 2.220446049250313e-16
    # IEEE division, as in KiCad's C++: a zero denominator gives inf, not an exception
    if xd21 == 0.0:
        xd21 = eps
    if xd32 == 0.0:
        xd32 = -eps
    a, b = yd21 / xd21, yd32 / xd32
    da = a * math.hypot(0.5 / yd21, 0.5 / xd21) if yd21 else math.inf
    db = b * math.hypot(0.5 / yd32, 0.5 / xd32) if yd32 else math.inf
    if a == b:
        if (sx, sy) == (ex, ey):
            return _kiround((sx + mx) / 2.0), _kiround((sy + my) / 2.0)
        a += eps
        b -= eps
    if a == 0.0:
        a = eps
    with np.errstate(all="ignore"):
        ab = a * b * (sy - ey)
        dab = ab * math.sqrt(_sq(da / a) + _sq(db / b) + _sq(_HALF_SQRT / np.float64(sy - ey)))
        bsm = b * (sx + mx)
        dbsm = bsm * math.sqrt(_sq(db / b) + _sq(_HALF_SQRT / np.float64(sx + mx)))
        ame = a * (mx + ex)
        dame = ame * math.sqrt(_sq(da / a) + _sq(_HALF_SQRT / np.float64(mx + ex)))
        twice = 2 * (b - a)
        dtwice = 2 * math.sqrt(db * db + da * da)
        numx = ab + bsm - ame
        dnumx = math.sqrt(dab * dab + dbsm * dbsm + dame * dame)
        cx = numx / twice
        dcx = cx * math.sqrt(_sq(dnumx / numx) + _sq(dtwice / twice))
        numy = (sx + mx) / 2.0 - cx
        dnumy = math.sqrt(1.0 / 8.0 + dcx * dcx)
        first = numy / a
        dfirst = first * math.sqrt(_sq(dnumy / numy) + _sq(da / a))
        cy = first + (sy + my) / 2.0
        dcy = math.sqrt(dfirst * dfirst + 1.0 / 8.0)
    r100x, r100y = math.floor((cx + 50.0) / 100.0) * 100.0, math.floor((cy + 50.0) / 100.0) * 100.0
    r10x, r10y = math.floor((cx + 5.0) / 10.0) * 10.0, math.floor((cy + 5.0) / 10.0) * 10.0
    if abs(r100x - cx) < dcx and abs(r100y - cy) < dcy:
        cx, cy = r100x, r100y
    elif abs(r10x - cx) < dcx and abs(r10y - cy) < dcy:
        cx, cy = r10x, r10y
    return _kiround(cx), _kiround(cy)


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
    """('closed', ring) for rect/poly/circle, ('open', start, end, polyline) for line/arc."""
    bp = lambda p: _board_point(p, fp)  # noqa: E731
    if kind == "fp_line" and "start" in pts and "end" in pts:
        a, b = bp(pts["start"]), bp(pts["end"])
        return ("open", a, b, [a, b])
    if kind == "fp_arc" and {"start", "mid", "end"} <= set(pts):
        a, m, b = bp(pts["start"]), bp(pts["mid"]), bp(pts["end"])
        return ("open", a, b, arc_polyline(a, m, b, COURTYARD_MAX_ERROR))
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
    """Join open pieces end to end into closed rings; None when a chain stays open."""
    rings = []
    left = list(opens)
    while left:
        a, b, line = left.pop(0)
        ring = list(line)
        head = a
        tail = b
        grown = True
        while grown and not (len(ring) > 2 and _close(head, tail)):
            grown = False
            for i, (c, d, piece) in enumerate(left):
                if _close(tail, c):
                    ring.extend(piece[1:])
                    tail = d
                elif _close(tail, d):
                    ring.extend(list(reversed(piece))[1:])
                    tail = c
                else:
                    continue
                left.pop(i)
                grown = True
                break
        if not _close(head, tail) or len(ring) < 4:
            return None
        if ring[-1] != ring[0]:
            ring[-1] = ring[0]
        rings.append(ring[:-1])
    return rings


def _area2(ring) -> int:
    s = 0
    n = len(ring)
    for i in range(n):
        x1, y1 = ring[i]
        x2, y2 = ring[(i + 1) % n]
        s += x1 * y2 - x2 * y1
    return s


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
    if _area2(pts) < 0:
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
    if len(clean) < 3 or _area2(clean) <= 0:
        return None
    return clean


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
    if _area2(ring) < 0:
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
    if not outers:
        return None
    shrunk = _deflate(outers[0], COURTYARD_MAX_ERROR)
    return None if shrunk is None else _canonical(shrunk)


def _inside(ring, p) -> bool:
    inside = False
    n = len(ring)
    px, py = p
    for i in range(n):
        (x1, y1), (x2, y2) = ring[i], ring[(i + 1) % n]
        if (y1 > py) != (y2 > py) and px - x1 < (x2 - x1) * (py - y1) / (y2 - y1):
            inside = not inside
    return inside
