"""KiCad 9's real PCB editor under Xvfb, with a throw-away user directory, for the GUI tests.

``unpack_like_the_pcm`` lays a built package out as KiCad's "Install from File..." does (the
zip's ``plugins/`` under ``3rdparty/plugins/<identifier with dots as underscores>/``).
``Editor`` starts Xvfb and ``pcbnew <board>`` with HOME, KICAD_CONFIG_HOME and
KICAD9_3RD_PARTY pointing into the test's tmp dir, optionally with the IPC API server enabled;
``shot`` saves a screenshot (for a person to look at) and finds the toolbar icon's pixels.
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

ROOT = Path(__file__).resolve().parents[2]
FOLDER = "com_github_bgacheck_bgacheck"
SYSTEM_PYTHON = "/usr/bin/python3"  # the interpreter Debian's KiCad embeds
CHECK_RGB = (0, 168, 107)  # resources/make_icons.py: the icon's check-mark colour

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


def skip_unless_kicad_gui(board_in_shared: str) -> None:
    """Skip the calling test module without Xvfb, xdotool, pcbnew or its shared real board."""
    import pytest

    from paths import shared_boards_missing

    for tool in ("Xvfb", "xdotool", "pcbnew"):
        if not shutil.which(tool):
            pytest.skip(f"{tool} is not installed", allow_module_level=True)
    if shared_boards_missing(board_in_shared):
        pytest.skip(shared_boards_missing(board_in_shared), allow_module_level=True)


def build_module():
    """.ci/build_pcm.py as a module."""
    spec = importlib.util.spec_from_file_location("build_pcm", ROOT / ".ci" / "build_pcm.py")
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    return build


def unpack_like_the_pcm(tmp: Path, flavour: str = "swig") -> Path:
    """Build the package of one flavour and unpack it as the PCM does; the 3rd-party folder."""
    zip_path = build_module().build(str(tmp / "dist"), flavour)
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

    def __init__(self, tmp: Path, board: Path, third_party: Path, python_path: str | None = None,
                 api: bool = False, env: dict[str, str] | None = None):
        self.tmp, extra = tmp, dict(env or {})
        read_fd, write_fd = os.pipe()
        self.xvfb = subprocess.Popen(
            ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", "1600x1000x24",
             "-nolisten", "tcp"], pass_fds=(write_fd,), stderr=subprocess.DEVNULL)
        os.close(write_fd)
        with os.fdopen(read_fd) as fh:
            self.display = ":" + fh.readline().strip()
        self.home = tmp / "home"
        config = self.home / ".config" / "kicad"
        (config / "9.0").mkdir(parents=True)
        common = {"api": {"enable_server": True, "interpreter_path": SYSTEM_PYTHON}} if api else {}
        # any kicad_common.json skips the first-run wizard
        (config / "9.0" / "kicad_common.json").write_text(json.dumps(common))
        shutil.copy("/usr/share/kicad/template/fp-lib-table", config / "9.0" / "fp-lib-table")
        self.board = tmp / board.name
        shutil.copyfile(board, self.board)
        if board.with_suffix(".kicad_pro").is_file():
            shutil.copyfile(board.with_suffix(".kicad_pro"), self.board.with_suffix(".kicad_pro"))
        env = {k: v for k, v in os.environ.items() if not k.startswith(("KICAD", "PYTHON"))}
        env.update(HOME=str(self.home), DISPLAY=self.display, KICAD_CONFIG_HOME=str(config),
                   KICAD9_3RD_PARTY=str(third_party), PYTHONNOUSERSITE="1")
        # KiCad puts its API socket in the temp folder: one per test, never another KiCad's
        self.tmpdir = tmp / "t"
        self.tmpdir.mkdir()
        env["TMPDIR"] = str(self.tmpdir)
        if python_path:
            env["PYTHONPATH"] = python_path
        env.update(extra)
        self.env = env
        self.started = time.time()
        self.log = open(tmp / "pcbnew.log", "wb")
        self.pcbnew = subprocess.Popen(["pcbnew", str(self.board)], env=env, stdout=self.log,
                                       stderr=subprocess.STDOUT)

    def api_socket(self, timeout=60) -> str:
        """The ``ipc://`` address of this KiCad's API server, once it listens."""
        deadline = time.monotonic() + timeout
        while True:
            found = sorted((self.tmpdir / "kicad").glob("api*.sock"))
            if found:
                return f"ipc://{found[0]}"
            assert time.monotonic() < deadline, "KiCad's API server did not start"
            time.sleep(0.5)

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

    def wait_for_button(self, timeout=60, name="toolbar.png") -> dict:
        deadline = time.monotonic() + timeout
        while True:
            found = self.shot(name)
            if found["count"] or time.monotonic() > deadline:
                return found
            time.sleep(1)

    def click_button(self, found: dict) -> None:
        x0, y0, x1, y1 = found["box"]
        self.xdotool("mousemove", str((x0 + x1) // 2), str((y0 + y1) // 2), "click", "1")

    def close(self):
        for proc in (self.pcbnew, self.xvfb):
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.log.close()
