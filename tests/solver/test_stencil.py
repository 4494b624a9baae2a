"""Stencil apertures and IPC-7525 print checks."""
import numpy as np
import pytest

from bgacheck.solver import (
    aperture_area,
    aperture_perimeter,
    area_ratio,
    aspect_ratio,
    transfer_efficiency,
)


def test_round_area_ratio_is_d_over_4t():
    assert float(area_ratio("round", 0.25, stencil_mm=0.1)) == pytest.approx(0.25 / 0.4)


def test_roundrect_with_full_radius_is_a_circle_and_zero_radius_a_rectangle():
    assert float(aperture_area("roundrect", 0.3, 0.3, 0.15)) == pytest.approx(np.pi * 0.15 ** 2)
    assert float(aperture_perimeter("roundrect", 0.3, 0.3, 0.15)) == pytest.approx(np.pi * 0.3)
    assert float(aperture_area("roundrect", 0.3, 0.2, 0.0)) == pytest.approx(0.06)
    assert float(aperture_perimeter("rect", 0.3, 0.2)) == pytest.approx(1.0)


def test_aspect_ratio_uses_the_narrow_side():
    assert float(aspect_ratio("rect", 0.4, 0.2, stencil_mm=0.1)) == pytest.approx(2.0)


def test_transfer_efficiency_falls_only_below_area_ratio_066():
    te = transfer_efficiency(np.array([0.9, 0.66, 0.5, 0.33]), nominal=0.9)
    np.testing.assert_allclose(te, [0.9, 0.9, 0.9 * 0.5 / 0.66, 0.45])


def test_unknown_aperture_shape_is_a_value_error_naming_the_choices():
    with pytest.raises(ValueError, match="round, square, rect, roundrect"):
        aperture_area("oval", 0.3)
