"""The seed's measured case (Darveaux et al., Skyworks): 0.25 mm ball, SMD 0.25 package, board."""
import numpy as np
import pytest

from bgacheck.solver import bga_kernel, monte_carlo, predict_bga_standoff

SEED = dict(ball_d_mm=0.25, pkg_pad_d_mm=0.25, pkg_pad_type="smd", board_land_d_mm=0.25,
            board_pad_type="nsmd")


def test_mounted_height_is_within_10_percent_of_measured_0_145():
    res = predict_bga_standoff(**SEED, stencil_mm=0.1, paste_w_mm=0.25)
    assert res.status == 0
    assert float(res.height_mm) == pytest.approx(0.145, rel=0.10)


def test_as_attached_height_is_within_10_percent_of_0_180():
    res = predict_bga_standoff(**SEED)
    assert float(res.attached_height_mm) == pytest.approx(0.180, rel=0.10)
    assert float(res.collapse_mm) > 0


def test_side_wall_wetting_lowers_the_pad_metal_gap_versus_cu_top():
    top = predict_bga_standoff(**{**SEED, "board_pad_type": "nsmd"})
    wrap = predict_bga_standoff(**{**SEED, "board_pad_type": "nsmd_wrap"})
    assert float(wrap.pad_gap_mm) < float(top.pad_gap_mm)
    assert float(wrap.height_mm) > float(top.height_mm)  # measured from the laminate instead


def test_lga_joint_is_near_0_025():
    # Same rule set without the ball (seed Fig. 9: 0.025 mm); stencil table not published, same
    # stencil assumed.
    res = predict_bga_standoff(**{**SEED, "ball_d_mm": 0.0})
    assert res.status == 0
    assert float(res.height_mm) == pytest.approx(0.025, rel=0.15)
    assert float(res.collapse_mm) < 0  # an LGA part rises


def test_rss_tolerance_is_of_the_order_of_0_012_and_ball_dominates():
    res = predict_bga_standoff(**SEED)
    assert 0.006 < float(res.tolerance_mm) < 0.018
    assert next(iter(res.tolerance_contributions)) == "ball_d_mm"


def test_monte_carlo_sd_matches_measured_0_003_and_is_reproducible():
    params = dict(SEED, paste_w_mm=0.25, stencil_mm=0.1, pkg_mask_t_mm=0.02, te_nominal=0.9)
    tol = {"ball_d_mm": 0.005, "pkg_pad_d_mm": 0.010, "board_land_d_mm": 0.010,
           "pkg_mask_t_mm": 0.003,
           "stencil_mm": 0.005, "paste_w_mm": 0.005, "te_nominal": 0.10}
    a = monte_carlo(bga_kernel, params, tol, n_draws=2000, n_balls=10, seed=3)
    b = monte_carlo(bga_kernel, params, tol, n_draws=2000, n_balls=10, seed=3)
    assert a == b
    assert 0.0015 < a.sd_mm < 0.0045
    assert a.invalid_fraction == 0.0
    assert sum(a.variance_share.values()) == pytest.approx(1.0)
    assert next(iter(a.variance_share)) == "ball_d_mm"


def test_per_ball_arrays_are_solved_in_one_call():
    d = np.linspace(0.24, 0.26, 50)
    res = predict_bga_standoff(d, 0.25, "smd", 0.25, "nsmd")
    assert res.height_mm.shape == (50,)
    assert np.all(np.diff(res.height_mm) > 0)
    assert res.tolerance_mm.shape == (50,)
