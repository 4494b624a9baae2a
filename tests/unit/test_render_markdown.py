"""Markdown renderer: verdict, failing items first, one row per BGA, capped lists, KiCad counts,
stale waivers, and an error report when the run stopped before a verdict."""
import pytest

from bgacheck.core.report import Finding
from bgacheck.render.markdown import MAX_NAMES, MAX_ROWS, render_markdown
from ci_reports import kicad_violation, make_report


def _html(text):
    """The summary as GitHub renders a comment (CommonMark with GFM tables), by markdown-it-py
    when it is installed."""
    markdown_it = pytest.importorskip("markdown_it", reason="markdown-it-py not installed")
    return markdown_it.MarkdownIt("commonmark").enable("table").render(text)


def test_fail_verdict_then_failing_then_one_row_per_bga():
    text = render_markdown(make_report())
    assert text.startswith("## BGA check: FAIL")
    assert text.index("### Failing (4)") < text.index("### Per BGA")
    rows = [ln for ln in text.splitlines() if ln.startswith("| U1 |")]
    assert len(rows) == 1
    assert rows[0].endswith("| 0.8 x 0.8 | 15 NSMD | **3** | 2 / 1 / 1 | 0 | 0.3 mm ± 0.02 |")


def test_failing_rows_are_worst_first_and_notes_are_folded():
    text = render_markdown(make_report())
    failing = text.split("### Failing")[1].split("###")[0]
    sev = [ln.split("|")[1].strip() for ln in failing.splitlines() if ln.startswith("| e")
           or ln.startswith("| w")]
    assert sev == ["error", "error", "warning", "warning"]
    assert "<summary>New below warning: 1 info</summary>" in text
    assert "`bga.land.note`" not in failing


def test_pass_when_everything_is_waived():
    report = make_report()
    report.meta["ci"] = {"waived": {k: "ok" for k in range(len(report.findings))}}
    text = render_markdown(report)
    assert text.startswith("## BGA check: PASS")
    assert "### Failing" not in text
    assert "5 waived" in text


def test_pipes_in_messages_are_escaped():
    text = render_markdown(make_report())
    assert "trace \\| too wide" in text


def test_ball_lists_are_spaced_and_capped_so_tables_stay_narrow():
    report = make_report()
    balls = tuple(f"{r}{c}" for r in "ABCDEFGHJKLMNPRT" for c in range(1, 17))
    report.findings.append(Finding("fab.mask_web", "warning", "256 thin webs", "U1", 0.0, 0.0,
                                   pads=balls))
    text = render_markdown(report)
    row = next(ln for ln in text.splitlines() if "`fab.mask_web`" in ln)
    assert f"U1 {', '.join(balls[:MAX_NAMES])} … (+{256 - MAX_NAMES})" in row
    assert max(len(cell) for cell in row.split("|")) < 80
    assert "A1,A2" not in text


def test_long_lists_are_capped_and_counted():
    report = make_report()
    report.findings += [Finding("x.many", "warning", f"n{k}", "U1", 0.0, 0.0)
                        for k in range(2 * MAX_ROWS)]
    text = render_markdown(report)
    total = 2 * MAX_ROWS + 4
    assert f"### Failing ({total})" in text
    assert f"… and {total - MAX_ROWS} more" in text
    assert len(text) < 65536


def test_partly_waived_findings_name_their_new_items():
    report = make_report()
    idx = [f.rule_id for f in report.sorted_findings()].index("ug1099.t1.pad_to_via")
    report.meta["ci"] = {"partial": {idx: {"new": ["via at (1.0000, 2.0000) mm"],
                                           "waived": 24}}}
    row = next(ln for ln in render_markdown(report).splitlines() if "pad_to_via" in ln)
    assert "new: via at (1.0000, 2.0000) mm; 24 waived" in row


def test_kicad_failing_violations_are_grouped_by_type_and_counted():
    report = make_report()
    report.meta["ci"] = {
        "kicad": {"ran": True, "violations": [kicad_violation()] * 3, "waived": {0: "ok"},
                  "unconnected": 2, "note": "KiCad 9.0.8 DRC ran every check"},
        "stale_waivers": [{"rule": "ug1099.t1.pad_to_via", "ref": "U9", "balls": ["A1"]}]}
    text = render_markdown(report)
    assert "| error | `clearance` (KiCad) ×2 |" in text
    assert "### KiCad DRC: 2 new violation(s), 2 unconnected item(s)" in text
    assert "| `clearance` | error | 2 | 1 |" in text
    assert "KiCad 9.0.8 DRC ran every check" in text
    assert "- `ug1099.t1.pad_to_via` U9 A1" in text


def test_kicad_note_when_it_did_not_run():
    report = make_report()
    report.meta["ci"] = {"kicad": {"ran": False, "note": "not run (--no-kicad-drc)"}}
    assert "KiCad DRC: not run (--no-kicad-drc)" in render_markdown(report)


def test_error_report_says_why_and_nothing_else():
    report = make_report()
    report.meta["ci"] = {"error": "board file not found: hw/x.kicad_pcb", "exit_code": 2,
                         "board_uri": "hw/x.kicad_pcb"}
    text = render_markdown(report)
    assert text.startswith("## BGA check: ERROR · `hw/x.kicad_pcb`")
    assert "board file not found" in text and "### Failing" not in text


def test_renders_as_tables_with_a_folded_section():
    report = make_report()
    report.findings.append(Finding("fab.mask_web", "warning", "webs", "U1", 0.0, 0.0,
                                   pads=tuple(f"A{k}" for k in range(1, 200))))
    page = _html(render_markdown(report))
    assert page.count("<table>") == 3  # failing, per BGA, the folded notes
    assert "<details>" in page and "<summary>New below warning: 1 info</summary>" in page
    assert "… (+" in page
