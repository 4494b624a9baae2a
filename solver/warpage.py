"""A warped, rigid package on molten joints: height, force and status of every ball.

The package is a rigid body whose underside has a given shape; the board under it may have its
own. Three unknowns place it (docs/sources.md S8): its height ``z`` at the array centre and
two tilts ``a``, ``b``, so the gap at ball i is

    g_i = z + a x_i + b y_i + s_i,          s_i = package shape - board shape at ball i,

and each joint pushes with F_i(g_i) from its force-height curve (:mod:`.force_curve`). The
equilibrium balances the weight and leaves no moment about the centre:

    sum F_i = W,    sum F_i x_i = 0,    sum F_i y_i = 0.

F_i falls with g_i, so this is the minimum of a convex potential and damped Newton finds it.
Two ways a joint fails to form, checked per ball:

- **head-in-pillow**: when the solder melts the package still stands on its unmelted balls, the
  ones the warpage leaves lowest; every other ball is lifted off the printed paste by its share
  of the shape, ``lift_i = s_i - min s`` (corners up) or ``max s - s_i`` (corners down). A ball
  lifted more than its paste deposit is high never touches the paste and carries no force;
- **stretching**: a joint that did form but is held higher than its largest pull
  (``necking_height``) is drawn into an hourglass that can hold no more than that pull; it keeps
  pulling with it (the curve is flat there) and is flagged, a risk rather than a certain open.

A squeezed joint bulges: its widest diameter at g_i against each neighbour's leaves the bulge
gap that the bridging check compares with the spacing rule.

Warpage convention: the package's corner deviation from its centre plane at reflow peak,
positive when the corners rise away from the board (JEDEC JESD22-B112 and JEITA ED-7306 call
that shape concave and give it a negative sign); the board's, positive when its surface under
the corners rises toward the package. Only the difference matters for the joints.
Units: lengths [mm], forces [mN], mass [g].
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .force_curve import ForceCurves
from .load import G_STANDARD

__all__ = ["bowl_shape", "premelt_lift", "solve_package", "PackageBalance", "STATUS_NAMES",
           "absorbable_warpage", "WarpageLimit", "bulge_gaps",
           "JOINT_OK", "JOINT_HEAD_IN_PILLOW", "JOINT_STRETCHED", "JOINT_SQUEEZED"]

JOINT_OK, JOINT_HEAD_IN_PILLOW, JOINT_STRETCHED, JOINT_SQUEEZED = 0, 1, 2, 3
STATUS_NAMES = ("ok", "head_in_pillow", "stretched", "squeezed")
"""Per-ball joint status: formed; never met its paste; formed and held above its largest pull
(an hourglass that may neck open); formed and squeezed until the solder bulges past a pad
plane (beyond the pinned model: its spread is estimated, and only bridging to a neighbour makes
it a risk)."""
_MAX_NEWTON = 60


def bowl_shape(x_mm, y_mm, corner_mm, radius_mm=None):
    """A spherical-bowl (paraboloid) shape s = W r^2 / R^2 at each ball [mm].

    Parameters
    ----------
    x_mm, y_mm : ball positions relative to the array centre [mm]
    corner_mm : W, the deviation at radius R from the centre plane (positive: corners up)
    radius_mm : R; default the farthest ball from the centre (the corner ball)

    Examples
    --------
    >>> bowl_shape([0.0, 3.0], [0.0, 4.0], 0.1).tolist()
    [0.0, 0.1]
    """
    x, y = np.asarray(x_mm, dtype=float), np.asarray(y_mm, dtype=float)
    r2 = x * x + y * y
    big = float(r2.max()) if radius_mm is None else float(radius_mm) ** 2
    return float(corner_mm) * r2 / (big if big > 0 else 1.0)


def premelt_lift(shape_mm):
    """How far each ball stands above the paste when the solder melts [mm].

    The unmelted package rests on the balls where the gap shape is smallest (the centre of a
    corners-up bowl, the corners of a corners-down one); every other ball is that much higher.
    """
    s = np.asarray(shape_mm, dtype=float)
    return s - s.min() if s.size else s


@dataclass(frozen=True)
class PackageBalance:
    """The rigid package's equilibrium and what it means for every ball.

    ``height_mm`` gap g_i between the contact planes; ``force_mN`` per joint (0 for joints that
    did not form); ``status`` per ball (``STATUS_NAMES``); ``lift_mm`` before melting;
    ``diameter_mm`` widest joint diameter; ``z_mm``, ``tilt_x``, ``tilt_y`` (dz/dx, dz/dy) of
    the package; ``residual_mN`` the largest force or moment imbalance left (moments over 1 mm);
    ``converged``.
    """

    height_mm: np.ndarray
    force_mN: np.ndarray
    status: np.ndarray
    lift_mm: np.ndarray
    diameter_mm: np.ndarray
    z_mm: float
    tilt_x: float
    tilt_y: float
    residual_mN: float
    converged: bool


def _newton(x, y, s, curve, curves, engaged, weight, tilt, q):
    """Damped Newton on (z, a, b) for the engaged joints; returns (q, residual, converged)."""
    basis = np.stack([np.ones_like(x), x, y])[:3 if tilt else 1]
    target = np.zeros(basis.shape[0])
    target[0] = weight
    c, xe = curve[engaged], basis[:, engaged]
    se = s[engaged]

    def state(qq):
        g = qq[: basis.shape[0]] @ xe + se
        f, d, _ = curves.evaluate(c, g)
        return xe @ f - target, f, d

    res, _f, d = state(q)
    norm = float(np.max(np.abs(res))) if res.size else 0.0
    for _ in range(_MAX_NEWTON):
        if norm < 1e-10 * max(1.0, abs(weight)):
            return q, norm, True
        jac = (xe * d) @ xe.T
        try:
            step = np.linalg.lstsq(jac, -res, rcond=1e-12)[0]
        except np.linalg.LinAlgError:
            return q, norm, False
        lam = 1.0
        while lam > 1e-6:
            trial = q.copy()
            trial[: basis.shape[0]] += lam * step
            r2, _f2, d2 = state(trial)
            n2 = float(np.max(np.abs(r2)))
            if n2 < norm or lam < 1e-3:
                q, res, d, norm = trial, r2, d2, n2
                break
            lam *= 0.5
        else:
            return q, norm, False
    return q, norm, norm < 1e-8 * max(1.0, abs(weight))


def solve_package(x_mm, y_mm, curve, curves: ForceCurves, shape_mm=0.0, mass_g=0.0,
                  paste_height_mm=None, tilt=True) -> PackageBalance:
    """Equilibrium of a rigid package on its joints, and each ball's status.

    Parameters
    ----------
    x_mm, y_mm : ball positions relative to the point the weight acts through [mm]
    curve : index of each ball's force-height curve in ``curves``
    curves : :class:`ForceCurves` of the distinct joints
    shape_mm : s_i, package shape minus board shape at each ball [mm] (scalar or per ball)
    mass_g : package mass [g]; its weight presses the joints (0: weightless)
    paste_height_mm : printed paste deposit per ball [mm]; None skips the head-in-pillow test
    tilt : False holds the package level and solves its height only

    Returns
    -------
    :class:`PackageBalance`
    """
    x, y = np.asarray(x_mm, dtype=float), np.asarray(y_mm, dtype=float)
    n = x.size
    curve = np.broadcast_to(np.asarray(curve, dtype=np.int64), (n,))
    s = np.broadcast_to(np.asarray(shape_mm, dtype=float), (n,)).astype(float)
    weight = float(mass_g) * G_STANDARD
    lift = premelt_lift(s)
    status = np.zeros(n, dtype=np.int8)
    if paste_height_mm is not None:
        paste = np.broadcast_to(np.asarray(paste_height_mm, dtype=float), (n,))
        status[lift > paste + 1e-12] = JOINT_HEAD_IN_PILLOW
    engaged = status == JOINT_OK
    free = curves.free_height_mm[curve]
    q = np.zeros(3)
    q[0] = float(np.mean(free[engaged] - s[engaged])) if engaged.any() else 0.0
    norm, ok = 0.0, True
    if engaged.any():
        use_tilt = tilt and _spans_plane(x[engaged], y[engaged])
        q, norm, ok = _newton(x, y, s, curve, curves, engaged, weight, use_tilt, q)
    g = q[0] + q[1] * x + q[2] * y + s
    f, _d, dia = curves.evaluate(curve, g)
    status[engaged & (g > curves.necking_height_mm[curve] + 1e-12)] = JOINT_STRETCHED
    status[engaged & (g < curves.squeezed_height_mm[curve] - 1e-12)] = JOINT_SQUEEZED
    return PackageBalance(height_mm=g, force_mN=np.where(engaged, f, 0.0), status=status,
                          lift_mm=lift, diameter_mm=np.where(engaged, dia, 0.0), z_mm=float(q[0]),
                          tilt_x=float(q[1]), tilt_y=float(q[2]), residual_mN=float(norm),
                          converged=bool(ok))


def _spans_plane(x, y) -> bool:
    """True when the points are not all on one line (a tilt about both axes is determined)."""
    if x.size < 3:
        return False
    pts = np.column_stack([x - x.mean(), y - y.mean()])
    return bool(np.linalg.matrix_rank(pts, tol=1e-9 * max(1.0, float(np.abs(pts).max()))) == 2)


def bulge_gaps(diameter_mm, pairs):
    """Gap between the widest diameters of neighbouring joints [mm], one per pair.

    ``pairs`` is (i, j, centre distance [mm]); a joint that did not form (diameter 0) leaves
    its neighbour's whole half-distance.
    """
    i, j, dist = pairs
    d = np.asarray(diameter_mm, dtype=float)
    return np.asarray(dist, dtype=float) - 0.5 * (d[i] + d[j])


@dataclass(frozen=True)
class WarpageLimit:
    """The largest relative warpage, one direction, before the first ball fails [mm].

    ``limit_mm`` >= 0; ``mechanism`` one of head_in_pillow, stretched, bridging, or ""
    when nothing failed up to ``cap_mm``; ``ball`` the index of the first ball to fail (-1),
    ``balls`` every ball that fails at that warpage (symmetric corners fail together).
    """

    direction: int
    limit_mm: float
    mechanism: str
    ball: int
    balls: tuple = ()


def absorbable_warpage(x_mm, y_mm, curve, curves: ForceCurves, unit_shape, direction,
                       mass_g=0.0, paste_height_mm=None, pairs=None, min_gap_mm=0.0,
                       cap_mm=1.0, tol_mm=1e-5) -> WarpageLimit:
    """How much relative warpage the joints absorb before one opens, overstretches or bridges.

    ``unit_shape`` is the shape at unit corner warpage (:func:`bowl_shape` with 1.0);
    ``direction`` +1 for corners up, -1 for corners down. Head-in-pillow has a closed form
    (lift grows linearly with the warpage); stretching and bridging are found by bisection on the
    rigid-package balance, which each warpage step only makes worse. A joint squeezed past the
    pinned model is no failure by itself: its bulge (a barrel of the same volume) counts for
    bridging.
    """
    unit = np.asarray(unit_shape, dtype=float) * (1.0 if direction > 0 else -1.0)
    per_mm = premelt_lift(unit)  # lift per mm of warpage
    limit, mech, ball, tied = float(cap_mm), "", -1, ()
    if paste_height_mm is not None:
        paste = np.broadcast_to(np.asarray(paste_height_mm, dtype=float), unit.shape)
        with np.errstate(divide="ignore"):
            w = np.where(per_mm > 1e-12, paste / np.where(per_mm > 1e-12, per_mm, 1.0), np.inf)
        k = int(np.argmin(w))
        if w[k] < limit:
            limit, mech, ball = float(w[k]), "head_in_pillow", k
            tied = tuple(int(i) for i in np.flatnonzero(w <= w[k] * (1 + 1e-9) + 1e-12))

    def failure(w_mm):
        bal = solve_package(x_mm, y_mm, curve, curves, unit * w_mm, mass_g)
        bad = (bal.status != JOINT_OK) & (bal.status != JOINT_SQUEEZED)
        if bad.any():
            k = int(np.flatnonzero(bad)[0])
            return STATUS_NAMES[int(bal.status[k])], tuple(int(i) for i in np.flatnonzero(
                bal.status == bal.status[k]))
        if pairs is not None and len(pairs[0]):
            gaps = bulge_gaps(bal.diameter_mm, pairs)
            low = gaps < min_gap_mm
            if low.any():
                near = np.unique(np.r_[pairs[0][low], pairs[1][low]])
                return "bridging", tuple(int(i) for i in near)
        return "", ()

    mech_hi, balls_hi = failure(limit)
    if not mech_hi:
        return WarpageLimit(direction, limit, mech, ball, tied)
    mech0, balls0 = failure(0.0)
    if mech0:
        return WarpageLimit(direction, 0.0, mech0, balls0[0], balls0)
    lo, hi = 0.0, limit
    while hi - lo > tol_mm:
        mid = 0.5 * (lo + hi)
        m, b = failure(mid)
        if m:
            hi, mech_hi, balls_hi = mid, m, b
        else:
            lo = mid
    return WarpageLimit(direction, lo, mech_hi, balls_hi[0], balls_hi)
