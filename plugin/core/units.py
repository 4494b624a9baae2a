"""Length units: the board model holds int64 nanometres (as KiCad does); rules and output use mm."""
from __future__ import annotations

import numpy as np

__all__ = ["NM_PER_MM", "mm_to_nm", "nm_to_mm", "MIL_MM", "METRIC_TWIN", "fab_minimum"]

NM_PER_MM = 1_000_000
MIL_MM = 0.0254  # one thousandth of an inch [mm]


def mm_to_nm(value_mm):
    """Convert mm to integer nm, rounding (pcbnew.FromMM truncates: 2.01 mm would lose 1 nm)."""
    if isinstance(value_mm, np.ndarray):
        return np.rint(value_mm * NM_PER_MM).astype(np.int64)
    return int(round(float(value_mm) * NM_PER_MM))


def nm_to_mm(value_nm):
    """Convert nm (int or array) to float mm."""
    if isinstance(value_nm, np.ndarray):
        return value_nm.astype(np.float64) / NM_PER_MM
    return float(value_nm) / NM_PER_MM


METRIC_TWIN = 0.02
"""Fabs quote an imperial minimum and its rounded metric twin as one capability (8 mil and
0.20 mm, 4 mil and 0.10 mm, 5 mil and 0.125 mm are 1.6 % apart)."""


def fab_minimum(limit):
    """The value that still meets a fab minimum stated in mil: its metric twin, 2 % lower."""
    return limit * (1.0 - METRIC_TWIN)
