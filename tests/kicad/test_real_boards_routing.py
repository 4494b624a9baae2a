"""Routing, clearance and escape checks on real boards, end to end through the pcbnew reader.

What was verified by hand (2026-11, KiCad 9.0.8, profile ug1099, fab tier standard):
- vme-wren: `kicad-cli pcb drc` reports 660 violations and not one of type clearance or
  hole_clearance; the board's own rules (Default net class 0.1 mm, custom rule
  `clearance_under_fpga` 0.1 mm in vme-wren.kicad_dru) allow the 0.100-0.125 mm gaps under the
  FPGA, so no clearance finding is right. IC14 lands are 0.45 mm (UG1099: 0.40), so the 0.8 mm
  ball channel is 0.35 mm wide: a 0.125 mm trace between A10 and A11 leaves 0.110 mm, below
  UG1099 Table 2's 4 mil / 5 mil row - a width warning a reviewer would accept.
- luna IC1 (ECP5, 0.8 mm, 0.40 mm lands): escapes are 0.127 mm (5 mil) against UG1099's 4 mil;
  the gap left, 0.13 mm, still meets S1 = 5 mil, and every finding says "spacing still met":
  notes, not warnings (the channel equation n W + (n+1) S <= R holds with the real width).
- glasgow U30 (iCE40 BG121, 0.8 mm): 0.15 mm traces between A1 and B1 with 0.15 mm gaps: width
  notes only, spacing met.
- Layer-count estimates: wren IC14 784 balls, 28 x 28 -> 108 channels (UG1099: (28 - 1) x 4),
  392 signal balls from the nets, 2 layers at two routes per channel, the board routes on 6
  (Top, L3, L5, L8, L10, Bottom; L2GND ... L11GND are planes by name).
"""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

pytest.importorskip("pcbnew")

from bgacheck.api import CheckOptions, check_file, check_model  # noqa: E402
from paths import SHARED_BOARDS, VME_WREN  # noqa: E402

pytestmark = pytest.mark.kicad

BOARDS = SHARED_BOARDS
WREN = VME_WREN
OURS = ("ug1099.t2.", "ug1099.t3.", "clearance.", "ug1099.layer_count.")


def run(path: Path, model=None):
    if model is None and not path.is_file():
        pytest.skip(f"{path} not installed")
    report = check_model(model, CheckOptions()) if model else check_file(str(path), CheckOptions())
    mine = [f for f in report.findings if f.rule_id.startswith(OURS)]
    return report, mine, Counter((f.ref, f.rule_id, f.severity) for f in mine)


def inside_own_area(report, findings):
    """Every finding lies within its BGA's balls plus two pitches."""
    bgas = {b.ref: b for b in report.bgas}
    for f in findings:
        b = bgas[f.ref]
        half = max(b.rows, b.cols) * max(b.pitch_mm) / 2 + 2 * max(b.pitch_mm)
        assert abs(f.x_mm - b.x_mm) <= half and abs(f.y_mm - b.y_mm) <= half, f


@pytest.fixture(scope="module")
def wren(vme_wren_model):
    return run(WREN, vme_wren_model)


@pytest.mark.slow
def test_wren_has_no_clearance_finding_as_kicad_drc_agrees(wren):
    report, mine, counts = wren
    assert not [f for f in mine if f.rule_id.startswith("clearance.")]
    assert not [f for f in mine if f.severity == "error"]
    inside_own_area(report, mine)


def width_findings(counts, ref, rule):
    """(warnings, notes) of one width rule on one BGA."""
    return counts[(ref, rule, "warning")], counts[(ref, rule, "info")]


@pytest.mark.slow
def test_wren_channel_findings_are_width_findings_in_expected_numbers(wren):
    report, mine, counts = wren
    assert {r for _, r, _ in counts} <= {"ug1099.t2.trace_width_between_pads",
                                         "ug1099.t3.trace_width_between_vias",
                                         "ug1099.layer_count.estimate"}
    warn, note = width_findings(counts, "IC14", "ug1099.t2.trace_width_between_pads")
    assert 15 <= warn <= 40 and note == 0  # 0.45 mm lands leave no room: every gap is short
    warn, note = width_findings(counts, "IC14", "ug1099.t3.trace_width_between_vias")
    assert 150 <= warn + note <= 250 and warn <= 20  # most via channels keep S: notes
    for ref in ("IC13", "IC5"):  # the DDR4 BGA96s: via channels only, inner layers
        warn, note = width_findings(counts, ref, "ug1099.t3.trace_width_between_vias")
        assert 30 <= warn + note <= 70 and warn <= 5
    a10 = [f for f in mine if f.ref == "IC14" and {"pad IC14.A10", "pad IC14.A11"} <= {
        i[0].split(" [")[0] for i in f.items}]
    assert len(a10) == 1 and a10[0].layer == "Top Layer" and a10[0].severity == "warning"
    assert a10[0].measured == pytest.approx(0.125) and a10[0].limit == pytest.approx(0.1016)


@pytest.mark.slow
def test_wren_escape_estimate(wren):
    report, _, _ = wren
    e = {b.ref: b.extra["escape"] for b in report.bgas}
    assert (e["IC14"]["balls"], e["IC14"]["channels"], e["IC14"]["signal_balls"]) == (784, 108, 392)
    assert e["IC14"]["layers_needed"] == 2 and e["IC14"]["routing_layers"] == 6
    assert e["IC14"]["plane_layers"] == ["L2GND", "L4GND", "L6PWR", "L7PWR", "L9GND", "L11GND"]
    assert not [f for f in report.findings if f.rule_id == "ug1099.layer_count.too_few"]


@pytest.mark.parametrize("path,ref,low,high", [
    (BOARDS / "luna-r0/luna_rev0.kicad_pcb", "IC1", 40, 70),
    (BOARDS / "glasgow-revC3/glasgow.kicad_pcb", "U30", 20, 35),
    (BOARDS / "sdi-mipi-bridge/sdi-mipi-bridge.kicad_pcb", "U4", 20, 35),
    (BOARDS / "lpddr4-testbed/lpddr4-testbed.kicad_pcb", "U1", 2, 8),
])
def test_shared_boards_give_width_findings_only(path, ref, low, high):
    report, mine, counts = run(path)
    assert not [f for f in mine if f.severity == "error"]
    assert not [f for f in mine if f.rule_id.startswith("clearance.")]
    assert low <= sum(width_findings(counts, ref, "ug1099.t2.trace_width_between_pads")) <= high
    assert all(f.rule_id.endswith(("trace_width_between_pads", "trace_width_between_vias",
                                   "layer_count.estimate")) for f in mine)
    # A trace wider than UG1099's W is a note while every gap keeps S, a warning once it does not.
    for f in mine:
        if "trace_width" in f.rule_id:
            assert f.severity == ("info" if "spacing still met" in f.message else "warning"), f
    inside_own_area(report, mine)
    for b in report.bgas:
        assert b.extra["escape"]["layers_needed"] <= b.extra["escape"]["routing_layers"]


def test_luna_width_notes_keep_the_spacing():
    report, mine, _ = run(BOARDS / "luna-r0/luna_rev0.kicad_pcb")
    ic1 = [f for f in mine if f.ref == "IC1" and f.rule_id.startswith("ug1099.t2.")]
    assert ic1 and all(f.measured == pytest.approx(0.127) for f in ic1)
    assert all("spacing still met" in f.message for f in ic1)
