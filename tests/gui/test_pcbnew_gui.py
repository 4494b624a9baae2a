"""The built PCM package inside the real KiCad 9 PCB editor, under Xvfb, driven with xdotool.

The zip is unpacked the way KiCad's "Install from File..." lays it out, into a throw-away
KiCad user directory (HOME, KICAD_CONFIG_HOME, KICAD9_3RD_PARTY). Beside it sits a test-only
probe plugin that runs the test's questions inside KiCad's Python (what the results window
shows, where its rows are, the editor's zoom), so that the clicks stay real xdotool clicks and
their effect is read from KiCad itself. Screenshots are kept in the test's tmp dir (toolbar.png,
results-window.png, focused.png, board.png, message.png) for a person to look at.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import time
from pathlib import Path

import pytest
from kicad_editor import SYSTEM_PYTHON, Editor, skip_unless_kicad_gui, unpack_like_the_pcm

from paths import SHARED_BOARDS

BOARD_IN_SHARED = "glasgow-revC3/glasgow.kicad_pcb"
BOARD = SHARED_BOARDS / BOARD_IN_SHARED

pytestmark = [pytest.mark.gui, pytest.mark.kicad, pytest.mark.slow]

skip_unless_kicad_gui(BOARD_IN_SHARED)

PROBE = r'''
"""Test-only plugin: runs the Python files the test drops in $BGACHECK_PROBE_DIR, on KiCad's
main thread, and writes what they print beside them."""
import contextlib, glob, io, os, traceback
import wx

_DIR = os.environ.get("BGACHECK_PROBE_DIR", "")


def _poll(event=None):
    for path in sorted(glob.glob(os.path.join(_DIR, "*.py"))):
        os.rename(path, path + ".taken")
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            try:
                exec(compile(open(path + ".taken").read(), path, "exec"), {})
            except Exception:
                traceback.print_exc(file=out)
        with open(path + ".tmp", "w") as fh:
            fh.write(out.getvalue())
        os.rename(path + ".tmp", path + ".out")


if _DIR:
    _timer = wx.Timer()
    _timer.Bind(wx.EVT_TIMER, _poll)
    _timer.Start(300)
'''

WINDOW_STATE = r'''
import json, wx
from com_github_bgacheck_bgacheck.kicad import action_plugin
editor = wx.FindWindowByName("PcbFrame")
status = editor.GetStatusBar()
window = action_plugin._window
out = {"zoom": status.GetStatusText(1), "cursor": status.GetStatusText(2),
       "editor_enabled": editor.IsEnabled(), "alive": bool(window and window.alive())}
if out["alive"]:
    frame = window.frame
    out.update(window.texts())
    out["is_frame"] = isinstance(frame, wx.Frame) and not isinstance(frame, wx.Dialog)
    out["float_on_parent"] = bool(frame.GetWindowStyle() & wx.FRAME_FLOAT_ON_PARENT)
    out["rect"] = list(frame.GetScreenRect())
    out["editor_rect"] = list(editor.GetScreenRect())
    rows = []
    for lst in (window.bgas, window.findings):
        rect = lst.GetItemRect(0) if lst.GetItemCount() else None
        centre = lst.ClientToScreen(rect.GetPosition() + wx.Point(30, rect.height // 2)) \
            if rect else None
        rows.append(list(centre) if centre else None)
    out["bga_row"], out["finding_row"] = rows
    out["again_button"] = list(window.again.ClientToScreen(
        wx.Point(*window.again.GetClientSize()) / 2))
    board = action_plugin.pcbnew.GetBoard()
    fp = board.FindFootprintByReference(window.report.bgas[0].ref) if window.report.bgas else None
    if fp:
        box = fp.GetBoundingBox()
        out["bga_box_mm"] = [box.GetX() / 1e6, box.GetY() / 1e6, box.GetRight() / 1e6,
                             box.GetBottom() / 1e6]
print(json.dumps(out))
'''


def _with_probe(tmp: Path) -> Path:
    """The SWIG package as the PCM lays it out, and the test-only probe plugin beside it."""
    third = unpack_like_the_pcm(tmp, "swig")
    probe = third / "plugins" / "bgacheck_test_probe" / "__init__.py"
    probe.parent.mkdir(parents=True)
    probe.write_text(PROBE)
    return third


class ProbedEditor(Editor):
    """The editor on the glasgow board, with the probe plugin answering ``ask``."""

    def __init__(self, tmp: Path, python_path: str | None):
        self.probe_dir = tmp / "probe"
        self.probe_dir.mkdir()
        super().__init__(tmp, BOARD, _with_probe(tmp), python_path,
                         env={"BGACHECK_PROBE_DIR": str(self.probe_dir)})

    def ask(self, code: str, timeout=60) -> dict:
        """Run ``code`` inside KiCad's Python (the probe plugin); the JSON it printed."""
        self.asked = getattr(self, "asked", 0) + 1
        path = self.probe_dir / f"q{self.asked:03d}.py"
        path.with_suffix(".tmp").write_text(code)
        path.with_suffix(".tmp").rename(path)
        answer = path.with_name(path.name + ".out")
        deadline = time.monotonic() + timeout
        while not answer.exists():
            assert time.monotonic() < deadline, "KiCad did not run the probe"
            time.sleep(0.2)
        text = answer.read_text()
        assert text.strip().startswith("{"), text[-3000:]
        return json.loads(text.strip().splitlines()[-1])


@pytest.fixture()
def editor_with_shapely2(tmp_path):
    # KiCad's Python gets the project's pinned numpy/shapely (same CPython 3.11 ABI), standing in
    # for a user who followed the plugin's install message.
    import numpy

    editor = ProbedEditor(tmp_path, os.path.dirname(os.path.dirname(numpy.__file__)))
    yield editor
    editor.close()


def _zoom(status_text: str) -> float:
    return float(status_text.split()[-1].replace(",", "."))


def _cursor(status_text: str) -> tuple[float, float]:
    words = status_text.split()
    return float(words[words.index("X") + 1]), float(words[words.index("Y") + 1])


def test_toolbar_button_checks_the_board_and_shows_the_results(editor_with_shapely2):
    ed = editor_with_shapely2
    ed.wait_window("^glasgow .*PCB Editor")  # the title names the board once it has loaded
    time.sleep(2)
    found = ed.wait_for_button()
    assert found["count"] >= 20, "the plugin's toolbar icon is not on screen (see toolbar.png)"
    x0, y0, x1, y1 = found["box"]
    assert y1 < 80, "the icon is not in the top toolbar"
    ed.xdotool("mousemove", str((x0 + x1) // 2), str((y0 + y1) // 2), "click", "1")
    window = ed.wait_window("^BGA check — glasgow.kicad_pcb$", timeout=120)
    time.sleep(2)
    ed.shot("results-window.png")
    shown = ed.ask(WINDOW_STATE)
    assert shown["is_frame"] and shown["float_on_parent"] and shown["editor_enabled"]
    x, y, w, h = shown["rect"]
    ex, ey, ew, eh = shown["editor_rect"]
    assert 480 <= w <= 560 and y > ey and y + h == ey + eh  # narrow, canvas top to the bottom
    assert not x <= (x0 + x1) // 2 <= x + w or y > y1  # the toolbar button stays uncovered
    assert shown["bgas"][0][0] == "U30" and shown["count"]
    assert len(shown["findings"]) == int(shown["count"].split()[0])

    # a real click on the BGA's row selects the footprint, zooms in and centres it
    before = _zoom(shown["zoom"])
    ed.xdotool("mousemove", *map(str, shown["bga_row"]), "click", "1")
    time.sleep(2)
    focused = ed.ask(WINDOW_STATE)
    ed.shot("focused.png")
    assert focused["status"] == "U30 shown on the board"
    assert _zoom(focused["zoom"]) > before  # zoomed in: KiCad's own status bar says so
    cx, cy = _cursor(focused["cursor"])  # FocusOnItem puts the cursor on the item it centres
    left, top, right, bottom = focused["bga_box_mm"]
    assert left <= cx <= right and top <= cy <= bottom

    # the editor is usable meanwhile, and the button raises the same window again
    main = ed.wait_window("glasgow .*PCB Editor")  # "*glasgow": modified since the check
    ed.xdotool("mousemove", str((x0 + x1) // 2), str((y0 + y1) // 2), "click", "1")
    deadline = time.monotonic() + 60
    while ed.ask(WINDOW_STATE)["status"] == "U30 shown on the board":  # until it is refreshed
        assert time.monotonic() < deadline, "a second click did not refresh the window"
        time.sleep(1)
    assert len(ed.xdotool("search", "--name", "^BGA check — ").split()) == 1

    # "Check again" runs the action through KiCad (one more undo step) and remembers the choices
    remembered_file = ed.tmp / "glasgow.bgacheck.json"
    remembered_file.unlink(missing_ok=True)
    ed.xdotool("mousemove", *map(str, ed.ask(WINDOW_STATE)["again_button"]), "click", "1")
    deadline = time.monotonic() + 60
    while not remembered_file.exists():
        assert time.monotonic() < deadline, "Check again did not run the check"
        time.sleep(1)
    remembered = json.loads(remembered_file.read_text("utf-8"))
    assert sorted(remembered) == sorted(["profile", "fab_tier", "stencil_mm", "ball_d_mm",
                                         "severity"]) and remembered["severity"] == "warning"

    ed.xdotool("windowfocus", "--sync", window, "key", "Escape")  # Escape closes the window
    deadline = time.monotonic() + 30
    while ed.ask(WINDOW_STATE)["alive"]:
        assert time.monotonic() < deadline, "Escape did not close the results window"
        time.sleep(1)
    ed.xdotool("windowfocus", "--sync", main, "key", "ctrl+s")
    deadline = time.monotonic() + 60
    while b'(group "bgacheck:report"' not in ed.board.read_bytes():
        assert time.monotonic() < deadline, "the saved board has no bgacheck:report group"
        time.sleep(1)
    ed.shot("board.png")
    text = ed.board.read_text("utf-8")
    assert '"BGA.Check"' in text  # the annotations' label wording is report_layer's business:
    assert re.search(r'"U30: [^"]*121 balls', text)  # here only that U30's label was saved


def _system_shapely() -> str:
    done = subprocess.run([SYSTEM_PYTHON, "-s", "-c", "import shapely; print(shapely.__version__)"],
                          capture_output=True, text=True)
    return done.stdout.strip() if done.returncode == 0 else ""


@pytest.mark.skipif(_system_shapely().split(".")[0] not in ("", "0", "1"),
                    reason="the system Python already has Shapely 2")
def test_button_without_shapely_2_shows_the_install_message(tmp_path):
    ed = ProbedEditor(tmp_path, None)
    try:
        ed.wait_window("^glasgow .*PCB Editor")
        time.sleep(2)
        found = ed.wait_for_button()
        assert found["count"] >= 20, "the plugin must register even without Shapely 2"
        x0, y0, x1, y1 = found["box"]
        ed.xdotool("mousemove", str((x0 + x1) // 2), str((y0 + y1) // 2), "click", "1")
        ed.wait_window("^BGA check: cannot run$", timeout=120)
        time.sleep(1)
        ed.shot("message.png")
    finally:
        ed.close()
    assert b"Traceback" not in (tmp_path / "pcbnew.log").read_bytes()


LAYER_ROW = r'''
import json, wx
editor = wx.FindWindowByName("PcbFrame")
labels = []
def walk(window):
    for child in window.GetChildren():
        if isinstance(child, wx.StaticText) and child.GetLabel() == "BGA.Check":
            labels.append(child)
        walk(child)
walk(editor)
out = {"listed": bool(labels)}
if labels:
    row = labels[0].GetParent()  # Appearance > Layers row: indicator, swatch, eye, name
    eye = row.GetChildren()[2].GetScreenRect()
    out.update(view=list(row.GetParent().GetScreenRect()),
               eye=[eye.x + eye.width // 2, eye.y + eye.height // 2])
print(json.dumps(out))
'''

OURS = r'''
import json
from com_github_bgacheck_bgacheck.kicad import action_plugin, report_layer
board = action_plugin.pcbnew.GetBoard()
layer = board.GetLayerID("BGA.Check")
ours = [d for d in board.GetDrawings() if report_layer.is_ours(d.m_Uuid.AsString())]
visible = board.IsLayerVisible(layer) if layer >= 0 else None
print(json.dumps({"ours": len(ours), "visible": visible}))
'''


def test_report_layer_is_in_appearance_at_once_its_eye_hides_it_and_undo_removes_the_marks(
        editor_with_shapely2):
    ed = editor_with_shapely2
    main = ed.wait_window("^glasgow .*PCB Editor")
    time.sleep(2)
    ed.click_button(ed.wait_for_button())
    window = ed.wait_window("^BGA check — glasgow.kicad_pcb$", timeout=120)
    assert ed.ask(OURS)["ours"] > 0
    # A designer moves the results window aside (here: closes it) to reach Appearance > Layers.
    ed.xdotool("windowfocus", "--sync", window, "key", "Escape")
    time.sleep(1)
    row = ed.ask(LAYER_ROW)
    assert row["listed"], "BGA.Check is not in Appearance > Layers until the board is reopened"
    for _ in range(20):  # scroll the layer list with the mouse wheel until the row shows
        vx, vy, vw, vh = row["view"]
        if vy + 4 <= row["eye"][1] <= vy + vh - 4:
            break
        ed.xdotool("mousemove", str(vx + vw // 2), str(vy + vh // 2), "click", "--repeat", "3",
                   "5")
        time.sleep(0.3)
        row = ed.ask(LAYER_ROW)
    ed.xdotool("mousemove", str(row["eye"][0]), str(row["eye"][1]), "click", "1")
    time.sleep(1)
    ed.shot("layer-hidden.png")
    assert ed.ask(OURS)["visible"] is False
    ed.xdotool("mousemove", str(row["eye"][0]), str(row["eye"][1]), "click", "1")
    time.sleep(1)
    assert ed.ask(OURS)["visible"] is True
    # Edit > Undo: the whole run's marks go in one step.
    ed.xdotool("windowfocus", "--sync", main, "key", "ctrl+z")
    deadline = time.monotonic() + 30
    while ed.ask(OURS)["ours"]:
        assert time.monotonic() < deadline, "Edit > Undo left annotations on the board"
        time.sleep(0.5)
    ed.shot("undone.png")
