"""Markdown renderer: verdict, BGA table, new findings (capped), KiCad counts, stale waivers."""
from bgacheck.core.report import Finding
from bgacheck.render.markdown import MAX_ROWS, render_markdown
from ci_reports import kicad_violation, make_report


def test_fail_verdict_and_one_row_per_bga():
    text = render_markdown(make_report())
    assert text.startswith("## BGA check: FAIL")
    rows = [ln for ln in text.splitlines() if ln.startswith("| U1 |")]
    assert len(rows) == 1
    assert "| 15 | 0.8 x 0.8 | NSMD | 2 | 1 | 0.3 mm ± 0.02 |" in rows[0]


def test_pass_when_everything_is_waived():
    report = make_report()
    report.meta["ci"] = {"waived": {k: "ok" for k in range(len(report.findings))}}
    text = render_markdown(report)
    assert text.startswith("## BGA check: PASS")
    assert "New findings" not in text


def test_pipes_in_messages_are_escaped():
    text = render_markdown(make_report())
    assert "trace \\| too wide" in text


def test_long_lists_are_capped_and_counted():
    report = make_report()
    report.findings += [Finding("x.many", "warning", f"n{k}", "U1", 0.0, 0.0)
                        for k in range(2 * MAX_ROWS)]
    text = render_markdown(report)
    total = 2 * MAX_ROWS + 5
    assert f"### New findings ({total})" in text
    assert f"… and {total - MAX_ROWS} more" in text
    assert len(text) < 65536


def test_kicad_counts_and_stale_waivers_are_listed():
    report = make_report()
    report.meta["ci"] = {
        "kicad": {"ran": True, "violations": [kicad_violation()] * 3, "waived": {0: "ok"},
                  "unconnected": 2},
        "stale_waivers": [{"rule": "ug1099.t1.pad_to_via", "ref": "U9", "balls": ["A1"]}]}
    text = render_markdown(report)
    assert "### KiCad DRC: 2 new violation(s), 2 unconnected item(s)" in text
    assert "| `clearance` | error | 2 |" in text
    assert "- `ug1099.t1.pad_to_via` U9 A1" in text


def test_kicad_note_when_it_did_not_run():
    report = make_report()
    report.meta["ci"] = {"kicad": {"ran": False, "note": "not run: kicad-cli not found on PATH"}}
    assert "KiCad DRC: not run: kicad-cli not found on PATH" in render_markdown(report)
