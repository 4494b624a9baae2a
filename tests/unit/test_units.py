"""mm <-> nm conversion: rounding (not truncation), exact round trips, scalar and array agree."""
from __future__ import annotations

import numpy as np
import pytest

from bgacheck.core.units import MIL_MM, NM_PER_MM, mm_to_nm, nm_to_mm

# Decimal mm values whose float product with 1e6 falls just below the integer (2.01 * 1e6 =
# 2009999.9999999998): truncation loses a nanometre on them.
TRUNCATION_TRAPS_MM = (2.01, 2.03, -2.01, 0.58, 4.35, 1.001)


def test_mm_to_nm_rounds_2_01_mm_to_2_010_000_nm():
    assert int(2.01 * NM_PER_MM) == 2_009_999  # what truncating code would store
    assert mm_to_nm(2.01) == 2_010_000


@pytest.mark.parametrize("mm", TRUNCATION_TRAPS_MM)
def test_decimal_mm_values_land_on_the_exact_nanometre(mm):
    expected = int(f"{mm:.6f}".replace(".", "").replace("-", "")) * (-1 if mm < 0 else 1)
    assert mm_to_nm(mm) == expected
    assert type(mm_to_nm(mm)) is int


def test_nm_to_mm_to_nm_round_trip_is_exact_over_board_sized_values():
    rng = np.random.default_rng(7)
    nm = np.concatenate([rng.integers(-2_000_000_000, 2_000_000_000, 100_000),
                         [0, 1, -1, 2_147_483_647, -2_147_483_647]]).astype(np.int64)
    assert np.array_equal(mm_to_nm(nm_to_mm(nm)), nm)
    for n in nm[:1000].tolist():
        assert mm_to_nm(nm_to_mm(n)) == n


def test_mm_to_nm_to_mm_round_trip_is_within_half_a_nanometre():
    mm = np.random.default_rng(3).uniform(-1000.0, 1000.0, 100_000)
    assert np.max(np.abs(nm_to_mm(mm_to_nm(mm)) - mm)) <= 0.5 / NM_PER_MM


def test_arrays_convert_like_scalars_and_keep_int64_and_float64():
    mm = np.array([2.01, 0.8, -0.65, 0.0, 1e-7, 0.0254])
    nm = mm_to_nm(mm)
    assert nm.dtype == np.int64 and nm.shape == mm.shape
    assert nm.tolist() == [mm_to_nm(float(x)) for x in mm]
    back = nm_to_mm(nm)
    assert back.dtype == np.float64
    assert back.tolist() == [nm_to_mm(int(n)) for n in nm]
    assert mm_to_nm(np.array([[0.5, 1.5], [2.5, 3.5]])).shape == (2, 2)


def test_mil_converts_exactly():
    assert mm_to_nm(MIL_MM) == 25_400
    assert mm_to_nm(3.5 * MIL_MM) == 88_900


@pytest.mark.kicad
def test_pcbnew_from_mm_truncates_where_mm_to_nm_rounds():
    """Why the reader never uses pcbnew.FromMM for values it compares: it drops a nanometre."""
    from bgacheck.kicad.compat import KiCadMissing, pcbnew

    try:
        pc = pcbnew()
    except KiCadMissing as exc:
        pytest.skip(str(exc))
    assert pc.FromMM(2.01) == 2_009_999
    assert mm_to_nm(2.01) == 2_010_000
    traps = [mm for mm in TRUNCATION_TRAPS_MM if pc.FromMM(mm) != mm_to_nm(mm)]
    assert 2.01 in traps and all(abs(pc.FromMM(mm) - mm_to_nm(mm)) == 1 for mm in traps)
    assert all(pc.ToMM(mm_to_nm(mm)) == pytest.approx(mm, abs=1e-12) for mm in TRUNCATION_TRAPS_MM)


def test_metric_twins_meet_fab_minimums_stated_in_mil():
    from bgacheck.core.units import MIL_MM, fab_minimum

    for mil, metric in ((8, 0.20), (6, 0.15), (5, 0.125), (4, 0.10), (3.5, 0.0875)):
        assert metric >= fab_minimum(mil * MIL_MM)
    assert 0.19 < fab_minimum(8 * MIL_MM)  # a real shortfall still fails
