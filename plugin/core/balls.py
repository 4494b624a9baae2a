"""Per-ball facts derived from the pad table: land type (SMD/NSMD) and paste aperture."""
from __future__ import annotations

import numpy as np

from .detect import AreaArray
from .model import BoardModel

__all__ = ["pad_types", "paste_apertures", "SMD_TOLERANCE_NM"]

SMD_TOLERANCE_NM = 1_000
"""A mask opening at least 1 µm smaller than the copper makes the pad solder-mask defined."""


def pad_types(model: BoardModel, pads: np.ndarray) -> np.ndarray:
    """'SMD' (mask-defined) or 'NSMD' per pad; pads without a mask opening count as SMD."""
    p = model.pads
    copper = np.minimum(p.w_nm[pads], p.h_nm[pads])
    mask = np.minimum(p.mask_w_nm[pads], p.mask_h_nm[pads])
    return np.where(mask < copper - SMD_TOLERANCE_NM, "SMD", "NSMD")


def paste_apertures(model: BoardModel, arr: AreaArray) -> np.ndarray:
    """Paste aperture width per ball [nm], taking separate paste-only pads at the same spot."""
    p = model.pads
    balls = arr.ball_pads
    paste = np.minimum(p.paste_w_nm[balls], p.paste_h_nm[balls]).astype(np.int64)
    fp_pads = model.footprint_pads(arr.footprint)
    extra = fp_pads[~p.has_copper[fp_pads] & (p.paste_w_nm[fp_pads] > 0)]
    if len(extra) and (paste == 0).any():
        for k in np.flatnonzero(paste == 0):
            b = balls[k]
            d = np.hypot(p.x_nm[extra] - p.x_nm[b], p.y_nm[extra] - p.y_nm[b])
            j = int(np.argmin(d))
            if d[j] < 0.25 * min(arr.pitch_x_nm, arr.pitch_y_nm):
                paste[k] = min(p.paste_w_nm[extra[j]], p.paste_h_nm[extra[j]])
    return paste
