"""The toolbar action's path on real boards with real pcbnew: annotate, save, reload, diff.

``run_on_board`` is what the button's ``Run`` calls once it has the editor's board; here the
board comes from ``pcbnew.LoadBoard`` instead.
"""
from __future__ import annotations

import re
import shutil

import pytest

pcbnew = pytest.importorskip("pcbnew", reason="KiCad's pcbnew module is not installed")

from bgacheck.api import CheckOptions  # noqa: E402
from bgacheck.core.report import BgaSummary, Finding, Report  # noqa: E402
from bgacheck.kicad import action_plugin, dialog, report_layer  # noqa: E402
from paths import SHARED_BOARDS, shared_board  # noqa: E402

pytestmark = pytest.mark.kicad

GLASGOW_IN_SHARED = "glasgow-revC3/glasgow.kicad_pcb"
GLASGOW = str(SHARED_BOARDS / GLASGOW_IN_SHARED)
BGA_LIB = "/usr/share/kicad/footprints/Package_BGA.pretty"


def _load(path):
    return pcbnew.LoadBoard(str(path))


def _save(board, path):
    assert pcbnew.SaveBoard(str(path), board)
    return path.read_bytes()


@pytest.fixture()
def glasgow(tmp_path):
    """A writable copy of a real board, and the same board saved once by pcbnew (the baseline)."""
    shared_board(GLASGOW_IN_SHARED)  # skips, saying why, when the shared boards are absent
    dst = tmp_path / "glasgow.kicad_pcb"
    shutil.copyfile(GLASGOW, dst)
    shutil.copyfile(GLASGOW.replace(".kicad_pcb", ".kicad_pro"), tmp_path / "glasgow.kicad_pro")
    baseline = _save(_load(dst), tmp_path / "baseline.kicad_pcb")
    return dst, baseline


def _strip_annotations(text: str) -> str:
    """The file with every top-level block carrying our UUID tag, and layer User.9's line, cut."""
    out, block, depth = [], [], 0
    for line in text.splitlines(keepends=True):
        if depth == 1 and line.startswith("\t(") and not block:
            block = [line]
        elif block:
            block.append(line)
        else:
            out.append(line)
        depth += line.count("(") - line.count(")")
        if block and depth == 1:
            joined = "".join(block)
            if report_layer.UUID_PREFIX not in joined:
                out.append(joined)
            block = []
    return re.sub(r'\t\t\(55 "User\.9" user[^\n]*\n', "", "".join(out))


def _ours(board):
    return [d for d in board.GetDrawings() if report_layer.is_ours(d.m_Uuid.AsString())]


def test_run_adds_one_tagged_group_on_the_report_layer(glasgow, tmp_path):
    path, _ = glasgow
    board = _load(path)
    report = action_plugin.run_on_board(board, CheckOptions())
    assert [b.ref for b in report.bgas] == ["U30"]
    _save(board, path)
    again = _load(path)
    groups = [g for g in again.Groups() if g.GetName() == report_layer.GROUP_NAME]
    assert len(groups) == 1
    members = list(groups[0].GetItems())
    assert {m.m_Uuid.AsString() for m in members} == {d.m_Uuid.AsString() for d in _ours(again)}
    layer = again.GetLayerID(report_layer.LAYER_NAME)
    assert layer == pcbnew.User_9 and all(m.GetLayer() == layer for m in members)
    texts = [m.Cast().GetText() for m in members if m.Cast().GetClass() == "PCB_TEXT"]
    summary = [t for t in texts if t.startswith("U30:")]
    assert len(summary) == 1
    assert "121 balls 11x11 @ 0.8 mm" in summary[0] and "profile ug1099" in summary[0]
    circles = [m for m in members if m.Cast().GetClass() == "PCB_SHAPE"
               and m.Cast().GetShape() == pcbnew.SHAPE_T_CIRCLE]
    spots = {(round(f.x_mm, 6), round(f.y_mm, 6)) for f in report.findings}
    assert len(circles) == len(spots)


def test_markers_match_the_spots_with_warnings_or_errors_on_a_real_board(glasgow):
    path, _ = glasgow
    board = _load(path)
    report = action_plugin.run_on_board(board)
    spots = {(round(f.x_mm, 6), round(f.y_mm, 6)) for f in report.findings
             if f.severity in ("warning", "error")}
    assert len(board.Markers()) == len(spots) == report.meta["annotations"]["markers"]


def test_everything_but_the_annotations_is_byte_identical(glasgow, tmp_path):
    path, baseline = glasgow
    board = _load(path)
    action_plugin.run_on_board(board)
    annotated = _save(board, tmp_path / "annotated.kicad_pcb").decode()
    assert report_layer.UUID_PREFIX in annotated
    assert _strip_annotations(annotated) == _strip_annotations(baseline.decode())


def test_second_run_leaves_the_file_identical(glasgow, tmp_path):
    path, _ = glasgow
    board = _load(path)
    action_plugin.run_on_board(board)
    first = _save(board, tmp_path / "first.kicad_pcb")
    action_plugin.run_on_board(board)
    second = _save(board, tmp_path / "second.kicad_pcb")
    reloaded = _load(tmp_path / "first.kicad_pcb")
    action_plugin.run_on_board(reloaded)
    third = _save(reloaded, tmp_path / "third.kicad_pcb")
    assert first == second == third


def test_rerun_removes_annotations_an_undo_left_outside_the_group(glasgow):
    path, _ = glasgow
    board = _load(path)
    action_plugin.run_on_board(board)
    count = len(_ours(board))
    for group in list(board.Groups()):
        if group.GetName() == report_layer.GROUP_NAME:
            group.RemoveAll()  # what KiCad's undo of the group leaves: loose tagged items
    action_plugin.run_on_board(board)
    assert len(_ours(board)) == count
    assert len([g for g in board.Groups() if g.GetName() == report_layer.GROUP_NAME]) == 1


def _bga_board(tmp_path, user9_text=None):
    board = pcbnew.BOARD()
    fp = pcbnew.FootprintLoad(BGA_LIB, "BGA-64_9.0x9.0mm_Layout10x10_P0.8mm")
    fp.SetReference("U1")
    fp.SetPosition(pcbnew.VECTOR2I(pcbnew.FromMM(50), pcbnew.FromMM(50)))
    board.Add(fp)
    if user9_text:
        layers = board.GetEnabledLayers()
        layers.AddLayer(pcbnew.User_9)
        board.SetEnabledLayers(layers)
        text = pcbnew.PCB_TEXT(board)
        text.SetText(user9_text)
        text.SetLayer(pcbnew.User_9)
        board.Add(text)
    path = tmp_path / "bga64.kicad_pcb"
    pcbnew.SaveBoard(str(path), board)
    return path


def test_a_designer_drawing_on_user9_moves_the_report_to_another_layer(tmp_path):
    board, report = _synthetic(_bga_board(tmp_path, user9_text="designer note"))
    report_layer.write_report(board, report)
    assert board.GetLayerID(report_layer.LAYER_NAME) == pcbnew.User_8
    assert board.GetLayerName(pcbnew.User_9) == "User.9"
    notes = [d for d in board.GetDrawings() if d.GetClass() == "PCB_TEXT"
             and d.Cast().GetText() == "designer note"]
    assert len(notes) == 1 and notes[0].GetLayer() == pcbnew.User_9


def _synthetic(board_path):
    board = _load(board_path)
    fp = board.FindFootprintByReference("U1")
    bga = BgaSummary(ref="U1", footprint="Package_BGA:BGA-64", uuid=fp.m_Uuid.AsString(),
                     side="top", rot_deg=0.0, x_mm=50.0, y_mm=50.0, balls=64, rows=10, cols=10,
                     pitch_mm=(0.8, 0.8), depopulated=(), land_d_mm=0.4, land_shape="circle",
                     mask_opening_d_mm=0.5, paste_d_mm=0.4, pad_type="NSMD", pad_types={},
                     a1={}, staggered=False, ignored_pads={},
                     extra={"standoff": {"height_mm": 0.3123, "tolerance_mm": 0.025},
                            "rules": {"profile": "ug1099", "fab_tier": "standard"}})
    findings = [Finding("t.err", "error", "too close", "U1", 49.6, 49.6, 0.1, 0.15, pads=("A1",)),
                Finding("t.warn", "warning", "tight", "U1", 50.4, 49.6, 0.12, 0.13),
                Finding("t.info", "info", "note", "U1", 50.0, 50.4)]
    return board, Report("x", "9.0.8", "0", bgas=[bga], findings=findings)


def test_bga_text_carries_pitch_profile_standoff_and_verdict(tmp_path):
    board, report = _synthetic(_bga_board(tmp_path))
    summary = report_layer.write_report(board, report)
    texts = [d.Cast().GetText() for d in _ours(board) if d.GetClass() == "PCB_TEXT"]
    head = [t for t in texts if t.startswith("U1:")][0].splitlines()
    assert head == ["U1: 64 balls 10x10 @ 0.8 mm", "profile ug1099 / standard",
                    "standoff 0.312 ± 0.025 mm", "FAIL (1 error, 1 warning, 1 info)"]
    assert "E t.err 0.1/0.15 mm" in texts
    assert summary["markers"] == 2 and len(board.Markers()) == 2


def test_markers_are_not_kept_in_the_saved_file(tmp_path):
    board, report = _synthetic(_bga_board(tmp_path))
    report_layer.write_report(board, report)
    assert len(board.Markers()) == 2
    _save(board, tmp_path / "saved.kicad_pcb")
    again = _load(tmp_path / "saved.kicad_pcb")
    assert len(again.Markers()) == 0  # KiCad never writes markers to the board file
    assert len(_ours(again)) == len(_ours(board))


def test_rerun_with_fewer_findings_removes_the_old_markers_and_labels(tmp_path):
    board, report = _synthetic(_bga_board(tmp_path))
    report_layer.write_report(board, report)
    report.findings = report.findings[2:]
    report_layer.write_report(board, report)
    assert len(board.Markers()) == 0
    assert len([d for d in _ours(board) if d.GetClass() == "PCB_TEXT"]) == 2


def test_options_are_remembered_next_to_the_board(tmp_path):
    board_path = str(tmp_path / "b.kicad_pcb")
    assert dialog.load_options(board_path) == CheckOptions()
    chosen = CheckOptions(profile="intel_an114", fab_tier="advanced", stencil_mm=0.1,
                          severity="error")
    written = dialog.save_options(board_path, chosen)
    assert written == str(tmp_path / "b.bgacheck.json")
    back = dialog.load_options(board_path)
    assert (back.profile, back.fab_tier, back.stencil_mm, back.severity) == (
        "intel_an114", "advanced", 0.1, "error")


def test_a_corrupt_options_file_falls_back_to_defaults(tmp_path):
    (tmp_path / "b.bgacheck.json").write_text('{"severity": "fatal", "stencil_mm": -3', "utf-8")
    assert dialog.load_options(str(tmp_path / "b.kicad_pcb")) == CheckOptions()
    (tmp_path / "b.bgacheck.json").write_text('{"severity": "fatal", "stencil_mm": "x"}', "utf-8")
    assert dialog.load_options(str(tmp_path / "b.kicad_pcb")) == CheckOptions()


def test_dialog_filters_findings_by_bga_and_severity(tmp_path):
    _, report = _synthetic(_bga_board(tmp_path))
    report.findings.append(Finding("t.other", "error", "x", "U2", 1, 1))
    assert [f.rule_id for f in dialog.filter_findings(report, "U1", "warning")] == [
        "t.err", "t.warn"]
    assert [f.ref for f in dialog.filter_findings(report, "", "error")] == ["U1", "U2"]
    assert dialog.bga_rows(report)[0][3:] == (
        "0.800", "0.312 ± 0.025", "FAIL (1 error, 1 warning, 1 info)")


@pytest.mark.parametrize("platform, debian, found, expected", [
    ("linux", True, "", "sudo apt install python3-pip\n"
                        '  python3 -m pip install --user --break-system-packages "shapely>=2.0"'),
    ("linux", True, "1.8.5", "shapely 1.8.5 (needs >=2.0)"),
    ("win32", False, "", 'python -m pip install "shapely>=2.0"'),
    ("darwin", False, "", '/Applications/KiCad/py/bin/python3 -m pip install "shapely>=2.0"'),
])
def test_missing_shapely_message_gives_the_install_command(platform, debian, found, expected):
    prefix = "/Applications/KiCad/py" if platform == "darwin" else "/usr"
    text = action_plugin.install_message([("shapely", found, (2, 0))], platform, prefix, debian)
    assert expected in text


def test_missing_numpy_on_debian_uses_apt():
    text = action_plugin.install_message([("numpy", "", (1, 24))], "linux", "/usr", True)
    assert "sudo apt install python3-numpy\n" in text and "pip" not in text


def test_findings_at_one_spot_share_a_circle_that_survives_saving(tmp_path):
    board, report = _synthetic(_bga_board(tmp_path))
    twin = Finding("t.twin", "warning", "same spot", "U1", 49.6, 49.6, 0.1, 0.2)
    report.findings += [twin, twin]
    report_layer.write_report(board, report)
    _save(board, tmp_path / "saved.kicad_pcb")
    again = _load(tmp_path / "saved.kicad_pcb")
    labels = [d.Cast().GetText() for d in _ours(again) if d.GetClass() == "PCB_TEXT"]
    assert "E t.err 0.1/0.15 mm\nW t.twin 0.1/0.2 mm" in labels
    assert len(_ours(again)) == len(_ours(board)) == 2 + 2 * 3
