"""Fab tiers and fab presets in resources/rules/fab.toml: complete, sourced, resolvable, ordered,
and a standard tier that UG1099 Table 1's ordinary vias pass."""
from __future__ import annotations

import json
import subprocess
import sys
import tomllib

import pytest

from bgacheck.core import rules
from bgacheck.core.resources import resource_path
from bgacheck.core.rules import FAB_KEYS, load_overrides, rules_for_pitch
from bgacheck.core.units import MIL_MM, fab_minimum

GENERIC = ("standard", "advanced", "hdi")
#: every fab preset and the address its every source must name
PRESET_SITE = {
    "jlcpcb": "jlcpcb.com",
    "jlcpcb_2layer": "jlcpcb.com",
    "jlcpcb_advanced": "jlcpcb.com",
    "pcbway": "pcbway.com",
    "oshpark_2layer": "docs.oshpark.com",
    "oshpark_4layer": "docs.oshpark.com",
    "eurocircuits_6": "eurocircuits.com",
    "eurocircuits_7": "eurocircuits.com",
    "eurocircuits_8": "eurocircuits.com",
    "eurocircuits_9": "eurocircuits.com",
}
ORDERED = ("min_trace_w_mm", "min_space_mm", "min_drill_mm", "annular_ring_min_mm")
UG1099_T1_VIA = (0.48, 0.25)  # UG1099 v2.0 Table 1 at 1.0/0.92/0.8 mm: VD, VH [mm]


def raw_tiers() -> dict:
    with open(resource_path("rules", "fab.toml"), "rb") as fh:
        return tomllib.load(fh)["tier"]


def test_generic_tiers_come_first_and_every_preset_is_listed():
    tiers = rules.list_fab_tiers()
    assert tiers[:3] == list(GENERIC)
    assert set(tiers) == set(GENERIC) | set(PRESET_SITE)
    assert rules.DEFAULT_FAB_TIER == "standard"


@pytest.mark.parametrize("tier", GENERIC + tuple(PRESET_SITE))
def test_every_tier_defines_every_fab_key_with_a_source(tier):
    table = raw_tiers()[tier]
    assert str(table.get("title", "")).strip(), tier
    assert set(table) - {"title"} == FAB_KEYS, tier
    for key in FAB_KEYS:
        entry = table[key]
        assert isinstance(entry, dict) and str(entry.get("source", "")).strip(), (tier, key)


@pytest.mark.parametrize("tier", tuple(PRESET_SITE))
def test_every_preset_value_names_the_fab_page_it_comes_from(tier):
    site = PRESET_SITE[tier]
    for key, entry in raw_tiers()[tier].items():
        if key == "title":
            continue
        assert site in entry["source"], (tier, key, entry["source"])
        if entry.get("origin") == "typical":  # a stand-in value says plainly that it is one
            assert "not" in entry["source"], (tier, key)


@pytest.mark.parametrize("tier", GENERIC + tuple(PRESET_SITE))
def test_every_tier_resolves_at_0_8_mm(tier):
    rs = rules_for_pitch("ug1099", 0.8, fab_tier=tier)
    assert rs.fab_tier == tier
    for key in FAB_KEYS:
        rv = rs[key]
        assert rv.origin == "fab_tier" and rv.how.startswith(f"fab tier {tier}"), (tier, key)
        assert rv.source.strip()
    for key in ORDERED + ("mask_expansion_min_mm", "mask_web_min_mm", "aspect_ratio_max"):
        assert isinstance(rs[key].value, float) and rs[key].value > 0, (tier, key)
    for key in ("via_fill_available", "microvia_available"):
        assert isinstance(rs[key].value, bool), (tier, key)
    assert (rs.microvia_drill_min_mm is None) == (not rs.microvia_available), tier


@pytest.mark.parametrize("pitch", (1.0, 0.92, 0.8))
def test_ug1099_table_1_vias_meet_the_standard_ring_and_drill(pitch):
    rs = rules_for_pitch("ug1099", pitch)  # the default tier
    assert rs.fab_tier == "standard"
    assert (rs.via_pad_d_mm, rs.via_drill_d_mm) == pytest.approx(UG1099_T1_VIA)
    pad, drill = UG1099_T1_VIA
    ring = (pad - drill) / 2  # 0.115 mm, about 4.5 mil
    assert ring == pytest.approx(0.115)
    # the comparisons the via checks make (without their 1 um slack)
    assert ring >= fab_minimum(rs.annular_ring_min_mm)
    assert drill >= fab_minimum(rs.min_drill_mm)


def test_standard_still_flags_a_via_below_the_common_fab_minimum():
    rs = rules_for_pitch("ug1099", 1.0)
    assert 0.08 < fab_minimum(rs.annular_ring_min_mm)  # 0.36 mm pad on a 0.20 mm hole
    assert 0.15 < fab_minimum(rs.min_drill_mm)  # a 0.15 mm hole is an upgraded option


def test_advanced_is_never_stricter_than_standard_nor_hdi_than_advanced():
    got = {t: rules_for_pitch("ug1099", 1.0, fab_tier=t) for t in GENERIC}
    for key in ORDERED + ("mask_expansion_min_mm", "mask_web_min_mm"):
        std, adv, hdi = (getattr(got[t], key) for t in GENERIC)
        assert adv <= std + 1e-9, key
        assert hdi <= adv + 1e-9, key


def test_fab_presets_hold_the_published_figures():
    def at(tier):
        return rules_for_pitch("ug1099", 1.0, fab_tier=tier)

    jlc, jlc2, jlca = at("jlcpcb"), at("jlcpcb_2layer"), at("jlcpcb_advanced")
    assert (jlc.min_trace_w_mm, jlc.min_drill_mm) == pytest.approx((3.5 * MIL_MM, 0.20))
    assert jlc.annular_ring_min_mm == pytest.approx((0.40 - 0.20) / 2)
    assert (jlc2.min_trace_w_mm, jlc2.min_drill_mm) == pytest.approx((5 * MIL_MM, 0.30))
    assert jlc2.annular_ring_min_mm == pytest.approx((0.60 - 0.30) / 2)
    assert (jlca.min_trace_w_mm, jlca.min_drill_mm) == pytest.approx((3 * MIL_MM, 0.15))
    assert jlca.annular_ring_min_mm == pytest.approx(0.05) and jlca.via_fill_available
    assert not any(t.microvia_available for t in (jlc, jlc2, jlca))  # through holes only
    osh = at("oshpark_2layer")
    assert (osh.min_trace_w_mm, osh.min_space_mm, osh.min_drill_mm, osh.annular_ring_min_mm,
            osh.mask_web_min_mm) == pytest.approx(tuple(m * MIL_MM for m in (6, 6, 10, 5, 4)))
    assert at("pcbway").min_trace_w_mm == pytest.approx(4 * MIL_MM)
    # Eurocircuits pattern classes (docs/sources.md R9): track/gap, OAR, IAR [mm]; rings are
    # to the drill tool (finished hole + 0.10 mm), so the finished-hole ring is 0.05 mm more.
    classes = {6: (0.150, 0.125, 0.125), 7: (0.125, 0.125, 0.125),
               8: (0.100, 0.100, 0.125), 9: (0.090, 0.100, 0.125)}
    for n, (track, oar, iar) in classes.items():
        rs = at(f"eurocircuits_{n}")
        assert (rs.min_trace_w_mm, rs.min_space_mm) == pytest.approx((track, track)), n
        assert rs.annular_ring_min_mm == pytest.approx(max(oar, iar) + 0.05), n


def test_the_looser_the_jlcpcb_option_the_lower_its_limits():
    tiers = [rules_for_pitch("ug1099", 0.8, fab_tier=t)
             for t in ("jlcpcb_2layer", "jlcpcb", "jlcpcb_advanced")]
    for key in ORDERED:
        values = [getattr(rs, key) for rs in tiers]
        assert values == sorted(values, reverse=True), (key, values)


def test_a_preset_is_chosen_in_the_project_override_file(tmp_path):
    board = tmp_path / "b.kicad_pcb"
    board.write_text("")
    (tmp_path / "b.bgacheck.toml").write_text('fab_tier = "jlcpcb"\n')
    ov = load_overrides(board)
    assert ov.fab_tier == "jlcpcb"
    rs = rules_for_pitch("ug1099", 0.8, fab_tier=ov.fab_tier, overrides=ov)
    assert rs.min_drill_mm == pytest.approx(0.20) and rs["min_drill_mm"].how == "fab tier jlcpcb"


def test_rules_command_takes_a_preset_on_the_command_line():
    proc = subprocess.run([sys.executable, "-m", "bgacheck", "rules", "--pitch", "0.8",
                           "--fab-tier", "eurocircuits_8", "--json"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["fab_tier"] == "eurocircuits_8"
    assert data["values"]["min_space_mm"]["value"] == pytest.approx(0.100)
    assert "eurocircuits.com" in data["values"]["min_space_mm"]["source"]
