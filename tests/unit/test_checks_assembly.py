"""The assembly review on generated board models: warpage findings and their severity, the
project file's per-part inputs, thermal balance and thermal pads (no KiCad needed)."""
from dataclasses import replace

import numpy as np
import pytest

from bgacheck.api import CheckOptions, check_model
from bgacheck.core.model import Zone
from bgacheck.core.rule_files import RulesError, load_overrides
from synth import board, grid_pads

CORNERS = {"A1", "A10", "K1", "K10"}
CENTRE = {"E5", "E6", "F5", "F6"}
CORNER_REGION = {f"{r}{c}" for r in "HJK" for c in (8, 9, 10)}
SUPPORT = 0.32 / 25.92
"""Lift share of the four centre balls the package rests on (r^2 / R^2 on a 10 x 10 grid), so
a corner lifts (1 - SUPPORT) of the warpage above them."""


def bga(extra_parts=(), stencil="0.1mm"):
    parts = [("U1", "test:BGA-100_10x10_P0.8mm_Ball0.4mm", 100.0, 100.0, 0.0, False,
              grid_pads(10, 10, 0.8, land=0.40), {})] + list(extra_parts)
    m = board(parts)
    m = replace(m, copper_layers=("F.Cu", "In1.Cu", "In2.Cu", "B.Cu"),
                properties={"STENCIL_THICKNESS": stencil})
    n = len(m.pads)
    pads = replace(m.pads, zone_index=-np.ones(n, np.int32), zone_connection=("",) * n)
    vias = replace(m.vias, zone_layers=np.zeros(0, np.int64))
    return replace(m, pads=pads, vias=vias)


def assembly(report, ref="U1"):
    (b,) = [b for b in report.bgas if b.ref == ref]
    return b.extra["assembly"], [f for f in report.findings if f.rule_id.startswith("assembly")]


def by_rule(findings, rule):
    return [f for f in findings if f.rule_id == rule]


def test_without_a_given_warpage_every_assembly_finding_is_a_note():
    a, found = assembly(check_model(bga(), CheckOptions()))
    assert found and all(f.severity == "info" for f in found)
    assert not a["warpage_given"] and abs(a["warpage_mm"]) == pytest.approx(0.17)  # JEITA 0.8 mm
    assert a["warpage_margin_mm"] == pytest.approx(0.10 / (1 - SUPPORT) - 0.17, abs=1e-4)
    assert len(a["per_ball_height_mm"]) == 100 and None not in a["per_ball_height_mm"]
    (note,) = by_rule(found, "assembly.warpage_margin")
    assert "--warpage-mm" in note.fix
    assert a["xray"]["advice"] == "advised"


def test_a_flat_package_sits_at_todays_standoff_and_absorbs_its_paste_height():
    report = check_model(bga(), CheckOptions(warpage_mm=0.0))
    a, found = assembly(report)
    standoff = report.bgas[0].extra["standoff"]["per_ball_height_mm"]
    np.testing.assert_allclose(a["per_ball_height_mm"], standoff, atol=1e-4)
    assert a["absorbable_mm"]["corners up"] == pytest.approx(0.10 / (1 - SUPPORT), abs=1e-4)
    assert all(f.severity == "info" for f in found)


def test_warpage_beyond_the_paste_is_a_head_in_pillow_error_at_the_corners():
    a, found = assembly(check_model(bga(), CheckOptions(warpage_mm=0.15)))
    (err,) = by_rule(found, "assembly.head_in_pillow")
    assert err.severity == "error" and CORNERS <= set(err.pads) and not CENTRE & set(err.pads)
    assert err.measured == pytest.approx(0.15 * (1 - SUPPORT), abs=1e-4)
    assert err.limit == pytest.approx(0.1)
    assert a["first_failure"]["region"] == "corners A1, A10, K1, K10"
    assert a["warpage_margin_mm"] == pytest.approx(0.1 / (1 - SUPPORT) - 0.15, abs=1e-4)
    names = check_model(bga(), CheckOptions(warpage_mm=0.15)).bgas[0].ball_names
    statuses = dict(zip(names, a["per_ball_status"], strict=True))
    assert statuses["A1"] == "head_in_pillow" and statuses["E5"] == "ok"
    assert a["xray"]["advice"] == "strongly advised"


def test_corners_down_lift_the_centre_instead():
    a, found = assembly(check_model(bga(), CheckOptions(warpage_mm=-0.15)))
    (err,) = by_rule(found, "assembly.head_in_pillow")
    assert CENTRE <= set(err.pads) and not CORNERS & set(err.pads)
    assert a["first_failure"]["region"] == "centre"


def test_a_margin_below_the_threshold_is_a_warning_and_a_comfortable_one_a_note():
    _, found = assembly(check_model(bga(), CheckOptions(warpage_mm=0.09)))
    (margin,) = by_rule(found, "assembly.warpage_margin")
    assert margin.severity == "warning"
    assert margin.measured == pytest.approx(0.1 / (1 - SUPPORT) - 0.09, abs=1e-4)
    assert not by_rule(found, "assembly.head_in_pillow")
    _, found = assembly(check_model(bga(), CheckOptions(warpage_mm=0.05)))
    assert all(f.severity == "info" for f in found)


def test_a_thicker_stencil_absorbs_more():
    a, _ = assembly(check_model(bga(stencil="0.15mm"), CheckOptions(warpage_mm=0.12)))
    assert a["absorbable_mm"]["corners up"] == pytest.approx(0.15 / (1 - SUPPORT), abs=1e-4)


def test_board_warpage_the_same_way_cancels_the_package_warpage():
    a, found = assembly(check_model(bga(), CheckOptions(warpage_mm=0.15, board_warpage_mm=0.15)))
    assert a["relative_warpage_mm"] == pytest.approx(0.0)
    assert not by_rule(found, "assembly.head_in_pillow")


def test_project_file_gives_warpage_and_mass_per_part(tmp_path):
    path = tmp_path / "b.bgacheck.toml"
    path.write_text("warpage_mm = { U1 = 0.15, U9 = 0.01 }\npackage_mass_g = 0.5\n")
    ov = load_overrides(path)
    assert ov.part_value("warpage_mm", "U1") == 0.15 and ov.part_value("warpage_mm", "U2") is None
    a, found = assembly(check_model(bga(), CheckOptions(project_overrides=ov)))
    assert a["warpage_given"] and a["package_mass_g"] == 0.5
    assert "project file b.bgacheck.toml" in a["warpage_source"]
    assert by_rule(found, "assembly.head_in_pillow")
    # the option wins over the file
    a, _ = assembly(check_model(bga(), CheckOptions(project_overrides=ov, warpage_mm=0.02)))
    assert a["warpage_mm"] == pytest.approx(0.02)


@pytest.mark.parametrize("text", ["warpage_mm = 1.5\n", "warpage_mm = 'flat'\n",
                                  "package_mass_g = 0\n", "warpage_mm = { U1 = true }\n"])
def test_bad_part_inputs_in_the_project_file_stop_with_one_line(tmp_path, text):
    path = tmp_path / "b.bgacheck.toml"
    path.write_text(text)
    with pytest.raises(RulesError) as exc:
        load_overrides(path)
    assert "\n" not in str(exc.value)


def with_pour(model, names, connection="full", area_mm2=120.0, pad_override=""):
    """Put the named balls on net GND inside one F.Cu GND zone joining them as ``connection``."""
    p = model.pads
    gnd = len(model.net_names)
    hit = np.array([n in names and int(p.fp_index[i]) == 0 for i, n in enumerate(p.number)])
    net = np.where(hit, gnd, p.net).astype(np.int32)
    zone = Zone(uuid="z", net=gnd, layer=0, name="GND", polygons=(), connection=connection,
                filled_area_nm2=area_mm2 * 1e12)
    solid = (pad_override or connection) in ("full", "thru_hole_only")
    pads = replace(p, net=net, zone_index=np.where(hit, 0, -1).astype(np.int32),
                   zone_connected=hit & solid,
                   zone_connection=tuple(pad_override if h else "" for h in hit))
    return replace(model, pads=pads, zones=(zone,), net_names=model.net_names + ("GND",))


def test_a_plane_heavy_corner_beside_signal_balls_is_noted_with_the_remedy():
    a, found = assembly(check_model(with_pour(bga(), CORNER_REGION), CheckOptions()))
    (note,) = by_rule(found, "assembly.thermal_imbalance")
    assert note.severity == "info" and set(note.pads) == CORNER_REGION
    assert note.message.startswith("K10 corner") and "thermal reliefs" in note.fix
    assert a["thermal"]["plane_balls"] == 9 and a["thermal"]["heavy_regions"] == ["K10 corner"]
    assert a["xray"]["advice"] == "strongly advised"


def test_reliefs_small_pours_and_balanced_planes_are_not_an_imbalance():
    for model in (with_pour(bga(), CORNER_REGION, connection="thermal"),
                  with_pour(bga(), CORNER_REGION, area_mm2=10.0),
                  with_pour(bga(), CORNER_REGION, connection="full", pad_override="thermal")):
        a, found = assembly(check_model(model, CheckOptions()))
        assert not by_rule(found, "assembly.thermal_imbalance")
        assert a["thermal"]["plane_balls"] == 0
    # the same share of plane balls at the opposite corner (its third is 4 x 4 balls): balanced
    both = CORNER_REGION | {f"{r}{c}" for r in "ABCD" for c in (1, 2, 3, 4)}
    _, found = assembly(check_model(with_pour(bga(), both), CheckOptions()))
    assert not by_rule(found, "assembly.thermal_imbalance")


def test_thru_hole_only_connects_smd_lands_solidly():
    a, _ = assembly(check_model(with_pour(bga(), CORNER_REGION, connection="thru_hole_only"),
                                CheckOptions()))
    assert a["thermal"]["plane_balls"] == 9


def test_a_reader_without_zone_connections_says_so_instead_of_guessing():
    m = bga()
    m = replace(m, pads=replace(m.pads, zone_index=None))
    report = check_model(m, CheckOptions())
    a, found = assembly(report)
    assert a["thermal"] == {"known": False, "note": a["thermal"]["note"]}
    assert any("thermal balance not assessed" in t for t in report.bgas[0].extra["text_lines"])
    assert not by_rule(found, "assembly.thermal_imbalance")


def thermal_pad(ref, x, paste_ratio):
    return (ref, "test:QFN_ThermalPad", x, 100.0, 0.0, False,
            [("EP", 0.0, 0.0, 3.0, 3.0)], {"shape": 1, "paste_ratio": paste_ratio})


def test_thermal_pads_beside_the_array_and_their_paste_coverage_are_noted():
    near = 100.0 + 3.6 + 0.2 + 2.0 + 1.5  # field edge + 2 mm + half the pad
    model = bga([thermal_pad("U2", near, 1.0), thermal_pad("U3", 140.0, 1.0)])
    a, found = assembly(check_model(model, CheckOptions()))
    pads = {t["pad"] for t in a["voids"]["thermal_pads"]}
    assert pads == {"U2.EP"}  # U3 is 36 mm away
    (cover,) = by_rule(found, "assembly.paste_coverage")
    assert "U2.EP" in cover.message and cover.measured == pytest.approx(1.0)
    assert a["xray"]["line"].endswith("the thermal pads beside")
