"""Small helpers the CI renderers share: the ``ci`` run record in ``Report.meta`` and formatting.

``bga-check ci`` stores what it learned beside the checks in ``report.meta["ci"]`` (a plain
dict, all keys optional), so that every renderer stays a pure ``Report -> str``:

- ``severity``: the failing threshold ("error", "warning" or "info"); default "warning",
  as for ``check``.
- ``waived``: {index into ``report.sorted_findings()``: waiver reason}.
- ``kicad``: {"ran": bool, "note": str, "version": str, "violations": [kicad-cli violation
  dicts], "waived": {index into violations: reason}, "unconnected": int, "parity": int}.
- ``stale_waivers``: [waiver dicts from the baseline file that matched nothing].
- ``board_file``: the board path as given; ``uuid_lines``: {uuid: line number in that file}.
"""
from __future__ import annotations

from collections import Counter
from typing import Any, Callable, Optional

from ..core.report import Finding, Report, severity_rank

__all__ = ["ci_meta", "threshold", "waived_findings", "kicad_record", "kicad_rank",
           "fmt", "counts", "finding_fails", "kicad_fails", "display_key", "display_order"]


def ci_meta(report: Report) -> dict[str, Any]:
    """The ``ci`` record of a report, or an empty dict when the run was not ``bga-check ci``."""
    value = report.meta.get("ci")
    return value if isinstance(value, dict) else {}


def threshold(report: Report) -> str:
    """The severity at and above which a finding fails the run."""
    return ci_meta(report).get("severity", "warning")


def waived_findings(report: Report) -> dict[int, str]:
    """Indices into ``sorted_findings()`` that a baseline waived, with the waiver's reason."""
    return {int(k): str(v) for k, v in ci_meta(report).get("waived", {}).items()}


def kicad_record(report: Report) -> Optional[dict[str, Any]]:
    """KiCad's DRC part of the run, or None when kicad-cli did not run."""
    rec = ci_meta(report).get("kicad")
    return rec if isinstance(rec, dict) and rec.get("ran") else None


def kicad_rank(severity: str) -> int:
    """Rank of a kicad-cli severity word on our scale; "ignore"/"exclusion" rank below info."""
    try:
        return severity_rank(severity)
    except ValueError:
        return -1


def finding_fails(report: Report, f: Finding, waived: bool) -> bool:
    """True when a finding is new (not waived) and at or above the run's threshold."""
    return not waived and severity_rank(f.severity) >= severity_rank(threshold(report))


def kicad_fails(report: Report, violation: dict, waived: bool) -> bool:
    """True when a KiCad violation is new (not waived) and at or above the run's threshold."""
    return not waived and kicad_rank(violation.get("severity", "")) >= severity_rank(
        threshold(report))


def counts(findings) -> Counter:
    """Findings counted by severity word."""
    return Counter(f.severity for f in findings)


def fmt(value: Optional[float], unit: str = "") -> str:
    """A measured value for people: up to 4 decimals, trailing zeros dropped, unit appended."""
    if value is None:
        return ""
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    if text == "-0":
        text = "0"
    return f"{text} {unit}".strip() if unit and unit not in ("count", "ratio") else text


def display_key(report: Report) -> Callable[[Finding], tuple]:
    """Sort key for lists people read: errors first, then by BGA (most balls first, findings on
    no detected BGA after them), then rule id, then the stable ``Finding.sort_key``."""
    balls = {b.ref: b.balls for b in report.bgas}

    def key(f: Finding) -> tuple:
        return (-severity_rank(f.severity), f.ref not in balls, -balls.get(f.ref, 0), f.ref,
                f.rule_id, f.sort_key())

    return key


def display_order(report: Report, min_severity: str = "info", ref: str = "") -> list[Finding]:
    """Findings at or above ``min_severity`` (of one BGA when ``ref`` is given) in display order."""
    rank = severity_rank(min_severity)
    return sorted((f for f in report.findings
                   if severity_rank(f.severity) >= rank and (not ref or f.ref == ref)),
                  key=display_key(report))
