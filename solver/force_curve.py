"""Force-height curve of one molten joint: the axial force at a prescribed height.

:func:`loaded_joint` answers "how high under this load"; a rigid package on many joints needs
the converse, the force each joint exerts when the package holds it at height H. This module
solves the same axisymmetric Young-Laplace meridian (docs/sources.md S5), shooting on
(psi(0), p0, S) with the residuals

    r(S) - a_p = 0,   V(S) - V = 0,   z(S) - H = 0,

and reports the force on the package pad F = pi a_p^2 (p0 - rho g H) - 2 pi a_p sigma sin psi(S)
(positive: the joint pushes the package up, i.e. it is squeezed; negative: it pulls). Heights
are the unknown's parameter, so the curve passes the point of largest pull (where a load-driven
solve folds) without trouble.

Every height starts from a circular-arc meridian through both rims holding the joint's volume
(the approximation of Heinrich et al., docs/sources.md S5), then Newton polishes all heights of
all joints in one vectorised batch. :func:`force_curves` tabulates F, the widest diameter and the
status on a fixed grid of heights around each joint's free height, and finds the two ends of the
usable range: squeezed until the solder bulges past a pad plane (``UNPINNED``), and stretched
past the largest pull, beyond which the joint necks (``necking_height_mm``).

Units: lengths [mm], volume [mm^3], force [mN], surface tension [N/m], density [g/cm^3].
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import _status
from .load import G_STANDARD, _integrate, damped_newton
from .truncated_sphere import segment_height

__all__ = ["joint_force", "force_curves", "ForceCurves", "RELATIVE_GRID"]

RELATIVE_GRID = np.round(np.r_[np.linspace(-0.6, 0.0, 31)[:-1], np.linspace(0.0, 1.5, 61)], 12)
"""Heights of the tabulated curves, as H / H_free - 1: 0.02 steps squeezed, 0.025 stretched;
0 (the free height, zero force) is a knot, so a flat package lands on it exactly."""
_GAUSS_T, _GAUSS_W = np.polynomial.legendre.leggauss(24)
_GAUSS_T, _GAUSS_W = 0.5 * (_GAUSS_T + 1.0), 0.5 * _GAUSS_W
_MAX_ITER = 30


def _arc(a_b, c, psi0, beta, t):
    """Circular-arc meridian from (a_b, 0) with chord c and half-turning beta, at t in [0, 1]."""
    ratio = t * np.sinc(beta * t / np.pi) / np.sinc(beta / np.pi)  # sin(beta t) / sin(beta)
    r = a_b + c * np.cos(psi0 + beta * t) * ratio
    z = c * np.sin(psi0 + beta * t) * ratio
    return r, z


def _arc_volume(a_b, c, phi, beta):
    """Volume of revolution under the arc, sum of pi r^2 dz (Gauss-Legendre in t)."""
    t = _GAUSS_T[:, None]
    psi0 = phi - beta
    r, _ = _arc(a_b, c, psi0, beta, t)
    # dz/dt = S sin(psi) with S = c beta / sin(beta)
    speed = c / np.sinc(beta / np.pi)
    dz = speed * np.sin(psi0 + 2.0 * beta * t)
    vol = np.pi * np.sum(_GAUSS_W[:, None] * r * r * dz, axis=0)
    return vol, r.min(axis=0)


def _arc_guess(a_b, a_p, height, volume):
    """(psi0, p0, S) of the circular arc through both rims that holds ``volume`` (bisection)."""
    dx = a_p - a_b
    c = np.hypot(dx, height)
    phi = np.arctan2(height, dx)
    lo = np.full(a_b.shape, -1.4)
    hi = np.full(a_b.shape, np.pi - 0.02)
    for _ in range(45):  # a start for Newton: 1e-13 rad is plenty
        mid = 0.5 * (lo + hi)
        vol, rmin = _arc_volume(a_b, c, phi, mid)
        too_big = (vol > volume) & (rmin > 0)
        hi = np.where(too_big | (rmin <= 0) & (mid > 0), mid, hi)
        lo = np.where(too_big | (rmin <= 0) & (mid > 0), lo, mid)
    beta = 0.5 * (lo + hi)
    psi0 = phi - beta
    arc = c * beta / np.sin(np.where(np.abs(beta) < 1e-9, 1e-9, beta))
    t = _GAUSS_T[:, None]
    r, _ = _arc(a_b, c, psi0, beta, t)
    curvature = 2.0 * np.sin(beta) / c
    pressure = curvature + np.sum(_GAUSS_W[:, None] * np.sin(psi0 + 2 * beta * t)
                                  / np.maximum(r, 1e-9), axis=0)
    return np.stack([psi0, pressure, arc], axis=1)


def _residual(x, a_b, a_p, vol, height, bond, steps):
    r, z, psi, v, *_ = _integrate(a_b, x[..., 0], x[..., 1], x[..., 2], bond, steps)
    return np.stack([r - a_p, v - vol, z - height], axis=-1)


def _newton(x, a_b, a_p, vol, height, bond, steps):
    """Damped Newton for a given height, every lane at once; (x, converged)."""
    def residual(points, *params):
        return _residual(points, *params, steps)

    return damped_newton(x, residual, (a_b, a_p, vol, height, bond), _MAX_ITER)


def joint_force(a_b, a_p, volume, height_mm, surface_tension=0.5, density=7.4, gravity=False,
                steps=64):
    """Axial force of pinned joints held at given heights; vectorised over joints.

    Parameters
    ----------
    a_b, a_p : wetted radii on the board and package contact planes [mm]
    volume : spherical-segment volume V_seg of the joint [mm^3]
    height_mm : distance between the contact planes [mm]
    surface_tension : [N/m]; density : [g/cm^3], used only with ``gravity``
    gravity : include the solder's own weight (Bond number about 2e-3 at BGA scale; off by
        default so that zero force falls exactly on the truncated sphere's height)
    steps : RK4 steps along the meridian

    Returns
    -------
    dict of arrays: ``force_mN`` (positive pushes the package up), ``max_diameter_mm``,
    ``rim_angle_board_deg``, ``rim_angle_pkg_deg``, ``min_diameter_mm`` (the neck), ``status``
    (0 ok; ``UNPINNED`` squeezed past a pad plane; ``NO_EQUILIBRIUM`` no pinned shape found).

    Examples
    --------
    >>> from bgacheck.solver import segment_height
    >>> h0 = float(segment_height(0.125, 0.125, 0.009291))
    >>> abs(float(joint_force(0.125, 0.125, 0.009291, h0)["force_mN"][0])) < 1e-8
    True
    """
    a_b, a_p, vol, hgt, sigma, rho = (
        np.array(q, dtype=float, copy=True).ravel()
        for q in np.broadcast_arrays(*(np.asarray(q, dtype=float) for q in (
            a_b, a_p, volume, height_mm, surface_tension, density))))
    n = a_b.size
    status = np.full(n, _status.OK, dtype=np.int8)
    finite = np.isfinite(a_b) & np.isfinite(a_p) & np.isfinite(vol) & np.isfinite(hgt)
    ok = finite & (a_b > 0) & (a_p > 0) & (vol > 0) & (hgt > 0) & (sigma > 0)
    status[~ok] = _status.INVALID_INPUT
    scale = np.where(ok, np.maximum(a_b, a_p), 1.0)
    sa_b, sa_p = np.where(ok, a_b, 1.0) / scale, np.where(ok, a_p, 1.0) / scale
    svol = np.where(ok, vol, 1.0) / scale ** 3
    shgt = np.where(ok, hgt, 1.0) / scale
    sig = np.where(ok, sigma, 1.0)
    bond = rho * G_STANDARD * 1e-3 * scale ** 2 / sig if gravity else np.zeros(n)
    x = _arc_guess(sa_b, sa_p, shgt, svol)
    x, conv = _newton(x, sa_b, sa_p, svol, shgt, bond, steps)
    r, z, psi, _v, z_min, z_max, r_min, r_max = _integrate(sa_b, x[:, 0], x[:, 1], x[:, 2], bond,
                                                           steps)
    status[ok & ~conv] = _status.NO_EQUILIBRIUM
    tol = 1e-9
    unpinned = (x[:, 0] <= 0.0) | (psi >= np.pi) | (z_min < -tol) | (z_max > z + tol)
    status[(status == _status.OK) & unpinned] = _status.UNPINNED
    status[(status == _status.OK) & (r_min <= 1e-6)] = _status.NO_EQUILIBRIUM
    good = status == _status.OK
    force = np.pi * sa_p ** 2 * (x[:, 1] - bond * z) - 2.0 * np.pi * sa_p * np.sin(psi)
    force = force * sig * scale
    zero = 0.0
    return {
        "force_mN": np.where(good, force, zero),
        "max_diameter_mm": np.where(good, 2.0 * r_max * scale, zero),
        "min_diameter_mm": np.where(good, 2.0 * r_min * scale, zero),
        "rim_angle_board_deg": np.where(good, 180.0 - np.degrees(x[:, 0]), zero),
        "rim_angle_pkg_deg": np.where(good, np.degrees(psi), zero),
        "status": status,
    }


@dataclass(frozen=True)
class ForceCurves:
    """Tabulated force-height curves of distinct joints, one row per joint.

    ``height_mm`` (n, k) knots = ``free_height_mm`` x (1 + RELATIVE_GRID); ``force_mN``,
    ``slope_mN_per_mm`` and ``max_diameter_mm`` at the knots; the usable range of row i is knots
    ``first[i]`` .. ``last[i]`` (``squeezed_height_mm`` to ``necking_height_mm``). Inside it the
    curves are monotone cubic (PCHIP) in the height; outside they continue linearly with the end
    slope (steeper and steeper when squeezed, flat at the largest pull), and callers treat such
    heights as out of the model (squeezed past the pads, or necked).
    """

    free_height_mm: np.ndarray
    height_mm: np.ndarray
    force_mN: np.ndarray
    slope_mN_per_mm: np.ndarray
    max_diameter_mm: np.ndarray
    first: np.ndarray
    last: np.ndarray

    @property
    def squeezed_height_mm(self) -> np.ndarray:
        """Lowest height with a pinned joint [mm] (below it the solder bulges past a pad)."""
        return self.height_mm[np.arange(len(self.first)), self.first]

    @property
    def necking_height_mm(self) -> np.ndarray:
        """Height of the largest pull [mm]: stretched further, the joint necks."""
        return self.height_mm[np.arange(len(self.last)), self.last]

    @property
    def largest_pull_mN(self) -> np.ndarray:
        """The most a joint can pull on the package [mN] (negative)."""
        return self.force_mN[np.arange(len(self.last)), self.last]

    def evaluate(self, curve, height_mm):
        """(force [mN], dF/dH [mN/mm], widest diameter [mm]) for joints ``curve`` at heights."""
        curve = np.asarray(curve, dtype=np.int64)
        h = np.asarray(height_mm, dtype=float)
        u = h / self.free_height_mm[curve] - 1.0
        k = np.searchsorted(RELATIVE_GRID, u, side="right") - 1
        lo, hi = self.first[curve], self.last[curve]
        k = np.clip(k, lo, np.maximum(hi - 1, lo))
        k1 = np.minimum(k + 1, hi)
        h0, h1 = self.height_mm[curve, k], self.height_mm[curve, k1]
        f0, f1 = self.force_mN[curve, k], self.force_mN[curve, k1]
        m0, m1 = self.slope_mN_per_mm[curve, k], self.slope_mN_per_mm[curve, k1]
        step = np.where(h1 > h0, h1 - h0, 1.0)
        t = (h - h0) / step
        tc = np.clip(t, 0.0, 1.0)
        h00, h10 = 2 * tc ** 3 - 3 * tc ** 2 + 1, tc ** 3 - 2 * tc ** 2 + tc
        h01, h11 = -2 * tc ** 3 + 3 * tc ** 2, tc ** 3 - tc ** 2
        f = h00 * f0 + h10 * step * m0 + h01 * f1 + h11 * step * m1
        d = ((6 * tc ** 2 - 6 * tc) * f0 + (3 * tc ** 2 - 4 * tc + 1) * step * m0
             + (-6 * tc ** 2 + 6 * tc) * f1 + (3 * tc ** 2 - 2 * tc) * step * m1) / step
        below, above = t < 0.0, t > 1.0
        f = np.where(below, f0 + m0 * (h - h0), np.where(above, f1 + m1 * (h - h1), f))
        d = np.where(below, m0, np.where(above, m1, d))
        dia0, dia1 = self.max_diameter_mm[curve, k], self.max_diameter_mm[curve, k1]
        dia = dia0 + (dia1 - dia0) * tc
        # Squeezed past the pinned model the solder spreads: a barrel of the same volume.
        dia = np.where(below, dia0 * np.sqrt(h0 / np.maximum(h, 1e-6 * h0)), dia)
        return f, d, dia


def _pchip_slopes(x, y):
    """Fritsch-Carlson slopes of a monotone piecewise cubic through (x, y) (1-D)."""
    if len(x) < 2:
        return np.zeros_like(y)
    h = np.diff(x)
    delta = np.diff(y) / h
    m = np.zeros_like(y)
    m[0], m[-1] = delta[0], delta[-1]
    if len(x) > 2:
        same = delta[:-1] * delta[1:] > 0
        w1, w2 = 2 * h[1:] + h[:-1], h[1:] + 2 * h[:-1]
        with np.errstate(divide="ignore", invalid="ignore"):
            inner = (w1 + w2) / (w1 / delta[:-1] + w2 / delta[1:])
        m[1:-1] = np.where(same, inner, 0.0)
    return m


def force_curves(a_b, a_p, volume, surface_tension=0.5, steps=32) -> ForceCurves:
    """Force-height tables of distinct joints (1-D arrays of one length) on RELATIVE_GRID.

    The usable range runs from the last squeezed knot that is still pinned to the knot of
    largest pull (the minimum of F): a joint stretched past it necks, and a rigid package can
    no longer hold it there. If the last knot still pulls harder than its neighbour the range
    ends there (the grid reaches 2.5 x the free height), which errs on the short side.
    32 RK4 steps along the meridian keep the force within 1e-4 of its scale (tested against 256).
    """
    a_b, a_p, volume = (np.atleast_1d(np.asarray(q, dtype=float)) for q in (a_b, a_p, volume))
    n, k = a_b.size, RELATIVE_GRID.size
    h_free = segment_height(a_b, a_p, volume)
    heights = h_free[:, None] * (1.0 + RELATIVE_GRID[None, :])
    sol = joint_force(np.repeat(a_b, k), np.repeat(a_p, k), np.repeat(volume, k), heights.ravel(),
                      surface_tension=surface_tension, steps=steps)
    force = sol["force_mN"].reshape(n, k)
    dia = sol["max_diameter_mm"].reshape(n, k)
    ok = (sol["status"] == _status.OK).reshape(n, k)
    zero = int(np.flatnonzero(RELATIVE_GRID == 0.0)[0])
    force[:, zero], ok[:, zero] = 0.0, True  # the truncated sphere, exactly
    first = np.full(n, zero)
    last = np.full(n, zero)
    slope = np.zeros_like(force)
    for i in range(n):
        j = zero
        while j > 0 and ok[i, j - 1] and force[i, j - 1] > force[i, j]:
            j -= 1
        first[i] = j
        j = zero
        while j < k - 1 and ok[i, j + 1] and force[i, j + 1] < force[i, j]:
            j += 1
        last[i] = j
        span = slice(first[i], last[i] + 1)
        slope[i, span] = _pchip_slopes(heights[i, span], force[i, span])
    # At the largest pull F has its minimum: flat there, so a joint held higher keeps that pull.
    # A range that ends on the grid's last knot (or a failed solve) is no minimum: its end slope
    # stays (the curve goes on falling).
    beyond = np.minimum(last + 1, k - 1)
    minimum = (last < k - 1) & ok[np.arange(n), beyond]
    slope[np.arange(n)[minimum], last[minimum]] = 0.0
    return ForceCurves(free_height_mm=h_free, height_mm=heights, force_mN=force,
                       slope_mN_per_mm=slope, max_diameter_mm=dia, first=first, last=last)
