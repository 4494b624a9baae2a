"""Force balance under package weight (Young-Laplace): the closed form and published magnitudes."""
import numpy as np
import pytest

from bgacheck.solver import (
    NO_EQUILIBRIUM,
    UNPINNED,
    loaded_joint,
    mg_to_mN,
    predict_bga_standoff,
    segment_height,
    solve_joints,
)

A, V = 0.125, 0.009291  # seed-sized joint [mm, mm^3]


def test_zero_load_reproduces_truncated_sphere_exactly():
    closed = solve_joints(ball_d_mm=0.25, pkg_d_mm=0.25, board_d_mm=0.25, paste_metal_mm3=0.002)
    loaded = solve_joints(ball_d_mm=0.25, pkg_d_mm=0.25, board_d_mm=0.25, paste_metal_mm3=0.002,
                          load_mN=0.0, gravity=False)
    assert loaded["height_mm"] == closed["height_mm"]
    assert loaded["rim_angle_board_deg"] == closed["rim_angle_board_deg"]


def test_shooting_solver_at_zero_load_agrees_with_closed_form():
    rb = np.array([0.125, 0.075, 0.2])
    rp = np.array([0.125, 0.2, 0.1])
    vol = np.array([V, 0.008, 0.0015])
    got = loaded_joint(rb, rp, vol, 0.0, gravity=False)
    np.testing.assert_allclose(got["height_mm"], segment_height(rb, rp, vol), rtol=1e-7)


@pytest.mark.parametrize("load_mg, drop_low, drop_high",
                         [(1, 0.004, 0.010), (10, 0.05, 0.07), (50, 0.23, 0.29)])
def test_load_lowers_height_by_published_magnitudes(load_mg, drop_low, drop_high):
    # docs/sources.md S5: 1 mg about 0.7 %, 10 mg about 6 %, 50 mg about 26 %.
    h0 = float(segment_height(A, A, V))
    h = loaded_joint(A, A, V, mg_to_mN(load_mg), gravity=False)["height_mm"][0]
    assert drop_low < 1 - h / h0 < drop_high


def test_load_past_60_mg_is_reported_invalid_not_a_height():
    got = loaded_joint(A, A, V, mg_to_mN([70.0, 200.0]), gravity=False)
    assert set(got["status"]) <= {UNPINNED, NO_EQUILIBRIUM}
    assert np.all(got["height_mm"] == 0.0)


def test_hanging_part_is_taller_and_too_heavy_part_has_no_equilibrium():
    h0 = float(segment_height(A, A, V))
    hang = loaded_joint(A, A, V, mg_to_mN([-10.0, -40.0]), gravity=False)
    assert hang["height_mm"][0] > h0
    assert hang["status"][1] == NO_EQUILIBRIUM


def test_brakke_bga5_settles_near_1_05_mm():
    # Brakke's bga-5 (cgs): pads r = 0.1 cm, volume 1.3 pi r^2 x 0.12 cm, tension 480 erg/cm^2,
    # density 9 g/cm^3, load 200 dyn; "decreases the height from 0.12 to about 0.105".
    vol = 1.3 * np.pi * 1.0 ** 2 * 1.2
    got = loaded_joint(1.0, 1.0, vol, 2.0, surface_tension=0.48, density=9.0, gravity=True)
    assert got["height_mm"][0] == pytest.approx(1.045, abs=0.01)


def test_heavier_package_gets_lower_standoff_per_ball():
    light = predict_bga_standoff(0.25, 0.25, "smd", 0.25, "nsmd", mass_g=0.399, balls=233)
    heavy = predict_bga_standoff(0.25, 0.25, "smd", 0.25, "nsmd", mass_g=2.0, balls=233)
    none = predict_bga_standoff(0.25, 0.25, "smd", 0.25, "nsmd")
    assert float(heavy.height_mm) < float(light.height_mm) < float(none.height_mm)
    assert light.load_mg_per_ball == pytest.approx(399 / 233)
