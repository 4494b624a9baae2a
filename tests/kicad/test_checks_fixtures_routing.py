"""Routing checks on the generated fixture boards: clean fanouts are clean, and each planted
routing defect is reported once, at its channel, with its rule; other defects leave these
checks silent. Boards are written with pcbnew and read back through the real reader."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

pytest.importorskip("pcbnew")

from bgacheck.api import CheckOptions, check_file  # noqa: E402
from bgacheck.core.rules import rules_for_pitch  # noqa: E402

pytestmark = pytest.mark.kicad

OURS = ("ug1099.t2.", "ug1099.t3.", "clearance.", "ug1099.layer_count.")
_spec = importlib.util.spec_from_file_location(
    "fanout_fixture", Path(__file__).resolve().parents[2] / "fixtures" / "fanout.py")
fanout = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = fanout  # dataclasses look their module up while the file runs
_spec.loader.exec_module(fanout)


@pytest.fixture(scope="module")
def boards(tmp_path_factory):
    out = tmp_path_factory.mktemp("fanout")
    cache = {}

    def get(pitch, defect):
        if (pitch, defect) not in cache:
            path = out / fanout.board_name(pitch, defect)
            info = fanout.make_board(pitch, defect, str(path))
            report = check_file(str(path), CheckOptions(fab_tier=info.fab_tier))
            mine = [f for f in report.findings if f.rule_id.startswith(OURS)]
            cache[(pitch, defect)] = (info, report, mine)
        return cache[(pitch, defect)]
    return get


def above_info(findings):
    return [f for f in findings if f.severity != "info"]


@pytest.mark.parametrize("pitch", fanout.PITCHES)
def test_clean_fanout_gives_no_routing_or_clearance_finding(boards, pitch):
    info, report, mine = boards(pitch, None)
    assert above_info(mine) == []
    assert [f.rule_id for f in mine] == ["ug1099.layer_count.estimate"]
    e = report.bgas[0].extra["escape"]
    assert e["signal_balls"] == 64 and e["channels"] == 28  # one net per ball, 8 x 8
    assert 1 <= e["layers_needed"] <= e["routing_layers"] == 4
    used = report.bgas[0].extra["channels"]
    assert used["F.Cu"]["ball_channels_used"] >= 4  # the surface escape was seen ...
    assert used["In1.Cu"]["via_channels_used"] >= 2  # ... and the two via-channel escapes


@pytest.mark.parametrize("pitch", fanout.PITCHES)
def test_trace_too_wide_is_one_width_finding_at_its_via_channel(boards, pitch):
    info, _, mine = boards(pitch, "trace_too_wide")
    rs = rules_for_pitch("ug1099", pitch, fab_tier=info.fab_tier)
    got = above_info(mine)
    assert [(f.rule_id, f.layer) for f in got] == [
        ("ug1099.t3.trace_width_between_vias", "In1.Cu")]
    f = got[0]
    assert f.measured == pytest.approx(rs.via_route1_w_mm + fanout.WIDE_EXTRA_MM, abs=1e-6)
    assert f.limit == pytest.approx(rs.via_route1_w_mm)
    assert f.pads[0] == info.defect_ball  # the ball whose escape is too wide
    assert info.defect_items[0] in {i[1] for i in f.items}
    trace = [i for i in f.items if i[1] == info.defect_items[0]][0]
    assert f.x_mm == pytest.approx(trace[2], abs=1e-6)  # the channel the trace passes


@pytest.mark.parametrize("pitch", fanout.PITCHES)
def test_three_traces_are_one_count_finding(boards, pitch):
    info, _, mine = boards(pitch, "three_traces")
    got = above_info(mine)
    assert [(f.rule_id, f.layer, f.measured, f.limit) for f in got] == [
        ("ug1099.t3.routes_between_vias", "In1.Cu", 3.0, 2.0)]
    assert set(info.defect_items) <= {i[1] for i in got[0].items}
    assert got[0].pads[0] == info.defect_ball


@pytest.mark.parametrize("pitch", fanout.PITCHES)
def test_clearance_short_is_one_spacing_finding_next_to_the_defect_ball(boards, pitch):
    info, _, mine = boards(pitch, "clearance_short")
    rs = rules_for_pitch("ug1099", pitch, fab_tier=info.fab_tier)
    got = above_info(mine)
    assert [(f.rule_id, f.layer) for f in got] == [("ug1099.t2.trace_space_between_pads", "F.Cu")]
    f = got[0]
    assert f.limit == pytest.approx(rs.pad_route1_s_mm, abs=1e-6)
    assert f.measured == pytest.approx(rs.pad_route1_s_mm - fanout.SHORT_BY_MM, abs=1e-5)
    assert f.pads[0] == info.defect_ball  # the land the trace comes too close to
    assert info.defect_items[0] in {i[1] for i in f.items}


OTHER = [(p, d) for p in fanout.PITCHES
         for d in ("via_off_centre", "unfanned_ball", "via_in_pad_unfilled", "mask_web_thin")
         if fanout.applicable(p, d)]


@pytest.mark.parametrize("pitch,defect", OTHER)
def test_defects_of_other_checks_leave_routing_and_clearance_silent(boards, pitch, defect):
    _, _, mine = boards(pitch, defect)
    assert above_info(mine) == []
