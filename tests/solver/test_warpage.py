"""A rigid warped package on molten joints: the balance against brute force, symmetric cases,
and the head-in-pillow trend of the published warpage cases (docs/sources.md S7, S8)."""
import numpy as np
import pytest

from bgacheck.solver import bga_kernel, loaded_joint, segment_height
from bgacheck.solver.force_curve import force_curves, joint_force
from bgacheck.solver.load import G_STANDARD
from bgacheck.solver.warpage import (
    JOINT_HEAD_IN_PILLOW,
    JOINT_OK,
    JOINT_STRETCHED,
    absorbable_warpage,
    bowl_shape,
    bulge_gaps,
    premelt_lift,
    solve_package,
)

# A 0.8 mm pitch joint: 0.40 mm ball, 0.40 mm SMD package opening, 0.40 mm NSMD land,
# 0.40 mm aperture in a 0.12 mm stencil (the solver's defaults otherwise).
JOINT = bga_kernel(ball_d_mm=0.40, pkg_pad_d_mm=0.40, board_land_d_mm=0.40, paste_w_mm=0.40,
                   stencil_mm=0.12)
V08 = float(JOINT["volume_segment_mm3"])
LEAN = bga_kernel(ball_d_mm=0.40, pkg_pad_d_mm=0.40, board_land_d_mm=0.40, paste_w_mm=0.30,
                  stencil_mm=0.12)
V08_LEAN = float(LEAN["volume_segment_mm3"])


def grid(n, m=None, pitch=0.8):
    m = m or n
    r, c = np.meshgrid(np.arange(n), np.arange(m), indexing="ij")
    return ((c - (m - 1) / 2) * pitch).ravel(), ((r - (n - 1) / 2) * pitch).ravel()


def dense_exact(curves_in):
    """Exact Young-Laplace force on a dense height grid per joint (2,001 heights)."""
    out = []
    for a_b, a_p, vol in curves_in:
        h0 = float(segment_height(a_b, a_p, vol))
        h = h0 * np.linspace(0.72, 1.40, 4001)
        f = joint_force(a_b, a_p, vol, h)
        assert np.all(f["status"] == 0)
        out.append((h, f["force_mN"]))
    return out


def brute_force(x, y, curve, dense, shape, mass_g, levels=30, n=21):
    """Minimise the package's potential energy on a zooming (z, a, b) grid: the force balance's
    solution without Newton, tables or derivatives. The potential of joint i is minus the
    integral of its exact force (linear between the dense heights, so integrated exactly);
    the weight adds W z."""
    tables = []
    for h, f in dense:
        cum = np.concatenate([[0.0], np.cumsum(0.5 * (f[1:] + f[:-1]) * np.diff(h))])
        tables.append((h, f, cum, np.diff(f) / np.diff(h)))
    weight = mass_g * G_STANDARD

    def potential(g, table):
        h, f, cum, slope = table
        k = np.clip(np.searchsorted(h, g) - 1, 0, len(h) - 2)
        d = g - h[k]
        return -(cum[k] + f[k] * d + 0.5 * slope[k] * d * d)

    def energy(z, a, b):
        g = z[:, None] + a[:, None] * x[None] + b[:, None] * y[None] + shape[None]
        e = weight * z
        for k, table in enumerate(tables):
            e = e + potential(g[:, curve == k], table).sum(axis=1)
        return e

    h0 = np.array([d[0][len(d[0]) // 2] for d in dense])
    centre = np.array([np.mean(h0[curve] - shape), 0.0, 0.0])
    span = np.array([0.05, 0.02, 0.02])
    for _ in range(levels):
        axes = [centre[j] + span[j] * np.linspace(-1, 1, n) for j in range(3)]
        zz, aa, bb = (v.ravel() for v in np.meshgrid(*axes, indexing="ij"))
        k = int(np.argmin(energy(zz, aa, bb)))
        centre = np.array([zz[k], aa[k], bb[k]])
        span = span * 0.5
    return centre


CASES = [
    # (name, rows, cols, lean balls, shape kind, warpage [mm], mass [g], centre offset [mm])
    ("2x2", 2, 2, (), "bowl", 0.06, 0.05, (0.1, -0.05)),
    ("3x3", 3, 3, (0, 1), "bowl", -0.05, 0.2, (0.0, 0.2)),
    ("10x10", 10, 10, tuple(range(0, 100, 7)), "bowl", 0.08, 1.5, (0.3, 0.1)),
]


@pytest.mark.parametrize("name, rows, cols, lean, kind, w, mass, offset", CASES,
                         ids=[c[0] for c in CASES])
def test_balance_matches_brute_force_energy_minimum(name, rows, cols, lean, kind, w, mass, offset):
    x, y = grid(rows, cols)
    curve = np.zeros(len(x), np.int64)
    curve[list(lean)] = 1  # balls with less paste: an unsymmetric package that must tilt
    joints = [(0.2, 0.2, V08), (0.2, 0.2, V08_LEAN)]
    curves = force_curves(*map(np.array, zip(*joints, strict=True)))
    xo, yo = x - offset[0], y - offset[1]  # weight off the centre of the array
    shape = bowl_shape(x, y, w)
    bal = solve_package(xo, yo, curve, curves, shape, mass)
    assert bal.converged and np.all(bal.status == JOINT_OK)
    z, a, b = brute_force(xo, yo, curve, dense_exact(joints), shape, mass)
    assert bal.z_mm == pytest.approx(z, abs=2e-6)
    assert bal.tilt_x == pytest.approx(a, abs=5e-6) and bal.tilt_y == pytest.approx(b, abs=5e-6)
    brute_heights = z + a * xo + b * yo + shape
    np.testing.assert_allclose(bal.height_mm, brute_heights, atol=5e-6)
    # and the exact Young-Laplace forces at the balance's heights do balance the weight
    exact = np.concatenate([joint_force(*joints[k], bal.height_mm[curve == k])["force_mN"]
                            for k in (0, 1)])
    order = np.concatenate([np.flatnonzero(curve == k) for k in (0, 1)])
    f = np.empty_like(exact)
    f[order] = exact
    weight = mass * G_STANDARD
    assert f.sum() == pytest.approx(weight, abs=2e-3 * max(weight, 0.1))
    assert abs(f @ xo) < 2e-3 * max(weight, 0.1) * np.abs(xo).max()
    assert abs(f @ yo) < 2e-3 * max(weight, 0.1) * np.abs(yo).max()


def test_flat_weightless_package_sits_at_todays_single_height():
    x, y = grid(10)
    curves = force_curves([0.2], [0.2], [V08])
    bal = solve_package(x, y, 0, curves, 0.0, 0.0)
    np.testing.assert_allclose(bal.height_mm, float(JOINT["height_mm"]), rtol=1e-12)
    assert bal.tilt_x == 0.0 and bal.tilt_y == 0.0


def test_flat_heavy_package_sits_at_the_loaded_height_of_its_share():
    x, y = grid(10)
    curves = force_curves([0.2], [0.2], [V08])
    bal = solve_package(x, y, 0, curves, 0.0, 2.0)  # 2 g on 100 balls: 20 mg each
    expected = loaded_joint(0.2, 0.2, V08, 2.0 * G_STANDARD / 100, gravity=False)["height_mm"][0]
    np.testing.assert_allclose(bal.height_mm, expected, rtol=2e-4)


def test_pure_tilt_is_taken_up_by_the_package_and_held_level_gives_a_linear_field():
    x, y = grid(6)
    curves = force_curves([0.2], [0.2], [V08])
    tilt = 0.004 * x - 0.003 * y  # a board sloping under the part
    free = solve_package(x, y, 0, curves, tilt, 0.5)
    flat = solve_package(x, y, 0, curves, 0.0, 0.5)
    np.testing.assert_allclose(free.height_mm, flat.height_mm, atol=1e-9)
    assert free.tilt_x == pytest.approx(-0.004, abs=1e-9)
    level = solve_package(x, y, 0, curves, tilt, 0.5, tilt=False)
    fit, *_ = np.linalg.lstsq(np.column_stack([np.ones_like(x), x, y]), level.height_mm, rcond=None)
    np.testing.assert_allclose(level.height_mm, fit[0] + fit[1] * x + fit[2] * y, atol=1e-12)
    assert (fit[1], fit[2]) == pytest.approx((0.004, -0.003), abs=1e-12)
    assert level.force_mN.sum() == pytest.approx(0.5 * G_STANDARD, rel=1e-9)


def test_premelt_lift_rests_on_the_lowest_balls():
    s = bowl_shape([0.0, 1.0, 2.0], [0.0, 0.0, 0.0], 0.1)
    assert premelt_lift(s).tolist() == pytest.approx([0.0, 0.025, 0.1])
    assert premelt_lift(-s).tolist() == pytest.approx([0.1, 0.075, 0.0])


@pytest.mark.parametrize("case, rows, cols, pitch, warpage_mm", [
    # Chan et al., SMT Magazine Aug 2015 (docs/sources.md S7); corners up = their negative sign
    ("case 1: 144 I/O, 0.8 x 1.0 mm", 12, 12, 0.8, 0.150),
    ("case 2: PBGA 484, 0.8 mm", 22, 22, 0.8, 0.104),
    ("case 3: FBGA 154, 0.8 mm", 14, 11, 0.8, 0.119),
])
def test_published_head_on_pillow_cases_open_at_the_corners_with_a_typical_stencil(
        case, rows, cols, pitch, warpage_mm):
    # The cases do not state their stencil: 0.100 mm is the common thickness (docs/sources.md S3).
    x, y = grid(rows, cols, pitch)
    curves = force_curves([0.2], [0.2], [V08])
    bal = solve_package(x, y, 0, curves, bowl_shape(x, y, warpage_mm), 0.0, paste_height_mm=0.100)
    hip = bal.status == JOINT_HEAD_IN_PILLOW
    assert hip.any()
    r2 = x ** 2 + y ** 2
    assert hip[np.argmax(r2)]  # the corner balls first, as the cases report
    assert not hip[np.argmin(r2)]  # the centre stands on its paste


def test_proposed_limit_of_0_09_mm_keeps_every_ball_on_its_paste():
    # Chan et al., SMTA International 2017: 0.090 mm maximum for 0.8 and 1.0 mm pitch.
    x, y = grid(22)
    curves = force_curves([0.2], [0.2], [V08])
    for w in (0.09, -0.09):
        bal = solve_package(x, y, 0, curves, bowl_shape(x, y, w), 0.0, paste_height_mm=0.100)
        assert np.all(bal.status != JOINT_HEAD_IN_PILLOW)


def test_the_limit_grows_with_the_paste_and_the_margin_names_the_first_ball():
    x, y = grid(10)
    curves = force_curves([0.2], [0.2], [V08])
    unit = bowl_shape(x, y, 1.0)
    thin = absorbable_warpage(x, y, 0, curves, unit, +1, paste_height_mm=0.10)
    thick = absorbable_warpage(x, y, 0, curves, unit, +1, paste_height_mm=0.15)
    assert thin.mechanism == "head_in_pillow" and thin.limit_mm < thick.limit_mm
    assert x[thin.ball] ** 2 + y[thin.ball] ** 2 == pytest.approx((x ** 2 + y ** 2).max())


def test_without_paste_limit_the_joints_overstretch_or_bridge():
    x, y = grid(10)
    curves = force_curves([0.2], [0.2], [V08])
    unit = bowl_shape(x, y, 1.0)
    up = absorbable_warpage(x, y, 0, curves, unit, +1)
    assert up.mechanism == "stretched" and 0.05 < up.limit_mm < 0.5
    bal = solve_package(x, y, 0, curves, unit * (up.limit_mm + 0.01), 0.0)
    assert (bal.status == JOINT_STRETCHED).any()
    idx = np.arange(100).reshape(10, 10)
    pairs = (np.r_[idx[:, :-1].ravel(), idx[:-1].ravel()],
             np.r_[idx[:, 1:].ravel(), idx[1:].ravel()], np.full(180, 0.8))
    down = absorbable_warpage(x, y, 0, curves, unit, -1, mass_g=3.0, pairs=pairs, min_gap_mm=0.30)
    assert down.mechanism == "bridging"
    bal = solve_package(x, y, 0, curves, -unit * (down.limit_mm + 0.005), 3.0)
    assert bulge_gaps(bal.diameter_mm, pairs).min() < 0.30
