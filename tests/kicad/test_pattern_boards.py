"""Boards with the patterns met on other designers' boards (fixtures/patterns.py), read by pcbnew:
local fiducials in a BGA footprint, a staggered array, a plane layer with stray tracks."""
import sys

import pytest

from bgacheck import api
from bgacheck.core.detect import OFF_GRID_NO_NET
from paths import REPO

sys.path.insert(0, str(REPO / "fixtures"))
import patterns  # noqa: E402

pytestmark = pytest.mark.kicad

BOARDS = REPO / "fixtures" / "boards"


def _check(path):
    return api.check_file(str(path))


@pytest.fixture(scope="module")
def reports(pcbnew_module):
    return {p: _check(BOARDS / patterns.board_name(p)) for p in patterns.PATTERNS}


def test_fiducials_in_the_footprint_are_set_aside_and_the_bga_checked(reports):
    report = reports["fiducials"]
    (bga,) = report.bgas  # before: no BGA at all, and a clean report
    assert (bga.ref, bga.balls, bga.rows, bga.cols) == ("U1", 100, 10, 10)
    assert bga.pitch_mm == (0.8, 0.8) and bga.depopulated == ()
    assert bga.ignored_pads == {OFF_GRID_NO_NET: ["FID1", "FID2", "FID3"]}
    assert "FID1" not in bga.ball_names
    assert bga.extra["rules"]["row_pitch_mm"] == 0.8
    assert any(f.rule_id == "ug1099.layer_count.estimate" for f in report.findings)


def test_staggered_array_takes_the_rules_of_its_nearest_neighbour_pitch(reports):
    (bga,) = reports["staggered"].bgas
    assert bga.staggered and bga.balls == 60
    # The summary keeps the in-row / in-column pitches (flagged staggered) ...
    assert bga.pitch_mm == pytest.approx((0.8, 0.6), abs=1e-4)
    # ... and the rules come from the 0.5 mm row (before: 0.6 mm fill-in formulas).
    rules = bga.extra["rules"]
    assert rules["pitch_mm"] == pytest.approx(0.5) and rules["row_pitch_mm"] == pytest.approx(0.5)
    assert rules["row_profile"] == "ug1099"


def test_plane_layer_with_stray_tracks_is_not_a_routing_layer(reports):
    report = reports["plane_stray_tracks"]
    (bga,) = report.bgas
    e = bga.extra["escape"]
    assert e["signal_balls"] == 144 - len(patterns.POWER_BALLS) == 138
    assert e["layers_needed"] == 3  # 138 / (44 channels x 1 route) = 3.14
    # before: In1.Cu (GND plane + 2 tracks) counted for routing, 3 routing layers, no warning
    assert e["routing_layer_names"] == ["F.Cu", "B.Cu"]
    assert e["plane_layers"] == ["In1.Cu", "In2.Cu"]
    warn = [f for f in report.findings if f.rule_id == "ug1099.layer_count.too_few"]
    assert len(warn) == 1 and (warn[0].measured, warn[0].limit) == (2, 3)


@pytest.mark.parametrize("pattern", patterns.PATTERNS)
def test_the_generator_rewrites_the_committed_board(pattern, reports, tmp_path):
    info = patterns.make_board(pattern, str(tmp_path / patterns.board_name(pattern)))
    fresh = _check(info.path)
    committed = reports[pattern]
    assert [(b.ref, b.balls, b.pitch_mm, b.ignored_pads, b.extra.get("escape"))
            for b in fresh.bgas] == \
           [(b.ref, b.balls, b.pitch_mm, b.ignored_pads, b.extra.get("escape"))
            for b in committed.bgas]
    assert info.balls == committed.bgas[0].balls
