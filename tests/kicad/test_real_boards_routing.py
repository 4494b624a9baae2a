"""Routing, clearance and escape checks on real boards, end to end through the pcbnew reader.

What was verified by hand (2026-11, KiCad 9.0.8, profile ug1099, fab tier standard):
- vme-wren: `kicad-cli pcb drc` reports 660 violations and not one of type clearance or
  hole_clearance; the board's own rules (Default net class 0.1 mm, custom rule
  `clearance_under_fpga` 0.1 mm in vme-wren.kicad_dru) allow the 0.100-0.125 mm gaps under the
  FPGA, so no clearance finding is right. IC14 lands are 0.45 mm (UG1099: 0.40), so the 0.8 mm
  ball channel is 0.35 mm wide: its narrowest ball-channel gap is 0.100 mm, above every fab
  tier's spacing and 0.027 mm under UG1099 Table 2's S1 (5 mil): one note for the layer, not a
  warning per channel (the board builds; only the table is not followed to the letter).
- luna IC1 (ECP5, 0.8 mm, 0.40 mm lands): escapes are 0.127 mm (5 mil) against UG1099's 4 mil;
  the gap left, 0.13 mm, meets S1 = 5 mil: nothing to report (a wide trace alone is not a
  finding).
- glasgow U30 (iCE40 BG121, 0.8 mm): 0.15 mm traces between A1 and B1 with 0.15 mm gaps: nothing
  to report.
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
from paths import SHARED_BOARDS, VME_WREN, shared_boards_missing  # noqa: E402

pytestmark = pytest.mark.kicad

BOARDS = SHARED_BOARDS
WREN = VME_WREN
OURS = ("ug1099.t2.", "ug1099.t3.", "clearance.", "ug1099.layer_count.")


def run(path: Path, model=None):
    if model is None and path.is_relative_to(BOARDS):
        reason = shared_boards_missing(path.relative_to(BOARDS))
        if reason:
            pytest.skip(reason)
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


@pytest.mark.slow
def test_wren_channels_are_one_note_per_bga_layer_and_kind(wren):
    report, mine, counts = wren
    assert {r for _, r, _ in counts} <= {"ug1099.t2.trace_space_between_pads",
                                         "ug1099.t3.trace_space_between_vias",
                                         "ug1099.layer_count.estimate"}
    assert all(f.severity == "info" for f in mine)
    per = Counter((f.ref, f.rule_id, f.layer) for f in mine)
    assert max(per.values()) == 1  # one note per BGA, layer and kind
    top = [f for f in mine if f.ref == "IC14" and f.rule_id == "ug1099.t2.trace_space_between_pads"]
    assert len(top) == 1 and top[0].layer == "Top Layer"
    assert top[0].measured == pytest.approx(0.100, abs=1e-3)
    assert top[0].limit == pytest.approx(0.127)
    assert 5 <= int(top[0].message.split()[0]) <= 40  # channels narrower than S1 by > 0.025 mm


@pytest.mark.slow
def test_wren_escape_estimate(wren):
    report, _, _ = wren
    e = {b.ref: b.extra["escape"] for b in report.bgas}
    assert (e["IC14"]["balls"], e["IC14"]["channels"], e["IC14"]["signal_balls"]) == (784, 108, 392)
    assert e["IC14"]["layers_needed"] == 2 and e["IC14"]["routing_layers"] == 6
    assert e["IC14"]["plane_layers"] == ["L2GND", "L4GND", "L6PWR", "L7PWR", "L9GND", "L11GND"]
    assert not [f for f in report.findings if f.rule_id == "ug1099.layer_count.too_few"]


@pytest.mark.parametrize("path", [
    BOARDS / "luna-r0/luna_rev0.kicad_pcb",
    BOARDS / "glasgow-revC3/glasgow.kicad_pcb",
    BOARDS / "sdi-mipi-bridge/sdi-mipi-bridge.kicad_pcb",
    BOARDS / "lpddr4-testbed/lpddr4-testbed.kicad_pcb",
])
def test_shared_boards_give_no_routing_warning_and_at_most_a_note_per_layer(path):
    report, mine, counts = run(path)
    assert not [f for f in mine if f.severity != "info"]
    assert not [f for f in mine if f.rule_id.startswith("clearance.")]
    per = Counter((f.ref, f.rule_id, f.layer) for f in mine)
    assert max(per.values()) == 1
    inside_own_area(report, mine)
    for b in report.bgas:
        assert b.extra["escape"]["layers_needed"] <= b.extra["escape"]["routing_layers"]


def test_luna_wide_escapes_that_keep_the_spacing_are_not_findings():
    report, mine, _ = run(BOARDS / "luna-r0/luna_rev0.kicad_pcb")
    assert not [f for f in mine if f.ref == "IC1" and f.rule_id.startswith("ug1099.t2.")]
    # and the channels were seen: the escapes pass between the balls on F.Cu
    assert report.bgas[0].extra["channels"]["F.Cu"]["ball_channels_used"] > 40
