"""Routing checks on the generated fixture boards: clean fanouts are clean, and each planted
routing defect is reported with its rule and severity where it is; other defects leave these
checks silent. Boards are written with pcbnew and read back through the real reader; the
profile is chosen (ug1099), so its own routing rows give warnings."""
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
            report = check_file(str(path), CheckOptions(profile="ug1099", fab_tier=info.fab_tier))
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
def test_trace_too_wide_for_its_channel_is_a_clearance_error_naming_the_trace(boards, pitch):
    info, _, mine = boards(pitch, "trace_too_wide")
    rs = rules_for_pitch("ug1099", pitch, fab_tier=info.fab_tier)
    got = above_info(mine)
    assert got and {(f.rule_id, f.severity, f.layer) for f in got} == {
        ("clearance.via_track", "error", "In1.Cu")}
    for f in got:
        assert info.defect_items[0] in {i[1] for i in f.items}
        assert f.measured == pytest.approx(rs.min_space_mm - fanout.SHORT_BY_MM, abs=2e-4)
        assert f.limit == pytest.approx(rs.min_space_mm, abs=1e-6)


@pytest.mark.parametrize("pitch", fanout.PITCHES)
def test_three_traces_are_one_count_finding(boards, pitch):
    info, _, mine = boards(pitch, "three_traces")
    rs = rules_for_pitch("ug1099", pitch, fab_tier=info.fab_tier)
    got = [f for f in mine if f.rule_id.startswith("ug1099.t3.")]
    assert [(f.rule_id, f.layer, f.measured, f.limit) for f in got] == [
        ("ug1099.t3.routes_between_vias", "In1.Cu", 3.0, 2.0)]
    # UG1099's own table rows make it a warning; a count from a formula (fill-in pitch) a note
    assert got[0].severity == ("warning" if rs.own("routes_between_vias_max") else "info")
    # where three do not fit at the fab's minimum spacing, the gaps are clearance errors too
    others = [f for f in above_info(mine) if f not in got]
    assert all(f.rule_id.startswith("clearance.") and f.layer == "In1.Cu" for f in others)
    assert set(info.defect_items) <= {i[1] for i in got[0].items}
    assert info.defect_ball in got[0].pads


@pytest.mark.parametrize("pitch", fanout.PITCHES)
def test_clearance_short_is_one_clearance_error_naming_the_lands_it_passes(boards, pitch):
    info, _, mine = boards(pitch, "clearance_short")
    rs = rules_for_pitch("ug1099", pitch, fab_tier=info.fab_tier)
    got = above_info(mine)
    pad = [f for f in got if f.rule_id == "clearance.pad_track"]
    assert len(pad) == 1 and pad[0].severity == "error" and pad[0].layer == "F.Cu"
    # at via-in-pad pitches the trace also passes the vias in those lands: one more finding
    assert {f.rule_id for f in got} <= {"clearance.pad_track", "clearance.via_track"}
    f = pad[0]
    assert f.limit == pytest.approx(rs.min_space_mm, abs=1e-6)
    assert f.measured == pytest.approx(rs.min_space_mm - fanout.SHORT_BY_MM, abs=1e-4)
    assert info.defect_ball in f.pads  # the column of lands the trace comes too close to
    assert all(info.defect_items[0] == g.items[0][1] for g in got)  # the trace, named first


OTHER = [(p, d) for p in fanout.PITCHES
         for d in ("via_off_centre", "unfanned_ball", "via_in_pad_unfilled", "mask_web_thin")
         if fanout.applicable(p, d)]


@pytest.mark.parametrize("pitch,defect", OTHER)
def test_defects_of_other_checks_leave_routing_and_clearance_silent(boards, pitch, defect):
    _, _, mine = boards(pitch, defect)
    assert above_info(mine) == []
