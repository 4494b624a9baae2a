"""Escape feasibility: UG1099's layer-count estimate per BGA and the board's routing layers."""
from __future__ import annotations

from dataclasses import replace

import pytest

from bgacheck.api import CheckOptions, check_model
from bgacheck.core.checks import escape
from bgacheck.core.rules import rules_for_pitch
from routing_boards import Board
from synth import board, grid_pads, with_copper


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


# Plane layers that carry a few stray tracks (tests/synth.py models).

LAYERS = ("F.Cu", "In1.Cu", "In2.Cu", "B.Cu")
BOARD_RING = [(-8, -8), (8, -8), (8, 8), (-8, 8)]


def _synth_board(in1_tracks, in1_zone=BOARD_RING):
    """A 12 x 12 BGA at 0.5 mm (every ball on its own signal net) on a 4-layer board: escape
    tracks on F.Cu and B.Cu, a +3V3 plane on In2.Cu, a GND zone and ``in1_tracks`` on In1.Cu."""
    model = board([("U1", "Lib:BGA-144", 0, 0, 0, False, grid_pads(12, 12, 0.5, land=0.26), {})])
    routed = [(-2.75 + 0.5 * k, -2.75, -2.75 + 0.5 * k, -7.5, 0.1, layer, k + 1)
              for k in range(12) for layer in (0, 3)]
    gnd = len(model.net_names)  # a net code past the balls' nets
    zones = [(gnd + 1, 2, BOARD_RING)] + ([(gnd, 1, in1_zone)] if in1_zone else [])
    return with_copper(model, LAYERS, routed + list(in1_tracks), zones)


def _strays(n, length=4.0):
    return [(-length / 2, 6.0 - 0.6 * k, length / 2, 6.0 - 0.6 * k, 0.15, 1, 200 + k)
            for k in range(n)]


def test_plane_layer_with_two_stray_tracks_is_a_plane():
    model = _synth_board(_strays(2))
    assert escape.routing_layers(model) == (["F.Cu", "B.Cu"], ["In1.Cu", "In2.Cu"])
    # The estimate (144 / (44 x 1) = 3.3 -> 3 layers) now meets 2 routing layers, not 3.
    report = check_model(model, CheckOptions())
    e = report.bgas[0].extra["escape"]
    assert (e["layers_needed"], e["routing_layers"]) == (3, 2)
    assert e["plane_layers"] == ["In1.Cu", "In2.Cu"]
    warn = [f for f in report.findings if f.rule_id == "ug1099.layer_count.too_few"]
    assert len(warn) == 1 and (warn[0].measured, warn[0].limit) == (2, 3)


def test_zoned_inner_layer_that_carries_real_routing_is_a_routing_layer():
    # 12 tracks as long as the escapes on F.Cu: a signal layer with a ground fill, not a plane.
    model = _synth_board([(-2.75 + 0.5 * k, 2.75, -2.75 + 0.5 * k, 7.5, 0.1, 1, k + 20)
                          for k in range(12)])
    assert escape.routing_layers(model) == (["F.Cu", "In1.Cu", "B.Cu"], ["In2.Cu"])


def test_small_local_pour_with_stray_tracks_is_not_a_plane():
    # The fill covers a 4 x 4 mm corner of a 16 x 16 mm board: the layer is no plane.
    model = _synth_board(_strays(2), in1_zone=[(-8, -8), (-4, -8), (-4, -4), (-8, -4)])
    assert escape.routing_layers(model) == (["F.Cu", "In1.Cu", "B.Cu"], ["In2.Cu"])


def test_layer_with_no_zone_or_an_outer_layer_stays_a_routing_layer():
    model = _synth_board(_strays(2), in1_zone=None)
    assert escape.routing_layers(model)[0] == ["F.Cu", "In1.Cu", "B.Cu"]
    top_pour = replace(model, zones=model.zones + (replace(model.zones[0], layer=0),))
    assert "F.Cu" in escape.routing_layers(top_pour)[0]
