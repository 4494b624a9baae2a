"""Per-BGA standoff prediction: pads, paste and stencil in; height, collapse, tolerance, checks out.

This is the function the board checker calls once per BGA with what it read from the board
(land, mask opening, paste aperture, stencil thickness), per ball or as scalars.
Lengths [mm], mass [g], loads [mg per ball], surface tension [N/m], density [g/cm^3].
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import _status
from .joint import REFERENCE_PLANES, solve_joints
from .load import mg_to_mN
from .stencil import (
    APERTURE_SHAPES,
    AREA_RATIO_MIN,
    ASPECT_RATIO_MIN,
    TRANSFER_EFFICIENCY_NOMINAL,
    aperture_area,
    area_ratio,
    aspect_ratio,
    transfer_efficiency as te_from_area_ratio,
)
from .tolerance import RssResult, rss_tolerance
from .volume import METAL_VOLUME_FRACTION, check_pad_type

__all__ = ["DEFAULTS", "DEFAULT_TOLERANCES", "StandoffResult", "predict_bga_standoff", "bga_kernel"]

# Defaults with their sources (docs/sources.md S2, S3, S4, S5; seed = Darveaux et al., Skyworks).
DEFAULTS = {
    # seed-reproducing stencil (docs/sources.md S3); TI SPRAA99C uses 0.100 too
    "stencil_mm": 0.100,
    # solder-mask thickness over Cu, SMD recess 0.015-0.020 (docs/sources.md S3)
    "pkg_mask_t_mm": 0.020,
    "pkg_cu_t_mm": 0.020,  # package pad Cu (used by nsmd_wrap only)
    "board_mask_t_mm": 0.020,  # board mask over Cu (used by smd board pads only)
    "board_cu_t_mm": 0.020,  # board Cu of the seed reproduction (docs/sources.md S3)
    "te_nominal": TRANSFER_EFFICIENCY_NOMINAL,  # 0.90, in the 0.8-1.0 range of docs/sources.md S3
    "metal_fraction": METAL_VOLUME_FRACTION,  # 0.50 for 88-89 wt% SAC paste (docs/sources.md S2)
    "void_fraction": 0.0,  # no voids unless given (seed: "minimal voiding")
    "surface_tension": 0.50,  # SAC305 [N/m] (docs/sources.md S5)
    "density": 7.4,  # SAC305 [g/cm^3] (docs/sources.md S5)
}
# Process-capability tolerances, +/- 3 sigma (docs/sources.md S4): ball, pads, recess, stencil,
# aperture, TE.
DEFAULT_TOLERANCES = {
    "ball_d_mm": 0.005,
    "pkg_pad_d_mm": 0.010,
    "board_land_d_mm": 0.010,
    "mask_opening_d_mm": 0.010,
    "pkg_mask_t_mm": 0.003,
    "stencil_mm": 0.005,
    "paste_w_mm": 0.005,
    "paste_h_mm": 0.005,
    "te_nominal": 0.10,
    "transfer_efficiency": 0.10,
}


@dataclass(frozen=True)
class StandoffResult:
    """Per-ball results (arrays of one shape) for one BGA; invalid joints hold 0.0 and a status."""

    height_mm: np.ndarray  # between the two contact planes (see reference_planes)
    pad_gap_mm: np.ndarray  # package pad Cu top to board pad Cu top
    attached_height_mm: np.ndarray  # ball on the package pad before mounting, from its plane
    collapse_mm: np.ndarray  # attached - mounted (negative for LGA: the part rises)
    tolerance_mm: np.ndarray  # +/- RSS of height_mm over DEFAULT_TOLERANCES (or the given set)
    collapse_tolerance_mm: np.ndarray  # +/- RSS of collapse_mm
    rim_angle_board_deg: np.ndarray
    rim_angle_pkg_deg: np.ndarray
    max_diameter_mm: np.ndarray  # widest joint diameter (bridging check against pitch)
    volume_joint_mm3: np.ndarray
    paste_metal_mm3: np.ndarray
    area_ratio: np.ndarray  # IPC-7525, >= 0.66 wanted
    aspect_ratio: np.ndarray  # IPC-7525, >= 1.5 wanted
    transfer_efficiency: np.ndarray
    stencil_ok: np.ndarray  # both stencil ratios meet IPC-7525
    status: np.ndarray  # 0 ok, negative: see bgacheck.solver.STATUS_MESSAGES
    load_mg_per_ball: float
    reference_planes: dict
    tolerance_contributions: dict = field(default_factory=dict)  # input -> +/- height [mm]

    @property
    def valid(self) -> np.ndarray:
        """True where the joint has a height (status 0)."""
        return self.status == _status.OK

    @property
    def messages(self) -> list:
        """One line per ball: status explanation plus stencil warnings."""
        out = []
        flat = zip(self.status.ravel(), np.broadcast_to(self.area_ratio, self.status.shape).ravel(),
                   np.broadcast_to(self.aspect_ratio, self.status.shape).ravel())
        for st, ar, asp in flat:
            text = [_status.status_message(st)]
            if ar <= 0.0:  # no paste printed: nothing to check
                pass
            elif ar < AREA_RATIO_MIN:
                text.append(f"area ratio {ar:.2f} < {AREA_RATIO_MIN} (IPC-7525): "
                            "reduced paste transfer")
            if 0.0 < asp < ASPECT_RATIO_MIN:
                text.append(f"aspect ratio {asp:.2f} < {ASPECT_RATIO_MIN} (IPC-7525)")
            out.append("; ".join(text))
        return out


def bga_kernel(*, ball_d_mm, pkg_pad_d_mm, board_land_d_mm, mask_opening_d_mm=None,
               pkg_pad_type="smd", board_pad_type="nsmd", paste_shape="round", paste_w_mm=None,
               paste_h_mm=None, paste_corner_r_mm=0.0, stencil_mm=DEFAULTS["stencil_mm"],
               pkg_mask_t_mm=DEFAULTS["pkg_mask_t_mm"], pkg_cu_t_mm=DEFAULTS["pkg_cu_t_mm"],
               board_mask_t_mm=DEFAULTS["board_mask_t_mm"], board_cu_t_mm=DEFAULTS["board_cu_t_mm"],
               te_nominal=DEFAULTS["te_nominal"], transfer_efficiency=None,
               metal_fraction=DEFAULTS["metal_fraction"], void_fraction=DEFAULTS["void_fraction"],
               volume_mm3=None, load_mg_per_ball=None, surface_tension=DEFAULTS["surface_tension"],
               density=DEFAULTS["density"], gravity=True, details=True):
    """Vectorised model behind :func:`predict_bga_standoff` (also the tolerance analyses' model)."""
    pkg_type, board_type = check_pad_type(pkg_pad_type), check_pad_type(board_pad_type)
    if board_type == "smd":
        if mask_opening_d_mm is None:
            raise ValueError("board pad type 'smd' needs the board mask opening diameter")
        board_d = mask_opening_d_mm
    else:
        board_d = board_land_d_mm
    shape = str(paste_shape).strip().lower()
    if shape in ("none", "no"):
        area = ar = asp = te = np.asarray(0.0)
    else:
        if shape not in APERTURE_SHAPES:
            raise ValueError(f"unknown paste shape {paste_shape!r}; choose one of none, "
                             f"{', '.join(APERTURE_SHAPES)}")
        w = board_d if paste_w_mm is None else paste_w_mm
        h = w if paste_h_mm is None else paste_h_mm
        area = aperture_area(shape, w, h, paste_corner_r_mm)
        ar = area_ratio(shape, w, h, paste_corner_r_mm, stencil_mm)
        asp = aspect_ratio(shape, w, h, paste_corner_r_mm, stencil_mm)
        te = (te_from_area_ratio(ar, te_nominal) if transfer_efficiency is None
              else np.asarray(transfer_efficiency, dtype=float))
    paste = (area * np.asarray(stencil_mm, dtype=float) * te
             * np.asarray(metal_fraction, dtype=float))
    if volume_mm3 is not None:  # the given joint volume already holds all the solder
        paste = np.zeros_like(paste)
    load = None if load_mg_per_ball is None else mg_to_mN(load_mg_per_ball)
    out = solve_joints(
        ball_d_mm=ball_d_mm, pkg_d_mm=pkg_pad_d_mm, board_d_mm=board_d,
        pkg_pad_type=pkg_type, board_pad_type=board_type,
        pkg_t_mm=pkg_mask_t_mm if pkg_type == "smd" else pkg_cu_t_mm,
        board_t_mm=board_mask_t_mm if board_type == "smd" else board_cu_t_mm,
        paste_metal_mm3=paste, void_fraction=void_fraction,
        volume_mm3=volume_mm3, load_mN=load, surface_tension=surface_tension, density=density,
        gravity=gravity,
        details=details,
    )
    out.update(paste_metal_mm3=paste, area_ratio=ar, aspect_ratio=asp, transfer_efficiency=te)
    return out


def predict_bga_standoff(ball_d_mm, pkg_pad_d_mm, pkg_pad_type, board_land_d_mm, board_pad_type,
                         mask_opening_d_mm=None, paste_shape="round", paste_w_mm=None,
                         paste_h_mm=None, paste_corner_r_mm=0.0,
                         stencil_mm=DEFAULTS["stencil_mm"], mass_g=None, balls=None,
                         *, load_mg_per_ball=None, tolerances=None, **options) -> StandoffResult:
    """Predict the mounted standoff of every ball of one BGA.

    Parameters
    ----------
    ball_d_mm : raw ball diameter [mm] (0 for LGA), scalar or per ball
    pkg_pad_d_mm : package wetted diameter [mm] (mask opening for ``smd``, Cu pad otherwise)
    pkg_pad_type, board_pad_type : ``smd`` | ``nsmd`` | ``nsmd_wrap`` | ``disk``
    board_land_d_mm : board Cu land diameter [mm]
    mask_opening_d_mm : board mask opening [mm] (the wetted circle when the board pad is ``smd``)
    paste_shape : ``round`` | ``square`` | ``rect`` | ``roundrect`` | ``none``
    paste_w_mm, paste_h_mm, paste_corner_r_mm : aperture [mm]; w defaults to the board wetted
        diameter
    stencil_mm : stencil thickness [mm]
    mass_g, balls : package mass [g] and ball count; the load per ball is mass / balls
    load_mg_per_ball : load per ball [mg] instead of mass/balls (negative: part hanging under the
        board)
    tolerances : {input name: +/- tolerance} for the RSS; default ``DEFAULT_TOLERANCES``
    **options : any other :func:`bga_kernel` keyword (thicknesses, te_nominal, transfer_efficiency,
        metal_fraction, void_fraction, volume_mm3, surface_tension, density, gravity)

    Returns
    -------
    StandoffResult with per-ball arrays; unknown pad types or shapes raise ValueError.
    """
    if load_mg_per_ball is None and mass_g is not None:
        if balls is None:
            balls = np.broadcast(np.asarray(ball_d_mm), np.asarray(pkg_pad_d_mm)).size
            if balls <= 1:
                raise ValueError("mass_g needs the ball count (balls)")
        if not balls or balls <= 0:
            raise ValueError("balls must be a positive count")
        load_mg_per_ball = float(mass_g) * 1000.0 / float(balls)
    if paste_w_mm is None and str(paste_shape).strip().lower() not in ("none", "no"):
        # Aperture 1:1 with the board's wetted circle, fixed so that pad tolerances leave it alone.
        smd = check_pad_type(board_pad_type) == "smd"
        paste_w_mm = mask_opening_d_mm if smd else board_land_d_mm
    params = dict(ball_d_mm=ball_d_mm, pkg_pad_d_mm=pkg_pad_d_mm, board_land_d_mm=board_land_d_mm,
                  mask_opening_d_mm=mask_opening_d_mm, pkg_pad_type=pkg_pad_type,
                  board_pad_type=board_pad_type,
                  paste_shape=paste_shape, paste_w_mm=paste_w_mm, paste_h_mm=paste_h_mm,
                  paste_corner_r_mm=paste_corner_r_mm, stencil_mm=stencil_mm,
                  load_mg_per_ball=load_mg_per_ball)
    params.update(options)
    out = bga_kernel(**params)
    shape = out["status"].shape
    rss: RssResult = rss_tolerance(bga_kernel, params,
                                   DEFAULT_TOLERANCES if tolerances is None else tolerances)
    ok = out["status"] == _status.OK

    def full(x):
        return np.broadcast_to(np.asarray(x, dtype=float), shape).copy()

    no_paste = full(out["area_ratio"]) <= 0.0
    stencil_ok = no_paste | ((full(out["area_ratio"]) >= AREA_RATIO_MIN)
                             & (full(out["aspect_ratio"]) >= ASPECT_RATIO_MIN))
    pkg_plane = REFERENCE_PLANES[check_pad_type(pkg_pad_type)]
    board_plane = REFERENCE_PLANES[check_pad_type(board_pad_type)]
    planes = {
        "height_mm": f"package {pkg_plane} -> board {board_plane}",
        "pad_gap_mm": "package pad Cu top -> board pad Cu top",
        "attached_height_mm": f"package {pkg_plane} -> bottom of the attached ball",
    }
    return StandoffResult(
        height_mm=out["height_mm"], pad_gap_mm=out["pad_gap_mm"],
        attached_height_mm=out["attached_height_mm"],
        collapse_mm=out["collapse_mm"],
        tolerance_mm=np.where(ok, full(rss.height_mm), 0.0),
        collapse_tolerance_mm=np.where(ok, full(rss.collapse_mm), 0.0),
        rim_angle_board_deg=out["rim_angle_board_deg"], rim_angle_pkg_deg=out["rim_angle_pkg_deg"],
        max_diameter_mm=out["max_diameter_mm"], volume_joint_mm3=out["volume_joint_mm3"],
        paste_metal_mm3=full(out["paste_metal_mm3"]), area_ratio=full(out["area_ratio"]),
        aspect_ratio=full(out["aspect_ratio"]),
        transfer_efficiency=full(out["transfer_efficiency"]),
        stencil_ok=stencil_ok, status=out["status"],
        load_mg_per_ball=0.0 if load_mg_per_ball is None else float(load_mg_per_ball),
        reference_planes=planes,
        tolerance_contributions={k: np.where(ok, full(v), 0.0)
                                 for k, v in rss.contributions.items()},
    )
