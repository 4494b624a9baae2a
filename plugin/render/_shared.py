"""Small helpers the CI renderers share: the ``ci`` run record in ``Report.meta`` and formatting.

``bga-check ci`` stores what it learned beside the checks in ``report.meta["ci"]`` (a plain
dict, all keys optional), so that every renderer stays a pure ``Report -> str``:

- ``severity``: the failing threshold ("error", "warning" or "info"); default the report's
  own (``core.verdict.report_severity``).
- ``waived``: {index into ``report.sorted_findings()``: waiver reason}.
- ``kicad``: {"ran": bool, "note": str, "version": str, "violations": [kicad-cli violation
  dicts], "waived": {index into violations: reason}, "unconnected": int, "parity": int}.
- ``stale_waivers``: [waiver dicts from the baseline file that matched nothing];
  ``fail_on_stale``: True when they fail the run.
- ``partial``: {index into ``sorted_findings()``: {"new": [the new items, for people],
  "waived": count}} for findings of which a baseline accepts some items, not all (they fail).
- ``board_file``: the board path as given; ``board_uri``: relative to the repository root;
  ``uuid_lines``: {uuid: line number in that file}.
- ``error``: why the run stopped before a verdict (with ``exit_code``): the reports then say
  only that.
"""
from __future__ import annotations

from collections import Counter
from typing import Any, Callable, Optional

from ..core.report import Finding, Report, severity_rank
from ..core.verdict import Verdict, fails, report_severity, verdict

__all__ = ["ci_meta", "threshold", "waived_findings", "kicad_record", "kicad_rank", "run_verdict",
           "fmt", "counts", "finding_fails", "kicad_fails", "display_key", "display_order",
           "partial_findings", "run_error", "board_uri"]


def ci_meta(report: Report) -> dict[str, Any]:
    """The ``ci`` record of a report, or an empty dict when the run was not ``bga-check ci``."""
    value = report.meta.get("ci")
    return value if isinstance(value, dict) else {}


def threshold(report: Report) -> str:
    """The severity at and above which a finding fails the run."""
    return report_severity(report)


def waived_findings(report: Report) -> dict[int, str]:
    """Indices into ``sorted_findings()`` that a baseline waived, with the waiver's reason."""
    return {int(k): str(v) for k, v in ci_meta(report).get("waived", {}).items()}


def partial_findings(report: Report) -> dict[int, dict]:
    """Findings a baseline accepts only in part: index -> {"new": [items], "waived": n}."""
    return {int(k): v for k, v in ci_meta(report).get("partial", {}).items()
            if isinstance(v, dict)}


def run_error(report: Report) -> Optional[str]:
    """Why a ``ci`` run stopped before its verdict, or None."""
    value = ci_meta(report).get("error")
    return str(value) if value else None


def board_uri(report: Report) -> str:
    """The board path relative to the repository root, else as given."""
    meta = ci_meta(report)
    return str(meta.get("board_uri") or meta.get("board_file") or report.source or "")


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


def run_verdict(report: Report, severity: Optional[str] = None,
                ref: Optional[str] = None) -> Verdict:
    """The run's verdict: ``core.verdict.verdict`` with what the ``ci`` record holds.

    The record's waivers, KiCad violations and stale waivers count; ``ref`` judges one BGA.
    """
    rec = ci_meta(report)
    kicad = kicad_record(report) or {}
    return verdict(report, severity, ref=ref, waived=waived_findings(report),
                   kicad=list(kicad.get("violations", [])),
                   kicad_waived={int(k) for k in kicad.get("waived", {})},
                   stale_waivers=len(rec.get("stale_waivers", [])),
                   fail_on_stale=bool(rec.get("fail_on_stale")))


def finding_fails(report: Report, f: Finding, waived: bool) -> bool:
    """True when a finding is new (not waived) and at or above the run's threshold.

    Kept for the CI renderers that judge one item at a time; ``run_verdict`` judges the run.
    """
    return fails(f.severity, threshold(report), waived)


def kicad_fails(report: Report, violation: dict, waived: bool) -> bool:
    """True when a KiCad violation is new (not waived) and at or above the run's threshold."""
    return fails(str(violation.get("severity", "")), threshold(report), waived)


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
    """Sort key for lists people read.

    Errors first, then by BGA (most balls first, findings on no detected BGA after them), then
    rule id, then the stable ``Finding.sort_key``.
    """
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
