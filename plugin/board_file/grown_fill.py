"""Area of a KiCad 5 (stroked) zone fill as KiCad 6+ grows it when it loads the board.

Fills saved before KiCad 6's fill change are outlines whose copper reaches half the zone's
minimum width beyond them. On load KiCad grows them (SHAPE_POLY_SET::InflateWithLinkedHoles,
round corners, 2.5 um arc error): holes are split from their outline, every loop is offset by
its polygon library (Clipper2) and the result joined again. The area here follows that offset
corner by corner: a convex corner becomes Clipper's arc (its step angle from the arc error, the
last step shorter), a concave one the crossing of the two moved edges; holes shrink and vanish
when they close. Loops that grow into one another are not merged (KiCad's union would count the
overlap once); in fills that KiCad itself drew this does not happen between islands.
"""
from __future__ import annotations

import math

import numpy as np

from .kimath import round_half_away

__all__ = ["grown_fill_area", "unfracture"]

ARC_ERROR_NM = 2_500
"""ARC_HIGH_DEF / 2, the arc error KiCad grows legacy fills with."""


def unfracture(ring: np.ndarray) -> list[np.ndarray]:
    """The loops of a fractured ring: its outline and holes, without the slits joining them."""
    pts = [tuple(p) for p in ring.tolist()]
    n = len(pts)
    edges = [(pts[i], pts[(i + 1) % n]) for i in range(n) if pts[i] != pts[(i + 1) % n]]
    present: dict = {}
    for e in edges:
        present[e] = present.get(e, 0) + 1
    kept = []
    for a, b in edges:
        if present.get((b, a), 0) and present.get((a, b), 0):
            present[(b, a)] -= 1
            present[(a, b)] -= 1
            continue
        kept.append((a, b))
    outgoing: dict = {}
    for i, (a, _) in enumerate(kept):
        outgoing.setdefault(a, []).append(i)
    used = [False] * len(kept)
    loops = []
    for first in range(len(kept)):
        if used[first]:
            continue
        loop, i = [], first
        while not used[i]:
            used[i] = True
            a, b = kept[i]
            loop.append(a)
            nxt = next((j for j in outgoing.get(b, ()) if not used[j]), None)
            if nxt is None:
                break
            i = nxt
        if len(loop) >= 3:
            loops.append(np.asarray(loop, dtype=np.int64))
    return loops


def _signed_area(p: np.ndarray) -> float:
    x, y = p[:, 0].astype(np.float64), p[:, 1].astype(np.float64)
    return 0.5 * float(np.sum(x * np.roll(y, -1) - np.roll(x, -1) * y))


def _steps(amount: float, max_error: int) -> float:
    """Clipper's steps per full turn for KiCad's Inflate with this arc error."""
    from .outlines import _segment_count

    count = max(6, _segment_count(abs(amount), max_error, 360.0))
    tolerance = abs(amount) * (1.0 - math.cos(math.pi / count))
    arc_tol = min(abs(amount), tolerance)
    return min(math.pi / math.acos(1 - arc_tol / abs(amount)), abs(amount) * math.pi)


def _offset_loop(p: np.ndarray, delta: float, steps_360: float) -> np.ndarray:
    """Corners of ``p`` moved by ``delta`` as Clipper's round-joined offset leaves them."""
    keep = np.any(p != np.roll(p, 1, axis=0), axis=1)
    p = p[keep].astype(np.float64)
    if len(p) < 3:
        return np.zeros((0, 2))
    d = np.roll(p, -1, axis=0) - p
    length = np.hypot(d[:, 0], d[:, 1])
    nx, ny = d[:, 1] / length, -d[:, 0] / length          # edge j leaves corner j
    kx, ky = np.roll(nx, 1), np.roll(ny, 1)                # edge k enters it
    sin_a = np.clip(ny * kx - ky * nx, -1.0, 1.0)
    cos_a = nx * kx + ny * ky
    concave = (cos_a > -0.999) & (sin_a * delta < 0)
    step = 2 * math.pi / steps_360
    turn = np.abs(np.arctan2(sin_a, cos_a))
    steps = np.where(concave, 0, np.ceil(turn * (steps_360 / (2 * math.pi)))).astype(np.int64)
    count = np.where(concave, 1, np.maximum(steps, 1) + 1)
    corner = np.repeat(np.arange(len(p)), count)
    rank = np.arange(len(corner)) - np.repeat(np.cumsum(count) - count, count)
    last = rank == count[corner] - 1
    sign = 1.0 if delta > 0 else -1.0
    ang = rank * step * sign
    c, s = np.cos(ang), np.sin(ang)
    vx, vy = kx[corner] * delta, ky[corner] * delta
    ox, oy = vx * c - vy * s, vx * s + vy * c
    ox = np.where(last, nx[corner] * delta, ox)
    oy = np.where(last, ny[corner] * delta, oy)
    miter = concave[corner]
    scale = delta / (1.0 + cos_a[corner])
    ox = np.where(miter, (kx[corner] + nx[corner]) * scale, ox)
    oy = np.where(miter, (ky[corner] + ny[corner]) * scale, oy)
    out = np.stack([p[corner, 0] + ox, p[corner, 1] + oy], axis=1)
    return round_half_away(out)


def grown_fill_area(rings: list[np.ndarray], grow: int, max_error: int = ARC_ERROR_NM) -> float:
    """Area [nm^2] of the fill rings (fractured, as written) once grown by ``grow``."""
    loops = [loop for ring in rings if len(ring) >= 3 for loop in unfracture(ring)]
    if not loops:
        return 0.0
    areas = [_signed_area(loop) for loop in loops]
    lowest = max(range(len(loops)), key=lambda i: int(loops[i][:, 1].max()))
    outer_sign = 1.0 if areas[lowest] > 0 else -1.0
    delta = float(grow) * outer_sign
    steps_360 = _steps(grow, max_error)
    total = 0.0
    for loop, area in zip(loops, areas):
        if area == 0:
            continue
        moved = _offset_loop(loop, delta, steps_360)
        grown = _signed_area(moved) if len(moved) >= 3 else 0.0
        if grown * area <= 0:
            continue  # a hole that closed
        total += grown * outer_sign
    return abs(total)
