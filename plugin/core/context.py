"""Per-BGA context shared by the check stages: the rule set for its pitch, computed once."""
from __future__ import annotations

from .detect import AreaArray
from .model import BoardModel
from .units import NM_PER_MM

__all__ = ["rules_for"]

_CACHE: dict = {}
"""Rule sets by (pitch, profile, tier, override file object); resolving is cheap but repeated."""


def rules_for(model: BoardModel, arr: AreaArray, options):
    """The RuleSet for one array (profile, fab tier and project overrides from ``options``)."""
    from . import rules

    project = getattr(options, "project_overrides", None)
    key = (round(arr.pitch_x_nm), round(arr.pitch_y_nm), options.profile, options.fab_tier,
           None if project is None else repr(project))
    if key not in _CACHE:
        _CACHE[key] = rules.rules_for_pitch(
            options.profile or rules.DEFAULT_PROFILE, arr.pitch_x_nm / NM_PER_MM,
            arr.pitch_y_nm / NM_PER_MM, fab_tier=options.fab_tier or rules.DEFAULT_FAB_TIER,
            overrides=project)
    return _CACHE[key]
