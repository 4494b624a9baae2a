"""Short codes that tie a drawn mark on the board to its row in the results window.

Both KiCad front ends draw only warnings and errors and list them in the same order
(``display_order``: errors first, then by BGA, then rule). Each drawn finding gets a code made of
its severity letter and its place among findings of that severity (``E1``, ``E2``, ``W1``...), so
that a designer who reads "W3" beside a via finds row W3 in the window, and a re-run with the same
result gives the same codes.
"""
from __future__ import annotations

from ..core.report import Finding, Report
from ._shared import display_order

__all__ = ["DRAWN_SEVERITY", "finding_codes"]

DRAWN_SEVERITY = "warning"
"""Lowest severity drawn on the board and listed by default: notes live in the reports only."""

_LETTER = {"error": "E", "warning": "W", "info": "N"}


def finding_codes(report: Report, min_severity: str = DRAWN_SEVERITY) -> list[tuple[str, Finding]]:
    """(code, finding) for every finding at or above ``min_severity``, in display order."""
    seen: dict[str, int] = {}
    coded = []
    for f in display_order(report, min_severity):
        seen[f.severity] = seen.get(f.severity, 0) + 1
        coded.append((f"{_LETTER[f.severity]}{seen[f.severity]}", f))
    return coded
