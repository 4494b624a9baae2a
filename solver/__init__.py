"""Solder-joint standoff after reflow: closed-form truncated sphere, force balance, tolerances.

Pure numpy, vectorised over joints, no KiCad and no I/O. Start from the seed's conservation of
volume (Darveaux et al., Skyworks, SMTA International, "Determining Standoff"), solved as a cubic
in the joint height, then add package weight (axisymmetric Young-Laplace), stencil print checks
(IPC-7525) and tolerance analysis (RSS and seeded Monte Carlo). Equations and sign conventions:
docs/sources.md S1, S2, S4, S5; docs/standoff.md lists defaults and limits.

Main entry points
-----------------
predict_bga_standoff(ball_d_mm, pkg_pad_d_mm, pkg_pad_type, board_land_d_mm, board_pad_type,
    mask_opening_d_mm=None, paste_shape="round", paste_w_mm=None, paste_h_mm=None,
    paste_corner_r_mm=0.0, stencil_mm=0.1, mass_g=None, balls=None, *, load_mg_per_ball=None,
    tolerances=None, **options) -> StandoffResult
    Per-BGA prediction (arrays per ball accepted): height between named contact planes, Cu-to-Cu
    gap, as-attached height, collapse, RSS tolerance with contributions, rim angles, widest
    diameter, area/aspect ratio, transfer efficiency, per-ball status and messages.
solve_joints(...)            the one kernel everything calls (pads + volume -> height)
segment_height / segment_shape / zone_volume / segment_volume   closed-form sphere geometry
loaded_joint(...)            force balance under an axial load [mN]
rss_tolerance / monte_carlo  tolerance analyses on any broadcasting model (bga_kernel)

Defaults (``DEFAULTS``): stencil 0.100 mm, SMD mask recess 0.020 mm, Cu 0.020 mm, transfer
efficiency 0.90 at area ratio >= 0.66 falling linearly below, metal volume fraction 0.50,
no voids, SAC305 surface tension 0.50 N/m and density 7.4 g/cm^3.
Units: lengths [mm], volumes [mm^3], loads [mg per ball] or [mN], tension [N/m], density [g/cm^3].
Status codes: 0 ok, -1 insufficient solder / open, -2 invalid input, -3 unpinned, -4 no equilibrium.
"""
from ._status import (
    INSUFFICIENT_SOLDER,
    INVALID_INPUT,
    NO_EQUILIBRIUM,
    OK,
    STATUS_MESSAGES,
    UNPINNED,
    status_message,
    status_messages,
)
from .bga import DEFAULT_TOLERANCES, DEFAULTS, StandoffResult, bga_kernel, predict_bga_standoff
from .joint import REFERENCE_PLANES, solve_joints
from .load import G_STANDARD, loaded_joint, mg_to_mN
from .stencil import (
    AREA_RATIO_MIN,
    ASPECT_RATIO_MIN,
    aperture_area,
    aperture_perimeter,
    area_ratio,
    aspect_ratio,
    transfer_efficiency,
)
from .tolerance import MonteCarloResult, RssResult, monte_carlo, rss_tolerance
from .truncated_sphere import segment_height, segment_shape, segment_volume, zone_volume
from .volume import (
    PAD_TYPES,
    ball_volume,
    pad_plane_offset,
    pad_volume_correction,
    paste_metal_volume,
)

__all__ = [
    "OK", "INSUFFICIENT_SOLDER", "INVALID_INPUT", "UNPINNED", "NO_EQUILIBRIUM", "STATUS_MESSAGES",
    "status_message", "status_messages",
    "DEFAULTS", "DEFAULT_TOLERANCES", "StandoffResult", "bga_kernel", "predict_bga_standoff",
    "REFERENCE_PLANES", "solve_joints",
    "G_STANDARD", "loaded_joint", "mg_to_mN",
    "AREA_RATIO_MIN", "ASPECT_RATIO_MIN", "aperture_area", "aperture_perimeter", "area_ratio",
    "aspect_ratio", "transfer_efficiency",
    "MonteCarloResult", "RssResult", "monte_carlo", "rss_tolerance",
    "segment_height", "segment_shape", "segment_volume", "zone_volume",
    "PAD_TYPES", "ball_volume", "paste_metal_volume", "pad_plane_offset", "pad_volume_correction",
]
