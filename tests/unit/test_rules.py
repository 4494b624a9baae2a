"""Rule profiles: sources on every value, UG1099 formulas vs its printed tables, fill-ins,
non-square pitch, fab tiers and the project override file."""
from __future__ import annotations

import dataclasses
import math

import pytest

from bgacheck.core import rules
from bgacheck.core.resources import resource_path
from bgacheck.core.rules import RulesError, load_overrides, max_routes, routes_fit, rules_for_pitch
from bgacheck.core.units import MIL_MM

UG1099_PITCHES = (1.0, 0.92, 0.8, 0.5)
FILL_IN_PITCHES = (1.27, 0.75, 0.65, 0.4, 0.35)
ODD_GRIDS = ((0.8, 0.65), (0.6, 0.6), (1.5, 1.5), (0.45, 0.45))
ALL_GRIDS = tuple((p, p) for p in UG1099_PITCHES + FILL_IN_PITCHES) + ODD_GRIDS
OPTIONAL_NONE = {"pad_route2_w_mm", "pad_route2_s_mm", "microvia_drill_min_mm"}


def all_rulesets():
    for profile in rules.list_profiles():
        for tier in rules.list_fab_tiers():
            for px, py in ALL_GRIDS:
                yield rules_for_pitch(profile, px, py, tier)


def test_shipped_profiles_and_tiers_are_listed():
    assert {"ug1099", "intel_an114"} <= set(rules.list_profiles())
    assert "common" not in rules.list_profiles() and "fill_in" not in rules.list_profiles()
    assert rules.list_fab_tiers()[:3] == ["standard", "advanced", "hdi"]  # then the fab presets
    assert resource_path("rules", "ug1099.toml").is_file()


def test_every_resolved_value_has_a_source_and_an_origin():
    for rs in all_rulesets():
        assert set(rs.values) == set(rules.KEYS), (rs.profile, rs.pitch_mm)
        for key, rv in rs.values.items():
            assert rv.source.strip(), (rs.profile, rs.pitch_mm, key)
            assert rv.origin in rules.ORIGINS and rv.how
            if rv.value is None:
                assert key in OPTIONAL_NONE, (rs.profile, rs.pitch_mm, key)


def test_formulas_reproduce_published_numbers_or_the_profile_says_why():
    """Published UG1099/Intel figures match the formula to 1 mil, else a `disagrees` note exists."""
    checked = 0
    for rs in all_rulesets():
        for key, rv in rs.values.items():
            if rv.published is None:
                continue
            checked += 1
            off = abs(rv.value - rv.published)
            if rv.disagrees:
                assert off > MIL_MM, f"{rs.profile} {rs.pitch_mm} {key}: stale disagrees note"
            else:
                assert off <= MIL_MM + 1e-9, \
                    f"{rs.profile} {rs.pitch_mm} {key}: {rv.value} vs {rv.published}"
    assert checked > 100


def test_ug1099_misprints_are_kept_and_corrected():
    r10 = rules_for_pitch("ug1099", 1.0, 1.0)
    route = r10["route_dist_pads_mm"]
    assert route.value == pytest.approx(0.50) and route.published == 0.33
    assert "0.483" in route.disagrees
    s2 = r10["via_route2_s_mm"]
    assert s2.origin == "corrected" and s2.value == pytest.approx(7 * MIL_MM)
    assert s2.published == pytest.approx(0.254) and "38 mil" in s2.disagrees
    r08 = rules_for_pitch("ug1099", 0.8, 0.8)
    assert r08.mask_opening_d_mm == r08.land_d_mm == 0.40
    assert "M = L" in r08["mask_opening_d_mm"].note


@pytest.mark.parametrize("pitch,d_mil", [(1.0, 27.83), (0.92, 25.61), (0.8, 22.27), (0.5, 13.92)])
def test_pad_to_via_is_pitch_over_sqrt2_as_in_ug1099_table1(pitch, d_mil):
    rs = rules_for_pitch("ug1099", pitch, pitch)
    assert rs.pad_to_via_mm / MIL_MM == pytest.approx(d_mil, abs=0.01)
    assert rs["pad_to_via_mm"].formula


@pytest.mark.parametrize("pitch", UG1099_PITCHES)
def test_ug1099_route_budgets_close_within_the_floored_channel(pitch):
    """n W + (n+1) S <= R with UG1099's own R (e - L and e - VH floored to whole mil)."""
    rs = rules_for_pitch("ug1099", pitch, pitch)
    r_pad = math.floor(rs.route_dist_pads_mm / MIL_MM + 1e-6) * MIL_MM
    r_via = math.floor(rs.route_dist_vias_mm / MIL_MM + 1e-6) * MIL_MM
    assert routes_fit(1, rs.pad_route1_w_mm, rs.pad_route1_s_mm, r_pad)
    assert routes_fit(1, rs.via_route1_w_mm, rs.via_route1_s_mm, r_via)
    assert routes_fit(2, rs.via_route2_w_mm, rs.via_route2_s_mm, r_via)
    if rs.routes_between_pads_max == 2:
        assert routes_fit(2, rs.pad_route2_w_mm, rs.pad_route2_s_mm, r_pad)
    else:
        assert rs.pad_route2_w_mm is None and "N/A" in rs["pad_route2_w_mm"].source


def test_the_printed_1mm_two_route_via_row_does_not_fit():
    rs = rules_for_pitch("ug1099", 1.0, 1.0)
    assert not routes_fit(2, rs.via_route2_w_mm, rs["via_route2_s_mm"].published, 29 * MIL_MM)


def test_non_square_grid_uses_the_smaller_pitch_and_says_so():
    rs = rules_for_pitch("ug1099", 0.8, 0.65)
    assert rs.pitch_mm == 0.65 and (rs.row_profile, rs.row_pitch_mm) == ("fill_in", 0.65)
    assert "smaller pitch 0.65" in rs.match
    assert rs.route_dist_pads_mm == pytest.approx(0.65 - rs.land_d_mm)
    assert rs.pad_to_via_mm == pytest.approx(math.hypot(0.8, 0.65) / 2)
    assert rs["land_d_mm"].origin == "fill_in" and "SLDA021B" in rs.source("land_d_mm")


@pytest.mark.parametrize("pitch", FILL_IN_PITCHES)
def test_pitches_ug1099_lacks_get_a_marked_fill_in_row(pitch):
    rs = rules_for_pitch("ug1099", pitch, pitch)
    assert (rs.row_profile, rs.row_pitch_mm) == ("fill_in", pitch)
    assert rs["land_d_mm"].origin == "fill_in" and "fill-in" in rs["land_d_mm"].how


def test_pitch_with_no_row_anywhere_gets_fill_in_formulas():
    rs = rules_for_pitch("ug1099", 0.6, 0.6)
    assert rs.row_profile == "" and rs.row_pitch_mm is None and "fill-in formulas" in rs.match
    assert rs.land_d_mm == pytest.approx(0.30) and rs["land_d_mm"].origin == "fill_in"
    assert rs["land_d_mm"].formula == "0.5 * pitch"


def test_rows_match_within_the_documented_tolerance_only():
    assert rules_for_pitch("ug1099", 0.81, 0.81).row_pitch_mm == 0.8
    assert rules_for_pitch("ug1099", 0.79, 0.79).row_pitch_mm == 0.8
    assert rules_for_pitch("ug1099", 0.83, 0.83).row_pitch_mm is None


def test_fab_tier_sets_minimum_trace_and_space():
    got = {t: rules_for_pitch("ug1099", 1.0, 1.0, t) for t in ("standard", "advanced", "hdi")}
    assert got["standard"].min_trace_w_mm == pytest.approx(3.5 * MIL_MM)
    assert got["advanced"].min_space_mm == pytest.approx(3 * MIL_MM)
    assert got["hdi"].min_trace_w_mm == pytest.approx(2 * MIL_MM)
    assert got["standard"]["min_space_mm"].origin == "fab_tier"
    assert not got["standard"].via_fill_available and got["hdi"].via_fill_available


def test_fab_tier_changes_how_many_fill_in_routes_fit():
    assert rules_for_pitch("ug1099", 0.4, 0.4, "standard").routes_between_pads_max == 0
    assert rules_for_pitch("ug1099", 0.4, 0.4, "hdi").routes_between_pads_max == 1


def test_via_in_pad_expected_at_half_millimetre_and_below():
    for pitch, want in ((1.0, False), (0.8, False), (0.65, False), (0.5, True), (0.4, True)):
        assert rules_for_pitch("ug1099", pitch, pitch).via_in_pad_expected is want, pitch


def test_intel_profile_fills_missing_values_from_ug1099():
    rs = rules_for_pitch("intel_an114", 0.8, 0.8)
    assert rs.land_d_mm == 0.36 and rs["land_d_mm"].origin == "published"
    assert rs.mask_opening_d_mm == pytest.approx(0.46)
    assert rs.via_pad_d_mm == 0.48 and rs["via_pad_d_mm"].origin == "fill_in"
    assert "ug1099 row 0.8" in rs["via_pad_d_mm"].how


def test_max_routes_counts_traces_that_fit():
    assert max_routes(0.50, 0.1, 0.1) == 2
    assert max_routes(0.30, 0.1, 0.1) == 1
    assert max_routes(0.29, 0.1, 0.1) == 0


def test_ipc7351_land_reduction_depends_on_ball_size():
    assert rules.ipc7351_land_mm(0.60)[:2] == (pytest.approx(0.45), 0.25)
    assert rules.ipc7351_land_mm(0.30)[:2] == (pytest.approx(0.24), 0.20)


def test_ruleset_is_frozen_and_exposes_values_by_name():
    rs = rules_for_pitch("ug1099", 1.0, 1.0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        rs.profile = "x"
    with pytest.raises(AttributeError):
        rs.no_such_rule  # noqa: B018 - the attribute lookup itself must raise
    assert rs.as_dict()["values"]["land_d_mm"]["value"] == 0.50


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def test_board_override_file_sets_values_profile_and_tier(tmp_path):
    board = tmp_path / "demo.kicad_pcb"
    write(tmp_path / "demo.bgacheck.toml", """
profile = "intel_an114"
fab_tier = "advanced"
[rules]
stencil_thickness_mm = 0.12
mask_web_min_mm = { value = 0.075, source = "Acme PCB quote 2025-03" }
[[pitch]]
pitch_mm = 0.8
land_d_mm = 0.45
""")
    ov = load_overrides(board)
    assert (ov.profile, ov.fab_tier) == ("intel_an114", "advanced")
    at08 = rules_for_pitch(ov.profile, 0.8, 0.8, ov.fab_tier, ov)
    assert at08.land_d_mm == 0.45 and at08["land_d_mm"].origin == "override"
    assert "demo.bgacheck.toml" in at08.source("land_d_mm")
    assert at08.route_dist_pads_mm == pytest.approx(0.35)  # formulas see the overridden land
    assert at08.stencil_thickness_mm == 0.12
    assert at08.source("mask_web_min_mm") == "Acme PCB quote 2025-03"
    assert at08.mask_web_min_mm == 0.075 and at08["mask_web_min_mm"].origin == "override"
    at10 = rules_for_pitch(ov.profile, 1.0, 1.0, ov.fab_tier, ov)
    assert at10.land_d_mm == 0.47 and at10.stencil_thickness_mm == 0.12


def test_folder_override_file_is_used_when_the_board_has_none(tmp_path):
    board = tmp_path / "other.kicad_pcb"
    assert load_overrides(board) is None
    write(tmp_path / "bgacheck.toml", "fab_tier = 'hdi'\n")
    assert load_overrides(board).fab_tier == "hdi"


@pytest.mark.parametrize("text,words", [
    ("profile = \n", "not valid TOML"),
    ("colour = 'red'\n", "unknown key"),
    ("[rules]\nland_d_mm = 'big'\n", "must be float"),
    ("[rules]\nland_diameter = 0.4\n", "unknown rule key"),
    ("profile = 'nope'\n", "unknown rule profile"),
    ("fab_tier = 'cheap'\n", "unknown fab_tier"),
    ("[rules]\nland_d_mm = { formula = \"__import__('os')\" }\n", "unknown function"),
    ("[rules]\nland_d_mm = { formula = \"pitch * k\" }\n", "unknown name"),
    ("[rules]\nland_d_mm = -0.4\n", "out of range"),
    ("[[pitch]]\nland_d_mm = 0.4\n", "pitch_mm"),
])
def test_bad_override_file_gives_a_one_line_rules_error(tmp_path, text, words):
    write(tmp_path / "b.bgacheck.toml", text)
    with pytest.raises(RulesError) as err:
        load_overrides(tmp_path / "b.kicad_pcb")
    msg = str(err.value)
    assert "\n" not in msg and words in msg and "b.bgacheck.toml" in msg


def test_unknown_profile_tier_or_pitch_is_a_rules_error():
    for call in (lambda: rules_for_pitch("nope", 1.0, 1.0),
                 lambda: rules_for_pitch("ug1099", 1.0, 1.0, "cheap"),
                 lambda: rules_for_pitch("ug1099", 0.0, 1.0)):
        with pytest.raises(RulesError):
            call()
