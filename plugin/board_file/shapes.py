"""Pad copper shapes as KiCad builds them (PAD::buildEffectiveShape), and their collisions.

Shapes are tuples: ("circle", cx, cy, r), ("segment", ax, ay, bx, by, width),
("rect", x0, y0, w, h) for an axis-aligned rectangle, ("poly", [(x, y), ...]) otherwise. Pad
outlines for the model (``pad_polygon``) and courtyards (``courtyard``) live in ``outlines``.
"""
from __future__ import annotations

from .kimath import rotate
from .outlines import courtyard
from .pad_outlines import pad_polygon, round_chamfered_rect

__all__ = ["pad_shapes", "pad_hits_circle", "pad_polygon", "courtyard", "pad_reach"]

_MIN_LEN = 100   # mmToIU(0.0001): a round-rect this close to a circle is one


def _kiround(v: float) -> int:
    return int(v + 0.5) if v >= 0 else int(v - 0.5)


def _cdiv(a: int, b: int) -> int:
    q = abs(a) // abs(b)
    return q if (a < 0) == (b < 0) else -q


def shape_pos(p, layer: str) -> tuple[int, int]:
    lp = p.props(layer)
    if lp.ox == 0 and lp.oy == 0:
        return p.x, p.y
    ox, oy = rotate(lp.ox, lp.oy, p.rot)
    return p.x + ox, p.y + oy


def _hole(p) -> list:
    hx, hy = _cdiv(p.drill_x, 2), _cdiv(p.drill_y, 2)
    if p.drill_x == p.drill_y:
        half_w, lx, ly = hx, 0, 0
    else:
        half_w = min(hx, hy)
        lx, ly = hx - half_w, hy - half_w
    lx, ly = rotate(lx, ly, p.rot)
    return [("segment", p.x - lx, p.y - ly, p.x + lx, p.y + ly, half_w * 2)]


def pad_shapes(p, layer: str, flashed: bool = True) -> list:
    """The pad's effective shape on a copper layer; its hole when not flashed there."""
    if not flashed:
        return _hole(p) if p.attrib == 0 else []
    lp = p.props(layer)
    cx, cy = shape_pos(p, layer)
    shape = lp.anchor if lp.shape == "custom" else lp.shape
    w, h = lp.w, lp.h
    out = []
    if shape == "circle" or (shape == "oval" and w == h):
        out.append(("circle", cx, cy, _cdiv(w, 2)))
    elif shape == "oval":
        hx, hy = _cdiv(w, 2), _cdiv(h, 2)
        hw = min(hx, hy)
        lx, ly = rotate(hx - hw, hy - hw, p.rot)
        out.append(("segment", cx - lx, cy - ly, cx + lx, cy + ly, hw * 2))
    elif shape in ("rect", "trapezoid", "roundrect"):
        r = _kiround(min(w, h) * lp.rratio) if shape == "roundrect" else 0
        hx, hy = _cdiv(w, 2), _cdiv(h, 2)
        tx = ty = 0
        if r:
            hx, hy = hx - r, hy - r
            if hx < _MIN_LEN and hy < _MIN_LEN:
                return [("circle", cx, cy, r)] + _primitives(p, lp, cx, cy)
        elif shape == "trapezoid":
            tx, ty = _cdiv(lp.dx, 2), _cdiv(lp.dy, 2)
        pts = [(-hx - ty, hy + tx), (hx + ty, hy - tx), (hx - ty, -hy + tx), (-hx + ty, -hy - tx)]
        pts = [rotate(x, y, p.rot) for x, y in pts]
        pts = [(x + cx, y + cy) for x, y in pts]
        (x0, y0), (x1, y1), (x2, y2), (x3, y3) = pts
        if (y0 == y1 and x1 == x2 and y2 == y3 and x3 == x0) or \
                (x0 == x1 and y1 == y2 and x2 == x3 and y3 == y0):
            out.append(("rect", min(x2, x0), min(y2, y0), abs(x2 - x0), abs(y2 - y0)))
        else:
            out.append(("poly", pts))
        if r:
            for i in range(4):
                a, b = pts[i], pts[(i + 1) % 4]
                out.append(("segment", a[0], a[1], b[0], b[1], 2 * r))
    elif shape == "chamfered_rect":
        ring = round_chamfered_rect(cx, cy, w, h, p.rot, _kiround(min(w, h) * lp.rratio),
                                    lp.cratio, lp.chamfers, 0, 5000)
        out.append(("poly", [tuple(pt) for pt in ring]))
    return out + _primitives(p, lp, cx, cy)


def _primitives(p, lp, cx, cy) -> list:
    if lp.shape != "custom" or not lp.primitives:
        return []
    from .pad_outlines import primitive_rings
    return [("poly", [tuple(pt) for pt in ring]) for ring in primitive_rings(lp, p.rot, cx, cy)]


def _seg_dist2(ax, ay, bx, by, px, py) -> int:
    from .flashing import nearest_on_segment
    nx, ny = nearest_on_segment(ax, ay, bx, by, px, py)
    return (nx - px) ** 2 + (ny - py) ** 2


def _norm(dx: int, dy: int) -> int:
    """VECTOR2I::EuclideanNorm (rounded)."""
    if abs(dx) == abs(dy):
        return _kiround(abs(dx) * 1.4142135623730951)
    if dx == 0:
        return abs(dy)
    if dy == 0:
        return abs(dx)
    import math
    return _kiround(math.hypot(dx, dy))


def _inside(poly, px, py) -> bool:
    inside = False
    n = len(poly)
    for i in range(n):
        x1, y1 = poly[i]
        x2, y2 = poly[(i + 1) % n]
        ddx, ddy = x2 - x1, y2 - y1
        if ddy != 0:
            num = ddx * (py - y1)
            half = _cdiv(ddy, 2)
            d = _cdiv(num - half, ddy) if (num < 0) != (ddy < 0) else _cdiv(num + half, ddy)
            if ((y1 > py) != (y2 > py)) and (px - x1 < d):
                inside = not inside
    return inside


def shape_hits_circle(s, cx: int, cy: int, r: int) -> bool:
    kind = s[0]
    if kind == "circle":
        d2 = (s[1] - cx) ** 2 + (s[2] - cy) ** 2
        return d2 == 0 or d2 < (s[3] + r) ** 2
    if kind == "segment":
        d2 = _seg_dist2(s[1], s[2], s[3], s[4], cx, cy)
        reach = r + s[5] // 2
        return d2 == 0 or d2 < reach * reach
    if kind == "rect":
        x0, y0, w, h = s[1:]
        if x0 <= cx <= x0 + w and y0 <= cy <= y0 + h:
            return True
        corners = [(x0, y0), (x0 + w, y0), (x0 + w, y0 + h), (x0, y0 + h)]
        best = None
        for i in range(4):
            (ax, ay), (bx, by) = corners[i], corners[(i + 1) % 4]
            from .flashing import nearest_on_segment
            nx, ny = nearest_on_segment(ax, ay, bx, by, cx, cy)
            d = _norm(nx - cx, ny - cy)
            best = d if best is None or d < best else best
        return best < r
    poly = s[1]
    if len(poly) >= 3 and _inside(poly, cx, cy):
        return True
    for i in range(len(poly)):
        (ax, ay), (bx, by) = poly[i], poly[(i + 1) % len(poly)]
        d2 = _seg_dist2(ax, ay, bx, by, cx, cy)
        if d2 == 0 or d2 < r * r:
            return True
    return False


def _pad_conditional(p, k: int, nlayers: int) -> bool:
    """PAD::ConditionallyFlashed on stack layer k."""
    if p.attrib != 0 or p.mode_keep == "keep_all":
        return False
    if p.mode_keep == "remove_except_ends" and k in (0, nlayers - 1):
        return False
    return True


def pad_hits_circle(p, layer: str, cx: int, cy: int, r: int, k: int, ctx) -> bool:
    """Whether pad ``p``'s copper on stack layer ``k`` touches the circle (cx, cy, r)."""
    flashed = not _pad_conditional(p, k, ctx.layers.count)
    if flashed:
        lp = p.props(layer)
        if lp.shape == "circle" and lp.ox == 0 and lp.oy == 0:  # pad_shapes' one circle
            d2 = (p.x - cx) ** 2 + (p.y - cy) ** 2
            return d2 == 0 or d2 < (_cdiv(lp.w, 2) + r) ** 2
    return any(shape_hits_circle(s, cx, cy, r) for s in pad_shapes(p, layer, flashed))


def pad_reach(p) -> int:
    """A radius around the pad position that holds its copper and hole on every layer."""
    import math
    best = max(p.drill_x, p.drill_y) // 2 + 1
    for lp in p.stack.values():
        half = math.hypot(lp.w / 2 + abs(lp.dy) / 2, lp.h / 2 + abs(lp.dx) / 2)
        off = math.hypot(lp.ox, lp.oy)
        extent = half
        if lp.shape == "custom" and lp.primitives:
            from .pad_outlines import primitive_rings
            for ring in primitive_rings(lp, 0.0, 0, 0):
                for x, y in ring:
                    extent = max(extent, math.hypot(x, y))
        best = max(best, int(extent + off) + 2)
    return best
