"""The pass/fail verdict of a run, decided in one place.

A finding fails a run when it is not waived and its severity is at or above the run's threshold
(``--severity``, default ``warning``). KiCad's own violations in a ``bga-check ci`` run fail the
same way; KiCad words that are not ours ("ignore", "exclusion") never fail. With
``fail_on_stale``, a baseline waiver that matched nothing fails the run as well.

Every front end asks :func:`verdict`: the ``check`` exit code, the text report, the KiCad dialog
and board labels, and (through ``render._shared.run_verdict``) the HTML report.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Optional

from .report import SEVERITIES, Finding, Report, severity_rank

__all__ = ["DEFAULT_SEVERITY", "Verdict", "fails", "report_severity", "verdict"]

DEFAULT_SEVERITY = "warning"
"""The threshold when none was chosen: errors and warnings fail, notes do not."""


def fails(severity: str, threshold: str, waived: bool = False) -> bool:
    """Whether one finding or violation of ``severity`` fails a run at ``threshold``.

    Parameters
    ----------
    severity : str
        The item's severity word; words outside ``SEVERITIES`` (KiCad's "ignore",
        "exclusion") never fail.
    threshold : str
        Lowest failing severity ("info", "warning" or "error").
    waived : bool
        True when a baseline waiver covers the item.

    Returns
    -------
    bool
        True for a new item at or above the threshold.

    Examples
    --------
    >>> fails("error", "warning"), fails("info", "warning"), fails("error", "info", waived=True)
    (True, False, False)
    >>> fails("exclusion", "info")
    False
    """
    if waived or severity not in SEVERITIES:
        return False
    return severity_rank(severity) >= severity_rank(threshold)


def report_severity(report: Report) -> str:
    """The threshold a report was made with.

    ``bga-check ci`` records it in ``meta["ci"]["severity"]``, ``api.check_model`` in
    ``meta["severity"]``; reports made otherwise use ``DEFAULT_SEVERITY``.

    Parameters
    ----------
    report : Report
        Any report.

    Returns
    -------
    str
        A word of ``SEVERITIES``.
    """
    ci = report.meta.get("ci")
    for value in ((ci or {}).get("severity") if isinstance(ci, dict) else None,
                  report.meta.get("severity")):
        if value in SEVERITIES:
            return str(value)
    return DEFAULT_SEVERITY


@dataclass(frozen=True)
class Verdict:
    """Whether a run (or one BGA of it) passes, and what decides it.

    ``failing`` and ``failing_index`` list the findings that fail, in ``Report.sorted_findings``
    order (the index is the position in that list, the key baselines use); ``counts`` counts
    every finding in scope by severity word, waived ones included.
    """

    passed: bool
    severity: str
    failing: tuple[Finding, ...] = ()
    failing_index: tuple[int, ...] = ()
    waived: tuple[Finding, ...] = ()
    counts: Mapping[str, int] = field(default_factory=dict)
    kicad_failing: tuple[Mapping[str, Any], ...] = ()
    kicad_failing_index: tuple[int, ...] = ()
    stale_waivers: int = 0

    @property
    def word(self) -> str:
        """"PASS" or "FAIL"."""
        return "PASS" if self.passed else "FAIL"

    @property
    def failing_count(self) -> int:
        """Findings and KiCad violations that fail."""
        return len(self.failing) + len(self.kicad_failing)

    def finding_fails(self, index: int) -> bool:
        """Whether the finding at ``index`` of ``Report.sorted_findings()`` fails."""
        return index in self.failing_index

    def kicad_fails(self, index: int) -> bool:
        """Whether KiCad's violation at ``index`` of the violations given fails."""
        return index in self.kicad_failing_index


def verdict(report: Report, severity: Optional[str] = None, *, ref: Optional[str] = None,
            waived: Collection[int] = (), kicad: Sequence[Mapping[str, Any]] = (),
            kicad_waived: Collection[int] = (), stale_waivers: int = 0,
            fail_on_stale: bool = False) -> Verdict:
    """Decide whether a run passes.

    Parameters
    ----------
    report : Report
        The checked board.
    severity : str, optional
        Lowest failing severity; default ``report_severity(report)``.
    ref : str, optional
        Judge only the findings of this BGA (KiCad's violations and stale waivers are then left
        out).
    waived : collection of int
        Positions in ``report.sorted_findings()`` that a baseline waives.
    kicad : sequence of dict
        KiCad's violations (kicad-cli JSON objects with a ``severity`` key), ``bga-check ci``.
    kicad_waived : collection of int
        Positions in ``kicad`` that a baseline waives.
    stale_waivers : int
        Baseline waivers that matched nothing.
    fail_on_stale : bool
        True: a stale waiver fails the run.

    Returns
    -------
    Verdict
        ``passed`` is False when anything fails.

    Examples
    --------
    >>> r = Report("b.kicad_pcb", "9.0", "0")
    >>> r.findings.append(Finding("x.y", "warning", "tight", "U1", 0.0, 0.0))
    >>> verdict(r).word, verdict(r, "error").word, verdict(r, waived={0}).word
    ('FAIL', 'PASS', 'PASS')
    """
    threshold = severity or report_severity(report)
    severity_rank(threshold)  # an unknown word is a bug in the caller: ValueError
    failing: list[Finding] = []
    failing_index: list[int] = []
    waived_findings: list[Finding] = []
    counts: Counter[str] = Counter()
    for k, f in enumerate(report.sorted_findings()):
        if ref is not None and f.ref != ref:
            continue
        counts[f.severity] += 1
        if k in waived:
            waived_findings.append(f)
        elif fails(f.severity, threshold):
            failing.append(f)
            failing_index.append(k)
    kicad_index: list[int] = []
    if ref is None:
        kicad_index = [k for k, v in enumerate(kicad)
                       if fails(str(v.get("severity", "")), threshold, k in kicad_waived)]
    else:
        stale_waivers = 0
    stale_fail = fail_on_stale and stale_waivers > 0
    return Verdict(passed=not failing and not kicad_index and not stale_fail, severity=threshold,
                   failing=tuple(failing), failing_index=tuple(failing_index),
                   waived=tuple(waived_findings),
                   counts={s: counts.get(s, 0) for s in SEVERITIES},
                   kicad_failing=tuple(kicad[k] for k in kicad_index),
                   kicad_failing_index=tuple(kicad_index), stale_waivers=stale_waivers)
