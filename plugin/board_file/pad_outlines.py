"""Pad outlines that are not simple shapes, built as KiCad's PAD::GetEffectivePolygon builds them.

Chamfered (and rounded) rectangles from KiCad's corner list, trapezoids from their four corners,
custom pads as the union of the anchor and the primitives: filled polygons (grown by half their
stroke with round joins, as the polygon library offsets them), circles, rectangles, and stroked
lines and arcs (KiCad's oval per segment). Computed in pad coordinates, then turned with the pad
and moved to its position.
"""
from __future__ import annotations

import math

import numpy as np

from .kimath import rotate
from .outlines import _canonical, _kiround, _points, _segment_count, _vector_angle, arc_polyline

__all__ = ["pad_polygon", "round_chamfered_rect", "primitive_rings"]


def round_chamfered_rect(cx, cy, w, h, rot, radius, ratio, chamfers, inflate, max_error) -> list:
    """KiCad's TransformRoundChamferedRectToPolygon.

    Corners clockwise from the top-left, then turned with the pad and moved to its centre.
    """
    sx, sy = w // 2, h // 2
    corners = [[-sx, -sy, radius], [sx, -sy, radius], [sx, sy, radius], [-sx, sy, radius]]
    if chamfers:
        shorter = min(w, h)
        cham = max(0, _kiround(ratio * shorter))
        ids = (1, 2, 8, 4)   # top-left, top-right, bottom-right, bottom-left
        sign = (0, 1, -1, 0, 0, -1, 1, 0)
        pos = 0
        for cc in range(4):
            if chamfers & ids[cc]:
                corners[pos][2] = 0
                if cham:
                    corners.insert(pos + 1, list(corners[pos]))
                    corners[pos][0] += sign[(2 * cc) & 7] * cham
                    corners[pos][1] += sign[(2 * cc - 2) & 7] * cham
                    corners[pos + 1][0] += sign[(2 * cc + 1) & 7] * cham
                    corners[pos + 1][1] += sign[(2 * cc - 1) & 7] * cham
                    pos += 1
            pos += 1
        if bin(chamfers).count("1") > 1 and 2 * cham >= shorter:
            dedup = []
            for c in corners:
                if not dedup or (c[0], c[1]) != (dedup[-1][0], dedup[-1][1]):
                    dedup.append(c)
            if len(dedup) > 1 and (dedup[0][0], dedup[0][1]) == (dedup[-1][0], dedup[-1][1]):
                dedup.pop()
            corners = dedup
    ring = _corner_list(corners, max_error)
    ring = [rotate(x, y, rot) for x, y in ring]
    return [(x + cx, y + cy) for x, y in ring]


def _rescale(num: int, value: int, den: int) -> int:
    """KiCad's 64-bit rescale: num * value / den rounded half away from zero."""
    prod = num * value
    half = abs(den) // 2
    r = -half if (prod < 0) != (den < 0) else half
    q = abs(prod + r) // abs(den)
    return q if (prod + r < 0) == (den < 0) else -q


def _resize(vx: int, vy: int, length: int) -> tuple[int, int]:
    """VECTOR2I::Resize for an integer vector."""
    if vx == 0 and vy == 0:
        return 0, 0
    if abs(vx) == abs(vy):
        nx = ny = abs(length) * math.sqrt(0.5)
    else:
        lsq, nsq = vx * vx + vy * vy, length * length
        nx, ny = math.sqrt(_rescale(nsq, vx * vx, lsq)), math.sqrt(_rescale(nsq, vy * vy, lsq))
    sign = (length > 0) - (length < 0)
    rx, ry = _kiround(nx), _kiround(ny)
    return (-rx if vx < 0 else rx) * sign, (-ry if vy < 0 else ry) * sign


def _reflect(ax: int, ay: int, bx: int, by: int, px: int, py: int) -> tuple[int, int]:
    """SEG(a, b).ReflectPoint(p)."""
    dx, dy = bx - ax, by - ay
    lsq = dx * dx + dy * dy
    if not lsq:
        return px, py
    t = dx * (px - ax) + dy * (py - ay)
    cx, cy = ax + _rescale(t, dx, lsq), ay + _rescale(t, dy, lsq)
    return 2 * cx - px, 2 * cy - py


def _corner_list(corners, max_error) -> list:
    """KiCad's CornerListToPolygon, error inside, no inflation.

    Sharp corners as they are; a rounded one from the point where its arc leaves the incoming
    edge, through the arc's inner points (angle steps of 360 / n degrees, centred so that the
    first and last steps are equal), to its mirror image on the outgoing edge.
    """
    out = []
    n = len(corners)
    inx, iny = corners[0][0] - corners[-1][0], corners[0][1] - corners[-1][1]
    for i in range(n):
        x, y, r = corners[i]
        ox, oy = corners[(i + 1) % n][0] - x, corners[(i + 1) % n][1] - y
        if not r:
            out.append((x, y))
            inx, iny = ox, oy
            continue
        if (inx == 0 and oy == 0) or (iny == 0 and ox == 0):
            end, tan2 = 90.0, 1.0
        else:
            cos_num = float(inx) * ox + float(iny) * oy
            cos_den = math.hypot(inx, iny) * math.hypot(ox, oy)
            angle = math.acos(cos_num / cos_den)
            tan2 = math.tan((math.pi - angle) / 2)
            end = angle * (180.0 / math.pi)
        segs = max(16, _segment_count(r, max_error, 360.0))
        delta = 360.0 / segs
        last = end
        if last > 0:
            while last > delta:
                last -= delta
        else:
            while last < -delta:
                last += delta
        pos = delta if last == 0.0 else (delta + last) / 2
        back = _resize(inx, iny, int(r / tan2) if tan2 > 0 else 0)
        sx, sy = x - back[0], y - back[1]
        perp = _resize(-iny, inx, r)
        ccx, ccy = sx + perp[0], sy + perp[1]
        arc_end = _reflect(x, y, ccx, ccy, sx, sy)
        out.append((sx, sy))
        while pos < end:
            px, py = rotate(sx - ccx, sy - ccy, -pos)
            out.append((px + ccx, py + ccy))
            pos += delta
        out.append(arc_end)
        inx, iny = ox, oy
    return out


def _trapezoid(p, lp, cx, cy) -> list:
    sx, sy = lp.w // 2, lp.h // 2
    dx, dy = _cdiv(lp.dx, 2), _cdiv(lp.dy, 2)
    corners = [(-sx + dy, -sy - dx), (sx - dy, -sy + dx), (sx + dy, sy - dx), (-sx - dy, sy + dx)]
    dedup = []
    for c in corners:
        if not dedup or c != dedup[-1]:
            dedup.append(c)
    ring = [rotate(x, y, p.rot) for x, y in dedup]
    return [(x + cx, y + cy) for x, y in ring]


def _cdiv(a: int, b: int) -> int:
    q = abs(a) // abs(b)
    return q if (a < 0) == (b < 0) else -q


def primitive_rings(lp, rot, cx, cy, max_error: int = 5000) -> list:
    """Each custom-pad primitive as closed rings in board coordinates (turned, then moved)."""
    rings = []
    for node in lp.primitives:
        pts = _points(node)
        width = pts.get("width", 0)
        filled = pts.get("fill", node[0] == "gr_poly")
        local = _primitive_local(node[0], pts, width, filled, max_error)
        for ring in local:
            ring = [rotate(x, y, rot) for x, y in ring]
            rings.append([(x + cx, y + cy) for x, y in ring])
    return rings


def _segments_by_8(radius: int, max_error: int, min_segments: int = 0) -> int:
    n = max(min_segments, _segment_count(radius, max_error, 360.0))
    return (n + 7) // 8 * 8


def _stroke_ring(a, b, width, max_error) -> list:
    """TransformOvalToPolygon: a segment of ``width`` with round ends (error inside)."""
    radius = int(width) // 2
    delta = 360.0 / _segments_by_8(radius, max_error)
    ex, ey = b[0] - a[0], b[1] - a[1]
    sx, sy = a
    if ex < 0:
        ex, ey, sx, sy = -ex, -ey, b[0], b[1]
    turn = _vector_angle(ex, ey)
    seg_len = _kiround(math.hypot(ex, ey))
    ring = [(seg_len, radius)]
    angle = delta / 2
    while angle < 180.0:
        x, y = rotate(0, radius, angle)
        ring.append((x + seg_len, y))
        angle += delta
    ring += [(seg_len, -radius), (0, -radius)]
    angle = delta / 2
    while angle < 180.0:
        ring.append(rotate(0, -radius, angle))
        angle += delta
    ring.append((0, radius))
    out = []
    for x, y in ring:
        rx, ry = rotate(x, y, -turn)
        if not out or out[-1] != (rx + sx, ry + sy):
            out.append((rx + sx, ry + sy))
    return out


def _circle_polygon(cx: int, cy: int, radius: int, max_error: int) -> list:
    """TransformCircleToPolygon (error inside): corners from half a step, a multiple of 8."""
    count = _segments_by_8(radius, max_error)
    delta = 360.0 / count
    out = []
    angle = delta / 2
    while angle < 360.0:
        x, y = rotate(radius, 0, angle)
        out.append((x + cx, y + cy))
        angle += delta
    return out


def _inflate_round(ring: list, amount: int, max_error: int) -> list | None:
    """SHAPE_POLY_SET::Inflate with round corners (Clipper2's round joins) of a convex ring.

    None for a ring that is not convex (its concave joins need the polygon library's union).
    """
    n = len(ring)
    area2 = sum(ring[i][0] * ring[(i + 1) % n][1] - ring[(i + 1) % n][0] * ring[i][1]
                for i in range(n))
    if n < 3 or area2 == 0:
        return None
    count = max(6, _segment_count(abs(amount), max_error, 360.0))
    tolerance = abs(amount) * (1.0 - math.cos(math.pi / count))
    arc_tol = min(abs(amount), tolerance)
    steps_360 = min(math.pi / math.acos(1 - arc_tol / abs(amount)), abs(amount) * math.pi)
    step_sin, step_cos = math.sin(2 * math.pi / steps_360), math.cos(2 * math.pi / steps_360)
    # As Clipper: a ring of negative area is an outline turning the other way, offset the
    # other way too.
    delta = float(amount) if area2 > 0 else -float(amount)
    if delta < 0:
        step_sin = -step_sin
    steps_rad = steps_360 / (2 * math.pi)
    norms = []
    for i in range(n):
        (x1, y1), (x2, y2) = ring[i], ring[(i + 1) % n]
        dx, dy = float(x2 - x1), float(y2 - y1)
        if dx == 0 and dy == 0:
            norms.append((0.0, 0.0))
            continue
        inv = 1.0 / math.hypot(dx, dy)
        norms.append((dy * inv, -dx * inv))
    out = []
    k = n - 1
    for j in range(n):
        (nkx, nky), (njx, njy) = norms[k], norms[j]
        sin_a = max(-1.0, min(1.0, njy * nkx - nky * njx))
        cos_a = njx * nkx + njy * nky
        px, py = ring[j]
        if cos_a > -0.999 and sin_a * delta < 0:
            return None  # concave
        ox, oy = nkx * delta, nky * delta
        out.append((round(px + ox), round(py + oy)))
        steps = math.ceil(steps_rad * abs(math.atan2(sin_a, cos_a)))
        for _ in range(1, steps):
            ox, oy = ox * step_cos - step_sin * oy, ox * step_sin + oy * step_cos
            out.append((round(px + ox), round(py + oy)))
        out.append((round(px + njx * delta), round(py + njy * delta)))
        k = j
    dedup = []
    for pt in out:
        if not dedup or dedup[-1] != pt:
            dedup.append(pt)
    if len(dedup) > 1 and dedup[0] == dedup[-1]:
        dedup.pop()
    return dedup


def _primitive_local(kind, pts, width, filled, max_error) -> list:
    rings = []
    outline = None
    if kind == "gr_poly" and pts.get("pts"):
        outline = []
        for what, val in pts["pts"]:
            if what == "xy":
                outline.append(val)
            else:
                outline.extend(arc_polyline(*val, max_error)[:-1])
    elif kind == "gr_rect" and "start" in pts and "end" in pts:
        (x0, y0), (x1, y1) = pts["start"], pts["end"]
        outline = [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
    elif kind == "gr_circle" and "center" in pts and "end" in pts:
        (cx, cy), (ex, ey) = pts["center"], pts["end"]
        radius = _kiround(math.hypot(ex - cx, ey - cy))
        if filled:
            return [_circle_polygon(cx, cy, radius + width // 2, max_error)]
        outline = arc_polyline(pts["center"], pts["end"], None, max_error, full_circle=True)[:-1]
    elif kind == "gr_line" and "start" in pts and "end" in pts:
        return [_stroke_ring(pts["start"], pts["end"], max(width, 1), max_error)]
    elif kind == "gr_arc" and {"start", "mid", "end"} <= set(pts):
        line = arc_polyline(pts["start"], pts["mid"], pts["end"], max_error)
        return [_stroke_ring(a, b, max(width, 1), max_error) for a, b in zip(line, line[1:])]
    if outline is None or len(outline) < 2:
        return rings
    if filled and len(outline) >= 3 and width > 0:
        grown = _inflate_round(outline, width // 2, max_error)
        if grown is not None:
            return [grown]
    if filled and len(outline) >= 3:
        rings.append(outline)
    if width > 0:
        closed = outline + [outline[0]]
        rings.extend(_stroke_ring(a, b, width, max_error) for a, b in zip(closed, closed[1:]))
    return rings


def pad_polygon(p, cu):
    """Outline of a custom, chamfered or trapezoid pad on layer ``cu`` (board nm).

    The first outline of KiCad's effective polygon; None when there is none.
    """
    from .shapes import shape_pos
    lp = p.props(cu)
    cx, cy = shape_pos(p, cu)
    if lp.shape == "trapezoid":
        return np.asarray(_trapezoid(p, lp, cx, cy), dtype=np.int64).reshape(-1, 2)
    if lp.shape == "chamfered_rect":
        radius = _kiround(min(lp.w, lp.h) * lp.rratio)
        ring = round_chamfered_rect(cx, cy, lp.w, lp.h, p.rot, radius, lp.cratio, lp.chamfers,
                                    0, 5000)
        return np.asarray(ring, dtype=np.int64).reshape(-1, 2)
    if lp.shape == "custom":
        from .union import union_outline
        anchor = _anchor_ring(lp)
        prims = primitive_rings(lp, 0.0, 0, 0)
        if prims:
            ring = union_outline([anchor] + prims)
            ring = None if ring is None else [tuple(p) for p in _canonical(list(ring), True)]
        else:
            ring = anchor
        if ring is None:
            return None
        ring = [rotate(x, y, p.rot) for x, y in ring]
        return np.asarray([(x + cx, y + cy) for x, y in ring], dtype=np.int64).reshape(-1, 2)
    return None


def _anchor_ring(lp) -> list:
    """The anchor of a custom pad at the origin: SHAPE_RECT's outline order, or KiCad's circle."""
    if lp.anchor == "rect":
        x0, y0 = -(lp.w // 2), -(lp.h // 2)
        return [(x0, y0), (x0, y0 + lp.h), (x0 + lp.w, y0 + lp.h), (x0 + lp.w, y0)]
    return _circle_polygon(0, 0, lp.w // 2, 5000)
