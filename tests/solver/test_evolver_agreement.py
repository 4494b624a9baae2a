"""The solver against Surface Evolver: independent energy minimisation of the same pinned joints."""
import pytest

from bgacheck.solver import loaded_joint, mg_to_mN, segment_height

pytestmark = pytest.mark.evolver

# (board radius, package radius, volume) [mm, mm, mm^3]: seed-sized equal pads, small board pad
# against a large package pad, and a thin LGA-like joint whose sphere centre lies outside it.
ZERO_LOAD_CASES = [
    (0.125, 0.125, 0.009291),
    (0.075, 0.200, 0.008),
    (0.200, 0.100, 0.0015),
]


@pytest.mark.parametrize("rb, rp, volume", ZERO_LOAD_CASES)
def test_zero_load_height_matches_evolver_within_half_percent(evolver_height, rb, rp, volume):
    expected = evolver_height(rb, rp, volume)
    got = float(segment_height(rb, rp, volume))
    assert got == pytest.approx(expected, rel=0.005)


@pytest.mark.parametrize("rb, rp, volume, load_mg", [
    (0.125, 0.125, 0.009291, 10.0),
    (0.125, 0.125, 0.009291, 50.0),
    (0.100, 0.150, 0.009, 20.0),
    (0.125, 0.125, 0.009291, -10.0),
])
def test_loaded_height_matches_evolver_within_one_percent(evolver_height, rb, rp, volume, load_mg):
    load = float(mg_to_mN(load_mg))
    expected = evolver_height(rb, rp, volume, load_mN=load)
    got = loaded_joint(rb, rp, volume, load, surface_tension=0.5, gravity=False)
    assert got["status"][0] == 0
    assert got["height_mm"][0] == pytest.approx(expected, rel=0.01)
