"""Detection over KiCad's own footprint libraries, placed at 7 rotations and on both sides."""
import re
import sys

import pytest

from bgacheck import api
from paths import BGA_LIBRARY, REPO

sys.path.insert(0, str(REPO / "fixtures"))
from library_board import make_library_board  # noqa: E402

pytestmark = pytest.mark.kicad

NON_ARRAY_LIBRARIES = [
    "Package_DFN_QFN", "Package_SO", "Package_QFP", "Package_TO_SOT_SMD", "Package_SON",
    "Package_LCC", "Package_DirectFET", "Resistor_SMD", "Capacitor_SMD", "Inductor_SMD",
    "Diode_SMD", "Crystal", "Oscillator", "LED_SMD", "Fuse", "Button_Switch_SMD", "TestPoint",
    "Fiducial", "Connector_USB", "Connector_Hirose_DF40", "Connector_PinHeader_1.27mm",
    "RF_Module", "RF_Shielding", "Sensor_Motion", "Sensor_Pressure",
]
"""Libraries that hold no area arrays: QFNs (aQFN too), SOICs, passives, connectors, modules."""

# Footprints whose own geometry disagrees with their name, checked by hand in the .kicad_mod:
NAME_DISAGREES = {
    # 134 pads (A1..M12 less 10 sites) although the name says 133.
    "Linear_BGA-133_15.0x15.0mm_Layout12x12_P1.27mm": {"balls": 134},
    # Pads sit on a 1.0 mm grid (x from -6 to 6 step 1) although the name says P0.5mm.
    "BGA-152_14x18mm_Layout13x17_P0.5mm": {"pitch": (1.0, 1.0)},
    # 8 pads (A1, A3, B2, C1, C3, D2, E1, E3) although the name says 15.
    "Fujitsu_WLP-15_2.28x3.092mm_Layout3x5_P0.4mm": {"balls": 8},
}


@pytest.fixture(scope="module")
def bga_report(tmp_path_factory, pcbnew_module):
    path = tmp_path_factory.mktemp("lib") / "package_bga.kicad_pcb"
    placed = make_library_board(str(path), [str(BGA_LIBRARY)])
    report = api.check_file(str(path), api.CheckOptions(checks=False))
    return placed, {b.ref: b for b in report.bgas}


def _stated(name):
    balls = re.search(r"(?:BGA|WLP|CSP)-(\d+)_", name)
    layout = re.search(r"_Layout(\d+)x(\d+)_", name)
    pitch = re.search(r"_P([\d.]+)(?:x([\d.]+))?mm", name)
    return (int(balls.group(1)) if balls else None,
            (int(layout.group(1)), int(layout.group(2))) if layout else None,
            (float(pitch.group(1)), float(pitch.group(2) or pitch.group(1))) if pitch else None)


def test_every_footprint_of_the_bga_library_is_detected(bga_report):
    placed, found = bga_report
    assert len(placed) >= 234
    missing = [p["name"] for p in placed if p["ref"] not in found]
    assert missing == []


def test_ball_count_layout_and_pitch_match_the_footprint_name(bga_report):
    placed, found = bga_report
    wrong, checked = [], 0
    for p in placed:
        b = found[p["ref"]]
        balls, layout, pitch = _stated(p["name"])
        known = NAME_DISAGREES.get(p["name"], {})
        balls = known.get("balls", balls)
        pitch = known.get("pitch", pitch)
        if balls is not None and b.balls != balls:
            wrong.append((p["name"], "balls", b.balls))
        if layout is not None and (b.cols, b.rows) != layout and not b.staggered:
            wrong.append((p["name"], "layout", (b.cols, b.rows)))
        if pitch is not None:
            px, py = b.pitch_mm
            if b.staggered:  # names quote the half pitch, the in-row pitch or the spacing
                spacing = round((px * px + py * py) ** 0.5 / 2, 4)
                ok = pitch[0] in (px, py, px / 2, py / 2, spacing)
            elif pitch[0] != pitch[1]:
                ok = (px, py) == pitch
            else:
                # A single stated pitch is the ball pitch; the other axis may be a multiple
                # (Texas DSBGA-5 3x2: 0.5 mm across, 1.0 mm between its two rows).
                ok = min(px, py) == pitch[0] and round(max(px, py) / pitch[0], 6) % 1 == 0
            if not ok:
                wrong.append((p["name"], "pitch", b.pitch_mm))
        checked += balls is not None or pitch is not None
    assert wrong == []
    assert checked >= 190  # names that state a count or a pitch


def test_rotation_and_side_do_not_change_the_result(bga_report):
    placed, found = bga_report
    sides = {found[p["ref"]].side for p in placed}
    rotations = {p["rot_deg"] for p in placed}
    assert sides == {"top", "bottom"} and len(rotations) == 7


def test_no_footprint_of_non_array_libraries_is_reported(tmp_path, pcbnew_module):
    path = tmp_path / "mixed.kicad_pcb"
    placed = make_library_board(str(path), NON_ARRAY_LIBRARIES)
    assert len(placed) > 3000
    report = api.check_file(str(path), api.CheckOptions(checks=False))
    assert [(b.ref, b.footprint) for b in report.bgas] == []


def test_land_grid_arrays_are_found_as_lga_and_perimeter_lgas_are_not(tmp_path, pcbnew_module):
    path = tmp_path / "lga.kicad_pcb"
    make_library_board(str(path), ["Package_LGA"])
    report = api.check_file(str(path), api.CheckOptions(checks=False))
    names = {b.footprint.split(":")[-1]: b for b in report.bgas}
    # Checked by hand: only these two of the 40 LGA footprints have lands inside their ring.
    assert set(names) == {"ublox_LGA-53_4.5x4.5mm_Layout9x9_P0.5mm",
                          "Linear_LGA-133_15.0x15.0mm_Layout12x12_P1.27mm"}
    assert {b.kind for b in names.values()} == {"LGA"}
