"""The report model: findings as value objects, per-BGA summaries, and run metadata.

Text, JSON, SARIF, JUnit, HTML and the KiCad report layer are all renderings of one ``Report``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

__all__ = ["SEVERITIES", "severity_rank", "Finding", "BgaSummary", "Report"]

SEVERITIES = ("info", "warning", "error")
"""Severity words, lowest first; ``warning`` and ``error`` are kicad-cli's own words."""


def severity_rank(severity: str) -> int:
    """Order of a severity word (info < warning < error); unknown words raise ValueError."""
    try:
        return SEVERITIES.index(severity)
    except ValueError:
        raise ValueError(f"unknown severity {severity!r}; choose one of "
                         f"{', '.join(SEVERITIES)}") from None


@dataclass(frozen=True)
class Finding:
    """One rule result at one place: what rule, how bad, measured against what limit, and where.

    ``measured`` and ``limit`` are in ``unit`` ("mm", "mm3", "ratio", "count", "deg"); ``limit``
    is None for findings that are facts rather than comparisons. ``items`` are the board items
    involved as (description, uuid, x_mm, y_mm).
    """

    rule_id: str
    severity: str
    message: str
    ref: str
    x_mm: float
    y_mm: float
    measured: Optional[float] = None
    limit: Optional[float] = None
    unit: str = "mm"
    source: str = ""
    layer: str = ""
    pads: tuple[str, ...] = ()
    items: tuple[tuple[str, str, float, float], ...] = ()
    fix: str = ""
    """What to change on the board (or which option to pick) to clear the finding; one clause."""

    def __post_init__(self) -> None:
        """Reject a severity word outside ``SEVERITIES`` (ValueError)."""
        severity_rank(self.severity)

    def sort_key(self) -> tuple:
        """Stable order so that re-runs render byte-identical reports."""
        return (self.ref, self.rule_id, self.pads, round(self.x_mm, 6), round(self.y_mm, 6),
                self.layer, self.message)


@dataclass
class BgaSummary:
    """What detection found for one area-array footprint, plus per-BGA results of later stages.

    Lengths in mm. ``extra`` holds stage results (rules used, standoff, escape estimate) keyed by
    stage name, so that later stages add to the report without changing this class.
    """

    ref: str
    footprint: str
    uuid: str
    side: str
    rot_deg: float
    x_mm: float
    y_mm: float
    balls: int
    rows: int
    cols: int
    pitch_mm: tuple[float, float]
    depopulated: tuple[str, ...]
    land_d_mm: float
    land_shape: str
    mask_opening_d_mm: Optional[float]
    paste_d_mm: Optional[float]
    pad_type: str
    pad_types: dict[str, int]
    a1: dict[str, Any]
    staggered: bool
    ignored_pads: dict[str, list[str]]
    ball_names: tuple[str, ...] = ()
    kind: str = "BGA"
    """'BGA' (balls) or 'LGA' (lands only, paste joints)."""
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Report:
    """All findings and BGA summaries for one board and one run."""

    source: str
    kicad_version: str
    tool_version: str
    bgas: list[BgaSummary] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)

    def sorted_findings(self) -> list[Finding]:
        """Findings in their stable order."""
        return sorted(self.findings, key=Finding.sort_key)

    def worst_severity(self) -> Optional[str]:
        """Highest severity among the findings, or None when there are none."""
        if not self.findings:
            return None
        return max((f.severity for f in self.findings), key=severity_rank)

    def count_at_or_above(self, severity: str) -> int:
        """Number of findings at or above a severity."""
        rank = severity_rank(severity)
        return sum(1 for f in self.findings if severity_rank(f.severity) >= rank)
