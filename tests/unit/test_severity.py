"""The severity contract (core/severity.py): which findings are errors, warnings or notes.

A vendor's land and via figures are warnings for that vendor's parts, for any part when the
profile was chosen, and beyond the stated tolerance only; fill-ins, typical values and formulas
are notes; HDI vias pick the HDI tier when no tier was chosen and are one error on a chosen tier
that cannot build them.
"""
from __future__ import annotations

import pytest

from bgacheck.api import CheckOptions, check_model
from routing_boards import Board

AMD_PART = "XCZU4CG-1SFVC784E"


def grid(pitch=1.0, land=0.50, value="", via=(0.48, 0.25), kind="through", mask_extra=None):
    """5 x 5 balls with a dog-bone via at the up-left interstice of every inner ball."""
    b = Board(layers=("F.Cu", "In1.Cu", "In2.Cu", "B.Cu"))
    names = {f"{r}{c}": f"N{r}{c}" for r in "ABCDE" for c in range(1, 6)}
    b.bga("U1", 5, 5, pitch, land, nets=names, value=value)
    for r in range(1, 5):
        for c in range(1, 5):
            net = f"N{'ABCDE'[r]}{c + 1}"
            vx, vy = (c - 0.5) * pitch, (r - 0.5) * pitch
            b.via(vx, vy, via[0], via[1], net=net, kind=kind,
                  span=(0, 1) if kind == "micro" else None)
            b.track(c * pitch, r * pitch, vx, vy, 0.1, net=net)
    return b


def by_rule(report, rule):
    return [f for f in report.findings if f.rule_id == rule]


@pytest.mark.parametrize("value, chosen, severity", [
    ("", False, "info"),  # another vendor's part, profile by default: a note
    (AMD_PART, False, "warning"),  # the vendor's own part
    ("", True, "warning"),  # the designer chose the profile
])
def test_vendor_via_figures_warn_only_for_the_vendors_part_or_a_chosen_profile(value, chosen,
                                                                              severity):
    b = grid(value=value, via=(0.60, 0.30))  # UG1099 1.0 mm: VD 0.48, VH 0.25
    report = check_model(b.model(), CheckOptions(profile="ug1099" if chosen else None))
    pads = by_rule(report, "ug1099.t1.via_pad_diameter")
    drills = by_rule(report, "ug1099.t1.via_drill")
    assert [f.severity for f in pads] == [severity] and [f.severity for f in drills] == [severity]
    assert pads[0].measured == pytest.approx(0.60) and pads[0].limit == pytest.approx(0.48)
    assert pads[0].fix


def test_a_10_mil_drill_meets_the_profiles_0_25_mm_within_the_tolerance():
    b = grid(value=AMD_PART, via=(0.48, 0.254))
    report = check_model(b.model())
    assert by_rule(report, "ug1099.t1.via_drill") == []


def test_fill_in_land_values_from_other_vendors_are_notes_even_on_the_profiles_part():
    # 0.65 mm has no UG1099 row: its land comes from TI's table (fill-in)
    b = grid(pitch=0.65, land=0.25, value=AMD_PART, via=(0.40, 0.20))
    report = check_model(b.model())
    lands = by_rule(report, "ug1099.t1.land_diameter")
    assert [f.severity for f in lands] == ["info"]
    assert "fill-in" in lands[0].message


def test_a_board_drawn_to_ug1099_exits_clean_under_the_defaults():
    b = grid(value=AMD_PART)  # UG1099 1.0 mm: land 0.50, via 0.48 / 0.25 (4.5 mil ring)
    report = check_model(b.model())
    assert report.count_at_or_above("warning") == 0, [
        (f.rule_id, f.message) for f in report.findings if f.severity != "info"]


def test_microvias_pick_the_hdi_tier_when_none_is_chosen_and_say_so_once():
    b = grid(pitch=0.5, land=0.26, via=(0.254, 0.10), kind="micro")
    report = check_model(b.model())
    assert report.meta["fab_tier"] == "hdi" and "microvia" in report.meta["fab_tier_why"]
    notes = by_rule(report, "rules.fab_tier_auto")
    assert len(notes) == 1 and notes[0].severity == "info"
    assert [f for f in report.findings if f.rule_id.startswith("fab.")] == []


def test_microvias_on_a_chosen_tier_without_them_are_one_board_error_not_one_per_via():
    b = grid(pitch=0.5, land=0.26, via=(0.254, 0.10), kind="micro")
    report = check_model(b.model(), CheckOptions(fab_tier="standard"))
    hdi = by_rule(report, "fab.hdi_board")
    assert len(hdi) == 1 and hdi[0].severity == "error" and hdi[0].measured == 16
    assert "--fab-tier hdi" in hdi[0].fix
    assert by_rule(report, "fab.min_drill") == [] and by_rule(report, "fab.annular_ring") == []


def test_a_mask_margin_of_zero_is_one_board_note_not_a_warning_per_bga():
    b = grid(value=AMD_PART)
    b.bga("U2", 5, 5, 1.0, 0.50, x0=20.0, value=AMD_PART)
    report = check_model(b.model())  # the hand-built lands carry no mask expansion: M = L
    notes = by_rule(report, "board.mask_margin_zero")
    assert len(notes) == 1 and notes[0].severity == "info" and "U1, U2" in notes[0].message
    assert by_rule(report, "fab.mask_clearance") == []


def test_a_joint_that_cannot_form_is_an_error():
    b = grid(value=AMD_PART)
    report = check_model(b.model(), CheckOptions(ball_d_mm=0.05))  # a ball far too small
    bad = by_rule(report, "standoff.invalid_joint")
    assert bad and all(f.severity == "error" for f in bad)


def test_a_ball_outside_ipc_7351s_bands_is_checked_without_the_ipc_land_note():
    b = grid(value=AMD_PART)
    report = check_model(b.model(), CheckOptions(ball_d_mm=1.5))  # no IPC-7351 band
    assert by_rule(report, "ipc7351.land_to_ball") == []
    assert by_rule(report, "standoff.predicted")
