"""Per-BGA context shared by the check stages: the rule set for its pitch, computed once."""
from __future__ import annotations

from .detect import AreaArray
from .model import BoardModel
from .units import NM_PER_MM

__all__ = ["rules_for"]

_CACHE: dict = {}


def rules_for(model: BoardModel, arr: AreaArray, options):
    """The RuleSet for one array (profile, fab tier and project overrides from ``options``)."""
    from . import rules

    key = (round(arr.pitch_x_nm), round(arr.pitch_y_nm), options.profile, options.fab_tier,
           repr(sorted(options.overrides.items())))
    if key not in _CACHE:
        overrides = {k: v for k, v in options.overrides.items() if not k.startswith("_")}
        _CACHE[key] = rules.rules_for_pitch(
            options.profile, arr.pitch_x_nm / NM_PER_MM, arr.pitch_y_nm / NM_PER_MM,
            fab_tier=options.fab_tier, overrides=overrides or None)
    return _CACHE[key]
