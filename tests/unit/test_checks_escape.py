"""Escape feasibility: UG1099's layer-count estimate per BGA and the board's routing layers."""
from __future__ import annotations

import pytest

from bgacheck.api import CheckOptions, check_model
from bgacheck.core.checks import escape
from bgacheck.core.rules import rules_for_pitch

from routing_boards import Board


def test_ug1099_worked_example_484_balls_at_1mm():
    # UG1099 Layer Count Estimation table: 484 pins at 1.0 mm -> 84 channels, 2 layers with two
    # traces per channel (0.6 x 484 = 290 signals; 290 / 168 = 1.73 -> 2).
    b = Board(layers=("F.Cu", "In1.Cu", "In2.Cu", "B.Cu"))
    b.bga("U1", 22, 22, 1.0, 0.5)
    report = check_model(b.model(), CheckOptions())
    e = report.bgas[0].extra["escape"]
    assert (e["signals_used"], e["channels"], e["routes_per_channel"]) == (290, 84, 2)
    assert e["signals_from"] == "0.6 x balls"
    assert e["layers_ratio"] == pytest.approx(290 / 168, abs=1e-3) and e["layers_needed"] == 2
    info = [f for f in report.findings if f.rule_id == "ug1099.layer_count.estimate"]
    assert len(info) == 1 and info[0].severity == "info"
    assert not [f for f in report.findings if f.rule_id == "ug1099.layer_count.too_few"]


def test_board_with_fewer_routing_layers_than_needed_gets_a_warning():
    nets = {f"{r}{c}": f"SIG{r}{c}" for r in "ABCDEFGHJKLMNPRTUVWY" for c in range(1, 21)}
    b = Board(layers=("F.Cu", "GND", "PWR", "B.Cu"))
    b.bga("U1", 20, 20, 0.5, 0.26, nets=nets)  # 0.5 mm: one route per channel (no 2-route row)
    report = check_model(b.model(), CheckOptions())
    e = report.bgas[0].extra["escape"]
    assert e["signal_balls"] == 400 and e["routes_per_channel"] == 1
    assert e["plane_layers"] == ["GND", "PWR"] and e["routing_layers"] == 2
    assert e["layers_needed"] == round(400 / 76)
    warn = [f for f in report.findings if f.rule_id == "ug1099.layer_count.too_few"]
    assert len(warn) == 1 and warn[0].measured == 2 and warn[0].limit == e["layers_needed"]


def test_power_and_ground_balls_are_not_signals():
    b = Board()
    b.bga("U1", 3, 3, 0.8, 0.4, nets={"A1": "GND", "A2": "+3V3", "A3": "/VCCINT", "B1": "VDDQ",
                                       "B2": "DATA0", "B3": "unconnected-(U1-PadB3)",
                                       "C1": "/fpga/CLK", "C2": "P1V8", "C3": ""})
    model = b.model()
    from bgacheck.core.detect import detect_arrays
    arr = detect_arrays(model)[0]
    assert escape.signal_balls(model, arr) == (2, 5, 2)


def test_routes_per_channel_follows_the_two_route_rows():
    assert escape.routes_per_channel(rules_for_pitch("ug1099", 0.8))[0] == 2
    assert escape.routes_per_channel(rules_for_pitch("ug1099", 0.5))[0] == 1
