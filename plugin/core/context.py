"""What every check stage gets for one BGA: the board, the array, its rules and where results go.

One ``ArrayContext`` is made per detected array by the pipeline and handed to each stage in
turn. Results that a later stage reuses (the channel analysis, the per-layer geometry) are kept
on the context, not in module-level caches, so nothing outlives the run or leaks between boards.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .detect import AreaArray
from .model import BoardModel
from .options import CheckOptions
from .report import BgaSummary, Finding
from .units import NM_PER_MM

__all__ = ["ArrayContext", "rules_for"]


def rules_for(model: BoardModel, arr: AreaArray, options: CheckOptions):
    """The RuleSet for one array (profile, fab tier and project overrides from ``options``)."""
    from . import rules

    px, py = arr.rule_pitch_nm  # nearest-neighbour pitch for staggered arrays
    return rules.rules_for_pitch(
        options.profile or rules.DEFAULT_PROFILE, px / NM_PER_MM,
        py / NM_PER_MM, fab_tier=options.fab_tier or rules.DEFAULT_FAB_TIER,
        overrides=getattr(options, "project_overrides", None))


@dataclass
class ArrayContext:
    """One array under check: inputs, its resolved rules, and where findings go.

    ``shared`` holds per-array results one stage leaves for a later one (e.g. ``"channels"``);
    ``board`` is one dict shared by every array of the board (e.g. pairs already reported where
    two arrays' areas overlap).
    """

    model: BoardModel
    arr: AreaArray
    options: CheckOptions
    rules: Any
    """The ``rules.RuleSet`` for this array's pitch."""
    summary: BgaSummary
    findings: list[Finding]
    shared: dict = field(default_factory=dict)
    board: dict = field(default_factory=dict)

    @property
    def own_layer(self) -> int:
        """Copper stack index of the package's side (0 = F.Cu, last = B.Cu)."""
        return 0 if self.arr.footprint.side == "top" else len(self.model.copper_layers) - 1
