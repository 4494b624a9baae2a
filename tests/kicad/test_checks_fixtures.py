"""Generated KiCad boards (fixtures/fanout.py, real pcbnew): clean fanouts pass, defects are found.

Each pitch's clean board follows the profile exactly and must give no error from any stage. A
defect copy changes one thing; compared with the clean board, exactly one finding is added, with
the expected rule, at the changed ball and naming the changed item, and every other rule reports
as often as on the clean board.
"""
from __future__ import annotations

import importlib.util
import sys
from collections import Counter
from pathlib import Path

import pytest

pytestmark = pytest.mark.kicad

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("fixtures_fanout", ROOT / "fixtures" / "fanout.py")
fx = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = fx  # dataclasses look their module up
_spec.loader.exec_module(fx)

from bgacheck.api import CheckOptions, check_file  # noqa: E402

MINE = ("via_off_centre", "unfanned_ball", "via_in_pad_unfilled", "mask_web_thin")


def expected_rule(defect: str, vip: bool) -> str:
    return {"via_off_centre": "ug1099.via_in_pad_offset" if vip else "ug1099.t1.pad_to_via",
            "unfanned_ball": "fanout.unrouted_ball",
            "via_in_pad_unfilled": "ipc4761.via_in_pad_fill",
            "mask_web_thin": "fab.mask_web"}[defect]


@pytest.fixture(scope="module")
def boards(tmp_path_factory):
    out = tmp_path_factory.mktemp("fanout")
    cache = {}

    def get(pitch, defect=None):
        if (pitch, defect) not in cache:
            info = fx.make_board(pitch, defect, str(out / fx.board_name(pitch, defect)))
            report = check_file(info.path, CheckOptions(fab_tier=info.fab_tier))
            cache[(pitch, defect)] = (info, report)
        return cache[(pitch, defect)]
    return get


@pytest.mark.parametrize("pitch", fx.PITCHES)
def test_clean_fanout_gives_no_errors(boards, pitch):
    info, report = boards(pitch)
    assert [b.balls for b in report.bgas] == [64]
    errors = [(f.rule_id, f.message) for f in report.findings if f.severity == "error"]
    assert errors == []
    extra = report.bgas[0].extra
    assert extra["fanout"]["unrouted"] == 0
    assert extra["vias"]["via_in_pad" if info.via_in_pad else "dogbone"] == 64
    assert extra["standoff"]["height_mm"] > 0


@pytest.mark.parametrize("pitch", fx.PITCHES)
@pytest.mark.parametrize("defect", MINE)
def test_defect_is_reported_once_at_its_place(boards, pitch, defect):
    if not fx.applicable(pitch, defect):
        pytest.skip(f"{defect} does not apply at {pitch} mm (no vias in pads)")
    _, clean = boards(pitch)
    info, report = boards(pitch, defect)
    rule = expected_rule(defect, info.via_in_pad)
    before = Counter(f.rule_id for f in clean.findings)
    after = Counter(f.rule_id for f in report.findings)
    # open vias in the lands are also a void risk for the assembler: one note, the same balls
    also = {"assembly.void_via_in_pad": 1} if defect == "via_in_pad_unfilled" else {}
    assert after - before == Counter({rule: 1, **also})
    for note in (f for f in report.findings if f.rule_id in also):
        assert note.severity == "info" and len(note.pads) == 64
    assert before - after == Counter()
    found = [f for f in report.findings if f.rule_id == rule]
    assert len(found) == 1
    f = found[0]
    uuids = {item[1] for item in f.items}
    if defect == "via_in_pad_unfilled":
        assert f.severity == "error" and len(f.pads) == 64 and f.measured == 64
    else:
        assert f.pads[0] == info.defect_ball
        assert set(info.defect_items) <= uuids
    if defect == "unfanned_ball":
        assert f.severity == "error"
    if defect == "mask_web_thin":
        assert f.severity == "warning"  # the fab removes the web: a bridging risk


def test_off_centre_defect_measures_the_planted_offset(boards):
    _, report = boards(0.8, "via_off_centre")
    f = next(f for f in report.findings if f.rule_id == "ug1099.t1.pad_to_via")
    assert f.measured == pytest.approx(fx.VIA_OFFSET_MM, abs=1e-4)  # clearance lost to the land
    assert f.limit == pytest.approx(0.05) and f.severity == "warning"


def test_thin_web_defect_measures_the_planted_web(boards):
    info, report = boards(1.0, "mask_web_thin")
    f = next(f for f in report.findings if f.rule_id == "fab.mask_web")
    from bgacheck.core.rules import rules_for_pitch
    lim = rules_for_pitch("ug1099", 1.0, fab_tier=info.fab_tier).mask_web_min_mm
    assert f.limit == pytest.approx(lim, abs=1e-4)
    assert f.measured == pytest.approx(lim - fx.WEB_SHORT_BY_MM, abs=1e-4)


def test_committed_example_board_is_the_clean_0_8_mm_fixture():
    path = ROOT / "fixtures" / "boards" / "bga-0.8mm-clean.kicad_pcb"
    report = check_file(str(path), CheckOptions(fab_tier="advanced"))
    assert [(b.balls, b.pitch_mm) for b in report.bgas] == [(64, (0.8, 0.8))]
    assert [f for f in report.findings if f.severity == "error"] == []


@pytest.mark.parametrize("pitch", fx.PITCHES)
def test_a_board_drawn_to_the_default_profile_passes_under_the_defaults(boards, pitch):
    info, _ = boards(pitch)
    report = check_file(info.path, CheckOptions())  # no profile, no tier: ug1099, standard/hdi
    assert report.count_at_or_above("warning") == 0, [
        (f.rule_id, f.message) for f in report.findings if f.severity != "info"]


def test_the_clean_demo_board_exits_0_from_the_command_line_with_its_defaults(tmp_path):
    import shutil
    import subprocess

    for ext in ("kicad_pcb", "kicad_pro"):  # no override file: the defaults alone
        shutil.copy(ROOT / "fixtures" / "boards" / f"bga-0.8mm-clean.{ext}",
                    tmp_path / f"b.{ext}")
    run = subprocess.run([sys.executable, "-m", "bgacheck", "check", str(tmp_path / "b.kicad_pcb")],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
