"""Detection on real boards: every BGA in shared/boards/README.md and vme-wren, nothing else."""
import pytest

from bgacheck import api

pytestmark = pytest.mark.kicad

# From ../shared/boards/README.md: ref -> (balls, pitch x, pitch y). The LPDDR4 pitch is
# 0.80 mm between columns and 0.65 mm between rows in the footprint's own frame.
EXPECTED = {
    "luna-r0/luna_rev0.kicad_pcb": {"IC1": (256, 0.8, 0.8), "U10": (24, 1.0, 1.0)},
    "sdi-mipi-bridge/sdi-mipi-bridge.kicad_pcb": {"U2": (100, 1.0, 1.0), "U4": (80, 0.65, 0.65)},
    "lpddr4-testbed/lpddr4-testbed.kicad_pcb": {"U1": (200, 0.8, 0.65)},
    "glasgow-revC3/glasgow.kicad_pcb": {"U30": (121, 0.8, 0.8)},
}


def _found(path):
    report = api.check_file(str(path), api.CheckOptions(checks=False))
    return {b.ref: b for b in report.bgas}


@pytest.mark.parametrize("board", sorted(EXPECTED))
def test_every_listed_bga_is_found_with_its_balls_and_pitch_and_nothing_else(
        board, shared_boards, pcbnew_module):
    found = _found(shared_boards / board)
    assert set(found) == set(EXPECTED[board])
    for ref, (balls, px, py) in EXPECTED[board].items():
        b = found[ref]
        assert b.balls == balls, ref
        assert b.pitch_mm == pytest.approx((px, py), abs=1e-3), ref


def test_luna_hyperram_reports_its_missing_a1_ball(shared_boards, pcbnew_module):
    # Checked by hand: the HyperRAM footprint U10 has 24 pads on a 5x5 grid with A1 absent.
    u10 = _found(shared_boards / "luna-r0/luna_rev0.kicad_pcb")["U10"]
    assert u10.depopulated == ("A1",)
    assert u10.a1["corner"] == "top-left" and not u10.a1["populated"]


def test_vme_wren_fpga_and_ddr4_are_found(vme_wren_model):
    report = api.check_model(vme_wren_model, api.CheckOptions(checks=False))
    found = {b.ref: b for b in report.bgas}
    assert set(found) == {"IC14", "IC5", "IC13"}
    assert (found["IC14"].balls, found["IC14"].rows, found["IC14"].cols) == (784, 28, 28)
    for ref in ("IC5", "IC13"):
        # DDR4 x16: two 3-column fields of 16 rows with 3 empty columns between them.
        b = found[ref]
        assert (b.balls, b.rows, b.cols, len(b.depopulated)) == (96, 16, 9, 48)
    for b in found.values():
        assert b.pitch_mm == pytest.approx((0.8, 0.8), abs=1e-3)
    assert report.meta["timings_s"]["detect"] < 5  # generous: detection is not the bottleneck
