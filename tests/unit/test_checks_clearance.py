"""Copper clearances in a BGA area: against the fab tier and the board setting, once per pair."""
from __future__ import annotations

import pytest

from bgacheck.api import CheckOptions, check_model
from bgacheck.core.rules import rules_for_pitch
from routing_boards import Board

FAB = rules_for_pitch("ug1099", 0.8).min_space_mm  # standard tier: 3.5 mil


def clearance_findings(model):
    report = check_model(model, CheckOptions())
    return [f for f in report.findings if f.rule_id.startswith("clearance.")]


def board(clearance_mm=0.0, hole_clearance_mm=0.0, layers=("F.Cu", "B.Cu")):
    b = Board(layers=layers, clearance_mm=clearance_mm, hole_clearance_mm=hole_clearance_mm)
    b.bga("U1", 4, 4, 0.8, 0.40, nets={f"{r}{c}": f"N{r}{c}" for r in "ABCD" for c in range(1, 5)})
    return b


def test_track_short_of_the_fab_minimum_by_10_um_is_one_error_at_the_gap():
    b = board()
    gap = FAB - 0.01
    x = -0.2 - gap - 0.05  # left of A1, outside every channel
    t = b.track(x, -1.0, x, 0.0, 0.1, net="S")
    got = clearance_findings(b.model())
    assert [(f.rule_id, f.severity) for f in got] == [("clearance.pad_track", "error")]
    f = got[0]
    assert f.measured == pytest.approx(gap, abs=1e-6) and f.limit == pytest.approx(FAB)
    assert (f.x_mm, f.y_mm) == pytest.approx((-0.2 - gap / 2, 0.0), abs=1e-6)
    assert f.pads == ("A1",) and f.layer == "F.Cu"
    assert {i[1] for i in f.items} == {"pad-0", f"trk-{t}"}
    assert "3.5 mil" in f.source


def test_gap_below_only_the_board_setting_is_a_board_warning():
    b = board(clearance_mm=0.15)
    x = -0.2 - 0.12 - 0.05
    b.track(x, -1.0, x, 0.0, 0.1, net="S")
    got = clearance_findings(b.model())
    assert [(f.rule_id, f.severity, f.limit) for f in got] == [
        ("clearance.pad_track.board", "warning", pytest.approx(0.15))]
    assert "board setup" in got[0].source


def test_same_net_and_far_items_are_not_reported():
    b = board(clearance_mm=0.15)
    b.track(-0.3, -1.0, -0.3, 0.0, 0.1, net="NA1")  # touches its own ball's net only
    b.track(-5.0, -5.0, -5.0, 5.0, 0.1, net="S")
    b.track(-5.05, -5.0, -5.05, 5.0, 0.1, net="T")  # overlapping, but far outside the area
    assert clearance_findings(b.model()) == []


@pytest.mark.parametrize("kind", ["pad_via", "via_track", "track_track"])
def test_each_pair_kind_has_its_own_rule(kind):
    b = board()
    gap = FAB - 0.01
    if kind == "pad_via":
        b.via(-0.2 - gap - 0.2, 0.0, 0.4, 0.2, net="S")
    elif kind == "via_track":
        b.via(-1.0, 1.2, 0.4, 0.2, net="S")
        b.track(-1.0 + 0.2 + gap + 0.05, 0.8, -1.0 + 0.2 + gap + 0.05, 2.0, 0.1, net="T")
    else:
        b.track(-0.6, -0.5, -0.6, 2.0, 0.1, net="S")
        b.track(-0.6 + 0.1 + gap, -0.5, -0.6 + 0.1 + gap, 2.0, 0.1, net="T")
    got = clearance_findings(b.model())
    assert [f.rule_id for f in got] == [f"clearance.{kind}"]


def test_via_without_pad_on_an_inner_layer_uses_the_hole_clearance():
    b = board(clearance_mm=0.1, hole_clearance_mm=0.25,
              layers=("F.Cu", "In1.Cu", "In2.Cu", "B.Cu"))
    b.via(-1.0, 1.2, 0.6, 0.3, net="S", flashed=(0,), remove_unused=True)
    x = -1.0 + 0.15 + 0.2 + 0.05  # 0.2 mm from the hole: fine for copper, short for the hole
    b.track(x, 0.8, x, 2.0, 0.1, layer=1, net="T")
    got = clearance_findings(b.model())
    assert [(f.rule_id, f.layer, f.limit) for f in got] == [
        ("clearance.via_track.board", "In1.Cu", pytest.approx(0.25))]
    assert "hole" in got[0].message
