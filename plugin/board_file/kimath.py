"""KiCad's integer geometry, reproduced operation for operation so results match to the nanometre.

Angles are degrees as KiCad's EDA_ANGLE holds them (a double); rotation is counter-clockwise as
KiCad shows it, which with y pointing down is ``x' = y sin + x cos, y' = y cos - x sin``.
Cardinal angles take KiCad's exact shortcuts; every other result is rounded half away from zero.
"""
from __future__ import annotations

import math

import numpy as np

__all__ = ["normalize", "normalize180", "sin_cos", "rotate", "rotate_many", "round_half_away",
           "area2"]


def normalize(deg: float) -> float:
    """EDA_ANGLE::Normalize: into [0, 360)."""
    while deg < -0.0:
        deg += 360.0
    while deg >= 360.0:
        deg -= 360.0
    return deg


def normalize180(deg: float) -> float:
    """EDA_ANGLE::Normalize180: into (-180, 180]."""
    while deg <= -180.0:
        deg += 360.0
    while deg > 180.0:
        deg -= 360.0
    return deg


def sin_cos(deg: float) -> tuple[float, float]:
    """EDA_ANGLE::Sin and ::Cos, exact at the cardinal angles."""
    n = normalize(deg)
    if n == 0.0:
        return 0.0, 1.0
    if n == 90.0:
        return 1.0, 0.0
    if n == 180.0:
        return 0.0, -1.0
    if n == 270.0:
        return -1.0, 0.0
    rad = n * (math.pi / 180.0)
    return math.sin(rad), math.cos(rad)


def _kiround(v: float) -> int:
    return int(v + 0.5) if v >= 0 else int(v - 0.5)


def rotate(x: int, y: int, deg: float) -> tuple[int, int]:
    """RotatePoint(int x, int y, angle) about the origin."""
    n = normalize(deg)
    if n == 0.0:
        return x, y
    if n == 90.0:
        return y, -x
    if n == 180.0:
        return -x, -y
    if n == 270.0:
        return -y, x
    rad = n * (math.pi / 180.0)
    s, c = math.sin(rad), math.cos(rad)
    return _kiround(y * s + x * c), _kiround(y * c - x * s)


def round_half_away(v: np.ndarray) -> np.ndarray:
    """KiROUND over an array of doubles (int64 out)."""
    return np.trunc(np.where(v < 0, v - 0.5, v + 0.5)).astype(np.int64)


def rotate_many(x: np.ndarray, y: np.ndarray, deg: float) -> tuple[np.ndarray, np.ndarray]:
    """``rotate`` over int64 arrays, one angle."""
    n = normalize(deg)
    if n == 0.0:
        return x.copy(), y.copy()
    if n == 90.0:
        return y.copy(), -x
    if n == 180.0:
        return -x, -y
    if n == 270.0:
        return -y, x.copy()
    rad = n * (math.pi / 180.0)
    s, c = math.sin(rad), math.cos(rad)
    xf, yf = x.astype(np.float64), y.astype(np.float64)
    return round_half_away(yf * s + xf * c), round_half_away(yf * c - xf * s)


def area2(ring) -> int:
    """Twice the signed area of a closed ring of (x, y) points (shoelace), exact for integers."""
    s = 0
    n = len(ring)
    for i in range(n):
        x1, y1 = ring[i]
        x2, y2 = ring[(i + 1) % n]
        s += x1 * y2 - x2 * y1
    return s
