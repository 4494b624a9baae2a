"""One vectorised kernel from pad geometry and solder volume to joint height, collapse and status.

Every public entry point (per-BGA prediction, tolerance analysis, Monte Carlo, the CLI) calls
:func:`solve_joints`, so they cannot disagree. Zero load uses the closed-form truncated sphere
(exact); a load switches to the Young-Laplace force balance in :mod:`.load`.
Lengths [mm], volumes [mm^3], loads [mN], surface tension [N/m], density [g/cm^3].
"""
from __future__ import annotations

import numpy as np

from . import _status
from .load import loaded_joint
from .truncated_sphere import segment_height, segment_shape
from .volume import ball_volume, check_pad_type, pad_plane_offset, pad_volume_correction

__all__ = ["solve_joints", "REFERENCE_PLANES"]

# What each pad type's contact plane is; heights are measured between these planes.
REFERENCE_PLANES = {
    "smd": "solder-mask surface (mask-defined opening, recess filled with solder)",
    "nsmd": "Cu pad top (solder on the top face only)",
    "nsmd_wrap": "laminate under the Cu pad (solder wets the Cu side wall)",
    "disk": "wetted disk plane (no thickness)",
}


def _arr(x):
    return np.asarray(x, dtype=float)


def solve_joints(
    *,
    ball_d_mm,
    pkg_d_mm,
    board_d_mm,
    pkg_pad_type="smd",
    board_pad_type="nsmd",
    pkg_t_mm=0.0,
    board_t_mm=0.0,
    paste_metal_mm3=0.0,
    void_fraction=0.0,
    volume_mm3=None,
    load_mN=None,
    surface_tension=0.5,
    density=7.4,
    gravity=True,
    details=True,
):
    """Solve joints (arrays broadcast together) and return a dict of arrays plus ``status``.

    Parameters
    ----------
    ball_d_mm : raw ball diameter [mm]; 0 for an LGA joint
    pkg_d_mm, board_d_mm : wetted diameters on the package and board pads [mm]
    pkg_pad_type, board_pad_type : one of ``volume.PAD_TYPES`` (one value per call)
    pkg_t_mm, board_t_mm : thickness belonging to the pad type [mm]: mask over Cu for ``smd``,
        Cu for ``nsmd_wrap``; ignored for ``nsmd`` and ``disk``
    paste_metal_mm3 : solder metal from the printed paste [mm^3]
    void_fraction : void volume / joint volume [-]
    volume_mm3 : joint solder volume [mm^3]; replaces ball + paste (and is the ball when attached)
    load_mN : load per joint [mN] (None: no load, closed form; negative: hanging part)
    details : False skips rim angles, sphere data and widest diameter (Monte Carlo speed)

    Returns
    -------
    dict: ``height_mm`` (between contact planes), ``pad_gap_mm`` (Cu top to Cu top),
    ``attached_height_mm`` (ball on the package pad, from its contact plane), ``collapse_mm``
    (attached - mounted), ``h_board_mm``, ``h_pkg_mm``, ``sphere_radius_mm``,
    ``rim_angle_board_deg``, ``rim_angle_pkg_deg``, ``max_diameter_mm``, ``volume_joint_mm3``,
    ``volume_segment_mm3``, ``status`` (int8). Invalid joints have 0.0 in every length.
    """
    pkg_type, board_type = check_pad_type(pkg_pad_type), check_pad_type(board_pad_type)
    names = ("ball", "dp", "db", "tp", "tb", "paste", "void", "sigma", "rho")
    values = (ball_d_mm, pkg_d_mm, board_d_mm, pkg_t_mm, board_t_mm, paste_metal_mm3, void_fraction,
              surface_tension, density)
    extra = [volume_mm3 if volume_mm3 is not None else 0.0, load_mN if load_mN is not None else 0.0]
    arrays = np.broadcast_arrays(*(_arr(v) for v in values), *(_arr(v) for v in extra))
    p = dict(zip(names, arrays[:9]))
    vol_in, load = arrays[9], arrays[10]
    shape = p["ball"].shape

    finite = np.ones(shape, dtype=bool)
    for a in arrays:
        finite &= np.isfinite(a)
    bad = ~finite | (p["ball"] < 0) | (p["dp"] <= 0) | (p["db"] <= 0)
    bad |= (p["tp"] < 0) | (p["tb"] < 0) | (p["paste"] < 0)
    bad |= (p["void"] < 0) | (p["void"] >= 1) | (p["sigma"] <= 0) | (p["rho"] < 0)
    if volume_mm3 is not None:
        bad |= vol_in < 0
    clean = {k: np.where(bad, 1.0 if k in ("dp", "db", "sigma") else 0.0, v) for k, v in p.items()}

    a_p, a_b = 0.5 * clean["dp"], 0.5 * clean["db"]
    corr_p = pad_volume_correction(pkg_type, a_p, clean["tp"])
    corr_b = pad_volume_correction(board_type, a_b, clean["tb"])
    if volume_mm3 is None:
        v_ball = ball_volume(clean["ball"])
        v_metal = v_ball + clean["paste"]
    else:
        v_ball = v_metal = np.where(bad, 0.0, vol_in)
    v_joint = v_metal / (1.0 - clean["void"])
    v_seg = v_joint + corr_b + corr_p
    v_seg_attached = v_ball / (1.0 - clean["void"]) + corr_p

    status = np.zeros(shape, dtype=np.int8)
    status[bad] = _status.INVALID_INPUT
    has_ball = v_ball > 0
    status[~bad & ((v_seg <= 0) | (has_ball & (v_seg_attached <= 0)))] = _status.INSUFFICIENT_SOLDER
    ok = status == _status.OK

    height = segment_height(a_b, a_p, np.where(ok, v_seg, 0.0))
    geo = (segment_shape(a_b, a_p, np.where(ok, height, 1.0))
           if (details or load_mN is not None) else {})
    attached = np.where(has_ball & ok,
                        segment_height(0.0, a_p, np.where(ok, v_seg_attached, 0.0)), 0.0)

    if load_mN is not None:
        height, geo, status = _apply_load(a_b, a_p, v_seg, load, clean, gravity, height, geo,
                                          status)
        ok = status == _status.OK

    offsets = pad_plane_offset(board_type, clean["tb"]) + pad_plane_offset(pkg_type, clean["tp"])
    zero = np.zeros(shape)
    out = {
        "height_mm": np.where(ok, height, zero),
        "pad_gap_mm": np.where(ok, height + offsets, zero),
        "attached_height_mm": np.where(ok, attached, zero),
        "collapse_mm": np.where(ok, attached - height, zero),
        "volume_joint_mm3": np.where(bad, zero, v_joint),
        "volume_segment_mm3": np.where(bad, zero, v_seg),
    }
    for key, val in geo.items():
        out[key] = np.where(ok, val, zero)
    out["status"] = status
    return out


def _apply_load(a_b, a_p, v_seg, load, clean, gravity, height, geo, status):
    """Replace heights and rim data with the force-balance solution, once per distinct joint."""
    ok = status == _status.OK
    # Zero load without gravity: the pinned sphere is the exact equilibrium; keep the closed form.
    weightless = (~np.asarray(gravity, dtype=bool)) | (clean["rho"] == 0)
    ok = ok & ~((load == 0) & weightless)
    idx = np.flatnonzero(ok.ravel())
    if idx.size == 0:
        return height, geo, status
    rows = np.stack([np.broadcast_to(q, ok.shape).ravel()[idx]
                     for q in (a_b, a_p, v_seg, load, clean["sigma"], clean["rho"])], axis=1)
    uniq, inverse = np.unique(rows, axis=0, return_inverse=True)
    inverse = inverse.ravel()
    sol = loaded_joint(uniq[:, 0], uniq[:, 1], uniq[:, 2], uniq[:, 3], uniq[:, 4], uniq[:, 5],
                       gravity)
    height = np.array(height, dtype=float, copy=True)
    status = status.copy()
    geo = {k: np.array(v, dtype=float, copy=True) for k, v in geo.items()}
    height.ravel()[idx] = sol["height_mm"][inverse]
    status.ravel()[idx] = sol["status"][inverse]
    for key in ("rim_angle_board_deg", "rim_angle_pkg_deg", "max_diameter_mm"):
        geo[key].ravel()[idx] = sol[key][inverse]
    # Under load the meridian is no longer a circle: no sphere radius or zone heights.
    for key in ("h_board_mm", "h_pkg_mm", "sphere_radius_mm"):
        geo[key].ravel()[idx] = 0.0
    return height, geo, status
