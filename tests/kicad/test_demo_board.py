"""The board `make demo` checks stays clean, and its project override file is honoured."""
import pytest

from bgacheck import api
from paths import REPO

pytestmark = pytest.mark.kicad

DEMO = REPO / "fixtures/boards/bga-0.8mm-clean.kicad_pcb"


def test_demo_board_has_no_error_and_takes_its_fab_tier_from_the_project_file(pcbnew_module):
    report = api.check_file(str(DEMO))
    assert report.meta["fab_tier"] == "advanced"
    assert report.meta["project_overrides"].endswith("bga-0.8mm-clean.bgacheck.toml")
    assert [f for f in report.findings if f.severity == "error"] == []
    (bga,) = report.bgas
    assert (bga.balls, bga.pitch_mm) == (64, (0.8, 0.8))
    assert bga.extra["standoff"]["stencil_source"].startswith("board text variable")


def test_command_line_tier_wins_over_the_project_file(pcbnew_module):
    report = api.check_file(str(DEMO), api.CheckOptions(fab_tier="standard"))
    assert report.meta["fab_tier"] == "standard"
    # UG1099's 0.48/0.25 mm vias (4.5 mil ring) are ordinary production: the default tier agrees.
    assert [f for f in report.findings if f.severity == "error"] == []
    report = api.check_file(str(DEMO), api.CheckOptions(fab_tier="eurocircuits_8"))
    assert report.meta["fab_tier"] == "eurocircuits_8"
    # Eurocircuits measures its ring to the drill tool (hole + 0.10 mm): 0.065 mm < OAR 0.100 mm.
    assert {f.rule_id for f in report.findings if f.severity == "error"} == {"fab.annular_ring"}
