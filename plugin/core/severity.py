"""The severity contract, in one place (docs/checks.md, "Severity").

- error: the board will not be built or assembled as drawn at the chosen fab tier (below the
  fab's minimums, copper clearance broken, a ball with no connection, a joint that cannot form);
- warning: a departure from the part vendor's recommendation beyond the stated tolerance
  (``recommendation_tol_ratio`` / ``recommendation_tol_mm`` in common.toml), or a real assembly
  risk (area ratio below 0.66, missing paste, mixed land types);
- info (a note): everything else worth knowing; hidden by default in the text report.

A vendor's land and via figures are that vendor's advice for its own parts: they give warnings
for parts of that vendor (matched by the profile's ``parts`` patterns on the footprint's value
and library id), for every part when the designer chose the profile (command line, dialog,
project file), and for values the project's override file sets; otherwise notes.
"""
from __future__ import annotations

import re

import numpy as np

__all__ = ["vendor_part", "recommendation_applies", "recommendation_severity", "beyond_tolerance"]


def vendor_part(ctx) -> bool:
    """True when the footprint's value or library id names a part of the profile's vendor."""
    fp = ctx.arr.footprint
    return any(re.search(p, text or "") for p in ctx.rules.parts for text in (fp.value, fp.fpid))


def recommendation_applies(ctx, key: str) -> tuple[bool, str]:
    """Whether rule ``key`` is the part vendor's own advice for this part, and why (one clause)."""
    rs = ctx.rules
    if key not in rs.values:
        return False, f"no {key}"
    if not rs.own(key):
        return False, f"value from {rs[key].how}, not {rs.profile}'s own figure"
    if rs[key].origin == "override":
        return True, "value from the project override file"
    if ctx.options.profile_chosen:
        return True, f"profile {rs.profile} chosen"
    if vendor_part(ctx):
        return True, f"{ctx.arr.footprint.ref} is an {rs.vendor} part"
    return False, (f"{ctx.arr.footprint.ref} is not an {rs.vendor or rs.profile} part; "
                   f"--profile {rs.profile} makes it a warning")


def recommendation_severity(ctx, key: str) -> str:
    """'warning' where the vendor's figure applies to this part, else 'info'."""
    return "warning" if recommendation_applies(ctx, key)[0] else "info"


def beyond_tolerance(measured, limit: float, rs) -> np.ndarray:
    """Departure larger than max(ratio x limit, absolute) from common.toml (elementwise)."""
    tol = max(float(rs.recommendation_tol_ratio or 0.0) * abs(limit),
              float(rs.recommendation_tol_mm or 0.0))
    return np.abs(np.asarray(measured, float) - limit) > tol + 1e-9
