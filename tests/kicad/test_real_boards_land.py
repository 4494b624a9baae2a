"""Land, via, fanout and standoff stages on real boards, end to end through check_file.

Findings checked by hand against the board files (pcbnew, KiCad 9.0.8):
- glasgow U30 (0.8 mm, 121 balls): 46 vias are 0.40 pad / 0.20 drill (the others 0.6/0.3, 0.5/0.3):
  a 0.10 mm (4 mil) ring on a 0.20 mm hole, ordinary multilayer production: the standard tier
  (JLCPCB multilayer) accepts it; OSH Park's 5 mil ring (oshpark_2layer) does not.
- sdi-mipi-bridge U4 (0.65 mm ckfBGA80, Lattice): every land 0.35 mm with a local mask margin of
  -0.025 mm, i.e. solder-mask defined, while UG1099 recommends NSMD: a note (not AMD's part).
  U2 (1.0 mm, Semtech): 36 field via pads 0.55 mm above UG1099's 0.48 mm: a note, a warning once
  --profile ug1099 is chosen.
- Balls on single-pad nets (sdi-mipi U2 B3/F2 "Net-(U2-PadB3)", vme-wren IC14 AB7/C8/J6 on
  /fpga/fpga-hp-banks/HP*) have no copper leaving them and nothing to connect to: not reported.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from bgacheck.api import CheckOptions, check_file, check_model
from paths import SHARED_BOARDS, VME_WREN, shared_board  # noqa: E402

pytestmark = pytest.mark.kicad

BOARDS = SHARED_BOARDS
WREN = VME_WREN
MINE = ("ug1099.t1.land", "ipc7351.", "land.", "ug1099.land_type", "fab.mask", "paste.",
        "ipc7525.", "ug1099.t1.via", "fab.min_drill", "fab.annular", "ug1099.t1.pad_to_via",
        "fab.trace_width", "ug1099.via_in", "ipc4761.", "fab.via_fill", "ug575.", "fanout.",
        "standoff.")


def board(name: str) -> Path:
    """The board file in shared folder ``name``; the test skips, saying why, without it."""
    path = next(shared_board(name).glob("*.kicad_pcb"), None)
    if path is None:
        pytest.skip(f"no .kicad_pcb in the shared boards folder {BOARDS / name}")
    return path


def mine(report, ref=None, rule=None):
    return [f for f in report.findings if f.rule_id.startswith(MINE)
            and (ref is None or f.ref == ref) and (rule is None or f.rule_id == rule)]


def test_glasgow_4_mil_rings_pass_the_standard_tier_and_fail_a_5_mil_fab():
    path = board("glasgow-revC3")
    std = check_file(str(path), CheckOptions())
    assert [f.rule_id for f in mine(std, "U30") if f.severity == "error"] == []
    osh = check_file(str(path), CheckOptions(fab_tier="oshpark_2layer"))
    ring = mine(osh, "U30", "fab.annular_ring")
    assert len(ring) == 1 and ring[0].measured == pytest.approx(0.10)
    assert sum(1 for i in ring[0].items if i[0] == "via") == 46
    assert "--fab-tier jlcpcb" in ring[0].fix  # tiers that build it are named, presets first
    assert std.bgas[0].extra["standoff"]["ball_source"].startswith("footprint name")


def test_sdi_mipi_smd_lands_and_large_via_pads_are_notes_on_other_vendors_parts():
    report = check_file(str(board("sdi-mipi-bridge")), CheckOptions())
    smd = mine(report, "U4", "ug1099.land_type")
    assert len(smd) == 1 and len(smd[0].pads) == 80 and "SMD" in smd[0].message
    pads = mine(report, "U2", "ug1099.t1.via_pad_diameter")
    assert len(pads) == 1 and pads[0].measured == pytest.approx(0.55)
    assert {smd[0].severity, pads[0].severity} == {"info"}
    assert "not an AMD/Xilinx part" in pads[0].message
    chosen = check_file(str(board("sdi-mipi-bridge")), CheckOptions(profile="ug1099"))
    assert [f.severity for f in mine(chosen, "U2", "ug1099.t1.via_pad_diameter")] == ["warning"]
    assert mine(report, rule="fanout.unrouted_ball") == []


@pytest.mark.parametrize("name", ["lpddr4-testbed", "luna-r0"])
def test_other_boards_run_and_fill_the_per_bga_results(name):
    report = check_file(str(board(name)), CheckOptions())
    assert report.bgas
    for bga in report.bgas:
        assert {"land", "vias", "fanout", "standoff"} <= set(bga.extra)
        st = bga.extra["standoff"]
        assert len(st["per_ball_height_mm"]) == bga.balls
        assert st["height_mm"] is None or 0.05 < st["height_mm"] < 0.7
    assert mine(report, rule="fanout.unrouted_ball") == []


@pytest.mark.slow
def test_vme_wren_runs_end_to_end_without_unrouted_false_alarms(vme_wren_model):
    report = check_model(vme_wren_model, CheckOptions())
    refs = {b.ref: b for b in report.bgas}
    assert refs["IC14"].balls == 784
    assert mine(report, rule="fanout.unrouted_ball") == []
    assert mine(report, rule="fanout.dangling_via") == []
    assert refs["IC14"].extra["fanout"]["plane_balls"] > 200
