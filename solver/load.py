"""Joint height under package weight: the axisymmetric Young-Laplace force balance.

Meridian from the board rim (arc length s, angle psi to the pad plane; docs/sources.md S5):

    dr/ds = cos psi,  dz/ds = sin psi,  dpsi/ds = (p0 - rho g z) / sigma - sin(psi) / r,
    dV/ds = pi r^2 sin psi,   r(0) = a_b, z(0) = 0, r(S) = a_p, V(S) = V_seg,
    force on the package pad  F = pi a_p^2 (p0 - rho g H) - 2 pi a_p sigma sin psi(S) = W.

Shooting on (psi(0), p0, S) with Newton (finite-difference Jacobian), RK4 on a fixed grid,
vectorised over joints; the zero-load truncated sphere is the starting point and the load is
applied in stages if a direct solve fails. A pinned solution whose surface leaves the slab between
the pad planes (rim angle >= 180 deg) is reported as UNPINNED, never as a height.
Units: lengths [mm], volume [mm^3], force [mN] (= N/m x mm), surface tension [N/m],
density [g/cm^3].
"""
from __future__ import annotations

import numpy as np

from . import _status
from .truncated_sphere import segment_height, segment_shape

__all__ = ["G_STANDARD", "mg_to_mN", "loaded_joint"]

G_STANDARD = 9.80665  # standard gravity [m/s^2]
_RK_STEPS = 64
_MAX_ITER = 40


def mg_to_mN(load_mg):
    """Weight of a mass in mg, in mN (1 mg x g0 = 9.80665e-3 mN)."""
    return np.asarray(load_mg, dtype=float) * G_STANDARD * 1e-3


def _integrate(a_b, psi0, pres, arc, bond, steps=_RK_STEPS):
    """RK4 along the meridian in t in [0, 1] (s = arc t); returns end state and path extrema."""
    r = a_b.copy()
    z = np.zeros_like(r)
    psi = psi0.copy()
    v = np.zeros_like(r)
    dt = 1.0 / steps
    z_min = z.copy()
    z_max = z.copy()
    r_min = r.copy()
    r_max = r.copy()

    def rhs(r_, z_, psi_):
        sin_p = np.sin(psi_)
        r_safe = np.maximum(r_, 1e-12)
        return (
            arc * np.cos(psi_),
            arc * sin_p,
            arc * (pres - bond * z_ - sin_p / r_safe),
            arc * np.pi * r_ * r_ * sin_p,
        )

    for _ in range(steps):
        k1 = rhs(r, z, psi)
        k2 = rhs(r + 0.5 * dt * k1[0], z + 0.5 * dt * k1[1], psi + 0.5 * dt * k1[2])
        k3 = rhs(r + 0.5 * dt * k2[0], z + 0.5 * dt * k2[1], psi + 0.5 * dt * k2[2])
        k4 = rhs(r + dt * k3[0], z + dt * k3[1], psi + dt * k3[2])
        r = r + dt / 6.0 * (k1[0] + 2.0 * k2[0] + 2.0 * k3[0] + k4[0])
        z = z + dt / 6.0 * (k1[1] + 2.0 * k2[1] + 2.0 * k3[1] + k4[1])
        psi = psi + dt / 6.0 * (k1[2] + 2.0 * k2[2] + 2.0 * k3[2] + k4[2])
        v = v + dt / 6.0 * (k1[3] + 2.0 * k2[3] + 2.0 * k3[3] + k4[3])
        np.minimum(z_min, z, out=z_min)
        np.maximum(z_max, z, out=z_max)
        np.minimum(r_min, r, out=r_min)
        np.maximum(r_max, r, out=r_max)
    return r, z, psi, v, z_min, z_max, r_min, r_max


def _residual(x, a_b, a_p, vol, w, bond):
    """Residuals (r(S) - a_p, V(S) - V, F - w) for unknowns x = (psi0, p0, S), dimensionless."""
    r, z, psi, v, *_ = _integrate(a_b, x[..., 0], x[..., 1], x[..., 2], bond)
    force = np.pi * a_p * a_p * (x[..., 1] - bond * z) - 2.0 * np.pi * a_p * np.sin(psi)
    return np.stack([r - a_p, v - vol, force - w], axis=-1)


def damped_newton(x, residual, params, max_iter: int):
    """Damped Newton on three shooting unknowns per lane, every lane at once; (x, converged).

    ``residual(points, *params)`` maps (n, 3) unknowns to (n, 3) residuals; ``params`` are
    per-lane arrays. The Jacobian is a forward difference, the base point and its three
    perturbations evaluated in one call; steps are damped so that the start angle, pressure and
    arc length change moderately; a lane stops when its step is negligible or cannot be taken.
    """
    n = x.shape[0]
    done = np.zeros(n, dtype=bool)
    eps = 1e-7
    for _ in range(max_iter):
        idx = np.flatnonzero(~done)
        if idx.size == 0:
            break
        xi = x[idx]
        pert = np.repeat(xi[None, :, :], 4, axis=0)
        h = eps * np.maximum(np.abs(xi), 1.0)
        for j in range(3):
            pert[j + 1, :, j] += h[:, j]
        args = [np.tile(q[idx], 4) for q in params]
        res = residual(pert.reshape(-1, 3), *args).reshape(4, idx.size, 3)
        f0 = res[0]
        jac = np.stack([(res[j + 1] - f0) / h[:, j, None] for j in range(3)], axis=-1)
        with np.errstate(all="ignore"):
            try:
                dx = np.linalg.solve(jac, -f0[..., None])[..., 0]
            except np.linalg.LinAlgError:
                dx = np.full_like(xi, np.nan)
        bad = ~np.all(np.isfinite(dx), axis=1)
        dx[bad] = 0.0
        limit = np.stack([np.full(idx.size, 0.3), 0.5 * np.abs(xi[:, 1]) + 0.5,
                          0.3 * np.abs(xi[:, 2])], axis=1)
        scale = np.min(np.where(np.abs(dx) > limit, limit / np.maximum(np.abs(dx), 1e-300), 1.0),
                       axis=1)
        x[idx] = xi + scale[:, None] * dx
        small = np.all(np.abs(dx) <= 1e-11 * np.maximum(np.abs(xi), 1.0), axis=1) & (scale == 1.0)
        done[idx[small | bad]] = True  # a bad lane is flagged by the residual check below
    res = residual(x, *params)
    return x, np.all(np.abs(res) < 1e-9, axis=1) & np.all(np.isfinite(x), axis=1)


def _newton(x, a_b, a_p, vol, w, bond):
    """Damped Newton on the shooting unknowns for a given load; returns (x, converged)."""
    return damped_newton(x, _residual, (a_b, a_p, vol, w, bond), _MAX_ITER)


def loaded_joint(a_b, a_p, volume, load_mN, surface_tension=0.5, density=7.4, gravity=True):
    """Equilibrium of pinned joints carrying an axial load; vectorised over joints.

    Parameters
    ----------
    a_b, a_p : wetted radii on the board and package contact planes [mm]
    volume : spherical-segment volume V_seg [mm^3]
    load_mN : load per joint pressing the package down [mN]; negative for a part hanging under a
        board
    surface_tension : solder surface tension [N/m] (SAC305 about 0.5)
    density : solder density [g/cm^3] (SAC305 about 7.4); used only when ``gravity``
    gravity : include the solder's own weight (Bond number ~2e-3 at BGA scale)

    Returns
    -------
    dict of arrays: ``height_mm``, ``rim_angle_board_deg``, ``rim_angle_pkg_deg``,
    ``max_diameter_mm``, ``pressure_pa`` (at the board plane), ``status`` (see ``_status``).
    """
    a_b, a_p, volume, load_mN, sigma, rho = (
        np.array(q, dtype=float, copy=True).ravel()
        for q in np.broadcast_arrays(
            *(np.asarray(q, dtype=float)
              for q in (a_b, a_p, volume, load_mN, surface_tension, density))
        )
    )
    n = a_b.size
    status = np.full(n, _status.OK, dtype=np.int8)
    finite = np.isfinite(a_b) & np.isfinite(a_p) & np.isfinite(volume) & np.isfinite(load_mN)
    finite &= np.isfinite(sigma) & np.isfinite(rho) & (sigma > 0) & (rho >= 0)
    status[~finite | (a_b <= 0) | (a_p <= 0)] = _status.INVALID_INPUT
    status[(status == _status.OK) & (volume <= 0)] = _status.INSUFFICIENT_SOLDER
    ok = status == _status.OK

    scale = np.where(ok, np.maximum(a_b, a_p), 1.0)  # length scale L [mm]
    sa_b, sa_p = np.where(ok, a_b, 1.0) / scale, np.where(ok, a_p, 1.0) / scale
    svol = np.where(ok, volume, 1.0) / scale ** 3
    sigma_ok = np.where(ok, sigma, 1.0)
    w = np.where(ok, load_mN, 0.0) / (sigma_ok * scale)
    bond = (rho * G_STANDARD * 1e-3 * scale ** 2 / sigma_ok) if gravity else np.zeros(n)
    bond = np.where(ok, bond, 0.0)

    h0 = segment_height(sa_b, sa_p, svol)
    shape0 = segment_shape(sa_b, sa_p, h0)
    rad0 = shape0["sphere_radius_mm"]
    phi_b = np.arctan2(shape0["h_board_mm"], sa_b)
    phi_p = np.arctan2(shape0["h_pkg_mm"], sa_p)
    x0 = np.stack([0.5 * np.pi - phi_b, 2.0 / rad0, rad0 * (phi_b + phi_p)], axis=1)

    x = x0.copy()
    pending = np.flatnonzero(ok)
    for stages in (1, 4, 16):
        if pending.size == 0:
            break
        xs = x0[pending].copy()
        conv = np.ones(pending.size, dtype=bool)
        for k in range(1, stages + 1):
            sub = np.flatnonzero(conv)
            xs_sub, c = _newton(
                xs[sub], sa_b[pending][sub], sa_p[pending][sub], svol[pending][sub],
                w[pending][sub] * k / stages, bond[pending][sub],
            )
            xs[sub] = xs_sub
            conv[sub] = c
        x[pending] = xs
        pending = pending[~conv]
    status[pending] = _status.NO_EQUILIBRIUM

    good = status == _status.OK
    r, z, psi, _v, z_min, z_max, r_min, r_max = _integrate(sa_b, x[:, 0], x[:, 1], x[:, 2], bond)
    tol = 1e-9
    unpinned = (x[:, 0] <= 0.0) | (psi >= np.pi) | (z_min < -tol) | (z_max > z + tol)
    status[good & unpinned] = _status.UNPINNED
    status[good & ~unpinned & ((r_min <= 1e-6) | (z <= 0.0))] = _status.NO_EQUILIBRIUM
    good = status == _status.OK
    nan = 0.0  # invalid joints carry a status, never NaN
    return {
        "height_mm": np.where(good, z * scale, nan),
        "rim_angle_board_deg": np.where(good, 180.0 - np.degrees(x[:, 0]), nan),
        "rim_angle_pkg_deg": np.where(good, np.degrees(psi), nan),
        "max_diameter_mm": np.where(good, 2.0 * r_max * scale, nan),
        "pressure_pa": np.where(good, x[:, 1] * sigma_ok / scale * 1e3, nan),
        "status": status,
    }
