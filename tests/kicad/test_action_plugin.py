"""The toolbar action's path on real boards with real pcbnew: annotate, save, reload, diff.

``run_on_board`` is what the button's ``Run`` calls once it has the editor's board; here the
board comes from ``pcbnew.LoadBoard`` instead. The drawing itself is ``render.board_marks``'s
(tests/unit/test_board_marks.py); these tests prove the writer maps it 1:1 and keeps the board
clean.
"""
from __future__ import annotations

import os
import re
import shutil

import pytest

pcbnew = pytest.importorskip("pcbnew", reason="KiCad's pcbnew module is not installed")

from bgacheck.api import CheckOptions  # noqa: E402
from bgacheck.core.report import BgaSummary, Finding, Report  # noqa: E402
from bgacheck.kicad import action_plugin, remembered_options, report_layer, results_rows  # noqa: E402
from bgacheck.render import board_marks  # noqa: E402
from bgacheck.render.finding_codes import finding_codes  # noqa: E402
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
    """The file with every top-level block carrying our UUID tag, and layer User.7's line, cut."""
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
    return re.sub(r'\t\t\(51 "User\.7" user[^\n]*\n', "", "".join(out))


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
    # User.7: pale cyan in KiCad's default colours, it reads over copper (board_marks.REPORT_LAYERS)
    assert layer == pcbnew.User_7 and all(m.GetLayer() == layer for m in members)
    texts = [m.Cast().GetText() for m in members if m.Cast().GetClass() == "PCB_TEXT"]
    summary = [t for t in texts if t.startswith("U30:")]
    assert len(summary) == 1
    assert summary[0].splitlines()[:2] == ["U30: PASS", "121 balls @ 0.8 mm"]
    circles = [m for m in members if m.Cast().GetClass() == "PCB_SHAPE"
               and m.Cast().GetShape() == pcbnew.SHAPE_T_CIRCLE]
    assert len(circles) == len(board_marks.spots(report))
    assert len(members) == len(board_marks.layout(report))


def test_a_real_board_with_only_notes_gets_outline_and_summary_but_no_marks(glasgow):
    path, _ = glasgow
    board = _load(path)
    report = action_plugin.run_on_board(board)
    assert report.findings and all(f.severity == "info" for f in report.findings)
    kinds = sorted(d.GetClass() for d in _ours(board))
    assert kinds == ["PCB_SHAPE", "PCB_TEXT"]  # the array box and the summary block
    assert len(board.Markers()) == report.meta["annotations"]["markers"] == 0


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


def _bga_board(tmp_path, user7_text=None):
    board = pcbnew.BOARD()
    fp = pcbnew.FootprintLoad(BGA_LIB, "BGA-64_9.0x9.0mm_Layout10x10_P0.8mm")
    fp.SetReference("U1")
    fp.SetPosition(pcbnew.VECTOR2I(pcbnew.FromMM(50), pcbnew.FromMM(50)))
    board.Add(fp)
    if user7_text:
        layers = board.GetEnabledLayers()
        layers.AddLayer(pcbnew.User_7)
        board.SetEnabledLayers(layers)
        text = pcbnew.PCB_TEXT(board)
        text.SetText(user7_text)
        text.SetLayer(pcbnew.User_7)
        board.Add(text)
    path = tmp_path / "bga64.kicad_pcb"
    pcbnew.SaveBoard(str(path), board)
    return path


def test_a_designer_drawing_on_user7_moves_the_report_to_another_layer(tmp_path):
    board, report = _synthetic(_bga_board(tmp_path, user7_text="designer note"))
    report_layer.write_report(board, report)
    assert board.GetLayerID(report_layer.LAYER_NAME) == pcbnew.User_3  # the other pale cyan one
    assert board.GetLayerName(pcbnew.User_7) == "User.7"
    notes = [d for d in board.GetDrawings() if d.GetClass() == "PCB_TEXT"
             and d.Cast().GetText() == "designer note"]
    assert len(notes) == 1 and notes[0].GetLayer() == pcbnew.User_7


def test_a_layer_already_named_bga_check_is_kept(tmp_path):
    """A board annotated by an earlier version (on User.9) keeps its report layer."""
    board, report = _synthetic(_bga_board(tmp_path))
    layers = board.GetEnabledLayers()
    layers.AddLayer(pcbnew.User_9)
    board.SetEnabledLayers(layers)
    board.SetLayerName(pcbnew.User_9, report_layer.LAYER_NAME)
    report_layer.write_report(board, report)
    assert {d.GetLayer() for d in _ours(board)} == {pcbnew.User_9}
    assert board.GetLayerName(pcbnew.User_7) == "User.7"


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


def test_bga_text_carries_verdict_balls_pitch_and_standoff(tmp_path):
    board, report = _synthetic(_bga_board(tmp_path))
    summary = report_layer.write_report(board, report)
    texts = [d.Cast().GetText() for d in _ours(board) if d.GetClass() == "PCB_TEXT"]
    head = [t for t in texts if t.startswith("U1:")][0].splitlines()
    assert head == ["U1: FAIL (1 error, 1 warning)", "64 balls @ 0.8 mm", "standoff 0.312 mm"]
    assert sorted(t for t in texts if not t.startswith("U1:")) == ["E1", "W1"]
    assert summary["markers"] == 0 and len(board.Markers()) == 0


def test_only_warnings_and_errors_are_drawn_each_with_its_results_window_code(tmp_path):
    board, report = _synthetic(_bga_board(tmp_path))
    report_layer.write_report(board, report)
    codes = {d.Cast().GetText(): d.Cast().GetPosition() for d in _ours(board)
             if d.GetClass() == "PCB_TEXT" and not d.Cast().GetText().startswith("U1:")}
    assert sorted(codes) == sorted(c for c, _ in finding_codes(report)) == ["E1", "W1"]
    circles = [d.Cast() for d in _ours(board) if d.GetClass() == "PCB_SHAPE"
               and d.Cast().GetShape() == pcbnew.SHAPE_T_CIRCLE]
    centres = sorted((c.GetCenter().x, c.GetCenter().y) for c in circles)
    assert centres == [(pcbnew.FromMM(49.6), pcbnew.FromMM(49.6)),
                       (pcbnew.FromMM(50.4), pcbnew.FromMM(49.6))]  # not the note at 50, 50.4
    segments = [d for d in _ours(board) if d.GetClass() == "PCB_SHAPE"
                and d.Cast().GetShape() == pcbnew.SHAPE_T_SEGMENT]
    assert len(segments) == 2  # the error's X; the warning is a plain ring


def test_every_primitive_becomes_one_item_with_its_uuid_and_geometry(tmp_path):
    board, report = _synthetic(_bga_board(tmp_path))
    report_layer.write_report(board, report)
    items = {d.m_Uuid.AsString(): d.Cast() for d in _ours(board)}
    prims = board_marks.layout(report)
    assert len(items) == len(prims)
    for p in prims:
        item = items[board_marks.uuid_for(p.key)]
        a = (pcbnew.FromMM(p.a[0]), pcbnew.FromMM(p.a[1]))
        if p.kind == "text":
            assert item.GetText() == p.text
            assert abs(item.GetPosition().x - a[0]) <= 1 and abs(item.GetPosition().y - a[1]) <= 1
            assert abs(item.GetTextHeight() - pcbnew.FromMM(p.height_mm)) <= 1
            assert item.GetHorizJustify() == (pcbnew.GR_TEXT_H_ALIGN_CENTER
                                              if p.justify == "center"
                                              else pcbnew.GR_TEXT_H_ALIGN_LEFT)
            assert item.GetVertJustify() == pcbnew.GR_TEXT_V_ALIGN_CENTER
        else:
            shape = {"circle": pcbnew.SHAPE_T_CIRCLE, "segment": pcbnew.SHAPE_T_SEGMENT,
                     "rect": pcbnew.SHAPE_T_RECT}[p.kind]
            assert item.GetShape() == shape
            start = item.GetCenter() if p.kind == "circle" else item.GetStart()
            assert abs(start.x - a[0]) <= 1 and abs(start.y - a[1]) <= 1
            assert abs(item.GetWidth() - pcbnew.FromMM(p.width_mm)) <= 1


def test_the_layer_is_enabled_named_shown_and_announced_to_kicad(tmp_path, monkeypatch):
    board, report = _synthetic(_bga_board(tmp_path))
    assert not board.GetEnabledLayers().Contains(pcbnew.User_7)
    calls = []
    monkeypatch.setattr(pcbnew, "UpdateUserInterface", lambda: calls.append(1))
    report_layer.write_report(board, report)
    assert board.GetEnabledLayers().Contains(pcbnew.User_7)
    assert board.GetVisibleLayers().Contains(pcbnew.User_7)
    assert board.GetLayerName(pcbnew.User_7) == report_layer.LAYER_NAME
    assert calls == [1]  # Appearance > Layers is rebuilt at once


def test_update_user_interface_without_an_editor_window_is_harmless():
    pcbnew.UpdateUserInterface()  # 9.0.8: does nothing when no board editor is open


def test_rerun_with_fewer_findings_removes_the_old_marks(tmp_path):
    board, report = _synthetic(_bga_board(tmp_path))
    report_layer.write_report(board, report)
    first = len(_ours(board))
    report.findings = report.findings[2:]
    report_layer.write_report(board, report)
    assert first == 2 + 4 + 2  # box and summary; error ring, X and code; warning ring and code
    assert sorted(d.GetClass() for d in _ours(board)) == ["PCB_SHAPE", "PCB_TEXT"]


def test_rerun_replaces_the_marks_without_adding_any(tmp_path):
    board, report = _synthetic(_bga_board(tmp_path))
    report_layer.write_report(board, report)
    first = sorted(d.m_Uuid.AsString() for d in _ours(board))
    summary = report_layer.write_report(board, report)
    assert sorted(d.m_Uuid.AsString() for d in _ours(board)) == first
    assert summary["removed"] == len(first) + 1  # the items and their group


def test_a_marker_an_earlier_version_left_is_removed_and_none_is_added(tmp_path):
    board, report = _synthetic(_bga_board(tmp_path))
    ours = board_marks.uuid_for("earlier version")
    x, y = pcbnew.FromMM(49.6), pcbnew.FromMM(49.6)
    board.Add(pcbnew.PCB_MARKER.DeserializeFromString(f"generic_error|{x}|{y}|{ours}|F.Cu"))
    assert len(board.Markers()) == 1
    report_layer.write_report(board, report)
    assert len(board.Markers()) == 0


def test_options_are_remembered_next_to_the_board(tmp_path):
    board_path = str(tmp_path / "b.kicad_pcb")
    assert remembered_options.load_options(board_path) == CheckOptions()
    chosen = CheckOptions(profile="intel_an114", fab_tier="advanced", stencil_mm=0.1,
                          severity="error")
    written = remembered_options.save_options(board_path, chosen)
    assert written == str(tmp_path / "b.bgacheck.json")
    back = remembered_options.load_options(board_path)
    assert (back.profile, back.fab_tier, back.stencil_mm, back.severity) == (
        "intel_an114", "advanced", 0.1, "error")


def test_a_corrupt_options_file_falls_back_to_defaults(tmp_path):
    (tmp_path / "b.bgacheck.json").write_text('{"severity": "fatal", "stencil_mm": -3', "utf-8")
    assert remembered_options.load_options(str(tmp_path / "b.kicad_pcb")) == CheckOptions()
    (tmp_path / "b.bgacheck.json").write_text('{"severity": "fatal", "stencil_mm": "x"}', "utf-8")
    assert remembered_options.load_options(str(tmp_path / "b.kicad_pcb")) == CheckOptions()


def test_results_window_lists_findings_by_severity_with_the_board_codes(tmp_path):
    board, report = _synthetic(_bga_board(tmp_path))
    report.findings.append(Finding("t.other", "error", "x", "U2", 1, 1))
    listed = results_rows.finding_rows(report, "warning")
    assert [(code, f.rule_id) for code, f, _ in listed] == [
        ("E1", "t.err"), ("E2", "t.other"), ("W1", "t.warn")]
    report_layer.write_report(board, report)
    drawn = {d.Cast().GetText() for d in _ours(board) if d.GetClass() == "PCB_TEXT"}
    assert {"E1", "W1"} <= drawn  # the labels on the board carry the codes the window lists
    assert results_rows.bga_rows(report)[0][2:] == (
        "0.8", "0.312 ± 0.025", "FAIL (1 error, 1 warning, 1 note)")


@pytest.mark.parametrize("platform, debian, found, expected", [
    ("linux", True, "", "sudo apt install python3-pip\n  /usr/bin/python3.11 -m pip install "
                        '--user --break-system-packages "shapely>=2.0,<2.2"'),
    ("linux", True, "1.8.5", "shapely 1.8.5 (needs >=2.0,<2.2)"),
    ("win32", False, "", '"C:\\KiCad\\9.0\\bin\\python.exe" -m pip install "shapely>=2.0,<2.2"'),
    ("darwin", False, "", '/Applications/KiCad/py/bin/python3.11 -m pip install '
                          '"shapely>=2.0,<2.2"'),
])
def test_missing_shapely_message_names_kicads_interpreter_and_a_numpy_safe_command(
        platform, debian, found, expected):
    prefix = {"darwin": "/Applications/KiCad/py", "win32": "C:\\KiCad\\9.0\\bin"}.get(platform,
                                                                                     "/usr")
    text = action_plugin.install_message([("shapely", found, (2, 0))], platform, prefix, debian,
                                         (3, 11))
    assert expected in text
    assert "Nothing on the board was changed" in text and "IPC build" in text


def test_missing_numpy_on_debian_uses_apt():
    text = action_plugin.install_message([("numpy", "", (1, 24))], "linux", "/usr", True, (3, 11))
    assert "sudo apt install python3-numpy\n" in text and "pip install" not in text


@pytest.mark.slow
def test_the_shapely_the_message_installs_leaves_the_systems_numpy_alone(tmp_path):
    """pip's own resolver, against the real index, for Debian's Python and its numpy 1.24."""
    import json
    import subprocess

    python = action_plugin.kicad_python("linux", "/usr", (3, 11))
    if not os.path.exists(python):
        pytest.skip(f"{python} (Debian 12's Python, KiCad's interpreter) is not here")
    done = subprocess.run(
        [python, "-m", "pip", "install", "--dry-run", "--quiet", "--user",
         "--break-system-packages", "--report", str(tmp_path / "plan.json"),
         action_plugin.SHAPELY_FOR_NUMPY_1], capture_output=True, text=True, timeout=300,
        env={**os.environ, "HOME": str(tmp_path)})
    if done.returncode != 0 and "No matching distribution" not in done.stderr:
        pytest.skip(f"the package index cannot be reached: {done.stderr.strip()[-300:]}")
    assert done.returncode == 0, done.stderr
    plan = json.loads((tmp_path / "plan.json").read_text())
    names = {item["metadata"]["name"].lower() for item in plan["install"]}
    assert names == {"shapely"}, names  # numpy stays the system's


def test_findings_at_one_spot_share_a_circle_that_survives_saving(tmp_path):
    board, report = _synthetic(_bga_board(tmp_path))
    twin = Finding("t.twin", "warning", "same spot", "U1", 49.6, 49.6, 0.1, 0.2)
    report.findings += [twin, twin]
    report_layer.write_report(board, report)
    _save(board, tmp_path / "saved.kicad_pcb")
    again = _load(tmp_path / "saved.kicad_pcb")
    labels = [d.Cast().GetText() for d in _ours(again) if d.GetClass() == "PCB_TEXT"]
    assert "E1+W1+2" in labels  # t.err, then t.twin twice (W3 is t.warn, elsewhere)
    # box, summary; shared spot: ring, X (2), code; warning spot: ring, code
    assert len(_ours(again)) == len(_ours(board)) == 2 + 4 + 2


def _ink(item):
    box = item.GetEffectiveTextShape().BBox()
    return (box.GetX(), box.GetY(), box.GetRight(), box.GetBottom())


def _overlap(a, b) -> bool:
    return min(a[2], b[2]) > max(a[0], b[0]) and min(a[3], b[3]) > max(a[1], b[1])


def test_kicad_draws_no_block_over_another_block_an_array_or_a_code(tmp_path):
    """The layout's text estimates hold for KiCad's own font: two BGAs 3 mm apart (a generated
    board), every ball of both flagged."""
    from paths import REPO

    board = _load(REPO / "fixtures" / "boards" / "bga-vendor-limits.kicad_pcb")
    report = action_plugin.run_on_board(board)
    assert len(report.bgas) == 2
    for bga in report.bgas:
        report.findings += [Finding("t.w", "warning", "m", bga.ref, b["x_mm"], b["y_mm"])
                            for b in bga.extra["balls"]]
    report_layer.write_report(board, report)
    texts = [d.Cast() for d in _ours(board) if d.GetClass() == "PCB_TEXT"]
    blocks = [_ink(t) for t in texts if "\n" in t.GetText()]
    codes = [_ink(t) for t in texts if "\n" not in t.GetText()]
    boxes = [tuple(pcbnew.FromMM(v) for v in board_marks.array_box(b)) for b in report.bgas]
    assert len(blocks) == 2 and len(codes) == 72
    for i, a in enumerate(blocks):
        assert not any(_overlap(a, b) for b in blocks[i + 1:] + boxes + codes)
    for i, a in enumerate(codes):
        assert not any(_overlap(a, b) for b in codes[i + 1:])
