"""The force-height curves the warped-package balance uses, against Surface Evolver.

For points on each tabulated curve (squeezed, stretched, and past half the largest pull) the
curve's force is handed to Evolver as the load on the upper pad; Evolver's independent energy
minimisation must settle at the curve's height within 0.5 %.
"""
import numpy as np
import pytest

from bgacheck.solver.force_curve import force_curves

pytestmark = pytest.mark.evolver

JOINTS = [(0.125, 0.125, 0.009291), (0.100, 0.150, 0.009), (0.200, 0.200, 0.0378)]
POINTS = (-0.9, -0.5, 0.3, 0.7)
"""Heights as fractions of the way from the free height to the squeezed end (negative) or to
the largest pull (positive): two squeezed, two stretched, on the stable side of the largest
pull where a load-driven minimisation can settle."""


@pytest.mark.parametrize("rb, rp, vol", JOINTS)
@pytest.mark.parametrize("u", POINTS)
def test_force_curve_matches_evolver_within_half_a_percent(evolver_height, rb, rp, vol, u):
    curves = force_curves([rb], [rp], [vol])
    h0 = float(curves.free_height_mm[0])
    end = curves.squeezed_height_mm[0] if u < 0 else curves.necking_height_mm[0]
    h = h0 + abs(u) * (float(end) - h0)
    force = float(curves.evaluate([0], [h])[0][0])
    got = evolver_height(rb, rp, vol, load_mN=force)
    assert got == pytest.approx(h, rel=0.005)
    # the table's slope sign: squeezed joints push (force > 0), stretched ones pull
    assert np.sign(force) == -np.sign(u)
