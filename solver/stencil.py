"""Stencil apertures: area, perimeter, IPC-7525 area and aspect ratios, paste transfer efficiency.

Apertures are round (diameter w), square (side w), rect (w x h) or roundrect (w x h, corner
radius r), the shapes KiCad paste pads carry. All lengths [mm]; functions broadcast.

IPC-7525 (Stencil Design Guidelines): area ratio = opening area / aperture wall area >= 0.66 and
aspect ratio = opening width / stencil thickness >= 1.5 for acceptable paste release.
"""
from __future__ import annotations

import numpy as np

__all__ = [
    "APERTURE_SHAPES",
    "AREA_RATIO_MIN",
    "ASPECT_RATIO_MIN",
    "TRANSFER_EFFICIENCY_NOMINAL",
    "aperture_area",
    "aperture_perimeter",
    "area_ratio",
    "aspect_ratio",
    "transfer_efficiency",
]

APERTURE_SHAPES = ("round", "square", "rect", "roundrect")
AREA_RATIO_MIN = 0.66  # IPC-7525 area-ratio guideline
ASPECT_RATIO_MIN = 1.5  # IPC-7525 aspect-ratio guideline
# Paste transfer efficiency for a well-releasing aperture (area ratio >= 0.66). Assumption in the
# 0.8-1.0 range that reproduces the seed's 0.145 mm (docs/sources.md S3).
TRANSFER_EFFICIENCY_NOMINAL = 0.90


def _shape_dims(shape, w, h, corner_r):
    """Normalise (shape, w, h, r) to a rounded rectangle (w, h, r) [mm]; a circle is w = h = 2r."""
    w = np.asarray(w, dtype=float)
    h = w if h is None else np.asarray(h, dtype=float)
    corner_r = np.asarray(0.0 if corner_r is None else corner_r, dtype=float)
    if shape == "round":
        return w, w, 0.5 * w
    if shape == "square":
        return w, w, np.zeros_like(w)
    if shape == "rect":
        return w, h, np.zeros_like(w)
    if shape == "roundrect":
        r = np.clip(corner_r, 0.0, 0.5 * np.minimum(w, h))
        return w, h, r
    raise ValueError(f"unknown aperture shape {shape!r}; "
                     f"choose one of {', '.join(APERTURE_SHAPES)}")


def aperture_area(shape, w, h=None, corner_r=0.0):
    """Opening area of an aperture [mm^2] (round: pi w^2 / 4; roundrect: w h - (4 - pi) r^2)."""
    w, h, r = _shape_dims(shape, w, h, corner_r)
    return w * h - (4.0 - np.pi) * r * r


def aperture_perimeter(shape, w, h=None, corner_r=0.0):
    """Perimeter of an aperture [mm] (round: pi w; roundrect: 2 (w + h) - (8 - 2 pi) r)."""
    w, h, r = _shape_dims(shape, w, h, corner_r)
    return 2.0 * (w + h) - (8.0 - 2.0 * np.pi) * r


def area_ratio(shape, w, h=None, corner_r=0.0, stencil_mm=0.1):
    """IPC-7525 area ratio: opening area / (perimeter x stencil thickness) [-]; round: w / (4 t)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return aperture_area(shape, w, h, corner_r) / (
            aperture_perimeter(shape, w, h, corner_r) * np.asarray(stencil_mm, dtype=float)
        )


def aspect_ratio(shape, w, h=None, corner_r=0.0, stencil_mm=0.1):
    """IPC-7525 aspect ratio: narrowest opening width / stencil thickness [-]."""
    w, h, _ = _shape_dims(shape, w, h, corner_r)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.minimum(w, h) / np.asarray(stencil_mm, dtype=float)


def transfer_efficiency(area_ratio_value, nominal=TRANSFER_EFFICIENCY_NOMINAL,
                        threshold=AREA_RATIO_MIN):
    """Fraction of the aperture volume printed [-]: ``nominal`` at or above the threshold.

    Below the IPC-7525 threshold release degrades; modelled (assumption, not a published fit) as a
    linear fall to zero at area ratio 0: TE = nominal * AR / threshold.
    """
    ar = np.asarray(area_ratio_value, dtype=float)
    return np.asarray(nominal, dtype=float) * np.clip(ar / threshold, 0.0, 1.0)
