"""Joint volume budget and pad types: what solder there is, and where each contact plane lies.

    V_metal = pi D^3 / 6 + A_aperture t_stencil TE phi_metal        (seed Eq. 2, Eq. 4)
    V_joint = V_metal / (1 - f_void)
    V_seg   = V_joint + correction(board) + correction(package)    (seed Eq. 5/6)

Pad types (docs/sources.md S2), with t the thickness named per type:

=========  ===========================  ==================  ===========  =================
type       wetted circle                contact plane       correction   plane -> pad metal
=========  ===========================  ==================  ===========  =================
smd        mask opening                 mask surface        -pi a^2 t    +t (t = mask over Cu)
nsmd       Cu pad, solder on top only   Cu top              0            0
nsmd_wrap  Cu pad, side wall wetted     laminate            +pi a^2 t    -t (t = Cu)
disk       wetted disk, no thickness    pad plane           0            0
=========  ===========================  ==================  ===========  =================

"plane -> pad metal" is how much nearer the other side the contact plane is than the pad's Cu
top; the Cu-to-Cu gap is H + offset_board + offset_package. Lengths [mm], volumes [mm^3].
"""
from __future__ import annotations

import numpy as np

__all__ = [
    "PAD_TYPES",
    "METAL_VOLUME_FRACTION",
    "ball_volume",
    "paste_metal_volume",
    "pad_volume_correction",
    "pad_plane_offset",
    "check_pad_type",
]

PAD_TYPES = ("smd", "nsmd", "nsmd_wrap", "disk")
# Solder-metal volume fraction of 88-89 wt% SAC paste, about 0.50 (docs/sources.md S2;
# the seed's "50% of aperture volume" bundles this with transfer efficiency).
METAL_VOLUME_FRACTION = 0.50

_CORRECTION_SIGN = {"smd": -1.0, "nsmd": 0.0, "nsmd_wrap": 1.0, "disk": 0.0}
_OFFSET_SIGN = {"smd": 1.0, "nsmd": 0.0, "nsmd_wrap": -1.0, "disk": 0.0}


def check_pad_type(pad_type: str) -> str:
    """Return the pad type lower-cased, or raise ValueError listing the valid choices."""
    key = str(pad_type).strip().lower().replace("-", "_")
    if key not in PAD_TYPES:
        raise ValueError(f"unknown pad type {pad_type!r}; choose one of {', '.join(PAD_TYPES)}")
    return key


def ball_volume(ball_d_mm):
    """Raw solder ball volume pi D^3 / 6 [mm^3] (seed Eq. 2); D = 0 is an LGA joint."""
    d = np.asarray(ball_d_mm, dtype=float)
    return np.pi * d ** 3 / 6.0


def paste_metal_volume(aperture_area_mm2, stencil_mm, transfer_eff,
                       metal_fraction=METAL_VOLUME_FRACTION):
    """Solder metal left by the printed paste [mm^3]: area x thickness x TE x metal fraction."""
    return (
        np.asarray(aperture_area_mm2, dtype=float)
        * np.asarray(stencil_mm, dtype=float)
        * np.asarray(transfer_eff, dtype=float)
        * np.asarray(metal_fraction, dtype=float)
    )


def pad_volume_correction(pad_type: str, wetted_radius_mm, thickness_mm):
    """Volume [mm^3] added to the solder to get the spherical segment's (see module table)."""
    sign = _CORRECTION_SIGN[check_pad_type(pad_type)]
    a = np.asarray(wetted_radius_mm, dtype=float)
    return sign * np.pi * a * a * np.asarray(thickness_mm, dtype=float)


def pad_plane_offset(pad_type: str, thickness_mm):
    """How far the contact plane sits in front of the pad's Cu top, towards the joint [mm]."""
    return _OFFSET_SIGN[check_pad_type(pad_type)] * np.asarray(thickness_mm, dtype=float)
