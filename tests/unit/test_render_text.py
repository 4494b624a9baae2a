"""The text report: one block per BGA with its findings, long ball lists shortened, a tally."""
from dataclasses import replace

from bgacheck.render.text import MAX_BALLS_LISTED, render_text
from ci_reports import make_report


def test_each_bga_has_one_block_with_its_geometry_and_findings():
    text = render_text(make_report())
    block = text.split("\n\n")[1]
    assert block.startswith("U1  Package_BGA:Test-16_4x4_P0.8mm  (top, rotation 0 deg)")
    assert "balls 15 in 4 rows x 4 cols, pitch 0.8 mm" in block
    assert "depopulated 1: B2" in block
    assert "ERROR   ug1099.t1.pad_to_via B3: via too close to pad [0.25 vs limit 0.3 mm]" in block
    assert "(UG1099 Table 1)" in block


def test_findings_without_a_bga_are_listed_under_board_and_counted():
    text = render_text(make_report())
    assert "\nboard\n  WARNING board.clearance" in text
    assert text.rstrip().endswith("1 BGA(s); 2 error(s), 2 warning(s), 1 note(s)")


def test_long_ball_lists_are_shortened_on_one_line():
    report = make_report()
    many = tuple(f"A{k}" for k in range(1, 41))
    report.findings[0] = replace(report.findings[0], pads=many)
    line = next(ln for ln in render_text(report).splitlines() if "pad_to_via" in ln)
    assert f"A{MAX_BALLS_LISTED} (+{40 - MAX_BALLS_LISTED} more):" in line
    assert f"A{MAX_BALLS_LISTED + 1}," not in line


def test_board_without_arrays_says_so():
    report = make_report()
    report.bgas.clear()
    report.findings.clear()
    assert "No BGA / area-array footprints found." in render_text(report)
