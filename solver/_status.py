"""Per-joint status codes: 0 is a valid joint, negative values say why there is no height.

Results carry an ``int8`` status array next to the numbers (scipy's ``info`` idea), so that a whole
BGA is solved in one call and a bad joint never turns into NaN or an exception.
"""
from __future__ import annotations

import numpy as np

__all__ = [
    "OK",
    "INSUFFICIENT_SOLDER",
    "INVALID_INPUT",
    "UNPINNED",
    "NO_EQUILIBRIUM",
    "STATUS_MESSAGES",
    "status_message",
    "status_messages",
]

OK = 0
INSUFFICIENT_SOLDER = -1  # the solder does not even fill the SMD mask recesses: open joint
INVALID_INPUT = -2  # a negative, zero or non-finite size, or an unknown pad type
UNPINNED = -3  # under load the solder surface would bulge past a pad plane: model invalid
NO_EQUILIBRIUM = -4  # no pinned force balance (load too large, or a hanging part falls)

STATUS_MESSAGES = {
    OK: "ok",
    INSUFFICIENT_SOLDER: ("insufficient solder / open joint: solder volume does not fill the SMD "
                          "mask recesses"),
    INVALID_INPUT: ("invalid input: sizes must be finite and positive (wetted radii > 0, "
                    "volume >= 0)"),
    UNPINNED: ("model invalid: under this load the solder bulges past the pad plane (rim angle "
               ">= 180 deg)"),
    NO_EQUILIBRIUM: ("no pinned equilibrium for this load: joint collapses past the pads or "
                     "pulls apart"),
}


def status_message(status: int) -> str:
    """One-line explanation of a status code."""
    return STATUS_MESSAGES.get(int(status), f"unknown status {int(status)}")


def status_messages(status) -> list:
    """Explanations for an array of status codes, one string per joint."""
    return [status_message(s) for s in np.asarray(status).ravel()]
