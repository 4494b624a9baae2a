"""Zero-load joint shape: the spherical segment pinned on two parallel wetted circles, closed form.

With no load and no gravity a pinned axisymmetric liquid bridge is exactly a sphere, so the joint
height H between the two contact planes solves the depressed cubic (docs/sources.md S1)

    H^3 + 3 (a_b^2 + a_p^2) H - 6 V / pi = 0,

which has one real root for V >= 0. Solving for H (not for the seed's h3 by stepping) also
handles joints whose sphere centre lies outside the joint (h_b or h_p negative).
All lengths [mm], volumes [mm^3]; every function broadcasts over numpy arrays.

References: Darveaux et al., Skyworks, SMTA International, "Determining Standoff" (seed),
Eq. 3, 7, 9.
"""
from __future__ import annotations

import numpy as np

__all__ = [
    "zone_volume",
    "segment_volume",
    "segment_height",
    "segment_shape",
]


def zone_volume(r, h):
    """Volume [mm^3] of the sphere zone from the equator to a plane at signed height h, rim r.

    Seed Eq. 3 term, (pi h / 6)(4 h^2 + 6 r^2); odd in h, so a plane on the far side of the
    equator subtracts volume.
    """
    r = np.asarray(r, dtype=float)
    h = np.asarray(h, dtype=float)
    return np.pi * h / 6.0 * (4.0 * h * h + 6.0 * r * r)


def segment_volume(a_b, a_p, height):
    """Volume of the spherical segment of height H pinned on rims a_b and a_p [mm^3].

    Equals zone_volume(a_b, h_b) + zone_volume(a_p, h_p) for the segment's own h_b, h_p.
    """
    a_b = np.asarray(a_b, dtype=float)
    a_p = np.asarray(a_p, dtype=float)
    height = np.asarray(height, dtype=float)
    return np.pi * height / 6.0 * (3.0 * a_b * a_b + 3.0 * a_p * a_p + height * height)


def segment_height(a_b, a_p, volume):
    """Height H [mm] of the spherical segment of given volume [mm^3] on rims a_b, a_p [mm].

    Cardano's real root written as H = -q / (c^2 + k + k^2 / c^2) (c = cbrt(u)), which has no
    cancellation even for thin, wide joints (LGA) where the textbook sum cbrt(u) + cbrt(v) loses
    digits. One Newton step then polishes to the last bit. Volume <= 0 gives H = 0; callers flag it.
    """
    a_b, a_p, volume = np.broadcast_arrays(
        np.asarray(a_b, dtype=float), np.asarray(a_p, dtype=float), np.asarray(volume, dtype=float)
    )
    k = a_b * a_b + a_p * a_p  # p / 3 of the depressed cubic t^3 + p t + q
    half_q = 3.0 * np.maximum(volume, 0.0) / np.pi  # -q / 2
    u = half_q + np.sqrt(half_q * half_q + k * k * k)
    c2 = np.cbrt(u) ** 2
    with np.errstate(divide="ignore", invalid="ignore"):
        denom = c2 + k + np.where(c2 > 0.0, k * k / np.where(c2 > 0.0, c2, 1.0), 0.0)
        height = np.where(denom > 0.0, 2.0 * half_q / np.where(denom > 0.0, denom, 1.0), 0.0)
        # Newton polish on f(H) = H^3 + 3 k H - 2 half_q; f' = 3 H^2 + 3 k > 0.
        fprime = 3.0 * height * height + 3.0 * k
        residual = height ** 3 + 3.0 * k * height - 2.0 * half_q
        step = np.where(fprime > 0.0, residual / np.where(fprime > 0.0, fprime, 1.0), 0.0)
    return height - step


def segment_shape(a_b, a_p, height):
    """Sphere geometry of a segment: signed zone heights, radius, rim angles, widest diameter.

    Parameters
    ----------
    a_b, a_p : wetted radii on the board and package contact planes [mm]
    height : distance H between the contact planes [mm], > 0

    Returns
    -------
    dict of arrays: ``h_board_mm``, ``h_pkg_mm`` (signed distance of each plane from the equator;
    negative when the sphere centre lies outside the joint), ``sphere_radius_mm``,
    ``rim_angle_board_deg``, ``rim_angle_pkg_deg`` (angle between pad and solder surface measured
    through the solder, 90 + asin(h / R)), ``max_diameter_mm`` (2R when the equator lies inside the
    joint, else the larger rim diameter).
    """
    a_b, a_p, height = np.broadcast_arrays(
        np.asarray(a_b, dtype=float), np.asarray(a_p, dtype=float), np.asarray(height, dtype=float)
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        safe_height = np.where(height > 0.0, height, 1.0)
        shift = np.where(height > 0.0, (a_b * a_b - a_p * a_p) / safe_height, 0.0)
    h_b = 0.5 * (height - shift)
    h_p = 0.5 * (height + shift)
    radius = np.hypot(a_b, h_b)
    angle_b = 90.0 + np.degrees(np.arctan2(h_b, a_b))
    angle_p = 90.0 + np.degrees(np.arctan2(h_p, a_p))
    equator_inside = (h_b >= 0.0) & (h_p >= 0.0)
    max_d = np.where(equator_inside, 2.0 * radius, 2.0 * np.maximum(a_b, a_p))
    return {
        "h_board_mm": h_b,
        "h_pkg_mm": h_p,
        "sphere_radius_mm": radius,
        "rim_angle_board_deg": angle_b,
        "rim_angle_pkg_deg": angle_p,
        "max_diameter_mm": max_d,
    }
