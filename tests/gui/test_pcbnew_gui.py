"""The built PCM package inside the real KiCad 9 PCB editor, under Xvfb, driven with xdotool.

The zip is unpacked the way KiCad's "Install from File..." lays it out, into a throw-away
KiCad user directory (HOME, KICAD_CONFIG_HOME, KICAD9_3RD_PARTY). Screenshots are kept in the
test's tmp dir (toolbar.png, dialog.png, board.png, message.png) for a person to look at.
"""
from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import time
import zipfile
from pathlib import Path

import pytest

from paths import SHARED_BOARDS, shared_boards_missing

ROOT = Path(__file__).resolve().parents[2]
BOARD_IN_SHARED = "glasgow-revC3/glasgow.kicad_pcb"
BOARD = SHARED_BOARDS / BOARD_IN_SHARED
FOLDER = "com_github_bgacheck_bgacheck"
SYSTEM_PYTHON = "/usr/bin/python3"  # the interpreter Debian's KiCad embeds
CHECK_RGB = (0, 168, 107)  # resources/make_icons.py: the icon's check-mark colour

pytestmark = [pytest.mark.gui, pytest.mark.kicad, pytest.mark.slow]

for tool in ("Xvfb", "xdotool", "pcbnew"):
    if not shutil.which(tool):
        pytest.skip(f"{tool} is not installed", allow_module_level=True)
if shared_boards_missing(BOARD_IN_SHARED):
    pytest.skip(shared_boards_missing(BOARD_IN_SHARED), allow_module_level=True)

SHOT = r'''
import json, sys, wx
app = wx.App(False)
w, h = wx.GetDisplaySize()
bmp = wx.Bitmap(w, h)
dc = wx.MemoryDC(bmp)
dc.Blit(0, 0, w, h, wx.ScreenDC(), 0, 0)
dc.SelectObject(wx.NullBitmap)
bmp.SaveFile(sys.argv[1], wx.BITMAP_TYPE_PNG)
data, want = bytes(bmp.ConvertToImage().GetData()), bytes(json.loads(sys.argv[2]))
xs, ys, i = [], [], data.find(want)
while i >= 0:
    if i % 3 == 0:
        xs.append(i // 3 % w); ys.append(i // 3 // w)
    i = data.find(want, i + 1)
box = [min(xs), min(ys), max(xs), max(ys)] if xs else None
print(json.dumps({"count": len(xs), "box": box}))
'''


def _unpack_like_the_pcm(tmp: Path) -> Path:
    spec = importlib.util.spec_from_file_location("build_pcm", ROOT / ".ci" / "build_pcm.py")
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    zip_path = build.build(str(tmp / "dist"))
    third = tmp / "3rdparty"
    with zipfile.ZipFile(zip_path) as zf:
        for name in zf.namelist():
            if name.startswith("plugins/"):
                target = third / "plugins" / FOLDER / name[len("plugins/"):]
            elif name.startswith("resources/"):
                target = third / "resources" / FOLDER / name[len("resources/"):]
            else:
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(zf.read(name))
    return third


class Editor:
    """Xvfb plus pcbnew with a fresh KiCad user directory; stopped by ``close``."""

    def __init__(self, tmp: Path, python_path: str | None):
        self.tmp = tmp
        read_fd, write_fd = os.pipe()
        self.xvfb = subprocess.Popen(
            ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", "1600x1000x24",
             "-nolisten", "tcp"], pass_fds=(write_fd,), stderr=subprocess.DEVNULL)
        os.close(write_fd)
        with os.fdopen(read_fd) as fh:
            self.display = ":" + fh.readline().strip()
        home = tmp / "home"
        config = home / ".config" / "kicad"
        (config / "9.0").mkdir(parents=True)
        (config / "9.0" / "kicad_common.json").write_text("{}")  # skips the first-run wizard
        shutil.copy("/usr/share/kicad/template/fp-lib-table", config / "9.0" / "fp-lib-table")
        self.board = tmp / "glasgow.kicad_pcb"
        shutil.copyfile(BOARD, self.board)
        shutil.copyfile(BOARD.with_suffix(".kicad_pro"), tmp / "glasgow.kicad_pro")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("KICAD", "PYTHON"))}
        env.update(HOME=str(home), DISPLAY=self.display, KICAD_CONFIG_HOME=str(config),
                   KICAD9_3RD_PARTY=str(_unpack_like_the_pcm(tmp)), PYTHONNOUSERSITE="1")
        if python_path:
            env["PYTHONPATH"] = python_path
        self.env = env
        self.log = open(tmp / "pcbnew.log", "wb")
        self.pcbnew = subprocess.Popen(["pcbnew", str(self.board)], env=env, stdout=self.log,
                                       stderr=subprocess.STDOUT)

    def xdotool(self, *args, timeout=60) -> str:
        done = subprocess.run(["xdotool", *args], env=self.env, capture_output=True, text=True,
                              timeout=timeout)
        return done.stdout.strip()

    def wait_window(self, name: str, timeout=90) -> str:
        """Id of the first window whose title matches the regex ``name``."""
        ids = self.xdotool("search", "--sync", "--name", name, timeout=timeout)
        return ids.splitlines()[0]

    def shot(self, name: str) -> dict:
        """Screenshot to tmp/name; count and bounding box of the icon's check-mark pixels."""
        script = self.tmp / "shot.py"
        script.write_text(SHOT)
        done = subprocess.run([SYSTEM_PYTHON, str(script), str(self.tmp / name),
                               json.dumps(CHECK_RGB)], env=self.env, capture_output=True,
                              text=True, timeout=60)
        assert done.returncode == 0, done.stderr[-2000:]
        return json.loads(done.stdout.strip().splitlines()[-1])

    def wait_for_button(self, timeout=60) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            found = self.shot("toolbar.png")
            if found["count"] or time.monotonic() > deadline:
                return found
            time.sleep(1)

    def close(self):
        for proc in (self.pcbnew, self.xvfb):
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.log.close()


@pytest.fixture()
def editor_with_shapely2(tmp_path):
    # KiCad's Python gets the project's pinned numpy/shapely (same CPython 3.11 ABI), standing in
    # for a user who followed the plugin's install message.
    import numpy

    editor = Editor(tmp_path, os.path.dirname(os.path.dirname(numpy.__file__)))
    yield editor
    editor.close()


def test_toolbar_button_checks_the_board_and_shows_the_results(editor_with_shapely2):
    ed = editor_with_shapely2
    ed.wait_window("^glasgow .*PCB Editor")  # the title names the board once it has loaded
    time.sleep(2)
    found = ed.wait_for_button()
    assert found["count"] >= 20, "the plugin's toolbar icon is not on screen (see toolbar.png)"
    x0, y0, x1, y1 = found["box"]
    assert y1 < 80, "the icon is not in the top toolbar"
    ed.xdotool("mousemove", str((x0 + x1) // 2), str((y0 + y1) // 2), "click", "1")
    dialog = ed.wait_window("^BGA check$", timeout=120)
    time.sleep(2)
    ed.shot("dialog.png")
    ed.xdotool("windowfocus", "--sync", dialog, "key", "Escape")
    main = ed.wait_window("^glasgow .*PCB Editor")
    ed.xdotool("windowfocus", "--sync", main, "key", "ctrl+s")
    deadline = time.monotonic() + 60
    while b'(group "bgacheck:report"' not in ed.board.read_bytes():
        assert time.monotonic() < deadline, "the saved board has no bgacheck:report group"
        time.sleep(1)
    ed.shot("board.png")
    text = ed.board.read_text("utf-8")
    assert '"BGA.Check"' in text and "U30: 121 balls 11x11 @ 0.8 mm" in text
    remembered = json.loads((ed.tmp / "glasgow.bgacheck.json").read_text("utf-8"))
    assert sorted(remembered) == sorted(["profile", "fab_tier", "stencil_mm", "ball_d_mm",
                                         "severity"]) and remembered["severity"] == "warning"


def _system_shapely() -> str:
    done = subprocess.run([SYSTEM_PYTHON, "-s", "-c", "import shapely; print(shapely.__version__)"],
                          capture_output=True, text=True)
    return done.stdout.strip() if done.returncode == 0 else ""


@pytest.mark.skipif(_system_shapely().split(".")[0] not in ("", "0", "1"),
                    reason="the system Python already has Shapely 2")
def test_button_without_shapely_2_shows_the_install_message(tmp_path):
    ed = Editor(tmp_path, None)
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
