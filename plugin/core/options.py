"""The choices a check run is made with: one typed object for the CLI, the dialog and the tests."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

__all__ = ["CheckOptions", "HDI_VIA_TYPES", "default_fab_tier"]

HDI_VIA_TYPES = ("micro", "blind_buried")
"""Via kinds that only an HDI process builds (laser microvias, sequential blind/buried vias)."""


@dataclass
class CheckOptions:
    """Choices a run is made with; the same names in the CLI, the dialog and the project file.

    ``profile`` and ``fab_tier`` left as None are taken from the project override file next to
    the board (``<board>.bgacheck.toml`` or ``bgacheck.toml``), else ``ug1099`` / ``standard``.
    Lengths in mm.
    """

    profile: Optional[str] = None
    fab_tier: Optional[str] = None
    stencil_mm: Optional[float] = None
    """Stencil foil thickness; else the board text variable STENCIL_THICKNESS, else the rule."""
    ball_d_mm: Optional[float] = None
    """Ball diameter; else the footprint name (``_Ball0.45mm``), else the profile's typical."""
    pkg_pad_d_mm: Optional[float] = None
    """Package-side pad diameter for the standoff; else taken equal to the board land."""
    warpage_mm: Optional[float] = None
    """Package warpage at reflow peak, corner deviation from its centre plane, positive for
    corners up (away from the board); else the project file's ``warpage_mm``, else the typical
    maximum for the pitch (both directions tried, findings kept to notes)."""
    board_warpage_mm: Optional[float] = None
    """Board warpage under the part at reflow peak, positive when its surface under the
    package corners rises toward the package; else the project file's, else flat."""
    package_mass_g: Optional[float] = None
    """Package mass; its weight presses the molten joints (else the project file's, else 0)."""
    severity: str = "warning"
    """Lowest severity that fails the run (and, in the text report, that is shown)."""
    project_overrides: Any = None
    """The loaded project override file (``rules.Overrides``), filled by ``api.resolve_options``."""
    checks: bool = True
    """False: detect and summarise only (no rule stages)."""
    profile_chosen: bool = False
    """True when the profile came from the command line, the dialog or the project file: its
    vendor's figures then apply to every part (set by ``api.resolve_options``)."""
    fab_tier_why: str = ""
    """Why the tier was taken when none was chosen (e.g. "the board has 64 laser microvias")."""


def default_fab_tier(via_types, standard: str = "standard") -> tuple[str, str]:
    """The tier to check with when none was chosen: ``standard``, or ``hdi`` when the board has
    laser microvias or blind/buried vias, which only an HDI process builds (its designer has
    evidently ordered one). Returns (tier, why)."""
    n = sum(1 for t in via_types if t in HDI_VIA_TYPES)
    if n:
        return "hdi", f"the board has {n} microvia(s) or blind/buried via(s)"
    return standard, ""
