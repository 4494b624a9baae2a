"""One verdict: core.verdict decides pass/fail, and the text report, the HTML report, the results
window and the board labels say what it says."""
from __future__ import annotations

import doctest

import pytest

from bgacheck.core import verdict as verdict_module
from bgacheck.core.report import Finding, Report
from bgacheck.core.verdict import fails, report_severity, verdict
from bgacheck.kicad.report_layer import verdict as bga_label_verdict
from bgacheck.kicad.results_rows import bga_rows
from bgacheck.render.html import render_html
from bgacheck.render.text import render_text
from ci_reports import make_report


def _report(*severities: str, ref: str = "U1") -> Report:
    r = Report("b.kicad_pcb", "9.0", "0")
    r.findings += [Finding(f"t.{k}", s, "m", ref, float(k), 0.0) for k, s in enumerate(severities)]
    return r


def test_the_examples_in_the_module_run():
    assert doctest.testmod(verdict_module).failed == 0


@pytest.mark.parametrize("severity, threshold, waived, expected", [
    ("error", "warning", False, True), ("warning", "warning", False, True),
    ("info", "warning", False, False), ("info", "info", False, True),
    ("warning", "error", False, False), ("error", "info", True, False),
    ("exclusion", "info", False, False), ("ignore", "info", False, False),
])
def test_one_item_fails_when_new_and_at_or_above_the_threshold(severity, threshold, waived,
                                                               expected):
    assert fails(severity, threshold, waived) is expected


def test_a_clean_run_passes_and_counts_every_severity():
    v = verdict(_report("info", "info"))
    assert v.passed and v.word == "PASS" and v.failing == ()
    assert dict(v.counts) == {"info": 2, "warning": 0, "error": 0}


def test_failing_findings_are_listed_in_sorted_order_with_their_index():
    r = _report("warning", "error", "info")
    v = verdict(r, "warning")
    assert not v.passed and [f.severity for f in v.failing] == ["warning", "error"]
    assert [r.sorted_findings()[k] for k in v.failing_index] == list(v.failing)
    assert v.finding_fails(v.failing_index[0]) and not v.finding_fails(2)


def test_waived_findings_never_fail_but_are_counted():
    r = _report("error")
    v = verdict(r, "info", waived={0})
    assert v.passed and len(v.waived) == 1 and v.counts["error"] == 1


def test_kicad_violations_fail_the_same_way_unless_waived():
    r = _report("info")
    kicad = [{"severity": "error"}, {"severity": "exclusion"}, {"severity": "warning"}]
    v = verdict(r, "warning", kicad=kicad)
    assert not v.passed and v.kicad_failing_index == (0, 2) and v.failing_count == 2
    assert verdict(r, "warning", kicad=kicad, kicad_waived={0, 2}).passed
    assert verdict(r, "error", kicad=kicad, kicad_waived={0}).passed


def test_stale_waivers_fail_only_when_asked():
    r = _report()
    assert verdict(r, stale_waivers=2).passed
    assert not verdict(r, stale_waivers=2, fail_on_stale=True).passed


def test_one_bga_is_judged_on_its_own_findings():
    r = _report("error")
    r.findings.append(Finding("t.w", "warning", "m", "U2", 0.0, 0.0))
    assert verdict(r, "error", ref="U2").passed and not verdict(r, "error", ref="U1").passed
    assert verdict(r, "error", ref="U2", kicad=[{"severity": "error"}]).passed


def test_the_threshold_is_the_ci_record_then_the_run_then_warning():
    r = _report()
    assert report_severity(r) == "warning"
    r.meta["severity"] = "error"
    assert report_severity(r) == "error"
    r.meta["ci"] = {"severity": "info"}
    assert report_severity(r) == "info"
    with pytest.raises(ValueError):
        verdict(r, "fatal")


def test_the_text_report_says_what_the_verdict_says():
    r = make_report()
    for severity in ("info", "warning", "error"):
        word = verdict(r, severity).word
        assert f"verdict  {word} at --severity {severity}" in render_text(r, severity=severity)


def test_a_waived_finding_does_not_fail_the_text_or_html_report():
    r = _report("error")
    r.meta["ci"] = {"severity": "warning", "waived": {0: "accepted"}}
    assert "verdict  PASS" in render_text(r)
    assert '<span class="verdict PASS">PASS</span>' in render_html(r)


def test_the_results_window_and_board_label_use_the_run_severity():
    r = make_report()
    rows = {row[0]: row[-1] for row in bga_rows(r)}
    assert rows["U1"] == "FAIL (2 errors, 1 warning, 1 note)"  # the board finding is no BGA's
    r.meta["severity"] = "error"
    assert {row[0]: row[-1] for row in bga_rows(r, "error")}["U1"].startswith("FAIL")
    r2 = _report("warning", "info")
    r2.meta["severity"] = "error"
    assert bga_label_verdict(r2, "U1") == "PASS (1 warning, 1 info)"
    assert bga_label_verdict(r2, "U1", "warning") == "FAIL (1 warning, 1 info)"
