"""Routing channels between balls and between vias, judged by their own room.

A gap below the fab minimum is a clearance error (the clearance stage); more routes than the
vendor's table allows is a warning on that vendor's parts and a note on others; gaps below the
table's S that still meet the fab are one note per BGA, layer and kind; a wide trace alone is
nothing.
"""
from __future__ import annotations

import pytest

from bgacheck.api import CheckOptions, check_model
from bgacheck.core.rules import rules_for_pitch
from routing_boards import Board

OURS = ("ug1099.t2.", "ug1099.t3.", "clearance.")
RS = rules_for_pitch("ug1099", 0.8)  # land 0.40, R 0.40, W1 4 mil, S1 5 mil, W2 = S2 = 3 mil
W1, S1 = RS.pad_route1_w_mm, RS.pad_route1_s_mm
AMD_PART = "XC7A35T-1CPG236C"


def findings(model, options=None):
    report = check_model(model, options or CheckOptions())
    return [f for f in report.findings if f.rule_id.startswith(OURS)], report


def bga(layers=("F.Cu", "B.Cu"), value="", **nets):
    """4 x 4 balls at 0.8 mm, A1 at the origin, every ball on its own net unless given."""
    b = Board(layers=layers, clearance_mm=0.075)
    names = {f"{r}{c}": f"N{r}{c}" for r in "ABCD" for c in range(1, 5)}
    b.bga("U1", 4, 4, 0.8, 0.40, nets={**names, **nets}, value=value)
    return b


def test_one_trace_of_the_profile_width_centred_between_balls_is_clean():
    b = bga()
    b.track(0.4, -1.0, 0.4, 0.4, W1, net="S")  # between A1 and A2, ends at the interstice
    got, report = findings(b.model())
    assert got == []
    assert report.bgas[0].extra["channels"]["F.Cu"]["ball_channels_used"] == 1


def test_a_wide_trace_whose_gaps_meet_the_fab_is_one_note_not_a_width_warning():
    b = bga()
    t = b.track(0.4, -1.0, 0.4, 0.4, 0.21, net="S")  # leaves (0.4 - 0.21) / 2 = 0.095 < S1
    got, _ = findings(b.model())
    assert [(f.rule_id, f.severity) for f in got] == [
        ("ug1099.t2.trace_space_between_pads", "info")]
    f = got[0]
    assert (f.x_mm, f.y_mm) == pytest.approx((0.4, 0.0))
    assert f.pads == ("A1", "A2") and f.layer == "F.Cu"
    assert f.measured == pytest.approx(0.095) and f.limit == pytest.approx(S1)
    assert f.message.startswith("1 channel(s) between balls on F.Cu") and "is met" in f.message
    assert "Table 2" in f.source
    assert f"trk-{t}" in [i[1] for i in f.items]


def test_narrow_channels_of_one_layer_are_one_note_with_the_narrowest_gap():
    b = bga()
    b.track(0.345, -1.0, 0.345, 0.4, W1, net="S")  # 0.094 mm to A1
    b.track(1.2, -1.0, 1.2, 0.4, 0.21, net="T")  # 0.095 mm each side between A2 and A3
    b.track(2.0, -1.0, 2.0, 0.4, 0.16, net="U")  # 0.12 mm: within the tolerance of S1, not listed
    got, _ = findings(b.model())
    assert [(f.rule_id, f.severity) for f in got] == [
        ("ug1099.t2.trace_space_between_pads", "info")]
    assert got[0].message.startswith("2 channel(s)")
    assert got[0].measured == pytest.approx(0.345 - 0.2 - W1 / 2, abs=1e-4)


def test_three_traces_where_two_fit_give_a_count_note_and_the_fab_gaps_clearance_errors():
    b = bga()
    for k, x in enumerate((0.3, 0.4, 0.5)):
        b.track(x, -1.0, x, 0.1, 0.05, net=f"S{k}")  # 0.025 mm gaps: below the fab minimum
    got, _ = findings(b.model())
    count = [f for f in got if f.rule_id == "ug1099.t2.routes_between_pads"]
    assert len(count) == 1
    assert (count[0].measured, count[0].limit, count[0].unit) == (3.0, 2.0, "count")
    assert count[0].severity == "info" and "not an AMD/Xilinx part" in count[0].message
    assert len(count[0].items) == 5
    clearance = {f.rule_id for f in got if f.rule_id.startswith("clearance.")}
    assert clearance == {"clearance.pad_track", "clearance.track_track"}  # 0.075 and 0.05 mm
    assert all(f.severity == "error" for f in got if f.rule_id.startswith("clearance."))


def test_the_route_count_is_a_warning_on_the_vendors_own_part():
    b = bga(value=AMD_PART)
    for k, x in enumerate((0.3, 0.4, 0.5)):
        b.track(x, -1.0, x, 0.1, 0.05, net=f"S{k}")
    got, _ = findings(b.model())
    count = [f for f in got if f.rule_id == "ug1099.t2.routes_between_pads"]
    assert [f.severity for f in count] == ["warning"]


def test_two_traces_on_the_two_route_row_fit_at_the_advanced_fab_tier():
    # UG1099's 3-mil two-route row is below the standard tier's 3.5 mil spacing
    # (docs/sources.md R1.5).
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


def test_balls_are_named_by_their_own_pads_not_the_first_ball_of_a_shared_net():
    # C3 and D4 share GND with A1; a GND trace squeezing between C3 and C4 must not name A1.
    b = bga(A1="GND", C3="GND", D4="GND")
    b.track(2.0, 1.0, 2.0, 2.0, 0.21, net="GND")  # between C3 (1.6, 1.6) and C4 (2.4, 1.6)
    got, _ = findings(b.model())
    assert len(got) == 1
    assert got[0].pads == ("C3", "C4")


def test_an_escape_of_one_neighbour_counts_and_keeps_its_spacing_to_the_other():
    b = bga()
    b.track(0.0, 0.0, 0.4, 0.4, W1, net="NA1")  # A1's own route, out between A1 and A2 ...
    b.track(0.4, 0.4, 0.51, -0.4, W1, net="NA1")  # ... drifting towards A2: about 0.094 mm
    got, _ = findings(b.model())
    assert [(f.rule_id, f.pads) for f in got] == [("ug1099.t2.trace_space_between_pads",
                                                   ("A1", "A2"))]


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


def test_a_via_stub_leaving_along_the_channel_is_not_a_route_through_it():
    b = bga(layers=("F.Cu", "In1.Cu", "In2.Cu", "B.Cu"))
    _via_grid(b, pads_inner=False)
    # The via at (0.4, 0.4) on net NA1 has a stub on In1.Cu towards its right-hand neighbour.
    b.track(0.4, 0.4, 0.9, 0.4, RS.via_route1_w_mm, layer=1, net="NA1")
    got, report = findings(b.model())
    assert [f for f in got if f.rule_id.startswith("ug1099.t3.")] == []
    assert report.bgas[0].extra["channels"]["In1.Cu"]["via_channels_used"] == 0


def test_kept_via_pads_hold_the_trace_to_s_minus_the_ring_and_a_fab_gap_is_a_clearance_error():
    b = bga(layers=("F.Cu", "In1.Cu", "In2.Cu", "B.Cu"))
    _via_grid(b, pads_inner=True)
    b.track(0.8, -1.0, 0.8, 0.8, RS.via_route1_w_mm, layer=1, net="S")  # 0.109 mm to the pads
    b.track(1.6, -1.0, 1.6, 0.8, 0.2, layer=1, net="T")  # 0.06 mm to the pads: below the fab
    got, _ = findings(b.model())
    assert {(f.rule_id, f.severity) for f in got} == {("clearance.via_track", "error")}
    assert all(f.x_mm == pytest.approx(1.6, abs=0.2) for f in got)


def test_three_traces_between_vias_are_counted_per_layer():
    b = bga(layers=("F.Cu", "In1.Cu", "In2.Cu", "B.Cu"))
    _via_grid(b, pads_inner=False)
    for k, x in enumerate((0.7, 0.8, 0.9)):
        b.track(x, -1.0, x, 0.6, 0.05, layer=2, net=f"S{k}")
    got, _ = findings(b.model())
    count = [(f.rule_id, f.layer) for f in got if f.rule_id.startswith("ug1099.")]
    assert count == [("ug1099.t3.routes_between_vias", "In2.Cu")]
