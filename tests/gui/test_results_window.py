"""The results window on a real display (Xvfb), built from a real report, without KiCad.

A subprocess (the venv's Python, which sees the system's wx) checks a generated two-BGA board with
``bgacheck.api``, opens the window beside a stand-in editor frame, selects a finding row the way a
click does, changes the severity, checks again through the ``rerun`` callback and reports what
the window shows as JSON. The screenshot stays in the test's tmp dir (results-window.png) for a
person to look at.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from paths import REPO

pytestmark = [pytest.mark.gui]

BOARD = REPO / "fixtures" / "boards" / "bga-vendor-limits.kicad_pcb"
"""Two 36-ball BGAs; at the pcbway tier both have annular-ring errors and U1 a land warning."""

if not shutil.which("Xvfb"):
    pytest.skip("Xvfb is not installed", allow_module_level=True)

SCRIPT = r'''
import json, sys, wx
from bgacheck import api
from bgacheck.core import rules
from bgacheck.kicad.results_window import ResultsWindow

board, shot = sys.argv[1], sys.argv[2]
options = api.CheckOptions(fab_tier="pcbway")
report = api.check_file(board, options, reader="native")
app = wx.App(False)
editor = wx.Frame(None, title="stand-in PCB editor", pos=(0, 0), size=(1280, 900))
editor.Show()
out = {"focus": [], "editor_events": 0, "rerun": []}

def on_editor_event(event):
    out["editor_events"] += 1

editor.Bind(wx.EVT_BUTTON, on_editor_event)

def focus(target):
    out["focus"].append(target if isinstance(target, str) else [target.rule_id, target.ref])
    return None

def rerun(new_options):
    out["rerun"].append([new_options.fab_tier, new_options.severity])
    fresh = api.check_file(board, new_options, reader="native")
    return fresh, {"layer": "BGA.Check", "markers": 0}

window = ResultsWindow(editor, report, options, {"layer": "BGA.Check", "markers": 3}, rerun,
                       focus, rules.list_profiles(), rules.list_fab_tiers())
window.show()

def step1():
    frame = window.frame
    out["is_frame"] = isinstance(frame, wx.Frame) and not isinstance(frame, wx.Dialog)
    out["float_on_parent"] = bool(frame.GetWindowStyle() & wx.FRAME_FLOAT_ON_PARENT)
    out["editor_enabled"] = editor.IsEnabled()
    out["rect"] = list(frame.GetScreenRect())
    out["editor_rect"] = list(editor.GetScreenRect())
    out["display"] = list(wx.Display(0).GetClientArea())
    wx.PostEvent(editor, wx.CommandEvent(wx.wxEVT_BUTTON, editor.GetId()))
    window.select_finding(1)
    out["first"] = window.texts()
    wx.CallLater(800, step2)

def step2():
    dc = wx.ScreenDC()
    w, h = wx.GetDisplaySize()
    bmp = wx.Bitmap(w, h)
    mem = wx.MemoryDC(bmp)
    mem.Blit(0, 0, w, h, dc, 0, 0)
    mem.SelectObject(wx.NullBitmap)
    x, y, fw, fh = out["rect"]
    bmp.GetSubBitmap(wx.Rect(x, y, fw, fh)).SaveFile(shot, wx.BITMAP_TYPE_PNG)
    window.severity_choice.SetStringSelection("info")
    window._on_severity(None)
    out["info"] = window.texts()
    window.tier.SetStringSelection("jlcpcb")
    window._on_again(None)
    out["again"] = window.texts()
    window.frame.Close()
    wx.CallLater(300, step3)

def step3():
    out["alive_after_close"] = window.alive()
    print(json.dumps(out))
    editor.Destroy()
    app.ExitMainLoop()

wx.CallLater(1200, step1)
app.MainLoop()
'''


def _run_on_fresh_display(script: Path, shot: Path) -> subprocess.CompletedProcess:
    read_fd, write_fd = os.pipe()
    xvfb = subprocess.Popen(["Xvfb", "-displayfd", str(write_fd), "-screen", "0", "1600x1000x24",
                             "-nolisten", "tcp"], pass_fds=(write_fd,), stderr=subprocess.DEVNULL)
    os.close(write_fd)
    with os.fdopen(read_fd) as fh:
        display = ":" + fh.readline().strip()
    try:
        return subprocess.run([sys.executable, str(script), str(BOARD), str(shot)],
                              env={**os.environ, "DISPLAY": display}, capture_output=True,
                              text=True, timeout=120)
    finally:
        xvfb.terminate()
        xvfb.wait(timeout=20)


@pytest.fixture(scope="module")
def shown(tmp_path_factory):
    """Run the window once on a fresh Xvfb; what it showed, and the screenshot's path."""
    tmp = tmp_path_factory.mktemp("results_window")
    script = tmp / "window.py"
    script.write_text(SCRIPT)
    shot = tmp / "results-window.png"
    for _ in range(3):  # a display number another Xvfb has just let go of can refuse clients
        done = _run_on_fresh_display(script, shot)
        if "wxEntryStart failed" not in done.stderr:
            break
    if done.returncode != 0 and "No module named 'wx'" in done.stderr:
        pytest.skip("wxPython is not importable from this Python")
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1]), shot


def test_window_is_a_frame_beside_the_editor_that_leaves_it_usable(shown):
    out, _ = shown
    assert out["is_frame"] and out["float_on_parent"]
    assert out["editor_enabled"] and out["editor_events"] == 1  # not modal: the editor works
    x, y, w, h = out["rect"]
    ex, ey, ew, eh = out["editor_rect"]
    dx, dy, dw, dh = out["display"]
    assert 480 <= w <= 560 and h == eh and x + w == dx + dw  # narrow, full height, at the edge
    assert x >= ex + ew // 2  # the middle of the editor stays visible
    assert out["first"]["title"].startswith("BGA check")


def test_errors_of_both_bgas_come_first_and_the_count_matches_the_rows(shown):
    first = shown[0]["first"]
    assert [(r[0], r[1]) for r in first["findings"]] == [("E1", "U1"), ("E2", "U2"), ("W1", "U1")]
    assert first["count"].startswith("3 shown: 2 errors, 1 warning; ")
    assert first["count"].endswith("notes hidden (choose 'info' to list them)")
    assert [r[0] for r in first["bgas"]] == ["U1", "U2"]
    assert first["bgas"][0][2:4] == ["1.0", "0.479 ± 0.007"]
    assert first["bgas"][0][4].startswith("FAIL (1 error, 1 warning")


def test_selecting_a_finding_shows_it_whole_and_focuses_the_board(shown):
    out = shown[0]
    detail = out["first"]["detail"]
    assert detail.startswith("E2  ERROR  U2  fab.annular_ring\n")
    assert "36 vias with a 0.113 mm annular ring, below the pcbway tier" in detail
    assert "Measured 0.113 mm, limit ≥ 0.15 mm: 0.037 mm short" in detail
    assert "What to change: via pad >= drill + 0.300 mm" in detail
    assert "Rule: fab.annular_ring\nSource: " in detail
    assert "Where: U2 at x 102.000, y 97.000 mm" in detail and "Items involved (" in detail
    assert out["focus"] == [["fab.annular_ring", "U2"]]
    assert out["first"]["status"] == "E2 shown on the board"
    assert "Fab tier pcbway (chosen for this run)" in out["first"]["header"]


def test_one_severity_control_filters_the_list_and_judges_the_bgas(shown):
    info = shown[0]["info"]
    n = len(info["findings"])
    assert info["count"].startswith(f"{n} shown: 2 errors, 1 warning, ")
    assert "hidden" not in info["count"]
    assert [r[0][0] for r in info["findings"]][:3] == ["E", "E", "W"]
    assert {r[0][0] for r in info["findings"][3:]} == {"N"}


def test_check_again_reruns_with_the_window_choices_and_says_they_were_chosen_here(shown):
    out = shown[0]
    assert out["rerun"] == [["jlcpcb", "info"]]
    again = out["again"]
    assert "Fab tier jlcpcb (chosen in this window)" in again["header"]
    assert not any(r[0].startswith("E") for r in again["findings"])  # jlcpcb builds these vias
    assert not out["alive_after_close"]


def test_screenshot_is_kept_for_a_person_to_look_at(shown):
    _, shot = shown
    assert shot.is_file() and shot.stat().st_size > 10_000
    print(f"results window screenshot: {Path(shot)}")
