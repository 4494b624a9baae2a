"""The assembly review on generated KiCad boards (fixtures/assembly_boards.py): the thermal and
void notes appear where the board puts their cause, and nowhere else."""
import sys

import pytest

from bgacheck import api
from bgacheck.core.options import CheckOptions
from paths import REPO

sys.path.insert(0, str(REPO / "fixtures"))
import assembly_boards as boards  # noqa: E402

pytestmark = pytest.mark.kicad

BOARDS = REPO / "fixtures" / "boards"
THERMAL_RULES = {"assembly.thermal_imbalance"}
VOID_RULES = {"assembly.void_via_in_pad", "assembly.thermal_pad", "assembly.paste_coverage"}


def _check(name, reader="pcbnew", **options):
    return api.check_file(str(BOARDS / boards.board_name(name)), CheckOptions(**options), reader)


def _key(report):
    return sorted((f.rule_id, f.severity, f.pads, f.message) for f in _assembly(report))


def _assembly(report):
    return [f for f in report.findings if f.rule_id.startswith("assembly.")]


@pytest.fixture(scope="module")
def thermal(pcbnew_module):
    return _check("thermal_corner")


@pytest.fixture(scope="module")
def vip(pcbnew_module):
    return _check("via_in_pad")


def test_plane_heavy_corner_is_noted_and_nothing_else_is(thermal):
    found = _assembly(thermal)
    (note,) = [f for f in found if f.rule_id in THERMAL_RULES]
    assert note.message.startswith("K10 corner") and note.severity == "info"
    assert set(note.pads) == {boards.ball_name(r, c) for r, c in boards.CORNER_BALLS}
    # the stubs run inside the solid pour: reliefs on the pour are the remedy, necking is not
    assert note.fix == "thermal reliefs on the pour (zone or pad connection)"
    t = thermal.bgas[0].extra["assembly"]["thermal"]
    # the corner's nine by the pour (and their vias), the two centre GND balls by dog-bone only
    assert t["by_path"] == {"pour": 9, "via in pad": 0, "dog-bone": 2}
    assert t["heavy_regions"] == ["K10 corner"]
    assert not [f for f in found if f.rule_id in VOID_RULES]
    assert all(f.severity == "info" for f in found)


def test_via_in_pad_and_thermal_pads_are_noted_where_they_are(vip):
    found = _assembly(vip)
    (voids,) = [f for f in found if f.rule_id == "assembly.void_via_in_pad"]
    assert sorted(voids.pads) == sorted(boards.ball_name(r, c) for r, c in boards.VIP_BALLS)
    pads = sorted(f.message.split()[2] for f in found if f.rule_id == "assembly.thermal_pad")
    assert pads == ["U2.EP", "U3.EP"]  # U4 is 20 mm away
    (cover,) = [f for f in found if f.rule_id == "assembly.paste_coverage"]
    assert "U2.EP" in cover.message  # U3 prints 64 % through windowpanes
    v = vip.bgas[0].extra["assembly"]["voids"]
    assert {p["pad"]: p["paste_coverage"] for p in v["thermal_pads"]} == pytest.approx(
        {"U2.EP": 1.0, "U3.EP": 0.64}, abs=1e-3)
    assert not [f for f in found if f.rule_id in THERMAL_RULES]
    assert vip.bgas[0].extra["assembly"]["xray"]["advice"] == "strongly advised"


def test_the_native_reader_gives_the_same_review_as_pcbnew(thermal, vip):
    for name, ref in (("thermal_corner", thermal), ("via_in_pad", vip)):
        native = _check(name, reader="native")
        assert _key(native) == _key(ref)
        assert (native.bgas[0].extra["assembly"]["thermal"]
                == ref.bgas[0].extra["assembly"]["thermal"])


def test_a_given_warpage_on_the_fixture_opens_the_corners_with_an_error(pcbnew_module):
    report = _check("thermal_corner", warpage_mm=0.2)
    errors = [f for f in _assembly(report) if f.severity == "error"]
    assert [f.rule_id for f in errors] == ["assembly.head_in_pillow"]
    assert {"A1", "A10", "K1", "K10"} <= set(errors[0].pads)
