"""Routing channels between balls and between vias: count, width and spacing, once per channel."""
from __future__ import annotations

import pytest

from bgacheck.api import CheckOptions, check_model
from bgacheck.core.rules import rules_for_pitch

from routing_boards import Board

OURS = ("ug1099.t2.", "ug1099.t3.", "clearance.")
RS = rules_for_pitch("ug1099", 0.8)  # land 0.40, R 0.40, W1 4 mil, S1 5 mil, W2 = S2 = 3 mil
W1, S1 = RS.pad_route1_w_mm, RS.pad_route1_s_mm


def findings(model, options=None):
    report = check_model(model, options or CheckOptions())
    return [f for f in report.findings if f.rule_id.startswith(OURS)], report


def bga(layers=("F.Cu", "B.Cu"), **nets):
    """4 x 4 balls at 0.8 mm, A1 at the origin, every ball on its own net unless given."""
    b = Board(layers=layers, clearance_mm=0.075)
    names = {f"{r}{c}": f"N{r}{c}" for r in "ABCD" for c in range(1, 5)}
    b.bga("U1", 4, 4, 0.8, 0.40, nets={**names, **nets})
    return b


def test_one_trace_of_the_profile_width_centred_between_balls_is_clean():
    b = bga()
    b.track(0.4, -1.0, 0.4, 0.4, W1, net="S")  # between A1 and A2, ends at the interstice
    got, report = findings(b.model())
    assert got == []
    assert report.bgas[0].extra["channels"]["F.Cu"]["ball_channels_used"] == 1


def test_wider_trace_is_reported_once_at_the_channel_with_the_width_rule():
    b = bga()
    t = b.track(0.4, -1.0, 0.4, 0.4, 0.16, net="S")  # leaves (0.4 - 0.16) / 2 = 0.12 < S1
    got, _ = findings(b.model())
    assert [f.rule_id for f in got] == ["ug1099.t2.trace_width_between_pads"]
    f = got[0]
    assert (f.x_mm, f.y_mm) == pytest.approx((0.4, 0.0))
    assert f.pads == ("A1", "A2") and f.layer == "F.Cu"
    assert f.measured == pytest.approx(0.16) and f.limit == pytest.approx(W1)
    assert f.severity == "warning"  # 0.12 mm is still above the fab tier's 3.5 mil
    assert "Table 2" in f.source
    assert f"trk-{t}" in [i[1] for i in f.items]


def test_off_centre_trace_of_the_right_width_breaks_the_spacing_rule():
    b = bga()
    b.track(0.37, -1.0, 0.37, 0.4, W1, net="S")
    got, _ = findings(b.model())
    assert [f.rule_id for f in got] == ["ug1099.t2.trace_space_between_pads"]
    assert got[0].measured == pytest.approx(0.37 - 0.2 - W1 / 2, abs=1e-6)
    assert got[0].limit == pytest.approx(S1)


def test_three_traces_where_two_fit_give_one_count_error_and_no_clearance_repeats():
    b = bga()
    for k, x in enumerate((0.3, 0.4, 0.5)):
        b.track(x, -1.0, x, 0.1, 0.05, net=f"S{k}")  # 0.025 mm gaps: below every spacing rule
    got, _ = findings(b.model())
    assert [f.rule_id for f in got] == ["ug1099.t2.routes_between_pads"]
    f = got[0]
    assert (f.measured, f.limit, f.unit) == (3.0, 2.0, "count")
    assert f.severity == "error"  # the gaps are below the fab minimum too
    assert len(f.items) == 5


def test_two_traces_on_the_two_route_row_fit_at_the_advanced_fab_tier():
    # UG1099's 3-mil two-route row is below the standard tier's 3.5 mil spacing (bga-rules.md §1.5).
    b = bga()
    w2, s2 = RS.pad_route2_w_mm, RS.pad_route2_s_mm
    edge = 0.2 + s2 + w2 / 2
    for k, x in enumerate((edge, edge + w2 + s2)):
        b.track(x, -1.0, x, 0.1, w2, net=f"S{k}")
    got, _ = findings(b.model(), CheckOptions(fab_tier="advanced"))
    assert got == []
    got, _ = findings(b.model(), CheckOptions(fab_tier="standard"))
    assert {f.rule_id for f in got} == {"clearance.pad_track", "clearance.track_track"}


def test_a_trace_joining_two_balls_of_one_net_is_not_passing_between():
    b = bga(A1="GND", A2="GND")
    b.track(0.0, 0.0, 0.8, 0.0, 0.3, net="GND")
    got, report = findings(b.model())
    assert got == []
    assert report.bgas[0].extra["channels"]["F.Cu"]["ball_channels_used"] == 0


def test_an_escape_of_one_neighbour_counts_and_keeps_its_spacing_to_the_other():
    b = bga()
    b.track(0.0, 0.0, 0.4, 0.4, W1, net="NA1")  # A1's own route, out between A1 and A2 ...
    b.track(0.4, 0.4, 0.46, -0.4, W1, net="NA1")  # ... drifting towards A2: 0.119 mm
    got, _ = findings(b.model())
    # The ball left too close is named first, then the route's own ball.
    assert [(f.rule_id, f.pads) for f in got] == [("ug1099.t2.trace_space_between_pads",
                                                   ("A2", "A1"))]


def _via_grid(b, pads_inner: bool):
    """Dog-bone vias at the 3 x 3 interstices; pads on inner layers only if ``pads_inner``."""
    n = len(b.layers)
    for r in range(3):
        for c in range(3):
            flashed = range(n) if pads_inner else (0,)
            b.via(0.4 + 0.8 * c, 0.4 + 0.8 * r, RS.via_pad_d_mm, RS.via_drill_d_mm,
                  net=f"N{'ABCD'[r]}{c + 1}", flashed=flashed, remove_unused=not pads_inner)


def test_trace_between_vias_without_pads_is_judged_from_the_drill():
    b = bga(layers=("F.Cu", "In1.Cu", "In2.Cu", "B.Cu"))
    _via_grid(b, pads_inner=False)
    b.track(0.8, -1.0, 0.8, 3.0, RS.via_route1_w_mm, layer=1, net="S")
    got, report = findings(b.model())
    assert got == []
    assert report.bgas[0].extra["channels"]["In1.Cu"]["via_channels_used"] == 3


def test_kept_via_pads_hold_the_trace_to_s_minus_the_ring_and_flag_a_wide_one():
    b = bga(layers=("F.Cu", "In1.Cu", "In2.Cu", "B.Cu"))
    _via_grid(b, pads_inner=True)
    b.track(0.8, -1.0, 0.8, 0.8, RS.via_route1_w_mm, layer=1, net="S")  # 0.109 mm to the pads
    b.track(1.6, -1.0, 1.6, 0.8, 0.2, layer=1, net="T")  # 0.06 mm to the pads: below the fab
    got, _ = findings(b.model())
    assert [(f.rule_id, f.severity) for f in got] == [
        ("ug1099.t3.trace_width_between_vias", "error")]
    assert got[0].x_mm == pytest.approx(1.6) and got[0].y_mm == pytest.approx(0.4)
    assert "annular ring" in got[0].message


def test_three_traces_between_vias_are_counted_per_layer():
    b = bga(layers=("F.Cu", "In1.Cu", "In2.Cu", "B.Cu"))
    _via_grid(b, pads_inner=False)
    for k, x in enumerate((0.7, 0.8, 0.9)):
        b.track(x, -1.0, x, 0.6, 0.05, layer=2, net=f"S{k}")
    got, _ = findings(b.model())
    assert [(f.rule_id, f.layer) for f in got] == [("ug1099.t3.routes_between_vias", "In2.Cu")]
