"""Force-height curves of single joints: the converse of the load-driven force balance."""
import numpy as np
import pytest

from bgacheck.solver import UNPINNED, loaded_joint, mg_to_mN, segment_height
from bgacheck.solver.force_curve import RELATIVE_GRID, force_curves, joint_force

A, V = 0.125, 0.009291  # seed-sized joint [mm, mm^3]
JOINTS = [(0.125, 0.125, 0.009291), (0.075, 0.200, 0.008), (0.200, 0.100, 0.0015),
          (0.200, 0.200, 0.0378)]


@pytest.mark.parametrize("rb, rp, vol", JOINTS)
def test_force_is_zero_exactly_at_the_truncated_sphere_height(rb, rp, vol):
    h0 = float(segment_height(rb, rp, vol))
    got = joint_force(rb, rp, vol, h0)
    assert got["status"][0] == 0
    assert abs(got["force_mN"][0]) < 1e-8  # RK4 along the meridian: 1e-8 of a 0.2 mN scale


@pytest.mark.parametrize("load_mg", [-20.0, -5.0, 1.0, 10.0, 40.0])
def test_force_at_the_loaded_height_is_the_load(load_mg):
    # loaded_joint solves height for a load; joint_force solves force for a height: same meridian.
    load = float(mg_to_mN(load_mg))
    h = loaded_joint(A, A, V, load, gravity=False)["height_mm"][0]
    assert joint_force(A, A, V, h)["force_mN"][0] == pytest.approx(load, rel=1e-7)


def test_force_falls_with_height_through_the_largest_pull_and_beyond():
    h0 = float(segment_height(A, A, V))
    h = h0 * (1 + np.linspace(-0.25, 1.2, 30))
    f = joint_force(A, A, V, h)
    assert np.all(f["status"] == 0)
    k = int(np.argmin(f["force_mN"]))
    assert 0 < k < len(h) - 1  # the load-driven solve folds here; the height-driven one goes on
    assert np.all(np.diff(f["force_mN"][: k + 1]) < 0) and np.all(np.diff(f["force_mN"][k:]) > 0)


def test_too_much_squeeze_is_reported_not_a_number():
    h0 = float(segment_height(A, A, V))
    f = joint_force(A, A, V, 0.55 * h0)
    assert f["status"][0] == UNPINNED and f["force_mN"][0] == 0.0


def test_tables_hold_the_range_and_interpolate_within_a_tenth_of_a_percent():
    curves = force_curves(*map(np.array, zip(*JOINTS, strict=True)))
    for i, (rb, rp, vol) in enumerate(JOINTS):
        lo, hi = curves.squeezed_height_mm[i], curves.necking_height_mm[i]
        assert lo < curves.free_height_mm[i] < hi
        h = np.linspace(lo, hi, 37)[1:-1] + 1e-4  # between knots
        exact = joint_force(rb, rp, vol, h)
        ok = exact["status"] == 0
        f, slope, dia = curves.evaluate(np.full(len(h), i), h)
        scale = np.abs(curves.largest_pull_mN[i])
        assert np.max(np.abs(f[ok] - exact["force_mN"][ok])) < 1e-3 * scale
        assert np.all(slope[ok] <= 0)
        np.testing.assert_allclose(dia[ok], exact["max_diameter_mm"][ok], rtol=2e-3)
    assert RELATIVE_GRID[np.argmin(np.abs(RELATIVE_GRID))] == 0.0


def test_seed_joint_squeezes_at_about_60_mg_and_pulls_at_most_about_23_mg():
    # Consistent with docs/sources.md S5: above about 60 mg per ball the pinned solution bulges.
    c = force_curves([A], [A], [V])
    squeeze_mg = c.evaluate([0], c.squeezed_height_mm)[0][0] / float(mg_to_mN(1.0))
    assert 50 < squeeze_mg < 75
    assert 18 < -c.largest_pull_mN[0] / float(mg_to_mN(1.0)) < 28
