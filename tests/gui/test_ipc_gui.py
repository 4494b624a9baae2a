"""The IPC build in the real KiCad 9.0.8 PCB editor under Xvfb, with the API server enabled.

What a designer does, with nothing installed by hand: the package unpacked as "Install from
File..." lays it out; KiCad makes the plugin's virtual environment and pip-installs its
requirements.txt (numpy, Shapely, kicad-python) by itself; the toolbar button appears; one click
checks the open board, draws the annotations in one undoable commit and opens the results window
beside the board; a finding picked in the window is selected (and zoomed to) in the editor; Edit >
Undo takes the whole drawing back; the board file is never written. The test talks to the same
KiCad through kicad-python to see what is on the board. Screenshots stay in the test's tmp dir
(ipc-window.png, ipc-finding.png, ipc-undo.png) for a person to look at.
"""
from __future__ import annotations

import time
from pathlib import Path

import pytest
from kicad_editor import Editor, skip_unless_kicad_gui, unpack_like_the_pcm

from paths import SHARED_BOARDS

BOARD_IN_SHARED = "sdi-mipi-bridge/sdi-mipi-bridge.kicad_pcb"  # two BGAs (U2, U4), two errors
IDENTIFIER = "com.github.bgacheck.bgacheck"
FIRST_FINDING_ROW = (40, 349)
"""Where the first finding row sits in the results window [px from its top-left corner] with
this board's two BGA rows, under Xvfb's fonts (see ipc-window.png if the layout changes)."""

pytestmark = [pytest.mark.gui, pytest.mark.kicad, pytest.mark.slow]

skip_unless_kicad_gui(BOARD_IN_SHARED)
kipy = pytest.importorskip("kipy", reason="kicad-python is in requirements.txt (make venv)")


def _ours(board) -> list:
    from bgacheck.render.board_marks import is_ours

    return [i for i in (*board.get_shapes(), *board.get_text()) if is_ours(i.id.value)]


def _wait(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.5)


@pytest.fixture()
def editor(tmp_path):
    board = SHARED_BOARDS / BOARD_IN_SHARED
    ed = Editor(tmp_path, board, unpack_like_the_pcm(tmp_path, "ipc"), api=True)
    yield ed
    ed.close()


def test_ipc_button_checks_annotates_in_one_undo_step_and_keeps_its_window(editor):
    ed = editor
    before = ed.board.read_bytes()
    ed.wait_window("^sdi-mipi-bridge .*PCB Editor", timeout=120)
    # KiCad 9 says once, in a modal box, that this KiCad 6 board's zone fill strategy is legacy
    notice = ed.xdotool("search", "--sync", "--name", "PCB Editor Warning$", timeout=60)
    if notice:
        ed.xdotool("windowfocus", "--sync", notice.splitlines()[0], "key", "Return")
    # KiCad builds the plugin's venv (pip, from PyPI) before it shows the button: minutes at most
    found = ed.wait_for_button(timeout=600, name="ipc-toolbar.png")
    assert found["count"] >= 20, "the IPC action's toolbar icon is not on screen (ipc-toolbar.png)"
    venv = ed.home / ".cache" / "kicad" / "9.0" / "python-environments" / IDENTIFIER
    assert (venv / "pyvenv.cfg").is_file(), "KiCad did not make the plugin's environment"
    assert list(venv.glob("lib/python3*/site-packages/shapely")), "requirements not installed"

    kicad = kipy.KiCad(socket_path=ed.api_socket(), timeout_ms=20000)
    board = kicad.get_board()
    assert not _ours(board)
    ed.click_button(found)
    window = ed.wait_window("^BGA check", timeout=180)
    ours = _wait(lambda: _ours(board), 60, "the annotations")
    time.sleep(2)
    ed.shot("ipc-window.png")
    layer = ours[0].layer
    assert {i.layer for i in ours} == {layer}
    assert layer in board.get_enabled_layers() and layer in board.get_visible_layers()
    from kipy.proto.board.board_types_pb2 import BoardLayer

    assert layer == BoardLayer.BL_User_7  # pale cyan by default: it reads over copper
    texts = [i.value for i in ours if hasattr(i, "value")]
    assert any(t.startswith("U2: FAIL") for t in texts), texts
    assert any(t.startswith("U4: FAIL") for t in texts), texts
    assert any(t.startswith("E1") for t in texts), texts  # the errors' codes, as in the window
    blocks = [i for i in ours if hasattr(i, "value") and "\n" in i.value]
    assert len(blocks) == 2  # each drawn line under the one before, not all on the first
    assert all(b.attributes.multiline and b.attributes.line_spacing == 1.0 for b in blocks)

    # A finding clicked in the window (its first row) is selected in the editor.
    kicad.get_board().clear_selection()
    geometry = dict(line.strip().split(": ", 1) for line in
                    ed.xdotool("getwindowgeometry", window).splitlines()[1:])
    x, y = (int(v) for v in geometry["Position"].split()[0].split(","))
    ed.xdotool("mousemove", str(x + FIRST_FINDING_ROW[0]), str(y + FIRST_FINDING_ROW[1]),
               "click", "1")
    _wait(lambda: kicad.get_board().get_selection(), 30, "the finding's item selected in KiCad")
    time.sleep(1)
    ed.shot("ipc-finding.png")

    # The two BGAs with their annotations, framed as a designer zooms to them (a screenshot).
    board = kicad.get_board()
    board.clear_selection()
    board.add_to_selection([f for f in board.get_footprints()
                            if f.reference_field.text.value in ("U2", "U4")])
    kicad.run_action("common.Control.zoomFitSelection")
    board.clear_selection()
    time.sleep(1)
    ed.shot("ipc-two-bgas.png")

    # Edit > Undo in the editor takes the whole drawing back; the file was never written.
    main = ed.wait_window("sdi-mipi-bridge .*PCB Editor$")
    ed.xdotool("windowfocus", "--sync", main)
    ed.xdotool("key", "--window", main, "ctrl+z")
    _wait(lambda: not _ours(kicad.get_board()), 30, "Undo to remove every annotation")
    ed.shot("ipc-undo.png")
    assert ed.board.read_bytes() == before
    assert not list(Path(ed.board.parent).glob("*.bgacheck.json"))
    assert b"Traceback" not in (ed.tmp / "pcbnew.log").read_bytes()
