"""Closed-form spherical segment: identities, exact re-integration, joints with centre outside."""
import numpy as np
import pytest

from bgacheck.solver import segment_height, segment_shape, segment_volume, zone_volume

RNG = np.random.default_rng(7)
A_B = RNG.uniform(0.05, 0.5, 2000)
A_P = RNG.uniform(0.05, 0.5, 2000)
# Volumes from thin LGA films to large balls; films of a few um on very unequal pads (sphere radius
# ~50 mm) make the two zone volumes cancel, so the zone-sum check below stays above 2e-3 mm^3.
VOL = RNG.uniform(2e-3, 0.2, 2000)


def test_zone_volumes_sum_to_segment_volume():
    h = RNG.uniform(0.01, 0.6, A_B.size)
    shape = segment_shape(A_B, A_P, h)
    zones = zone_volume(A_B, shape["h_board_mm"]) + zone_volume(A_P, shape["h_pkg_mm"])
    np.testing.assert_allclose(zones, segment_volume(A_B, A_P, h), rtol=1e-10)


def test_solved_joint_reintegrates_to_its_volume_within_1e9():
    h = segment_height(A_B, A_P, VOL)
    shape = segment_shape(A_B, A_P, h)
    back = zone_volume(A_B, shape["h_board_mm"]) + zone_volume(A_P, shape["h_pkg_mm"])
    np.testing.assert_allclose(back, VOL, rtol=1e-9)
    thin = RNG.uniform(1e-6, 2e-3, 2000)
    np.testing.assert_allclose(segment_volume(A_B, A_P, segment_height(A_B, A_P, thin)), thin,
                               rtol=1e-12)


def test_both_rims_lie_on_one_sphere():
    h = segment_height(A_B, A_P, VOL)
    s = segment_shape(A_B, A_P, h)
    np.testing.assert_allclose(np.hypot(A_P, s["h_pkg_mm"]), s["sphere_radius_mm"], rtol=1e-12)
    np.testing.assert_allclose(s["h_board_mm"] + s["h_pkg_mm"], h, rtol=1e-12)


def test_thin_wide_joint_keeps_full_precision():
    # LGA-like: 1e-7 mm^3 on 0.5 mm pads, where the textbook Cardano sum cancels badly.
    h = segment_height(0.5, 0.5, 1e-7)
    assert float(segment_volume(0.5, 0.5, h)) == pytest.approx(1e-7, rel=1e-12)


def test_small_board_pad_against_large_package_opening_has_centre_outside_joint():
    # 0.15 mm board pad against 0.40 mm package opening (docs/sources.md S1): the seed's stepping
    # fails here.
    h = segment_height(0.075, 0.200, 0.004)
    s = segment_shape(0.075, 0.200, h)
    assert h > 0 and s["h_pkg_mm"] < 0 < s["h_board_mm"]
    volume = zone_volume(0.075, s["h_board_mm"]) + zone_volume(0.2, s["h_pkg_mm"])
    assert float(volume) == pytest.approx(0.004, rel=1e-9)
    assert s["max_diameter_mm"] == pytest.approx(0.4)
    assert s["rim_angle_pkg_deg"] < 90.0 < s["rim_angle_board_deg"]


def test_equal_pads_give_symmetric_rim_angles_and_bulge():
    s = segment_shape(0.125, 0.125, 0.15)
    assert s["rim_angle_board_deg"] == pytest.approx(s["rim_angle_pkg_deg"])
    assert s["rim_angle_board_deg"] > 90.0
    assert s["max_diameter_mm"] == pytest.approx(2 * s["sphere_radius_mm"])


def test_height_grows_with_volume_and_zero_volume_gives_zero():
    h = segment_height(0.125, 0.125, np.array([0.0, 0.001, 0.01, 0.1]))
    assert h[0] == 0.0
    assert np.all(np.diff(h) > 0)
