"""The results window's words, without a display: the list's order and codes match the board's,
the count line matches the rows, the detail pane says which way a value fails and what to change,
the header says where the profile, fab tier and stencil came from, and the window sits beside
the editor."""
from __future__ import annotations

import json
import re
import shutil

import pytest

from bgacheck import api
from bgacheck.core.report import Finding
from bgacheck.kicad import remembered_options, results_rows as rows
from bgacheck.render.finding_codes import finding_codes
from paths import REPO
from test_render_text import two_bgas

BOARDS = REPO / "fixtures" / "boards"


@pytest.fixture(scope="module")
def two_bga_report():
    """A real check of a generated board with two BGAs: errors on both, a warning on the first."""
    return api.check_file(str(BOARDS / "bga-vendor-limits.kicad_pcb"),
                          api.CheckOptions(fab_tier="pcbway"), reader="native")


def _finding(severity="warning", measured=0.497, limit=0.010, unit="mm", **kw):
    return Finding("t.rule", severity, "a message", "U1", 1.0, 2.0, measured, limit, unit, **kw)


def test_errors_of_every_bga_come_before_any_warning(two_bga_report):
    listed = rows.finding_rows(two_bga_report, "warning")
    severities = [f.severity for _, f, _ in listed]
    assert severities == sorted(severities, key=lambda s: s != "error")
    errors = [f.ref for _, f, _ in listed if f.severity == "error"]
    first_warning = next(f.ref for _, f, _ in listed if f.severity == "warning")
    assert errors == ["U1", "U2"] and first_warning == "U1"


def test_codes_are_the_board_annotation_codes(two_bga_report):
    for severity in ("error", "warning", "info"):
        listed = rows.finding_rows(two_bga_report, severity)
        assert [(code, f) for code, f, _ in listed] == finding_codes(two_bga_report, severity)
        assert [cells[0] for _, _, cells in listed] == [code for code, _, _ in listed]
    assert [c for c, _, _ in rows.finding_rows(two_bga_report, "warning")] == ["E1", "E2", "W1"]


def test_count_line_matches_the_rows_and_says_how_to_see_the_rest(two_bga_report):
    for severity in ("error", "warning", "info"):
        line = rows.count_line(two_bga_report, severity)
        assert line.startswith(f"{len(rows.finding_rows(two_bga_report, severity))} shown")
    notes = sum(f.severity == "info" for f in two_bga_report.findings)
    assert rows.count_line(two_bga_report, "warning") == (
        f"3 shown: 2 errors, 1 warning; {notes} notes hidden (choose 'info' to list them)")
    assert rows.count_line(two_bga_report, "error") == (
        f"2 shown: 2 errors; 1 warning and {notes} notes hidden (choose 'info' to list all)")
    assert rows.count_line(two_bga_report, "info") == (
        f"{3 + notes} shown: 2 errors, 1 warning, {notes} notes")


def test_measured_against_limit_says_which_way_it_fails():
    assert rows.comparison(_finding()) == "measured 0.497 mm, limit ≤ 0.01 mm: 0.487 mm over"
    low = _finding("error", 0.113, 0.15)
    assert rows.comparison(low) == "measured 0.113 mm, limit ≥ 0.15 mm: 0.037 mm short"
    assert rows.measured_limit(low) == "0.113 mm, min 0.15 mm"
    assert rows.comparison(_finding("info", 0.015, 0.0508)) == "measured 0.015 mm, limit 0.0508 mm"
    assert rows.comparison(_finding("warning", 0.58, 0.66, "ratio")) == (
        "measured ratio 0.58, limit ≥ 0.66: 0.08 short")
    assert rows.comparison(_finding(measured=None, limit=None)) == ""
    assert rows.measured_limit(_finding("info", 3, None, "count")) == ""


def test_detail_pane_holds_the_whole_finding(two_bga_report):
    code, f, _ = rows.finding_rows(two_bga_report, "warning")[1]
    text = rows.detail_text(code, f)
    assert text.startswith("E2  ERROR  U2  fab.annular_ring\n")
    assert f.message in text and "Measured 0.113 mm, limit ≥ 0.15 mm: 0.037 mm short" in text
    assert f"What to change: {f.fix}" in text and f"Rule: {f.rule_id}" in text
    assert "Source: " + " ".join(f.source.split()) in text
    assert "Where: U2 at x 102.000, y 97.000 mm" in text
    assert re.search(r"Items involved \(36 vias, 36 balls\):\n  via at \(102, 97\) mm", text)
    assert "+66 more" in text and "Balls (36): A1, A2" in text


def test_bga_rows_show_pitch_standoff_and_the_verdict_at_the_chosen_severity():
    report = two_bgas()
    by_ref = {r[0]: r for r in rows.bga_rows(report)}
    assert by_ref["U9"][1:3] == ("64", "0.8")
    assert [r[0] for r in rows.bga_rows(report)] == ["U9", "U1"]  # most balls first, as findings
    assert by_ref["U1"][-1].startswith("FAIL (")
    assert rows.bga_rows(report, "error")[0][-1].startswith("FAIL")
    assert "notes" in by_ref["U1"][-1] or "note" in by_ref["U1"][-1]


def test_header_says_where_profile_tier_and_stencil_came_from(tmp_path):
    board = shutil.copy(BOARDS / "bga-0.8mm-clean.kicad_pcb", tmp_path)
    shutil.copy(BOARDS / "bga-0.8mm-clean.bgacheck.toml", tmp_path)
    project = api.check_file(board, api.CheckOptions(), reader="native")
    lines = rows.setting_lines(project, api.CheckOptions())
    assert lines[0].startswith("Profile ug1099 (default:")
    assert lines[1] == "Fab tier advanced (project rule file bga-0.8mm-clean.bgacheck.toml)"
    assert lines[2].startswith("Stencil 0.125 mm (board text variable STENCIL_THICKNESS")

    hdi = api.check_file(str(BOARDS / "bga-hdi-microvias.kicad_pcb"), reader="native")
    assert rows.setting_lines(hdi, api.CheckOptions())[1].startswith("Fab tier hdi (detected: ")
    plain = api.check_file(str(BOARDS / "bga-dogbone-scope.kicad_pcb"), reader="native")
    assert rows.setting_lines(plain, api.CheckOptions())[1] == (
        "Fab tier standard (default: no HDI vias found)")

    chosen = api.CheckOptions(profile="intel_an114", fab_tier="jlcpcb", stencil_mm=0.1)
    remembered_options.save_options(board, chosen)
    assert json.loads((tmp_path / "bga-0.8mm-clean.bgacheck.json").read_text())["profile"]
    again = api.check_file(board, chosen, reader="native")
    lines = rows.setting_lines(again, chosen, chosen={"fab_tier"},
                               remembered="bga-0.8mm-clean.bgacheck.json")
    assert lines[0] == ("Profile intel_an114 (remembered for this board in "
                        "bga-0.8mm-clean.bgacheck.json: its figures apply to every part)")
    assert lines[1] == "Fab tier jlcpcb (chosen in this window)"
    assert lines[2] == ("Stencil 0.1 mm (remembered for this board in "
                        "bga-0.8mm-clean.bgacheck.json)")


@pytest.mark.parametrize("parent, expected", [
    ((0, 0, 1000, 720), (1000, 0, 540, 720)),      # room on the right: beside, covering nothing
    ((0, 0, 1600, 1000), (1060, 0, 540, 1000)),    # maximised: over its right-hand side panels
    ((100, 50, 1300, 900), (1060, 50, 540, 900)),  # some room: flush with the display's edge
    (None, (1060, 0, 540, 1000)),                  # no editor window (IPC): the display's edge
])
def test_window_sits_beside_the_editor_at_full_height(parent, expected):
    assert rows.place_beside(parent, (0, 0, 1600, 1000), 540) == expected


def test_remembered_options_round_trip_and_ignore_old_placeholders(tmp_path):
    board = str(tmp_path / "b.kicad_pcb")
    (tmp_path / "b.bgacheck.json").write_text('{"profile": "(project)", "fab_tier": "hdi"}')
    back = remembered_options.load_options(board)
    assert back.profile is None and back.fab_tier == "hdi"
