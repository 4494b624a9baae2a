"""KiCad 10 boards: the one board KiCad 10 saved that we have, and BGA boards rewritten into
KiCad 10's syntax by fixtures/kicad10.py, which must give the same report as their KiCad 9
originals (and, where the rewrite marks vias filled and capped, a report that sees it).

KiCad 9's pcbnew cannot open any of them: the native reader is the only way in here.
"""
from __future__ import annotations

import sys

import pytest

from bgacheck import api
from bgacheck.board_file import NEWEST_VERSION, read_board_file
from model_equality import comparable_report
from paths import REPO, shared_boards_missing

sys.path.insert(0, str(REPO / "fixtures"))
from kicad10 import to_kicad10  # noqa: E402

FIXTURES = sorted((REPO / "fixtures" / "boards").glob("*.kicad_pcb"))
PIC = "kicad10-pic_programmer"


def _rewrite(src, dst, **kw):
    """``src`` in KiCad 10's syntax at ``dst``, with the files beside it (project, overrides)."""
    dst.write_text(to_kicad10(src.read_text(encoding="utf-8"), **kw), encoding="utf-8")
    for other in src.parent.glob(src.stem + ".*"):
        if other.suffix != ".kicad_pcb":
            (dst.parent / (dst.stem + other.name[len(src.stem):])).write_bytes(other.read_bytes())
    return dst


def _report(path) -> dict:
    doc = comparable_report(api.check_file(str(path)))
    doc.pop("source", None)  # where the board is, not what it holds
    if "project_overrides" in doc.get("meta", {}):
        doc["meta"]["project_overrides"] = "found"
    return doc


def _rules(path) -> set:
    return {f.rule_id for f in api.check_file(str(path)).findings}


def test_the_board_kicad10_saved():
    reason = shared_boards_missing(PIC)
    if reason:
        pytest.skip(reason)
    from paths import SHARED_BOARDS

    path = SHARED_BOARDS / PIC / "pic_programmer.kicad_pcb"
    model, info = read_board_file(str(path))
    assert info.version == NEWEST_VERSION and model.kicad_version == "10.0"
    assert (len(model.footprints), len(model.pads), len(model.vias), len(model.tracks),
            len(model.zones)) == (63, 247, 6, 370, 1)
    assert "GND" in model.net_names and model.net_names[0] == ""
    on_net = model.pads.net[model.pads.net > 0]
    assert len(on_net) > 200 and {model.net_names[c] for c in on_net} >= {"GND", "VCC"}
    report = api.check_file(str(path))
    assert report.meta["reader"] == "native" and report.meta["board_format"] == NEWEST_VERSION


def test_kicad9_cannot_open_it_and_says_so(pcbnew_module):
    reason = shared_boards_missing(PIC)
    if reason:
        pytest.skip(reason)
    from paths import SHARED_BOARDS

    with pytest.raises(api.UserError) as err:
        api.read_model(str(SHARED_BOARDS / PIC / "pic_programmer.kicad_pcb"), reader="pcbnew")
    assert err.value.code == 2 and "newer" in str(err.value)


@pytest.mark.parametrize("board", FIXTURES, ids=lambda p: p.stem)
def test_rewritten_to_kicad10_gives_the_same_report(tmp_path, board):
    new = _rewrite(board, tmp_path / board.name, extras=True)
    old_model, _ = read_board_file(str(board))
    new_model, info = read_board_file(str(new))
    assert info.version == NEWEST_VERSION
    assert len(new_model.pads) == len(old_model.pads)
    # Nets are numbered in order of appearance in a KiCad 10 file: compare them by name.
    names = lambda m, codes: [m.net_names[c] for c in codes.tolist()]  # noqa: E731
    assert names(new_model, new_model.pads.net) == names(old_model, old_model.pads.net)
    assert names(new_model, new_model.vias.net) == names(old_model, old_model.vias.net)
    assert _report(new) == _report(board)


def test_kicad10_via_fill_and_cap_are_read(tmp_path, pcbnew_module):
    """A via-in-pad board with unfilled vias: KiCad 9 cannot say they are filled; the same
    board in KiCad 10's syntax with every via filled and capped no longer gets the finding."""
    from fixture_boards import fanout

    fx = fanout()
    pitch = next(p for p in fx.PITCHES if fx.applicable(p, "via_in_pad_unfilled"))
    board = tmp_path / "k9" / fx.board_name(pitch, "via_in_pad_unfilled")
    board.parent.mkdir()
    fx.make_board(pitch, "via_in_pad_unfilled", str(board))
    rule = "ipc4761.via_in_pad_fill"
    before = _rules(board)
    assert rule in before

    same = _rewrite(board, tmp_path / "same.kicad_pcb")
    filled = _rewrite(board, tmp_path / "filled.kicad_pcb", fill_vias=True)
    assert _rules(same) == before
    model, _ = read_board_file(str(filled))
    assert model.vias.filled.all() and model.vias.capped.all()
    assert rule not in _rules(filled)
