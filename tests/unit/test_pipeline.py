"""The pipeline's per-BGA record: which rule row was used, and a table of every ball."""
from bgacheck.api import CheckOptions, check_model
from synth import board, grid_pads


def _report(pitch, rows=4, cols=4, **opts):
    pads = grid_pads(rows, cols, pitch, land=0.5 * pitch)
    return check_model(board([("U1", "Lib:BGA-16", 10.0, 10.0, 0.0, False, pads, {})]),
                       CheckOptions(**opts))


def test_report_names_the_profile_row_or_the_fill_in_used():
    at_08 = _report(0.8).bgas[0].extra["rules"]
    assert (at_08["profile"], at_08["row_profile"], at_08["row_pitch_mm"]) == (
        "ug1099", "ug1099", 0.8)
    at_065 = _report(0.65).bgas[0].extra["rules"]
    assert at_065["row_profile"] == "fill_in" and "fill-in" in at_065["match"]
    tier = _report(0.8, fab_tier="advanced").bgas[0].extra["rules"]["fab_tier"]
    assert tier == "advanced"


def test_every_ball_is_listed_with_its_grid_place_and_pad_type():
    bga = _report(1.0, rows=3, cols=5).bgas[0]
    table = bga.extra["balls"]
    assert [b["name"] for b in table] == list(bga.ball_names)
    a1 = table[0]
    assert (a1["name"], a1["row"], a1["col"]) == ("A1", 0, 0)
    assert a1["x_mm"] == 8.0 and a1["y_mm"] == 9.0  # 10 - 2 pitches, 10 - 1 pitch
    assert {b["pad_type"] for b in table} == {"NSMD"}
    assert all(b["mask_d_mm"] > b["land_d_mm"] for b in table)


def test_a_check_without_checks_records_no_rules():
    bga = _report(0.8, checks=False).bgas[0]
    assert "rules" not in bga.extra and len(bga.extra["balls"]) == 16


def test_depopulated_sites_are_listed_where_the_grid_puts_them():
    pads = grid_pads(3, 3, 1.0, land=0.5, skip=("B2",))
    report = check_model(board([("U1", "Lib:BGA-8", 10.0, 10.0, 90.0, False, pads, {})]),
                         CheckOptions(checks=False))
    (site,) = [b for b in report.bgas[0].extra["balls"] if b.get("status") == "depopulated"]
    assert site["name"] == "B2" and (site["row"], site["col"]) == (1, 1)
    assert (site["x_mm"], site["y_mm"]) == (10.0, 10.0)  # the centre, whatever the rotation


def test_a_part_named_bga_whose_pads_form_no_grid_is_a_warning_not_a_silent_pass():
    import random

    rnd = random.Random(7)
    scattered = [(str(k + 1), rnd.uniform(-3, 3), rnd.uniform(-3, 3), 0.3, 0.3) for k in range(30)]
    report = check_model(board([("U7", "Lib:BGA-30_custom", 10.0, 10.0, 0.0, False, scattered, {}),
                                ("R1", "Lib:R_0402", 20.0, 10.0, 0.0, False,
                                 [("1", -0.5, 0, 0.5, 0.5), ("2", 0.5, 0, 0.5, 0.5)], {})]))
    assert report.bgas == []
    found = [f for f in report.findings if f.rule_id == "detect.package_not_recognised"]
    assert [(f.ref, f.severity) for f in found] == [("U7", "warning")]
    assert "NOT checked" in found[0].message and report.count_at_or_above("warning") == 1
