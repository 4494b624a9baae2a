"""Area-array detection on in-memory boards: geometry alone decides, at any rotation or side."""
import pytest

from bgacheck.api import CheckOptions, check_model
from bgacheck.core.detect import OFF_GRID, OFF_GRID_NO_NET, detect_arrays
from bgacheck.core.model import PadAttrib, PadShape
from bgacheck.core.pipeline import summarise
from synth import board, corner_pads, grid_pads, without_net


def one(parts):
    model = board(parts)
    arrays = detect_arrays(model)
    return model, arrays


@pytest.mark.parametrize("rot", [0.0, 90.0, 45.0, 30.0, 180.0, 270.0, 135.0])
@pytest.mark.parametrize("bottom", [False, True])
def test_rotated_and_flipped_array_keeps_its_pitch_rows_and_cols(rot, bottom):
    pads = grid_pads(6, 9, 0.8, 0.65, land=0.3)
    model, arrays = one([("U1", "Lib:BGA-54", 10.0, 20.0, rot, bottom, pads, {})])
    assert len(arrays) == 1
    a = arrays[0]
    assert (a.rows, a.cols, a.balls) == (6, 9, 54)
    assert a.pitch_x_nm == pytest.approx(800_000, abs=2)
    assert a.pitch_y_nm == pytest.approx(650_000, abs=2)
    s = summarise(model, a)
    assert s.side == ("bottom" if bottom else "top")
    assert s.a1["ball"] == "A1" and s.a1["corner"] == "top-left"


def test_depopulated_sites_are_named_by_their_jedec_ball_name():
    pads = grid_pads(5, 5, 1.0, skip=("A1", "C3"))
    model, (a,) = one([("U1", "Lib:BGA-23", 0, 0, 0, False, pads, {})])
    assert a.balls == 23 and (a.rows, a.cols) == (5, 5)
    assert set(a.depopulated) == {"A1", "C3"}
    s = summarise(model, a)
    assert s.a1 == {"ball": "A1", "corner": "top-left", "populated": False}


def test_staggered_array_reports_in_row_pitch_and_min_spacing():
    pads = grid_pads(6, 6, 0.4, 0.3, land=0.22, stagger=True)
    _, (a,) = one([("U1", "Lib:WLCSP-18", 0, 0, 0, False, pads, {})])
    assert a.staggered and a.balls == 18
    assert a.pitch_x_nm == pytest.approx(800_000, abs=2)
    assert a.min_spacing_nm == pytest.approx(500_000, abs=2)
    assert not a.depopulated


def test_two_by_two_chip_scale_part_is_an_array():
    pads = grid_pads(2, 2, 0.4, land=0.2)
    _, arrays = one([("U1", "Lib:WLP-4_0.8x0.8mm", 0, 0, 0, False, pads, {})])
    assert [(a.rows, a.cols, a.balls) for a in arrays] == [(2, 2, 4)]


def test_paste_only_and_thermal_pads_are_ignored_and_listed():
    balls = grid_pads(4, 4, 0.5, land=0.25)
    paste = [("", x, y, 0.27, 0.27) for _, x, y, _, _ in balls]
    thermal = [("EP", 0.0, 0.0, 1.2, 1.2)]
    model = board([
        ("U1", "Lib:DSBGA-16", 0, 0, 0, False, balls + thermal, {}),
    ])
    # Paste-only apertures: a second footprint-less set is modelled as copper-free pads.
    (a,) = detect_arrays(model)
    assert a.balls == 16
    assert "thermal or mounting pad (larger than the balls)" in a.ignored
    model2 = board([("U1", "Lib:DSBGA-16", 0, 0, 0, False, paste, {"copper": False})])
    assert detect_arrays(model2) == []


@pytest.mark.parametrize("fpid,pads,opts", [
    # QFN: one ring of elongated pads plus an exposed pad.
    ("Lib:QFN-16", [(str(i), -1.5 + 0.5 * (i % 4), -1.5 if i < 4 else 1.5, 0.25, 0.8)
                    for i in range(8)] + [("17", 0, 0, 1.6, 1.6)], {}),
    # Tag-Connect style: 2x3 round pads with holes.
    ("Lib:TC2030", grid_pads(2, 3, 1.27, land=0.79), {}),
    # 0402 resistor: two pads.
    ("Lib:R_0402", [("1", -0.5, 0, 0.5, 0.6), ("2", 0.5, 0, 0.5, 0.6)], {}),
    # A 4-pad crystal: pads nearly touching (land/pitch far above a ball grid's).
    ("Lib:Crystal_2016", grid_pads(2, 2, 1.2, land=1.0), {"shape": PadShape.RECT}),
    # Perimeter LGA sensor: a ring with no interior lands.
    ("Lib:LGA-12_2x2mm", [p for p in grid_pads(4, 4, 0.5, land=0.25)
                          if p[0][0] in "AD" or p[0][1:] in ("1", "4")], {}),
])
def test_non_array_footprints_are_never_reported(fpid, pads, opts):
    _, arrays = one([("X1", fpid, 0, 0, 0, False, pads, opts)])
    assert arrays == []


def test_smd_and_nsmd_are_classified_per_pad():
    pads = grid_pads(3, 3, 0.8, land=0.4)
    model = board([("U1", "Lib:BGA-9", 0, 0, 0, False, pads, {"mask_margin": -0.05})])
    (a,) = detect_arrays(model)
    assert summarise(model, a).pad_type == "SMD"
    model = board([("U1", "Lib:BGA-9", 0, 0, 0, False, pads, {"mask_margin": 0.0})])
    (a,) = detect_arrays(model)
    assert summarise(model, a).pad_type == "NSMD"


def test_multi_pitch_package_keeps_the_second_field():
    outer = [p for p in grid_pads(10, 10, 0.5, land=0.25)
             if p[0][0] in "ABJK" or p[0][1:] in ("1", "2", "9", "10")]
    inner = [(f"Z{i}", x, y, 0.25, 0.25) for i, (_, x, y, _, _) in
             enumerate(grid_pads(3, 3, 0.65, land=0.25))]
    _, (a,) = one([("U1", "Lib:TFBGA-P0.5mmP0.65mm", 0, 0, 0, False, outer + inner, {})])
    assert a.pitch_x_nm == pytest.approx(500_000, abs=2)
    assert a.balls == len(outer) + 9
    assert a.fields and a.fields[0]["pitch_mm"] == [0.65, 0.65]


def test_through_hole_pads_are_not_balls():
    pads = grid_pads(4, 4, 1.0, land=0.5)
    _, arrays = one([("J1", "Lib:Header", 0, 0, 0, False, pads,
                      {"attrib": PadAttrib.PTH, "drill": 0.3})])
    assert arrays == []


def test_empty_middle_columns_are_named_in_the_jedec_sequence():
    # DDR4 x16 style: columns 1-3 and 7-9 populated, 4-6 empty in every row.
    skip = {f"{r}{c}" for r in "ABCD" for c in (4, 5, 6)}
    pads = grid_pads(4, 9, 0.8, land=0.4, skip=skip)
    _, (a,) = one([("U1", "Lib:BGA-24", 0, 0, 0, False, pads, {})])
    assert set(a.depopulated) == skip


def test_rows_skip_the_letters_jedec_leaves_out():
    pads = grid_pads(10, 3, 1.0, land=0.5, skip={f"H{c}" for c in (1, 2, 3)})
    _, (a,) = one([("U1", "Lib:BGA-27", 0, 0, 0, False, pads, {})])
    # rows A..K without I: the empty eighth row is H; the row after it is J, not I
    assert set(a.depopulated) == {"H1", "H2", "H3"}


# Pads off the ball grid: local fiducials and odd pads are set aside, the array is kept.

@pytest.mark.parametrize("rows", [10, 5])
@pytest.mark.parametrize("rot,bottom", [(0.0, False), (90.0, True), (45.0, False)])
def test_local_fiducials_are_listed_as_ignored_and_the_array_kept(rows, rot, bottom):
    # Round 0.5 mm copper pads on no net at three corners: ball-shaped next to 0.4 mm lands.
    balls = grid_pads(rows, rows, 0.8, land=0.4)
    fids = corner_pads(rows, rows, 0.8, d=0.5)
    model = without_net(board([("U1", "Lib:BGA-100", 5, 5, rot, bottom, balls + fids, {})]),
                        {"FID1", "FID2", "FID3"})
    (a,) = detect_arrays(model)
    assert (a.balls, a.rows, a.cols) == (rows * rows, rows, rows)
    assert a.pitch_x_nm == pytest.approx(800_000, abs=2) and not a.depopulated
    assert a.ignored == {OFF_GRID_NO_NET: ["FID1", "FID2", "FID3"]}
    assert summarise(model, a).ignored_pads == {OFF_GRID_NO_NET: ["FID1", "FID2", "FID3"]}
    assert not {model.pads.number[i] for i in a.ball_pads} & {"FID1", "FID2", "FID3"}


def test_four_corner_fiducials_are_not_taken_for_a_second_ball_field():
    balls = grid_pads(10, 10, 0.8, land=0.4)
    fids = corner_pads(10, 10, 0.8, corners=((-1, -1), (1, -1), (-1, 1), (1, 1)))
    _, (a,) = one([("U1", "Lib:BGA-100", 0, 0, 0, False, balls + fids, {})])
    assert a.balls == 100 and a.fields == []
    assert a.ignored == {OFF_GRID: ["FID1", "FID2", "FID3", "FID4"]}


def test_grid_with_a_few_off_grid_pads_inside_is_still_detected():
    # Two lands drawn 0.15 mm off their sites (a hand-edited footprint): 142 of 144 on the grid.
    pads = [(n, x + 0.15, y, w, h) if n in ("C5", "K9") else (n, x, y, w, h)
            for n, x, y, w, h in grid_pads(12, 12, 0.8, land=0.4)]
    for fpid in ("Lib:BGA-144", "Lib:U_Custom_144"):  # a deep grid needs no name
        _, (a,) = one([("U1", fpid, 0, 0, 0, False, pads, {})])
        assert (a.balls, a.rows, a.cols) == (142, 12, 12)
        assert a.ignored == {OFF_GRID: ["C5", "K9"]}
        assert set(a.depopulated) == {"C5", "K9"}


def test_module_ring_with_odd_pads_in_its_centre_is_not_an_array():
    # A radio module's two-deep ring of lands on a 0.8 mm grid with three pads in its empty
    # centre, off the grid (Laird BL653 style): 68 of 71 on the grid, still no area array.
    ring = [p for p in grid_pads(9, 12, 0.8, land=0.5)
            if min(int(p[0][1:]) - 1, 12 - int(p[0][1:])) < 2
            or "ABCDEFGHJ".index(p[0][0]) in (0, 1, 7, 8)]
    centre = [(f"X{k}", 0.0, y, 0.5, 0.5) for k, y in enumerate((-1.875, 0.0, 1.875))]
    _, arrays = one([("M1", "RF_Module:Radio_Module", 0, 0, 0, False, ring + centre, {})])
    assert arrays == []
    # The same pads in a footprint that says ball package: the odd pads are set aside.
    _, (a,) = one([("U1", "Lib:BGA-71", 0, 0, 0, False, ring + centre, {})])
    assert a.balls == 68 and a.ignored == {OFF_GRID: ["X0", "X1", "X2"]}


@pytest.mark.parametrize("name,extra", [
    # 4 x 4 = 16 balls with three odd pads: too few balls to tell a grid from a coincidence.
    ("small", lambda: grid_pads(4, 4, 0.8, land=0.4, skip=("B2",)) + corner_pads(4, 4, 0.8)),
    # 20 % of the pads off the grid inside the field: not "mostly on a grid".
    ("many", lambda: [(n, x + (0.2 if k % 5 == 0 else 0), y, w, h)
                      for k, (n, x, y, w, h) in enumerate(grid_pads(8, 8, 0.8, land=0.4))]),
])
def test_too_few_balls_or_too_many_off_grid_pads_are_still_rejected(name, extra):
    _, arrays = one([("U1", "Lib:Part", 0, 0, 0, False, extra(), {})])
    assert arrays == []


# Staggered arrays: the rules follow the nearest-neighbour pitch.

def test_staggered_rule_pitch_is_the_nearest_neighbour_distance():
    pads = grid_pads(8, 10, 0.4, 0.3, land=0.25, stagger=True)
    model = board([("U1", "Lib:BGA-40_Staggered", 0, 0, 0, False, pads, {})])
    (a,) = detect_arrays(model)
    assert a.staggered
    # in-row and in-column pitches (the geometry) stay 0.8 and 0.6; balls are 0.5 apart
    assert (a.pitch_x_nm, a.pitch_y_nm) == pytest.approx((800_000, 600_000), abs=2)
    assert a.rule_pitch_nm == pytest.approx((500_000, 500_000), abs=2)
    s = summarise(model, a)
    assert s.staggered and s.pitch_mm == (0.8, 0.6)
    report = check_model(model, CheckOptions())
    rules = report.bgas[0].extra["rules"]
    assert rules["pitch_mm"] == pytest.approx(0.5) and rules["row_pitch_mm"] == pytest.approx(0.5)
    assert "0.5 mm" in rules["match"]


def test_staggered_spacing_takes_the_in_column_neighbour_when_it_is_nearer():
    # half-grid steps 0.5 x 0.2: the diagonal is 0.539 mm, the ball below is 0.4 mm away
    pads = grid_pads(8, 8, 0.5, 0.2, land=0.15, stagger=True)
    _, (a,) = one([("U1", "Lib:BGA-32_Staggered", 0, 0, 0, False, pads, {})])
    assert a.staggered
    assert a.min_spacing_nm == pytest.approx(400_000, abs=2)
    assert a.rule_pitch_nm == pytest.approx((400_000, 400_000), abs=2)


def test_regular_array_rule_pitch_is_its_grid_pitch():
    _, (a,) = one([("U1", "Lib:BGA-54", 0, 0, 0, False, grid_pads(6, 9, 0.8, 0.65, land=0.3),
                    {})])
    assert a.rule_pitch_nm == pytest.approx((800_000, 650_000), abs=2)
