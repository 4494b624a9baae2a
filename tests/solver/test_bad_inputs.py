"""Bad inputs give a status or a clear error, never NaN and never a crash."""
import numpy as np
import pytest

from bgacheck.solver import (
    INSUFFICIENT_SOLDER,
    INVALID_INPUT,
    OK,
    predict_bga_standoff,
    solve_joints,
)


def _all_finite(res):
    for name in ("height_mm", "pad_gap_mm", "collapse_mm", "tolerance_mm", "rim_angle_board_deg",
                 "rim_angle_pkg_deg", "max_diameter_mm", "area_ratio", "aspect_ratio"):
        assert np.all(np.isfinite(getattr(res, name))), name


def test_negative_nan_and_infinite_sizes_are_invalid_input_with_finite_outputs():
    res = predict_bga_standoff([0.25, -0.1, np.nan, np.inf], 0.25, "smd", 0.25, "nsmd")
    assert list(res.status) == [OK, INVALID_INPUT, INVALID_INPUT, INVALID_INPUT]
    assert list(res.valid) == [True, False, False, False]
    _all_finite(res)
    assert "invalid input" in res.messages[1]


def test_ball_too_small_to_fill_the_recess_is_an_open_joint():
    res = predict_bga_standoff(0.05, 0.25, "smd", 0.25, "nsmd", paste_shape="none")
    assert res.status == INSUFFICIENT_SOLDER
    assert "insufficient solder" in res.messages[0]
    _all_finite(res)


def test_zero_pad_diameter_is_invalid():
    out = solve_joints(ball_d_mm=0.25, pkg_d_mm=0.0, board_d_mm=0.25)
    assert out["status"] == INVALID_INPUT and out["height_mm"] == 0.0


@pytest.mark.parametrize("kwargs, match", [
    ({"pkg_pad_type": "bga"}, "smd, nsmd, nsmd_wrap, disk"),
    ({"paste_shape": "oval"}, "round, square"),
    ({"board_pad_type": "smd"}, "mask opening"),
])
def test_unknown_choices_raise_value_error(kwargs, match):
    args = dict(ball_d_mm=0.25, pkg_pad_d_mm=0.25, pkg_pad_type="smd", board_land_d_mm=0.25,
                board_pad_type="nsmd")
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        predict_bga_standoff(**args)
